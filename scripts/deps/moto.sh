#!/usr/bin/env bash
# Installs moto server (the local AWS: SQS, CloudWatch, STS) into a venv under the cache dir.
# Idempotent and cached: reinstalls only when the pinned version changes.
set -euo pipefail
MOTO_VERSION="5.2.5"
CACHE="${UPDRAFT_CACHE:-$HOME/.cache/updraft}"
VENV="$CACHE/moto-venv"
STAMP="$VENV/.moto-$MOTO_VERSION"
if [ -f "$STAMP" ] && [ -x "$VENV/bin/moto_server" ]; then
  exit 0
fi
mkdir -p "$CACHE"
if ! python3 -m venv "$VENV" 2>/dev/null; then
  # Debian's python3 lacks ensurepip without python3-venv.
  SUDO=""; if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq || true
  $SUDO apt-get install -y -qq python3-venv >/dev/null
  rm -rf "$VENV"
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"
rm -f "$VENV"/.moto-*
touch "$STAMP"
"$VENV/bin/moto_server" --help >/dev/null
echo "moto $MOTO_VERSION in $VENV"
