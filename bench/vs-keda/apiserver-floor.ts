// The floor any operator meets when N new ScaledObjects become Ready: the writes KEDA's semantics require per object
// (the finalizer + scaledobject.keda.sh/name label patch, the HPA create, the status write with Ready) sent by a
// client that does nothing else, at high concurrency, to the same local control plane the scale bench uses (kwok
// nodes, the KEDA CRDs, audit log on). No autoscaler runs: this is what the API server and etcd on this machine can
// take, so "start → N Ready" of an autoscaler cannot be shorter than the time printed here.
//   flock /tmp/updraft-heavy.lock node --import tsx bench/vs-keda/apiserver-floor.ts [--n 2000] [--concurrency 64]
import { parseArgs } from 'node:util';
import { GVR, KubeClient, type KubeObject } from '../../src/kube/client.ts';
import { startControlPlane } from '../../test/support/control-plane.ts';
import { deploymentObject } from '../../test/support/manifests.ts';
import { installCrds } from '../../test/support/metrics-api-registration.ts';
import { repoRoot } from './autoscalers.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '64' } } });
const n = Number(values.n);
const concurrency = Number(values.concurrency);
const NS = 'floor';

async function pool<T>(items: T[], fn: (x: T) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
  return (performance.now() - t0) / 1000;
}

const cp = await startControlPlane({ nodes: 1, auditLog: true });
const client = await KubeClient.fromEnvironment({ kubeconfig: cp.kubeconfig, userAgent: 'updraft-bench' });
try {
  await installCrds(cp, repoRoot);
  await cp.kubectl(['create', 'namespace', NS]);
  const names = Array.from({ length: n }, (_, i) => `w-${String(i).padStart(5, '0')}`);
  await pool(names, async (name) => void (await client.create(GVR.deployments, deploymentObject(name, 0, { namespace: NS }) as KubeObject)));
  await pool(names, async (name) => {
    await client.create(GVR.scaledObjects, {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name, namespace: NS },
      spec: { scaleTargetRef: { name }, triggers: [{ type: 'prometheus', metadata: { serverAddress: 'http://127.0.0.1:9', query: 'up', threshold: '1' } }] },
    });
  });
  const phases: Record<string, number> = {};
  phases['PATCH finalizer + label'] = await pool(names, async (name) => {
    await client.mergePatch(GVR.scaledObjects, NS, name, { metadata: { finalizers: ['finalizer.keda.sh'], labels: { 'scaledobject.keda.sh/name': name } } });
  });
  phases['POST HPA'] = await pool(names, async (name) => {
    await client.create(GVR.hpas, {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: `keda-hpa-${name}`, namespace: NS },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: 1,
        maxReplicas: 10,
        metrics: [{ type: 'External', external: { metric: { name: 's0-prometheus' }, target: { type: 'AverageValue', averageValue: '1' } } }],
      },
    });
  });
  const now = new Date().toISOString();
  phases['PATCH status (Ready)'] = await pool(names, async (name) => {
    await client.patchStatus(GVR.scaledObjects, NS, name, {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'ScaledObjectReady',
          message: 'ScaledObject is defined correctly and is ready for scaling',
          lastTransitionTime: now,
        },
        { type: 'Active', status: 'Unknown', lastTransitionTime: now },
        { type: 'Fallback', status: 'False', reason: 'NoFallbackFound', lastTransitionTime: now },
        { type: 'Paused', status: 'False', lastTransitionTime: now },
      ],
      scaleTargetKind: 'apps/v1.Deployment',
      hpaName: `keda-hpa-${name}`,
      originalReplicaCount: 0,
      externalMetricNames: ['s0-prometheus'],
      triggersTypes: 'prometheus',
    });
  });
  console.log(`N=${n}, concurrency ${concurrency}, Kubernetes ${cp.k8sVersion}`);
  let total = 0;
  for (const [what, s] of Object.entries(phases)) {
    total += s;
    console.log(`${what.padEnd(26)} ${s.toFixed(1).padStart(6)} s  ${(n / s).toFixed(0).padStart(5)} writes/s`);
  }
  const perObject = total / n;
  console.log(
    `three writes per object: ${total.toFixed(1)} s for ${n}, ${(perObject * 1000).toFixed(1)} ms per object → 10,000 objects ≥ ${(perObject * 10_000).toFixed(0)} s`,
  );
} finally {
  client.close();
  await cp.stop();
}
