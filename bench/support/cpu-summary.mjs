// Summarizes a .cpuprofile (bench/support/cpu-sampler.mjs, or node --cpu-prof): self time by function and by
// package/file, and the longest stretches the main thread spent without returning to idle (what blocked the event loop).
//   node bench/support/cpu-summary.mjs FILE.cpuprofile
import { readFileSync } from 'node:fs';

const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const nodes = new Map(p.nodes.map((n) => [n.id, n]));
const label = (n) =>
  `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/.*\/(node_modules\/[^/]+|lib|src)\//, '$1/')}:${n.callFrame.lineNumber}`;
const file = (n) => n.callFrame.url.replace(/.*\/(node_modules\/(@[^/]+\/)?[^/]+|lib\/[^/]+|src\/[^/]+)\/.*/, '$1') || n.callFrame.functionName;
const self = new Map();
const byFile = new Map();
const idle = new Set([...nodes.values()].filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
let total = 0;
// Busy stretches: consecutive samples that are not (idle).
const stretches = [];
let runStart;
let t = p.startTime;
p.samples.forEach((id, i) => {
  const dt = p.timeDeltas[i] ?? 0;
  t += dt;
  const n = nodes.get(id);
  total += dt;
  self.set(label(n), (self.get(label(n)) ?? 0) + dt);
  byFile.set(file(n), (byFile.get(file(n)) ?? 0) + dt);
  if (idle.has(id)) {
    if (runStart !== undefined) stretches.push(t - runStart);
    runStart = undefined;
  } else if (runStart === undefined) runStart = t;
});
const ms = (us) => (us / 1000).toFixed(0);
console.log(`profile ${ms(p.endTime - p.startTime)} ms, sampled ${ms(total)} ms`);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(ms(v).padStart(7), k);
console.log('--- by file/package');
for (const [k, v] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(ms(v).padStart(7), k);
stretches.sort((a, b) => b - a);
console.log(`--- busy stretches (no idle sample between): ${stretches.length}, longest ms: ${stretches.slice(0, 15).map(ms).join(', ')}`);
