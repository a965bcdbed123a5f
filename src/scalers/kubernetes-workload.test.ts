import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildScaler, checkTriggerOffline, describeTrigger } from './index.ts';
import { counted, descriptor, NO_CLUSTER, parse, workloadReader, workloadValue, type KubernetesWorkloadConfig } from './kubernetes-workload.ts';
import { ReadError, type PodWatch, type PodWatcher, type WatchedPod } from './scaler.ts';

const p = (metadata: Record<string, string>, namespace?: string) => parse({ metadata, authParams: {}, resolvedEnv: {}, ...(namespace ? { namespace } : {}) });

// ---------------------------------------------------------------------------------------------------------------
// KEDA's tables (pkg/scalers/kubernetes_workload_scaler_test.go), one subtest per row, in order.

const metadataRows: Array<{ metadata: Record<string, string>; namespace: string; error?: { field: string; message: RegExp } }> = [
  { metadata: { value: '1', podSelector: 'app=demo' }, namespace: 'test' },
  { metadata: { value: '1', podSelector: 'app=demo' }, namespace: 'default' },
  { metadata: { value: '1', podSelector: 'app in (demo1, demo2)' }, namespace: 'test' },
  { metadata: { value: '1', podSelector: 'app in (demo1, demo2),deploy in (deploy1, deploy2)' }, namespace: 'test' },
  { metadata: { value: '1', podSelector: 'app=demo', groupByNode: 'true' }, namespace: 'test' },
  {
    metadata: { podSelector: 'app=demo' },
    namespace: 'test',
    error: { field: 'value', message: /^kubernetes-workload: value must be a float greater than 0, got '0'$/ },
  },
  { metadata: { podSelector: 'app=demo' }, namespace: 'default', error: { field: 'value', message: /value must be a float greater than 0/ } },
  { metadata: { value: '1' }, namespace: 'test', error: { field: 'podSelector', message: /missing required parameter "podSelector" in \[triggerMetadata\]/ } },
  { metadata: { value: '1' }, namespace: 'default', error: { field: 'podSelector', message: /missing required parameter "podSelector"/ } },
  { metadata: { value: 'a', podSelector: 'app=demo' }, namespace: 'test', error: { field: 'value', message: /value must be a number, got 'a'/ } },
  { metadata: { value: 'a', podSelector: 'app=demo' }, namespace: 'default', error: { field: 'value', message: /value must be a number, got 'a'/ } },
  { metadata: { value: '0', podSelector: 'app=demo' }, namespace: 'test', error: { field: 'value', message: /value must be a float greater than 0, got '0'/ } },
  { metadata: { value: '0', podSelector: 'app=demo' }, namespace: 'default', error: { field: 'value', message: /value must be a float greater than 0/ } },
  {
    metadata: { value: '1', activationValue: 'aa', podSelector: 'app=demo' },
    namespace: 'test',
    error: { field: 'activationValue', message: /activationValue must be a number, got 'aa'/ },
  },
  {
    metadata: { value: '1', podSelector: 'app=demo', groupByNode: 'invalid' },
    namespace: 'test',
    error: { field: 'groupByNode', message: /groupByNode must be true or false, got 'invalid'/ },
  },
];
describe('KEDA TestParseWorkloadMetadata', () => {
  for (const [i, row] of metadataRows.entries()) {
    test(`row ${i}: ${JSON.stringify(row.metadata)} in ${row.namespace} ${row.error ? `is refused (${row.error.field})` : 'parses'}`, () => {
      if (row.error) assert.throws(() => p(row.metadata, row.namespace), { name: 'ConfigError', field: row.error.field, message: row.error.message });
      else assert.equal(p(row.metadata, row.namespace).namespace, row.namespace);
    });
  }
});

/** A PodWatcher over fixed pods, recording what it was asked for. */
function fakeWatcher(pods: WatchedPod[]): { watcher: PodWatcher; opened: Array<[string, string]>; closed: number } {
  const out = { opened: [] as Array<[string, string]>, closed: 0, watcher: undefined as unknown as PodWatcher };
  out.watcher = (namespace, labelSelector) => {
    out.opened.push([namespace, labelSelector]);
    return { pods: async () => pods, close: () => void out.closed++ };
  };
  return out;
}

const demoPods = (n: number): WatchedPod[] => Array.from({ length: n }, () => ({}));

// KEDA's fake client holds n pods labelled app=demo in namespace "default" (createPodlist): a trigger of namespace
// "test" sees none of them. The PodWatcher is what scopes by namespace here, so the fake answers per namespace.
const isActiveRows: Array<{ metadata: Record<string, string>; namespace: string; podCount: number; active: boolean }> = [
  { metadata: metadataRows[0].metadata, namespace: 'test', podCount: 0, active: false },
  { metadata: metadataRows[0].metadata, namespace: 'test', podCount: 1, active: false },
  { metadata: metadataRows[0].metadata, namespace: 'test', podCount: 15, active: false },
  { metadata: metadataRows[1].metadata, namespace: 'default', podCount: 0, active: false },
  { metadata: metadataRows[1].metadata, namespace: 'default', podCount: 1, active: true },
  { metadata: metadataRows[1].metadata, namespace: 'default', podCount: 15, active: true },
];
describe('KEDA TestWorkloadIsActive', () => {
  for (const [i, row] of isActiveRows.entries()) {
    test(`row ${i}: ${row.podCount} demo pods in default, trigger in ${row.namespace}: ${row.active ? 'active' : 'inactive'}`, async () => {
      const podWatcher: PodWatcher = (namespace) => ({ pods: async () => (namespace === 'default' ? demoPods(row.podCount) : []), close: () => undefined });
      const s = buildScaler({
        trigger: { type: 'kubernetes-workload', metadata: row.metadata, useCachedMetrics: false },
        triggerIndex: 0,
        namespace: row.namespace,
        objectName: 'so',
        objectKind: 'ScaledObject',
        authParams: {},
        resolvedEnv: {},
        httpTimeoutMs: 1000,
        podWatcher,
      });
      const r = await s.read(AbortSignal.timeout(1000));
      assert.equal(r.active, row.active);
      assert.equal(r.metrics[0].value, row.namespace === 'default' ? row.podCount : 0);
      await s.close();
    });
  }
});

const metricNameRows: Array<{ metadata: Record<string, string>; namespace: string; triggerIndex: number; name: string }> = [
  { metadata: metadataRows[0].metadata, namespace: 'test', triggerIndex: 0, name: 's0-workload-test' },
  { metadata: metadataRows[1].metadata, namespace: 'default', triggerIndex: 1, name: 's1-workload-default' },
  { metadata: metadataRows[2].metadata, namespace: 'test', triggerIndex: 2, name: 's2-workload-test' },
  { metadata: metadataRows[3].metadata, namespace: 'test', triggerIndex: 3, name: 's3-workload-test' },
];
describe('KEDA TestWorkloadGetMetricSpecForScaling', () => {
  for (const row of metricNameRows) {
    test(`${row.name}`, () => {
      const d = describeTrigger({ type: 'kubernetes-workload', metadata: row.metadata }, row.triggerIndex, {
        authParams: {},
        resolvedEnv: {},
        namespace: row.namespace,
      });
      assert.equal(d.metricSpecs[0].metricName, row.name);
      assert.equal(d.metricSpecs[0].target, 1);
      assert.equal(d.metricSpecs[0].targetType, 'AverageValue');
    });
  }
});

const phaseRows: Array<{ phase: string; active: boolean }> = [
  { phase: 'Running', active: true },
  { phase: 'Succeeded', active: false },
  { phase: 'Failed', active: false },
  { phase: 'Unknown', active: true },
  { phase: 'Pending', active: true },
];
describe('KEDA TestWorkloadPhase', () => {
  for (const row of phaseRows) {
    test(`a ${row.phase} pod ${row.active ? 'counts' : 'does not count'}`, async () => {
      assert.equal(counted({ phase: row.phase }), row.active);
      const s = buildScaler({
        trigger: { type: 'kubernetes-workload', metadata: { podSelector: 'app=testphases', value: '1' }, useCachedMetrics: false },
        triggerIndex: 0,
        namespace: 'default',
        objectName: 'so',
        objectKind: 'ScaledObject',
        authParams: {},
        resolvedEnv: {},
        httpTimeoutMs: 1000,
        podWatcher: fakeWatcher([{ phase: row.phase }]).watcher,
      });
      assert.equal((await s.read(AbortSignal.timeout(1000))).active, row.active);
      await s.close();
    });
  }
});

// KEDA TestWorkloadGroupByNode: two pods on node-a, one on node-b, one Pending unscheduled, one Failed on node-c.
const groupPods: WatchedPod[] = [
  { phase: 'Running', nodeName: 'node-a' },
  { phase: 'Running', nodeName: 'node-a' },
  { phase: 'Running', nodeName: 'node-b' },
  { phase: 'Pending' },
  { phase: 'Failed', nodeName: 'node-c' },
];
const groupRows: Array<{ name: string; groupByNode: boolean; expected: number }> = [
  { name: 'count all matching pods', groupByNode: false, expected: 4 },
  { name: 'count unique nodes for scheduled matching pods', groupByNode: true, expected: 2 },
];
describe('KEDA TestWorkloadGroupByNode', () => {
  for (const row of groupRows) {
    test(row.name, async () => {
      assert.equal(workloadValue(groupPods, row.groupByNode), row.expected);
      const config = p({ podSelector: 'app=demo', value: '1', groupByNode: String(row.groupByNode) }, 'default');
      const r = workloadReader(config, 's0-workload-default', () => fakeWatcher(groupPods).watcher('default', config.podSelector));
      assert.deepEqual(await r.read(AbortSignal.timeout(1000)), { metrics: [{ name: 's0-workload-default', value: row.expected }] });
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Updraft's own rules.

describe('the podSelector', () => {
  const selectorRows: Array<{ selector: string; canonical?: string; error?: RegExp }> = [
    { selector: 'app=demo', canonical: 'app=demo' },
    { selector: ' tier in (b, a) , app = demo ', canonical: 'app=demo,tier in (a,b)' },
    { selector: '!legacy, app', canonical: 'app,!legacy' },
    { selector: 'app in ()', error: /needs at least one value/ },
    { selector: 'app=demo;rm', error: /invalid label value/ },
    { selector: 'app in (a', error: /missing \)/ },
  ];
  for (const row of selectorRows) {
    test(`'${row.selector}' ${row.error ? 'is refused' : `is watched as '${row.canonical}'`}`, () => {
      if (row.error) {
        assert.throws(
          () => p({ podSelector: row.selector, value: '1' }),
          (e: Error & { field?: string }) => {
            assert.equal(e.field, 'podSelector');
            assert.match(e.message, /^kubernetes-workload: error parsing pod selector: /);
            assert.match(e.message, row.error!);
            assert.ok(e.message.includes(`got '${row.selector}'`), e.message);
            return true;
          },
        );
      } else assert.equal(p({ podSelector: row.selector, value: '1' }).podSelector, row.canonical);
    });
  }
});

test('value accepts fractions; activationValue defaults to 0; groupByNode to false; a namespace-less parse counts in default', () => {
  assert.deepEqual(p({ podSelector: 'app=demo', value: '0.5', activationValue: '3' }), {
    podSelector: 'app=demo',
    value: 0.5,
    activationValue: 3,
    groupByNode: false,
    namespace: 'default',
  });
  assert.deepEqual(p({ podSelector: 'app=demo', value: '2' }), {
    podSelector: 'app=demo',
    value: 2,
    activationValue: 0,
    groupByNode: false,
    namespace: 'default',
  });
  assert.throws(() => p({ podSelector: 'app=demo', value: '-1' }), { field: 'value', message: /greater than 0, got '-1'/ });
});

test('metricType Value targets the count itself; the activation threshold is activationValue', () => {
  const config = p({ podSelector: 'app=demo', value: '3', activationValue: '1' }, 'jobs');
  assert.deepEqual(descriptor.metricSpecs(config, 2, 'Value'), [{ metricName: 's2-workload-jobs', kind: 'External', targetType: 'Value', target: 3 }]);
  assert.equal(descriptor.activationThreshold(config), 1);
});

test('validate and simulate name the metric after the object namespace, as the operator does', () => {
  const r = checkTriggerOffline({ type: 'kubernetes-workload', metadata: { podSelector: 'app=a', value: '2' } }, 1, 'shop');
  assert.ok(r.ok);
  assert.equal(r.described.metricSpecs[0].metricName, 's1-workload-shop');
  assert.deepEqual(r.unknownKeys, []);
});

describe('the reader', () => {
  test('opens one watch of (namespace, canonical selector) on the first read, reuses it on every read, gives it back on close', async () => {
    const f = fakeWatcher(demoPods(3));
    const config: KubernetesWorkloadConfig = p({ podSelector: 'tier in (b,a),app=x', value: '1' }, 'shop');
    const s = buildScaler({
      trigger: { type: 'kubernetes-workload', metadata: { podSelector: 'tier in (b,a),app=x', value: '1' }, useCachedMetrics: false },
      triggerIndex: 0,
      namespace: 'shop',
      objectName: 'so',
      objectKind: 'ScaledObject',
      authParams: {},
      resolvedEnv: {},
      httpTimeoutMs: 1000,
      podWatcher: f.watcher,
    });
    assert.deepEqual(f.opened, [], 'no watch before the first read');
    // hygiene: allow-table three reads of one reader: one watch serves them all
    for (let i = 0; i < 3; i++) assert.equal((await s.read(AbortSignal.timeout(1000))).metrics[0].value, 3);
    assert.deepEqual(f.opened, [['shop', config.podSelector]]);
    assert.equal(config.podSelector, 'app=x,tier in (a,b)');
    await s.close();
    await s.close();
    assert.equal(f.closed, 1);
    await assert.rejects(s.read(AbortSignal.timeout(1000)), { name: 'ReadError', message: /closed/ });
  });

  test('a read fails with the watch’s ReadError', async () => {
    const failing: PodWatch = {
      pods: async () => {
        throw new ReadError('auth', 'kubernetes-workload: pods is forbidden');
      },
      close: () => undefined,
    };
    const r = workloadReader(p({ podSelector: 'app=a', value: '1' }), 's0-workload-default', () => failing);
    await assert.rejects(r.read(AbortSignal.timeout(1000)), { name: 'ReadError', kind: 'auth' });
  });

  test('without a pod watcher (updraft up, probe) every read says the operator on a cluster is needed, after the metric is named', async () => {
    const s = buildScaler({
      trigger: { type: 'kubernetes-workload', metadata: { podSelector: 'app=a', value: '2' }, useCachedMetrics: false },
      triggerIndex: 0,
      namespace: 'default',
      objectName: 'so',
      objectKind: 'ScaledObject',
      authParams: {},
      resolvedEnv: {},
      httpTimeoutMs: 1000,
    });
    assert.equal(s.metricSpecs[0].metricName, 's0-workload-default');
    await assert.rejects(
      s.read(AbortSignal.timeout(1000)),
      (e: ReadError) => e instanceof ReadError && e.kind === 'other' && e.message === NO_CLUSTER && /needs the operator on a cluster/.test(e.message),
    );
    await s.close();
  });
});
