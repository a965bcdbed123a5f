#!/usr/bin/env bash
# Debian's Chromium, for the dashboard's headless browser test (test/e2e/dashboard-ui.test.ts, driven by
# playwright-core with executablePath /usr/bin/chromium; no browser download of Playwright's own). Installed once
# under the machine-wide heavy-work lock; a second run returns at once.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "scripts/deps/chromium.sh: no apt-get; the dashboard browser test will be skipped" >&2
  exit 0
fi
SUDO=
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
flock /tmp/updraft-heavy.lock bash -c "
  [ -x /usr/bin/chromium ] && exit 0
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || true
  $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
"
/usr/bin/chromium --version
