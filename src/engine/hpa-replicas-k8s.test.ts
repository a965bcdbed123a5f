// Kubernetes' own replica-calculator tables (k8s.io/kubernetes v1.37.2 pkg/controller/podautoscaler/
// replica_calculator_test.go), translated one subtest per row: the resource cases (TestReplicaCalcResourceScale,
// TestReplicaCalcResourceTolerance, TestReplicaCalcResourceMissingMetrics, TestGroupPods' pod-phase rules) and the
// external ones (TestReplicaCalcExternalMetric, TestReplicaCalcExternalPerPodMetric). Each resource row builds the
// same Pod and PodMetrics objects the Go fixture builds (two containers per pod, both with the pod's request and the
// row's usage levels) and goes through engine/pod-metrics.ts (what direct mode reads) into resourceReplicas.
// Kubernetes also checks the utilization and raw value it returns; Updraft returns the replica count (and the
// error), which is what scaling uses, so those two columns are not translated.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { externalAverageValueReplicas, externalValueReplicas, GO_ZERO_TIME, metricReplicas, type ReplicaContext } from './hpa-replicas.ts';
import { resourcePods, type RawPod, type RawPodMetrics } from './pod-metrics.ts';

const NOW = Date.UTC(2026, 0, 1, 12);
const hot = NOW; // hotCPUCreationTime: time.Now()
const cool = NOW - 3 * 60_000; // coolCPUCreationTime: 3 minutes ago
// defaultTestingCPUInitializationPeriod, defaultTestingDelayOfInitialReadinessStatus
const INIT = 2 * 60_000;
const DELAY = 10_000;
const iso = (ms: number) => new Date(ms).toISOString();

interface Scenario {
  currentReplicas: number;
  requests: string[];
  /** [pod][container] milli-cores; pods beyond the list have no PodMetrics, containers beyond it no usage. */
  levels: number[][];
  podNames?: string[];
  container?: string;
  podReadiness?: Array<'True' | 'False'>;
  podStartTime?: number[];
  podPhase?: string[];
  podDeletionTimestamp?: boolean[];
  tolerances?: [down: number, up: number];
}
const levels = (...perPod: number[]) => perPod.map((m) => [m, m]); // makePodMetricLevels
const requests = (n: number, v: string) => Array.from({ length: n }, () => v); // cpuRequests

function objects(f: Scenario): { pods: RawPod[]; metrics: RawPodMetrics[] } {
  const count = Math.max(f.currentReplicas, f.podPhase?.length ?? 0);
  const pods: RawPod[] = Array.from({ length: count }, (_, i) => {
    const req = i < f.requests.length ? { requests: { cpu: f.requests[i] } } : {};
    return {
      metadata: { name: `test-pod-${i}`, ...(f.podDeletionTimestamp?.[i] ? { deletionTimestamp: iso(NOW) } : {}) },
      spec: {
        containers: [
          { name: 'container1', resources: req },
          { name: 'container2', resources: req },
        ],
      },
      status: {
        phase: f.podPhase?.[i] ?? 'Running',
        startTime: iso(f.podStartTime?.[i] ?? GO_ZERO_TIME),
        conditions: [{ type: 'Ready', status: f.podReadiness?.[i] ?? 'True' }],
      },
    };
  });
  const metrics: RawPodMetrics[] = f.levels.map((lv, i) => ({
    metadata: { name: f.podNames?.[i] ?? `test-pod-${i}` },
    timestamp: iso(GO_ZERO_TIME),
    window: '1m0s',
    // make([]ContainerMetrics, 2): unset entries have no name and no usage.
    containers: [0, 1].map((j) => (j < lv.length ? { name: `container${j + 1}`, usage: { cpu: `${lv[j]}m` } } : { name: '' })),
  }));
  return { pods, metrics };
}

function resourceCase(f: Scenario, targetUtilization: number): { replicas?: number; error?: string } {
  const { pods, metrics } = objects(f);
  const read = resourcePods(pods, metrics, 'cpu', f.container);
  if ('error' in read) return { error: read.error };
  const [down, up] = f.tolerances ?? [0.1, 0.1];
  const ctx: ReplicaContext = { specReplicas: f.currentReplicas, statusReplicas: f.currentReplicas, readyPods: f.currentReplicas, tolerance: { down, up } };
  const p = metricReplicas(
    {
      kind: 'Resource',
      name: 'cpu',
      targetType: 'Utilization',
      target: targetUtilization,
      pods: read.pods,
      extraSamples: read.extraSamples,
      now: NOW,
      cpuInitializationPeriodMs: INIT,
      initialReadinessDelayMs: DELAY,
    },
    ctx,
  );
  return p.ok ? { replicas: p.replicas } : { error: p.error };
}

type Row = [name: string, fixture: Scenario, targetUtilization: number, want: number | RegExp];
const T = 'True';
const F = 'False';

const resourceScale: Row[] = [
  ['scale up', { currentReplicas: 3, requests: requests(3, '1.0'), levels: levels(300, 500, 700) }, 30, 5],
  [
    'scale up: container metric',
    {
      currentReplicas: 3,
      container: 'container2',
      requests: requests(3, '1.0'),
      levels: [
        [1000, 300],
        [1000, 500],
        [1000, 700],
      ],
    },
    30,
    5,
  ],
  ['scale up: unready pod scales less', { currentReplicas: 3, podReadiness: [F, T, T], requests: requests(3, '1.0'), levels: levels(300, 500, 700) }, 30, 4],
  [
    'scale up: hot-CPU container scales less',
    {
      currentReplicas: 3,
      podStartTime: [hot, cool, cool],
      container: 'container2',
      requests: requests(3, '1.0'),
      levels: [
        [0, 300],
        [0, 500],
        [0, 700],
      ],
    },
    30,
    4,
  ],
  [
    'scale up: hot-CPU pod scales less',
    { currentReplicas: 3, podStartTime: [hot, cool, cool], requests: requests(3, '1.0'), levels: levels(300, 500, 700) },
    30,
    4,
  ],
  ['no scale: unready pods ignored', { currentReplicas: 3, podReadiness: [T, F, F], requests: requests(3, '1.0'), levels: levels(400, 500, 700) }, 30, 3],
  [
    'no scale: hot-CPU pods ignored',
    { currentReplicas: 3, podReadiness: [T, F, F], podStartTime: [cool, hot, hot], requests: requests(3, '1.0'), levels: levels(400, 500, 700) },
    30,
    3,
  ],
  [
    'scale up: failed pods ignored',
    {
      currentReplicas: 2,
      podReadiness: [T, T, F, F],
      podPhase: ['Running', 'Running', 'Failed', 'Failed'],
      requests: requests(4, '1.0'),
      levels: levels(500, 700),
    },
    30,
    4,
  ],
  [
    'scale up: failed pods ignored with missing container metric',
    {
      currentReplicas: 2,
      podReadiness: [T, T, F, F],
      podPhase: ['Running', 'Running', 'Failed', 'Failed'],
      container: 'container2',
      requests: requests(4, '1.0'),
      levels: [[1000, 500], [9000, 700], [1000], [9000]],
    },
    30,
    4,
  ],
  [
    'scale up: container metrics with failed pods ignored',
    {
      currentReplicas: 2,
      podReadiness: [T, T, F, F],
      podPhase: ['Running', 'Running', 'Failed', 'Failed'],
      container: 'container2',
      requests: requests(4, '1.0'),
      levels: [
        [1000, 500],
        [9000, 700],
      ],
    },
    30,
    4,
  ],
  [
    'scale up: pods being deleted are ignored',
    {
      currentReplicas: 2,
      podReadiness: [T, T, F, F],
      podPhase: ['Running', 'Running', 'Running', 'Running'],
      podDeletionTimestamp: [false, false, true, true],
      requests: requests(4, '1.0'),
      levels: levels(500, 700),
    },
    30,
    4,
  ],
  [
    'scale up: container metrics with pods being deleted ignored',
    {
      currentReplicas: 2,
      podReadiness: [T, T, F, F],
      podPhase: ['Running', 'Running', 'Running', 'Running'],
      podDeletionTimestamp: [false, false, true, true],
      container: 'container1',
      requests: requests(4, '1.0'),
      levels: levels(500, 700),
    },
    30,
    4,
  ],
  ['scale down', { currentReplicas: 5, requests: requests(5, '1.0'), levels: levels(100, 300, 500, 250, 250) }, 50, 3],
  [
    'scale down: container metric',
    {
      currentReplicas: 5,
      container: 'container2',
      requests: requests(5, '1.0'),
      levels: [
        [1000, 100],
        [1000, 300],
        [1000, 500],
        [1000, 250],
        [1000, 250],
      ],
    },
    50,
    3,
  ],
  [
    'scale down: exclude unready pods',
    { currentReplicas: 5, podReadiness: [T, T, T, F, F], requests: requests(5, '1.0'), levels: levels(100, 300, 500, 250, 250) },
    50,
    2,
  ],
  [
    'scale down: container metric excludes unready pods',
    {
      currentReplicas: 5,
      podReadiness: [T, T, T, F, F],
      container: 'container2',
      requests: requests(5, '1.0'),
      levels: [
        [1000, 100],
        [1000, 300],
        [1000, 500],
        [1000, 250],
        [1000, 250],
      ],
    },
    50,
    2,
  ],
  [
    'scale down: exclude unscheduled pods',
    {
      currentReplicas: 5,
      podReadiness: [T, F, F, F, F],
      podPhase: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'],
      requests: requests(5, '1.0'),
      levels: levels(100),
    },
    50,
    1,
  ],
  [
    'scale down: container metric excludes unscheduled pods',
    {
      currentReplicas: 5,
      podReadiness: [T, F, F, F, F],
      podPhase: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'],
      container: 'container2',
      requests: requests(5, '1.0'),
      levels: [
        [1000, 100],
        [1000, 300],
        [1000, 500],
        [1000, 250],
        [1000, 250],
      ],
    },
    50,
    1,
  ],
  [
    'scale down: ignore hot-CPU pods',
    { currentReplicas: 5, podStartTime: [cool, cool, cool, hot, hot], requests: requests(5, '1.0'), levels: levels(100, 300, 500, 250, 250) },
    50,
    2,
  ],
  [
    'scale down: container metric ignores hot-CPU pods',
    {
      currentReplicas: 5,
      podStartTime: [cool, cool, cool, hot, hot],
      container: 'container2',
      requests: requests(5, '1.0'),
      levels: [
        [1000, 100],
        [1000, 300],
        [1000, 500],
        [1000, 1000],
        [1000, 1000],
      ],
    },
    50,
    2,
  ],
  [
    'scale down: failed pods ignored',
    {
      currentReplicas: 5,
      podReadiness: [T, T, T, T, T, F, F],
      podPhase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'],
      requests: requests(7, '1.0'),
      levels: levels(100, 300, 500, 250, 250),
    },
    50,
    3,
  ],
  [
    'scale down: container metric with failed pods ignored',
    {
      currentReplicas: 5,
      podReadiness: [T, T, T, T, T, F, F],
      podPhase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'],
      container: 'container2',
      requests: requests(7, '1.0'),
      levels: [
        [1000, 100],
        [1000, 300],
        [1000, 500],
        [1000, 250],
        [1000, 250],
      ],
    },
    50,
    3,
  ],
  [
    'scale down: pods being deleted are ignored',
    {
      currentReplicas: 5,
      podReadiness: [T, T, T, T, T, F, F],
      podPhase: Array(7).fill('Running'),
      podDeletionTimestamp: [false, false, false, false, false, true, true],
      requests: requests(7, '1.0'),
      levels: levels(100, 300, 500, 250, 250),
    },
    50,
    3,
  ],
  [
    'scale down: still-running pods being deleted are ignored (kubernetes#83561)',
    {
      currentReplicas: 5,
      podReadiness: [T, T, T, T, T, F, F],
      podPhase: Array(7).fill('Running'),
      podDeletionTimestamp: [false, false, false, false, false, true, true],
      container: 'container2',
      requests: requests(7, '1.0'),
      levels: [
        [1000, 100],
        [1000, 300],
        [1000, 500],
        [1000, 250],
        [1000, 250],
      ],
    },
    50,
    3,
  ],
];

const mixed = ['0.9', '1.0', '1.1'];
const resourceTolerance: Row[] = [
  ['within default tolerance', { currentReplicas: 3, requests: mixed, levels: levels(1010, 1030, 1020) }, 100, 3],
  ['outside 0% tolerance', { currentReplicas: 3, tolerances: [0, 0], requests: mixed, levels: levels(909, 1010, 1111) }, 100, 4],
  ['within 200% scale-up tolerance', { currentReplicas: 3, tolerances: [0.1, 2], requests: mixed, levels: levels(1890, 1910, 1900) }, 100, 3],
  [
    'outside 8% scale-up tolerance (superfluous scale-down tolerance)',
    { currentReplicas: 3, tolerances: [2, 0.08], requests: mixed, levels: levels(1100, 1080, 1090) },
    100,
    4,
  ],
  ['within 36% scale-down tolerance', { currentReplicas: 3, tolerances: [0.36, 0.1], requests: mixed, levels: levels(660, 640, 650) }, 100, 3],
  ['outside 34% scale-down tolerance', { currentReplicas: 3, tolerances: [0.34, 0.1], requests: mixed, levels: levels(660, 640, 650) }, 100, 2],
];

const resourceMissing: Row[] = [
  ['superfluous metrics counted', { currentReplicas: 4, requests: requests(4, '1.0'), levels: levels(4000, 9500, 3000, 7000, 3200, 2000) }, 100, 24],
  ['some pods missing metrics scales down', { currentReplicas: 4, requests: requests(4, '1.0'), levels: levels(400, 95) }, 100, 3],
  ['no change: metric equal to target', { currentReplicas: 2, requests: requests(2, '1.0'), levels: levels(1000) }, 100, 2],
  ['no change: metric above target', { currentReplicas: 2, requests: requests(2, '1.0'), levels: levels(1900) }, 100, 2],
  ['no change: metric below target', { currentReplicas: 2, requests: requests(2, '1.0'), levels: levels(600) }, 100, 2],
  ['no change: unready pod metric missing', { currentReplicas: 3, podReadiness: [F, T, T], requests: requests(3, '1.0'), levels: levels(100, 450) }, 50, 3],
  [
    'no change: hot-CPU pod metric missing',
    { currentReplicas: 3, podStartTime: [hot, cool, cool], requests: requests(3, '1.0'), levels: levels(100, 450) },
    50,
    3,
  ],
  ['scale up: unready pod metric missing', { currentReplicas: 3, podReadiness: [F, T, T], requests: requests(3, '1.0'), levels: levels(100, 2000) }, 50, 4],
  [
    'scale up: hot-CPU pod metric missing',
    { currentReplicas: 3, podReadiness: [F, T, T], podStartTime: [hot, cool, cool], requests: requests(3, '1.0'), levels: levels(100, 2000) },
    50,
    4,
  ],
  [
    'scale down: unready pod metric missing',
    { currentReplicas: 4, podReadiness: [F, T, T, T], requests: requests(4, '1.0'), levels: levels(100, 100, 100) },
    50,
    3,
  ],
  [
    'scale down: target over 100',
    { currentReplicas: 4, podReadiness: [F, T, T, T], requests: ['1.0', '1.0', '2.0', '2.0'], levels: levels(200, 100, 100) },
    300,
    2,
  ],
  [
    'rolling update with maxSurge: extra pod missing metric',
    { currentReplicas: 2, podPhase: ['Running', 'Running', 'Running'], requests: requests(3, '1.0'), levels: levels(100, 100) },
    50,
    2,
  ],
  [
    'disjoint pod and metric names',
    { currentReplicas: 1, requests: requests(1, '1.0'), levels: levels(100), podNames: ['an-older-pod-name'] },
    100,
    /no metrics returned matched known pods/,
  ],
  [
    'no metrics returned from metrics API',
    { currentReplicas: 4, requests: requests(3, '1.0'), levels: [] },
    100,
    /unable to get metrics for resource cpu: no metrics returned from resource metrics API/,
  ],
  ['missing CPU request on container', { currentReplicas: 1, requests: [], levels: levels(200) }, 100, /missing request for/],
];

for (const [table, rows] of [
  ['TestReplicaCalcResourceScale', resourceScale],
  ['TestReplicaCalcResourceTolerance', resourceTolerance],
  ['TestReplicaCalcResourceMissingMetrics', resourceMissing],
] as const) {
  describe(`Kubernetes ${table}`, () => {
    for (const [name, fixture, target, want] of rows) {
      test(name, () => {
        const got = resourceCase(fixture, target);
        if (want instanceof RegExp) assert.match(got.error ?? '(no error)', want);
        else assert.deepEqual(got, { replicas: want });
      });
    }
  });
}

// TestGroupPods' pod-phase and readiness rules, as whole-replica outcomes: 2 cool, ready pods at 100 % of request
// (target 50 → 4 without the third pod) plus one pod in the state under test, with metrics 1000m unless missing.
const third: Array<[string, Partial<RawPod['status']> & { deleting?: boolean; metric?: boolean; resource?: 'cpu' | 'memory' }, number]> = [
  ['a pending pod is unready (counts 0 on a scale-up), even without metrics', { phase: 'Pending', metric: false }, 4],
  ['a pending pod with metrics is still unready', { phase: 'Pending' }, 4],
  ['a failed pod is ignored', { phase: 'Failed' }, 4],
  ['a succeeded pod is not ignored (Kubernetes only ignores Failed and deleting)', { phase: 'Succeeded' }, 6],
  ['a pod being deleted is ignored', { deleting: true }, 4],
  ['a pod without a Ready condition is unready for cpu', { conditions: [] }, 4],
  ['a pod without a start time is unready for cpu', { startTime: null }, 4],
  ['Ready=Unknown is not False: counted after the initialization period', { conditions: [{ type: 'Ready', status: 'Unknown' }] }, 6],
  [
    'ready within the initialization period with a fresh sample: counted',
    { startTime: iso(NOW - 60_000), conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: iso(NOW - 200_000) }] },
    6,
  ],
  [
    'ready within the initialization period, sample window began before readiness: unready',
    { startTime: iso(NOW - 60_000), conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: iso(NOW - 30_000) }] },
    4,
  ],
  [
    'unready after the initialization period but was ready once: counted',
    { startTime: iso(NOW - 600_000), conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: iso(NOW - 300_000) }] },
    6,
  ],
  [
    'unready after the initialization period and never ready: unready',
    { startTime: iso(NOW - 600_000), conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: iso(NOW - 595_000) }] },
    4,
  ],
  ['memory ignores readiness (an unready pod counts)', { conditions: [{ type: 'Ready', status: 'False' }], resource: 'memory' }, 6],
  ['a missing pod on a scale-up counts as 0 (2 at 200 % → 3 pods at 133 % → 4)', { metric: false }, 4],
];
describe('Kubernetes TestGroupPods rules, through the replica count', () => {
  for (const [name, st, want] of third) {
    test(name, () => {
      const resource = st.resource ?? 'cpu';
      const mk = (i: number, status: RawPod['status'], deleting = false): RawPod => ({
        metadata: { name: `p${i}`, ...(deleting ? { deletionTimestamp: iso(NOW) } : {}) },
        spec: { containers: [{ name: 'c', resources: { requests: { [resource]: '1' } } }] },
        status,
      });
      const base = {
        phase: 'Running',
        startTime: iso(NOW - 3_600_000),
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: iso(NOW - 3_500_000) }],
      };
      const { deleting, metric, resource: _r, ...status } = st;
      const pods = [mk(0, base), mk(1, base), mk(2, { ...base, ...status }, deleting)];
      const sample = (n: string): RawPodMetrics => ({
        metadata: { name: n },
        timestamp: iso(NOW - 10_000),
        window: '1m0s',
        containers: [{ name: 'c', usage: { [resource]: '1' } }],
      });
      const read = resourcePods(pods, [sample('p0'), sample('p1'), ...(metric === false ? [] : [sample('p2')])], resource);
      assert.ok(!('error' in read));
      const p = metricReplicas(
        {
          kind: 'Resource',
          name: resource,
          targetType: 'Utilization',
          target: 50,
          pods: read.pods,
          now: NOW,
          cpuInitializationPeriodMs: INIT,
          initialReadinessDelayMs: DELAY,
        },
        { specReplicas: 3, statusReplicas: 3, readyPods: 3, tolerance: { up: 0.1, down: 0.1 } },
      );
      assert.ok(p.ok, p.ok ? '' : p.error);
      assert.equal(p.replicas, want, p.reason);
    });
  }
});

const ctxOf = (current: number, readyPods = current, tolerances: [number, number] = [0.1, 0.1]): ReplicaContext => ({
  specReplicas: current,
  statusReplicas: current,
  readyPods,
  tolerance: { down: tolerances[0], up: tolerances[1] },
});
const MAX_INT64 = 9223372036854775807;
const MAX_INT32 = 2147483647;

// TestReplicaCalcExternalMetric: metricType Value (levels and targets are milli-values).
const externalValue: Array<[string, number, number, ReplicaContext, number]> = [
  ['scale down: ignores unready pods (would otherwise scale up)', 8600, 4400, ctxOf(3, 1), 2],
  ['scale down', 8600, 14334, ctxOf(5), 3],
  ['within default tolerance', 8600, 8888, ctxOf(3), 3],
  ['outside configurable 1% tolerance', 8900, 8800, ctxOf(3, 3, [0.1, 0.01]), 4],
  ['usage overflow caps at MaxInt64', MAX_INT64, MAX_INT64, ctxOf(3), 3],
];
describe('Kubernetes TestReplicaCalcExternalMetric (metricType Value)', () => {
  for (const [name, usage, target, ctx, want] of externalValue) {
    test(name, () => {
      const p = externalValueReplicas(usage / 1000, target / 1000, ctx);
      assert.ok(p.ok);
      assert.equal(p.replicas, want, p.reason);
    });
  }
});

// TestReplicaCalcExternalPerPodMetric: metricType AverageValue.
const externalPerPod: Array<[string, number, number, ReplicaContext, number]> = [
  ['replica count overflow saturates to MaxInt32', MAX_INT64, 1, ctxOf(1), MAX_INT32],
  ['usage overflow with huge target leaves replicas unchanged', MAX_INT64, MAX_INT64, ctxOf(1), 1],
  ['scale up', 8600, 2150, ctxOf(3), 4],
  ['scale down', 8600, 2867, ctxOf(5), 3],
  ['within default tolerance', 8600, 2900, ctxOf(3), 3],
  ['outside configurable 1% tolerance', 8600, 2800, ctxOf(3, 3, [0.1, 0.01]), 4],
];
describe('Kubernetes TestReplicaCalcExternalPerPodMetric (metricType AverageValue)', () => {
  for (const [name, usage, target, ctx, want] of externalPerPod) {
    test(name, () => {
      const p = externalAverageValueReplicas(usage / 1000, target / 1000, ctx);
      assert.ok(p.ok);
      assert.equal(p.replicas, want, p.reason);
    });
  }
});
