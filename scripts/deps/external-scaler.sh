#!/usr/bin/env bash
# The KEDA external scaler the external / external-push tests talk to: test/support/external-scaler-harness, a small
# gRPC server on KEDA's own generated protocol package (github.com/kedacore/keda/v2 pkg/scalers/externalscaler)
# and grpc-go, both from the Go module proxy. (No published standalone external scaler is served by the module
# proxy here, so the project carries this harness; docs/scalers.md "external" says why.)
# Cached by the hash of its sources: a second run returns at once.
set -euo pipefail
cd "$(dirname "$0")/../.."
src=test/support/external-scaler-harness
cache=${UPDRAFT_CACHE:-$HOME/.cache/updraft}
hash=$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-16)
bin=$cache/external-scaler/$hash/external-scaler-harness
if [ -x "$bin" ]; then exit 0; fi
if ! command -v go >/dev/null; then
  echo "scripts/deps/external-scaler.sh: go is not installed; the external scaler tests will be skipped" >&2
  exit 0
fi
mkdir -p "$(dirname "$bin")"
export GOMODCACHE=$cache/go/mod GOCACHE=$cache/go/build GOFLAGS=-mod=readonly
(cd "$src" && go build -trimpath -ldflags "-s -w" -o "$bin.tmp" .)
mv "$bin.tmp" "$bin"
ln -sfn "$hash" "$cache/external-scaler/current"
echo "external scaler harness: $bin"
