// Bench rows for the redis, redis-streams, redis-cluster and rabbitmq scalers against local servers (Debian
// redis-server / cluster, rabbitmq-server): reads/s and p50/p99 per type, and the connections 500 triggers on one
// server hold. Called from bench/scalers.ts.
import { redisPoolSize } from '../src/scalers/common/redis-connection.ts';
import { buildScaler } from '../src/scalers/index.ts';
import { rabbitmqPoolSizes } from '../src/scalers/rabbitmq.ts';
import type { Scaler } from '../src/scalers/scaler.ts';
import { startRabbitMQ } from '../test/support/rabbitmq.ts';
import { startRedis, startRedisCluster } from '../test/support/redis.ts';
import { contextFor } from '../test/support/scaler-context.ts';
import { eventually } from '../test/support/wait.ts';

type Measure = (name: string, scaler: Scaler) => Promise<void>;

async function held(label: string, make: () => Scaler, size: () => number, serverConnections: () => Promise<number>): Promise<void> {
  const before = size();
  const many = Array.from({ length: 500 }, make);
  try {
    await Promise.all(many.map((s) => s.read(AbortSignal.timeout(30_000))));
    console.log(`${label}: 500 triggers on one server hold ${size() - before} client(s); the server counts ${await serverConnections()} connection(s)`);
  } finally {
    await Promise.all(many.map((s) => s.close()));
  }
}

export async function benchRedisRabbitmq(measure: Measure): Promise<void> {
  const redis = await startRedis({ password: 'bench' });
  try {
    await redis.cli('RPUSH', 'jobs', ...Array.from({ length: 50 }, (_, i) => String(i)));
    for (let i = 0; i < 20; i++) await redis.cli('XADD', 'orders', '*', 'n', String(i));
    await redis.cli('XGROUP', 'CREATE', 'orders', 'g', '0');
    await redis.cli('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '5', 'STREAMS', 'orders', '>');
    const auth = { authParams: { password: 'bench' } };
    await measure('redis list (EVAL length script)', buildScaler(contextFor('redis', { address: redis.address, listName: 'jobs' }, auth)));
    await measure(
      'redis-streams pending (XPENDING)',
      buildScaler(contextFor('redis-streams', { address: redis.address, stream: 'orders', consumerGroup: 'g' }, auth)),
    );
    await measure(
      'redis-streams lag (INFO + XINFO)',
      buildScaler(contextFor('redis-streams', { address: redis.address, stream: 'orders', consumerGroup: 'g', lagCount: '5' }, auth)),
    );
    await held(
      'redis',
      () => buildScaler(contextFor('redis', { address: redis.address, listName: 'jobs' }, auth)),
      redisPoolSize,
      async () => Number(/connected_clients:(\d+)/.exec(await redis.cli('INFO', 'clients'))?.[1] ?? -1) - 1,
    );
  } finally {
    await redis.stop();
  }
  const cluster = await startRedisCluster();
  try {
    await cluster.cli('RPUSH', 'jobs', 'a', 'b', 'c');
    await measure('redis-cluster list (3 primaries)', buildScaler(contextFor('redis-cluster', { addresses: cluster.addresses.join(','), listName: 'jobs' })));
  } finally {
    await cluster.stop();
  }
  const rmq = await startRabbitMQ();
  try {
    await rmq.fill('orders', 25);
    await rmq.waitForMessages('orders', 25);
    await measure('rabbitmq AMQP (queue.declare passive)', buildScaler(contextFor('rabbitmq', { host: rmq.amqpUrl, queueName: 'orders' })));
    await measure('rabbitmq HTTP (management API)', buildScaler(contextFor('rabbitmq', { host: rmq.httpUrl, queueName: 'orders' })));
    await held(
      'rabbitmq AMQP',
      () => buildScaler(contextFor('rabbitmq', { host: rmq.amqpUrl, queueName: 'orders' })),
      () => rabbitmqPoolSizes().amqp,
      // The management API lists a connection once its stats are collected (every second here).
      () =>
        eventually(
          'the broker to list our connection',
          async () => {
            const n = ((await (await rmq.api('GET', '/api/connections')).json()) as unknown[]).length;
            return n > 0 ? n : undefined;
          },
          10_000,
          250,
        ),
    );
  } finally {
    await rmq.stop();
  }
}
