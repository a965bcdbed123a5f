# Sourced, not run, by the scripts that build a Go program once into the Updraft cache (scripts/deps/helm.sh,
# kube-state-metrics.sh, metrics-server.sh, external-scaler.sh, otelcol.sh; scripts/slow/keda.sh, vault.sh). It sits in scripts/deps/include/
# because scripts/test.sh runs every scripts/deps/*.sh (not lib/: .gitignore ignores every lib/ folder); run by hand it does nothing.
#
# A script sets OUT (its cache folder), BIN (the binary), LOG_NAME (its stderr prefix), optionally BIN_CHECK (an argument
# that makes a complete $BIN exit 0, e.g. `version`), LOCK (default $OUT/.build.lock) and QUIET=1 (a done run prints
# nothing, for callers that find the binary themselves), may redefine go_build_done, then:
#   go_build_start <exit status when go is missing> <message>   returns only when a build is needed, holding LOCK
#   go_build_env <-mod=...>                                     the Go environment of every build here
#   src=$(go_module_dir <module>@<version>)                      the module's source, from the Go module proxy
#   ... go build -o "$BIN.new" ...
#   go_build_finish                                              moves it into place, marks it complete, prints its path
(return 0 2>/dev/null) || exit 0

CACHE="${UPDRAFT_CACHE:-$HOME/.cache/updraft}"

log() { echo "$LOG_NAME: $*" >&2; }

# Built: a binary is only moved into place once built; with BIN_CHECK, .complete is written after it ran.
go_build_done() { [ -x "$BIN" ] && { [ -z "${BIN_CHECK:-}" ] || [ -f "$OUT/.complete" ]; }; }

# What a run that finds the build done prints on stdout.
go_build_ready() { [ -n "${QUIET:-}" ] || echo "$BIN"; }

go_build_start() {
  if go_build_done; then
    go_build_ready
    exit 0
  fi
  command -v go >/dev/null || {
    log "$2"
    exit "$1"
  }
  local lock="${LOCK:-$OUT/.build.lock}"
  mkdir -p "$(dirname "$lock")"
  # One build per version at a time; a second run waits, then finds the first one's binary.
  exec 9>"$lock"
  flock 9
  if go_build_done; then
    go_build_ready
    exit 0
  fi
  # A binary in place that runs is complete (a run was stopped between moving it and writing .complete).
  if [ -n "${BIN_CHECK:-}" ] && [ -x "$BIN" ] && "$BIN" "$BIN_CHECK" >/dev/null 2>&1; then
    touch "$OUT/.complete"
    go_build_ready
    exit 0
  fi
}

go_build_env() {
  # The module and build caches are shared by every Go build here (and the control plane's,
  # scripts/control-plane/build.sh), so a dependency they share is downloaded and compiled once.
  export GOMODCACHE="$CACHE/go/mod"
  export GOCACHE="$CACHE/go/build"
  export CGO_ENABLED=0
  export GOTOOLCHAIN=local
  # The module's go.sum verifies every download; the checksum database is not reachable here, the proxy is.
  export GOSUMDB=off
  export GOFLAGS="-trimpath -buildvcs=false $1"
}

# Prints the source folder of <module>@<version> (read-only, in GOMODCACHE), downloading it once.
go_module_dir() {
  local dir
  dir=$(cd "$CACHE" && GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] && [ -d "$dir" ] || {
    log "go mod download $1 gave no source dir"
    exit 1
  }
  echo "$dir"
}

# A writable copy of a module's source in <work> (for builds that edit go.mod or write into the tree).
go_module_copy() {
  rm -rf "$2"
  mkdir -p "$2"
  cp -r "$1"/. "$2"/
  chmod -R u+w "$2"
}

go_build_finish() {
  mv "$BIN.new" "$BIN"
  if [ -n "${BIN_CHECK:-}" ]; then
    "$BIN" "$BIN_CHECK" >/dev/null 2>&1 || {
      log "$BIN $BIN_CHECK failed"
      exit 1
    }
    touch "$OUT/.complete"
  fi
  go_build_ready
}
