// The dashboard at 1,000 ScaledObjects (numbers, not a CI test; docs/dashboard.md quotes its output): the dashboard
// server (src/servers/dashboard-server.ts) over a DashboardHistory filled through the recorder hook the operator
// uses (scaledObjectPolled, then the rings topped up to capacity), no real processes.
//   - the overview in headless chromium (Debian chromium, scripts/deps/chromium.sh): navigation → the table has
//     1,000 rows, median of 5;
//   - the SSE stream's bytes/s for 1,000 objects polling every 30 s and every 1 s (one poll round's bytes measured on a
//     real stream, divided by the interval; then 5 s of real polling every 1 s, measured end to end), and the
//     server's time per round;
//   - the process RSS with the server up and every ring full.
//   node --expose-gc --import tsx bench/dashboard-scale.ts [objects]
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import type { Condition, ScaledObject } from '../src/api/types.ts';
import { scaledObject, trigger } from '../src/engine/scaled-object-fixture.ts';
import type { PollReport } from '../src/runtime/object-runner.ts';
import { HISTORY_POINTS } from '../src/servers/dashboard-history.ts';
import { DashboardHistory, startDashboardServer, type DashboardObject } from '../src/servers/dashboard-server.ts';

const N = Number(process.argv[2] ?? 1000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

gc();
const rss0 = process.memoryUsage().rss;

const conditions: Condition[] = [
  { type: 'Ready', status: 'True', reason: 'ScaledObjectReady' },
  { type: 'Active', status: 'True', reason: 'ScalerActive' },
];
const sos: ScaledObject[] = [];
const objects: DashboardObject[] = [];
for (let k = 0; k < N; k++) {
  const so = scaledObject({
    pollingInterval: 30,
    maxReplicaCount: 20,
    triggers: [trigger('aws-sqs-queue', { queueURL: `https://sqs.eu-west-1.amazonaws.com/123/jobs-${k}`, queueLength: '5', awsRegion: 'eu-west-1' })],
  });
  so.metadata.name = `worker-${String(k).padStart(4, '0')}`;
  so.metadata.namespace = `team-${k % 10}`;
  sos.push(so);
  objects.push({
    kind: 'ScaledObject',
    namespace: so.metadata.namespace,
    name: so.metadata.name,
    so,
    mode: 'direct',
    conditions,
    minReplicaCount: 0,
    maxReplicaCount: 20,
    triggers: so.spec.triggers.map((t) => ({ type: t.type, metadata: t.metadata })),
  });
}
const scalers = sos.map((_, k) => [
  {
    type: 'aws-sqs-queue',
    activationThreshold: 0,
    metricSpecs: [{ metricName: `s0-aws-sqs-jobs-${k}`, kind: 'External' as const, targetType: 'AverageValue' as const, target: 5 }],
  },
]);

const report = (k: number, at: number, value: number): PollReport => {
  const replicas = Math.min(20, Math.ceil(value / 5));
  return {
    at,
    counts: { replicas, readyReplicas: replicas },
    readings: [{ metrics: [{ name: `s0-aws-sqs-jobs-${k}`, value }], active: value > 0, at } as never],
    poll: {
      decision: {
        replicas,
        reason: `active at ${replicas} replicas: trigger s0-aws-sqs-jobs-${k} active, ${value} > 0; scale ${replicas}→${replicas}: ceil(${value}/5) = ${replicas}`,
      },
      state: { replicas },
      activity: { isActive: value > 0 },
      fallbackActive: false,
    } as never,
  };
};

const history = new DashboardHistory();
const t0 = Date.now() - HISTORY_POINTS * 1000;
let t = performance.now();
for (let k = 0; k < N; k++) {
  history.scaledObjectPolled(sos[k], scalers[k], report(k, t0, 10), 'direct');
  const h = history.get('ScaledObject', sos[k].metadata.namespace, sos[k].metadata.name)!;
  for (let i = 1; i < HISTORY_POINTS; i++) {
    const v = (i + k) % 600 < 200 ? 20 + ((i * 7 + k) % 40) : 0;
    h.push({ t: t0 + i * 1000, replicas: Math.ceil(v / 5), desired: Math.ceil(v / 5), ready: Math.ceil(v / 5), flags: v > 0 ? 1 : 0, values: [v] });
  }
}
console.log(`filled ${N} rings of ${HISTORY_POINTS} points in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const server = await startDashboardServer({ port: 0, source: { list: () => objects }, history, title: `${N} ScaledObjects` });

// One SSE listener, counting bytes.
let streamBytes = 0;
let events = 0;
const stream = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
  request(`${server.url}api/stream`, (res) => resolve(res))
    .on('error', reject)
    .end();
});
let tail = '';
stream.setEncoding('utf8').on('data', (d: string) => {
  streamBytes += Buffer.byteLength(d);
  const text = tail + d;
  const blocks = text.split('\n\n');
  tail = blocks.pop()!;
  events += blocks.filter((b) => b.startsWith('event: poll')).length;
});
const waitFor = async (cond: () => boolean, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};
await waitFor(() => streamBytes > 0);

let round = 0;
const pollRound = () => {
  const at = Date.now();
  round++;
  for (let k = 0; k < N; k++) history.scaledObjectPolled(sos[k], scalers[k], report(k, at, 20 + ((round + k) % 40)), 'direct');
};
{
  const before = streamBytes;
  const e0 = events;
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const s = performance.now();
    pollRound();
    rounds.push(performance.now() - s);
  }
  const sent = performance.now();
  await waitFor(() => events - e0 >= 5 * N, 120_000);
  console.log(`(5 rounds delivered ${((performance.now() - sent) / 1000).toFixed(1)} s after they were recorded)`);
  const perRound = (streamBytes - before) / 5;
  console.log(
    `SSE: ${(perRound / N).toFixed(0)} bytes per poll event; one round of ${N} polls = ${(perRound / 1024).toFixed(0)} KiB; the server records and writes a round in ${median(rounds).toFixed(0)} ms (median of 5)`,
  );
  console.log(`SSE at pollingInterval 30 s: ${(perRound / 30 / 1024).toFixed(1)} KiB/s per open page; at 1 s: ${(perRound / 1024).toFixed(0)} KiB/s`);
}
{
  // Real time: every object polls every 1 s for 5 s.
  const before = streamBytes;
  const start = performance.now();
  let lagMax = 0;
  for (let r = 0; r < 5; r++) {
    const due = start + r * 1000;
    await new Promise((res) => setTimeout(res, Math.max(0, due - performance.now())));
    lagMax = Math.max(lagMax, performance.now() - due);
    pollRound();
  }
  await new Promise((res) => setTimeout(res, Math.max(0, start + 5000 - performance.now())));
  const secs = (performance.now() - start) / 1000;
  console.log(
    `SSE, ${N} objects every 1 s for 5 s (real time): ${((streamBytes - before) / secs / 1024).toFixed(0)} KiB/s received; a round started at most ${lagMax.toFixed(0)} ms late`,
  );
}

gc();
const mem = process.memoryUsage();
console.log(
  `RSS with the dashboard on and ${N} full rings: ${mib(mem.rss)} (${mib(mem.rss - rss0)} above the process before the objects; heap ${mib(mem.heapUsed)}, array buffers ${mib(mem.arrayBuffers)})`,
);

{
  // The server's share: /api/overview answered (1,000 rows built, scrubbed, serialized) to a Node client.
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const s = performance.now();
    await (await fetch(`${server.url}api/overview`)).arrayBuffer();
    times.push(performance.now() - s);
  }
  console.log(`/api/overview with ${N} rows answered in ${median(times).toFixed(0)} ms (median of 5)`);
}

// The overview in headless chromium: navigation → 1,000 rows.
const userDataDir = mkdtempSync(join(tmpdir(), 'updraft-chromium-'));
const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  viewport: { width: 1280, height: 800 },
});
try {
  const times: number[] = [];
  const split: Array<{ app: number; overview: number; rows: number }> = [];
  let bytes = 0;
  for (let r = 0; r < 6; r++) {
    const page = await browser.newPage();
    page.on(
      'response',
      (res) =>
        void (
          res.url().endsWith('/api/overview') &&
          res.body().then(
            (b) => (bytes = b.length),
            () => undefined,
          )
        ),
    );
    const s = performance.now();
    await page.goto(server.url);
    await page.waitForFunction((n) => document.querySelectorAll('tr.row').length === n, N, { polling: 'raf', timeout: 60_000 });
    const ms = performance.now() - s;
    // Where the page's time went (its own clock, from navigation start): app.js loaded, /api/overview received, rows drawn.
    const at = await page.evaluate(() => {
      // No named function in here: tsx would wrap it in a __name() the page does not have.
      const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
      return {
        app: res.find((e) => e.name.endsWith('app.js'))?.responseEnd ?? NaN,
        overview: res.find((e) => e.name.endsWith('/api/overview'))?.responseEnd ?? NaN,
        rows: performance.now(),
      };
    });
    if (r > 0) split.push(at);
    if (r > 0) times.push(ms); // the first warms chromium's caches (and builds nothing: dist/dashboard/ exists)
    await page.close();
  }
  console.log(
    `overview with ${N} rows in headless chromium: median ${median(times).toFixed(0)} ms of 5 (${times.map((x) => x.toFixed(0)).join(', ')}; /api/overview ${(bytes / 1024).toFixed(0)} KiB)`,
  );
  console.log(
    `  in the page (medians): app.js loaded at ${median(split.map((x) => x.app)).toFixed(0)} ms, /api/overview received at ${median(split.map((x) => x.overview)).toFixed(0)} ms, 1,000 rows drawn by ${median(split.map((x) => x.rows)).toFixed(0)} ms`,
  );

  // An open overview while every object polls every 1 s (1,000 stream events a second): how far behind is the page
  // after 5 rounds?
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForFunction((n) => document.querySelectorAll('tr.row').length === n, N, { timeout: 60_000 });
  const start = performance.now();
  for (let r = 0; r < 5; r++) {
    await new Promise((res) => setTimeout(res, Math.max(0, start + r * 1000 - performance.now())));
    pollRound();
  }
  const lastAt = performance.now();
  const k = N - 1;
  const want = String(20 + ((round + k) % 40));
  const sel = `tr[data-object="${sos[k].metadata.namespace}/${sos[k].metadata.name}"] .val`;
  await page.waitForFunction(([q, v]) => document.querySelector(q)?.textContent === v, [sel, want] as const, { timeout: 120_000, polling: 50 });
  console.log(
    `an open overview, ${N} objects polling every 1 s for 5 s: the last row shows the last round ${((performance.now() - lastAt) / 1000).toFixed(1)} s after it was recorded`,
  );
  await page.close();
} finally {
  await browser.close();
  rmSync(userDataDir, { recursive: true, force: true });
  stream.destroy();
  await server.close();
}
