#!/usr/bin/env bash
# Helm, built from its Go module (no helm in Debian; no binary downloads here), for the chart render test
# (test/integration/deploy/helm-chart.test.ts). Cached per version; a second run returns at once.
set -euo pipefail
HELM_VERSION=v3.22.0
. "$(dirname "${BASH_SOURCE[0]}")/include/go-build.sh"
OUT="$CACHE/helm/$HELM_VERSION/bin"
BIN="$OUT/helm"
LOG_NAME=scripts/deps/helm.sh
QUIET=1
go_build_start 0 "go is not installed; the Helm chart render test will be skipped"
go_build_env -mod=mod
GOBIN=$OUT go install -ldflags "-s -w" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
"$BIN" version --short
