// The operator (direct mode) on a real control plane, reading a real Kafka broker (KRaft, test/support/kafka.ts):
// a ScaledObject with a kafka trigger whose SCRAM-SHA-512 credentials come from a Secret through a
// TriggerAuthentication scales a Deployment 0→N→0 as messages are produced and a real consumer group catches up.
// N is KEDA's partition cap: 40 messages of lag over 6 partitions at lagThreshold 5 wants 8 replicas, and gets 6.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { startKafka, type KafkaBroker } from '../support/kafka.ts';
import { deploymentObject } from '../support/manifests.ts';
import { installCrds } from '../support/metrics-api-registration.ts';
import { startTestOperator, type TestOperator } from '../support/test-operator.ts';
import { eventually as poll } from '../support/wait.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const eventually = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000) => poll(what, check, timeoutMs, 200);

describe('kafka ScaledObject on a real control plane', { timeout: 600_000 }, () => {
  let cp: ControlPlane;
  let k: KafkaBroker;
  let op: TestOperator;
  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
  const replicas = async (name: string) => (await getJson<{ spec: { replicas: number } }>(['get', 'deployment', name])).spec.replicas;
  const lastValue = () => op.op.controller.runner('default', 'orders-worker')?.last?.readings[0]?.metrics[0]?.value;

  before(async () => {
    cp = await startControlPlane();
    await installCrds(cp, root);
    k = await startKafka();
    await k.createTopic('orders', 6);
    // The group starts caught up on an empty topic (committed 0 everywhere), so the lag is 0, not KEDA's 1 per
    // uncommitted partition.
    await k.commit('orders-workers', 'orders', { 0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 });
    op = await startTestOperator(cp);
  });
  after(async () => {
    await op?.stop();
    await k?.stop();
    await cp?.stop();
  });

  test('0 → 6 replicas (40 lag, threshold 5, capped at 6 partitions) → 0 when a consumer group catches up', async () => {
    await kubectl(['apply', '-f', '-'], JSON.stringify(deploymentObject('orders-worker', 0)));
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'kafka-secret', namespace: 'default' },
        stringData: { sasl: 'scram_sha512', username: k.user.username, password: k.user.password },
      }),
    );
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'TriggerAuthentication',
        metadata: { name: 'kafka-auth', namespace: 'default' },
        spec: { secretTargetRef: ['sasl', 'username', 'password'].map((key) => ({ parameter: key, name: 'kafka-secret', key })) },
      }),
    );
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'orders-worker', namespace: 'default' },
        spec: {
          scaleTargetRef: { name: 'orders-worker' },
          pollingInterval: 1,
          cooldownPeriod: 3,
          minReplicaCount: 0,
          maxReplicaCount: 10,
          triggers: [
            {
              type: 'kafka',
              authenticationRef: { name: 'kafka-auth' },
              metadata: { bootstrapServers: k.sasl, consumerGroup: 'orders-workers', topic: 'orders', lagThreshold: '5', offsetResetPolicy: 'earliest' },
            },
          ],
        },
      }),
    );
    await eventually('Ready=True', async () => {
      const so = await getJson<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(['get', 'scaledobject', 'orders-worker']);
      return so.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? true : undefined;
    });
    const so = await getJson<{ status: { externalMetricNames?: string[]; triggersTypes?: string } }>(['get', 'scaledobject', 'orders-worker']);
    assert.deepEqual(so.status.externalMetricNames, ['s0-kafka-orders']);
    assert.equal(so.status.triggersTypes, 'kafka');
    await eventually('a poll reading lag 0', async () => (lastValue() === 0 ? true : undefined));
    assert.equal(await replicas('orders-worker'), 0);

    await k.produce('orders', { 0: 10, 1: 10, 2: 10, 3: 10 });
    await eventually('replicas = 6 (40 / 5 = 8, capped at the 6 partitions)', async () => ((await replicas('orders-worker')) === 6 ? true : undefined));
    assert.equal(lastValue(), 30, 'the metric is capped at partitions × lagThreshold');

    // A real consumer of the group reads everything and commits; the lag goes to 0.
    const consumer = new Consumer({
      clientId: 'orders-consumer',
      groupId: 'orders-workers',
      bootstrapBrokers: [k.plaintext],
      deserializers: stringDeserializers,
    });
    let consumed = 0;
    try {
      const stream = await consumer.consume({ topics: ['orders'], mode: 'committed', fallbackMode: 'earliest', autocommit: 100 });
      stream.on('data', () => {
        consumed++;
      });
      await eventually('the consumer read the 40 messages', async () => (consumed >= 40 ? true : undefined));
      await eventually('replicas back to 0 after cooldown', async () => ((await replicas('orders-worker')) === 0 ? true : undefined));
      assert.equal(lastValue(), 0);
      const status = (await getJson<{ status: { triggersActivity?: Record<string, { isActive: boolean }> } }>(['get', 'scaledobject', 'orders-worker'])).status;
      assert.deepEqual(status.triggersActivity, { 's0-kafka-orders': { isActive: false } });
      await stream.close();
    } finally {
      await consumer.close(true);
    }
  });
});
