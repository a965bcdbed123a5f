#!/usr/bin/env bash
# Builds kube-state-metrics (k8s.io/kube-state-metrics/v2: the kube_* series KEDA's Grafana dashboard joins on,
# e.g. kube_horizontalpodautoscaler_status_current_replicas) from the Go module proxy, once, into
# ${UPDRAFT_CACHE:-$HOME/.cache/updraft}/kube-state-metrics/<version>/kube-state-metrics.
# The module's go.mod/go.sum pin every dependency; the module and build caches are shared with the control plane
# and metrics-server builds (scripts/deps/metrics-server.sh), so shared dependencies are compiled once.
# Idempotent; safe to run concurrently (a per-version flock). Prints the binary's path on stdout.
# v2.15.0: the newest release the Go proxy here serves (v2.16/v2.17 are refused).
set -euo pipefail
KSM_VERSION="v2.15.0"
CACHE="${UPDRAFT_CACHE:-$HOME/.cache/updraft}"
OUT="$CACHE/kube-state-metrics/$KSM_VERSION"
BIN="$OUT/kube-state-metrics"
log() { echo "deps/kube-state-metrics: $*" >&2; }
if [ -x "$BIN" ] && [ -f "$OUT/.complete" ]; then
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null || { log "go is not installed (need go >= 1.23)"; exit 1; }
mkdir -p "$OUT"
exec 9>"$OUT/.build.lock"
flock 9
if [ -x "$BIN" ] && [ -f "$OUT/.complete" ]; then
  echo "$BIN"
  exit 0
fi
# A binary is only moved into place once built, so one that runs is complete (a run stopped before the check).
if [ -x "$BIN" ] && "$BIN" version >/dev/null 2>&1; then
  touch "$OUT/.complete"
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
log "downloading k8s.io/kube-state-metrics/v2@$KSM_VERSION"
src=$(cd "$CACHE" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kube-state-metrics/v2@$KSM_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$src" ] && [ -d "$src" ] || { log "go mod download gave no source dir"; exit 1; }
log "building (cold: several minutes on 2 cores)"
# The main package is the module root (main.go); the version is stamped as the release Makefile does.
(cd "$src" && go build -ldflags "-s -w -X github.com/prometheus/common/version.Version=${KSM_VERSION#v}" -o "$BIN.new" .)
mv "$BIN.new" "$BIN"
"$BIN" version >/dev/null 2>&1 || { log "$BIN version failed"; exit 1; }
touch "$OUT/.complete"
echo "$BIN"
