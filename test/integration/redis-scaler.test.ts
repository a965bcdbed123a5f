// The redis and redis-streams scalers (and their cluster and sentinel variants) against real Redis servers from
// Debian (scripts/deps/redis.sh): a password-protected standalone server, a 3-primary cluster, and a sentinel in
// front of a primary. Each test makes its own keys, drives them to known sizes and checks value and activation,
// each error kind, and that triggers on one server share one client.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { redisPoolSize } from '../../src/scalers/common/redis-connection.ts';
import { buildScaler } from '../../src/scalers/index.ts';
import { ReadError, type Scaler } from '../../src/scalers/scaler.ts';
import { freePort } from '../support/free-port.ts';
import { startRedis, startRedisCluster, startRedisSentinel, type RedisCluster, type RedisSentinel, type RedisServer } from '../support/redis.ts';
import { contextFor, readErrorOf, readScalerOnce } from '../support/scaler-context.ts';

const PASSWORD = 'redis-test-pw';
const signal = () => AbortSignal.timeout(10_000);

function scaler(type: string, metadata: Record<string, string>, authParams: Record<string, string> = {}): Scaler {
  return buildScaler(contextFor(type, metadata, { authParams }));
}

const readOnce = (type: string, metadata: Record<string, string>, authParams: Record<string, string> = {}) =>
  readScalerOnce(contextFor(type, metadata, { authParams }), 10_000);
const readError = (type: string, metadata: Record<string, string>, authParams: Record<string, string> = {}) =>
  readErrorOf(readOnce(type, metadata, authParams));

describe('redis scalers against a standalone redis-server with a password', () => {
  let redis: RedisServer;
  const auth = { password: PASSWORD };
  before(async () => {
    redis = await startRedis({ password: PASSWORD });
    await redis.cli('RPUSH', 'jobs', ...Array.from({ length: 12 }, (_, i) => `j${i}`));
    await redis.cli('SADD', 'set1', 'a', 'b', 'c');
    await redis.cli('ZADD', 'zset1', '1', 'a', '2', 'b');
    await redis.cli('HSET', 'hash1', 'a', '1', 'b', '2', 'c', '3', 'd', '4');
    await redis.cli('SET', 'plain', 'x');
    await redis.cli('-n', '3', 'RPUSH', 'db3list', 'a', 'b');
    // A stream of 6 entries, group `workers` has read 4 (pending) and acknowledged 1; group `idle` read nothing.
    for (let i = 0; i < 6; i++) await redis.cli('XADD', 'orders', '*', 'n', String(i));
    await redis.cli('XGROUP', 'CREATE', 'orders', 'workers', '0');
    await redis.cli('XGROUP', 'CREATE', 'orders', 'idle', '0');
    const read = await redis.cli('XREADGROUP', 'GROUP', 'workers', 'c1', 'COUNT', '4', 'STREAMS', 'orders', '>');
    const firstId = read
      .split('\n')
      .find((l) => /^\d+-\d+$/.test(l.trim()))!
      .trim();
    await redis.cli('XACK', 'orders', 'workers', firstId);
  });
  after(async () => redis?.stop());

  const lists: Array<{ name: string; metadata: Record<string, string>; value: number; active: boolean; target: number }> = [
    { name: 'a list of 12 reads 12 against listLength 5', metadata: { listName: 'jobs' }, value: 12, active: true, target: 5 },
    { name: 'a set reads its cardinality', metadata: { listName: 'set1', listLength: '2' }, value: 3, active: true, target: 2 },
    { name: 'a sorted set reads its cardinality', metadata: { listName: 'zset1' }, value: 2, active: true, target: 5 },
    { name: 'a hash reads its field count', metadata: { listName: 'hash1' }, value: 4, active: true, target: 5 },
    { name: 'a missing key reads 0 and is not active', metadata: { listName: 'no-such-list' }, value: 0, active: false, target: 5 },
    {
      name: 'activationListLength 12 keeps a list of 12 inactive (strict)',
      metadata: { listName: 'jobs', activationListLength: '12' },
      value: 12,
      active: false,
      target: 5,
    },
    { name: 'databaseIndex selects another database', metadata: { listName: 'db3list', databaseIndex: '3' }, value: 2, active: true, target: 5 },
  ];
  for (const c of lists) {
    test(`redis: ${c.name}`, async () => {
      const { reading, spec } = await readOnce('redis', { address: redis.address, ...c.metadata }, auth);
      assert.equal(spec.metricName, `s0-redis-${c.metadata.listName}`);
      assert.equal(spec.target, c.target);
      assert.deepEqual(reading.metrics, [{ name: spec.metricName, value: c.value }]);
      assert.equal(reading.active, c.active);
    });
  }

  test("redis: host and port (KEDA's other way to give the address) and passwordFromEnv", async () => {
    const s = buildScaler(
      contextFor(
        'redis',
        { host: '127.0.0.1', port: String(redis.port), listName: 'jobs', passwordFromEnv: 'REDIS_PASSWORD' },
        { resolvedEnv: { REDIS_PASSWORD: PASSWORD } },
      ),
    );
    try {
      assert.equal((await s.read(signal())).metrics[0].value, 12);
    } finally {
      await s.close();
    }
  });

  const streams: Array<{ name: string; metadata: Record<string, string>; value: number; active: boolean; target: number }> = [
    {
      name: 'pendingEntriesCount mode reads XPENDING of the group (4 read, 1 acked: 3)',
      metadata: { consumerGroup: 'workers', pendingEntriesCount: '2' },
      value: 3,
      active: true,
      target: 2,
    },
    { name: 'streamLength mode (no consumerGroup) reads XLEN', metadata: { streamLength: '3' }, value: 6, active: true, target: 3 },
    {
      name: "lagCount mode reads the group's lag (6 entries, 4 delivered: 2)",
      metadata: { consumerGroup: 'workers', lagCount: '1' },
      value: 2,
      active: true,
      target: 1,
    },
    {
      name: 'lagCount mode for a group that has read nothing is the whole stream',
      metadata: { consumerGroup: 'idle', lagCount: '1' },
      value: 6,
      active: true,
      target: 1,
    },
    {
      name: 'lagCount mode for a group not created yet reads XLEN (KEDA)',
      metadata: { consumerGroup: 'not-yet', lagCount: '1' },
      value: 6,
      active: true,
      target: 1,
    },
    {
      name: 'activationLagCount 3 keeps 3 pending entries inactive (strict)',
      metadata: { consumerGroup: 'workers', activationLagCount: '3' },
      value: 3,
      active: false,
      target: 5,
    },
  ];
  for (const c of streams) {
    test(`redis-streams: ${c.name}`, async () => {
      const { reading, spec } = await readOnce('redis-streams', { address: redis.address, stream: 'orders', ...c.metadata }, auth);
      assert.equal(spec.metricName, 's0-redis-streams-orders');
      assert.equal(spec.target, c.target);
      assert.equal(reading.metrics[0].value, c.value);
      assert.equal(reading.active, c.active);
    });
  }

  test('redis-streams: lag of a stream that does not exist is 0 (KEDA)', async () => {
    const { reading } = await readOnce('redis-streams', { address: redis.address, stream: 'no-stream', consumerGroup: 'workers', lagCount: '1' }, auth);
    assert.equal(reading.metrics[0].value, 0);
    assert.equal(reading.active, false);
  });

  const errors: Array<{
    name: string;
    type: string;
    metadata: Record<string, string>;
    authParams: Record<string, string>;
    kind: ReadError['kind'];
    message: RegExp;
  }> = [
    {
      name: 'no password is refused as auth (NOAUTH)',
      type: 'redis',
      metadata: { listName: 'jobs' },
      authParams: {},
      kind: 'auth',
      message: /refused the credentials \(NOAUTH/,
    },
    {
      name: 'a wrong password is refused as auth (WRONGPASS) without echoing it',
      type: 'redis',
      metadata: { listName: 'jobs' },
      authParams: { password: 'wrong-secret-pw' },
      kind: 'auth',
      message: /WRONGPASS/,
    },
    {
      name: 'a key of an unsupported type is a bad query',
      type: 'redis',
      metadata: { listName: 'plain' },
      authParams: auth,
      kind: 'bad-query',
      message: /ERR unsupported key type: string/,
    },
    {
      name: 'a consumer group that does not exist is a bad query (NOGROUP)',
      type: 'redis-streams',
      metadata: { stream: 'orders', consumerGroup: 'nobody' },
      authParams: auth,
      kind: 'bad-query',
      message: /NOGROUP/,
    },
  ];
  for (const c of errors) {
    test(`${c.type}: ${c.name}`, async () => {
      const e = await readError(c.type, { address: redis.address, ...c.metadata }, c.authParams);
      assert.equal(e.kind, c.kind);
      assert.match(e.message, c.message);
      assert.doesNotMatch(e.message, /wrong-secret-pw|redis-test-pw/);
    });
  }

  test('500 triggers on one server and one password hold one client; the last close releases it', async () => {
    const before = redisPoolSize();
    const scalers = Array.from({ length: 500 }, (_, i) =>
      scaler(
        i % 2 ? 'redis' : 'redis-streams',
        i % 2 ? { address: redis.address, listName: 'jobs' } : { address: redis.address, stream: 'orders', consumerGroup: 'workers' },
        auth,
      ),
    );
    try {
      assert.equal(redisPoolSize(), before + 1);
      const readings = await Promise.all(scalers.map((s) => s.read(signal())));
      assert.deepEqual(new Set(readings.map((r) => r.metrics[0].value)), new Set([12, 3]));
      const clients = Number(/connected_clients:(\d+)/.exec(await redis.cli('INFO', 'clients'))![1]);
      assert.ok(clients <= 2, `server sees ${clients} clients (ours plus redis-cli)`);
      // Another password (or database) is another client.
      const other = scaler('redis', { address: redis.address, listName: 'db3list', databaseIndex: '3' }, auth);
      assert.equal(redisPoolSize(), before + 2);
      await other.close();
    } finally {
      await Promise.all(scalers.map((s) => s.close()));
    }
    assert.equal(redisPoolSize(), before);
  });
});

describe('redis scalers: unreachable servers', () => {
  test('redis: a closed port is unreachable and names the address', async () => {
    const port = await freePort();
    const e = await readError('redis', { address: `127.0.0.1:${port}`, listName: 'jobs' });
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, new RegExp(`cannot reach redis 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
  });

  test('redis-cluster: no reachable seed node is unreachable', async () => {
    const port = await freePort();
    const e = await readError('redis-cluster', { addresses: `127.0.0.1:${port}`, listName: 'jobs' });
    assert.equal(e.kind, 'unreachable');
  });

  test('redis-sentinel: no reachable sentinel is unreachable', async () => {
    const port = await freePort();
    const e = await readError('redis-sentinel', { addresses: `127.0.0.1:${port}`, sentinelMaster: 'mymaster', listName: 'jobs' });
    assert.equal(e.kind, 'unreachable');
  });
});

describe('redis-cluster and redis-cluster-streams against a 3-primary cluster', () => {
  let cluster: RedisCluster;
  before(async () => {
    cluster = await startRedisCluster();
    // Keys hashing to different primaries: the client follows the slot map.
    for (const key of ['jobs-a', 'jobs-b', 'jobs-c']) await cluster.cli('RPUSH', key, ...Array.from({ length: key.charCodeAt(5) - 90 }, () => 'x'));
    for (let i = 0; i < 4; i++) await cluster.cli('XADD', 'cstream', '*', 'n', String(i));
    await cluster.cli('XGROUP', 'CREATE', 'cstream', 'g', '0');
    await cluster.cli('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '3', 'STREAMS', 'cstream', '>');
  });
  after(async () => cluster?.stop());

  for (const [key, n] of [
    ['jobs-a', 7],
    ['jobs-b', 8],
    ['jobs-c', 9],
  ] as const) {
    test(`redis-cluster: ${key} holds ${n} wherever its slot lives`, async () => {
      const { reading } = await readOnce('redis-cluster', { addresses: cluster.addresses.join(','), listName: key, listLength: '2' });
      assert.equal(reading.metrics[0].value, n);
      assert.equal(reading.active, true);
    });
  }

  test('redis-cluster: hosts and ports lists give the same cluster', async () => {
    const hosts = cluster.addresses.map((a) => a.split(':')[0]).join(', ');
    const ports = cluster.addresses.map((a) => a.split(':')[1]).join(', ');
    const { reading } = await readOnce('redis-cluster', { hosts, ports, listName: 'jobs-a' });
    assert.equal(reading.metrics[0].value, 7);
  });

  test('redis-cluster-streams: pending entries and lag of a group', async () => {
    const pending = await readOnce('redis-cluster-streams', { addresses: cluster.addresses.join(','), stream: 'cstream', consumerGroup: 'g' });
    assert.equal(pending.reading.metrics[0].value, 3);
    const lag = await readOnce('redis-cluster-streams', { addresses: cluster.addresses.join(','), stream: 'cstream', consumerGroup: 'g', lagCount: '1' });
    assert.equal(lag.reading.metrics[0].value, 1);
  });

  test('100 redis-cluster triggers hold one cluster client', async () => {
    const before = redisPoolSize();
    const scalers = Array.from({ length: 100 }, () => scaler('redis-cluster', { addresses: cluster.addresses.join(','), listName: 'jobs-b' }));
    try {
      assert.equal(redisPoolSize(), before + 1);
      const values = await Promise.all(scalers.map(async (s) => (await s.read(signal())).metrics[0].value));
      assert.ok(values.every((v) => v === 8));
    } finally {
      await Promise.all(scalers.map((s) => s.close()));
    }
    assert.equal(redisPoolSize(), before);
  });
});

describe('redis-sentinel and redis-sentinel-streams through a sentinel', () => {
  let sentinel: RedisSentinel;
  const auth = { password: PASSWORD };
  before(async () => {
    sentinel = await startRedisSentinel({ password: PASSWORD });
    await sentinel.primary.cli('RPUSH', 'sjobs', 'a', 'b', 'c', 'd');
    for (let i = 0; i < 3; i++) await sentinel.primary.cli('XADD', 'sstream', '*', 'n', String(i));
  });
  after(async () => sentinel?.stop());

  test('redis-sentinel: the list on the primary the sentinel names', async () => {
    const { reading, spec } = await readOnce('redis-sentinel', { addresses: sentinel.address, sentinelMaster: 'mymaster', listName: 'sjobs' }, auth);
    assert.equal(spec.metricName, 's0-redis-sjobs');
    assert.equal(reading.metrics[0].value, 4);
  });

  test('redis-sentinel: sentinelMaster from the TriggerAuthentication', async () => {
    const { reading } = await readOnce('redis-sentinel', { addresses: sentinel.address, listName: 'sjobs' }, { ...auth, sentinelMaster: 'mymaster' });
    assert.equal(reading.metrics[0].value, 4);
  });

  test('redis-sentinel-streams: stream length through the sentinel', async () => {
    const { reading } = await readOnce(
      'redis-sentinel-streams',
      { addresses: sentinel.address, sentinelMaster: 'mymaster', stream: 'sstream', streamLength: '1' },
      auth,
    );
    assert.equal(reading.metrics[0].value, 3);
    assert.equal(reading.active, true);
  });

  test('redis-sentinel: a master name the sentinel does not watch is a bad query naming sentinelMaster', async () => {
    const e = await readError('redis-sentinel', { addresses: sentinel.address, sentinelMaster: 'other', listName: 'sjobs' }, auth);
    assert.equal(e.kind, 'bad-query');
    assert.match(e.message, /does not watch a master named 'other'; check sentinelMaster/);
  });

  test('redis-sentinel: a wrong password for the primary is auth', async () => {
    const e = await readError(
      'redis-sentinel',
      { addresses: sentinel.address, sentinelMaster: 'mymaster', listName: 'sjobs' },
      { password: 'wrong-secret-pw' },
    );
    assert.equal(e.kind, 'auth');
    assert.doesNotMatch(e.message, /wrong-secret-pw/);
  });
});
