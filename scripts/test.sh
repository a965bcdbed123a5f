#!/usr/bin/env bash
# The project's test command (README): installs what the tests need, checks test hygiene (scripts/hygiene.mjs),
# then runs every suite.
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
node scripts/hygiene.mjs
# The formatter (prettier, printWidth 160; .prettierrc.json): code that is not formatted fails here. `npm run format` fixes it.
npx prettier --check --log-level warn 'src/**/*.ts' 'test/**/*.ts' 'bench/**/*.ts' 'scripts/**/*.{mjs,ts,js}' 'bin/*.js' 'examples/**/*.ts'
# The dashboard page (dist/dashboard/, gitignored), for the server and browser tests.
node scripts/build-dashboard.mjs
npx tsc -p tsconfig.json --noEmit
# The unit suite under c8 (coverage per module, floors in scripts/coverage.mjs), then the suites that drive
# real processes, without coverage so they keep their speed.
node scripts/run-tests.mjs unit --coverage
node scripts/run-tests.mjs integration,e2e
