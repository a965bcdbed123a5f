#!/usr/bin/env bash
# Installs nats-server (with JetStream) from Debian; the nats-jetstream integration tests run their own one- and
# three-node clusters on loopback addresses with temp store dirs. Idempotent: does nothing when it is there.
set -euo pipefail
if [ -x /usr/sbin/nats-server ] || command -v nats-server >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq --no-install-recommends nats-server >/dev/null
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nats-server 2>/dev/null; then
  $SUDO systemctl stop nats-server || true
fi
nats-server --version
