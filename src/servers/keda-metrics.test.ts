// The operator's metrics collector on a real prom-client registry: KEDA's names, types and label sets, and what a
// poll report, a ScaledJob poll, a registration, a deletion, a lateness and a source read write.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { parseScaledObject } from '../api/parse.ts';
import type { ScaledObject } from '../api/types.ts';
import { initialState } from '../engine/object-step.ts';
import type { KubeObject } from '../kube/client.ts';
import type { PollReport } from '../runtime/object-runner.ts';
import { FAMILIES, OperatorMetrics, parseLoopKey, reasonKind } from './keda-metrics.ts';
import { kedaScalerLabel } from './keda-scaler-names.ts';
import { prometheusBackend } from './metric-families.ts';

const raw = {
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'ScaledObject',
  metadata: { name: 'orders', namespace: 'shop', uid: 'u1', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: {
    scaleTargetRef: { name: 'orders' },
    triggers: [
      { type: 'prometheus', metadata: { serverAddress: 'http://p:9090', query: 'q', threshold: '5' } },
      { type: 'cpu', metricType: 'Utilization', metadata: { value: '50' } },
    ],
  },
};
const parsed = parseScaledObject(raw);
assert.ok(parsed.ok);
const so: ScaledObject = parsed.value;
const scalers = [
  { metricSpecs: [{ metricName: 's0-prometheus', kind: 'External' as const, targetType: 'AverageValue' as const, target: 5 }] },
  { metricSpecs: [{ metricName: 'cpu', kind: 'Resource' as const, targetType: 'Utilization' as const, target: 50 }] },
];

function report(over: { value?: number; error?: string; at?: number; action?: 'activate' | 'none' } = {}): PollReport {
  const at = over.at ?? 1000;
  return {
    at,
    counts: { replicas: 0, readyReplicas: 0 },
    readings: [
      over.error
        ? { metrics: [], active: false, error: over.error, at, durationMs: 40, source: 'poll' }
        : { metrics: [{ name: 's0-prometheus', value: over.value ?? 12 }], active: true, at, durationMs: 40, source: 'poll' },
      undefined,
    ],
    poll: {
      state: initialState(over.action === 'activate' ? 3 : 0),
      activity: { isActive: !over.error, isError: !!over.error, activeTriggers: [], triggersActivity: {}, reason: '' },
      decision: {
        action: over.action ?? 'none',
        replicas: over.action === 'activate' ? 3 : undefined,
        conditions: over.error
          ? [{ type: 'Ready', status: 'False', reason: 'TriggerError', message: '' }]
          : [{ type: 'Active', status: 'True', reason: 'ScalerActive', message: '' }],
        reason: 'r',
      },
      fallbackActive: false,
    },
    ...(over.action === 'activate' ? { scaled: { from: 0, to: 3 } } : {}),
  } as unknown as PollReport;
}

async function setup() {
  const registry = new Registry();
  const m = new OperatorMetrics(prometheusBackend(registry), { version: '2.20.2', gitCommit: 'abc' });
  const text = () => registry.metrics();
  const value = async (name: string, labels: Record<string, string>) => {
    const metric = (await registry.getMetricsAsJSON()).find((x) => x.name === name) as
      | { values: Array<{ labels: Record<string, string>; value: number }> }
      | undefined;
    return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l))?.value;
  };
  return { registry, m, text, value };
}

const lbl = { namespace: 'shop', scaledObject: 'orders', scaler: 'prometheusScaler', triggerIndex: '0', metric: 's0-prometheus', type: 'scaledobject' };

describe('KEDA metric families', () => {
  const expected: Array<[string, string, string[]]> = [
    ['keda_build_info', 'gauge', ['version', 'git_commit', 'goversion', 'goos', 'goarch']],
    ['keda_scaler_metrics_value', 'gauge', ['namespace', 'metric', 'scaledObject', 'scaler', 'triggerIndex', 'type']],
    ['keda_scaler_metrics_latency_seconds', 'gauge', ['namespace', 'metric', 'scaledObject', 'scaler', 'triggerIndex', 'type']],
    ['keda_scaler_active', 'gauge', ['namespace', 'metric', 'scaledObject', 'scaler', 'triggerIndex', 'type']],
    ['keda_scaler_detail_errors_total', 'counter', ['namespace', 'metric', 'scaledObject', 'scaler', 'triggerIndex', 'type']],
    ['keda_scaled_object_errors_total', 'counter', ['namespace', 'scaledObject']],
    ['keda_scaled_job_errors_total', 'counter', ['namespace', 'scaledJob']],
    ['keda_scaled_object_paused', 'gauge', ['namespace', 'scaledObject']],
    ['keda_internal_scale_loop_latency_seconds', 'gauge', ['namespace', 'type', 'resource']],
    ['keda_trigger_registered_total', 'gauge', ['type']],
    ['keda_resource_registered_total', 'gauge', ['type', 'namespace']],
  ];
  for (const [name, type, labels] of expected) {
    test(`${name} is a ${type} labelled ${labels.join(', ')}`, async () => {
      const { registry } = await setup();
      const metric = registry.getSingleMetric(name) as unknown as { labelNames: string[]; get(): Promise<{ type: string }> } | undefined;
      assert.ok(metric, `${name} registered`);
      assert.equal((await metric.get()).type, type);
      assert.deepEqual([...metric.labelNames].sort(), [...labels].sort());
    });
  }

  test('every family name is keda_* or updraft_*, and unique', () => {
    const names = Object.values(FAMILIES).map((f) => f.name);
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual(
      names.filter((n) => !/^(keda|updraft)_[a-z_]+$/.test(n)),
      [],
    );
  });
});

describe('OperatorMetrics', () => {
  test('a poll writes the value, latency, activity, a zero error count and a decision', async () => {
    const { m, value } = await setup();
    m.scaledObjectPolled(so, scalers, report({ value: 12 }), 'hpa');
    assert.equal(await value('keda_scaler_metrics_value', lbl), 12);
    assert.equal(await value('keda_scaler_metrics_latency_seconds', lbl), 0.04);
    assert.equal(await value('keda_scaler_active', lbl), 1);
    assert.equal(await value('keda_scaler_detail_errors_total', lbl), 0);
    assert.equal(await value('keda_scaled_object_errors_total', { namespace: 'shop', scaledObject: 'orders' }), 0);
    assert.equal(await value('keda_scaler_active', { ...lbl, metric: 'cpu', triggerIndex: '1', scaler: 'cpuMemoryScaler' }), 1);
    assert.equal(await value('updraft_scale_decisions_total', { namespace: 'shop', scaledObject: 'orders', mode: 'hpa', action: 'none', reason: 'active' }), 1);
  });

  test('a failed read counts once per reading, not once per poll that reuses it', async () => {
    const { m, value } = await setup();
    m.scaledObjectPolled(so, scalers, report({ error: 'boom', at: 1 }), 'hpa');
    m.scaledObjectPolled(so, scalers, report({ error: 'boom', at: 1 }), 'hpa');
    m.scaledObjectPolled(so, scalers, report({ error: 'boom', at: 2 }), 'hpa');
    assert.equal(await value('keda_scaler_detail_errors_total', lbl), 2);
    assert.equal(await value('keda_scaled_object_errors_total', { namespace: 'shop', scaledObject: 'orders' }), 2);
    assert.equal(await value('keda_scaler_active', lbl), 0);
    assert.equal(await value('updraft_scale_decisions_total', { reason: 'triggers-failing' }), 3);
  });

  test('direct mode writes current, desired, min and max replicas', async () => {
    const { m, value } = await setup();
    m.scaledObjectPolled(so, scalers, report({ action: 'activate' }), 'direct');
    assert.equal(await value('updraft_direct_replicas', { kind: 'current' }), 3);
    assert.equal(await value('updraft_direct_replicas', { kind: 'desired' }), 3);
    assert.equal(await value('updraft_direct_replicas', { kind: 'max' }), 100);
    assert.equal(await value('updraft_direct_replicas', { kind: 'min' }), 0);
  });

  test('registrations count resources per namespace and triggers per type; a delete takes them and the scaler series away', async () => {
    const { m, value, text } = await setup();
    const obj = (name: string, types: string[], paused = false) =>
      ({
        metadata: { name, namespace: 'shop' },
        spec: { triggers: types.map((type) => ({ type })) },
        status: { conditions: paused ? [{ type: 'Paused', status: 'True' }] : [] },
      }) as unknown as KubeObject;
    m.resourceChanged('scaled_object', obj('orders', ['prometheus', 'cpu']));
    m.resourceChanged('scaled_object', obj('carts', ['prometheus'], true));
    m.resourceChanged('scaled_object', obj('carts', ['prometheus'], true)); // an update is not a second registration
    m.resourceChanged('cluster_trigger_authentication', { metadata: { name: 'cta' } } as KubeObject);
    assert.equal(await value('keda_resource_registered_total', { type: 'scaled_object', namespace: 'shop' }), 2);
    assert.equal(await value('keda_resource_registered_total', { type: 'cluster_trigger_authentication', namespace: 'default' }), 1);
    assert.equal(await value('keda_trigger_registered_total', { type: 'prometheus' }), 2);
    assert.equal(await value('keda_scaled_object_paused', { scaledObject: 'carts' }), 1);
    assert.equal(await value('keda_scaled_object_paused', { scaledObject: 'orders' }), 0);
    m.scaledObjectPolled(so, scalers, report(), 'hpa');
    m.resourceChanged('scaled_object', obj('orders', ['prometheus', 'cpu']), true);
    assert.equal(await value('keda_resource_registered_total', { type: 'scaled_object', namespace: 'shop' }), 1);
    assert.equal(await value('keda_trigger_registered_total', { type: 'cpu' }), 0);
    assert.doesNotMatch(await text(), /keda_scaler_metrics_value\{[^}]*scaledObject="orders"/);
  });

  test('lateness sets the loop gauge and the histogram; source reads count by trigger type', async () => {
    const { m, value } = await setup();
    m.resourceChanged('scaled_object', {
      metadata: { name: 'orders', namespace: 'shop' },
      spec: { triggers: [{ type: 'prometheus' }] },
    } as unknown as KubeObject);
    m.loopLateness('scaledobject.shop.orders', 250);
    assert.equal(await value('keda_internal_scale_loop_latency_seconds', { namespace: 'shop', type: 'scaledobject', resource: 'orders' }), 0.25);
    m.sourceRead('scaledobject.shop.orders/0', { metrics: [], active: false, error: 'x', errorKind: 'timeout', at: 1, durationMs: 10, source: 'poll' });
    m.sourceRead('scaledobject.shop.orders/0', { metrics: [], active: true, at: 2, durationMs: 0, source: 'push' });
    assert.equal(await value('updraft_source_queries_total', { trigger_type: 'prometheus', outcome: 'timeout' }), 1);
    assert.equal(await value('updraft_source_queries_total', { outcome: 'ok' }), undefined);
  });

  test('keda_build_info carries the version and commit', async () => {
    const { value } = await setup();
    assert.equal(await value('keda_build_info', { version: '2.20.2', git_commit: 'abc' }), 1);
  });
});

describe('reasonKind', () => {
  const cases: Array<
    [
      string,
      Partial<{
        action: string;
        ready: string;
        active: string;
        activeStatus: string;
        reason: string;
        fallback: boolean;
        hpa: { changed: boolean; kind: string; stabilized?: boolean };
        scaleError: string;
      }>,
      string,
    ]
  > = [
    ['activation', { action: 'activate' }, 'activation'],
    ['deactivation', { action: 'deactivate' }, 'deactivation'],
    ['paused', { action: 'paused' }, 'paused'],
    ['below minReplicaCount', { action: 'floor' }, 'below-min-replicas'],
    ['all triggers failing', { ready: 'TriggerError' }, 'triggers-failing'],
    ['failing with fallback', { ready: 'TriggerError', fallback: true }, 'fallback'],
    ['some triggers failing', { ready: 'PartialTriggerError' }, 'partial-trigger-error'],
    ['cooldown', { active: 'ScalerCooldown', activeStatus: 'False' }, 'cooldown'],
    ['pause annotation blocks', { reason: 'would scale 0→1 but autoscaling.keda.sh/paused-scale-out blocks activation' }, 'blocked-by-annotation'],
    ['direct mode HPA maths', { activeStatus: 'True', hpa: { changed: true, kind: 'metrics' } }, 'hpa-metrics'],
    ['write failed', { action: 'activate', scaleError: 'x' }, 'scale-error'],
    ['active, steady', { activeStatus: 'True' }, 'active'],
    ['inactive, steady', { activeStatus: 'False' }, 'inactive'],
  ];
  for (const [name, c, kind] of cases) {
    test(`${name} → ${kind}`, () => {
      const conditions = [
        ...(c.ready ? [{ type: 'Ready', status: 'False', reason: c.ready }] : []),
        { type: 'Active', status: c.activeStatus ?? 'False', reason: c.active ?? 'ScalerNotActive' },
      ];
      const r = {
        poll: { decision: { action: c.action ?? 'none', conditions, reason: c.reason ?? '' }, fallbackActive: c.fallback ?? false },
        hpa: c.hpa,
        scaleError: c.scaleError,
      } as unknown as PollReport;
      assert.equal(reasonKind(r), kind);
    });
  }
});

describe('names and keys', () => {
  const keys: Array<[string, ReturnType<typeof parseLoopKey>]> = [
    ['scaledobject.shop.orders', { type: 'scaledobject', namespace: 'shop', name: 'orders' }],
    ['scaledobject.shop.orders.v2', { type: 'scaledobject', namespace: 'shop', name: 'orders.v2' }],
    ['scaledjob/shop/export', { type: 'scaledjob', namespace: 'shop', name: 'export' }],
    ['something-else', undefined],
  ];
  for (const [key, want] of keys) test(`loop key ${key}`, () => assert.deepEqual(parseLoopKey(key), want));

  const scalerNames: Array<[string, string | undefined, string]> = [
    ['prometheus', undefined, 'prometheusScaler'],
    ['aws-sqs-queue', undefined, 'awsSqsQueueScaler'],
    ['redis-cluster', undefined, 'redisScaler'],
    ['prometheus', 'my-trigger', 'my-trigger'],
    ['not-a-keda-type', undefined, 'not-a-keda-type'],
  ];
  for (const [type, name, want] of scalerNames)
    test(`scaler label of ${type}${name ? ` named ${name}` : ''} is ${want}`, () => assert.equal(kedaScalerLabel(type, name), want));
});
