// The dashboard's screenshots in docs/ (README, docs/dashboard.md): `updraft up`'s dashboard (src/local/dashboard.ts)
// over real ObjectRunners polled on a virtual clock against fake queues (the fixture of
// test/e2e/dashboard-ui.test.ts), photographed in Debian chromium (scripts/deps/chromium.sh) at 1280×800:
// the overview, and the object page after a what-if run.
//   node --import tsx bench/dashboard-screenshots.ts [outdir]     (default docs/)
import { statSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { scaledObject, trigger } from '../src/engine/scaled-object-fixture.ts';
import { localDashboard } from '../src/local/dashboard.ts';
import type { LocalPlan } from '../src/local/plan.ts';
import type { RunningLocal } from '../src/local/start-local.ts';
import { ObjectRunner } from '../src/runtime/object-runner.ts';
import { ReadingsCache } from '../src/runtime/readings-cache.ts';
import { Scheduler } from '../src/runtime/scheduler.ts';
import type { Reading, Scaler } from '../src/scalers/scaler.ts';
import type { ReplicaCounts, ScaleTarget } from '../src/targets/scale-target.ts';

const out = process.argv[2] ?? 'docs';

class Queue implements Scaler {
  readonly metricSpecs;
  readonly activationThreshold = 0;
  value = 0;
  constructor(
    readonly type: string,
    private readonly metric: string,
    target: number,
  ) {
    this.metricSpecs = [{ metricName: metric, kind: 'External' as const, targetType: 'AverageValue' as const, target }];
  }
  async read(): Promise<Reading> {
    return { metrics: [{ name: this.metric, value: this.value }], active: this.value > 0 };
  }
  async close(): Promise<void> {}
}
class Target implements ScaleTarget {
  readonly description = 'ProcessGroup';
  replicas = 0;
  async get(): Promise<ReplicaCounts> {
    return { replicas: this.replicas, readyReplicas: this.replicas };
  }
  async set(n: number): Promise<void> {
    this.replicas = n;
  }
}

const objects: Array<{ name: string; type: string; metric: string; meta: Record<string, string>; target: number; max: number; load: (i: number) => number }> = [
  {
    name: 'worker',
    type: 'aws-sqs-queue',
    metric: 's0-aws-sqs-jobs',
    meta: { queueURL: 'https://sqs.eu-west-1.amazonaws.com/123/jobs', queueLength: '5', awsRegion: 'eu-west-1', identityOwner: 'operator' },
    target: 5,
    max: 20,
    load: (i: number) => (i >= 60 && i < 100 ? 40 + (i % 7) * 5 : i >= 200 && i < 230 ? 90 : 0),
  },
  {
    name: 'thumbnailer',
    type: 'redis',
    metric: 's0-redis-thumbs',
    meta: { address: 'redis:6379', listName: 'thumbs', listLength: '10' },
    target: 10,
    max: 8,
    load: (i: number) => Math.round(30 + 25 * Math.sin(i / 30)),
  },
  {
    name: 'mailer',
    type: 'rabbitmq',
    metric: 's0-rabbitmq-mail',
    meta: { host: 'amqp://guest:secret@rabbit:5672/', queueName: 'mail', mode: 'QueueLength', value: '20' },
    target: 20,
    max: 5,
    load: (i: number) => (i >= 330 ? 45 : 0),
  },
];

const clock = { t: Date.now() - 3_590_000 };
const sos = objects.map((o) => {
  const so = scaledObject({ pollingInterval: 10, cooldownPeriod: 60, maxReplicaCount: o.max, triggers: [trigger(o.type, o.meta)] });
  so.metadata.name = o.name;
  so.metadata.namespace = 'default';
  so.spec.scaleTargetRef.name = o.name;
  return so;
});
const dash = localDashboard({ scaledObjects: sos } as unknown as LocalPlan, { now: () => clock.t });
const queues = objects.map((o) => new Queue(o.type, o.metric, o.target));
const runners = sos.map(
  (so, k) =>
    new ObjectRunner({
      so,
      scalers: [queues[k]],
      target: new Target(),
      mode: 'direct',
      scheduler: new Scheduler(),
      cache: new ReadingsCache(),
      now: () => clock.t,
      hooks: { onPoll: (report) => dash.onEvent({ type: 'poll', scaledObject: so, report, status: undefined as never }) },
    }),
);
const server = await dash.start({ runners } as unknown as RunningLocal, { port: 0 });
for (let i = 0; i < 360; i++) {
  for (let k = 0; k < objects.length; k++) {
    queues[k].value = objects[k].load(i);
    await runners[k].poll();
  }
  clock.t += 10_000;
}
const userDataDir = mkdtempSync(join(tmpdir(), 'updraft-chromium-'));
const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--hide-scrollbars',
  ],
  viewport: { width: 1280, height: 800 },
});
try {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.locator('tr[data-object="default/worker"]').waitFor();
  await page.locator('[data-testid="live"].on').waitFor();
  const overview = join(out, 'dashboard-overview.png');
  await page.screenshot({ path: overview });
  await page.locator('tr[data-object="default/worker"] a').click();
  await page.locator('[data-testid="timeline"] canvas').waitFor();
  await page.locator('input[name="target-0"]').fill('20');
  await page.locator('input[name="cooldown"]').fill('300');
  await page.locator('[data-testid="whatif-run"]').click();
  await page.locator('[data-testid="whatif-chart"] canvas').waitFor();
  // The timeline above, the what-if overlay below: scroll so the overlay's chart ends at the bottom of the frame.
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid="whatif-chart"]')!;
    const r = el.getBoundingClientRect();
    window.scrollTo(0, Math.max(0, r.bottom + window.scrollY - window.innerHeight + 16));
  });
  const object = join(out, 'dashboard-object.png');
  await page.screenshot({ path: object });
  for (const f of [overview, object]) console.log(`${f}: ${(statSync(f).size / 1024).toFixed(0)} KiB`);
} finally {
  await browser.close();
  await server.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
