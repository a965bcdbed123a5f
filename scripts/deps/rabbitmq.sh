#!/usr/bin/env bash
# Installs rabbitmq-server (with Erlang) from Debian and enables the management plugin offline, so the HTTP API
# the rabbitmq scaler's http protocol reads is there. The tests start their own node in the foreground with its
# own RABBITMQ_MNESIA_BASE, node name and ports under a temp dir (never the system service).
# Idempotent: does nothing when the server is installed and the plugin is enabled.
set -euo pipefail
PLUGINS_FILE=/etc/rabbitmq/enabled_plugins
if [ -x /usr/sbin/rabbitmq-server ] && [ -f "$PLUGINS_FILE" ] && grep -q rabbitmq_management "$PLUGINS_FILE"; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if [ ! -x /usr/sbin/rabbitmq-server ]; then
  $SUDO apt-get update -qq || true
  $SUDO apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null
fi
# A package-started service (machines with systemd) would hold 5672/15672 and an Erlang node; stop it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet rabbitmq-server 2>/dev/null; then
  $SUDO systemctl stop rabbitmq-server || true
fi
# The tests point RABBITMQ_ENABLED_PLUGINS_FILE at their own copy; this system-wide file is the default they copy.
echo '[rabbitmq_management].' | $SUDO tee "$PLUGINS_FILE" >/dev/null
test -x /usr/sbin/rabbitmq-server
dpkg-query -W -f='rabbitmq-server ${Version}\n' rabbitmq-server
