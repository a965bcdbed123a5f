// The switch from a real, running KEDA to Updraft, exactly as docs/migrate-from-keda.md tells it, on the local
// control plane: KEDA (built from its Go module by scripts/slow/keda.sh, started by test/support/keda.ts) scales a
// kwok Deployment to 3 through its HPA keda-hpa-web; Updraft starts beside it and waits on KEDA's Lease; the
// APIService is handed over, KEDA's operator stopped, then KEDA removed — and the Deployment's /scale, sampled
// every 100 ms, never leaves 3. Who wrote what is read from the apiserver's audit log (user agent per request).
// Slow (KEDA's cold build is ~20 min): run by `npm run test:slow`, not by `npm test`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GVR, KubeClient } from '../../src/kube/client.ts';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { kedaBuilt, KEDA_VERSION, startKeda, type KedaRun } from '../support/keda.ts';
import { deploymentObject } from '../support/manifests.ts';
import { startMetricsApiServer, type MetricsApiServer } from '../support/metrics-api-server.ts';
import { freePort } from '../support/free-port.ts';
import { startTestOperator, type TestOperator } from '../support/test-operator.ts';
import { eventually, waitFor } from '../support/wait.ts';

const N = 3;
const skip = kedaBuilt() ? false : `KEDA ${KEDA_VERSION} is not built: run \`bash scripts/slow/keda.sh\` (npm run test:slow does it first)`;

interface AuditEvent {
  verb: string;
  userAgent?: string;
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string; apiGroup?: string };
  responseStatus?: { code?: number };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

interface Cond {
  type: string;
  status: string;
  reason?: string;
}

interface Hpa {
  metadata: { uid: string };
  status?: {
    currentReplicas?: number;
    desiredReplicas?: number;
    conditions?: Cond[];
    currentMetrics?: Array<{ external?: { metric: { name: string }; current: { averageValue?: string; value?: string } } }>;
  };
}

const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

describe(`switching a running KEDA ${KEDA_VERSION} to Updraft (docs/migrate-from-keda.md)`, { skip, timeout: 900_000 }, () => {
  let cp: ControlPlane;
  let keda: KedaRun | undefined;
  let updraft: TestOperator | undefined;
  let source: MetricsApiServer;
  let client: KubeClient;
  let updraftPort: number;
  let updraftCert: { certFile: string; keyFile: string; caFile: string };
  const samples: Array<{ t: number; replicas: number }> = [];
  let sampling: Promise<void> | undefined;
  let stopSampling = false;

  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const apply = (obj: unknown) => kubectl(['apply', '-f', '-'], JSON.stringify(obj));
  const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
  const audit = (): AuditEvent[] =>
    readFileSync(join(cp.dir, 'logs', 'audit.log'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as AuditEvent);
  /** The audit log is written in batches (≤ 1 s): wait until a request sent now is in it, so all earlier ones are. */
  let flushes = 0;
  const flushAudit = async () => {
    const marker = `audit-flush-${++flushes}`;
    await kubectl(['-n', 'updraft', 'get', 'configmap', marker, '--ignore-not-found']);
    await waitFor('the audit log to catch up', async () => audit().some((e) => e.objectRef?.name === marker));
  };
  /** Updraft's writes (its KubeClient's user agent is `updraft`) to ScaledObjects and HPAs. */
  const updraftWrites = (since = 0) =>
    audit().filter(
      (e) =>
        e.userAgent?.startsWith('updraft') &&
        WRITES.has(e.verb) &&
        ['scaledobjects', 'horizontalpodautoscalers'].includes(e.objectRef?.resource ?? '') &&
        Date.parse(e.requestReceivedTimestamp) >= since,
    );
  const hpa = () => getJson<Hpa>(['get', 'hpa', 'keda-hpa-web']);
  const updraftApiService = (port: number) => ({
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: 'v1beta1.external.metrics.k8s.io' },
    spec: {
      group: 'external.metrics.k8s.io',
      version: 'v1beta1',
      service: { namespace: 'updraft', name: 'updraft-metrics-apiserver', port },
      caBundle: readFileSync(cp.caFile).toString('base64'),
      groupPriorityMinimum: 100,
      versionPriority: 100,
    },
  });
  const apiServiceServes = async (namespace: string, name: string) => {
    const a = await getJson<{ spec: { service?: { namespace: string; name: string } }; status?: { conditions?: Cond[] } }>([
      'get',
      'apiservice',
      'v1beta1.external.metrics.k8s.io',
    ]);
    return (
      a.spec.service?.namespace === namespace &&
      a.spec.service.name === name &&
      (a.status?.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True')
    );
  };
  const metricFromApi = async () => {
    const raw = JSON.parse(
      await kubectl([
        'get',
        '--raw',
        '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/s0-metric-api-components-worker-tasks?labelSelector=scaledobject.keda.sh%2Fname%3Dweb',
      ]),
    ) as { items: Array<{ value: string }> };
    return raw.items[0]?.value;
  };

  before(async () => {
    // The audit log (scripts/control-plane/up.sh --audit-log) tells who wrote what, by user agent.
    process.env.UPDRAFT_CP_AUDIT_LOG = '1';
    cp = await startControlPlane({ hpaSyncSeconds: 2 });
    delete process.env.UPDRAFT_CP_AUDIT_LOG;
    client = await KubeClient.fromEnvironment({ kubeconfig: cp.kubeconfig, userAgent: 'keda-switch-sampler' });
    source = await startMetricsApiServer();
    source.value = 10 * N; // targetValue 10 → N replicas
    keda = await startKeda(cp);
    // Updraft's namespace and the Service its chart puts in front of the metrics API (registerAPIService=false:
    // the APIService stays KEDA's until step 3).
    updraftPort = await freePort();
    updraftCert = await cp.issueServingCert('updraft-metrics-apiserver', ['updraft-metrics-apiserver.updraft.svc', '127.0.0.1']);
    await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'updraft' } });
    await apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'updraft-metrics-apiserver', namespace: 'updraft' },
      spec: { type: 'ExternalName', externalName: '127.0.0.1', ports: [{ name: 'https', port: updraftPort, protocol: 'TCP' }] },
    });
    await apply(deploymentObject('web', 1));
    await apply({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        scaleTargetRef: { name: 'web' },
        pollingInterval: 2,
        minReplicaCount: 1,
        maxReplicaCount: 10,
        triggers: [{ type: 'metrics-api', metadata: { url: `${source.url}/open/json`, valueLocation: 'components.worker.tasks', targetValue: '10' } }],
      },
    });
    await eventually(
      `KEDA's HPA keda-hpa-web to hold ${N} replicas`,
      async () => {
        const h = await hpa();
        const scale = await client.getScale(GVR.deployments, 'default', 'web');
        return h.status?.currentReplicas === N && h.status.desiredReplicas === N && scale.spec.replicas === N ? true : undefined;
      },
      180_000,
    );
  });

  after(async () => {
    stopSampling = true;
    await sampling;
    await updraft?.stop().catch(() => undefined);
    await keda?.stop().catch(() => undefined);
    await source?.stop();
    client?.close();
    if (process.env.UPDRAFT_E2E_LOGS === '1' && keda) console.log(readFileSync(keda.logs.operator, 'utf8').slice(-20000));
    await cp?.stop();
  });

  test('while KEDA holds its Lease, Updraft without --take-over-from-keda writes nothing to the ScaledObject or its HPA', async () => {
    const since = Date.now();
    updraft = await startTestOperator(cp, {
      namespace: 'updraft',
      defaultMode: 'hpa',
      kedaLease: { namespace: 'keda', retryMs: 1000 },
      externalMetrics: { port: updraftPort, host: '127.0.0.1', certFile: updraftCert.certFile, keyFile: updraftCert.keyFile },
    });
    assert.equal(updraft.op.waitingForKeda(), true, 'Updraft sees the live Lease keda/operator.keda.sh');
    // Three reads of the Lease, each finding KEDA alive (a second apart): Updraft has had time to act, and did not.
    await waitFor(
      'Updraft to read the live Lease three times',
      async () => updraft!.logs.filter((l) => l.includes('holds Lease keda/operator.keda.sh')).length >= 3,
      60_000,
    );
    await flushAudit();
    assert.deepEqual(
      updraftWrites(since).map((e) => `${e.verb} ${e.objectRef?.resource}/${e.objectRef?.subresource ?? ''}`),
      [],
    );
    const lease = await getJson<{ spec: { holderIdentity: string } }>(['-n', 'keda', 'get', 'lease', 'operator.keda.sh']);
    assert.match(lease.spec.holderIdentity, /.+/, 'KEDA still leads');
    assert.equal((await client.getScale(GVR.deployments, 'default', 'web')).spec.replicas, N);
    // The Warning Event the doc promises, on KEDA's Lease.
    await eventually('a KEDAOperatorActive Event', async () => {
      const ev = await getJson<{ items: Array<{ reason: string }> }>([
        '-n',
        'keda',
        'get',
        'events',
        '--field-selector',
        'involvedObject.name=operator.keda.sh',
      ]);
      return ev.items.some((e) => e.reason === 'KEDAOperatorActive') ? true : undefined;
    });
  });

  test(`the documented switch moves the ScaledObject to Updraft with the Deployment at ${N} in every 100 ms sample`, async () => {
    assert.ok(keda && updraft, 'KEDA and Updraft run (previous subtest)');
    const uid = (await hpa()).metadata.uid;
    sampling = (async () => {
      while (!stopSampling) {
        const t = Date.now();
        const s = await client.getScale(GVR.deployments, 'default', 'web');
        samples.push({ t, replicas: s.spec.replicas });
        await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - t)))); // hygiene: allow-sleep the 100 ms sampling period
      }
    })();

    // Step 3: hand over the APIService (Updraft answers from its read-only standby loops while it waits)...
    await kubectl([
      'patch',
      'apiservice',
      'v1beta1.external.metrics.k8s.io',
      '--type',
      'merge',
      '-p',
      JSON.stringify({ spec: { service: { namespace: 'updraft', name: 'updraft-metrics-apiserver', port: updraftPort } } }),
    ]);
    await waitFor('the APIService to be Available on Updraft', () => apiServiceServes('updraft', 'updraft-metrics-apiserver'), 60_000, 250);
    assert.equal(await metricFromApi(), String(10 * N), 'Updraft serves the metric under KEDA’s name');
    assert.equal(updraft.op.waitingForKeda(), true, 'still waiting: KEDA leads');

    // ...then stop KEDA's operator (`kubectl -n keda scale deployment/keda-operator --replicas=0`).
    const kedaStop = Date.now();
    await keda.stopOperator();
    await waitFor('Updraft to start once KEDA’s Lease expires', async () => !updraft!.op.waitingForKeda(), 60_000, 100);
    const acting = Date.now();
    const firstStatus = await eventually(
      'Updraft’s first ScaledObject status write',
      async () => {
        await flushAudit();
        return updraftWrites(kedaStop).find((e) => e.objectRef?.resource === 'scaledobjects' && e.objectRef.subresource === 'status');
      },
      60_000,
      500,
    );

    // Step 4: remove KEDA. Its release owns the APIService, so `helm uninstall keda` deletes it (and KEDA's Service);
    // Updraft's `helm upgrade --set metricsServer.registerAPIService=true` creates its own right after.
    await keda.stop();
    await kubectl(['-n', 'keda', 'delete', 'service', 'keda-operator-metrics-apiserver']);
    await kubectl(['delete', 'apiservice', 'v1beta1.external.metrics.k8s.io']);
    await apply(updraftApiService(updraftPort));
    await waitFor('Updraft’s APIService to be Available', () => apiServiceServes('updraft', 'updraft-metrics-apiserver'), 60_000, 250);
    const removed = Date.now();

    // Two HPA syncs are 4 s here; watch for 30 s after KEDA is gone, then for a sync that read Updraft's value.
    await waitFor(
      '30 s of samples after KEDA stopped',
      async () => samples.length > 0 && samples[samples.length - 1].t >= Math.max(kedaStop, removed) + 30_000,
      120_000,
      500,
    );
    const h = await eventually('the HPA to read the metric from Updraft (ScalingActive True, a current value)', async () => {
      const x = await hpa();
      const active = x.status?.conditions?.find((c) => c.type === 'ScalingActive');
      const m = x.status?.currentMetrics?.[0]?.external;
      return active?.status === 'True' && m?.current.averageValue !== undefined ? x : undefined;
    });
    stopSampling = true;
    await sampling;

    const changes = samples.filter((s, i) => i > 0 && s.replicas !== samples[i - 1].replicas).length;
    const off = samples.filter((s) => s.replicas !== N);
    await flushAudit();
    const hpaWrites = updraftWrites(kedaStop).filter((e) => e.objectRef?.resource === 'horizontalpodautoscalers');
    const anyHpaRecreate = audit().filter(
      (e) =>
        e.objectRef?.resource === 'horizontalpodautoscalers' && ['create', 'delete'].includes(e.verb) && Date.parse(e.requestReceivedTimestamp) >= kedaStop,
    );
    console.log(
      JSON.stringify({
        samples: samples.length,
        sampledSeconds: Math.round((samples[samples.length - 1].t - samples[0].t) / 100) / 10,
        replicaChanges: changes,
        kedaStopToUpdraftActingMs: acting - kedaStop,
        kedaStopToFirstStatusWriteMs: Date.parse(firstStatus.requestReceivedTimestamp) - kedaStop,
        updraftHpaWrites: hpaWrites.map((e) => e.verb),
        hpaCurrentValue: h.status?.currentMetrics?.[0]?.external?.current.averageValue,
      }),
    );
    assert.deepEqual(off, [], `every sample is ${N}`);
    assert.equal(changes, 0);
    assert.equal(h.metadata.uid, uid, 'the same HPA (adopted, not recreated)');
    assert.deepEqual(anyHpaRecreate, [], 'nobody deleted or created an HPA');
    assert.equal(h.status?.currentMetrics?.[0]?.external?.metric.name, 's0-metric-api-components-worker-tasks');
    assert.equal(h.status?.currentMetrics?.[0]?.external?.current.averageValue, '10');
    assert.equal(await metricFromApi(), String(10 * N), 'the metric is served with KEDA gone: by Updraft');
    const so = await getJson<{ status?: { conditions?: Cond[]; hpaName?: string } }>(['get', 'scaledobject', 'web']);
    assert.equal(so.status?.hpaName, 'keda-hpa-web');
    assert.equal(so.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.ok(
      updraftWrites(kedaStop).some((e) => e.objectRef?.subresource === 'status' && (e.responseStatus?.code ?? 0) < 300),
      'Updraft wrote the status',
    );
  });
});
