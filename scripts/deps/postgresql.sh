#!/usr/bin/env bash
# Installs the PostgreSQL server from Debian (the postgresql integration tests run their own initdb'd cluster on a
# loopback port, as a non-root user). Idempotent: does nothing when initdb and postgres are already there.
set -euo pipefail
find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
BIN="$(find_bin || true)"
if [ -n "$BIN" ] && [ -x "$BIN/initdb" ] && [ -x "$BIN/postgres" ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
# The package may start a cluster on :5432 where systemd runs; the tests never use it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet postgresql 2>/dev/null; then
  $SUDO systemctl stop postgresql || true
fi
BIN="$(find_bin)"
test -x "$BIN/postgres"
"$BIN/postgres" --version
