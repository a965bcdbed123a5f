import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScaledObject } from '../api/types.ts';
import type { MetricSpec } from '../scalers/scaler.ts';
import { buildHpa, hpaNameLabel, hpaUpdateReasons, HpaBuildError, isDeepDerivative, type HorizontalPodAutoscaler } from './hpa.ts';

function so(
  over: {
    name?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    min?: number;
    max?: number;
    advanced?: Partial<ScaledObject['spec']['advanced']>;
  } = {},
): ScaledObject {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: over.name ?? 'worker', namespace: 'prod', uid: 'uid-1', labels: over.labels ?? {}, annotations: over.annotations ?? {} },
    spec: {
      scaleTargetRef: { name: 'worker-deploy', apiVersion: 'apps/v1', kind: 'Deployment' },
      pollingInterval: 30,
      cooldownPeriod: 300,
      initialCooldownPeriod: 0,
      minReplicaCount: over.min ?? 0,
      maxReplicaCount: over.max ?? 100,
      advanced: { restoreToOriginalReplicaCount: false, ...over.advanced },
      triggers: [],
      explicit: { pollingInterval: false, cooldownPeriod: false, minReplicaCount: false, maxReplicaCount: false },
    },
    status: {},
  };
}

const gvkr = { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments' };
const sqs: MetricSpec = { metricName: 's0-aws-sqs-queue-orders', kind: 'External', targetType: 'AverageValue', target: 5 };
const prom: MetricSpec = { metricName: 's1-prometheus', kind: 'External', targetType: 'Value', target: 100.5 };
const cpu: MetricSpec = { metricName: 'cpu', kind: 'Resource', resourceName: 'cpu', targetType: 'Utilization', target: 60 };
const mem: MetricSpec = {
  metricName: 'memory',
  kind: 'ContainerResource',
  resourceName: 'memory',
  containerName: 'app',
  targetType: 'AverageValue',
  target: 512 * 1024 * 1024,
};

const build = (o: ScaledObject, specs: MetricSpec[] = [sqs]) => buildHpa({ scaledObject: o, gvkr, metricSpecs: specs, version: '2.20.2' });

test('the generated HPA is named keda-hpa-<name>, owned by the ScaledObject and targets the resolved kind', () => {
  const { hpa } = build(so());
  assert.equal(hpa.metadata.name, 'keda-hpa-worker');
  assert.equal(hpa.metadata.namespace, 'prod');
  assert.deepEqual(hpa.metadata.ownerReferences, [
    { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'worker', uid: 'uid-1', controller: true, blockOwnerDeletion: true },
  ]);
  assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker-deploy' });
  const custom = build(so({ advanced: { restoreToOriginalReplicaCount: false, horizontalPodAutoscalerConfig: { name: 'my-hpa' } } })).hpa;
  assert.equal(custom.metadata.name, 'my-hpa');
});

test('HPA labels: four defaults, then all ScaledObject labels (overriding) except the excluded ones', () => {
  const { hpa } = build(
    so({
      labels: { team: 'a', 'app.kubernetes.io/part-of': 'shop', secret: 'x', 'scaledobject.keda.sh/name': 'worker' },
      annotations: { 'scaledobject.keda.sh/hpa-excluded-labels': 'secret,other' },
    }),
  );
  assert.deepEqual(hpa.metadata.labels, {
    'app.kubernetes.io/name': 'keda-hpa-worker',
    'app.kubernetes.io/version': '2.20.2',
    'app.kubernetes.io/part-of': 'shop',
    'app.kubernetes.io/managed-by': 'keda-operator',
    team: 'a',
    'scaledobject.keda.sh/name': 'worker',
  });
  assert.deepEqual(hpa.metadata.annotations, { 'scaledobject.keda.sh/hpa-excluded-labels': 'secret,other' });
});

describe('the name label is cut to 63 characters and loses trailing non-alphanumerics', () => {
  const cases: Array<[string, string]> = [
    ['short', 'short'],
    ['a'.repeat(63), 'a'.repeat(63)],
    [`${'a'.repeat(61)}--b`, 'a'.repeat(61)],
    [`${'a'.repeat(60)}.-_xyz`, 'a'.repeat(60)],
  ];
  for (const [input, want] of cases)
    test(`a name of ${input.length} characters ending ${JSON.stringify(input.slice(-6))} gives a label of ${want.length}`, () =>
      assert.equal(hpaNameLabel(input), want, input));
  test('the HPA carries the cut name label', () =>
    assert.equal(build(so({ name: `${'x'.repeat(53)}-y` })).hpa.metadata.labels?.['app.kubernetes.io/name'], `keda-hpa-${'x'.repeat(53)}`));
});

describe('minReplicas is max(min, 1) and maxReplicas the spec value; paused-replicas pins both (0 becomes 1)', () => {
  const cases: Array<[Parameters<typeof so>[0], number, number]> = [
    [{ min: 0, max: 10 }, 1, 10],
    [{ min: 3, max: 7 }, 3, 7],
    [{ min: 2, annotations: { 'autoscaling.keda.sh/paused-replicas': '4' } }, 4, 4],
    [{ annotations: { 'autoscaling.keda.sh/paused-replicas': '0' } }, 1, 1],
  ];
  for (const [o, min, max] of cases) {
    test(`${JSON.stringify(o)} gives minReplicas ${min} and maxReplicas ${max}`, () => {
      const { hpa } = build(so(o));
      assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [min, max], JSON.stringify(o));
    });
  }
  test('a paused-replicas that is not an integer is refused', () =>
    assert.throws(() => build(so({ annotations: { 'autoscaling.keda.sh/paused-replicas': 'four' } })), /paused-replicas must be an integer, got "four"/));
});

test('metrics: external ones select the ScaledObject by label, targets are quantities, sorted by type', () => {
  const { hpa, externalMetricNames, resourceMetricNames } = build(so(), [cpu, sqs, mem, prom]);
  assert.deepEqual(
    hpa.spec.metrics.map((m) => m.type),
    ['ContainerResource', 'External', 'External', 'Resource'],
  );
  assert.deepEqual(hpa.spec.metrics[1], {
    type: 'External',
    external: {
      metric: { name: 's0-aws-sqs-queue-orders', selector: { matchLabels: { 'scaledobject.keda.sh/name': 'worker' } } },
      target: { type: 'AverageValue', averageValue: '5' },
    },
  });
  assert.deepEqual(hpa.spec.metrics[2].type === 'External' && hpa.spec.metrics[2].external.target, { type: 'Value', value: '100500m' });
  assert.deepEqual(hpa.spec.metrics[3], { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } });
  assert.deepEqual(hpa.spec.metrics[0], {
    type: 'ContainerResource',
    containerResource: { name: 'memory', container: 'app', target: { type: 'AverageValue', averageValue: '536870912' } },
  });
  assert.deepEqual(externalMetricNames, ['s0-aws-sqs-queue-orders', 's1-prometheus']);
  assert.deepEqual(resourceMetricNames, ['cpu']);
});

describe('building fails with KEDA messages on duplicate metric names, no metrics, or a Utilization composite', () => {
  const cases: Array<[ScaledObject, MetricSpec[], RegExp]> = [
    [so(), [sqs, { ...sqs }], /metricName s0-aws-sqs-queue-orders defined multiple times in ScaledObject worker/],
    [so(), [], /no metric specs returned from scalers of ScaledObject prod\/worker/],
    [
      so({ advanced: { restoreToOriginalReplicaCount: false, scalingModifiers: { formula: 'a+b', target: '2', metricType: 'Utilization' } } }),
      [sqs],
      /metricType is Utilization/,
    ],
  ];
  for (const [o, specs, re] of cases)
    test(`fails with ${re}`, () =>
      assert.throws(
        () => build(o, specs),
        (e: unknown) => e instanceof HpaBuildError && re.test(e.message),
      ));
});

describe('scalingModifiers with a positive target replace external metrics by composite-metric and keep Resource ones', () => {
  const mods = (target: string, metricType: 'AverageValue' | 'Value' = 'AverageValue') =>
    so({ advanced: { restoreToOriginalReplicaCount: false, scalingModifiers: { formula: 'a + b', target, metricType } } });
  test('composite-metric replaces the external metrics, the Resource ones stay', () => {
    const r = build(mods('2.5'), [sqs, prom, cpu, mem]);
    assert.deepEqual(r.hpa.spec.metrics, [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
      {
        type: 'External',
        external: {
          metric: { name: 'composite-metric', selector: { matchLabels: { 'scaledobject.keda.sh/name': 'worker' } } },
          target: { type: 'AverageValue', averageValue: '2500m' },
        },
      },
    ]);
    assert.equal(r.compositeScalerName, 'composite-metric');
    assert.deepEqual(r.externalMetricNames, ['s0-aws-sqs-queue-orders', 's1-prometheus']);
    const v = build(mods('10', 'Value'), [sqs]).hpa.spec.metrics[0];
    assert.deepEqual(v.type === 'External' && v.external.target, { type: 'Value', value: '10' });
  });
  // A target that is not a positive number leaves the metrics as they are.
  for (const t of ['0', 'abc']) {
    test(`a target of ${JSON.stringify(t)} leaves the metrics as they are`, () => {
      const r0 = build(mods(t), [sqs]);
      assert.equal(r0.compositeScalerName, undefined);
      assert.equal(r0.hpa.spec.metrics.length, 1);
    });
  }
});

test('behavior is copied and the paused-scale-in/out annotations disable the matching direction', () => {
  const behavior = { scaleDown: { stabilizationWindowSeconds: 60, policies: [{ type: 'Pods' as const, value: 1, periodSeconds: 30 }] } };
  const withBehavior = (annotations: Record<string, string>) =>
    build(so({ annotations, advanced: { restoreToOriginalReplicaCount: false, horizontalPodAutoscalerConfig: { behavior } } })).hpa.spec.behavior;
  assert.deepEqual(withBehavior({}), behavior);
  assert.deepEqual(withBehavior({ 'autoscaling.keda.sh/paused-scale-in': 'true' }), { scaleDown: { ...behavior.scaleDown, selectPolicy: 'Disabled' } });
  assert.deepEqual(build(so({ annotations: { 'autoscaling.keda.sh/paused-scale-out': 'yes' } })).hpa.spec.behavior, { scaleUp: { selectPolicy: 'Disabled' } });
  assert.equal(build(so({ annotations: { 'autoscaling.keda.sh/paused-scale-in': 'false' } })).hpa.spec.behavior, undefined);
  assert.equal(behavior.scaleDown.policies.length, 1, 'the ScaledObject itself is not modified');
});

describe('an HPA read back from the API server needs no update; real differences are reported', () => {
  const desired = build(so({ annotations: { a: '1' } }), [sqs, prom]).hpa;
  // What the API server returns: canonical quantities, defaulted fields, status, extra labels from others.
  const found: HorizontalPodAutoscaler = structuredClone(desired);
  found.metadata.resourceVersion = '42';
  found.metadata.labels = { ...found.metadata.labels, 'added-by-someone': 'x' };
  found.spec.behavior = undefined;
  (found.spec.metrics[1] as { external: { target: { value?: string } } }).external.target.value = '100.5';
  found.status = { currentReplicas: 1 };
  test('canonical quantities, defaulted fields, status and extra labels need no update', () => assert.deepEqual(hpaUpdateReasons(desired, found), []));

  const cases: Array<[string, (h: HorizontalPodAutoscaler) => void, string]> = [
    ['max changed by hand', (h) => (h.spec.maxReplicas = 50), 'spec differs'],
    ['a metric removed', (h) => h.spec.metrics.pop(), 'metric count differs'],
    ['target edited', (h) => ((h.spec.metrics[0] as { external: { target: { averageValue?: string } } }).external.target.averageValue = '6'), 'spec differs'],
    ['pause annotation removed (found still Disabled)', (h) => (h.spec.behavior = { scaleDown: { selectPolicy: 'Disabled' } }), 'behavior differs'],
    ['our label changed', (h) => (h.metadata.labels!['app.kubernetes.io/version'] = 'old'), 'labels differ'],
    ['annotation changed', (h) => (h.metadata.annotations = { a: '2' }), 'annotations differ'],
  ];
  for (const [name, edit, reason] of cases) {
    test(`${name}: ${reason}`, () => {
      const f = structuredClone(found);
      edit(f);
      assert.ok(hpaUpdateReasons(desired, f).includes(reason), `${name}: ${hpaUpdateReasons(desired, f).join(', ')}`);
    });
  }
  test('a stray annotation on an HPA we set none on differs', () => {
    const noAnnotations = build(so(), [sqs, prom]).hpa;
    assert.deepEqual(
      hpaUpdateReasons(noAnnotations, { ...structuredClone(noAnnotations), metadata: { ...noAnnotations.metadata, annotations: { stray: 'x' } } }),
      ['annotations differ'],
    );
  });
});

describe('DeepDerivative ignores unset desired fields and extra found entries, but not changed values', () => {
  const cases: Array<[unknown, unknown, boolean]> = [
    [{ a: 1 }, { a: 1, b: 2 }, true],
    [{ a: '' }, { a: 'x' }, true],
    [{ a: [] }, { a: [1] }, true],
    [{ a: [1] }, { a: [1, 2] }, true],
    [{ a: [1, 2] }, { a: [1] }, false],
    [{ a: 1 }, { a: 2 }, false],
    [{ a: 0 }, {}, false],
    [{ value: '1k' }, { value: '1000' }, true],
  ];
  for (const [d, f, want] of cases)
    test(`${JSON.stringify(d)} ${want ? 'is' : 'is not'} a derivative of ${JSON.stringify(f)}`, () =>
      assert.equal(isDeepDerivative(d, f), want, JSON.stringify([d, f])));
});
