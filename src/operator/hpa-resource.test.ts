// The HPA metrics a cpu/memory trigger produces, from the trigger through the real descriptor to buildHpa, must be
// what KEDA's controllers/keda/hpa.go writes: a Resource (or ContainerResource) metric whose target is the
// trigger's value — averageUtilization as a number, averageValue as resource.MustParse(value).String() — with Go's
// JSON field order, and resourceMetricNames listing Resource (not ContainerResource) names. One subtest per row.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MetricTargetType, ScaledObject } from '../api/types.ts';
import { describeTrigger } from '../scalers/index.ts';
import { buildHpa } from './hpa.ts';

function so(): ScaledObject {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'web', namespace: 'prod', uid: 'u', labels: {}, annotations: {} },
    spec: {
      scaleTargetRef: { name: 'web', apiVersion: 'apps/v1', kind: 'Deployment' },
      pollingInterval: 30,
      cooldownPeriod: 300,
      initialCooldownPeriod: 0,
      minReplicaCount: 1,
      maxReplicaCount: 10,
      advanced: { restoreToOriginalReplicaCount: false },
      triggers: [],
      explicit: { pollingInterval: false, cooldownPeriod: false, minReplicaCount: true, maxReplicaCount: false },
    },
    status: {},
  };
}

const rows: Array<[string, string, MetricTargetType, Record<string, string>, string]> = [
  [
    'cpu Utilization 50',
    'cpu',
    'Utilization',
    { value: '50' },
    '{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}}',
  ],
  [
    'cpu AverageValue 500m',
    'cpu',
    'AverageValue',
    { value: '500m' },
    '{"type":"Resource","resource":{"name":"cpu","target":{"type":"AverageValue","averageValue":"500m"}}}',
  ],
  [
    'cpu AverageValue 0.5 (canonical 500m)',
    'cpu',
    'AverageValue',
    { value: '0.5' },
    '{"type":"Resource","resource":{"name":"cpu","target":{"type":"AverageValue","averageValue":"500m"}}}',
  ],
  [
    'memory AverageValue 256Mi',
    'memory',
    'AverageValue',
    { value: '256Mi' },
    '{"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"256Mi"}}}',
  ],
  [
    'memory AverageValue 1.5Gi (canonical 1536Mi)',
    'memory',
    'AverageValue',
    { value: '1.5Gi' },
    '{"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"1536Mi"}}}',
  ],
  [
    'memory Utilization 80 of container app',
    'memory',
    'Utilization',
    { value: '80', containerName: 'app' },
    '{"type":"ContainerResource","containerResource":{"name":"memory","target":{"type":"Utilization","averageUtilization":80},"container":"app"}}',
  ],
  [
    'cpu AverageValue 250m of container app',
    'cpu',
    'AverageValue',
    { value: '250m', containerName: 'app' },
    '{"type":"ContainerResource","containerResource":{"name":"cpu","target":{"type":"AverageValue","averageValue":"250m"},"container":"app"}}',
  ],
];

describe('cpu/memory triggers → HPA metric, byte for byte as KEDA', () => {
  for (const [name, type, metricType, metadata, json] of rows) {
    test(name, () => {
      const d = describeTrigger({ type, metadata, metricType }, 0, { authParams: {}, resolvedEnv: {} });
      const r = buildHpa({ scaledObject: so(), gvkr: { group: 'apps', version: 'v1', kind: 'Deployment' }, metricSpecs: d.metricSpecs, version: '2.20.2' });
      assert.equal(JSON.stringify(r.hpa.spec.metrics[0]), json);
      assert.deepEqual(r.resourceMetricNames, metadata.containerName ? [] : [type]);
      assert.deepEqual(r.externalMetricNames, []);
    });
  }
});
