// The operator (direct mode) on a real control plane, reading a real RabbitMQ over AMQP: a ScaledObject whose
// rabbitmq trigger takes its amqp:// host (with the password) from a Secret through a TriggerAuthentication scales
// a Deployment 0→N as real messages are published to a queue, and back to 0 when a consumer has drained it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect } from 'amqplib';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { deploymentObject } from '../support/manifests.ts';
import { installCrds } from '../support/metrics-api-registration.ts';
import { startRabbitMQ, type LocalRabbitMQ } from '../support/rabbitmq.ts';
import { startTestOperator, type TestOperator } from '../support/test-operator.ts';
import { eventually as poll } from '../support/wait.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const eventually = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000) => poll(what, check, timeoutMs, 200);

describe('rabbitmq ScaledObject on a real control plane', { timeout: 600_000 }, () => {
  let cp: ControlPlane;
  let rmq: LocalRabbitMQ;
  let op: TestOperator;
  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
  const replicas = async (name: string) => (await getJson<{ spec: { replicas: number } }>(['get', 'deployment', name])).spec.replicas;

  before(async () => {
    cp = await startControlPlane();
    await installCrds(cp, root);
    rmq = await startRabbitMQ();
    await rmq.fill('orders', 0);
    op = await startTestOperator(cp);
  });
  after(async () => {
    await op?.stop();
    await rmq?.stop();
    await cp?.stop();
  });

  test('0 → 5 replicas for 23 published messages (value 5) → 0 when they are consumed', async () => {
    await kubectl(['apply', '-f', '-'], JSON.stringify(deploymentObject('orders-consumer', 0)));
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'rabbitmq', namespace: 'default' }, stringData: { host: rmq.amqpUrl } }),
    );
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'TriggerAuthentication',
        metadata: { name: 'rabbitmq-auth', namespace: 'default' },
        spec: { secretTargetRef: [{ parameter: 'host', name: 'rabbitmq', key: 'host' }] },
      }),
    );
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'orders-consumer', namespace: 'default' },
        spec: {
          scaleTargetRef: { name: 'orders-consumer' },
          pollingInterval: 1,
          cooldownPeriod: 3,
          minReplicaCount: 0,
          maxReplicaCount: 10,
          triggers: [{ type: 'rabbitmq', authenticationRef: { name: 'rabbitmq-auth' }, metadata: { queueName: 'orders', mode: 'QueueLength', value: '5' } }],
        },
      }),
    );
    await eventually('Ready=True', async () => {
      const so = await getJson<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(['get', 'scaledobject', 'orders-consumer']);
      return so.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? true : undefined;
    });
    const so = await getJson<{ status: { externalMetricNames?: string[]; triggersTypes?: string } }>(['get', 'scaledobject', 'orders-consumer']);
    assert.deepEqual(so.status.externalMetricNames, ['s0-rabbitmq-orders']);
    assert.equal(so.status.triggersTypes, 'rabbitmq');
    await eventually('a poll reading 0 messages', async () =>
      op.op.controller.runner('default', 'orders-consumer')?.last?.readings[0]?.metrics[0]?.value === 0 ? true : undefined,
    );
    assert.equal(await replicas('orders-consumer'), 0);

    // Real messages through AMQP.
    const conn = await connect(rmq.amqpUrl);
    try {
      const ch = await conn.createConfirmChannel();
      for (let i = 0; i < 23; i++) ch.sendToQueue('orders', Buffer.from(`order-${i}`), { persistent: true });
      await ch.waitForConfirms();
      await eventually('replicas = 5 (ceil(23 / 5))', async () => ((await replicas('orders-consumer')) === 5 ? true : undefined));
      const status = (await getJson<{ status: { triggersActivity?: Record<string, { isActive: boolean }> } }>(['get', 'scaledobject', 'orders-consumer']))
        .status;
      assert.deepEqual(status.triggersActivity, { 's0-rabbitmq-orders': { isActive: true } });

      // A consumer drains the queue (acknowledging each message).
      let consumed = 0;
      await ch.consume('orders', (m) => {
        if (m) {
          ch.ack(m);
          consumed++;
        }
      });
      await eventually('all 23 messages consumed', async () => (consumed === 23 ? true : undefined));
      await ch.close();
    } finally {
      await conn.close();
    }
    await eventually('replicas back to 0 after cooldown', async () => ((await replicas('orders-consumer')) === 0 ? true : undefined));
    const status = (await getJson<{ status: { triggersActivity?: Record<string, { isActive: boolean }> } }>(['get', 'scaledobject', 'orders-consumer'])).status;
    assert.deepEqual(status.triggersActivity, { 's0-rabbitmq-orders': { isActive: false } });
  });
});
