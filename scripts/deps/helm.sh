#!/usr/bin/env bash
# Helm, built from its Go module (no helm in Debian; no binary downloads here), for the chart render test
# (test/integration/deploy/helm-chart.test.ts). Cached per version; a second run returns at once.
set -euo pipefail
HELM_VERSION=v3.22.0
cache=${UPDRAFT_CACHE:-$HOME/.cache/updraft}
bin=$cache/helm/$HELM_VERSION/bin
if [ -x "$bin/helm" ]; then exit 0; fi
if ! command -v go >/dev/null; then
  echo "scripts/deps/helm.sh: go is not installed; the Helm chart render test will be skipped" >&2
  exit 0
fi
mkdir -p "$bin"
export GOMODCACHE=$cache/go/mod GOCACHE=$cache/go/build GOFLAGS=-mod=mod
GOBIN=$bin go install -trimpath -ldflags "-s -w" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
"$bin/helm" version --short
