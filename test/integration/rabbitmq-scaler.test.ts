// The rabbitmq scaler against a real RabbitMQ node (Debian rabbitmq-server with the management plugin,
// scripts/deps/rabbitmq.sh) started in the foreground on loopback ports: queue length over AMQP and over the
// management API, regex queues with sum/max/avg, a vhost and a user of its own, activation, each error kind, and
// that many triggers on one broker share one AMQP connection.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildScaler } from '../../src/scalers/index.ts';
import { rabbitmqPoolSizes } from '../../src/scalers/rabbitmq.ts';
import { ReadError, type Scaler } from '../../src/scalers/scaler.ts';
import { freePort } from '../support/free-port.ts';
import { startRabbitMQ, type LocalRabbitMQ } from '../support/rabbitmq.ts';
import { contextFor, readErrorOf, readScalerOnce } from '../support/scaler-context.ts';

const signal = () => AbortSignal.timeout(10_000);

function scaler(metadata: Record<string, string>, authParams: Record<string, string> = {}): Scaler {
  return buildScaler(contextFor('rabbitmq', metadata, { authParams }));
}

const readOnce = (metadata: Record<string, string>, authParams: Record<string, string> = {}) =>
  readScalerOnce(contextFor('rabbitmq', metadata, { authParams }), 10_000);
const readError = (metadata: Record<string, string>, authParams: Record<string, string> = {}) => readErrorOf(readOnce(metadata, authParams));

describe('rabbitmq scaler against a real RabbitMQ', () => {
  let rmq: LocalRabbitMQ;
  let host: string;
  before(async () => {
    rmq = await startRabbitMQ();
    host = `127.0.0.1:${rmq.amqpPort}`;
    await rmq.fill('orders', 12);
    await rmq.fill('jobs.a', 3);
    await rmq.fill('jobs.b', 6);
    await rmq.fill('empty', 0);
    // A vhost of its own and a user allowed only there.
    assert.ok((await rmq.api('PUT', '/api/vhosts/team-a')).ok);
    assert.ok((await rmq.api('PUT', '/api/users/scaler', { password: 'scaler-pw', tags: 'monitoring' })).ok);
    assert.ok((await rmq.api('PUT', '/api/permissions/team-a/scaler', { configure: '.*', write: '.*', read: '.*' })).ok);
    assert.ok((await rmq.api('PUT', '/api/permissions/team-a/guest', { configure: '.*', write: '.*', read: '.*' })).ok);
    await rmq.fill('billing', 4, 'team-a');
    for (const [q, n] of [
      ['orders', 12],
      ['jobs.a', 3],
      ['jobs.b', 6],
      ['empty', 0],
    ] as const)
      await rmq.waitForMessages(q, n);
    await rmq.waitForMessages('billing', 4, 'team-a');
  });
  after(async () => rmq?.stop());

  const cases: Array<{
    name: string;
    metadata: () => Record<string, string>;
    authParams?: Record<string, string>;
    metric: string;
    target: number;
    value: number;
    active: boolean;
  }> = [
    {
      name: 'AMQP: 12 messages against value 5',
      metadata: () => ({ host: rmq.amqpUrl, queueName: 'orders', mode: 'QueueLength', value: '5' }),
      metric: 's0-rabbitmq-orders',
      target: 5,
      value: 12,
      active: true,
    },
    {
      name: 'AMQP: the deprecated queueLength form',
      metadata: () => ({ host: rmq.amqpUrl, queueName: 'orders', queueLength: '4' }),
      metric: 's0-rabbitmq-orders',
      target: 4,
      value: 12,
      active: true,
    },
    {
      name: 'AMQP: no mode, value or queueLength is QueueLength 20 (KEDA default)',
      metadata: () => ({ host: rmq.amqpUrl, queueName: 'orders' }),
      metric: 's0-rabbitmq-orders',
      target: 20,
      value: 12,
      active: true,
    },
    {
      name: 'AMQP: an empty queue is 0 and inactive',
      metadata: () => ({ host: rmq.amqpUrl, queueName: 'empty' }),
      metric: 's0-rabbitmq-empty',
      target: 20,
      value: 0,
      active: false,
    },
    {
      name: 'AMQP: activationValue 12 keeps 12 messages inactive (strict)',
      metadata: () => ({ host: rmq.amqpUrl, queueName: 'orders', mode: 'QueueLength', value: '5', activationValue: '12' }),
      metric: 's0-rabbitmq-orders',
      target: 5,
      value: 12,
      active: false,
    },
    {
      name: 'AMQP: vhostName and credentials from the TriggerAuthentication',
      metadata: () => ({ host: `amqp://${host}/`, queueName: 'billing', vhostName: 'team-a' }),
      authParams: { username: 'scaler', password: 'scaler-pw' },
      metric: 's0-rabbitmq-billing',
      target: 20,
      value: 4,
      active: true,
    },
    {
      name: 'AMQP: the vhost in the host URL',
      metadata: () => ({ host: `amqp://guest:guest@${host}/team-a`, queueName: 'billing' }),
      metric: 's0-rabbitmq-billing',
      target: 20,
      value: 4,
      active: true,
    },
    {
      name: 'HTTP: the management API reports 12 messages',
      metadata: () => ({ host: rmq.httpUrl, queueName: 'orders', mode: 'QueueLength', value: '5' }),
      metric: 's0-rabbitmq-orders',
      target: 5,
      value: 12,
      active: true,
    },
    {
      name: 'HTTP: a vhost as the last path segment',
      metadata: () => ({ host: `http://guest:guest@127.0.0.1:${rmq.httpPort}/team-a`, queueName: 'billing' }),
      metric: 's0-rabbitmq-billing',
      target: 20,
      value: 4,
      active: true,
    },
    {
      name: 'HTTP: regex sum over jobs.a and jobs.b',
      metadata: () => ({ host: rmq.httpUrl, queueName: '^jobs\\..*', useRegex: 'true', mode: 'QueueLength', value: '2' }),
      metric: 's0-rabbitmq--5Ejobs-5C---2A',
      target: 2,
      value: 9,
      active: true,
    },
    {
      name: 'HTTP: regex max',
      metadata: () => ({ host: rmq.httpUrl, queueName: '^jobs\\..*', useRegex: 'true', operation: 'max', mode: 'QueueLength', value: '2' }),
      metric: 's0-rabbitmq--5Ejobs-5C---2A',
      target: 2,
      value: 6,
      active: true,
    },
    {
      name: 'HTTP: regex avg (integer division, as KEDA)',
      metadata: () => ({ host: rmq.httpUrl, queueName: '^jobs\\..*', useRegex: 'true', operation: 'avg', mode: 'QueueLength', value: '2' }),
      metric: 's0-rabbitmq--5Ejobs-5C---2A',
      target: 2,
      value: 4,
      active: true,
    },
    {
      name: 'HTTP: a regex matching nothing is 0 and inactive',
      metadata: () => ({ host: rmq.httpUrl, queueName: '^nothing$', useRegex: 'true' }),
      metric: 's0-rabbitmq--5Enothing-24',
      target: 20,
      value: 0,
      active: false,
    },
    {
      name: 'HTTP: credentials from the TriggerAuthentication, vhostName',
      metadata: () => ({ host: `http://127.0.0.1:${rmq.httpPort}`, queueName: 'billing', vhostName: 'team-a' }),
      authParams: { username: 'scaler', password: 'scaler-pw' },
      metric: 's0-rabbitmq-billing',
      target: 20,
      value: 4,
      active: true,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { reading, spec } = await readOnce(c.metadata(), c.authParams);
      assert.equal(spec.metricName, c.metric);
      assert.equal(spec.target, c.target);
      assert.deepEqual(reading.metrics, [{ name: c.metric, value: c.value }]);
      assert.equal(reading.active, c.active);
    });
  }

  test('HTTP: MessageRate reads the publish rate while messages are published', async () => {
    // The publish rate decays to 0 once publishing stops; the 50 waiting messages keep the trigger active (KEDA).
    await rmq.fill('rates', 50);
    await rmq.waitForMessages('rates', 50);
    const { reading } = await readOnce({ host: rmq.httpUrl, queueName: 'rates', mode: 'MessageRate', value: '10' });
    assert.ok(reading.metrics[0].value >= 0);
    assert.equal(reading.active, true);
  });

  const errors: Array<{ name: string; metadata: () => Record<string, string>; authParams?: Record<string, string>; kind: ReadError['kind']; message: RegExp }> =
    [
      {
        name: 'AMQP: a queue that does not exist is a bad query naming it',
        metadata: () => ({ host: rmq.amqpUrl, queueName: 'no-such-queue' }),
        kind: 'bad-query',
        message: /queue no-such-queue not found in vhost \//,
      },
      {
        name: 'AMQP: a wrong password is auth, without echoing it',
        metadata: () => ({ host: `amqp://guest:wrong-secret-pw@${host}/`, queueName: 'orders' }),
        kind: 'auth',
        message: /refused the credentials/,
      },
      {
        name: 'AMQP: a vhost the user may not use is auth naming vhostName',
        metadata: () => ({ host: `amqp://${host}/`, queueName: 'orders', vhostName: 'no-such-vhost' }),
        authParams: { username: 'scaler', password: 'scaler-pw' },
        kind: 'auth',
        message: /vhost no-such-vhost does not exist or the user may not use it/,
      },
      {
        name: 'HTTP: a queue that does not exist is a bad query (404)',
        metadata: () => ({ host: rmq.httpUrl, queueName: 'no-such-queue' }),
        kind: 'bad-query',
        message: /queue no-such-queue not found \(status 404/,
      },
      {
        name: 'HTTP: a wrong password is auth (401), without echoing it',
        metadata: () => ({ host: `http://guest:wrong-secret-pw@127.0.0.1:${rmq.httpPort}/`, queueName: 'orders' }),
        kind: 'auth',
        message: /refused the credentials \(status 401\)/,
      },
    ];
  for (const c of errors) {
    test(c.name, async () => {
      const e = await readError(c.metadata(), c.authParams);
      assert.equal(e.kind, c.kind);
      assert.match(e.message, c.message);
      assert.doesNotMatch(e.message, /wrong-secret-pw|scaler-pw|guest:guest/);
    });
  }

  test('after a missing queue the shared channel is reopened for the next read', async () => {
    const s = scaler({ host: rmq.amqpUrl, queueName: 'orders' });
    const missing = scaler({ host: rmq.amqpUrl, queueName: 'no-such-queue' });
    try {
      await assert.rejects(missing.read(signal()), ReadError);
      assert.equal((await s.read(signal())).metrics[0].value, 12);
    } finally {
      await Promise.all([s.close(), missing.close()]);
    }
  });

  test('500 AMQP triggers on one broker and one user hold one connection; the broker sees one', async () => {
    const before = rabbitmqPoolSizes();
    const scalers = Array.from({ length: 500 }, (_, i) => scaler({ host: rmq.amqpUrl, queueName: i % 2 ? 'orders' : 'jobs.b' }));
    try {
      assert.equal(rabbitmqPoolSizes().amqp, before.amqp + 1);
      const values = await Promise.all(scalers.map(async (s) => (await s.read(signal())).metrics[0].value));
      assert.deepEqual(new Set(values), new Set([12, 6]));
      const conns = (await (await rmq.api('GET', '/api/connections')).json()) as Array<{ client_properties?: { connection_name?: string } }>;
      const ours = conns.filter((c) => c.client_properties?.connection_name === 'keda-default-test-so');
      assert.ok(ours.length <= 1, `the broker lists ${ours.length} connections named keda-default-test-so`);
    } finally {
      await Promise.all(scalers.map((s) => s.close()));
    }
    assert.equal(rabbitmqPoolSizes().amqp, before.amqp);
  });

  test('100 HTTP triggers on one management endpoint share one agent', async () => {
    const before = rabbitmqPoolSizes();
    const scalers = Array.from({ length: 100 }, () => scaler({ host: rmq.httpUrl, queueName: 'orders' }));
    try {
      assert.equal(rabbitmqPoolSizes().http, before.http + 1);
      const values = await Promise.all(scalers.map(async (s) => (await s.read(signal())).metrics[0].value));
      assert.ok(values.every((v) => v === 12));
    } finally {
      await Promise.all(scalers.map((s) => s.close()));
    }
    assert.equal(rabbitmqPoolSizes().http, before.http);
  });
});

describe('rabbitmq scaler: unreachable brokers', () => {
  test('AMQP: a closed port is unreachable and names the broker without credentials', async () => {
    const port = await freePort();
    const e = await readError({ host: `amqp://guest:secret-pw@127.0.0.1:${port}/`, queueName: 'q' });
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, new RegExp(`cannot reach amqp://127\\.0\\.0\\.1:${port}/%2F \\(ECONNREFUSED\\)`));
    assert.doesNotMatch(e.message, /secret-pw/);
  });

  test('HTTP: a closed port is unreachable', async () => {
    const port = await freePort();
    const e = await readError({ host: `http://guest:secret-pw@127.0.0.1:${port}/`, queueName: 'q' });
    assert.equal(e.kind, 'unreachable');
    assert.doesNotMatch(e.message, /secret-pw/);
  });
});
