#!/usr/bin/env node
// Runs the test suites with node's own test runner (one runner for the whole repo).
// usage: node scripts/run-tests.mjs [unit|integration|e2e|all] [extra files...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const suites = {
  unit: ['src'],
  integration: ['test/integration'],
  e2e: ['test/e2e'],
};

function find(dir) {
  const out = [];
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const which = process.argv[2] ?? 'unit';
const dirs = which === 'all' ? Object.values(suites).flat() : suites[which];
if (!dirs) {
  console.error(`unknown suite '${which}'; use unit, integration, e2e or all`);
  process.exit(2);
}
const files = [...dirs.flatMap((d) => find(join(root, d))), ...process.argv.slice(3)]
  .map((f) => relative(root, f))
  .sort();
if (files.length === 0) {
  console.error(`no test files found for suite '${which}'`);
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(r.status ?? 1);
