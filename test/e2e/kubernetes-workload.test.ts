// kubernetes-workload on a real control plane (kwok nodes run the pods): a ScaledObject scales Deployment B on the
// number of pods of Deployment A, a second one (groupByNode) scales C on the number of nodes A's pods run on. Both
// select app=a in one namespace, so they share ONE pod ListWatch; the operator's pod list/watch requests do not
// grow with the polls, and the watch is stopped when its last trigger goes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { GroupVersionResource } from '../../src/kube/client.ts';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { deploymentObject } from '../support/manifests.ts';
import { installCrds } from '../support/metrics-api-registration.ts';
import { startTestOperator, type TestOperator } from '../support/test-operator.ts';
import { eventually as poll } from '../support/wait.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const helm = join(process.env.UPDRAFT_CACHE ?? join(homedir(), '.cache', 'updraft'), 'helm', 'v3.22.0', 'bin', 'helm');
const eventually = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000) => poll(what, check, timeoutMs, 200);

describe('kubernetes-workload on a real control plane', { timeout: 600_000 }, () => {
  let cp: ControlPlane;
  let op: TestOperator;
  /** The operator's own requests for pods: lists (each page) and watches. */
  const podRequests = { lists: 0, watches: 0 };

  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
  const replicas = async (name: string) => (await getJson<{ spec: { replicas: number } }>(['get', 'deployment', name])).spec.replicas;
  const scaledObject = (name: string, target: string, metadata: Record<string, string>) =>
    kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name, namespace: 'default' },
        spec: {
          scaleTargetRef: { name: target },
          pollingInterval: 1,
          cooldownPeriod: 3,
          minReplicaCount: 0,
          maxReplicaCount: 10,
          triggers: [{ type: 'kubernetes-workload', metadata }],
        },
      }),
    );
  /** What KEDA counts: A's pods not Succeeded/Failed, and the distinct nodes of the scheduled ones. */
  const podsOfA = async () => {
    const pods = (await getJson<{ items: Array<{ spec: { nodeName?: string }; status: { phase?: string } }> }>(['get', 'pods', '-l', 'app=a'])).items.filter(
      (p) => p.status.phase !== 'Succeeded' && p.status.phase !== 'Failed',
    );
    return { count: pods.length, nodes: new Set(pods.map((p) => p.spec.nodeName).filter(Boolean)).size };
  };
  /** `n` polls of `so` after now, each read value `value`. */
  const pollsReading = async (so: string, value: number, n: number) => {
    const seen = new Set<number>();
    const since = Date.now();
    await eventually(`${n} polls of ${so} reading ${value}`, async () => {
      const last = op.op.controller.runner('default', so)?.last;
      if (last && last.at > since && last.readings[0]?.metrics[0]?.value === value) seen.add(last.at);
      return seen.size >= n ? true : undefined;
    });
  };

  before(async () => {
    cp = await startControlPlane({ nodes: 3 });
    await installCrds(cp, root);
    op = await startTestOperator(cp);
    // Count the operator's pod requests at the client (the ListWatch asks through these two calls).
    const client = op.client;
    const list = client.list.bind(client);
    const stream = client.stream.bind(client);
    client.list = ((gvr: GroupVersionResource, opts) => {
      if (gvr.resource === 'pods') podRequests.lists++;
      return list(gvr, opts);
    }) as typeof client.list;
    client.stream = ((path, query, signal) => {
      if (/\/pods$/.test(path)) podRequests.watches++;
      return stream(path, query, signal);
    }) as typeof client.stream;
  });

  after(async () => {
    await op?.stop();
    await cp?.stop();
  });

  test("B follows the pod count of A (value 2): 0 → 4 pods gives 2 replicas, back to 0 after cooldown; C follows A's nodes (groupByNode)", async () => {
    for (const name of ['a', 'b', 'c']) await kubectl(['apply', '-f', '-'], JSON.stringify(deploymentObject(name, 0)));
    await scaledObject('b-follows-a', 'b', { podSelector: 'app=a', value: '2' });
    await scaledObject('c-follows-nodes', 'c', { podSelector: 'app = a', value: '1', groupByNode: 'true' });
    const status = await eventually(
      'externalMetricNames in the status',
      async () => (await getJson<{ status?: { externalMetricNames?: string[] } }>(['get', 'scaledobject', 'b-follows-a'])).status?.externalMetricNames,
    );
    assert.deepEqual(status, ['s0-workload-default']);
    await pollsReading('b-follows-a', 0, 2);
    assert.equal(await replicas('b'), 0);

    await kubectl(['scale', 'deployment', 'a', '--replicas=4']);
    await eventually('4 pods of A', async () => ((await podsOfA()).count === 4 ? true : undefined));
    await eventually('B at 2 replicas (4 pods / value 2)', async () => ((await replicas('b')) === 2 ? true : undefined));
    const { nodes } = await eventually("A's pods scheduled", async () => {
      const a = await podsOfA();
      return a.nodes > 0 &&
        (await getJson<{ items: Array<{ spec: { nodeName?: string } }> }>(['get', 'pods', '-l', 'app=a'])).items.every((p) => p.spec.nodeName)
        ? a
        : undefined;
    });
    await eventually(`C at ${nodes} replicas (the nodes A's pods run on)`, async () => ((await replicas('c')) === nodes ? true : undefined));

    // The reads count from the watch: ten more polls of each object, no further pod list or watch request.
    const before = { ...podRequests };
    await pollsReading('b-follows-a', 4, 10);
    await pollsReading('c-follows-nodes', nodes, 10);
    assert.deepEqual(podRequests, before, 'no pod request per poll');
    assert.equal(podRequests.lists, 1, 'one pod list for both triggers');
    assert.equal(podRequests.watches, 1, 'one pod watch for both triggers');
    const info = op.op.podWatches.info();
    assert.deepEqual(
      info.map((w) => ({ namespace: w.namespace, labelSelector: w.labelSelector, holders: w.holders, synced: w.synced, lists: w.stats.lists })),
      [{ namespace: 'default', labelSelector: 'app=a', holders: 2, synced: true, lists: 1 }],
    );

    await kubectl(['scale', 'deployment', 'a', '--replicas=0']);
    await eventually('B back to 0 after cooldown', async () => ((await replicas('b')) === 0 ? true : undefined));
    await eventually('C back to 0 after cooldown', async () => ((await replicas('c')) === 0 ? true : undefined));
    const active = (
      await getJson<{ status: { conditions: Array<{ type: string; status: string }> } }>(['get', 'scaledobject', 'b-follows-a'])
    ).status.conditions.find((c) => c.type === 'Active');
    assert.equal(active?.status, 'False');
  });

  test('the shared watch stays while a trigger uses it and stops with the last one', async () => {
    await kubectl(['delete', 'scaledobject', 'c-follows-nodes', '--wait=true']);
    await eventually('one holder left', async () => (op.op.podWatches.info()[0]?.holders === 1 ? true : undefined));
    assert.equal(op.op.podWatches.size, 1);
    await kubectl(['delete', 'scaledobject', 'b-follows-a', '--wait=true']);
    await eventually('no pod watch held', async () => (op.op.podWatches.size === 0 ? true : undefined));
  });

  test(
    "the Helm chart's RBAC lets the operator list and watch pods in any namespace",
    { skip: existsSync(helm) ? false : 'helm not built (scripts/deps/helm.sh)' },
    async () => {
      const text = execFileSync(
        helm,
        ['template', 'updraft', join(root, 'deploy', 'helm', 'updraft'), '--namespace', 'updraft-system', '--kube-version', cp.k8sVersion],
        { encoding: 'utf8' },
      );
      const rbac = parseAllDocuments(text)
        .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string } } | null)
        .filter((d) => d?.kind === 'ServiceAccount' || d?.kind === 'ClusterRole' || d?.kind === 'ClusterRoleBinding');
      await kubectl(['create', 'namespace', 'updraft-system']);
      await kubectl(['create', 'namespace', 'shop']);
      await kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rbac }));
      const sa = 'system:serviceaccount:updraft-system:updraft-operator';
      // hygiene: allow-table two verbs in two namespaces of one RBAC check
      for (const [verb, ns] of [
        ['list', 'default'],
        ['watch', 'default'],
        ['list', 'shop'],
        ['watch', 'shop'],
      ])
        assert.equal((await kubectl(['auth', 'can-i', verb, 'pods', '-n', ns, '--as', sa])).trim(), 'yes', `${verb} pods in ${ns}`);
    },
  );
});
