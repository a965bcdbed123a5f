// Credentials through the cluster, against moto with request authentication on (every call must be SigV4-signed
// by a known IAM key): a TriggerAuthentication reading keys from a Secret, a ClusterTriggerAuthentication reading
// them from a Secret in the operator's namespace, and the target container's env (`...FromEnv`). A wrong key is
// reported (Event, log) without the secret ever appearing; fixing the TriggerAuthentication, or rotating the
// Secret it reads, takes effect without touching the ScaledObject.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { deploymentObject } from '../support/manifests.ts';
import { startTestOperator, type TestOperator } from '../support/test-operator.ts';
import { waitFor } from '../support/wait.ts';
import { installCrds } from '../support/metrics-api-registration.ts';
import { createIamUserKeys, startMoto, type Moto } from '../support/moto.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const WRONG_SECRET = 'wrong-secret-that-must-never-be-printed';

describe('credentials through the cluster (moto with SigV4 checked)', { timeout: 600_000 }, () => {
  let cp: ControlPlane;
  let moto: Moto;
  let op: TestOperator;
  let keys: { accessKeyId: string; secretAccessKey: string };
  const queues: Record<string, string> = {};
  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const apply = (...items: unknown[]) => kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  const replicas = async (name: string) => Number(await kubectl(['get', 'deployment', name, '-o', 'jsonpath={.spec.replicas}']));
  const waitReplicas = (name: string, n: number, timeoutMs = 60_000) =>
    waitFor(`${name} at ${n} replicas`, async () => (await replicas(name)) === n, timeoutMs, 250);
  const deployment = (name: string, env: Array<{ name: string; value: string }> = []) => deploymentObject(name, 0, { env });
  const secret = (name: string, namespace: string, data: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    stringData: data,
  });
  const sqsObject = (name: string, metadata: Record<string, string>, authenticationRef?: { name: string; kind?: string }) => ({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, namespace: 'default' },
    spec: {
      scaleTargetRef: { name },
      pollingInterval: 1,
      cooldownPeriod: 5,
      maxReplicaCount: 10,
      triggers: [
        {
          type: 'aws-sqs-queue',
          metadata: { queueURL: queues[name], queueLength: '5', awsRegion: 'us-west-2', awsEndpoint: moto.endpoint, ...metadata },
          ...(authenticationRef ? { authenticationRef } : {}),
        },
      ],
    },
  });

  before(async () => {
    cp = await startControlPlane();
    await installCrds(cp, root);
    await kubectl(['create', 'namespace', 'updraft-system']);
    moto = await startMoto({ auth: true });
    keys = await createIamUserKeys(moto, 'updraft');
    const sqs = new SQSClient({ region: 'us-west-2', endpoint: moto.endpoint, credentials: keys });
    for (const name of ['from-secret', 'from-cluster', 'from-env']) {
      queues[name] = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
      for (let i = 0; i < 12; i++) await sqs.send(new SendMessageCommand({ QueueUrl: queues[name], MessageBody: `m${i}` }));
    }
    sqs.destroy();
    await moto.resetAuth(0); // from now on every request must be signed by a known key
    op = await startTestOperator(cp, { namespace: 'updraft-system' });
  });

  after(async () => {
    await op?.stop();
    await moto?.stop();
    await cp?.stop();
  });

  test('TriggerAuthentication → Secret: a wrong key is refused and reported without the secret; fixing the TriggerAuthentication scales 0 → 3', async () => {
    await apply(
      secret('sqs-wrong', 'default', { AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: WRONG_SECRET }),
      secret('sqs-good', 'default', { AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey }),
      {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'TriggerAuthentication',
        metadata: { name: 'sqs-auth', namespace: 'default' },
        spec: {
          secretTargetRef: [
            { parameter: 'awsAccessKeyID', name: 'sqs-wrong', key: 'AWS_ACCESS_KEY_ID' },
            { parameter: 'awsSecretAccessKey', name: 'sqs-wrong', key: 'AWS_SECRET_ACCESS_KEY' },
          ],
        },
      },
      deployment('from-secret'),
      sqsObject('from-secret', {}, { name: 'sqs-auth' }),
    );
    await waitFor(
      'a KEDAScalerFailed Event',
      async () =>
        /KEDAScalerFailed/.test(await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=from-secret', '-o', 'jsonpath={.items[*].reason}'])),
      30_000,
      250,
    );
    const messages = await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=from-secret', '-o', 'jsonpath={.items[*].message}']);
    assert.match(messages, /refused for access key/);
    assert.equal(await replicas('from-secret'), 0, 'nothing scales on a failed read');

    // Fix the TriggerAuthentication (point it at the good Secret): picked up without touching the ScaledObject.
    await kubectl([
      'patch',
      'triggerauthentication',
      'sqs-auth',
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'replace', path: '/spec/secretTargetRef/1/name', value: 'sqs-good' }]),
    ]);
    await waitReplicas('from-secret', 3); // ceil(12 / 5)
    const all = `${op.logs.join('\n')}\n${await kubectl(['get', 'events', '-A', '-o', 'json'])}\n${await kubectl(['get', 'scaledobjects', '-A', '-o', 'json'])}`;
    assert.doesNotMatch(all, new RegExp(WRONG_SECRET));
    assert.doesNotMatch(all, new RegExp(keys.secretAccessKey.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
  });

  test('ClusterTriggerAuthentication reads its Secret from the operator namespace; a rotated Secret is picked up after a failed read', async () => {
    await apply(
      secret('sqs-cluster', 'updraft-system', { id: keys.accessKeyId, key: WRONG_SECRET }),
      {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ClusterTriggerAuthentication',
        metadata: { name: 'sqs-cluster-auth' },
        spec: {
          secretTargetRef: [
            { parameter: 'awsAccessKeyID', name: 'sqs-cluster', key: 'id' },
            { parameter: 'awsSecretAccessKey', name: 'sqs-cluster', key: 'key' },
          ],
        },
      },
      deployment('from-cluster'),
      sqsObject('from-cluster', {}, { name: 'sqs-cluster-auth', kind: 'ClusterTriggerAuthentication' }),
    );
    await waitFor(
      'a KEDAScalerFailed Event',
      async () =>
        /KEDAScalerFailed/.test(await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=from-cluster', '-o', 'jsonpath={.items[*].reason}'])),
      30_000,
      250,
    );
    // Rotate the Secret only: after a failed read the operator rebuilds the scaler (as KEDA does) and reads it again.
    await apply(secret('sqs-cluster', 'updraft-system', { id: keys.accessKeyId, key: keys.secretAccessKey }));
    await waitReplicas('from-cluster', 3, 90_000);
  });

  test("...FromEnv parameters read the target container's env", async () => {
    await apply(
      deployment('from-env', [
        { name: 'SQS_KEY_ID', value: keys.accessKeyId },
        { name: 'SQS_SECRET', value: keys.secretAccessKey },
      ]),
      sqsObject('from-env', { awsAccessKeyIDFromEnv: 'SQS_KEY_ID', awsSecretAccessKeyFromEnv: 'SQS_SECRET' }),
    );
    await waitReplicas('from-env', 3);
  });
});
