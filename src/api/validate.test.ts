// KEDA's webhook rules that need no cluster (KEDA apis/keda/v1alpha1/scaledobject_webhook.go), checks over a set of objects, and the helpers the
// operator uses (HPA name/bounds controllers/keda/hpa.go, pause annotations scaledobject_types.go, GVKR gvkr.go).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseScaledObject } from './parse.ts';
import type { KedaObject, ScaledObject } from './types.ts';
import {
  gvkr,
  gvkString,
  hpaMaxReplicas,
  hpaMinReplicas,
  hpaName,
  isPaused,
  parseBoolAnnotation,
  pausedReplicas,
  validateScaledObject,
  validateSet,
} from './validate.ts';

const sqs = { type: 'aws-sqs-queue', metadata: { queueLength: '5' } };
const cpu = { type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } };

function so(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): ScaledObject {
  const r = parseScaledObject({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'orders', namespace: 'shop', ...metadata },
    spec: { scaleTargetRef: { name: 'orders-worker' }, triggers: [sqs], ...spec },
  });
  assert.ok(r.ok, `fixture invalid: ${JSON.stringify(!r.ok && r.problems)}`);
  return r.value;
}

interface Case {
  name: string;
  spec?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  /** Expected problem (severity, path, message pattern), or null for "no problem at all". */
  want: { severity: 'error' | 'warning'; path: string; message: RegExp; fix?: RegExp } | null;
}

const cases: Case[] = [
  // KEDA apis/keda/v1alpha1/scaledobject_webhook.go verifyReplicaCount — min is 0 when unset, else max(min, 1); max is spec or 100.
  {
    name: 'idleReplicaCount: 0 with minReplicaCount unset is rejected (min counts as 0)',
    spec: { idleReplicaCount: 0 },
    want: {
      severity: 'error',
      path: 'spec.idleReplicaCount',
      message: /^IdleReplicaCount=0 must be less than MinReplicaCount=0$/,
      fix: /set minReplicaCount explicitly/,
    },
  },
  { name: 'idleReplicaCount: 0 with minReplicaCount: 0 is accepted (explicit 0 counts as 1)', spec: { idleReplicaCount: 0, minReplicaCount: 0 }, want: null },
  {
    name: 'idleReplicaCount equal to minReplicaCount is rejected',
    spec: { idleReplicaCount: 2, minReplicaCount: 2 },
    want: { severity: 'error', path: 'spec.idleReplicaCount', message: /^IdleReplicaCount=2 must be less than MinReplicaCount=2$/ },
  },
  {
    name: 'idleReplicaCount above 0 is accepted but does not hold (warning, KEDA #2314)',
    spec: { idleReplicaCount: 1, minReplicaCount: 3 },
    want: { severity: 'warning', path: 'spec.idleReplicaCount', message: /only idleReplicaCount: 0 works/ },
  },
  // KEDA apis/keda/v1alpha1/scaledobject_webhook.go verifyFallback
  {
    name: 'fallback with only cpu/memory triggers is rejected; the message says Value targets are fine too',
    spec: { triggers: [cpu], minReplicaCount: 1, fallback: { failureThreshold: 3, replicas: 2 } },
    want: {
      severity: 'error',
      path: 'spec.fallback',
      message: /at least one trigger \(that is not cpu or memory\) has to have the `AverageValue` type.*Value targets are fine too/,
    },
  },
  {
    name: 'fallback with a Value-target external trigger is accepted',
    spec: { triggers: [{ ...sqs, metricType: 'Value' }], fallback: { failureThreshold: 3, replicas: 2 } },
    want: null,
  },
  {
    name: 'fallback with cpu plus an external trigger is accepted',
    spec: { triggers: [cpu, sqs], fallback: { failureThreshold: 3, replicas: 2 } },
    want: null,
  },
  {
    name: 'fallback with scalingModifiers needs an integer target to apply (warning)',
    spec: {
      triggers: [{ ...sqs, name: 'q' }],
      advanced: { scalingModifiers: { formula: 'q', target: '2.5' } },
      fallback: { failureThreshold: 3, replicas: 2 },
    },
    want: { severity: 'warning', path: 'spec.advanced.scalingModifiers.target', message: /only applies fallback when scalingModifiers.target is an integer/ },
  },
  // KEDA apis/keda/v1alpha1/scaledobject_webhook.go [scaling-modifiers-fallback]
  {
    name: 'fallback behavior scalingModifiers requires a formula',
    spec: { fallback: { failureThreshold: 3, replicas: 2, behavior: 'scalingModifiers' } },
    want: {
      severity: 'error',
      path: 'spec.fallback.behavior',
      message: /^scalingModifiers fallback behavior requires scalingModifiers.formula to be defined$/,
    },
  },
  // KEDA apis/keda/v1alpha1/scaledobject_webhook.go verifyName
  {
    name: 'a ScaledObject name over 63 characters is rejected',
    metadata: { name: 'a'.repeat(64) },
    want: { severity: 'error', path: 'metadata.name', message: /at most 63/ },
  },
  {
    name: 'a computed HPA name over 63 characters is rejected (keda-hpa- + 55 chars)',
    metadata: { name: 'a'.repeat(55) },
    want: { severity: 'error', path: 'metadata.name', message: /HPA name 'keda-hpa-a+' is 64 characters/ },
  },
  { name: 'a 54-character name still fits the HPA name', metadata: { name: 'a'.repeat(54) }, want: null },
  {
    name: 'a long custom HPA name is reported at its own field',
    spec: { advanced: { horizontalPodAutoscalerConfig: { name: 'h'.repeat(64) } } },
    want: { severity: 'error', path: 'spec.advanced.horizontalPodAutoscalerConfig.name', message: /at most 63/ },
  },
  // KEDA apis/keda/v1alpha1/scaledobject_webhook.go verifyTriggers and the metricType rules
  {
    name: 'useCachedMetrics is rejected for cpu',
    spec: { triggers: [{ ...cpu, useCachedMetrics: true }], minReplicaCount: 1 },
    want: { severity: 'error', path: 'spec.triggers[0].useCachedMetrics', message: /^property "useCachedMetrics" is not supported for "cpu" scaler$/ },
  },
  {
    name: 'useCachedMetrics is rejected for memory',
    spec: { triggers: [{ ...cpu, type: 'memory', useCachedMetrics: true }], minReplicaCount: 1 },
    want: { severity: 'error', path: 'spec.triggers[0].useCachedMetrics', message: /not supported for "memory" scaler/ },
  },
  {
    name: 'useCachedMetrics is rejected for cron',
    spec: { triggers: [{ type: 'cron', metadata: {}, useCachedMetrics: true }] },
    want: { severity: 'error', path: 'spec.triggers[0].useCachedMetrics', message: /not supported for "cron" scaler/ },
  },
  { name: 'useCachedMetrics is fine on an external scaler', spec: { triggers: [{ ...sqs, useCachedMetrics: true }] }, want: null },
  {
    name: 'duplicate trigger names are rejected',
    spec: {
      triggers: [
        { ...sqs, name: 'q' },
        { ...sqs, name: 'q' },
      ],
    },
    want: {
      severity: 'error',
      path: 'spec.triggers[1].name',
      message: /^triggerName "q" is defined multiple times in the ScaledObject, but it must be unique/,
    },
  },
  { name: 'several unnamed triggers are fine', spec: { triggers: [sqs, sqs] }, want: null },
  {
    name: 'Utilization is rejected for external scalers',
    spec: { triggers: [{ ...sqs, metricType: 'Utilization' }] },
    want: {
      severity: 'error',
      path: 'spec.triggers[0].metricType',
      message: /^'Utilization' metric type is unsupported for external metrics, allowed values are 'Value' or 'AverageValue'$/,
    },
  },
  {
    name: 'cpu requires metricType on the trigger',
    spec: { triggers: [{ type: 'cpu', metadata: { value: '60' } }], minReplicaCount: 1 },
    want: { severity: 'error', path: 'spec.triggers[0].metricType', message: /needs metricType/, fix: /add metricType: Utilization/ },
  },
  {
    name: 'cpu with the removed metadata.type gets a fix that moves it',
    spec: { triggers: [{ type: 'cpu', metadata: { type: 'Utilization', value: '60' } }], minReplicaCount: 1 },
    want: {
      severity: 'error',
      path: 'spec.triggers[0].metricType',
      message: /needs metricType/,
      fix: /move metadata.type: Utilization to the trigger as metricType: Utilization/,
    },
  },
  {
    name: 'cpu rejects metricType Value',
    spec: { triggers: [{ ...cpu, metricType: 'Value' }], minReplicaCount: 1 },
    want: { severity: 'error', path: 'spec.triggers[0].metricType', message: /Value is not supported for the cpu scaler/ },
  },
  // KEDA apis/keda/v1alpha1/scaledobject_webhook.go cpu/memory-only with min 0 (the part that needs no cluster)
  {
    name: 'only cpu/memory triggers and minReplicaCount unset is rejected',
    spec: { triggers: [cpu] },
    want: {
      severity: 'error',
      path: 'spec.minReplicaCount',
      message: /^scaledobject has only cpu\/memory triggers AND minReplica is 0 \(scale to zero doesn't work in this case\)$/,
    },
  },
  {
    name: 'only cpu/memory triggers and minReplicaCount 0 is rejected',
    spec: { triggers: [cpu, { ...cpu, type: 'memory' }], minReplicaCount: 0 },
    want: { severity: 'error', path: 'spec.minReplicaCount', message: /only cpu\/memory triggers/ },
  },
  { name: 'only cpu/memory triggers with minReplicaCount 1 is accepted', spec: { triggers: [cpu], minReplicaCount: 1 }, want: null },
  // KEDA apis/keda/v1alpha1/scaledobject_webhook.go warnings of verifyScaledObjects
  {
    name: 'pollingInterval set with minReplicaCount > 0 and no idleReplicaCount warns',
    spec: { minReplicaCount: 1, pollingInterval: 10 },
    want: { severity: 'warning', path: 'spec.pollingInterval', message: /PollingInterval is configured but is not relevant/ },
  },
  {
    name: 'no pollingInterval warning when a trigger uses cached metrics',
    spec: { minReplicaCount: 1, pollingInterval: 10, triggers: [{ ...sqs, useCachedMetrics: true }] },
    want: null,
  },
  { name: 'no pollingInterval warning when idleReplicaCount is set', spec: { minReplicaCount: 2, idleReplicaCount: 0, pollingInterval: 10 }, want: null },
  { name: 'no pollingInterval warning when the object can scale to zero', spec: { minReplicaCount: 0, pollingInterval: 10 }, want: null },
  {
    name: 'cooldownPeriod set with minReplicaCount > 0 and no idleReplicaCount warns (and points to HPA stabilization)',
    spec: { minReplicaCount: 1, cooldownPeriod: 10 },
    want: {
      severity: 'warning',
      path: 'spec.cooldownPeriod',
      message: /CooldownPeriod is configured but is not relevant.*stabilization window/,
      fix: /stabilizationWindowSeconds/,
    },
  },
  // KEDA apis/keda/v1alpha1/scaledobject_webhook.go annotations
  {
    name: 'a non-integer paused-replicas fails the reconcile',
    metadata: { annotations: { 'autoscaling.keda.sh/paused-replicas': 'two' } },
    want: { severity: 'error', path: 'metadata.annotations.autoscaling.keda.sh/paused-replicas', message: /must be an integer/ },
  },
  {
    name: 'a non-boolean paused value counts as true (warning)',
    metadata: { annotations: { 'autoscaling.keda.sh/paused': 'yes' } },
    want: { severity: 'warning', path: 'metadata.annotations.autoscaling.keda.sh/paused', message: /counts as "true"/ },
  },
  {
    name: 'the Updraft mode annotation accepts only hpa or direct',
    metadata: { annotations: { 'updraft.dev/mode': 'fast' } },
    want: { severity: 'error', path: 'metadata.annotations.updraft.dev/mode', message: /must be "hpa" or "direct"/ },
  },
  { name: 'the Updraft mode annotation direct is valid', metadata: { annotations: { 'updraft.dev/mode': 'direct' } }, want: null },
  { name: 'a plain ScaledObject has no problems', want: null },
];

describe('ScaledObject validation (scaledobject_webhook.go)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const problems = validateScaledObject(so(c.spec, c.metadata));
      if (c.want === null) return assert.deepEqual(problems, []);
      const want = c.want;
      const hit = problems.find((p) => p.path === want.path && p.severity === want.severity);
      assert.ok(hit, `no ${want.severity} at ${want.path}; got ${JSON.stringify(problems, null, 1)}`);
      assert.match(hit.message, want.message);
      if (want.fix) assert.match(hit.fix ?? '', want.fix);
      assert.equal(hit.object, `ScaledObject shop/${(c.metadata?.name as string | undefined) ?? 'orders'}`);
    });
  }

  it('MinReplicaCount > MaxReplicaCount cannot reach the webhook: the CRD CEL rule rejects it first', () => {
    const r = parseScaledObject({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'x' },
      spec: { scaleTargetRef: { name: 'w' }, minReplicaCount: 4, maxReplicaCount: 3, triggers: [sqs] },
    });
    assert.ok(!r.ok);
    assert.deepEqual(
      r.problems.map((p) => p.message),
      ['minReplicaCount must be less than or equal to maxReplicaCount'],
    );
  });
});

describe('validateSet: checks across objects given together (scaledobject_webhook.go verifyScaledObjects)', () => {
  it('rejects a second ScaledObject on the same workload and GVK in a namespace', () => {
    const a = so({}, { name: 'a' });
    const b = so({ scaleTargetRef: { name: 'orders-worker', apiVersion: 'apps/v1', kind: 'Deployment' } }, { name: 'b' });
    const problems = validateSet([a, b]);
    assert.deepEqual(
      problems.map((p) => [p.object, p.path, p.message]),
      [
        [
          'ScaledObject shop/b',
          'spec.scaleTargetRef.name',
          "the workload 'orders-worker' of type 'apps/v1.Deployment' is already managed by the ScaledObject 'a'",
        ],
      ],
    );
  });

  it('allows the same workload name with another kind or in another namespace', () => {
    const a = so({}, { name: 'a' });
    const b = so({ scaleTargetRef: { name: 'orders-worker', kind: 'StatefulSet' } }, { name: 'b' });
    const c = so({}, { name: 'c', namespace: 'other' });
    assert.deepEqual(validateSet([a, b, c]), []);
  });

  it('rejects two ScaledObjects whose computed HPA names collide', () => {
    const a = so({ scaleTargetRef: { name: 'w1' } }, { name: 'a' });
    const b = so({ scaleTargetRef: { name: 'w2' }, advanced: { horizontalPodAutoscalerConfig: { name: 'keda-hpa-a' } } }, { name: 'b' });
    assert.deepEqual(
      validateSet([a, b]).map((p) => p.message),
      ["the HPA 'keda-hpa-a' is already managed by the ScaledObject 'a'"],
    );
  });

  it('warns when the same object is defined twice', () => {
    const a = so();
    const problems = validateSet([a, so()] as KedaObject[]);
    assert.deepEqual(
      problems.map((p) => [p.severity, p.message]),
      [['warning', 'ScaledObject shop/orders is defined more than once; the last definition wins when applied']],
    );
  });
});

describe('HPA name and bounds (controllers/keda/hpa.go)', () => {
  const cases: Array<[string, Record<string, unknown>, string, number, number]> = [
    ['defaults: keda-hpa-<name>, min 1 (minReplicaCount 0), max 100', {}, 'keda-hpa-orders', 1, 100],
    [
      'custom HPA name and explicit bounds',
      { advanced: { horizontalPodAutoscalerConfig: { name: 'orders-hpa' } }, minReplicaCount: 3, maxReplicaCount: 9 },
      'orders-hpa',
      3,
      9,
    ],
    ['minReplicaCount 0 still gives the HPA minReplicas 1', { minReplicaCount: 0, maxReplicaCount: 5 }, 'keda-hpa-orders', 1, 5],
  ];
  for (const [name, spec, hpa, min, max] of cases) {
    it(name, () => {
      const o = so(spec);
      assert.deepEqual([hpaName(o), hpaMinReplicas(o), hpaMaxReplicas(o)], [hpa, min, max]);
    });
  }
});

describe('pause annotations (scaledobject_types.go)', () => {
  const goBools: Array<[string | undefined, boolean]> = [
    [undefined, false],
    ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((v): [string, boolean] => [v, true]),
    ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((v): [string, boolean] => [v, false]),
    // Not Go bools, so they pause: KEDA assumes the user wants to pause.
    ['yes', true],
    ['no', true],
    ['', true],
    [' false', true],
    ['tRUE', true],
  ];
  for (const [value, want] of goBools) {
    it(`parseBoolAnnotation(${JSON.stringify(value)}) is ${want}`, () => assert.equal(parseBoolAnnotation(value), want));
  }

  it('paused-replicas pauses by mere presence, whatever its value', () => {
    assert.equal(isPaused(so({}, { annotations: { 'autoscaling.keda.sh/paused-replicas': 'not-a-number' } })), true);
    assert.equal(isPaused(so({}, { annotations: { 'autoscaling.keda.sh/paused-replicas': '0', 'autoscaling.keda.sh/paused': 'false' } })), true);
  });

  it('paused: "false" does not pause; no annotations do not pause', () => {
    assert.equal(isPaused(so({}, { annotations: { 'autoscaling.keda.sh/paused': 'false' } })), false);
    assert.equal(isPaused(so()), false);
  });

  const replicas: Array<[string | undefined, unknown]> = [
    [undefined, undefined],
    ['0', { replicas: 0 }],
    ['3', { replicas: 3 }],
    ['+3', { replicas: 3 }],
    ['three', { error: 'autoscaling.keda.sh/paused-replicas must be an integer, got "three"' }],
    ['1.5', { error: 'autoscaling.keda.sh/paused-replicas must be an integer, got "1.5"' }],
    ['2147483648', { error: 'autoscaling.keda.sh/paused-replicas is out of the int32 range: 2147483648' }],
  ];
  for (const [value, want] of replicas) {
    it(`pausedReplicas with ${JSON.stringify(value)} gives ${JSON.stringify(want)}`, () => {
      const annotations = value === undefined ? {} : { 'autoscaling.keda.sh/paused-replicas': value };
      assert.deepEqual(pausedReplicas(so({}, { annotations })), want);
    });
  }
});

describe('gvkr (gvkr.go ParseGVKR)', () => {
  const cases: Array<[{ apiVersion: string; kind: string }, ReturnType<typeof gvkr>, string]> = [
    [{ apiVersion: '', kind: '' }, { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', resourceGuessed: false }, 'apps/v1.Deployment'],
    [
      { apiVersion: 'apps/v1', kind: 'StatefulSet' },
      { group: 'apps', version: 'v1', kind: 'StatefulSet', resource: 'statefulsets', resourceGuessed: false },
      'apps/v1.StatefulSet',
    ],
    [
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout' },
      { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout', resource: 'rollouts', resourceGuessed: true },
      'argoproj.io/v1alpha1.Rollout',
    ],
    [
      { apiVersion: 'v1', kind: 'ReplicationController' },
      { group: '', version: 'v1', kind: 'ReplicationController', resource: 'replicationcontrollers', resourceGuessed: true },
      '/v1.ReplicationController',
    ],
  ];
  for (const [ref, want, gvk] of cases) {
    it(`${JSON.stringify(ref)} → ${want.resource}${want.resourceGuessed ? ' (guess, RESTMapper needed)' : ''}`, () => {
      assert.deepEqual(gvkr(ref), want);
      assert.equal(gvkString(gvkr(ref)), gvk);
    });
  }
});

describe('the generated HPA, refused offline as the API server would refuse it (pkg/apis/autoscaling/validation)', () => {
  const at = 'spec.advanced.horizontalPodAutoscalerConfig';
  const behavior = (b: Record<string, unknown>) => ({ advanced: { horizontalPodAutoscalerConfig: { behavior: b } } });
  const policy = (value: number, periodSeconds: number) => ({ policies: [{ type: 'Pods', value, periodSeconds }] });
  const rows: Array<{ name: string; spec: Record<string, unknown>; paths: string[]; message?: RegExp }> = [
    {
      name: 'a stabilization window of 3600 s and policies at the limits are accepted',
      spec: behavior({ scaleDown: { stabilizationWindowSeconds: 3600, ...policy(1, 1800) }, scaleUp: { stabilizationWindowSeconds: 0, ...policy(100, 1) } }),
      paths: [],
    },
    {
      name: 'a scaleDown stabilization window over 3600 s is refused',
      spec: behavior({ scaleDown: { stabilizationWindowSeconds: 3601 } }),
      paths: [`${at}.behavior.scaleDown.stabilizationWindowSeconds`],
      message: /between 0 and 3600 .*got 3601; the API server refuses the generated HPA/,
    },
    {
      name: 'a negative scaleUp stabilization window is refused',
      spec: behavior({ scaleUp: { stabilizationWindowSeconds: -1 } }),
      paths: [`${at}.behavior.scaleUp.stabilizationWindowSeconds`],
    },
    {
      name: 'a policy periodSeconds over 1800 is refused',
      spec: behavior({ scaleUp: policy(4, 1801) }),
      paths: [`${at}.behavior.scaleUp.policies[0].periodSeconds`],
      message: /between 1 and 1800 .*got 1801/,
    },
    {
      name: 'a policy periodSeconds of 0 is refused',
      spec: behavior({ scaleDown: policy(4, 0) }),
      paths: [`${at}.behavior.scaleDown.policies[0].periodSeconds`],
    },
    {
      name: 'a policy value of 0 is refused',
      spec: behavior({ scaleDown: policy(0, 60) }),
      paths: [`${at}.behavior.scaleDown.policies[0].value`],
      message: /greater than zero, got 0/,
    },
    {
      name: 'an explicit HPA name that is not a DNS-1123 subdomain is refused',
      spec: { advanced: { horizontalPodAutoscalerConfig: { name: 'Orders_HPA' } } },
      paths: [`${at}.name`],
      message: /HPA name "Orders_HPA" is not a valid object name/,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const found = validateScaledObject(so(row.spec)).filter((p) => p.severity === 'error');
      assert.deepEqual(
        found.map((p) => p.path),
        row.paths,
      );
      for (const p of found) assert.ok(p.fix, 'every problem has a fix');
      if (row.message) assert.match(found[0].message, row.message);
    });
  }
});
