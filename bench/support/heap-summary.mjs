// Summarizes a .heapprofile (bench/support/heap-sampler.mjs: live bytes; alloc-sampler.mjs: bytes allocated in a
// window; or node --heap-prof) by the allocating function, by package/file, and by the innermost Updraft frame
// (lib/ or src/) on the stack — which of our calls the bytes came from, when a library or JSON.parse allocated them.
//   node bench/support/heap-summary.mjs FILE.heapprofile [--top 30]
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const top = process.argv.includes('--top') ? Number(process.argv[process.argv.indexOf('--top') + 1]) : 30;
const p = JSON.parse(readFileSync(file, 'utf8'));
const own = (cf) => /\/(lib|src)\//.test(cf.url) && !cf.url.includes('node_modules');
const label = (cf) => `${cf.functionName || '(anon)'} ${cf.url.replace(/.*\/(node_modules\/[^/]+|lib|src)\//, '$1/')}:${cf.lineNumber + 1}`;
const bySelf = new Map();
const byFile = new Map();
const byOwn = new Map();
const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
let total = 0;
function walk(n, ownFrame) {
  const cf = n.callFrame;
  const here = own(cf) ? label(cf) : ownFrame;
  const self = n.selfSize || 0;
  total += self;
  add(bySelf, label(cf), self);
  add(byFile, cf.url.replace(/.*\/(node_modules\/(@[^/]+\/)?[^/]+|lib\/[^/]+|src\/[^/]+)\/.*/, '$1') || '(native)', self);
  add(byOwn, here ?? '(no Updraft frame)', self);
  for (const c of n.children || []) walk(c, here);
}
walk(p.head, undefined);
const mib = (v) => (v / 2 ** 20).toFixed(1).padStart(8);
const print = (title, m) => {
  console.log(`--- ${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(mib(v), k);
};
console.log('total MiB', (total / 2 ** 20).toFixed(1));
print('by allocating function', bySelf);
print('by package/file', byFile);
print('by innermost Updraft frame', byOwn);
