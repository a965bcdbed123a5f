// startLocal as a library: a ProcessGroup of a trivial node process and a ScaledObject with an opentelemetry
// trigger; a metric pushed to its OTLP receiver scales the group from zero, the events and the recorder say so,
// and stop() leaves no instance running.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { planUp } from '../../src/local/plan.ts';
import { startLocal, type LocalEvent } from '../../src/local/start-local.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('startLocal scales a ProcessGroup from zero on a pushed metric and stops every instance', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-start-local-'));
  const metric = `start_local.depth.${process.pid}`;
  writeFileSync(
    join(dir, 'local.yaml'),
    `
apiVersion: updraft.dev/v1alpha1
kind: ProcessGroup
metadata: { name: idle }
spec:
  command: ${JSON.stringify(process.execPath)}
  args: ["-e", "console.log('up ' + process.pid); setInterval(() => {}, 1000)"]
  terminationGracePeriodSeconds: 2
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: idle }
spec:
  scaleTargetRef: { apiVersion: updraft.dev/v1alpha1, kind: ProcessGroup, name: idle }
  minReplicaCount: 0
  maxReplicaCount: 4
  pollingInterval: 1
  cooldownPeriod: 2
  triggers:
  - type: opentelemetry
    metadata: { metricName: ${metric}, window: 3s, threshold: "5" }
`,
  );
  const plan = await planUp([dir]);
  assert.deepEqual(plan.problems, []);
  const events: LocalEvent[] = [];
  const waiters: Array<() => void> = [];
  const output: string[] = [];
  const run = await startLocal(plan, {
    otlpPort: 0,
    output: (l) => output.push(l.line),
    onEvent: (e) => {
      events.push(e);
      for (const w of [...waiters]) w();
    },
  });
  const waitFor = (what: string, ok: () => boolean, ms = 20_000) =>
    new Promise<void>((resolve, reject) => {
      if (ok()) return resolve();
      const timer = setTimeout(() => reject(new Error(`${what} not seen in ${ms} ms; events: ${events.map((e) => e.type).join(', ')}`)), ms);
      const w = () => {
        if (!ok()) return;
        clearTimeout(timer);
        waiters.splice(waiters.indexOf(w), 1);
        resolve();
      };
      waiters.push(w);
    });
  const pids = () => events.flatMap((e) => (e.type === 'pool' && e.event.type === 'started' ? [e.event.pid] : []));
  try {
    assert.ok(run.otlpUrl, 'an opentelemetry trigger starts the receiver');
    assert.deepEqual(
      events.map((e) => e.type).filter((t) => t !== 'poll'),
      ['otlp-receiver', 'runner', 'running'],
    );
    await waitFor('the first poll', () => events.some((e) => e.type === 'poll'));
    assert.equal(run.pools.get('default/idle')!.getReplicas(), 0);
    assert.equal(run.atMinimum(), true);

    const res = await fetch(`${run.otlpUrl}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceMetrics: [{ resource: { attributes: [] }, scopeMetrics: [{ metrics: [{ name: metric, gauge: { dataPoints: [{ asInt: '12' }] } }] }] }],
      }),
    });
    assert.equal(res.status, 200);
    // 12 / 5 per instance → 3 instances.
    await waitFor('3/3 ready', () => events.some((e) => e.type === 'pool' && e.event.type === 'replicas' && e.event.desired === 3 && e.event.ready === 3));
    const scaled = events.find((e): e is Extract<LocalEvent, { type: 'poll' }> => e.type === 'poll' && e.report.scaled !== undefined);
    assert.deepEqual(scaled?.report.scaled, { from: 0, to: 3 }, 'direct mode: activation and the HPA maths in one write');
    assert.equal(run.atMinimum(), false);
    assert.equal(pids().length, 3);
    assert.ok(
      run.recorders[0].steps.some((s) => s.replicas === 3),
      'the recorder saw 3 replicas',
    );
    assert.equal(run.recorders[0].status?.object, 'default/idle');
    await waitFor('instance output', () => output.some((l) => /^up \d+$/.test(l)), 5_000);
  } finally {
    await run.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(pids().filter(alive), [], 'no instance outlives stop()');
  assert.match(run.recorders[0].summary(Date.now()), /replicas 0 → max 3 → /);
});
