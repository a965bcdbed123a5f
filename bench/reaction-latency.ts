// Reaction time on a real control plane, and the external metrics API under load from a second process.
//
// 1. polled path (direct mode): a Deployment at 0, a ScaledObject (pollingInterval 1 s) on a Prometheus gauge.
//    The gauge steps 0 → 23; we time the step → Prometheus answering the new value (its scrape, 500 ms here) →
//    spec.replicas leaving 0 (Updraft's poll + /scale).
// 2. HPA path (hpa mode): a Deployment at 1 held by the generated HPA (target 25 per pod). The gauge steps
//    25 → 100; we time the step → Prometheus → spec.replicas = 4, set by the real HPA controller after it asked
//    Updraft's metrics API through the aggregation layer. The controller-manager runs with the Kubernetes default
//    --horizontal-pod-autoscaler-sync-period of 15 s unless HPA_SYNC is given (seconds), so the expected wait is
//    about half a sync period plus the scrape.
// 3. The external metrics API under load: a second Node process issues GETs, through the kube-apiserver's
//    aggregator (what the HPA controller does) and straight to Updraft's server with the front-proxy identity.
//
// usage: node --import tsx bench/reaction-latency.ts [rounds=5]     env: HPA_SYNC=15 REQUESTS=3000 CONCURRENCY=8
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GVR, KubeClient } from '../src/kube/client.ts';
import { startOperator } from '../src/operator/operator.ts';
import { startControlPlane } from '../test/support/control-plane.ts';
import { deploymentObject } from '../test/support/manifests.ts';
import { installCrds, registerMetricsApi } from '../test/support/metrics-api-registration.ts';
import { startPrometheus } from '../test/support/prometheus.ts';
import { metricsApiLoad } from './support/metrics-api-load.ts';

const rounds = Number(process.argv[2] ?? 5);
const hpaSync = Number(process.env.HPA_SYNC ?? 15);
const requests = Number(process.env.REQUESTS ?? 3000);
const concurrency = Number(process.env.CONCURRENCY ?? 8);
const root = join(fileURLToPath(import.meta.url), '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `median ${q(0.5).toFixed(0)} ms, min ${s[0].toFixed(0)}, max ${s.at(-1)!.toFixed(0)}  [${xs.map((x) => x.toFixed(0)).join(', ')}]`;
};

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000, everyMs = 20): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return performance.now();
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

const cp = await startControlPlane({ hpaSyncSeconds: hpaSync });
const prom = await startPrometheus({ gauges: { depth_polled: { value: 0 }, rps_hpa: { value: 25 } } });
let stopOperator: (() => Promise<void>) | undefined;
try {
  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  await installCrds(cp, root);
  const client = await KubeClient.fromEnvironment({ kubeconfig: cp.kubeconfig });
  const reg = await registerMetricsApi(cp);
  const metricsPort = reg.port;
  const cert = reg.cert;
  const quiet = () => undefined;
  const op = await startOperator({
    client,
    log: { info: quiet, warn: quiet, error: quiet },
    namespace: 'default',
    defaultMode: 'direct',
    leaderElection: false,
    externalMetrics: reg.serverOptions,
  });
  stopOperator = () => op.stop();

  const deployment = (name: string, n: number) => deploymentObject(name, n);
  await kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        deployment('polled', 0),
        deployment('hpapath', 1),
        {
          apiVersion: 'keda.sh/v1alpha1',
          kind: 'ScaledObject',
          metadata: { name: 'polled', namespace: 'default' },
          spec: {
            scaleTargetRef: { name: 'polled' },
            pollingInterval: 1,
            cooldownPeriod: 2,
            minReplicaCount: 0,
            maxReplicaCount: 10,
            triggers: [{ type: 'prometheus', metadata: { serverAddress: prom.url, query: 'depth_polled', threshold: '5' } }],
          },
        },
        {
          apiVersion: 'keda.sh/v1alpha1',
          kind: 'ScaledObject',
          metadata: { name: 'hpapath', namespace: 'default', annotations: { 'updraft.dev/mode': 'hpa' } },
          spec: {
            scaleTargetRef: { name: 'hpapath' },
            pollingInterval: 1,
            minReplicaCount: 1,
            maxReplicaCount: 10,
            // Scale-down without the 300 s window, so rounds can repeat.
            advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } } },
            triggers: [{ type: 'prometheus', metadata: { serverAddress: prom.url, query: 'rps_hpa', threshold: '25' } }],
          },
        },
      ],
    }),
  );
  const replicasOf = async (name: string) => (await client.getScale(GVR.deployments, 'default', name)).spec.replicas;
  const promValue = async (query: string) => {
    const r = (await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as {
      data: { result: Array<{ value: [number, string] }> };
    };
    return Number(r.data.result[0]?.value[1] ?? NaN);
  };
  const setGauge = (name: string, value: number) => {
    prom.series.gauges![name] = { value };
  };

  // 1. polled path
  const polledSource: number[] = [];
  const polledTotal: number[] = [];
  const polledUpdraft: number[] = [];
  for (let i = 0; i < rounds; i++) {
    setGauge('depth_polled', 0);
    await until('polled at 0', async () => (await replicasOf('polled')) === 0 && (await promValue('depth_polled')) === 0);
    await sleep(1500);
    const t0 = performance.now();
    setGauge('depth_polled', 23);
    let seen = 0;
    const tReplicas = await until('polled to leave 0', async () => {
      if (!seen && (await promValue('depth_polled')) === 23) seen = performance.now();
      return (await replicasOf('polled')) > 0;
    });
    if (!seen) seen = tReplicas;
    polledSource.push(seen - t0);
    polledTotal.push(tReplicas - t0);
    polledUpdraft.push(tReplicas - seen);
    console.error(`polled round ${i + 1}: ${(tReplicas - t0).toFixed(0)} ms`);
  }
  setGauge('depth_polled', 0);

  // 2. HPA path
  const hpaSource: number[] = [];
  const hpaTotal: number[] = [];
  const hpaAfterSource: number[] = [];
  for (let i = 0; i < rounds; i++) {
    setGauge('rps_hpa', 25);
    await until('hpapath at 1', async () => (await replicasOf('hpapath')) === 1 && (await promValue('rps_hpa')) === 25, 180_000);
    await sleep(1000 + Math.random() * hpaSync * 1000); // land at a random point of the HPA's sync period
    const t0 = performance.now();
    setGauge('rps_hpa', 100);
    let seen = 0;
    const tReplicas = await until(
      'hpapath at 4',
      async () => {
        if (!seen && (await promValue('rps_hpa')) === 100) seen = performance.now();
        return (await replicasOf('hpapath')) === 4;
      },
      180_000,
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}: ${await kubectl(['describe', 'hpa', 'keda-hpa-hpapath']).catch((e: Error) => e.message)}\n${await kubectl(['get', 'scaledobject', 'hpapath', '-o', 'yaml']).catch((e: Error) => e.message)}`,
      );
    });
    if (!seen) seen = tReplicas;
    hpaSource.push(seen - t0);
    hpaTotal.push(tReplicas - t0);
    hpaAfterSource.push(tReplicas - seen);
    console.error(`hpa round ${i + 1}: ${(tReplicas - t0).toFixed(0)} ms`);
  }

  // 3. metrics API under load from a second process
  const path = '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/s0-prometheus?labelSelector=scaledobject.keda.sh%2Fname%3Dhpapath';
  const load = async (label: string, url: string, certFile: string, keyFile: string, caFile: string, headers: Record<string, string> = {}) => {
    const r = await metricsApiLoad({ url, caFile, certFile, keyFile, requests, concurrency, headers });
    console.log(
      `  ${label.padEnd(52)} ${r.requests} ok / ${r.errors} errors in ${r.seconds.toFixed(1)} s = ${(r.requests / r.seconds).toFixed(0)} req/s   p50 ${r.p50.toFixed(2)} ms  p90 ${r.p90.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  max ${r.max.toFixed(1)} ms`,
    );
  };

  console.log(`reaction latency on a real control plane (Kubernetes ${cp.k8sVersion}), ${rounds} rounds each`);
  console.log(`polled path (direct mode, pollingInterval 1 s), gauge 0 → 23, threshold 5:`);
  console.log(`  step → Prometheus has the value   ${stats(polledSource)}`);
  console.log(`  Prometheus → replicas leave 0     ${stats(polledUpdraft)}`);
  console.log(`  step → replicas leave 0 (total)   ${stats(polledTotal)}`);
  console.log(`HPA path (hpa mode, HPA sync ${hpaSync} s), gauge 25 → 100, target 25/pod, 1 → 4 replicas:`);
  console.log(`  step → Prometheus has the value   ${stats(hpaSource)}`);
  console.log(`  Prometheus → HPA sets 4 replicas  ${stats(hpaAfterSource)}`);
  console.log(`  step → 4 replicas (total)         ${stats(hpaTotal)}`);
  console.log(`external metrics API under load from a second process (${requests} GETs, concurrency ${concurrency}):`);
  await load(
    'through the kube-apiserver aggregator (admin client)',
    `${cp.server}${path}`,
    join(cp.dir, 'pki', 'admin.crt'),
    join(cp.dir, 'pki', 'admin.key'),
    cp.caFile,
  );
  await load(
    "straight to Updraft's server (front-proxy identity)",
    `https://127.0.0.1:${metricsPort}${path}`,
    cp.frontProxy.clientCertFile,
    cp.frontProxy.clientKeyFile,
    cert.caFile,
    { 'X-Remote-User': 'system:serviceaccount:kube-system:horizontal-pod-autoscaler', 'X-Remote-Group': 'system:serviceaccounts' },
  );
} finally {
  await stopOperator?.();
  await prom.stop();
  await cp.stop();
}
