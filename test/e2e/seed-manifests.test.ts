// The walkthroughs' ScaledObjects (shared/reference/seed-manifests, copied to examples/seed-manifests), applied to a
// real control plane with only their endpoints pointed at local sources: the SQS consumer scales 0 → 1 → 5 on 23
// messages through the real HPA controller and back to 0 after cooldownPeriod when the queue empties; the Amazon
// Managed Prometheus object (SigV4-signed, no proxy) holds sample-app at 45 req/s / threshold 10 = 5 replicas.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateQueueCommand, PurgeQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parse } from 'yaml';
import { explainScaledObject } from '../../src/cli/explain.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { deploymentObject } from '../support/manifests.ts';
import { startTestOperator, type TestOperator } from '../support/test-operator.ts';
import { waitFor } from '../support/wait.ts';
import { installCrds, registerMetricsApi } from '../support/metrics-api-registration.ts';
import { startMoto, type Moto } from '../support/moto.ts';
import { startPrometheus, type LocalPrometheus } from '../support/prometheus.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
type Manifest = { metadata: { name: string; namespace: string }; spec: { triggers: Array<{ metadata: Record<string, string> }> } };
const seed = async (file: string) => parse(await readFile(join(root, 'examples', 'seed-manifests', file), 'utf8')) as Manifest;

describe('the seed ScaledObjects on a real control plane (HPA mode, moto and Prometheus as sources)', { timeout: 600_000 }, () => {
  let cp: ControlPlane;
  let moto: Moto;
  let prom: LocalPrometheus;
  let op: TestOperator;
  let sqs: SQSClient;
  let client: KubeClient;
  const saved = { ...process.env };
  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const replicas = async (ns: string, name: string) => Number(await kubectl(['get', 'deployment', '-n', ns, name, '-o', 'jsonpath={.spec.replicas}']));
  const deployment = (ns: string, name: string, n: number) => deploymentObject(name, n, { namespace: ns });
  const waitReplicas = (ns: string, name: string, n: number, timeoutMs = 90_000) =>
    waitFor(`${ns}/${name} at ${n} replicas`, async () => (await replicas(ns, name)) === n, timeoutMs, 250);

  before(async () => {
    // identityOwner: operator → the operator's own credentials (here static keys, as moto accepts any).
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_WEB_IDENTITY_TOKEN_FILE: '', AWS_ROLE_ARN: '' });
    cp = await startControlPlane({ hpaSyncSeconds: 1 });
    await installCrds(cp, root);
    moto = await startMoto();
    prom = await startPrometheus({ counters: { adot_app_request_count_total: { perSecond: 45 } } });
    sqs = new SQSClient({ region: 'us-west-2', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await sqs.send(new CreateQueueCommand({ QueueName: 'app-queue' }));
    const reg = await registerMetricsApi(cp);
    op = await startTestOperator(cp, { defaultMode: 'hpa', externalMetrics: reg.serverOptions });
    client = op.client;
  });

  after(async () => {
    await op?.stop();
    sqs?.destroy();
    await moto?.stop();
    await prom?.stop();
    await cp?.stop();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  test('01 SQS: 23 messages take the consumer 0 → 5 (queueLength 5) and an empty queue returns it to 0 after cooldown', async () => {
    const so = await seed('01-sqs-scaledobject.yaml');
    const ns = so.metadata.namespace;
    so.spec.triggers[0].metadata.awsEndpoint = moto.endpoint; // the only change: where "AWS" is
    await kubectl(['create', 'namespace', ns]);
    await kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [deployment(ns, 'sqs-consumer-backend', 0), so] }));
    await waitFor(
      'Ready=True',
      async () =>
        (await kubectl(['get', 'scaledobject', '-n', ns, so.metadata.name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])) === 'True',
      60_000,
      250,
    );
    assert.equal(await replicas(ns, 'sqs-consumer-backend'), 0, 'an empty queue leaves the consumer at zero');

    const url = (await sqs.send(new CreateQueueCommand({ QueueName: 'app-queue' }))).QueueUrl!;
    for (let i = 0; i < 23; i++) await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `order ${i}` }));
    await waitReplicas(ns, 'sqs-consumer-backend', 5); // pollingInterval 10 s: 0 → 1 by Updraft, then the HPA: ceil(23 / 5)
    // kubectl get hpa as a KEDA user sees it, once the HPA has recorded its last sync (23 / 5 replicas = 4600m).
    await waitFor(
      'kubectl get hpa to show 4600m/5 at 5 replicas',
      async () =>
        /keda-hpa-sqsconsumer-hpa\s+Deployment\/sqs-consumer-backend\s+4600m\/5 \(avg\)\s+1\s+100\s+5\s/.test(
          await kubectl(['get', 'hpa', '-n', ns, 'keda-hpa-sqsconsumer-hpa']),
        ),
      30_000,
      250,
    );
    // `updraft explain` tells the same story from the cluster: the HPA's view and the maths behind 5.
    const story = await explainScaledObject(client, ns, so.metadata.name);
    assert.match(
      story,
      /ScaledObject keda-sqs-guidance\/sqsconsumer-hpa → Deployment keda-sqs-guidance\/sqs-consumer-backend {2}\(mode hpa, HPA keda-hpa-sqsconsumer-hpa\)/,
    );
    assert.match(story, /replicas: 5 wanted/);
    assert.match(story, /s0-aws-sqs-app-queue: 4\.6 per pod \(total 23\) vs target 5 per pod → 5 replicas/);
    assert.match(story, /\[0\] aws-sqs-queue {2}metric s0-aws-sqs-app-queue {2}target 5 \(AverageValue\), active above 0 {2}active/);
    assert.match(story, /Active +True +ScalerActive/);
    assert.match(story, /KEDAScaleTargetActivated/);
    // The activation the operator wrote, with the engine's reason (the updraft.dev/LastScale condition).
    assert.match(story, /\n {2}last scale: 0→1 \d+[sm] ago: scale 0→1: /);
    const active = await kubectl(['get', 'scaledobject', '-n', ns, so.metadata.name]);
    // KEDA's printer columns: MIN MAX READY ACTIVE FALLBACK PAUSED TRIGGERS.
    assert.match(active, /sqsconsumer-hpa\s+apps\/v1\.Deployment\s+sqs-consumer-backend\s+0\s+100\s+True\s+True\s+False\s+False\s+aws-sqs-queue\s/);

    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    await waitReplicas(ns, 'sqs-consumer-backend', 0, 60_000); // cooldownPeriod 10 s, not the HPA's 300 s window
    const events = await kubectl([
      'get',
      'events',
      '-n',
      ns,
      '--field-selector',
      `involvedObject.name=${so.metadata.name}`,
      '-o',
      'jsonpath={.items[*].reason}',
    ]);
    assert.match(events, /KEDAScaleTargetActivated/);
    assert.match(events, /KEDAScaleTargetDeactivated/);
  });

  test('04 AMP: sum(rate(...[1m])) signed with SigV4 (no proxy), 45 req/s / threshold 10 → 5 replicas', async () => {
    const so = await seed('04-amp-prometheus-scaledobject.yaml');
    const ns = so.metadata.namespace;
    assert.equal(so.spec.triggers[0].metadata.awsRegion, 'us-west-2', 'the seed signs for AMP');
    so.spec.triggers[0].metadata.serverAddress = prom.url; // the only change: where the workspace is
    await kubectl(['create', 'namespace', ns]);
    await kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [deployment(ns, 'sample-app', 1), so] }));
    await waitReplicas(ns, 'sample-app', 5);
    const metric = JSON.parse(
      await kubectl([
        'get',
        '--raw',
        `/apis/external.metrics.k8s.io/v1beta1/namespaces/${ns}/s0-prometheus?labelSelector=scaledobject.keda.sh%2Fname%3D${so.metadata.name}`,
      ]),
    ) as { items: Array<{ value: string }> };
    const value = Number(metric.items[0].value.replace(/m$/, '')) / (metric.items[0].value.endsWith('m') ? 1000 : 1);
    assert.ok(Math.abs(value - 45) < 5, `metric ${metric.items[0].value}`);
  });
});
