// Summarizes a .heapprofile (bench/support/heap-sampler.mjs, or node --heap-prof): live sampled bytes by function and by package/file.
//   node bench/support/heap-summary.mjs FILE.heapprofile
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const by = new Map();
const byFile = new Map();
let total = 0;
function walk(n, stack) {
  const cf = n.callFrame;
  const name = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*\/(node_modules\/[^/]+|lib|src)\//, '$1/')}:${cf.lineNumber}`;
  const self = n.selfSize || 0;
  total += self;
  by.set(name, (by.get(name) ?? 0) + self);
  const f = cf.url.replace(/.*\/(node_modules\/(@[^/]+\/)?[^/]+|lib\/[^/]+|src\/[^/]+)\/.*/, '$1');
  byFile.set(f, (byFile.get(f) ?? 0) + self);
  // attribute to the first app frame in the stack
  for (const c of n.children || []) walk(c, [...stack, name]);
}
walk(p.head, []);
console.log('total MiB', (total / 2 ** 20).toFixed(1));
for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log((v / 2 ** 20).toFixed(1), k);
console.log('--- by file/package');
for (const [k, v] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log((v / 2 ** 20).toFixed(1), k);
