import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { desiredFromMetrics, metricReplicas, type HpaMetric, type PodSample, type ReplicaContext } from './hpa-replicas.ts';

const tol = { up: 0.1, down: 0.1 };
const ctx = (specReplicas: number, readyPods = specReplicas, statusReplicas = specReplicas): ReplicaContext => ({
  specReplicas,
  statusReplicas,
  readyPods,
  tolerance: tol,
});
const ext = (value: number | undefined, target: number, targetType: 'AverageValue' | 'Value' = 'AverageValue', name = 's0-m', error?: string): HpaMetric => ({
  kind: 'External',
  name,
  targetType,
  target,
  value,
  error,
});
const pods = (n: number, usage: number | undefined, extra: Partial<PodSample> = {}): PodSample[] =>
  Array.from({ length: n }, (_, i) => ({ name: `p${i}-${usage}-${extra.ready === false ? 'u' : 'r'}`, ready: true, usage, request: 1, ...extra }));

describe('External and Resource replica maths (replica_calculator.go)', () => {
  const cases: Array<[string, HpaMetric, ReplicaContext, number]> = [
    ['SQS: 23 messages, queueLength 5, 2 replicas, AverageValue → ceil(23/5) = 5', ext(23, 5), ctx(2), 5],
    ['SQS with metricType Value: ceil(23/5 × 2 ready) = 10', ext(23, 5, 'Value'), ctx(2), 10],
    ['Value target with the target at 0 replicas: ceil(ratio)', ext(23, 5, 'Value'), ctx(0, 0), 5],
    ['Value target multiplies by ready pods only', ext(23, 5, 'Value'), ctx(4, 1), 5],
    ['AverageValue within tolerance keeps the replica count (10.5 / (5×2) = 1.05)', ext(10.5, 5), ctx(2), 2],
    ['AverageValue just past tolerance scales (11.5 / 10 = 1.15)', ext(11.5, 5), ctx(2), 3],
    ['seed 05: vector(100), threshold 25 → 4 replicas', ext(100, 25), ctx(1), 4],
    ['fallback value 30 for target 5 → 6 replicas', ext(30, 5), ctx(2), 6],
    ['AverageValue with no pods yet (statusReplicas 0): ceil(usage/target)', ext(12, 5), ctx(1, 0, 0), 3],
    [
      'HPA docs: current 200m vs target 100m doubles the replicas',
      { kind: 'Resource', name: 'cpu', targetType: 'AverageValue', target: 0.1, pods: pods(3, 0.2) },
      ctx(3),
      6,
    ],
    [
      'HPA docs: current 50m vs target 100m halves the replicas',
      { kind: 'Resource', name: 'cpu', targetType: 'AverageValue', target: 0.1, pods: pods(4, 0.05) },
      ctx(4),
      2,
    ],
    [
      'HPA walkthrough: 1 replica at 305% of request, target 50% → 7',
      { kind: 'Resource', name: 'cpu', targetType: 'Utilization', target: 50, pods: pods(1, 3.05) },
      ctx(1),
      7,
    ],
    [
      'unready pods count as 0% on a scale-up (200%/2 ready + 1 unready → 4, not 6)',
      { kind: 'Resource', name: 'cpu', targetType: 'Utilization', target: 50, pods: [...pods(2, 1), ...pods(1, 1, { ready: false })] },
      ctx(3),
      4,
    ],
    [
      'memory ignores readiness (unready pod counted with its usage)',
      { kind: 'Resource', name: 'memory', targetType: 'Utilization', target: 50, pods: [...pods(2, 1), ...pods(1, 1, { ready: false })] },
      ctx(3),
      6,
    ],
    [
      'missing pods count as 100% of request on a scale-down (3×10% + 1 missing → 3, not 1)',
      { kind: 'Resource', name: 'cpu', targetType: 'Utilization', target: 50, pods: [...pods(3, 0.1), ...pods(1, undefined)] },
      ctx(4),
      3,
    ],
    [
      'missing pods count as 0 on a scale-up: 3×100% + 1 missing → 6',
      { kind: 'Resource', name: 'cpu', targetType: 'Utilization', target: 50, pods: [...pods(3, 1), ...pods(1, undefined)] },
      ctx(4),
      6,
    ],
    [
      'missing pods never turn a scale-up into a scale-down (3×58% + 2 missing stays 5, not 4)',
      { kind: 'Resource', name: 'cpu', targetType: 'Utilization', target: 50, pods: [...pods(3, 0.58), ...pods(2, undefined)] },
      ctx(5),
      5,
    ],
    [
      'missing pods that flip the direction mean no change',
      { kind: 'Resource', name: 'cpu', targetType: 'Utilization', target: 50, pods: [...pods(1, 0.4), ...pods(3, undefined)] },
      ctx(4),
      4,
    ],
    [
      'deleting and failed pods are ignored',
      {
        kind: 'Resource',
        name: 'cpu',
        targetType: 'Utilization',
        target: 50,
        pods: [...pods(2, 1), ...pods(1, 5, { deleting: true }), ...pods(1, 5, { phase: 'Failed' })],
      },
      ctx(2),
      4,
    ],
  ];
  for (const [name, metric, c, want] of cases) {
    test(name, () => {
      const p = metricReplicas(metric, c);
      assert.ok(p.ok, `${name}: ${!p.ok ? p.error : ''}`);
      assert.equal(p.replicas, want, `${name}: ${p.reason}`);
    });
  }
});

test('property: AverageValue replicas are monotonic in the metric (a bigger queue never asks for fewer replicas)', () => {
  const usage = fc.double({ min: 0, max: 1e5, noNaN: true });
  fc.assert(
    fc.property(usage, usage, fc.double({ min: 0.001, max: 1e3, noNaN: true }), fc.integer({ min: 0, max: 50 }), (a, b, target, current) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      const pLo = metricReplicas(ext(lo, target), ctx(Math.max(current, 1), current, current));
      const pHi = metricReplicas(ext(hi, target), ctx(Math.max(current, 1), current, current));
      assert.ok(pLo.ok && pHi.ok, 'a positive target always gives a proposal');
      assert.ok(pLo.replicas <= pHi.replicas, `${lo} → ${pLo.replicas} but ${hi} → ${pHi.replicas} (target ${target}, ${current} replicas)`);
    }),
  );
});

test('property: AverageValue replicas do not depend on readiness, Value replicas never exceed ceil(ratio × ready pods) outside tolerance', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 1e5, noNaN: true }),
      fc.double({ min: 0.001, max: 1e3, noNaN: true }),
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 0, max: 50 }),
      (usage, target, pods, ready) => {
        const readyPods = Math.min(ready, pods);
        const a = metricReplicas(ext(usage, target), ctx(pods, readyPods, pods));
        const b = metricReplicas(ext(usage, target), ctx(pods, pods, pods));
        assert.deepEqual(a, b);
        const v = metricReplicas(ext(usage, target, 'Value'), ctx(pods, readyPods, pods));
        assert.ok(v.ok);
        const ratio = Math.round(usage * 1000) / Math.round(target * 1000);
        assert.ok(v.replicas === pods || v.replicas === Math.min(Math.ceil(ratio * readyPods), 2147483647), `${v.replicas}: ${v.reason}`); // int32 saturation, as Kubernetes
      },
    ),
  );
});

test('Utilization without requests is an invalid metric', () => {
  const p = metricReplicas({ kind: 'Resource', name: 'cpu', targetType: 'Utilization', target: 50, pods: [{ name: 'a', ready: true, usage: 1 }] }, ctx(1));
  assert.equal(p.ok, false);
});

describe('the HPA takes the max over metrics and handles invalid metrics like horizontal.go', () => {
  const cases: Array<[string, HpaMetric[], number, { kind: string; replicas?: number }]> = [
    ['max over metrics', [ext(23, 5, 'AverageValue', 'a'), ext(40, 5, 'AverageValue', 'b')], 2, { kind: 'metrics', replicas: 8 }],
    [
      'one invalid metric: still scales up with the valid one',
      [ext(40, 5, 'AverageValue', 'a'), ext(undefined, 5, 'AverageValue', 'b', 'boom')],
      2,
      { kind: 'metrics', replicas: 8 },
    ],
    ['one invalid metric: refuses to scale down', [ext(1, 5, 'AverageValue', 'a'), ext(undefined, 5, 'AverageValue', 'b', 'boom')], 4, { kind: 'invalid' }],
    [
      'one invalid metric: same count is allowed',
      [ext(20, 5, 'AverageValue', 'a'), ext(undefined, 5, 'AverageValue', 'b', 'boom')],
      4,
      { kind: 'metrics', replicas: 4 },
    ],
    ['all invalid: no change', [ext(undefined, 5, 'AverageValue', 'a', 'x'), ext(undefined, 5, 'AverageValue', 'b', 'y')], 4, { kind: 'invalid' }],
    ['spec.replicas 0: ScalingDisabled', [ext(100, 5)], 0, { kind: 'disabled' }],
    ['above maxReplicas: straight to max', [ext(1, 5)], 12, { kind: 'bounds', replicas: 10 }],
  ];
  for (const [name, metrics, current, want] of cases) {
    test(name, () => {
      const d = desiredFromMetrics({ metrics, minReplicas: 1, maxReplicas: 10, ctx: ctx(current) });
      assert.equal(d.kind, want.kind, name);
      if (want.replicas !== undefined) assert.equal((d as { replicas: number }).replicas, want.replicas, name);
    });
  }
});
