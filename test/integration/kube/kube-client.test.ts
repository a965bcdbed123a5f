// The Kubernetes plumbing against a real kube-apiserver (scripts/control-plane): client, list-watch, status
// writes and Events.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../support/control-plane.ts';
import { waitFor } from '../../support/wait.ts';
import {
  GVR,
  isAlreadyExists,
  isConflict,
  isNotFound,
  KubeApiError,
  KubeClient,
  type GroupVersionResource,
  type KubeObject,
} from '../../../src/kube/client.ts';
import { ListWatch } from '../../../src/kube/list-watch.ts';
import { updateStatus } from '../../../src/kube/status.ts';
import { EventRecorder } from '../../../src/kube/events.ts';

let cp: ControlPlane;
let client: KubeClient;

// A small CRD with status and scale subresources, so custom objects, /status and /scale are exercised on a kind
// the API server does not know natively.
const WIDGETS: GroupVersionResource = { group: 'test.updraft.dev', version: 'v1', resource: 'widgets' };
const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.test.updraft.dev' },
  spec: {
    group: 'test.updraft.dev',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
      },
    ],
  },
};

interface Widget extends KubeObject {
  spec: { replicas?: number; color?: string };
  status?: { replicas?: number; conditions?: Array<{ type: string; status: string }>; health?: Record<string, { n: number }> };
}
const widget = (name: string, ns = 'default', spec: Widget['spec'] = { replicas: 1 }): Widget => ({
  apiVersion: 'test.updraft.dev/v1',
  kind: 'Widget',
  metadata: { name, namespace: ns },
  spec,
});

before(async () => {
  cp = await startControlPlane();
  client = await KubeClient.fromEnvironment({ kubeconfig: cp.kubeconfig });
  await client.create(GVR.customResourceDefinitions, widgetCrd as unknown as KubeObject);
  await waitFor('widgets CRD established', async () => {
    await client.list(WIDGETS, { namespace: 'default' });
    return true;
  });
  for (const ns of ['lw-a', 'lw-b']) await client.create(GVR.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
});

after(async () => {
  client?.close();
  await cp?.stop();
});

describe('client', () => {
  test('many sequential requests share one keep-alive TLS connection', async () => {
    const c = await KubeClient.fromEnvironment({ kubeconfig: cp.kubeconfig });
    try {
      for (let i = 0; i < 50; i++) await c.get(GVR.namespaces, undefined, 'default');
      assert.equal(c.connectionsOpened, 1);
      // client-node's generated APIs, made through the client, use the same agent.
      const core = await c.makeApiClient(CoreV1Api);
      for (let i = 0; i < 10; i++) assert.equal((await core.readNamespace({ name: 'default' })).metadata?.name, 'default');
      assert.equal(c.connectionsOpened, 1);
    } finally {
      c.close();
    }
  });

  test('API errors keep the status code and reason (NotFound, AlreadyExists, Conflict, Invalid)', async () => {
    const missing = await client.get(GVR.configMaps, 'default', 'no-such-thing').catch((e: unknown) => e);
    assert.ok(missing instanceof KubeApiError && isNotFound(missing));
    assert.equal((missing as KubeApiError).reason, 'NotFound');
    assert.match((missing as KubeApiError).message, /configmaps "no-such-thing" not found/);

    const cm = await client.create(GVR.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'errs', namespace: 'default' }, data: { a: '1' } });
    const dup = await client
      .create(GVR.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'errs', namespace: 'default' } })
      .catch((e: unknown) => e);
    assert.ok(isAlreadyExists(dup), String(dup));
    await client.update(GVR.configMaps, { ...cm, data: { a: '2' } });
    const stale = await client.update(GVR.configMaps, { ...cm, data: { a: '3' } }).catch((e: unknown) => e);
    assert.ok(isConflict(stale), String(stale));
    assert.equal((stale as KubeApiError).reason, 'Conflict');
    const invalid = await client
      .create(GVR.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name', namespace: 'default' } })
      .catch((e: unknown) => e);
    assert.equal((invalid as KubeApiError).code, 422);
    assert.equal((invalid as KubeApiError).reason, 'Invalid');
  });

  test('merge patch, JSON patch, server-side apply and delete work on any resource', async () => {
    await client.create(WIDGETS, widget('patchy'));
    const merged = await client.mergePatch<Widget>(WIDGETS, 'default', 'patchy', { spec: { color: 'red' } });
    assert.deepEqual(merged.spec, { replicas: 1, color: 'red' });
    const jsonPatched = await client.jsonPatch<Widget>(WIDGETS, 'default', 'patchy', [
      { op: 'test', path: '/metadata/resourceVersion', value: merged.metadata.resourceVersion },
      { op: 'replace', path: '/spec/color', value: 'blue' },
    ]);
    assert.equal(jsonPatched.spec.color, 'blue');
    const stale = await client
      .jsonPatch(WIDGETS, 'default', 'patchy', [{ op: 'test', path: '/metadata/resourceVersion', value: merged.metadata.resourceVersion }])
      .catch((e: unknown) => e);
    assert.ok(stale instanceof KubeApiError && (stale.code === 422 || stale.code === 409), String(stale));
    const applied = await client.apply<Widget>(WIDGETS, widget('applied', 'default', { replicas: 2, color: 'green' }), { fieldManager: 'updraft-test' });
    assert.equal(applied.spec.color, 'green');
    assert.equal(await client.delete(WIDGETS, 'default', 'applied'), true);
    assert.equal(await client.delete(WIDGETS, 'default', 'applied'), false, 'deleting twice is not an error');
  });

  test('the /scale subresource reads and writes replicas of Deployments and custom resources', async () => {
    await client.create(GVR.deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    });
    const deploy = await client.resolveKind('apps/v1', 'Deployment');
    assert.deepEqual([deploy.resource, deploy.namespaced, deploy.subresources.includes('scale')], ['deployments', true, true]);
    assert.equal((await client.getScale(deploy, 'default', 'web')).spec.replicas, 1);
    await client.patchScale(deploy, 'default', 'web', 3);
    assert.equal((await client.get<KubeObject & { spec: { replicas: number } }>(GVR.deployments, 'default', 'web')).spec.replicas, 3);
    // At zero the API server omits spec.replicas (omitempty); the client reads it as 0, never as a missing count.
    assert.equal((await client.patchScale(deploy, 'default', 'web', 0)).spec.replicas, 0);
    assert.equal((await client.getScale(deploy, 'default', 'web')).spec.replicas, 0);

    await client.create(WIDGETS, widget('scalable'));
    const w = await client.resolveKind('test.updraft.dev/v1', 'Widget');
    assert.equal(w.resource, 'widgets');
    const scaled = await client.patchScale(w, 'default', 'scalable', 5);
    assert.equal(scaled.spec.replicas, 5);
    assert.equal((await client.get<Widget>(WIDGETS, 'default', 'scalable')).spec.replicas, 5);
    await assert.rejects(client.resolveKind('test.updraft.dev/v1', 'Gadget'), /no resource of kind Gadget in test.updraft.dev\/v1/);
  });
});

describe('status', () => {
  test('status is patched only when it changed, and a conflicting writer is retried', async () => {
    const created = await client.create<Widget>(WIDGETS, widget('stat'));
    const first = await updateStatus<NonNullable<Widget['status']>, Widget>(
      client,
      WIDGETS,
      { namespace: 'default', name: 'stat' },
      (s) => ({ ...s, replicas: 1, health: { s0: { n: 1 }, s1: { n: 0 } } }),
      { current: created },
    );
    assert.equal(first.changed, true);
    const same = await updateStatus<NonNullable<Widget['status']>, Widget>(client, WIDGETS, { namespace: 'default', name: 'stat' }, (s) => ({
      ...s,
      replicas: 1,
    }));
    assert.deepEqual([same.changed, same.attempts], [false, 0]);
    assert.equal(same.object.metadata.resourceVersion, first.object.metadata.resourceVersion, 'nothing was written');

    // Someone else writes the spec after we read: our conditional patch conflicts, is re-read and re-applied.
    await client.mergePatch(WIDGETS, 'default', 'stat', { spec: { color: 'x' } });
    const retried = await updateStatus<NonNullable<Widget['status']>, Widget>(
      client,
      WIDGETS,
      { namespace: 'default', name: 'stat' },
      (s) => ({ replicas: s.replicas, health: { s0: { n: 2 } } }), // s1 removed → sent as null
      { current: first.object },
    );
    assert.deepEqual([retried.changed, retried.attempts], [true, 2]);
    const now = await client.get<Widget>(WIDGETS, 'default', 'stat');
    assert.deepEqual(now.status, { replicas: 1, health: { s0: { n: 2 } } });
    assert.equal(now.spec.color, 'x', 'the spec written by the other writer survives');
  });
});

describe('list-watch', () => {
  interface Seen {
    adds: string[];
    updates: string[];
    deletes: string[];
  }
  const track = (lw: ListWatch<Widget>): Seen => {
    const seen: Seen = { adds: [], updates: [], deletes: [] };
    lw.on({
      onAdd: (o) => seen.adds.push(`${o.metadata.namespace}/${o.metadata.name}`),
      onUpdate: (_, o) => seen.updates.push(`${o.metadata.namespace}/${o.metadata.name}:${o.spec.color ?? ''}`),
      onDelete: (o) => seen.deletes.push(`${o.metadata.namespace}/${o.metadata.name}`),
    });
    return seen;
  };

  test('lists, then sees creates, updates and deletes in the watched namespaces only', async () => {
    await client.create(WIDGETS, widget('pre', 'lw-a'));
    const lw = new ListWatch<Widget>(client, { gvr: WIDGETS, namespaces: ['lw-a', 'lw-b'] });
    const seen = track(lw);
    lw.start();
    await lw.waitForSync(20_000);
    assert.ok(lw.hasSynced());
    assert.deepEqual(seen.adds, ['lw-a/pre']);
    await client.create(WIDGETS, widget('w1', 'lw-b'));
    await client.create(WIDGETS, widget('elsewhere', 'default'));
    await client.mergePatch(WIDGETS, 'lw-a', 'pre', { spec: { color: 'red' } });
    await client.delete(WIDGETS, 'lw-b', 'w1');
    await waitFor('events', async () => seen.deletes.length === 1, 10_000);
    assert.deepEqual(seen.adds, ['lw-a/pre', 'lw-b/w1']);
    assert.deepEqual(seen.updates, ['lw-a/pre:red']);
    assert.deepEqual(seen.deletes, ['lw-b/w1']);
    assert.equal(lw.get('lw-a', 'pre')?.spec.color, 'red');
    assert.equal(lw.get('default', 'elsewhere'), undefined);
    await lw.stop();
  });

  test('a label selector limits what is listed and watched', async () => {
    const lw = new ListWatch<Widget>(client, { gvr: WIDGETS, namespaces: ['lw-a'], labelSelector: 'team=blue' });
    const seen = track(lw);
    lw.start();
    await lw.waitForSync(20_000);
    await client.create(WIDGETS, { ...widget('red-team', 'lw-a'), metadata: { name: 'red-team', namespace: 'lw-a', labels: { team: 'red' } } });
    await client.create(WIDGETS, { ...widget('blue-team', 'lw-a'), metadata: { name: 'blue-team', namespace: 'lw-a', labels: { team: 'blue' } } });
    await waitFor('blue add', async () => seen.adds.length === 1, 10_000);
    assert.deepEqual(seen.adds, ['lw-a/blue-team']);
    await lw.stop();
  });

  test('a dropped connection, a server-side timeout and a silent watch all recover without losing events', async () => {
    const own = await KubeClient.fromEnvironment({ kubeconfig: cp.kubeconfig });
    const errors: string[] = [];
    const lw = new ListWatch<Widget>(own, { gvr: WIDGETS, namespaces: ['lw-b'], watchTimeoutSeconds: 2, silenceTimeoutMs: 1_500, backoffInitialMs: 100 });
    const seen = track(lw);
    lw.on({ onError: (e, what) => errors.push(`${what}: ${e.message}`) });
    lw.start();
    await lw.waitForSync(20_000);

    await waitFor('the watch request after the list', async () => lw.stats.watches >= 1, 10_000, 20);
    own.dropConnections(); // kill the watch's TCP connection
    await client.create(WIDGETS, widget('after-drop', 'lw-b'));
    await waitFor('add after the connection was dropped', async () => seen.adds.includes('lw-b/after-drop'), 15_000);

    // Let several server-side timeouts (2 s) and silent periods pass (counted restarts), then change things again.
    const restarts = () => lw.stats.watches + lw.stats.silentRestarts;
    const before = restarts();
    await waitFor('two watch restarts while idle', async () => restarts() >= before + 2, 20_000, 50);
    await client.mergePatch(WIDGETS, 'lw-b', 'after-drop', { spec: { color: 'late' } });
    await client.delete(WIDGETS, 'lw-b', 'after-drop');
    await waitFor('update and delete after idle periods', async () => seen.deletes.includes('lw-b/after-drop'), 15_000);
    assert.ok(seen.updates.includes('lw-b/after-drop:late'));
    assert.ok(lw.stats.watches >= 3, `watches restarted: ${JSON.stringify(lw.stats)}`);
    assert.ok(lw.stats.silentRestarts + lw.stats.watches > 3);
    assert.ok(
      errors.some((e) => e.startsWith('watch')),
      `the dropped connection was reported: ${errors.join('; ')}`,
    );
    await lw.stop();
    own.close();
  });

  test('an expired resourceVersion (410 Gone) leads to a relist that fills the store', async () => {
    await client.create(WIDGETS, widget('known', 'lw-a'));
    const lw = new ListWatch<Widget>(client, { gvr: WIDGETS, namespaces: ['lw-a'], startResourceVersion: '1' });
    const seen = track(lw);
    lw.start();
    await waitFor('relist after 410', async () => lw.stats.goneRelists >= 1 && seen.adds.includes('lw-a/known'), 20_000);
    assert.ok(lw.stats.lists >= 1);
    await client.create(WIDGETS, widget('after-gone', 'lw-a'));
    await waitFor('watch resumed after relist', async () => seen.adds.includes('lw-a/after-gone'), 10_000);
    await lw.stop();
  });
});

describe('events', () => {
  interface CoreEvent {
    reason: string;
    message: string;
    count: number;
    type: string;
    source?: { component?: string };
    reportingComponent?: string;
  }
  const eventsFor = async (name: string): Promise<CoreEvent[]> => {
    const list = await client.list<KubeObject & CoreEvent>(GVR.events, { namespace: 'default', fieldSelector: `involvedObject.name=${name}` });
    return list.items;
  };

  test('repeated events are counted on one Event, shown by kubectl describe, without secrets', async () => {
    const target = await client.create<Widget>(WIDGETS, widget('evented'));
    const recorder = new EventRecorder(client, { instance: 'test-pod' });
    for (let i = 0; i < 3; i++) recorder.event(target, 'Normal', 'KEDAScaleTargetActivated', 'Scaled test.updraft.dev/v1.Widget default/evented from 0 to 1');
    recorder.event(target, 'Warning', 'KEDAScalerFailed', 'error connecting to amqp://guest:hunter2@rabbit:5672/ password=s3cret');
    await recorder.flush();
    const events = await eventsFor('evented');
    const activated = events.filter((e) => e.reason === 'KEDAScaleTargetActivated');
    assert.equal(activated.length, 1);
    assert.equal(activated[0].count, 3);
    assert.equal(activated[0].source?.component, 'keda-operator');
    assert.equal(activated[0].reportingComponent, 'keda-operator');
    const failed = events.find((e) => e.reason === 'KEDAScalerFailed');
    assert.equal(failed?.type, 'Warning');
    assert.doesNotMatch(failed?.message ?? '', /hunter2|s3cret/);
    const described = await cp.kubectl(['describe', 'widgets.test.updraft.dev', 'evented', '-n', 'default']);
    assert.match(described, /KEDAScaleTargetActivated/);
    assert.match(described, /\(x3 over/);
  });

  test('a flapping decision with changing messages is folded instead of creating an Event each time', async () => {
    const target = await client.create<Widget>(WIDGETS, widget('flappy'));
    const recorder = new EventRecorder(client);
    for (let i = 0; i < 30; i++) recorder.event(target, 'Normal', 'ScaledObjectFallbackActivated', `fallback flip ${i}`);
    await recorder.flush();
    const events = (await eventsFor('flappy')).filter((e) => e.reason === 'ScaledObjectFallbackActivated');
    const total = events.reduce((n, e) => n + e.count, 0);
    assert.ok(events.length <= 11, `${events.length} Events`);
    assert.ok(events.some((e) => e.message.startsWith('(combined from similar events): ')));
    assert.ok(total <= 25, `rate limited to the burst, counted ${total}`);
    assert.equal(recorder.dropped, 30 - 25);
  });
});
