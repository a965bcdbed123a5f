#!/usr/bin/env bash
# Installs the Prometheus server from Debian (integration tests start it on a loopback port).
# Idempotent: does nothing when /usr/bin/prometheus is already there.
set -euo pipefail
if [ -x /usr/bin/prometheus ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# The Debian package also ships a systemd unit; on machines without systemd nothing starts it, and the tests
# never use it (they run their own instance with their own config and data dir).
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
# Stop a service instance the package may have started on :9090 so it cannot collide with anything.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  $SUDO systemctl stop prometheus || true
fi
test -x /usr/bin/prometheus
/usr/bin/prometheus --version 2>&1 | head -1
