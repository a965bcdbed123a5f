// kubernetes-workload reads count from the operator's shared pod watch (src/runtime/pod-watcher.ts): what a poll
// costs is copying the watch's store and counting, for 10, 100 and 1000 matching pods. The API server is an
// in-memory stand-in answering the one list and holding the one watch (a watch costs nothing per read), so the
// numbers are the cache's; the requests line shows 500 triggers on one selector share one list and one watch.
import { PassThrough } from 'node:stream';
import type { KubeClient } from '../src/kube/client.ts';
import { PodWatchers } from '../src/runtime/pod-watcher.ts';
import { buildScaler } from '../src/scalers/index.ts';
import type { Scaler } from '../src/scalers/scaler.ts';
import { contextFor } from '../test/support/scaler-context.ts';

function fakeApi(pods: number): { client: KubeClient; requests: { lists: number; watches: number } } {
  const requests = { lists: 0, watches: 0 };
  const items = Array.from({ length: pods }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: 'default', name: `a-${i}`, labels: { app: 'a' }, resourceVersion: String(i + 1) },
    spec: { nodeName: `node-${i % 7}` },
    status: { phase: i % 10 === 0 ? 'Succeeded' : 'Running' },
  }));
  const list = async () => {
    requests.lists++;
    return { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: String(pods + 1) }, items };
  };
  const client = {
    list,
    listAll: list,
    async stream(_path: string, _query: unknown, signal: AbortSignal) {
      requests.watches++;
      const res = new PassThrough();
      signal.addEventListener('abort', () => res.end(), { once: true });
      return res;
    },
  } as unknown as KubeClient;
  return { client, requests };
}

export async function benchKubernetesWorkload(measure: (name: string, scaler: Scaler) => Promise<void>): Promise<void> {
  for (const n of [10, 100, 1000]) {
    const { client } = fakeApi(n);
    const watches = new PodWatchers(client);
    await measure(
      `kubernetes-workload (${n} pods, watch)`,
      buildScaler(contextFor('kubernetes-workload', { podSelector: 'app=a', value: '2' }, { podWatcher: watches.watcher })),
    );
    await watches.stop();
  }
  const { client, requests } = fakeApi(100);
  const watches = new PodWatchers(client);
  const many = Array.from({ length: 500 }, () =>
    buildScaler(contextFor('kubernetes-workload', { podSelector: 'app=a', value: '2' }, { podWatcher: watches.watcher })),
  );
  await Promise.all(many.map((s) => s.read(AbortSignal.timeout(10_000))));
  console.log(
    `kubernetes-workload: 500 triggers on one selector hold ${watches.size} pod watch(es): ${requests.lists} list and ${requests.watches} watch request(s)`,
  );
  await Promise.all(many.map((s) => s.close()));
  console.log(`kubernetes-workload: after the last close ${watches.size} pod watch(es) held`);
  await watches.stop();
}
