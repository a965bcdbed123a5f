#!/usr/bin/env bash
# The KEDA external scaler the external / external-push tests talk to: test/support/external-scaler-harness, a small
# gRPC server on KEDA's own generated protocol package (github.com/kedacore/keda/v2 pkg/scalers/externalscaler)
# and grpc-go, both from the Go module proxy. (No published standalone external scaler is served by the module
# proxy here, so the project carries this harness; docs/scalers.md "external" says why.)
# Cached by the hash of its sources: a second run returns at once.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/include/go-build.sh"
cd "$(dirname "$0")/../.."
src=test/support/external-scaler-harness
hash=$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-16)
OUT="$CACHE/external-scaler/$hash"
BIN="$OUT/external-scaler-harness"
LOG_NAME=scripts/deps/external-scaler.sh
QUIET=1
go_build_start 0 "go is not installed; the external scaler tests will be skipped"
go_build_env -mod=readonly
(cd "$src" && go build -ldflags "-s -w" -o "$BIN.new" .)
mv "$BIN.new" "$BIN"
ln -sfn "$hash" "$CACHE/external-scaler/current"
echo "external scaler harness: $BIN"
