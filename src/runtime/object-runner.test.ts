import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScaledObject } from '../api/types.ts';
import { scaledObject, trigger } from '../engine/scaled-object-fixture.ts';
import type { Reading, Scaler } from '../scalers/scaler.ts';
import type { ReplicaCounts, ScaleTarget } from '../targets/scale-target.ts';
import { waitFor } from '../../test/support/wait.ts';
import { ObjectRunner } from './object-runner.ts';
import { ReadingsCache } from './readings-cache.ts';
import { Scheduler } from './scheduler.ts';

// Pure-logic fakes: a queue-depth source we set by hand and a target that records writes. The real sources and
// the real /scale subresource are exercised by the integration and e2e suites.
class QueueScaler implements Scaler {
  readonly type = 'aws-sqs-queue';
  readonly metricSpecs = [{ metricName: 's0-aws-sqs-queue', kind: 'External' as const, targetType: 'AverageValue' as const, target: 5 }];
  value = 0;
  fail = false;
  reads = 0;
  private push?: (r: Reading) => void;
  async read(): Promise<Reading> {
    this.reads++;
    if (this.fail) throw new Error('queue unreachable');
    return { metrics: [{ name: 's0-aws-sqs-queue', value: this.value }], active: this.value > 0 };
  }
  subscribe(on: (r: Reading) => void): () => void {
    this.push = on;
    return () => (this.push = undefined);
  }
  emit(value: number): void {
    this.value = value;
    this.push?.({ metrics: [{ name: 's0-aws-sqs-queue', value }], active: value > 0 });
  }
  async close(): Promise<void> {}
}

class RecordingTarget implements ScaleTarget {
  readonly description = 'Deployment default/consumer';
  writes: number[] = [];
  failWrites = false;
  gets = 0;
  constructor(public replicas = 0) {}
  async get(): Promise<ReplicaCounts> {
    this.gets++;
    return { replicas: this.replicas, readyReplicas: this.replicas };
  }
  async set(n: number): Promise<void> {
    if (this.failWrites) throw new Error('forbidden');
    this.writes.push(n);
    this.replicas = n;
  }
}

function sqsObject(spec: Parameters<typeof scaledObject>[0] = {}): ScaledObject {
  const so = scaledObject({
    pollingInterval: 10,
    cooldownPeriod: 10,
    maxReplicaCount: 100,
    triggers: [trigger('aws-sqs-queue', { queueLength: '5' })],
    ...spec,
  });
  return so;
}

function setup(mode: 'hpa' | 'direct', so = sqsObject(), clock = { t: 1_000_000 }) {
  const scaler = new QueueScaler();
  const target = new RecordingTarget();
  const scheduler = new Scheduler();
  const cache = new ReadingsCache();
  const runner = new ObjectRunner({ so, scalers: [scaler], target, mode, scheduler, cache, now: () => clock.t });
  return { scaler, target, scheduler, cache, runner, clock };
}

test('direct mode activates and applies the HPA maths in the same poll: 23 messages, queueLength 5 → 4, then 5', async () => {
  const { scaler, target, runner, clock } = setup('direct');
  scaler.value = 23;
  const report = await runner.poll();
  // 0→1 (activation), then 1→4: without behavior the HPA limits a scale-up to max(2 × current, 4).
  assert.deepEqual(report?.scaled, { from: 0, to: 4 });
  assert.equal(report?.poll.decision.action, 'activate');
  clock.t += 10_000;
  await runner.poll();
  assert.deepEqual(target.writes, [4, 5]);
});

test('hpa mode only activates 0→1 and leaves 1..N to the HPA', async () => {
  const { scaler, target, runner } = setup('hpa');
  scaler.value = 23;
  await runner.poll();
  assert.deepEqual(target.writes, [1]);
  await runner.poll();
  assert.deepEqual(target.writes, [1]);
});

test('returns to zero only after cooldownPeriod once the queue drains', async () => {
  const { scaler, target, runner, clock } = setup('hpa');
  scaler.value = 3;
  await runner.poll();
  assert.equal(target.replicas, 1);
  scaler.value = 0;
  clock.t += 10_000;
  await runner.poll(); // last active 10 s ago: cooldown 10 s not yet passed (strict)
  assert.equal(target.replicas, 1);
  clock.t += 1_000;
  await runner.poll();
  assert.equal(target.replicas, 0);
});

test("with useCachedMetrics, the metrics API answers from the last poll's reading while it is younger than pollingInterval", async () => {
  const { scaler, runner, clock } = setup('hpa', sqsObject({ triggers: [trigger('aws-sqs-queue', { queueLength: '5' }, { useCachedMetrics: true })] }));
  scaler.value = 23;
  await runner.poll();
  assert.equal(scaler.reads, 1);
  clock.t += 5_000;
  const a = await runner.metricValue('S0-AWS-SQS-QUEUE');
  assert.deepEqual(a, { ok: true, value: 23, fallback: false });
  assert.equal(scaler.reads, 1);
  clock.t += 10_000; // older than pollingInterval: read again
  scaler.value = 40;
  assert.deepEqual(await runner.metricValue('s0-aws-sqs-queue'), { ok: true, value: 40, fallback: false });
  assert.equal(scaler.reads, 2);
  assert.deepEqual(await runner.metricValue('s1-nope'), { ok: false, error: 'no matching metrics found for s1-nope' });
});

test("without useCachedMetrics (KEDA's default), each metrics request reads the source, but requests within a second share one read", async () => {
  const { scaler, runner, clock } = setup('hpa');
  scaler.value = 23;
  await runner.poll();
  assert.equal(scaler.reads, 1);
  clock.t += 500; // within FRESH_READ_MS of the poll: shared
  assert.deepEqual(await runner.metricValue('s0-aws-sqs-queue'), { ok: true, value: 23, fallback: false });
  assert.equal(scaler.reads, 1);
  clock.t += 4_500;
  scaler.value = 40;
  const [a, b] = await Promise.all([runner.metricValue('s0-aws-sqs-queue'), runner.metricValue('s0-aws-sqs-queue')]);
  assert.deepEqual(
    [a, b],
    [
      { ok: true, value: 40, fallback: false },
      { ok: true, value: 40, fallback: false },
    ],
  );
  assert.equal(scaler.reads, 2, 'two concurrent requests share one read');
});

test('metric requests within pollingInterval of a poll reuse its replica counts: no /scale or pod reads per HPA sync', async () => {
  const { scaler, target, runner, clock } = setup('hpa');
  scaler.value = 23;
  await runner.poll(); // reads the target, scales 0→1
  const afterPoll = target.gets;
  clock.t += 1_000;
  await runner.metricValue('s0-aws-sqs-queue'); // the target changed in that poll: read it once
  assert.equal(target.gets, afterPoll + 1);
  for (let i = 0; i < 5; i++) {
    clock.t += 1_000;
    assert.deepEqual(await runner.metricValue('s0-aws-sqs-queue'), { ok: true, value: 23, fallback: false });
  }
  assert.equal(target.gets, afterPoll + 1);
  clock.t += 10_000; // older than pollingInterval: read again
  await runner.metricValue('s0-aws-sqs-queue');
  assert.equal(target.gets, afterPoll + 2);
});

test('a failing source past failureThreshold is answered with the fallback value (target × replicas)', async () => {
  const so = sqsObject({ fallback: { failureThreshold: 2, replicas: 6, behavior: 'static' } });
  const { scaler, runner, clock } = setup('hpa', so);
  scaler.fail = true;
  const answers = [];
  for (let i = 0; i < 3; i++) {
    clock.t += 20_000;
    answers.push(await runner.metricValue('s0-aws-sqs-queue'));
  }
  assert.equal(answers[0].ok, false);
  assert.equal(answers[1].ok, false);
  assert.deepEqual(answers[2], { ok: true, value: 30, fallback: true });
  assert.equal(runner.current.health['s0-aws-sqs-queue'].numberOfFailures, 3);
});

test('pushed data wakes the object at once instead of waiting for the next poll', async () => {
  const { scaler, target, runner, scheduler } = setup('hpa', sqsObject({ pollingInterval: 3600 }));
  runner.start();
  await waitFor('the first poll to finish', async () => runner.last !== undefined, 5_000, 5);
  assert.equal(target.replicas, 0);
  const readsBefore = scaler.reads;
  scaler.emit(7);
  await waitFor('the pushed reading to scale the target', async () => target.replicas === 1, 5_000, 5);
  assert.equal(target.replicas, 1);
  assert.equal(scaler.reads, readsBefore, 'the pushed reading is used, the source is not polled');
  runner.stop();
  await scheduler.stop();
});

test('a failed scale write keeps the old count and does not record an activation', async () => {
  const { scaler, target, runner } = setup('hpa');
  target.failWrites = true;
  scaler.value = 3;
  const report = await runner.poll();
  assert.match(report?.scaleError ?? '', /failed to scale Deployment default\/consumer from 0 to 1: forbidden/);
  assert.equal(runner.current.replicas, 0);
  assert.equal(runner.current.lastActiveTime, undefined);
});
