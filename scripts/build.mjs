#!/usr/bin/env node
// `npm run build`: the compiled runtime the image runs (docs/adr/0003).
//  1. tsc -p tsconfig.build.json: src/ (no tests, no browser dashboard) → lib/, `.ts` specifiers rewritten to `.js`;
//  2. the non-TypeScript files modules load beside themselves (src/scalers/common/externalscaler.proto);
//  3. lib/build-info.json: the git commit (GIT_COMMIT / UPDRAFT_GIT_COMMIT, else `git rev-parse HEAD` when there
//     is a .git, else 'unknown'), read at run time by src/api/build-info.ts for `--version` and keda_build_info;
//  4. the dashboard's page, dist/dashboard/ (scripts/build-dashboard.mjs), unless --no-dashboard.
// Built beside lib/ and swapped in, so a running process never sees half a build.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const out = join(root, 'lib');
const tmp = `${out}.tmp-${process.pid}`;
rmSync(tmp, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', tmp], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  rmSync(tmp, { recursive: true, force: true });
  process.exit(r.status ?? 1);
}

/** Every file under src/ that is neither TypeScript nor the browser dashboard's, copied to the same place. */
function assets(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (relative(join(root, 'src'), p) !== 'dashboard') found.push(...assets(p));
    } else if (!name.endsWith('.ts')) found.push(p);
  }
  return found;
}
for (const file of assets(join(root, 'src'))) {
  const to = join(tmp, relative(join(root, 'src'), file));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(file, to);
}

function gitCommit() {
  const fromEnv = process.env.GIT_COMMIT || process.env.UPDRAFT_GIT_COMMIT;
  if (fromEnv) return fromEnv;
  if (!existsSync(join(root, '.git'))) return 'unknown';
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}
writeFileSync(join(tmp, 'build-info.json'), `${JSON.stringify({ gitCommit: gitCommit(), builtAt: new Date().toISOString() }, null, 2)}\n`);

rmSync(out, { recursive: true, force: true });
renameSync(tmp, out);
if (!process.argv.includes('--no-dashboard')) {
  const d = spawnSync(process.execPath, [join(root, 'scripts', 'build-dashboard.mjs')], { cwd: root, stdio: 'inherit' });
  if (d.status !== 0) process.exit(d.status ?? 1);
}
