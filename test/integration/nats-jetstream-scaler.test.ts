// The nats-jetstream scaler against real nats-server JetStream (scripts/deps/nats-server.sh, test/support/nats.ts):
// exact lag and activation from published/fetched/acked messages on one node, each error kind, one HTTP client for
// many triggers; and KEDA's leader lookup on a real three-node cluster, including a consumer leader step-down.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AckPolicy, connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { HttpGetter } from '../../src/scalers/common/http-get.ts';
import { buildScaler } from '../../src/scalers/index.ts';
import { httpGetJson, JetStreamMonitor, natsHttpClients, parse } from '../../src/scalers/nats-jetstream.ts';
import { ReadError } from '../../src/scalers/scaler.ts';
import { freePort } from '../support/free-port.ts';
import { startNats, type LocalNats } from '../support/nats.ts';
import { contextFor } from '../support/scaler-context.ts';
import { eventually } from '../support/wait.ts';

const signal = () => AbortSignal.timeout(10_000);
const enc = new TextEncoder();

async function setup(nats: LocalNats, replicas: number): Promise<{ nc: NatsConnection; jsm: JetStreamManager; js: JetStreamClient }> {
  const nc = await connect({ servers: nats.servers });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: 'mystream', subjects: ['jobs.>'], num_replicas: replicas });
  await jsm.consumers.add('mystream', { durable_name: 'pull_consumer', ack_policy: AckPolicy.Explicit, ack_wait: 60_000_000_000 });
  return { nc, jsm, js: nc.jetstream() };
}

async function readOnce(metadata: Record<string, string>) {
  const s = buildScaler(contextFor('nats-jetstream', metadata));
  try {
    return await s.read(signal());
  } finally {
    await s.close();
  }
}

async function readError(metadata: Record<string, string>): Promise<ReadError> {
  try {
    await readOnce(metadata);
  } catch (e) {
    assert.ok(e instanceof ReadError, `expected ReadError, got ${String(e)}`);
    return e;
  }
  throw new Error('expected the read to fail');
}

describe('nats-jetstream scaler against a real single-node JetStream', () => {
  let nats: LocalNats;
  let conn: Awaited<ReturnType<typeof setup>>;
  let md: Record<string, string>;
  before(async () => {
    nats = await startNats(1);
    conn = await setup(nats, 1);
    md = {
      natsServerMonitoringEndpoint: nats.nodes[0].monitor,
      account: '$G',
      stream: 'mystream',
      consumer: 'pull_consumer',
      lagThreshold: '5',
      activationLagThreshold: '10',
    };
  });
  after(async () => {
    await conn?.nc.close();
    await nats?.stop();
  });

  test('lag = pending + ack pending: 0, 12 published (active), 3 fetched unacked (still 12), 3 acked (9, not active)', async () => {
    const s = buildScaler(contextFor('nats-jetstream', md));
    try {
      assert.equal(s.metricSpecs[0].metricName, 's0-nats-jetstream-mystream');
      assert.equal(s.metricSpecs[0].target, 5);
      assert.deepEqual(await s.read(signal()), { metrics: [{ name: 's0-nats-jetstream-mystream', value: 0 }], active: false });
      for (let i = 0; i < 12; i++) await conn.js.publish('jobs.a', enc.encode(`m${i}`));
      assert.deepEqual(await s.read(signal()), { metrics: [{ name: 's0-nats-jetstream-mystream', value: 12 }], active: true });
      const consumer = await conn.js.consumers.get('mystream', 'pull_consumer');
      const fetched = [];
      for (let i = 0; i < 3; i++) fetched.push((await consumer.next({ expires: 5000 }))!);
      const afterFetch = await eventually(
        '3 fetched messages counted as ack pending',
        async () => {
          const info = await conn.jsm.consumers.info('mystream', 'pull_consumer');
          return info.num_ack_pending === 3 ? info : undefined;
        },
        10_000,
      );
      assert.equal(afterFetch.num_pending, 9);
      assert.equal((await s.read(signal())).metrics[0].value, 12);
      for (const m of fetched) await m.ackAck();
      assert.deepEqual(await s.read(signal()), { metrics: [{ name: 's0-nats-jetstream-mystream', value: 9 }], active: false });
    } finally {
      await s.close();
    }
  });

  test('an account given by accountID (the id of the default account is $G too)', async () => {
    const r = await readOnce({ ...md, account: '', accountID: '$G' });
    assert.equal(r.metrics[0].value, 9);
  });

  test('a stream that does not exist is an empty error naming it', async () => {
    const e = await readError({ ...md, stream: 'nostream' });
    assert.equal(e.kind, 'empty');
    assert.match(e.message, /stream "nostream" not found in account "\$G"/);
  });

  test('a consumer that does not exist is an empty error naming it and the stream', async () => {
    const e = await readError({ ...md, consumer: 'noconsumer' });
    assert.equal(e.kind, 'empty');
    assert.match(e.message, /consumer "noconsumer" not found in stream "mystream"/);
  });

  test('an account with no JetStream data reads as a missing stream', async () => {
    const e = await readError({ ...md, account: 'nobody' });
    assert.match(e.message, /stream "mystream" not found in account "nobody"/);
  });

  test('a port with no server is unreachable', async () => {
    const e = await readError({ ...md, natsServerMonitoringEndpoint: `127.0.0.1:${await freePort()}` });
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, /cannot reach http:\/\/127\.0\.0\.1:\d+\/jsz \(ECONNREFUSED\)/);
  });

  test('100 triggers on one monitoring endpoint share one HTTP client', async () => {
    const before = natsHttpClients.size;
    const scalers = Array.from({ length: 100 }, (_, i) => buildScaler(contextFor('nats-jetstream', md, { triggerIndex: i % 3 })));
    try {
      assert.equal(natsHttpClients.size, before + 1);
      const values = (await Promise.all(scalers.map((s) => s.read(signal())))).map((r) => r.metrics[0].value);
      assert.ok(
        values.every((v) => v === 9),
        values.join(','),
      );
    } finally {
      await Promise.all(scalers.map((s) => s.close()));
    }
    assert.equal(natsHttpClients.size, before);
  });
});

describe('nats-jetstream leader lookup on a real three-node JetStream cluster', () => {
  let nats: LocalNats;
  let conn: Awaited<ReturnType<typeof setup>>;
  const http = new HttpGetter('http:');
  before(async () => {
    nats = await startNats(3);
    conn = await setup(nats, 3);
    for (let i = 0; i < 7; i++) await conn.js.publish('jobs.a', enc.encode(`m${i}`));
    const consumer = await conn.js.consumers.get('mystream', 'pull_consumer');
    await consumer.next({ expires: 5000 }); // one delivered, not acked: 6 pending + 1 ack pending on the leader
  });
  after(async () => {
    http.close();
    await conn?.nc.close();
    await nats?.stop();
  });

  const leaderName = async () => (await conn.jsm.consumers.info('mystream', 'pull_consumer')).cluster?.leader ?? '';

  test('asked through a follower, the reader finds the consumer leader via /varz and reads 7 there', async () => {
    const leader = await eventually('a consumer leader', async () => (await leaderName()) || undefined, 10_000);
    const follower = nats.nodes.find((n) => n.name !== leader)!;
    const leaderNode = nats.nodes.find((n) => n.name === leader)!;
    const config = parse({
      metadata: { natsServerMonitoringEndpoint: follower.monitor, account: '$G', stream: 'mystream', consumer: 'pull_consumer' },
      authParams: {},
      resolvedEnv: {},
    });
    const monitor = new JetStreamMonitor(config, httpGetJson(http, 3000));
    assert.equal(await monitor.lag(signal()), 7);
    assert.equal(monitor.consumerLeader, leader);
    assert.equal(new URL(monitor.leaderURL).host, leaderNode.monitor);
    // The scaler through buildScaler reads the same.
    const r = await readOnce({
      natsServerMonitoringEndpoint: follower.monitor,
      account: '$G',
      stream: 'mystream',
      consumer: 'pull_consumer',
      activationLagThreshold: '6',
    });
    assert.deepEqual(r, { metrics: [{ name: 's0-nats-jetstream-mystream', value: 7 }], active: true });
  });

  test('after a consumer leader step-down, the same reader finds the new leader', async () => {
    const config = parse({
      metadata: { natsServerMonitoringEndpoint: nats.nodes[0].monitor, account: '$G', stream: 'mystream', consumer: 'pull_consumer' },
      authParams: {},
      resolvedEnv: {},
    });
    const monitor = new JetStreamMonitor(config, httpGetJson(http, 3000));
    assert.equal(await monitor.lag(signal()), 7);
    const old = monitor.consumerLeader;
    await conn.nc.request('$JS.API.CONSUMER.LEADER.STEPDOWN.mystream.pull_consumer', undefined, { timeout: 5000 });
    const now = await eventually(
      'a new consumer leader',
      async () => {
        const l = await leaderName().catch(() => '');
        return l && l !== old ? l : undefined;
      },
      20_000,
    );
    const lag = await eventually(
      'the reader on the new leader',
      async () => {
        const v = await monitor.lag(signal());
        return monitor.consumerLeader === now ? v : undefined;
      },
      20_000,
    );
    assert.equal(lag, 7);
    assert.equal(new URL(monitor.leaderURL).host, nats.nodes.find((n) => n.name === now)!.monitor);
  });
});
