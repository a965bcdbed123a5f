// cpu/memory triggers in the runner: never read through their scaler; in hpa mode the runner asks the target for
// no pod metrics at all (the HPA controller reads metrics.k8s.io); in direct mode it asks for the pods and their
// PodMetrics every poll and scales with the HPA's resource rules. Fakes only; the real metrics-server path is
// test/e2e/cpu-memory.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scaledObject, trigger } from '../engine/scaled-object-fixture.ts';
import { buildScaler } from '../scalers/index.ts';
import type { GetOptions, ReplicaCounts, ScaleTarget } from '../targets/scale-target.ts';
import { ObjectRunner } from './object-runner.ts';
import { ReadingsCache } from './readings-cache.ts';
import { Scheduler } from './scheduler.ts';

const NOW = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

class PodTarget implements ScaleTarget {
  readonly description = 'Deployment default/worker';
  asked: GetOptions[] = [];
  writes: number[] = [];
  constructor(
    public replicas: number,
    public usageMilli: number,
    public metricsError?: string,
  ) {}
  async get(_s?: AbortSignal, opts: GetOptions = {}): Promise<ReplicaCounts> {
    this.asked.push(opts);
    const pods = Array.from({ length: this.replicas }, (_, i) => ({
      metadata: { name: `w-${i}` },
      spec: { containers: [{ name: 'app', resources: { requests: { cpu: '100m' } } }] },
      status: { phase: 'Running', startTime: iso(NOW - 3_600_000), conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: iso(NOW - 3_500_000) }] },
    }));
    const podMetrics = pods.map((p) => ({
      metadata: { name: p.metadata.name },
      timestamp: iso(NOW - 5000),
      window: '10s',
      containers: [{ name: 'app', usage: { cpu: `${this.usageMilli}m` } }],
    }));
    return {
      replicas: this.replicas,
      readyReplicas: this.replicas,
      ...(opts.resources ? { resources: this.metricsError ? { error: this.metricsError } : { pods, podMetrics } } : {}),
    };
  }
  async set(n: number): Promise<void> {
    this.writes.push(n);
    this.replicas = n;
  }
}

function runner(mode: 'hpa' | 'direct', target: PodTarget) {
  const t = trigger('cpu', { value: '50' }, { metricType: 'Utilization' });
  const so = scaledObject({ pollingInterval: 10, minReplicaCount: 1, maxReplicaCount: 10, triggers: [t] });
  const scaler = buildScaler({
    trigger: t,
    triggerIndex: 0,
    namespace: 'default',
    objectName: 'worker',
    objectKind: 'ScaledObject',
    authParams: {},
    resolvedEnv: {},
    httpTimeoutMs: 1000,
  });
  return new ObjectRunner({ so, scalers: [scaler], target, mode, scheduler: new Scheduler(), cache: new ReadingsCache(), now: () => NOW });
}

describe('cpu triggers in the object runner', () => {
  it('direct mode: 2 pods at 150 % of a 100m request, target 50 % → 6 (the HPA rule, capped by its scale-up limit of max(2×, 4))', async () => {
    const target = new PodTarget(2, 150);
    const report = await runner('direct', target).poll();
    assert.deepEqual(target.asked.at(-1), { readyPods: false, resources: true });
    assert.equal(report?.hpa?.desired, 6, report?.hpa?.reason);
    assert.deepEqual(target.writes, [4]);
  });
  it('direct mode: usage at the target keeps the count (within tolerance)', async () => {
    const target = new PodTarget(3, 52);
    await runner('direct', target).poll();
    assert.deepEqual(target.writes, []);
  });
  it('direct mode: the metrics API failing is an invalid metric (no change), not an error of the object', async () => {
    const target = new PodTarget(3, 500, 'unable to fetch metrics from resource metrics API: 503');
    const report = await runner('direct', target).poll();
    assert.equal(report?.hpa?.kind, 'invalid');
    assert.equal(report?.poll.activity.isError, false);
    assert.deepEqual(target.writes, []);
  });
  it('hpa mode: no pods or pod metrics are read, and a cpu-only object stays active without a write', async () => {
    const target = new PodTarget(2, 900);
    const report = await runner('hpa', target).poll();
    assert.deepEqual(target.asked.at(-1), { readyPods: false });
    assert.equal(report?.poll.activity.isActive, true);
    assert.deepEqual(target.writes, []);
  });
});
