// Summarizes a .cpuprofile (bench/support/cpu-sampler.mjs, or node --cpu-prof): self time by function and by
// package/file, and the longest stretches the main thread spent without returning to idle (what blocked the event
// loop) — for the six longest, their self time by function and the lib/ frames on their stacks.
//   node bench/support/cpu-summary.mjs FILE.cpuprofile
import { readFileSync } from 'node:fs';

const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const nodes = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (n) =>
  `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/.*\/(node_modules\/[^/]+|lib|src)\//, '$1/')}:${n.callFrame.lineNumber}`;
const file = (n) => n.callFrame.url.replace(/.*\/(node_modules\/(@[^/]+\/)?[^/]+|lib\/[^/]+|src\/[^/]+)\/.*/, '$1') || n.callFrame.functionName;
const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
const ms = (us) => (us / 1000).toFixed(0);
/** The `k` largest entries of `m`, largest first. */
const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k);

const self = new Map();
const byFile = new Map();
let total = 0;
// Busy stretches: consecutive samples that are not (idle), with the samples (node id, µs) that filled them.
const stretches = [];
let current;
let t = p.startTime;
p.samples.forEach((id, i) => {
  const dt = p.timeDeltas[i] ?? 0;
  t += dt;
  const n = nodes.get(id);
  total += dt;
  add(self, label(n), dt);
  add(byFile, file(n), dt);
  if (n.callFrame.functionName === '(idle)') {
    if (current) stretches.push(current);
    current = undefined;
  } else {
    current ??= { start: t, duration: 0, samples: [] };
    current.duration += dt;
    current.samples.push([id, dt]);
  }
});
console.log(`profile ${ms(p.endTime - p.startTime)} ms, sampled ${ms(total)} ms`);
for (const [k, v] of top(self, 30)) console.log(ms(v).padStart(7), k);
console.log('--- by file/package');
for (const [k, v] of top(byFile, 20)) console.log(ms(v).padStart(7), k);
stretches.sort((a, b) => b.duration - a.duration);
console.log(
  `--- busy stretches (no idle sample between): ${stretches.length}, longest ms: ${stretches
    .slice(0, 15)
    .map((s) => ms(s.duration))
    .join(', ')}`,
);
const line = (m, k) =>
  top(m, k)
    .map(([name, v]) => `${name} ${ms(v)}`)
    .join(' | ');
for (const s of stretches.slice(0, 6)) {
  const selfIn = new Map();
  const framesIn = new Map(); // each lib/ frame on a sample's stack, counted once per sample
  for (const [id, dt] of s.samples) {
    add(selfIn, label(nodes.get(id)), dt);
    const seen = new Set();
    for (let x = id; x !== undefined; x = parent.get(x)) {
      const l = label(nodes.get(x));
      if (l.includes('lib/') && !seen.has(l)) {
        seen.add(l);
        add(framesIn, l, dt);
      }
    }
  }
  console.log(`stretch ${ms(s.duration)} ms at +${((s.start - p.startTime) / 1e6).toFixed(1)} s`);
  console.log('  self:', line(selfIn, 6));
  console.log('  lib/ frames:', line(framesIn, 8));
}
