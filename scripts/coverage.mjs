// Coverage of the unit suite (c8 over node's V8 coverage, source-mapped through tsx): a summary per module
// (src/<dir>, lines and branches) and floors that fail the run. Used by `node scripts/run-tests.mjs unit --coverage`.
//
// Floors sit about 2 points below the numbers measured when they were set; raise them when coverage grows,
// never lower them to get a change through.
import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

// Measured when set: engine 97.6/90.3, api 98.7/90.7, scalers 95.1/92.3 (lines/branches %).
export const floors = {
  'src/engine': { lines: 95, branches: 88 },
  'src/api': { lines: 96, branches: 88 },
  'src/scalers': { lines: 93, branches: 90 },
};

/** The c8 arguments that wrap a unit-suite command; the JSON summary goes to `reportsDir`. */
export function c8Args(root, reportsDir, tempDir) {
  return [
    join(root, 'node_modules', 'c8', 'bin', 'c8.js'),
    '--reporter=json-summary',
    `--reports-dir=${reportsDir}`,
    `--temp-directory=${tempDir}`,
    '--all',
    '--src=src',
    '--include=src/**/*.ts',
    '--exclude=src/**/*.test.ts',
  ];
}

/** Print lines/branches per module and check the floors; returns the failures (empty when all hold). */
export function report(root, reportsDir, log = console.log) {
  const summary = JSON.parse(readFileSync(join(reportsDir, 'coverage-summary.json'), 'utf8'));
  const modules = new Map();
  for (const [file, v] of Object.entries(summary)) {
    if (file === 'total') continue;
    const parts = relative(root, file).split(sep);
    const mod = parts.length > 2 ? parts.slice(0, 2).join('/') : parts[0];
    const m = modules.get(mod) ?? { files: 0, lines: [0, 0], branches: [0, 0] };
    m.files++;
    m.lines[0] += v.lines.covered;
    m.lines[1] += v.lines.total;
    m.branches[0] += v.branches.covered;
    m.branches[1] += v.branches.total;
    modules.set(mod, m);
  }
  const pct = ([c, t]) => (t === 0 ? 100 : (100 * c) / t);
  const failures = [];
  log('\ncoverage of the unit suite (per module; floors enforced where shown)');
  log(`  ${'module'.padEnd(16)} ${'files'.padStart(5)} ${'lines %'.padStart(8)} ${'branches %'.padStart(11)}  floor (lines/branches)`);
  for (const [mod, m] of [...modules].sort(([a], [b]) => a.localeCompare(b))) {
    const f = floors[mod];
    const l = pct(m.lines);
    const b = pct(m.branches);
    let mark = '';
    if (f) {
      const low = [];
      if (l < f.lines) low.push(`lines ${l.toFixed(2)} < ${f.lines}`);
      if (b < f.branches) low.push(`branches ${b.toFixed(2)} < ${f.branches}`);
      mark = `  ${f.lines}/${f.branches}${low.length ? `  BELOW: ${low.join(', ')}` : ''}`;
      if (low.length) failures.push(`${mod}: ${low.join(', ')}`);
    }
    log(`  ${mod.padEnd(16)} ${String(m.files).padStart(5)} ${l.toFixed(2).padStart(8)} ${b.toFixed(2).padStart(11)}${mark}`);
  }
  for (const mod of Object.keys(floors)) if (!modules.has(mod)) failures.push(`${mod}: no coverage data`);
  const t = summary.total;
  log(
    `  ${'all of src'.padEnd(16)} ${String(modules.size ? [...modules.values()].reduce((n, m) => n + m.files, 0) : 0).padStart(5)} ${t.lines.pct.toFixed(2).padStart(8)} ${t.branches.pct.toFixed(2).padStart(11)}`,
  );
  return failures;
}
