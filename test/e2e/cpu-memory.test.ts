// cpu triggers end to end, with real parts only: metrics-server (built from its Go module) scraping kwok's
// simulated kubelet resource metrics (a pod's cpu is its kwok.x-k8s.io/usage-cpu annotation), registered as
// metrics.k8s.io on the local control plane. In hpa mode the real HPA controller (kube-controller-manager) scales
// on the Resource metric of the HPA Updraft generates; in direct mode Updraft reads the PodMetrics itself and
// applies the HPA's rules. The simulated load is shared: each pod uses load/replicas, as a real service would.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateQueueCommand, PurgeQueueCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { startMetricsServer, USAGE_CPU, type MetricsServer } from '../support/metrics-server.ts';
import { installCrds, registerMetricsApi } from '../support/metrics-api-registration.ts';
import { startMoto, type Moto } from '../support/moto.ts';
import { startTestOperator, type TestOperator } from '../support/test-operator.ts';
import { waitFor } from '../support/wait.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

describe('cpu triggers on metrics-server + kwok, hpa and direct mode', { timeout: 1_500_000 }, () => {
  let cp: ControlPlane;
  let ms: MetricsServer;
  let moto: Moto;
  let sqs: SQSClient;
  let op: TestOperator;
  const saved = { ...process.env };
  /** Simulated total cpu load (millicores) per Deployment, spread over its pods by the load loop. */
  const load = new Map<string, number>();
  let loadLoop: NodeJS.Timeout | undefined;

  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const replicas = async (name: string) => Number(JSON.parse(await kubectl(['get', 'deployment', name, '-o', 'json'])).spec.replicas ?? 0);
  const waitReplicas = (name: string, ok: (n: number) => boolean, what: string, timeoutMs = 240_000) =>
    waitFor(`${name} ${what}`, async () => ok(await replicas(name)), timeoutMs, 500);

  const deployment = (name: string, n: number) =>
    kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: 'default' },
        spec: {
          replicas: n,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name }, annotations: { [USAGE_CPU]: '5m' } },
            spec: {
              nodeSelector: ms.nodeSelector,
              tolerations: [{ operator: 'Exists' }],
              containers: [{ name: 'app', image: 'registry.invalid/never-pulled:1', resources: { requests: { cpu: '100m' } } }],
            },
          },
        },
      }),
    );
  const scaledObject = (name: string, mode: 'hpa' | 'direct', triggers: unknown[], spec: Record<string, unknown> = {}) =>
    kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name, namespace: 'default', annotations: { 'updraft.dev/mode': mode } },
        spec: {
          scaleTargetRef: { name },
          pollingInterval: 2,
          cooldownPeriod: 5,
          minReplicaCount: 1,
          maxReplicaCount: 8,
          advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } } },
          triggers,
          ...spec,
        },
      }),
    );
  const cpuTrigger = { type: 'cpu', metricType: 'Utilization', metadata: { value: '50' } };

  before(async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_WEB_IDENTITY_TOKEN_FILE: '', AWS_ROLE_ARN: '' });
    cp = await startControlPlane({ hpaSyncSeconds: 2 });
    await installCrds(cp, root);
    ms = await startMetricsServer(cp);
    moto = await startMoto();
    sqs = new SQSClient({ region: 'us-west-2', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const reg = await registerMetricsApi(cp);
    op = await startTestOperator(cp, { defaultMode: 'hpa', externalMetrics: reg.serverOptions });
    // The load loop: every pod of a loaded Deployment reports load/replicas (kwok reads the annotation).
    const spread = async () => {
      for (const [name, total] of load) {
        const out = await kubectl(['get', 'pods', '-l', `app=${name}`, '-o', 'name']).catch(() => '');
        const n = out.split('\n').filter(Boolean).length;
        if (n > 0)
          await kubectl(['annotate', 'pods', '-l', `app=${name}`, '--overwrite', `${USAGE_CPU}=${Math.max(1, Math.round(total / n))}m`]).catch(() => undefined);
      }
      loadLoop = setTimeout(() => void spread(), 2000);
    };
    void spread();
    // metrics.k8s.io answers (two kwok scrapes) before any test relies on it.
    await deployment('probe', 1);
    await waitFor(
      'metrics.k8s.io to report the probe pod',
      async () => {
        const list = JSON.parse(await kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods']).catch(() => '{"items":[]}')) as {
          items: unknown[];
        };
        return list.items.length > 0;
      },
      180_000,
      1000,
    );
  });

  after(async () => {
    if (loadLoop) clearTimeout(loadLoop);
    load.clear();
    await op?.stop();
    sqs?.destroy();
    await moto?.stop();
    await ms?.stop();
    await cp?.stop();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  for (const mode of ['hpa', 'direct'] as const) {
    test(`${mode} mode: a Deployment whose cpu rises goes 1→N, and back to 1 when it falls`, async () => {
      const name = `cpu-${mode}`;
      await deployment(name, 1);
      await scaledObject(name, mode, [cpuTrigger]);
      if (mode === 'hpa') {
        // The HPA Updraft writes is the one KEDA writes, and the real controller accepts it.
        await waitFor('the generated HPA', async () => (await kubectl(['get', 'hpa', `keda-hpa-${name}`, '-o', 'json']).catch(() => '')) !== '', 60_000, 500);
        const hpa = JSON.parse(await kubectl(['get', 'hpa', `keda-hpa-${name}`, '-o', 'json']));
        assert.deepEqual(hpa.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
      }
      // 400m of load on 100m requests at a 50 % target wants 8 pods.
      load.set(name, 400);
      await waitReplicas(name, (n) => n >= 4, 'scaled up to at least 4 replicas');
      if (mode === 'hpa') {
        const hpa = JSON.parse(await kubectl(['get', 'hpa', `keda-hpa-${name}`, '-o', 'json']));
        const active = (hpa.status?.conditions ?? []).find((c: { type: string }) => c.type === 'ScalingActive');
        assert.equal(active?.status, 'True', JSON.stringify(hpa.status));
      }
      load.set(name, 5);
      await waitReplicas(name, (n) => n === 1, 'back to 1 replica');
      load.delete(name);
    });

    test(`${mode} mode: cpu + aws-sqs-queue on one ScaledObject: the queue activates 0→N, cpu alone keeps nothing up, and it goes back to 0`, async () => {
      const name = `mix-${mode}`;
      const queue = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
      await deployment(name, 0);
      await scaledObject(
        name,
        mode,
        [
          cpuTrigger,
          {
            type: 'aws-sqs-queue',
            metadata: { queueURL: queue, queueLength: '5', awsRegion: 'us-west-2', awsEndpoint: moto.endpoint, identityOwner: 'operator' },
          },
        ],
        { minReplicaCount: 0 },
      );
      if (mode === 'hpa') {
        await waitFor('the generated HPA', async () => (await kubectl(['get', 'hpa', `keda-hpa-${name}`, '-o', 'json']).catch(() => '')) !== '', 60_000, 500);
        const hpa = JSON.parse(await kubectl(['get', 'hpa', `keda-hpa-${name}`, '-o', 'json']));
        assert.deepEqual(
          hpa.spec.metrics.map((m: { type: string }) => m.type),
          ['External', 'Resource'],
        );
      }
      for (let i = 0; i < 2; i++) {
        await sqs.send(
          new SendMessageBatchCommand({ QueueUrl: queue, Entries: Array.from({ length: 10 }, (_, j) => ({ Id: `m${j}`, MessageBody: `m${i}-${j}` })) }),
        );
      }
      // 20 messages / 5 per replica = 4 (cpu is idle: 5m per pod).
      await waitReplicas(name, (n) => n === 4, 'scaled to 4 on the queue');
      await sqs.send(new PurgeQueueCommand({ QueueUrl: queue }));
      await waitReplicas(name, (n) => n === 0, 'back to 0 once the queue is empty (cpu triggers do not keep it active)');
    });
  }
});
