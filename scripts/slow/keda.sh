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
. "$(dirname "${BASH_SOURCE[0]}")/../deps/include/go-build.sh"
OUT="$CACHE/keda/$KEDA_VERSION"
LOCK="$CACHE/keda/.build-$KEDA_VERSION.lock"
LOG_NAME=scripts/slow/keda.sh
QUIET=1
# $OUT is replaced whole once both binaries and the CRDs are in it (test/support/keda.ts kedaBuilt checks the same).
go_build_done() { [ -x "$OUT/keda" ] && [ -x "$OUT/keda-adapter" ] && [ -f "$OUT/crds/.done" ]; }
go_build_start 0 "go is not installed; the KEDA slow tests will be skipped"
go_build_env -mod=mod
start=$(date +%s)
log "downloading github.com/kedacore/keda/v2@$KEDA_VERSION"
dir=$(go_module_dir "github.com/kedacore/keda/v2@$KEDA_VERSION")
work=$CACHE/keda/src-$KEDA_VERSION
go_module_copy "$dir" "$work"
cd "$work"
mkdir -p "$OUT.new/crds"
# KEDA's Makefile sets these through -X (Makefile: GO_LDFLAGS, pkg/version).
ldflags="-s -w -X github.com/kedacore/keda/v2/version.Version=${KEDA_VERSION#v} -X github.com/kedacore/keda/v2/version.GitCommit=module-proxy"
log "building ./cmd/operator (cold: long)"
go build -p 2 -ldflags "$ldflags" -o "$OUT.new/keda" ./cmd/operator
log "building ./cmd/adapter"
go build -p 2 -ldflags "$ldflags" -o "$OUT.new/keda-adapter" ./cmd/adapter
cp config/crd/bases/*.yaml "$OUT.new/crds/"
touch "$OUT.new/crds/.done"
rm -rf "$OUT"
mv "$OUT.new" "$OUT"
rm -rf "$work"
log "built in $(($(date +%s) - start))s into $OUT ($(du -sh "$OUT/keda" | cut -f1) keda, $(du -sh "$OUT/keda-adapter" | cut -f1) keda-adapter)"
