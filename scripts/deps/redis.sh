#!/usr/bin/env bash
# Installs redis-server, redis-sentinel and redis-cli from Debian (the redis scaler tests start their own
# standalone, 3-node cluster and sentinel instances on loopback ports, each with its own temp dir).
# Idempotent: does nothing when the three binaries are already there.
set -euo pipefail
if [ -x /usr/bin/redis-server ] && [ -x /usr/bin/redis-sentinel ] && [ -x /usr/bin/redis-cli ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# Package scripts try to start services; where there is no systemd nothing starts them, and the tests never use
# them (they run their own instances).
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq --no-install-recommends redis-server redis-sentinel redis-tools >/dev/null
for svc in redis-server redis-sentinel; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    $SUDO systemctl stop "$svc" || true
  fi
done
test -x /usr/bin/redis-server && test -x /usr/bin/redis-sentinel && test -x /usr/bin/redis-cli
/usr/bin/redis-server --version
