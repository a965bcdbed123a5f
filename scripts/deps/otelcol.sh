#!/usr/bin/env bash
# Builds (once, then cached in ~/.cache/updraft/otelcol) a minimal OpenTelemetry Collector from the Go module proxy:
# the core otelcol library with the OTLP receiver, the debug exporter and the contrib file exporter
# (scripts/deps/otelcol/main.go; no `builder`, whose otelcorecol distribution is not a module on the proxy).
# Prints the binary's path. Run it under `flock /tmp/updraft-heavy.lock` on a shared machine.
set -euo pipefail
CORE="${OTELCOL_CORE_VERSION:-v0.165.0}"
CONTRIB="${OTELCOL_CONTRIB_VERSION:-v0.165.0}"
. "$(dirname "${BASH_SOURCE[0]}")/include/go-build.sh"
OUT="$CACHE/otelcol"
# Keyed by main.go too: a change of the component list builds a new binary.
BIN="$OUT/updraft-otelcol-$CORE-$(sha256sum "$(dirname "$0")/otelcol/main.go" | cut -c1-12)"
LOCK="$BIN.lock"
LOG_NAME=deps/otelcol
go_build_start 1 "go is not installed (need go >= 1.24)"
go_build_env -mod=mod
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp "$(dirname "$0")/otelcol/main.go" "$WORK/main.go"
cd "$WORK"
{
  go mod init updraft.dev/otelcol
  go get "go.opentelemetry.io/collector/otelcol@$CORE" \
    "go.opentelemetry.io/collector/receiver/otlpreceiver@$CORE" \
    "go.opentelemetry.io/collector/exporter/debugexporter@$CORE" \
    "go.opentelemetry.io/collector/exporter/otlpexporter@$CORE" \
    "github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter@$CONTRIB"
  # -e: the file exporter's *test* imports name a module version the proxy does not serve; the build needs none of them.
  go mod tidy -e
  go build -ldflags='-s -w' -o "$BIN.new" .
} >&2
go_build_finish
