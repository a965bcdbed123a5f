#!/usr/bin/env bash
# Builds metrics-server (sigs.k8s.io/metrics-server, the metrics.k8s.io API the HPA reads cpu/memory from) from
# the Go module proxy, once, into ${UPDRAFT_CACHE:-$HOME/.cache/updraft}/metrics-server/<version>/metrics-server.
# The module's own go.mod/go.sum pin every dependency; the module and build caches are the control plane's
# (scripts/control-plane/build.sh), so shared dependencies are compiled once. Idempotent; safe to run concurrently.
# Prints the binary's path on stdout.
set -euo pipefail
METRICS_SERVER_VERSION="v0.8.0"
CACHE="${UPDRAFT_CACHE:-$HOME/.cache/updraft}"
OUT="$CACHE/metrics-server/$METRICS_SERVER_VERSION"
BIN="$OUT/metrics-server"
log() { echo "deps/metrics-server: $*" >&2; }
if [ -x "$BIN" ] && [ -f "$OUT/.complete" ]; then
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null || { log "go is not installed (need go >= 1.24)"; exit 1; }
mkdir -p "$OUT"
exec 9>"$OUT/.build.lock"
flock 9
if [ -x "$BIN" ] && [ -f "$OUT/.complete" ]; then
  echo "$BIN"
  exit 0
fi
export GOMODCACHE="$CACHE/go/mod"
export GOCACHE="$CACHE/go/build"
export CGO_ENABLED=0
export GOTOOLCHAIN=local
# The module's go.sum verifies every download; the checksum database is not reachable here, the proxy is.
export GOSUMDB=off
export GOFLAGS="-trimpath -buildvcs=false -mod=readonly"
log "downloading sigs.k8s.io/metrics-server@$METRICS_SERVER_VERSION"
src=$(cd "$CACHE" && GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/metrics-server@$METRICS_SERVER_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$src" ] && [ -d "$src" ] || { log "go mod download gave no source dir"; exit 1; }
log "building (cold: several minutes on 2 cores)"
(cd "$src" && go build -ldflags "-s -w -X sigs.k8s.io/metrics-server/pkg/version.gitVersion=$METRICS_SERVER_VERSION" -o "$BIN.new" ./cmd/metrics-server)
mv "$BIN.new" "$BIN"
"$BIN" --help >/dev/null 2>&1 || { log "$BIN --help failed"; exit 1; }
touch "$OUT/.complete"
echo "$BIN"
