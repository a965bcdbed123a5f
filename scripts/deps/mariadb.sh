#!/usr/bin/env bash
# Installs MariaDB (MySQL protocol) from Debian; the mysql integration tests run their own server with
# mariadb-install-db on a loopback port and a temp data dir. Idempotent: does nothing when mariadbd is there.
set -euo pipefail
if [ -x /usr/sbin/mariadbd ] && command -v mariadb-install-db >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq --no-install-recommends mariadb-server >/dev/null
# Where systemd runs, the package starts a server on :3306; the tests never use it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mariadb 2>/dev/null; then
  $SUDO systemctl stop mariadb || true
fi
test -x /usr/sbin/mariadbd
/usr/sbin/mariadbd --version
