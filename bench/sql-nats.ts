// bench/scalers.ts rows for postgresql, mysql (MariaDB) and nats-jetstream against local servers, plus the
// connections held by 500 triggers on one server (pooled types).
import { AckPolicy, connect } from 'nats';
import { buildScaler } from '../src/scalers/index.ts';
import { mysqlServers } from '../src/scalers/mysql.ts';
import { natsHttpClients } from '../src/scalers/nats-jetstream.ts';
import { pgServers } from '../src/scalers/postgresql.ts';
import type { Scaler } from '../src/scalers/scaler.ts';
import { startMariadb } from '../test/support/mariadb.ts';
import { startNats } from '../test/support/nats.ts';
import { startPostgres } from '../test/support/postgresql.ts';
import { contextFor } from '../test/support/scaler-context.ts';

type Measure = (name: string, scaler: Scaler) => Promise<void>;

async function fiveHundred(
  type: string,
  metadata: (i: number) => Record<string, string>,
  authParams: Record<string, string>,
  held: () => Promise<number>,
  what: () => string,
): Promise<void> {
  const many = Array.from({ length: 500 }, (_, i) => buildScaler(contextFor(type, metadata(i), { authParams, triggerIndex: i % 5 })));
  await Promise.all(many.map((s) => s.read(AbortSignal.timeout(30_000))));
  console.log(`${type}: 500 triggers on one server hold ${await held()} ${what()}`);
  await Promise.all(many.map((s) => s.close()));
}

export async function benchSqlNats(measure: Measure): Promise<void> {
  const pg = await startPostgres();
  try {
    await pg.sql('CREATE TABLE jobs (id serial PRIMARY KEY, done boolean NOT NULL DEFAULT false)');
    await pg.sql(`GRANT SELECT ON jobs TO ${pg.user}`);
    await pg.sql('INSERT INTO jobs (done) SELECT (i % 3 = 0) FROM generate_series(1, 10000) i');
    const md = { host: pg.host, port: String(pg.port), userName: pg.user, dbName: pg.database, sslmode: 'disable', targetQueryValue: '5' };
    await measure(
      'postgresql COUNT(*) of 10k rows',
      buildScaler(contextFor('postgresql', { ...md, query: 'SELECT COUNT(*) FROM jobs WHERE done = false' }, { authParams: { password: pg.password } })),
    );
    await fiveHundred(
      'postgresql',
      (i) => ({ ...md, query: `SELECT ${i}` }),
      { password: pg.password },
      () => pg.connectionsFrom('updraft'),
      () => `connection(s) (pg_stat_activity), ${pgServers.size} pool(s)`,
    );
  } finally {
    await pg.stop();
  }
  const my = await startMariadb();
  try {
    await my.sql('CREATE TABLE jobs (id int PRIMARY KEY AUTO_INCREMENT, done bool NOT NULL DEFAULT false)');
    await my.sql('INSERT INTO jobs (done) SELECT seq % 3 = 0 FROM seq_1_to_10000');
    const md = { host: my.host, port: String(my.port), username: my.user, dbName: my.database, queryValue: '5' };
    await measure(
      'mysql (MariaDB) COUNT(*) of 10k rows',
      buildScaler(contextFor('mysql', { ...md, query: 'SELECT COUNT(*) FROM jobs WHERE done = false' }, { authParams: { password: my.password } })),
    );
    await fiveHundred(
      'mysql',
      (i) => ({ ...md, query: `SELECT ${i}` }),
      { password: my.password },
      () => my.connectionsOf(my.user),
      () => `connection(s) (PROCESSLIST), ${mysqlServers.size} pool(s)`,
    );
  } finally {
    await my.stop();
  }
  const nats = await startNats(1);
  try {
    const nc = await connect({ servers: nats.servers });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'bench', subjects: ['bench.>'] });
    await jsm.consumers.add('bench', { durable_name: 'worker', ack_policy: AckPolicy.Explicit });
    const js = nc.jetstream();
    for (let i = 0; i < 100; i++) await js.publish('bench.x', new Uint8Array([i]));
    await nc.close();
    const md = { natsServerMonitoringEndpoint: nats.nodes[0].monitor, account: '$G', stream: 'bench', consumer: 'worker' };
    await measure('nats-jetstream /jsz (one node)', buildScaler(contextFor('nats-jetstream', md)));
    await fiveHundred(
      'nats-jetstream',
      () => md,
      {},
      async () => natsHttpClients.size,
      () => 'HTTP client(s) (keep-alive agent, at most 4 sockets each)',
    );
  } finally {
    await nats.stop();
  }
}
