#!/usr/bin/env bash
# Builds metrics-server (sigs.k8s.io/metrics-server, the metrics.k8s.io API the HPA reads cpu/memory from) from
# the Go module proxy, once, into ${UPDRAFT_CACHE:-$HOME/.cache/updraft}/metrics-server/<version>/metrics-server.
# The module's own go.mod/go.sum pin every dependency; the module and build caches are the control plane's
# (scripts/control-plane/build.sh), so shared dependencies are compiled once. Idempotent; safe to run concurrently.
# Prints the binary's path on stdout.
set -euo pipefail
METRICS_SERVER_VERSION="v0.8.0"
. "$(dirname "${BASH_SOURCE[0]}")/include/go-build.sh"
OUT="$CACHE/metrics-server/$METRICS_SERVER_VERSION"
BIN="$OUT/metrics-server"
BIN_CHECK=--help
LOG_NAME=deps/metrics-server
go_build_start 1 "go is not installed (need go >= 1.24)"
go_build_env -mod=readonly
log "downloading sigs.k8s.io/metrics-server@$METRICS_SERVER_VERSION"
src=$(go_module_dir "sigs.k8s.io/metrics-server@$METRICS_SERVER_VERSION")
log "building (cold: several minutes on 2 cores)"
(cd "$src" && go build -ldflags "-s -w -X sigs.k8s.io/metrics-server/pkg/version.gitVersion=$METRICS_SERVER_VERSION" -o "$BIN.new" ./cmd/metrics-server)
go_build_finish
