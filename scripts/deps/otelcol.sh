#!/usr/bin/env bash
# Builds (once, then cached in ~/.cache/updraft/otelcol) a minimal OpenTelemetry Collector from the Go module proxy:
# the core otelcol library with the OTLP receiver, the debug exporter and the contrib file exporter
# (scripts/deps/otelcol/main.go; no `builder`, whose otelcorecol distribution is not a module on the proxy).
# Prints the binary's path. Run it under `flock /tmp/updraft-heavy.lock` on a shared machine.
set -euo pipefail
CORE="${OTELCOL_CORE_VERSION:-v0.165.0}"
CONTRIB="${OTELCOL_CONTRIB_VERSION:-v0.165.0}"
CACHE="${UPDRAFT_CACHE:-$HOME/.cache/updraft}/otelcol"
# Keyed by main.go too: a change of the component list builds a new binary.
BIN="$CACHE/updraft-otelcol-$CORE-$(sha256sum "$(dirname "$0")/otelcol/main.go" | cut -c1-12)"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
mkdir -p "$CACHE"
# The module and build caches are the control plane's (scripts/control-plane/build.sh): shared deps compile once.
export GOMODCACHE="${UPDRAFT_CACHE:-$HOME/.cache/updraft}/go/mod"
export GOCACHE="${UPDRAFT_CACHE:-$HOME/.cache/updraft}/go/build"
export GOTOOLCHAIN=local
# The checksum database is not reachable here, the proxy is (go.sum is written from what the proxy serves).
export GOSUMDB=off
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
  CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$BIN.tmp" .
} >&2
mv "$BIN.tmp" "$BIN"
echo "$BIN"
