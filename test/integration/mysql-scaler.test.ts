// The mysql scaler against a real MariaDB (MySQL protocol; scripts/deps/mariadb.sh, test/support/mariadb.ts): exact
// values and activation from real rows, each error kind, the READ ONLY guard (the user may write: only the guard
// stops it), the statement timeout, and one pool for many triggers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildScaler } from '../../src/scalers/index.ts';
import { mysqlServers, POOL_MAX } from '../../src/scalers/mysql.ts';
import { ReadError, type Scaler } from '../../src/scalers/scaler.ts';
import { freePort } from '../support/free-port.ts';
import { startMariadb, type LocalMariadb } from '../support/mariadb.ts';
import { contextFor } from '../support/scaler-context.ts';
import { waitFor } from '../support/wait.ts';

const signal = () => AbortSignal.timeout(15_000);

describe('mysql scaler against a real MariaDB', () => {
  let db: LocalMariadb;
  let md: Record<string, string>;
  let auth: Record<string, string>;

  before(async () => {
    db = await startMariadb();
    await db.sql('CREATE TABLE jobs (id int PRIMARY KEY AUTO_INCREMENT, done bool NOT NULL DEFAULT false, size decimal(10,2))');
    md = { host: db.host, port: String(db.port), username: db.user, dbName: db.database, queryValue: '5', activationQueryValue: '2' };
    auth = { password: db.password };
  });
  after(async () => db?.stop());

  async function withScaler<T>(metadata: Record<string, string>, fn: (s: Scaler) => Promise<T>, extra: Parameters<typeof contextFor>[2] = {}): Promise<T> {
    const s = buildScaler(contextFor('mysql', metadata, { authParams: auth, ...extra }));
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
  const count = async () => Number(((await db.sql('SELECT COUNT(*) AS n FROM jobs')) as Array<{ n: number }>)[0].n);

  test('COUNT(*) of open jobs follows the rows: 0, 2 (not active: not > 2), 7 (active), 0', async () => {
    await withScaler({ ...md, query: 'SELECT COUNT(*) FROM jobs WHERE done = false' }, async (s) => {
      assert.equal(s.metricSpecs[0].metricName, 's0-mysql-stats_db');
      assert.equal(s.metricSpecs[0].target, 5);
      assert.deepEqual(await s.read(signal()), { metrics: [{ name: 's0-mysql-stats_db', value: 0 }], active: false });
      await db.sql('INSERT INTO jobs (done) VALUES (false), (false)');
      assert.deepEqual(await s.read(signal()), { metrics: [{ name: 's0-mysql-stats_db', value: 2 }], active: false });
      await db.sql('INSERT INTO jobs (done) VALUES (false), (false), (false), (false), (false), (true), (true)');
      assert.deepEqual(await s.read(signal()), { metrics: [{ name: 's0-mysql-stats_db', value: 7 }], active: true });
      await db.sql('UPDATE jobs SET done = true');
      assert.deepEqual(await s.read(signal()), { metrics: [{ name: 's0-mysql-stats_db', value: 0 }], active: false });
    });
  });

  test("a decimal sum, and a Go DSN with a password holding ' @ : from connectionStringFromEnv", async () => {
    await db.sql('DELETE FROM jobs');
    await db.sql('INSERT INTO jobs (size) VALUES (1.25), (2.50)');
    const dsn = `${db.user}:${db.password}@tcp(${db.host}:${db.port})/${db.database}`;
    const r = await readValue(
      { query: 'SELECT SUM(size) FROM jobs', queryValue: '1', connectionStringFromEnv: 'MYSQL_DSN' },
      { authParams: {}, resolvedEnv: { MYSQL_DSN: dsn } },
    );
    assert.deepEqual(r.metrics, [{ name: 's0-mysql-stats_db', value: 3.75 }]);
  });

  for (const query of ['DELETE FROM jobs', 'DROP TABLE jobs', 'CREATE TABLE made_by_scaler (x int)', 'INSERT INTO jobs (done) SELECT false']) {
    test(`the query runs READ ONLY: ${query} fails (DDL despite its implicit commit) and changes nothing`, async () => {
      const before = await count();
      const e = await readError({ ...md, query });
      assert.equal(e.kind, 'bad-query', e.message);
      assert.match(e.message, /READ ONLY transaction/);
      assert.equal(await count(), before);
      assert.equal(((await db.sql("SHOW TABLES LIKE 'made_by_scaler'")) as unknown[]).length, 0);
      assert.equal(((await db.sql("SHOW TABLES LIKE 'jobs'")) as unknown[]).length, 1);
    });
  }

  test('two statements in one query are refused (multipleStatements is off)', async () => {
    const e = await readError({ ...md, query: 'SELECT 1; DELETE FROM jobs' });
    assert.equal(e.kind, 'bad-query');
    assert.match(e.message, /1064/);
  });

  test('a session setting changed by one query does not outlive its read: the next read is READ ONLY again', async () => {
    await readError({ ...md, query: 'SET SESSION tx_read_only = 0' });
    const e = await readError({ ...md, query: 'DELETE FROM jobs' });
    assert.match(e.message, /READ ONLY transaction/);
  });

  test('a query longer than the statement timeout is interrupted by the server: a timeout error', async () => {
    const e = await readError({ ...md, query: 'SELECT SLEEP(5)' }, { httpTimeoutMs: 300 });
    assert.equal(e.kind, 'timeout');
    assert.match(e.message, /statement timeout of 300 ms/);
  });

  const kinds: Array<{ name: string; query: string; kind: ReadError['kind']; message: RegExp }> = [
    { name: 'no row', query: 'SELECT 1 FROM jobs WHERE false', kind: 'empty', message: /^mysql: query SELECT 1 FROM jobs WHERE false returned no row/ },
    { name: 'several rows', query: 'SELECT id FROM jobs', kind: 'bad-query', message: /returned 2 rows/ },
    { name: 'a NULL (MAX of nothing)', query: 'SELECT MAX(id) FROM jobs WHERE false', kind: 'empty', message: /returned NULL/ },
    { name: 'a string that is no number', query: "SELECT 'many'", kind: 'bad-query', message: /not a number/ },
    { name: 'a date', query: 'SELECT NOW()', kind: 'bad-query', message: /not a number/ },
    { name: 'a syntax error', query: 'SELEC 1', kind: 'bad-query', message: /query SELEC 1 failed \(1064/ },
    { name: 'a missing table', query: 'SELECT COUNT(*) FROM nope', kind: 'bad-query', message: /1146/ },
    {
      name: 'a table the user may not read',
      query: 'SELECT COUNT(*) FROM other_db.secret_stuff',
      kind: 'auth',
      message: /permission denied .*grant SELECT to updraft/,
    },
  ];
  for (const k of kinds) {
    test(`a query returning ${k.name} is a ${k.kind} error naming the query`, async () => {
      const e = await readError({ ...md, query: k.query });
      assert.equal(e.kind, k.kind);
      assert.match(e.message, k.message);
    });
  }

  test('numeric text converts, a bigint stays exact', async () => {
    assert.equal((await readValue({ ...md, query: "SELECT '12.5'" })).metrics[0].value, 12.5);
    assert.equal((await readValue({ ...md, query: 'SELECT 9007199254740991' })).metrics[0].value, 9007199254740991);
  });

  test('a wrong password is an auth error that does not show it', async () => {
    const e = await readError({ ...md, query: 'SELECT 1' }, { authParams: { password: 'wrong-secret-pw' } });
    assert.equal(e.kind, 'auth');
    assert.match(e.message, /refused the login \(1045/);
    assert.ok(!e.message.includes('wrong-secret-pw'));
  });

  test('an unknown database', async () => {
    const e = await readError({ ...md, dbName: 'nodb', query: 'SELECT 1' });
    assert.ok(e.kind === 'auth' || e.kind === 'other', e.kind); // MariaDB answers 1044 (no access) for a database the user cannot see
    assert.match(e.message, /nodb/);
  });

  test('a port with no server is unreachable', async () => {
    const e = await readError({ ...md, port: String(await freePort()), query: 'SELECT 1' });
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, /cannot reach 127\.0\.0\.1:\d+ \(database stats_db, user updraft\) \(ECONNREFUSED\)/);
  });

  test('200 triggers on one server share one pool: at most POOL_MAX connections', async () => {
    const before = mysqlServers.size;
    const scalers = Array.from({ length: 200 }, (_, i) =>
      buildScaler(contextFor('mysql', { ...md, query: `SELECT COUNT(*) + ${i % 3} FROM jobs` }, { authParams: auth, triggerIndex: i % 4 })),
    );
    try {
      assert.equal(mysqlServers.size, before + 1);
      const readings = await Promise.all(scalers.map((s) => s.read(signal())));
      assert.deepEqual(readings.map((r) => r.metrics[0].value).slice(0, 3), [2, 3, 4]);
      const open = await db.connectionsOf(db.user);
      assert.ok(open >= 1 && open <= POOL_MAX, `connections held: ${open}`);
    } finally {
      await Promise.all(scalers.map((s) => s.close()));
    }
    assert.equal(mysqlServers.size, before);
    await waitFor("the pool's connections closed", async () => (await db.connectionsOf(db.user)) === 0, 10_000);
  });
});
