// The postgresql scaler against a real PostgreSQL (scripts/deps/postgresql.sh, test/support/postgresql.ts): exact
// values and activation from real rows, each error kind, the READ ONLY guard, and one pool for many triggers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildScaler } from '../../src/scalers/index.ts';
import { pgServers, POOL_MAX } from '../../src/scalers/postgresql.ts';
import { ReadError, type Scaler } from '../../src/scalers/scaler.ts';
import { freePort } from '../support/free-port.ts';
import { startPostgres, type LocalPostgres } from '../support/postgresql.ts';
import { contextFor } from '../support/scaler-context.ts';
import { waitFor } from '../support/wait.ts';

const signal = () => AbortSignal.timeout(15_000);

describe('postgresql scaler against a real PostgreSQL', () => {
  let db: LocalPostgres;
  let md: Record<string, string>;
  let auth: Record<string, string>;

  before(async () => {
    db = await startPostgres();
    await db.sql('CREATE TABLE jobs (id serial PRIMARY KEY, done boolean NOT NULL DEFAULT false, size numeric)');
    await db.sql(`GRANT SELECT ON jobs TO ${db.user}`);
    await db.sql('CREATE TABLE secret_stuff (x int)');
    await db.sql('REVOKE ALL ON secret_stuff FROM PUBLIC');
    md = {
      host: db.host,
      port: String(db.port),
      userName: db.user,
      dbName: db.database,
      sslmode: 'disable',
      targetQueryValue: '5',
      activationTargetQueryValue: '2',
    };
    auth = { password: db.password };
  });
  after(async () => db?.stop());

  async function withScaler<T>(metadata: Record<string, string>, fn: (s: Scaler) => Promise<T>, extra: Parameters<typeof contextFor>[2] = {}): Promise<T> {
    const s = buildScaler(contextFor('postgresql', metadata, { authParams: auth, ...extra }));
    try {
      return await fn(s);
    } finally {
      await s.close();
    }
  }
  const readValue = (metadata: Record<string, string>, extra = {}) => withScaler(metadata, (s) => s.read(signal()), extra);
  async function readError(metadata: Record<string, string>, extra = {}): Promise<ReadError> {
    try {
      await readValue(metadata, extra);
    } catch (e) {
      assert.ok(e instanceof ReadError, `expected ReadError, got ${String(e)}`);
      assert.ok(!e.message.includes(db.password), e.message);
      return e;
    }
    throw new Error('expected the read to fail');
  }

  test('COUNT(*) of open jobs follows the rows: 0 (inactive), 2 (not active: not > 2), 7 (active)', async () => {
    const metadata = { ...md, query: 'SELECT COUNT(*) FROM jobs WHERE done = false' };
    await withScaler(metadata, async (s) => {
      assert.equal(s.metricSpecs[0].metricName, 's0-postgresql');
      assert.equal(s.metricSpecs[0].target, 5);
      assert.deepEqual(await s.read(signal()), { metrics: [{ name: 's0-postgresql', value: 0 }], active: false });
      await db.sql('INSERT INTO jobs (done) SELECT false FROM generate_series(1, 2)');
      assert.deepEqual(await s.read(signal()), { metrics: [{ name: 's0-postgresql', value: 2 }], active: false });
      await db.sql('INSERT INTO jobs (done) SELECT false FROM generate_series(1, 5)');
      await db.sql('INSERT INTO jobs (done) SELECT true FROM generate_series(1, 4)');
      assert.deepEqual(await s.read(signal()), { metrics: [{ name: 's0-postgresql', value: 7 }], active: true });
      await db.sql('UPDATE jobs SET done = true');
      assert.deepEqual(await s.read(signal()), { metrics: [{ name: 's0-postgresql', value: 0 }], active: false });
    });
  });

  test('a numeric sum and a connection string from connectionFromEnv', async () => {
    await db.sql('TRUNCATE jobs');
    await db.sql('INSERT INTO jobs (size) VALUES (1.25), (2.5)');
    const url = `postgresql://${db.user}:${encodeURIComponent(db.password)}@${db.host}:${db.port}/${db.database}?sslmode=disable`;
    const r = await readValue(
      { query: 'SELECT SUM(size) FROM jobs', targetQueryValue: '1', connectionFromEnv: 'PG_URL' },
      { authParams: {}, resolvedEnv: { PG_URL: url } },
    );
    assert.equal(r.metrics[0].value, 3.75);
  });

  test('sslmode prefer (libpq default) falls back to plain when the server has no TLS', async () => {
    const r = await readValue({ ...md, sslmode: 'prefer', query: 'SELECT 42' });
    assert.equal(r.metrics[0].value, 42);
  });

  test('the query runs READ ONLY: a write is a bad-query error and changes nothing', async () => {
    await db.sql('TRUNCATE jobs');
    await db.sql('INSERT INTO jobs (done) VALUES (false)');
    const e = await readError({ ...md, query: 'WITH d AS (DELETE FROM jobs RETURNING 1) SELECT COUNT(*) FROM d' });
    assert.equal(e.kind, 'bad-query');
    assert.match(e.message, /READ ONLY transaction/);
    const e2 = await readError({ ...md, query: 'DROP TABLE jobs' });
    assert.equal(e2.kind, 'bad-query');
    assert.equal((await db.sql('SELECT COUNT(*)::int AS n FROM jobs')).rows[0].n, 1);
  });

  test('two statements in one query are refused by the server (the extended protocol takes one)', async () => {
    const e = await readError({ ...md, query: 'SELECT 1; DELETE FROM jobs' });
    assert.equal(e.kind, 'bad-query');
    assert.match(e.message, /cannot insert multiple commands into a prepared statement/);
    assert.equal((await db.sql('SELECT COUNT(*)::int AS n FROM jobs')).rows[0].n, 1);
  });

  test('a query longer than the statement timeout is cancelled by the server: a timeout error', async () => {
    const e = await readError({ ...md, query: 'SELECT pg_sleep(5)::text::int' }, { httpTimeoutMs: 300 });
    assert.equal(e.kind, 'timeout');
    assert.match(e.message, /statement timeout of 300 ms/);
  });

  const kinds: Array<{ name: string; query: string; kind: ReadError['kind']; message: RegExp }> = [
    { name: 'no row', query: 'SELECT 1 WHERE false', kind: 'empty', message: /^postgresql: query SELECT 1 WHERE false returned no row/ },
    { name: 'several rows', query: 'SELECT * FROM generate_series(1, 3)', kind: 'bad-query', message: /returned 3 rows/ },
    { name: 'a NULL (MAX of nothing)', query: 'SELECT MAX(id) FROM jobs WHERE false', kind: 'empty', message: /returned NULL; wrap it in COALESCE/ },
    { name: 'a string that is no number', query: "SELECT 'many'", kind: 'bad-query', message: /not a number/ },
    { name: 'a boolean', query: 'SELECT true', kind: 'bad-query', message: /not a number/ },
    { name: 'a syntax error', query: 'SELEC 1', kind: 'bad-query', message: /query SELEC 1 failed \(42601: syntax error/ },
    { name: 'a missing table', query: 'SELECT COUNT(*) FROM nope', kind: 'bad-query', message: /42P01: relation "nope" does not exist/ },
    { name: 'a table the user may not read', query: 'SELECT COUNT(*) FROM secret_stuff', kind: 'auth', message: /permission denied .*grant SELECT to updraft/ },
  ];
  for (const k of kinds) {
    test(`a query returning ${k.name} is a ${k.kind} error naming the query`, async () => {
      const e = await readError({ ...md, query: k.query });
      assert.equal(e.kind, k.kind);
      assert.match(e.message, k.message);
    });
  }

  test('numeric text converts (database/sql does), a bigint stays exact', async () => {
    assert.equal((await readValue({ ...md, query: "SELECT '12.5'::text" })).metrics[0].value, 12.5);
    assert.equal((await readValue({ ...md, query: 'SELECT 9007199254740991::bigint' })).metrics[0].value, 9007199254740991);
  });

  test('a wrong password is an auth error that does not show the password', async () => {
    const e = await readError({ ...md, query: 'SELECT 1' }, { authParams: { password: 'wrong-secret-pw' } });
    assert.equal(e.kind, 'auth');
    assert.match(e.message, /refused the login \(28P01/);
    assert.ok(!e.message.includes('wrong-secret-pw'));
  });

  test('an unknown database is named', async () => {
    const e = await readError({ ...md, dbName: 'nodb', query: 'SELECT 1' });
    assert.match(e.message, /database "nodb" does not exist/);
  });

  test('a port with no server is unreachable', async () => {
    const e = await readError({ ...md, port: String(await freePort()), query: 'SELECT 1' });
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, /cannot reach 127\.0\.0\.1:\d+ \(database jobs, user updraft\)/);
  });

  test('several hosts: a dead first host is skipped for the next one', async () => {
    const dead = await freePort();
    const url = `host=127.0.0.1,127.0.0.1 port=${dead},${db.port} user=${db.user} dbname=${db.database} sslmode=disable password='${db.password.replace(/'/g, "\\'")}'`;
    const r = await readValue({ query: 'SELECT 5', targetQueryValue: '1' }, { authParams: { connection: url } });
    assert.equal(r.metrics[0].value, 5);
  });

  test('200 triggers on one server share one pool: at most POOL_MAX connections', async () => {
    await db.sql('TRUNCATE jobs');
    await db.sql('INSERT INTO jobs (done) SELECT false FROM generate_series(1, 3)');
    const before = pgServers.size;
    const scalers = Array.from({ length: 200 }, (_, i) =>
      buildScaler(
        contextFor('postgresql', { ...md, query: `SELECT COUNT(*) + ${i % 3} FROM jobs WHERE done = false` }, { authParams: auth, triggerIndex: i % 4 }),
      ),
    );
    try {
      assert.equal(pgServers.size, before + 1, 'one shared server entry');
      const readings = await Promise.all(scalers.map((s) => s.read(signal())));
      assert.deepEqual(readings.map((r) => r.metrics[0].value).slice(0, 3), [3, 4, 5]);
      const open = await db.connectionsFrom('updraft');
      assert.ok(open >= 1 && open <= POOL_MAX, `connections held: ${open}`);
    } finally {
      await Promise.all(scalers.map((s) => s.close()));
    }
    assert.equal(pgServers.size, before, 'the last close ends the pool');
    await waitFor("the pool's connections closed", async () => (await db.connectionsFrom('updraft')) === 0, 10_000);
  });
});
