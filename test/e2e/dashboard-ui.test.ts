// The dashboard page in a real headless browser (Debian chromium, scripts/deps/chromium.sh, driven by
// playwright-core): `updraft up`'s dashboard (src/local/dashboard.ts) over a real ObjectRunner polled on a virtual
// clock against a fake queue — see the overview, open the object (timeline, cost, explain), run a what-if and
// take a screenshot (UPDRAFT_DASHBOARD_SCREENSHOT, default a temp file).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { scaledObject, trigger } from '../../src/engine/scaled-object-fixture.ts';
import { localDashboard } from '../../src/local/dashboard.ts';
import type { LocalPlan } from '../../src/local/plan.ts';
import type { RunningLocal } from '../../src/local/start-local.ts';
import { ObjectRunner } from '../../src/runtime/object-runner.ts';
import { ReadingsCache } from '../../src/runtime/readings-cache.ts';
import { Scheduler } from '../../src/runtime/scheduler.ts';
import type { Reading, Scaler } from '../../src/scalers/scaler.ts';
import type { RunningDashboard } from '../../src/servers/dashboard-server.ts';
import type { ReplicaCounts, ScaleTarget } from '../../src/targets/scale-target.ts';

const CHROMIUM = '/usr/bin/chromium';

class Queue implements Scaler {
  readonly type = 'aws-sqs-queue';
  readonly metricSpecs = [{ metricName: 's0-aws-sqs-jobs', kind: 'External' as const, targetType: 'AverageValue' as const, target: 5 }];
  readonly activationThreshold = 0;
  value = 0;
  async read(): Promise<Reading> {
    return { metrics: [{ name: 's0-aws-sqs-jobs', value: this.value }], active: this.value > 0 };
  }
  async close(): Promise<void> {}
}
class Target implements ScaleTarget {
  readonly description = 'ProcessGroup default/worker';
  replicas = 0;
  async get(): Promise<ReplicaCounts> {
    return { replicas: this.replicas, readyReplicas: this.replicas };
  }
  async set(n: number): Promise<void> {
    this.replicas = n;
  }
}

describe(
  'dashboard page in headless chromium',
  { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} missing (bash scripts/deps/chromium.sh installs it)`, timeout: 300_000 },
  () => {
    let browser: BrowserContext;
    let page: Page;
    let server: RunningDashboard;
    let userDataDir: string;
    let queue: Queue;
    let runner: ObjectRunner;
    let clock: { t: number };
    const shot = process.env.UPDRAFT_DASHBOARD_SCREENSHOT ?? join(tmpdir(), 'updraft-dashboard.png');

    before(async () => {
      const so = scaledObject({
        pollingInterval: 10,
        cooldownPeriod: 60,
        maxReplicaCount: 20,
        triggers: [
          trigger('aws-sqs-queue', {
            queueURL: 'https://sqs.eu-west-1.amazonaws.com/123/jobs',
            queueLength: '5',
            awsRegion: 'eu-west-1',
            identityOwner: 'operator',
          }),
        ],
      });
      so.metadata.name = 'worker';
      so.metadata.namespace = 'default';
      // An hour of polls, 10 s apart, ending now: idle, two bursts, idle.
      clock = { t: Date.now() - 3_590_000 };
      const dash = localDashboard({ scaledObjects: [so] } as unknown as LocalPlan, { now: () => clock.t });
      queue = new Queue();
      runner = new ObjectRunner({
        so,
        scalers: [queue],
        target: new Target(),
        mode: 'direct',
        scheduler: new Scheduler(),
        cache: new ReadingsCache(),
        now: () => clock.t,
        hooks: { onPoll: (report) => dash.onEvent({ type: 'poll', scaledObject: so, report, status: undefined as never }) },
      });
      server = await dash.start({ runners: [runner] } as unknown as RunningLocal, { port: 0 });
      for (let i = 0; i < 360; i++) {
        queue.value = i >= 60 && i < 100 ? 40 + (i % 7) * 5 : i >= 200 && i < 230 ? 90 : 0;
        await runner.poll();
        clock.t += 10_000;
      }
      userDataDir = mkdtempSync(join(tmpdir(), 'updraft-chromium-'));
      // A fresh user-data-dir per run (playwright passes it to chromium as --user-data-dir).
      browser = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
        viewport: { width: 1360, height: 1800 },
      });
      page = await browser.newPage();
    });

    after(async () => {
      await browser?.close();
      await server?.close();
      if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    });

    test('the overview lists the ScaledObject with its status, replicas and trigger', async () => {
      await page.goto(server.url);
      const row = page.locator('tr[data-object="default/worker"]');
      await row.waitFor();
      const text = await row.innerText();
      assert.match(text, /Ready/);
      assert.match(text, /direct/);
      assert.match(text, /0\.\.20/);
      await page.locator('[data-testid="live"].on').waitFor();
    });

    test('a live change appears within 2 s: a poll reaches the open overview over the event stream', async () => {
      queue.value = 77;
      const start = Date.now();
      await runner.poll();
      clock.t += 10_000;
      // A condition wait bounded at 2 s (the stream's update re-renders the row).
      await page.locator('tr[data-object="default/worker"] .val', { hasText: /^77$/ }).waitFor({ timeout: 2000 });
      assert.ok(Date.now() - start < 2000, `the change took ${Date.now() - start} ms to appear`);
      queue.value = 0;
    });

    test('opening the object shows the timeline chart, the cost and the explain report', async () => {
      await page.locator('tr[data-object="default/worker"] a').click();
      await page.locator('[data-testid="timeline"] canvas').waitFor();
      const cost = await page.locator('[data-testid="cost"]').innerText();
      assert.match(cost, /at max \(20\)/);
      assert.match(await page.locator('[data-testid="explain"]').innerText(), /direct/);
    });

    test('a what-if with a higher target replays the hour, overlays the curve and offers the YAML', async () => {
      await page.locator('input[name="target-0"]').fill('20');
      await page.locator('input[name="cooldown"]').fill('300');
      await page.locator('[data-testid="whatif-run"]').click();
      await page.locator('[data-testid="whatif-chart"] canvas').waitFor();
      const yaml = await page.locator('[data-testid="whatif-yaml"]').innerText();
      assert.match(yaml, /queueLength: "20"/);
      assert.match(yaml, /cooldownPeriod: 300/);
      // A larger target (20 jobs per replica instead of 5) over the same hour: fewer replica-hours than recorded.
      const summary = await page.locator('[data-testid="whatif-result"] .summary').innerText();
      const m = /Recorded ([\d.]+) replica-h · what-if ([\d.]+) replica-h/.exec(summary);
      assert.ok(m, summary);
      assert.ok(Number(m[2]) < Number(m[1]), `what-if ${m[2]} replica-h is not below the recorded ${m[1]}`);
      await page.locator('[data-testid="whatif-result"]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: shot, fullPage: true });
      assert.ok(existsSync(shot));
    });
  },
);
