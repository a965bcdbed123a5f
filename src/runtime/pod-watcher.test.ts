import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { matchesLabels, parseLabelSelector } from '../api/label-selector.ts';
import { KubeApiError, type KubeClient, type KubeList, type KubeObject } from '../kube/client.ts';
import { eventually } from '../../test/support/wait.ts';
import { PodWatchers } from './pod-watcher.ts';

interface Pod extends KubeObject {
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

/** The two calls a ListWatch makes, over an in-memory set of pods; watches stay open until aborted. */
class FakeApi {
  pods: Pod[] = [];
  lists: Array<{ namespace?: string; labelSelector?: string }> = [];
  watches: Array<{ path: string; labelSelector?: string; res: PassThrough; open: boolean }> = [];
  /** Make the next lists fail with this (until cleared), or never answer. */
  listFailure?: Error | 'hang';
  rv = 1;

  pod(namespace: string, name: string, labels: Record<string, string>, phase?: string, nodeName?: string): Pod {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { namespace, name, labels, resourceVersion: String(++this.rv) },
      ...(nodeName ? { spec: { nodeName } } : {}),
      ...(phase ? { status: { phase } } : {}),
    };
  }

  /** Sends a watch event to every open watch whose selector and namespace match. */
  emit(type: 'ADDED' | 'MODIFIED' | 'DELETED', pod: Pod): void {
    for (const w of this.watches) {
      if (!w.open || !w.path.includes(`/namespaces/${pod.metadata.namespace}/`)) continue;
      if (!matchesLabels(parseLabelSelector(w.labelSelector ?? ''), pod.metadata.labels ?? {})) continue;
      w.res.write(`${JSON.stringify({ type, object: pod })}\n`);
    }
  }

  client(): KubeClient {
    const api = this;
    const list = async (_gvr: unknown, opts: { namespace?: string; labelSelector?: string }): Promise<KubeList<Pod>> => {
      api.lists.push({ namespace: opts.namespace, labelSelector: opts.labelSelector });
      if (api.listFailure === 'hang') return new Promise(() => undefined);
      if (api.listFailure) throw api.listFailure;
      const sel = parseLabelSelector(opts.labelSelector ?? '');
      const items = api.pods.filter((p) => p.metadata.namespace === opts.namespace && matchesLabels(sel, p.metadata.labels ?? {}));
      return { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: String(api.rv) }, items };
    };
    return {
      list,
      listAll: list,
      async stream(path: string, query: Record<string, string | undefined>, signal: AbortSignal) {
        const res = new PassThrough();
        const w = { path, labelSelector: query.labelSelector, res, open: true };
        api.watches.push(w);
        signal.addEventListener(
          'abort',
          () => {
            w.open = false;
            res.end();
          },
          { once: true },
        );
        return res;
      },
    } as unknown as KubeClient;
  }

  openWatches(): number {
    return this.watches.filter((w) => w.open).length;
  }
}

const signal = () => AbortSignal.timeout(5000);

describe("the operator's pod watches", () => {
  test('triggers on the same (namespace, selector) share ONE list and ONE watch; reads count from its store; the last close stops it', async () => {
    const api = new FakeApi();
    api.pods = [
      api.pod('shop', 'a-1', { app: 'a', tier: 'web' }, 'Running', 'n1'),
      api.pod('shop', 'a-2', { app: 'a', tier: 'web' }, 'Succeeded'),
      api.pod('shop', 'b-1', { app: 'b' }, 'Running'),
      api.pod('other', 'a-3', { app: 'a', tier: 'web' }),
    ];
    const w = new PodWatchers(api.client());
    const first = w.watcher('shop', 'app=a,tier=web');
    const second = w.watcher('shop', 'tier = web, app = a');
    assert.equal(w.size, 1);
    assert.deepEqual(await first.pods(signal()), [{ phase: 'Running', nodeName: 'n1' }, { phase: 'Succeeded' }]);
    // hygiene: allow-table twenty reads through one shared watch: none of them asks the API server
    for (let i = 0; i < 20; i++) assert.equal((await second.pods(signal())).length, 2);
    assert.deepEqual(api.lists, [{ namespace: 'shop', labelSelector: 'app=a,tier=web' }]);
    await eventually('the watch to be open', async () => (api.openWatches() === 1 ? true : undefined), 5000, 10);
    assert.deepEqual(
      w.info().map((i) => ({ ns: i.namespace, sel: i.labelSelector, holders: i.holders, lists: i.stats.lists, pods: i.pods })),
      [{ ns: 'shop', sel: 'app=a,tier=web', holders: 2, lists: 1, pods: 2 }],
    );

    // The watch keeps the store current: an added pod and a phase change are seen without another list.
    api.emit('ADDED', api.pod('shop', 'a-4', { app: 'a', tier: 'web' }, 'Pending'));
    await eventually('the added pod', async () => ((await first.pods(signal())).length === 3 ? true : undefined), 5000, 10);
    api.emit('DELETED', api.pod('shop', 'a-1', { app: 'a', tier: 'web' }, 'Running'));
    await eventually('the deleted pod', async () => ((await first.pods(signal())).length === 2 ? true : undefined), 5000, 10);
    assert.equal(api.lists.length, 1);

    first.close();
    first.close(); // idempotent: the second holder still holds it
    assert.equal(w.size, 1);
    assert.equal(api.openWatches(), 1);
    second.close();
    assert.equal(w.size, 0);
    await eventually('the watch to be closed', async () => (api.openWatches() === 0 ? true : undefined), 5000, 10);
    await w.stop();
  });

  test('another namespace or another selector is another watch; an empty list syncs (0 pods)', async () => {
    const api = new FakeApi();
    const w = new PodWatchers(api.client());
    const a = w.watcher('shop', 'app=a');
    const b = w.watcher('shop', 'app=b');
    const c = w.watcher('jobs', 'app=a');
    assert.equal(w.size, 3);
    assert.deepEqual(await a.pods(signal()), []);
    assert.deepEqual(await b.pods(signal()), []);
    assert.deepEqual(await c.pods(signal()), []);
    assert.deepEqual(api.lists.map((l) => `${l.namespace}:${l.labelSelector}`).sort(), ['jobs:app=a', 'shop:app=a', 'shop:app=b']);
    await w.stop();
    assert.equal(w.size, 0);
    assert.throws(() => w.watcher('shop', 'app=a'), { name: 'ReadError', message: /stopping/ });
  });

  test('a forbidden list fails the read at once as an auth ReadError naming the RBAC need; the watch retries and recovers', async () => {
    const api = new FakeApi();
    api.listFailure = new KubeApiError(
      403,
      'Forbidden',
      'pods is forbidden: User "system:serviceaccount:keda:updraft" cannot list resource "pods"',
      'GET',
      '/api/v1/namespaces/shop/pods',
    );
    const errors: string[] = [];
    const w = new PodWatchers(api.client(), {
      listWatch: { backoffInitialMs: 10, backoffMaxMs: 20 },
      onError: (ns, sel, err) => errors.push(`${ns} ${sel} ${err.message}`),
    });
    const h = w.watcher('shop', 'app=a');
    await assert.rejects(h.pods(signal()), (e: Error & { kind?: string }) => {
      assert.equal(e.name, 'ReadError');
      assert.equal(e.kind, 'auth');
      assert.match(e.message, /^kubernetes-workload: cannot list pods in namespace shop matching app=a: .*403 Forbidden/);
      assert.match(e.message, /needs list and watch on pods/);
      return true;
    });
    assert.ok(errors.length >= 1 && errors[0].startsWith('shop app=a'), errors.join('\n'));
    api.pods = [api.pod('shop', 'a-1', { app: 'a' }, 'Running')];
    api.listFailure = undefined;
    await eventually(
      'the read to recover after the retry',
      async () =>
        (await h.pods(signal()).then(
          (p) => p.length === 1,
          () => false,
        )) || undefined,
      5000,
      10,
    );
    h.close();
    await w.stop();
  });

  test("an unreachable API server is an unreachable ReadError; a list that never answers ends at the read's deadline", async () => {
    const api = new FakeApi();
    api.listFailure = new KubeApiError(0, 'NetworkError', 'connect ECONNREFUSED 127.0.0.1:6443', 'GET', '/api/v1/namespaces/shop/pods');
    const w = new PodWatchers(api.client(), { listWatch: { backoffInitialMs: 10, backoffMaxMs: 20 } });
    await assert.rejects(w.watcher('shop', 'app=a').pods(signal()), { name: 'ReadError', kind: 'unreachable', message: /ECONNREFUSED/ });
    await w.stop();

    const hanging = new FakeApi();
    hanging.listFailure = 'hang';
    const w2 = new PodWatchers(hanging.client());
    const started = Date.now();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), 100); // (a ref'd timer: AbortSignal.timeout's would not hold the test open)
    await assert.rejects(w2.watcher('shop', 'app=a').pods(deadline.signal), {
      name: 'ReadError',
      kind: 'timeout',
      message: /first list of pods in namespace shop did not finish in time/,
    });
    clearTimeout(timer);
    assert.ok(Date.now() - started < 2000);
    void w2.stop();
  });

  test('a read waiting for the first list ends when its watch is closed', async () => {
    const api = new FakeApi();
    api.listFailure = 'hang';
    const w = new PodWatchers(api.client());
    const h = w.watcher('shop', 'app=a');
    const pending = h.pods(signal());
    h.close();
    await assert.rejects(pending, { name: 'ReadError', message: /pod watch of namespace shop was closed/ });
    void w.stop();
  });
});
