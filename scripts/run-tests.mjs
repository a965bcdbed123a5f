#!/usr/bin/env node
// Runs the test suites with node's own test runner (one runner for the whole repo).
// usage: node scripts/run-tests.mjs [unit|integration|e2e|slow|all|integration,e2e] [--coverage] [extra files...]
// `slow` (test/slow: the real KEDA, built by scripts/slow/keda.sh) is not part of `all`: `npm run test:slow` runs it.
// --coverage runs the files under c8 and prints coverage per module, failing below the floors in coverage.mjs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { c8Args, report } from './coverage.mjs';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const suites = {
  unit: ['src'],
  integration: ['test/integration'],
  e2e: ['test/e2e'],
  slow: ['test/slow'],
};

function find(dir) {
  const out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const coverage = args.includes('--coverage');
const positional = args.filter((a) => a !== '--coverage');
const which = positional[0] ?? 'unit';
const names = which === 'all' ? Object.keys(suites).filter((n) => n !== 'slow') : which.split(',');
if (names.some((n) => !suites[n])) {
  console.error(`unknown suite '${which}'; use unit, integration, e2e, slow, all or a comma list`);
  process.exit(2);
}
const dirs = names.flatMap((n) => suites[n]);
const files = [...dirs.flatMap((d) => find(join(root, d))), ...positional.slice(1)].map((f) => relative(root, f)).sort();
if (files.length === 0) {
  console.error(`no test files found for suite '${which}'`);
  process.exit(1);
}
// The slow files each run a control plane plus the real KEDA and sample replicas every 100 ms: one at a time.
const concurrency = names.includes('slow') ? 1 : 2;
const testArgs = ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...files];
if (!coverage) {
  const r = spawnSync(process.execPath, testArgs, { cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const work = mkdtempSync(join(tmpdir(), 'updraft-coverage-'));
try {
  const reportsDir = join(work, 'report');
  const r = spawnSync(process.execPath, [...c8Args(root, reportsDir, join(work, 'v8')), process.execPath, ...testArgs], { cwd: root, stdio: 'inherit' });
  const failures = report(root, reportsDir);
  if (failures.length > 0) {
    console.error(`coverage below the floors (scripts/coverage.mjs):\n  ${failures.join('\n  ')}`);
    process.exit(r.status || 1);
  }
  process.exit(r.status ?? 1);
} finally {
  rmSync(work, { recursive: true, force: true });
}
