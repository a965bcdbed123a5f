#!/usr/bin/env bash
# The project's test command (README): installs what the tests need, then runs every suite.
# Each scripts/deps/*.sh is idempotent and cached, so a second run starts quickly.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
for dep in scripts/deps/*.sh; do
  [ -e "$dep" ] || continue
  echo "== $dep"
  bash "$dep"
done
npx tsc -p tsconfig.json --noEmit
node scripts/run-tests.mjs all
