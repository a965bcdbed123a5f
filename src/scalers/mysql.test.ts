import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReadError, type ParseInput } from './scaler.ts';
import {
  cellKindOf,
  classify,
  dbNameFromConnectionString,
  descriptor,
  MysqlServer,
  parse,
  parseDsn,
  runQuery,
  serverKey,
  sessionSql,
  targetFromDsn,
  type MysqlConfig,
} from './mysql.ts';

const p = (metadata: Record<string, string>, more: Partial<ParseInput> = {}) => parse({ metadata, authParams: {}, resolvedEnv: {}, ...more });

function assertConfigError(fn: () => unknown, field: string, message: RegExp, secret?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'ConfigError');
    assert.equal((e as { field?: string }).field, field);
    assert.match(e.message, message);
    if (secret) assert.ok(!e.message.includes(secret), e.message);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// KEDA's table (pkg/scalers/mysql_scaler_test.go): testMySQLMetadata (TestParseMySQLMetadata, always parsed with
// testMySQLResolvedEnv), one subtest per row, in KEDA's order.

const kedaEnv = { MYSQL_USERNAME: 'test_username', MYSQL_PASSWORD: 'pass', MYSQL_CONN_STR: 'user@tcp(http://my.mysql.dev:3306)/stats_db' };

interface Row {
  name: string;
  metadata: Record<string, string>;
  authParams?: Record<string, string>;
  want?: (c: MysqlConfig) => void;
  error?: { field: string; message: RegExp };
}

const rows: Row[] = [
  {
    name: 'no metadata is refused (query is missing)',
    metadata: {},
    error: { field: 'query', message: /^mysql: missing required parameter "query" in \[triggerMetadata\]/ },
  },
  // The address "http://my.mysql.dev:3306" is kept as the driver would (host "http://my.mysql.dev"); the read fails
  // to resolve it, as KEDA's Ping does.
  {
    name: 'connectionStringFromEnv: the DSN is used and its database names the metric',
    metadata: { query: 'query', queryValue: '12', connectionStringFromEnv: 'MYSQL_CONN_STR' },
    want: (c) => {
      assert.deepEqual(c.target, { user: 'user', database: 'stats_db', tls: 'false', host: 'http://my.mysql.dev', port: 3306 });
      assert.equal(c.metricDbName, 'stats_db');
    },
  },
  // Differs on purpose: KEDA keeps port a string, and the driver fails to dial "test_host:test_port" at connect;
  // Updraft refuses a port that is no number at parse (validate and the webhook say so before anything runs).
  {
    name: 'separate parameters with passwordFromEnv: port test_port is refused at parse',
    metadata: {
      query: 'query',
      queryValue: '12',
      host: 'test_host',
      port: 'test_port',
      username: 'test_username',
      passwordFromEnv: 'MYSQL_PASSWORD',
      dbName: 'test_dbname',
    },
    error: { field: 'port', message: /^mysql: port must be a whole number, got 'test_port'$/ },
  },
  {
    name: 'usernameFromEnv: port test_port is refused the same way',
    metadata: {
      query: 'query',
      queryValue: '12',
      host: 'test_host',
      port: 'test_port',
      usernameFromEnv: 'MYSQL_USERNAME',
      passwordFromEnv: 'MYSQL_PASSWORD',
      dbName: 'test_dbname',
    },
    error: { field: 'port', message: /port must be a whole number, got 'test_port'/ },
  },
  {
    name: 'parameters from the TriggerAuthentication: a bad port there is refused without being shown',
    metadata: { query: 'query', queryValue: '12' },
    authParams: { host: 'test_host', port: 'test_port', username: 'test_username', password: 'MYSQL_PASSWORD', dbName: 'test_dbname' },
    error: { field: 'port', message: /^mysql: port must be a whole number, got a value from the TriggerAuthentication \(not shown\)$/ },
  },
  {
    name: 'an activationQueryValue that is no number is refused',
    metadata: { query: 'query', queryValue: '12', activationQueryValue: 'AA' },
    authParams: { host: 'test_host', port: 'test_port', username: 'test_username', password: 'MYSQL_PASSWORD', dbName: 'test_dbname' },
    error: { field: 'activationQueryValue', message: /^mysql: activationQueryValue must be a number, got 'AA'$/ },
  },
  {
    name: 'no username anywhere, and a bad activationQueryValue: refused for the latter',
    metadata: { query: 'query', queryValue: '12', activationQueryValue: 'AA' },
    authParams: { host: 'test_host', port: 'test_port', password: 'MYSQL_PASSWORD', dbName: 'test_dbname' },
    error: { field: 'activationQueryValue', message: /activationQueryValue must be a number/ },
  },
];

function check(r: Row): void {
  const run = () => p(r.metadata, { authParams: r.authParams ?? {}, resolvedEnv: kedaEnv });
  if (r.error) return assertConfigError(run, r.error.field, r.error.message, r.authParams?.password);
  r.want?.(run());
}

describe("KEDA's metadata table (pkg/scalers/mysql_scaler_test.go)", () => {
  for (const [i, r] of rows.entries()) test(`testMySQLMetadata row ${i}: ${r.name}`, () => check(r));

  // mySQLMetricIdentifiers: row 1 at trigger 0, row 2 at trigger 1. Row 2 is taken with port 3306 (see its note).
  test('mySQLMetricIdentifiers: row 1 at trigger 0 is s0-mysql-stats_db', () => {
    assert.equal(descriptor.metricSpecs(p(rows[1].metadata, { resolvedEnv: kedaEnv }), 0)[0].metricName, 's0-mysql-stats_db');
  });
  test('mySQLMetricIdentifiers: row 2 (port 3306) at trigger 1 is s1-mysql-test_dbname', () => {
    assert.equal(descriptor.metricSpecs(p({ ...rows[2].metadata, port: '3306' }, { resolvedEnv: kedaEnv }), 1)[0].metricName, 's1-mysql-test_dbname');
  });

  // TestMetadataToConnectionStrUseConnStr: the DSN from the env is what the reader connects with.
  test('a connectionString is used as given (its fields, parsed)', () => {
    assert.deepEqual(
      p({ query: 'query', queryValue: '12', connectionStringFromEnv: 'MYSQL_CONN_STR' }, { resolvedEnv: kedaEnv }).target,
      targetFromDsn(kedaEnv.MYSQL_CONN_STR),
    );
  });
  // TestMetadataToConnectionStrBuildNew: KEDA builds "test_username:pass@tcp(test_host:test_port)/test_dbname"; the
  // reader gets the same fields (port 3306 here: see row 2).
  test("separate parameters make the same connection as KEDA's built DSN", () => {
    const c = p(
      {
        query: 'query',
        queryValue: '12',
        host: 'test_host',
        port: '3306',
        username: 'test_username',
        passwordFromEnv: 'MYSQL_PASSWORD',
        dbName: 'test_dbname',
      },
      { resolvedEnv: kedaEnv },
    );
    assert.deepEqual(c.target, targetFromDsn('test_username:pass@tcp(test_host:3306)/test_dbname'));
  });
});

describe('mysql parse', () => {
  const base = { query: 'SELECT 1', queryValue: '5' };
  test("defaults: activation 0, port 3306 when none is given (the driver's default)", () => {
    const c = p({ ...base, host: 'db', username: 'u', dbName: 'd' });
    assert.equal(c.activationQueryValue, 0);
    assert.deepEqual(c.target, { host: 'db', port: 3306, user: 'u', database: 'd', tls: 'false' });
  });
  test('metadata wins over the TriggerAuthentication for host (KEDA order triggerMetadata;authParams)', () => {
    assert.equal(p({ ...base, host: 'md-host' }, { authParams: { host: 'auth-host' } }).target.host, 'md-host');
  });
  test('without a connectionString, host is needed', () => assertConfigError(() => p(base), 'host', /^mysql: no host given/));
  test('queryValue must be positive', () => assertConfigError(() => p({ query: 'q', queryValue: '0', host: 'h' }), 'queryValue', /positive/));
  test('a cloud metadata address is refused', () => assertConfigError(() => p({ ...base, host: '169.254.169.254' }), 'host', /cloud metadata/));
  test('a DSN that cannot be read is refused without echoing it', () => {
    assertConfigError(() => p(base, { authParams: { connectionString: 'root:hunter2@tcp(db:3306' } }), 'connectionString', /not a MySQL DSN/, 'hunter2');
  });
  test('metricName is known to validate but not used (KEDA overwrites it)', () => {
    assert.deepEqual(descriptor.otherKeys, ['metricName']);
  });
});

describe('Go MySQL DSNs', () => {
  test('user, password with @ and :, address, database, parameters', () => {
    assert.deepEqual(parseDsn('me:p@ss:w@tcp(db.example:3307)/stats?tls=skip-verify&timeout=2s'), {
      user: 'me',
      password: 'p@ss:w',
      net: 'tcp',
      addr: 'db.example:3307',
      dbname: 'stats',
      params: { tls: 'skip-verify', timeout: '2s' },
    });
    const t = targetFromDsn('me:p@ss:w@tcp(db.example:3307)/stats?tls=skip-verify&timeout=2s');
    assert.deepEqual(t, { user: 'me', password: 'p@ss:w', database: 'stats', tls: 'skip-verify', connectTimeoutMs: 2000, host: 'db.example', port: 3307 });
  });
  test('the driver defaults: 127.0.0.1:3306, :3306 without a port, IPv6 in brackets, unix sockets', () => {
    assert.deepEqual(targetFromDsn('/d'), { user: '', database: 'd', tls: 'false', host: '127.0.0.1', port: 3306 });
    assert.equal(targetFromDsn('u@tcp(h)/d').port, 3306);
    assert.deepEqual([targetFromDsn('u@tcp([::1]:3310)/d').host, targetFromDsn('u@tcp([::1]:3310)/d').port], ['::1', 3310]);
    assert.equal(targetFromDsn('u@unix(/run/mysqld/mysqld.sock)/d').socketPath, '/run/mysqld/mysqld.sock');
  });
  test('tls=true verifies; a custom TLS config name is refused; a network other than tcp/unix is refused', () => {
    assert.equal(targetFromDsn('u@tcp(h)/d?tls=true').tls, 'true');
    assert.throws(() => targetFromDsn('u@tcp(h)/d?tls=custom'), /custom TLS config name is not supported/);
    assert.throws(() => targetFromDsn('u@udp(h)/d'), /network must be tcp or unix/);
  });
  test("KEDA's metric database name is the text after the last /, parameters included", () => {
    assert.equal(dbNameFromConnectionString('u@tcp(h)/db?tls=true'), 'db?tls=true');
    assert.equal(
      descriptor.metricSpecs(p({ query: 'q', queryValue: '1' }, { authParams: { connectionString: 'u@tcp(h)/db?tls=true' } }), 0)[0].metricName,
      's0-mysql-db?tls=true',
    );
  });
});

describe('mysql reader pieces', () => {
  test('session SQL per flavour: MySQL milliseconds, MariaDB seconds', () => {
    assert.equal(sessionSql('mysql', 3000), 'SET SESSION transaction_read_only = ON, SESSION max_execution_time = 3000');
    assert.equal(sessionSql('mariadb', 2500), 'SET SESSION tx_read_only = 1, SESSION max_statement_time = 2.5');
  });
  test('column types', () => {
    assert.equal(cellKindOf(8), 'number'); // BIGINT (COUNT(*))
    assert.equal(cellKindOf(246), 'number'); // NEWDECIMAL
    assert.equal(cellKindOf(253), 'text');
    assert.equal(cellKindOf(12), 'other'); // DATETIME
    assert.equal(cellKindOf(undefined), 'other');
  });
  test('server keys differ by password and hide it', () => {
    const a = targetFromDsn('u:hunter2@tcp(h:1)/d');
    assert.notEqual(serverKey(a), serverKey(targetFromDsn('u:other@tcp(h:1)/d')));
    assert.ok(!serverKey(a).includes('hunter2'));
  });
  const config = p({ query: 'SELECT n FROM t', queryValue: '1', host: 'db', username: 'u', dbName: 'd' }, { authParams: { password: 'hunter2' } });
  const kinds: Array<[string, Record<string, unknown>, ReadError['kind'], RegExp]> = [
    ['a refused login', { errno: 1045, code: 'ER_ACCESS_DENIED_ERROR', message: "Access denied for user 'u'" }, 'auth', /refused the login/],
    ['no table privilege', { errno: 1142, sqlState: '42000', message: 'SELECT command denied' }, 'auth', /grant SELECT to u/],
    ['a write in READ ONLY', { errno: 1792, message: 'Cannot execute statement in a READ ONLY transaction' }, 'bad-query', /READ ONLY transaction/],
    ['MySQL max_execution_time', { errno: 3024, message: 'maximum statement execution time exceeded' }, 'timeout', /statement timeout of 3000 ms/],
    ['MariaDB max_statement_time', { errno: 1969, message: 'max_statement_time exceeded' }, 'timeout', /interrupted/],
    ['a syntax error', { errno: 1064, sqlState: '42000', message: 'You have an error in your SQL syntax' }, 'bad-query', /query SELECT n FROM t failed \(1064/],
    ['an unknown database', { errno: 1049, message: "Unknown database 'd'" }, 'other', /check dbName/],
    ['a refused connection', { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'unreachable', /cannot reach db:3306/],
    ['a message holding the password', { errno: 9999, message: 'weird hunter2' }, 'other', /weird \*\*\*/],
  ];
  for (const [name, err, kind, message] of kinds) {
    test(`errors: ${name}`, () => {
      const e = classify(Object.assign(new Error(String(err.message)), err), config, 3000);
      assert.equal(e.kind, kind);
      assert.match(e.message, message);
      assert.ok(!e.message.includes('hunter2'));
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// One read with a fake pool connection (the real server is in test/integration/mysql-scaler.test.ts).

interface FakeConn {
  sent: unknown[];
  released: number;
  destroyed: number;
  query(q: unknown): Promise<unknown>;
  release(): void;
  destroy(): void;
}
function fakeServer(answer: (q: unknown, sent: unknown[]) => unknown): { server: MysqlServer; conn: FakeConn } {
  const conn: FakeConn = {
    sent: [],
    released: 0,
    destroyed: 0,
    async query(q) {
      this.sent.push(q);
      const a = answer(q, this.sent);
      if (a instanceof Error) throw a;
      return a;
    },
    release() {
      this.released++;
    },
    destroy() {
      this.destroyed++;
    },
  };
  const server = Object.assign(Object.create(MysqlServer.prototype) as MysqlServer, { flavour: 'mysql', connect: async () => conn });
  return { server, conn };
}
const ok = [{}, []];
const rowsOf = (rows: unknown[][], type = 8) => [rows, [{ name: 'COUNT(*)', columnType: type }]];

describe('mysql runQuery (fake connection)', () => {
  const config = p({ query: 'SELECT COUNT(*) FROM jobs', queryValue: '1', host: 'db', username: 'u', dbName: 'd' });
  test('session READ ONLY + timeout, START TRANSACTION READ ONLY, the query as arrays, ROLLBACK, released', async () => {
    const { server, conn } = fakeServer((q) => (typeof q === 'string' ? ok : rowsOf([['41']])));
    assert.equal(await runQuery(server, config, 2000, AbortSignal.timeout(1000)), 41);
    assert.deepEqual(conn.sent, [
      sessionSql('mysql', 2000),
      'START TRANSACTION READ ONLY',
      { sql: 'SELECT COUNT(*) FROM jobs', rowsAsArray: true },
      'ROLLBACK',
    ]);
    assert.equal(conn.released, 1);
  });
  test('MariaDB: an unknown system variable switches the flavour, once, for the server', async () => {
    const { server, conn } = fakeServer((q) =>
      q === sessionSql('mysql', 1000)
        ? Object.assign(new Error("Unknown system variable 'max_execution_time'"), { errno: 1193 })
        : typeof q === 'string'
          ? ok
          : rowsOf([[3]]),
    );
    assert.equal(await runQuery(server, config, 1000, AbortSignal.timeout(1000)), 3);
    assert.equal(server.flavour, 'mariadb');
    assert.equal(conn.sent[1], sessionSql('mariadb', 1000));
  });
  test('a server error rolls back and is classified; a result that is no row set is a bad query', async () => {
    const failing = fakeServer((q) =>
      typeof q === 'string' ? ok : Object.assign(new Error('Cannot execute statement in a READ ONLY transaction'), { errno: 1792 }),
    );
    await assert.rejects(
      runQuery(failing.server, config, 1000, AbortSignal.timeout(1000)),
      (e: unknown) => e instanceof ReadError && e.kind === 'bad-query' && /READ ONLY/.test(e.message),
    );
    assert.equal(failing.conn.sent.at(-1), 'ROLLBACK');
    const noRows = fakeServer(() => ok.slice(0, 1).concat([undefined as unknown as never[]]));
    await assert.rejects(runQuery(noRows.server, config, 1000, AbortSignal.timeout(1000)), /returned no result set/);
  });
  test('a DATETIME is not a number', async () => {
    const { server } = fakeServer((q) => (typeof q === 'string' ? ok : rowsOf([['2024-01-01 00:00:00']], 12)));
    await assert.rejects(runQuery(server, config, 1000, AbortSignal.timeout(1000)), /not a number/);
  });
  test('an aborted read fails before connecting; a connect failure is classified', async () => {
    const ac = new AbortController();
    ac.abort();
    const { server } = fakeServer(() => ok);
    await assert.rejects(runQuery(server, config, 1000, ac.signal), (e: unknown) => e instanceof ReadError && e.kind === 'timeout');
    const refused = Object.assign(Object.create(MysqlServer.prototype) as MysqlServer, {
      connect: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      },
    });
    await assert.rejects(runQuery(refused, config, 1000, AbortSignal.timeout(1000)), (e: unknown) => e instanceof ReadError && e.kind === 'unreachable');
  });
  test('MysqlServer against a closed port: unreachable, and end() leaves nothing open', async () => {
    const s = new MysqlServer({ host: '127.0.0.1', port: 1, user: 'u', database: 'd', tls: 'preferred' }, 1000);
    await assert.rejects(runQuery(s, config, 1000, AbortSignal.timeout(5000)), (e: unknown) => e instanceof ReadError && e.kind === 'unreachable');
    await s.end();
  });
});
