#!/usr/bin/env bash
# Builds (once, then cached) the real KEDA operator and metrics adapter for the slow e2e suite
# (`npm run test:slow`, test/slow/) and the KEDA-vs-Updraft benchmark (bench/vs-keda/).
# Source: the module zip of github.com/kedacore/keda/v2 from the Go module proxy (KEDA's own go.mod
# and go.sum, so every dependency is verified against KEDA's go.sum). Only ./cmd/operator and
# ./cmd/adapter are built (the admission webhooks are not needed). KEDA's CRDs
# (config/crd/bases/*.yaml of the module) are copied next to the binaries.
# Output: ${UPDRAFT_CACHE:-$HOME/.cache/updraft}/keda/$KEDA_VERSION/{keda,keda-adapter,crds/*.yaml}
# Cold: 15–30 minutes and ~250 MB of module cache on 2 cores; cached: returns at once.
# Heavy: run under `flock /tmp/updraft-heavy.lock` (npm run test:slow does).
# KEDA_VERSION is pinned here only; test/support/keda.ts reads it from this file.
set -euo pipefail
KEDA_VERSION="v2.21.0"
cache=${UPDRAFT_CACHE:-$HOME/.cache/updraft}
out=$cache/keda/$KEDA_VERSION
log() { echo "scripts/slow/keda.sh: $*" >&2; }
if [ -x "$out/keda" ] && [ -x "$out/keda-adapter" ] && [ -f "$out/crds/.done" ]; then exit 0; fi
if ! command -v go >/dev/null; then
  log "go is not installed; the KEDA slow tests will be skipped"
  exit 0
fi
export GOMODCACHE=$cache/go/mod GOCACHE=$cache/go/build GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
mkdir -p "$cache/keda"
exec 9>"$cache/keda/.build.lock"
flock 9
if [ -x "$out/keda" ] && [ -x "$out/keda-adapter" ] && [ -f "$out/crds/.done" ]; then exit 0; fi
start=$(date +%s)
log "downloading github.com/kedacore/keda/v2@$KEDA_VERSION"
dir=$(cd /tmp && go mod download -json "github.com/kedacore/keda/v2@$KEDA_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] && [ -f "$dir/go.mod" ] || { log "go mod download gave no module dir"; exit 1; }
work=$cache/keda/src-$KEDA_VERSION
rm -rf "$work"; mkdir -p "$work"
cp -r "$dir"/. "$work"/; chmod -R u+w "$work"
cd "$work"
mkdir -p "$out.new/crds"
# KEDA's Makefile sets these through -X (Makefile: GO_LDFLAGS, pkg/version).
ldflags="-s -w -X github.com/kedacore/keda/v2/version.Version=${KEDA_VERSION#v} -X github.com/kedacore/keda/v2/version.GitCommit=module-proxy"
log "building ./cmd/operator (cold: long)"
go build -p 2 -trimpath -ldflags "$ldflags" -o "$out.new/keda" ./cmd/operator
log "building ./cmd/adapter"
go build -p 2 -trimpath -ldflags "$ldflags" -o "$out.new/keda-adapter" ./cmd/adapter
cp config/crd/bases/*.yaml "$out.new/crds/"
touch "$out.new/crds/.done"
rm -rf "$out"; mv "$out.new" "$out"
rm -rf "$work"
log "built in $(($(date +%s) - start))s into $out ($(du -sh "$out/keda" | cut -f1) keda, $(du -sh "$out/keda-adapter" | cut -f1) keda-adapter)"
