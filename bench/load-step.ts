// Time from a load step to a new instance being ready, with the real quickstart (`updraft up` as a user runs it,
// the sample app pushing OTLP every second) and load from this process:
//   1. from zero: idle → 30 req/s; until the first instance is ready (requests wait at the service meanwhile);
//   2. scale-out: 30 → 120 req/s held; until one more instance than before is ready.
// Each round waits for the group to return to zero first (cooldownPeriod 20 s), so a run takes a few minutes.
// usage: node --import tsx bench/load-step.ts [rounds=3]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runLoad } from '../src/load/load-generator.ts';
import { constantRate } from '../src/load/stages.ts';
import { freePort } from '../test/support/free-port.ts';

const rounds = Number(process.argv[2] ?? 3);
const bin = fileURLToPath(new URL('../bin/updraft.js', import.meta.url));
const quickstart = fileURLToPath(new URL('../examples/quickstart/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'updraft-bench-step-'));
const servicePort = await freePort();
const from = 31000 + (process.pid % 100) * 50;
writeFileSync(
  join(dir, 'updraft.yaml'),
  readFileSync(join(quickstart, 'updraft.yaml'), 'utf8')
    .replace(/port: 8080/, `port: ${servicePort}`)
    .replace(/ports: \{ from: 8100, to: 8199 \}/, `ports: { from: ${from}, to: ${from + 49} }`)
    .replace(/spec:\n  command: node/, `spec:\n  command: node\n  workingDir: ${JSON.stringify(quickstart)}`),
);

const up = spawn(process.execPath, [bin, 'up', dir, '--otlp-port', '0', '--no-output', '--no-live'], { stdio: ['ignore', 'pipe', 'inherit'] });
let ready = 0;
const listeners: Array<() => void> = [];
createInterface({ input: up.stdout }).on('line', (line) => {
  const m = /ProcessGroup quickstart: (\d+)\/(\d+) ready/.exec(line);
  if (m) {
    ready = Number(m[1]);
    for (const l of [...listeners]) l();
  }
});
const until = (what: string, ok: () => boolean, timeoutMs = 180_000) =>
  new Promise<number>((resolve, reject) => {
    const check = () => {
      if (!ok()) return false;
      listeners.splice(listeners.indexOf(check), 1);
      clearTimeout(timer);
      resolve(performance.now());
      return true;
    };
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    listeners.push(check);
    check();
  });
const url = `http://127.0.0.1:${servicePort}/work`;
const load = (rate: number, seconds: number, signal: AbortSignal) =>
  runLoad({ url, stages: constantRate(rate, seconds * 1000), concurrency: 300, signal }).catch(() => undefined);

const fromZero: number[] = [];
const scaleOut: number[] = [];
try {
  await new Promise((r) => setTimeout(r, 3000)); // up has started its receiver and service
  for (let i = 0; i < rounds; i++) {
    await until('zero instances', () => ready === 0);
    const stop = new AbortController();
    const t0 = performance.now();
    const low = load(30, 600, stop.signal);
    fromZero.push((await until('first instance ready', () => ready >= 1)) - t0);
    await new Promise((r) => setTimeout(r, 15_000)); // settle at 30 req/s (2 instances at 15 per instance)
    const before = ready;
    const t1 = performance.now();
    const high = load(90, 600, stop.signal); // +90 req/s on top of the 30
    scaleOut.push((await until(`more than ${before} ready`, () => ready > before)) - t1);
    stop.abort();
    await Promise.all([low, high]);
    console.error(`round ${i + 1}: from zero ${fromZero.at(-1)!.toFixed(0)} ms, scale-out ${scaleOut.at(-1)!.toFixed(0)} ms`);
  }
} finally {
  up.kill('SIGTERM');
  await new Promise((r) => up.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)].toFixed(0)} ms  [${xs.map((x) => x.toFixed(0)).join(', ')}]`;
};
console.log(`load step → new instance ready (quickstart app, ${rounds} rounds)`);
console.log(`  idle → 30 req/s, first instance ready:      ${fmt(fromZero)}`);
console.log(`  30 → 120 req/s, one more instance ready:    ${fmt(scaleOut)}`);
