// bench/scalers.ts rows for kafka against a local KRaft broker (test/support/kafka.ts): reads of a consumer group's
// lag over 12 partitions (plain and SCRAM-SHA-512), and what 500 triggers on one cluster hold (admin clients from
// the pool, TCP connections the broker sees).
import { execFileSync } from 'node:child_process';
import { buildScaler } from '../src/scalers/index.ts';
import { kafkaClientPoolSize } from '../src/scalers/kafka.ts';
import type { Scaler } from '../src/scalers/scaler.ts';
import { startKafka } from '../test/support/kafka.ts';
import { contextFor } from '../test/support/scaler-context.ts';

type Measure = (name: string, scaler: Scaler) => Promise<void>;

/** Established TCP connections to `port` on loopback (from `ss`; both ends are on this machine, so count one side). */
function connectionsTo(port: number): number {
  const out = execFileSync('ss', ['-Htn', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.trim() !== '').length;
}

export async function benchKafka(measure: Measure): Promise<void> {
  const k = await startKafka();
  try {
    await k.createTopic('bench', 12);
    await k.produce('bench', Object.fromEntries(Array.from({ length: 12 }, (_, p) => [p, 50])));
    await k.commit('bench-group', 'bench', Object.fromEntries(Array.from({ length: 12 }, (_, p) => [p, p * 3])));
    const md = { bootstrapServers: k.plaintext, consumerGroup: 'bench-group', topic: 'bench', lagThreshold: '10' };
    await measure('kafka lag, 12 partitions', buildScaler(contextFor('kafka', md)));
    const scram = { ...md, bootstrapServers: k.sasl, sasl: 'scram_sha512' };
    const auth = { username: k.user.username, password: k.user.password };
    await measure('kafka lag, 12 partitions, SCRAM-SHA-512', buildScaler(contextFor('kafka', scram, { authParams: auth })));
    const saslPort = Number(k.sasl.split(':')[1]);
    const before = kafkaClientPoolSize();
    const many = Array.from({ length: 500 }, (_, i) =>
      buildScaler(contextFor('kafka', { ...scram, consumerGroup: `bench-group-${i % 10}` }, { authParams: auth, triggerIndex: i % 5 })),
    );
    await Promise.all(many.map((s) => s.read(AbortSignal.timeout(30_000))));
    console.log(
      `kafka: 500 triggers on one cluster hold ${kafkaClientPoolSize() - before} admin client(s), ${connectionsTo(saslPort)} TCP connection(s) to the broker`,
    );
    await Promise.all(many.map((s) => s.close()));
  } finally {
    await k.stop();
  }
}
