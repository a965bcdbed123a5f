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
. "$(dirname "${BASH_SOURCE[0]}")/include/go-build.sh"
OUT="$CACHE/kube-state-metrics/$KSM_VERSION"
BIN="$OUT/kube-state-metrics"
BIN_CHECK=version
LOG_NAME=deps/kube-state-metrics
go_build_start 1 "go is not installed (need go >= 1.23)"
go_build_env -mod=readonly
log "downloading k8s.io/kube-state-metrics/v2@$KSM_VERSION"
src=$(go_module_dir "k8s.io/kube-state-metrics/v2@$KSM_VERSION")
log "building (cold: several minutes on 2 cores)"
# The main package is the module root (main.go); the version is stamped as the release Makefile does.
(cd "$src" && go build -ldflags "-s -w -X github.com/prometheus/common/version.Version=${KSM_VERSION#v}" -o "$BIN.new" .)
go_build_finish
