// Start-up time of the CLI as a user feels it: `updraft --help`, `updraft validate --help`, `updraft operator --help` and a real
// `updraft validate` of the seed manifests, each run as a fresh process (bin/updraft.js, tsx included).
// Prints the median and min wall time over N runs.
// usage: node --import tsx bench/cli-startup.ts [runs=9]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const runs = Number(process.argv[2] ?? 9);
const cases: Array<[string, string[]]> = [
  ['updraft --help', ['--help']],
  ['updraft validate --help', ['validate', '--help']],
  ['updraft operator --help', ['operator', '--help']],
  ['updraft validate examples/seed-manifests/', ['validate', 'examples/seed-manifests/']],
];

for (const [name, args] of cases) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(root, 'bin', 'updraft.js'), ...args], { cwd: root, encoding: 'utf8' });
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
  }
  times.sort((a, b) => a - b);
  console.log(`${name.padEnd(44)} median ${times[Math.floor(runs / 2)].toFixed(0)} ms  min ${times[0].toFixed(0)} ms  (${runs} runs)`);
}
