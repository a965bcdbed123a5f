// ScaledObject parsing: every runtime default KEDA applies (apis/keda/v1alpha1/*_types.go, gvkr.go,
// pkg/scaling/executor/scale_executor.go), and every CRD-level rejection (config/crd/bases/keda.sh_scaledobjects.yaml).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseScaledObject } from './parse.ts';
import type { ScaledObject } from './types.ts';

function manifest(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'orders', namespace: 'shop', ...metadata },
    spec: { scaleTargetRef: { name: 'orders-worker' }, triggers: [{ type: 'aws-sqs-queue', metadata: { queueLength: '5' } }], ...spec },
  };
}

function parsed(spec?: Record<string, unknown>, metadata?: Record<string, unknown>): ScaledObject {
  const r = parseScaledObject(manifest(spec, metadata));
  assert.ok(r.ok, `expected valid, got ${JSON.stringify(!r.ok && r.problems)}`);
  return r.value;
}

describe('ScaledObject defaults (scaledobject_types.go, scaletriggers_types.go, gvkr.go, scale_executor.go)', () => {
  const cases: Array<[string, (so: ScaledObject) => unknown, unknown]> = [
    ['scaleTargetRef.apiVersion defaults to apps/v1', (so) => so.spec.scaleTargetRef.apiVersion, 'apps/v1'],
    ['scaleTargetRef.kind defaults to Deployment', (so) => so.spec.scaleTargetRef.kind, 'Deployment'],
    ['envSourceContainerName stays unset (first container at runtime)', (so) => so.spec.scaleTargetRef.envSourceContainerName, undefined],
    ['pollingInterval defaults to 30 s', (so) => so.spec.pollingInterval, 30],
    ['cooldownPeriod defaults to 300 s', (so) => so.spec.cooldownPeriod, 300],
    ['initialCooldownPeriod defaults to 0 s', (so) => so.spec.initialCooldownPeriod, 0],
    ['idleReplicaCount stays unset (idle mode off)', (so) => so.spec.idleReplicaCount, undefined],
    ['minReplicaCount defaults to 0', (so) => so.spec.minReplicaCount, 0],
    ['maxReplicaCount defaults to 100', (so) => so.spec.maxReplicaCount, 100],
    ['fallback stays unset', (so) => so.spec.fallback, undefined],
    ['advanced.restoreToOriginalReplicaCount defaults to false', (so) => so.spec.advanced.restoreToOriginalReplicaCount, false],
    ['no HPA config unless given', (so) => so.spec.advanced.horizontalPodAutoscalerConfig, undefined],
    ['no scalingModifiers unless given', (so) => so.spec.advanced.scalingModifiers, undefined],
    ['useCachedMetrics defaults to false', (so) => so.spec.triggers[0].useCachedMetrics, false],
    ['metricType stays unset (AverageValue for external scalers)', (so) => so.spec.triggers[0].metricType, undefined],
    ['trigger name stays unset', (so) => so.spec.triggers[0].name, undefined],
    [
      'explicit flags are all false when nothing is set',
      (so) => so.spec.explicit,
      { pollingInterval: false, cooldownPeriod: false, minReplicaCount: false, maxReplicaCount: false },
    ],
    ['labels default to {}', (so) => so.metadata.labels, {}],
    ['annotations default to {}', (so) => so.metadata.annotations, {}],
    ['status defaults to {}', (so) => so.status, {}],
  ];
  for (const [name, get, want] of cases) it(name, () => assert.deepEqual(get(parsed()), want));

  it('namespace defaults to "default" for a ScaledObject without one', () => {
    const r = parseScaledObject({ ...manifest(), metadata: { name: 'orders' } });
    assert.ok(r.ok);
    assert.equal(r.value.metadata.namespace, 'default');
  });

  it('fallback.behavior defaults to static (also a CRD default)', () => {
    assert.deepEqual(parsed({ fallback: { failureThreshold: 3, replicas: 2 } }).spec.fallback, { failureThreshold: 3, replicas: 2, behavior: 'static' });
  });

  it('authenticationRef.kind defaults to TriggerAuthentication', () => {
    const so = parsed({ triggers: [{ type: 'aws-sqs-queue', metadata: {}, authenticationRef: { name: 'aws' } }] });
    assert.deepEqual(so.spec.triggers[0].authenticationRef, { name: 'aws', kind: 'TriggerAuthentication' });
  });

  it('scalingModifiers.metricType defaults to AverageValue when modifiers are used', () => {
    const so = parsed({ advanced: { scalingModifiers: { formula: 'a + b', target: '10' } } });
    assert.deepEqual(so.spec.advanced.scalingModifiers, { formula: 'a + b', target: '10', metricType: 'AverageValue' });
  });

  it('an empty scalingModifiers block counts as not used (KEDA IsUsingModifiers)', () => {
    assert.equal(parsed({ advanced: { scalingModifiers: {} } }).spec.advanced.scalingModifiers, undefined);
  });

  it('records which fields were written explicitly, even when equal to the default', () => {
    const so = parsed({ pollingInterval: 30, minReplicaCount: 0 });
    assert.deepEqual(so.spec.explicit, { pollingInterval: true, cooldownPeriod: false, minReplicaCount: true, maxReplicaCount: false });
  });

  it('an empty trigger name means no name (Go omitempty)', () => {
    assert.equal(parsed({ triggers: [{ type: 'cron', name: '', metadata: {} }] }).spec.triggers[0].name, undefined);
  });

  it('keeps given values and HPA behavior verbatim', () => {
    const behavior = { scaleDown: { stabilizationWindowSeconds: 60, policies: [{ type: 'Percent', value: 50, periodSeconds: 30 }] } };
    const so = parsed({ pollingInterval: 5, idleReplicaCount: 0, minReplicaCount: 1, advanced: { horizontalPodAutoscalerConfig: { name: 'h', behavior } } });
    assert.equal(so.spec.pollingInterval, 5);
    assert.equal(so.spec.idleReplicaCount, 0);
    assert.deepEqual(so.spec.advanced.horizontalPodAutoscalerConfig, { name: 'h', behavior });
  });
});

describe('ScaledObject CRD-level rejections (keda.sh_scaledobjects.yaml)', () => {
  const cases: Array<{ name: string; spec?: Record<string, unknown>; metadata?: Record<string, unknown>; raw?: unknown; path: string; message: RegExp }> = [
    { name: 'scaleTargetRef is required', spec: { scaleTargetRef: undefined }, path: 'spec.scaleTargetRef', message: /scaleTargetRef is required/ },
    { name: 'scaleTargetRef.name must not be empty', spec: { scaleTargetRef: { name: '' } }, path: 'spec.scaleTargetRef.name', message: /must not be empty/ },
    { name: 'triggers are required', spec: { triggers: undefined }, path: 'spec.triggers', message: /no triggers defined in the ScaledObject/ },
    { name: 'triggers has MinItems 1', spec: { triggers: [] }, path: 'spec.triggers', message: /no triggers defined in the ScaledObject/ },
    { name: 'trigger type is required', spec: { triggers: [{ metadata: {} }] }, path: 'spec.triggers[0].type', message: /type is required/ },
    { name: 'trigger metadata is required', spec: { triggers: [{ type: 'cpu' }] }, path: 'spec.triggers[0].metadata', message: /metadata is required/ },
    { name: 'pollingInterval minimum is 1', spec: { pollingInterval: 0 }, path: 'spec.pollingInterval', message: /greater than or equal to 1/ },
    { name: 'cooldownPeriod minimum is 0', spec: { cooldownPeriod: -1 }, path: 'spec.cooldownPeriod', message: /greater than or equal to 0/ },
    {
      name: 'initialCooldownPeriod minimum is 0',
      spec: { initialCooldownPeriod: -5 },
      path: 'spec.initialCooldownPeriod',
      message: /greater than or equal to 0/,
    },
    { name: 'idleReplicaCount minimum is 0', spec: { idleReplicaCount: -1 }, path: 'spec.idleReplicaCount', message: /greater than or equal to 0/ },
    { name: 'minReplicaCount minimum is 0', spec: { minReplicaCount: -1 }, path: 'spec.minReplicaCount', message: /greater than or equal to 0/ },
    { name: 'maxReplicaCount minimum is 1', spec: { maxReplicaCount: 0 }, path: 'spec.maxReplicaCount', message: /greater than or equal to 1/ },
    { name: 'int32 fields reject values above 2^31-1', spec: { maxReplicaCount: 2 ** 31 }, path: 'spec.maxReplicaCount', message: /int32 range/ },
    { name: 'int32 fields reject fractions', spec: { pollingInterval: 1.5 }, path: 'spec.pollingInterval', message: /whole number/ },
    {
      name: 'the API server rejects minReplicaCount: "1" (quoted number in an int32 field)',
      spec: { minReplicaCount: '1' },
      path: 'spec.minReplicaCount',
      message: /must be an integer, not the string "1"/,
    },
    {
      name: 'fallback.failureThreshold is required in the block',
      spec: { fallback: { replicas: 1 } },
      path: 'spec.fallback.failureThreshold',
      message: /failureThreshold is required/,
    },
    {
      name: 'fallback.replicas is required in the block',
      spec: { fallback: { failureThreshold: 1 } },
      path: 'spec.fallback.replicas',
      message: /replicas is required/,
    },
    {
      name: 'fallback.replicas minimum is 0',
      spec: { fallback: { failureThreshold: 1, replicas: -1 } },
      path: 'spec.fallback.replicas',
      message: /greater than or equal to 0/,
    },
    {
      name: 'fallback.behavior is an enum',
      spec: { fallback: { failureThreshold: 1, replicas: 1, behavior: 'Static' } },
      path: 'spec.fallback.behavior',
      message: /must be one of "static"/,
    },
    {
      name: 'metricType is an enum',
      spec: { triggers: [{ type: 'cpu', metadata: {}, metricType: 'utilization' }] },
      path: 'spec.triggers[0].metricType',
      message: /must be one of "AverageValue", "Value", "Utilization"/,
    },
    {
      name: 'authenticationRef.kind is an enum',
      spec: { triggers: [{ type: 'cron', metadata: {}, authenticationRef: { name: 'a', kind: 'Secret' } }] },
      path: 'spec.triggers[0].authenticationRef.kind',
      message: /must be one of/,
    },
    {
      name: 'metadata values given as numbers are rejected, like the API server does for map<string,string>',
      spec: { triggers: [{ type: 'aws-sqs-queue', metadata: { queueLength: 5 } }] },
      path: 'spec.triggers[0].metadata.queueLength',
      message: /metadata values must be strings, but queueLength is number 5/,
    },
    {
      name: 'metadata values given as booleans are rejected',
      spec: { triggers: [{ type: 'aws-sqs-queue', metadata: { scaleOnInFlight: false } }] },
      path: 'spec.triggers[0].metadata.scaleOnInFlight',
      message: /must be strings/,
    },
    {
      name: 'CEL: minReplicaCount must be less than or equal to maxReplicaCount',
      spec: { minReplicaCount: 5, maxReplicaCount: 3 },
      path: 'spec',
      message: /^minReplicaCount must be less than or equal to maxReplicaCount$/,
    },
    {
      name: 'CEL: an unset maxReplicaCount counts as 100',
      spec: { minReplicaCount: 101 },
      path: 'spec',
      message: /^minReplicaCount must be less than or equal to maxReplicaCount$/,
    },
    {
      name: 'HPA tolerance as a JSON float is rejected (Quantity is int-or-string)',
      spec: { advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleUp: { tolerance: 0.05 } } } } },
      path: 'spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.tolerance',
      message: /unsupported form/,
    },
    { name: 'metadata.name must be an RFC 1123 subdomain', metadata: { name: 'Orders_Worker' }, path: 'metadata.name', message: /RFC 1123/ },
    { name: 'metadata.name is required', metadata: { name: undefined }, path: 'metadata.name', message: /metadata.name is required/ },
    {
      name: 'annotation values must be strings (paused-replicas: 0 unquoted)',
      metadata: { annotations: { 'autoscaling.keda.sh/paused-replicas': 0 } },
      path: 'metadata.annotations.autoscaling.keda.sh/paused-replicas',
      message: /annotation values must be strings/,
    },
    {
      name: 'spec is required',
      raw: { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'x' } },
      path: 'spec',
      message: /spec is required/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = parseScaledObject(c.raw ?? manifest(c.spec, c.metadata));
      assert.equal(r.ok, false);
      if (r.ok) return;
      const hit = r.problems.find((p) => p.severity === 'error' && p.path === c.path);
      assert.ok(hit, `no error at ${c.path}; got ${JSON.stringify(r.problems, null, 1)}`);
      assert.match(hit.message, c.message);
    });
  }

  it('every error names the object and gives the full field path', () => {
    const r = parseScaledObject(manifest({ pollingInterval: 0 }));
    assert.ok(!r.ok);
    assert.deepEqual(
      r.problems.map((p) => [p.object, p.path]),
      [['ScaledObject shop/orders', 'spec.pollingInterval']],
    );
    assert.match(r.problems[0].fix ?? '', /1 or more/);
  });

  it('a quoted number gets a fix that shows the unquoted form', () => {
    const r = parseScaledObject(manifest({ maxReplicaCount: '10' }));
    assert.ok(!r.ok);
    assert.equal(r.problems[0].fix, 'write it without quotes: maxReplicaCount: 10');
  });

  it('a number in metadata gets a fix that shows the quoted form', () => {
    const r = parseScaledObject(manifest({ triggers: [{ type: 'aws-sqs-queue', metadata: { queueLength: 5 } }] }));
    assert.ok(!r.ok);
    assert.equal(r.problems[0].fix, 'quote it: queueLength: "5"');
  });
});

describe('ScaledObject unknown fields (pruned by the structural CRD: accepted with a warning)', () => {
  it('accepts the object and warns about each unknown spec field, suggesting the likely field', () => {
    const r = parseScaledObject(manifest({ minReplicas: 2, triggers: [{ type: 'cron', metadata: {}, metricTyp: 'Value' }] }));
    assert.ok(r.ok);
    const byPath = Object.fromEntries(r.warnings.map((w) => [w.path, w]));
    assert.match(byPath['spec.minReplicas'].message, /unknown field spec.minReplicas/);
    assert.equal(byPath['spec.minReplicas'].fix, 'did you mean minReplicaCount?');
    assert.equal(byPath['spec.triggers[0].metricTyp'].fix, 'did you mean metricType?');
    assert.equal(r.value.spec.minReplicaCount, 0, 'the unknown field has no effect');
  });

  it('warns about top-level fields outside apiVersion/kind/metadata/spec/status', () => {
    const r = parseScaledObject({ ...manifest(), triggers: [] });
    assert.ok(r.ok);
    assert.deepEqual(
      r.warnings.map((w) => [w.path, w.fix]),
      [['triggers', 'move it under spec']],
    );
  });

  it('does not warn about metadata fields the API server owns (managedFields, ...)', () => {
    const r = parseScaledObject(manifest({}, { managedFields: [{ manager: 'kubectl' }], uid: 'u1', generation: 3 }));
    assert.ok(r.ok);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.value.metadata.uid, 'u1');
    assert.equal(r.value.metadata.generation, 3);
  });

  it('keeps a valid status and ignores (with a warning) a broken one, as the status subresource does', () => {
    const good = parseScaledObject({ ...manifest(), status: { hpaName: 'keda-hpa-orders', conditions: [{ type: 'Ready', status: 'True' }] } });
    assert.ok(good.ok);
    assert.equal(good.value.status.hpaName, 'keda-hpa-orders');
    const bad = parseScaledObject({ ...manifest(), status: { originalReplicaCount: 'three' } });
    assert.ok(bad.ok);
    assert.deepEqual(bad.value.status, {});
    assert.match(bad.warnings[0].message, /status is ignored on apply/);
  });
});
