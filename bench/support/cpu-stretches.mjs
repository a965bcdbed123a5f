// What filled the longest busy stretches of a .cpuprofile (bench/support/cpu-sampler.mjs): for each of the six
// longest runs of samples without an idle one, its self time by function and the lib/ frames on its stacks.
//   node bench/support/cpu-stretches.mjs FILE.cpuprofile
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const nodes = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (n) =>
  `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/.*\/(node_modules\/[^/]+|lib|src)\//, '$1/')}:${n.callFrame.lineNumber}`;
const idle = (id) => nodes.get(id).callFrame.functionName === '(idle)';
const runs = [];
let cur;
let t = p.startTime;
p.samples.forEach((id, i) => {
  const dt = p.timeDeltas[i] ?? 0;
  t += dt;
  if (idle(id)) {
    if (cur) runs.push(cur);
    cur = undefined;
  } else {
    cur ??= { start: t, dur: 0, ids: [] };
    cur.dur += dt;
    cur.ids.push([id, dt]);
  }
});
runs.sort((a, b) => b.dur - a.dur);
for (const r of runs.slice(0, 6)) {
  const selfm = new Map(),
    roots = new Map();
  for (const [id, dt] of r.ids) {
    const n = nodes.get(id);
    selfm.set(label(n), (selfm.get(label(n)) ?? 0) + dt);
    // the frames: collect stack labels (unique per sample) of lib/ functions
    let x = id;
    const seen = new Set();
    while (x !== undefined) {
      const l = label(nodes.get(x));
      if (/lib\//.test(l) && !seen.has(l)) {
        seen.add(l);
        roots.set(l, (roots.get(l) ?? 0) + dt);
      }
      x = parent.get(x);
    }
  }
  console.log(`stretch ${(r.dur / 1000).toFixed(0)} ms at +${((r.start - p.startTime) / 1e6).toFixed(1)} s`);
  console.log(
    '  self:',
    [...selfm]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(0)}`)
      .join(' | '),
  );
  console.log(
    '  incl lib:',
    [...roots]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(0)}`)
      .join(' | '),
  );
}
