// What a steady scale loop costs the API server and the sources, counted from outside: the kube-apiserver audit log
// (every request of the operator, by verb, resource and object) and Prometheus' own request counter. A poll of an
// idle object reads its Deployment from the workload watch and writes nothing; two objects with the identical query
// share one read per interval; in hpa mode with minReplicaCount ≥ 1 the poll reuses the HPA's reads.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GVR, KubeClient, type KubeObject } from '../../src/kube/client.ts';
import { ListWatch } from '../../src/kube/list-watch.ts';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { deploymentObject } from '../support/manifests.ts';
import { installCrds, registerMetricsApi } from '../support/metrics-api-registration.ts';
import { startPrometheus, type LocalPrometheus } from '../support/prometheus.ts';
import { startTestOperator, type TestOperator } from '../support/test-operator.ts';
import { eventually, waitFor } from '../support/wait.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

interface SoStatus {
  status?: { conditions?: Array<{ type: string; status: string }>; triggersActivity?: Record<string, { isActive: boolean }> };
}

interface AuditLine {
  verb: string;
  userAgent?: string;
  objectRef?: { resource?: string; subresource?: string; name?: string };
}

describe('the steady cost of scale loops, from the audit log and the source', { timeout: 600_000 }, () => {
  let cp: ControlPlane;
  let prom: LocalPrometheus;
  let t: TestOperator;

  const apply = (obj: unknown) => cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(obj) });
  const scaledObject = (name: string, query: string, spec: Record<string, unknown> = {}) => ({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, namespace: 'default' },
    spec: {
      scaleTargetRef: { name: spec.target ?? name },
      pollingInterval: 1,
      minReplicaCount: 0,
      ...spec,
      triggers: [{ type: 'prometheus', metadata: { serverAddress: prom.url, query, threshold: '10' } }],
    },
  });
  const auditSize = async () => (await readFile(cp.auditLogPath!)).length;
  /** The operator's requests (user agent `updraft`) between two audit log offsets. */
  const operatorRequests = async (from: number, to: number): Promise<AuditLine[]> =>
    (await readFile(cp.auditLogPath!))
      .subarray(from, to)
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditLine)
      .filter((e) => e.userAgent === 'updraft');
  const queries = async () => {
    const text = await (await fetch(`${prom.url}/metrics`)).text();
    return [...text.matchAll(/^prometheus_http_requests_total\{code="200",handler="\/api\/v1\/query"\} (\S+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
  };
  /** Resolves after `n` more polls of the object (the in-process runner's last report). */
  const polls = async (name: string, n: number, intervalMs = 1000) => {
    const runner = await eventually(`${name} runs`, async () => t.op.controller.runner('default', name) ?? undefined, 60_000);
    const start = await eventually(`${name} first poll`, async () => runner.last?.at, 60_000);
    await waitFor(
      `${n} polls of ${name}`,
      async () => (t.op.controller.runner('default', name)?.last?.at ?? 0) >= start + (n - 0.5) * intervalMs,
      120_000,
      100,
    );
  };
  /** Marks around `body`: the operator's audited requests and the Prometheus queries made meanwhile. */
  const measure = async (body: () => Promise<void>) => {
    await new Promise((r) => setImmediate(r));
    const [a0, q0] = [await auditSize(), await queries()];
    const t0 = Date.now();
    await body();
    const seconds = (Date.now() - t0) / 1000;
    const q1 = await queries();
    // The audit backend flushes its batch every second: a request of ours after the window, once logged, means
    // every request of the window is in the file.
    const a1 = await auditSize();
    await cp.kubectl(['get', 'namespace', 'default']);
    await waitFor('audit log flushed', async () => (await auditSize()) > a1, 10_000);
    return { requests: await operatorRequests(a0, await auditSize()), queries: q1 - q0, seconds };
  };

  before(async () => {
    cp = await startControlPlane({ auditLog: true, hpaSyncSeconds: 5, nodes: 1 });
    await installCrds(cp, root);
    prom = await startPrometheus({ gauges: {} });
    const reg = await registerMetricsApi(cp);
    t = await startTestOperator(cp, { defaultMode: 'hpa', externalMetrics: reg.serverOptions });
  });

  after(async () => {
    await t?.stop();
    await prom?.stop();
    await cp?.stop();
  });

  // Each row deletes its objects (even when it fails), so no other row's polls are counted.
  const removing = (names: string[]) => async () => {
    for (const name of names) await cp.kubectl(['delete', 'scaledobject', name, '--ignore-not-found', '--wait=true']);
  };

  test('a new ScaledObject is made Ready with one metadata patch, one HPA create and one status write that also carries its first poll, reading neither the object nor its HPA', async (c) => {
    c.after(removing(['fresh']));
    await apply(deploymentObject('fresh', 0));
    // Every version of the object as the API server stores it: the first with Ready=True shows what that write carried.
    const client = await KubeClient.fromEnvironment({ kubeconfig: cp.kubeconfig, userAgent: 'updraft-test' });
    const versions: SoStatus[] = [];
    const watch = new ListWatch<KubeObject>(client, { gvr: GVR.scaledObjects, namespaces: ['default'] });
    watch.on({
      onAdd: (o) => void (o.metadata.name === 'fresh' && versions.push(o as { status?: SoStatus['status'] } as SoStatus)),
      onUpdate: (_, o) => void (o.metadata.name === 'fresh' && versions.push(o as { status?: SoStatus['status'] } as SoStatus)),
    });
    watch.start();
    c.after(async () => {
      await watch.stop();
      client.close();
    });
    await watch.waitForSync(30_000);
    const a0 = await auditSize();
    await apply(scaledObject('fresh', 'vector(0) + 0 * 4', { pollingInterval: 30 }));
    const isReady = (v: SoStatus) => v.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') === true;
    await waitFor('fresh Ready', async () => versions.some(isReady), 60_000, 50);
    const firstReady = versions.find(isReady)!;
    assert.equal(
      firstReady.status?.conditions?.find((x) => x.type === 'Active')?.status,
      'False',
      `the write that made it Ready carries the first poll's Active=False: ${JSON.stringify(firstReady.status)}`,
    );
    assert.deepEqual(firstReady.status?.triggersActivity, { 's0-prometheus': { isActive: false } }, "and the first poll's triggersActivity");
    const a1 = await auditSize();
    await cp.kubectl(['get', 'namespace', 'default']);
    await waitFor('audit log flushed', async () => (await auditSize()) > a1, 10_000);
    const mine = (await operatorRequests(a0, await auditSize()))
      .filter((e) => e.objectRef?.name === 'fresh' || e.objectRef?.name === 'keda-hpa-fresh')
      .map((e) => `${e.verb} ${e.objectRef?.resource}/${e.objectRef?.subresource ?? ''}`);
    const count = (k: string) => mine.filter((x) => x === k).length;
    assert.equal(count('get scaledobjects/'), 0, `no GET of the ScaledObject (the watch's copy and the patch's answer are used): ${mine.join(', ')}`);
    assert.equal(count('get horizontalpodautoscalers/'), 0, `no GET of the HPA (the synced HPA watch says it is missing): ${mine.join(', ')}`);
    assert.equal(count('patch scaledobjects/'), 1, `one patch for the finalizer and label: ${mine.join(', ')}`);
    assert.equal(count('create horizontalpodautoscalers/'), 1, `one HPA create: ${mine.join(', ')}`);
    // Ready and the first poll in one write; the HPA's first sync (HPAActive) may add one by now.
    assert.ok(count('patch scaledobjects/status') >= 1 && count('patch scaledobjects/status') <= 2, `at most 2 status writes: ${mine.join(', ')}`);
  });

  test('polls of an idle object send no GET of /scale and no status write', async (c) => {
    c.after(removing(['idle']));
    await apply(deploymentObject('idle', 0));
    await apply(scaledObject('idle', 'vector(0) + 0 * 1'));
    await polls('idle', 2); // running, first status written
    const m = await measure(() => polls('idle', 5));
    const mine = m.requests.filter((e) => e.objectRef?.name === 'idle');
    assert.deepEqual(
      mine.map((e) => `${e.verb} ${e.objectRef?.resource}/${e.objectRef?.subresource ?? ''}`),
      [],
      'five polls: the Deployment comes from the watch, and nothing changed to write',
    );
  });

  test('two ScaledObjects with the identical query share one read per interval', async (c) => {
    c.after(removing(['same-a', 'same-b']));
    for (const name of ['same-a', 'same-b']) await apply(deploymentObject(name, 0));
    await apply(scaledObject('same-a', 'vector(0) + 0 * 2', { pollingInterval: 2 }));
    await apply(scaledObject('same-b', 'vector(0) + 0 * 2', { pollingInterval: 2 }));
    await Promise.all([polls('same-a', 2, 2000), polls('same-b', 2, 2000)]);
    const m = await measure(() => polls('same-a', 8, 2000)); // 8 polls × 2 s, both objects polling
    const intervals = m.seconds / 2;
    assert.ok(m.queries <= intervals + 2, `${m.queries} queries in ${m.seconds.toFixed(1)} s: one per 2 s interval for both objects, not two`);
    assert.ok(m.queries >= intervals - 2, `${m.queries} queries in ${m.seconds.toFixed(1)} s: the objects still read every interval`);
  });

  test('in hpa mode with minReplicaCount 1, the poll reuses the HPA’s reads instead of querying every second', async (c) => {
    c.after(removing(['held']));
    await apply(deploymentObject('held', 1));
    await apply(scaledObject('held', 'vector(3) + 0 * 3', { minReplicaCount: 1 }));
    // The HPA (5 s sync here) has read the metric through the metrics API once the object runs.
    await polls('held', 8);
    const m = await measure(() => polls('held', 15)); // 15 polls at 1 s
    assert.ok(m.queries <= m.seconds / 5 + 2, `${m.queries} queries in ${m.seconds.toFixed(1)} s: the HPA's reads (one per 5 s sync), not one per 1 s poll`);
    assert.ok(m.queries >= 1, 'the HPA still reads the source');
  });
});
