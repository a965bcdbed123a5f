import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReadError, type ParseInput } from './scaler.ts';
import { singleNumber } from './common/sql-value.ts';
import {
  cellKindOf,
  classify,
  descriptor,
  escapeConnectionParameter,
  keywordConnectionString,
  parse,
  parseConnectionString,
  PgServer,
  runQuery,
  serverKey,
  sslFor,
  targetFromConnectionString,
  type PostgresqlConfig,
} from './postgresql.ts';

const base = { query: 'SELECT 1', targetQueryValue: '5' };
const params = { host: 'db', port: '5432', userName: 'u', dbName: 'd', sslmode: 'disable' };
const p = (metadata: Record<string, string>, more: Partial<ParseInput> = {}) => parse({ metadata, authParams: {}, resolvedEnv: {}, ...more });

/** A ConfigError for `field` whose message matches and names the field. */
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
// KEDA's tables (pkg/scalers/postgresql_scaler_test.go), one subtest per row, in KEDA's order.

interface Row {
  name: string;
  metadata: Record<string, string>;
  authParams?: Record<string, string>;
  resolvedEnv?: Record<string, string>;
  want?: (c: PostgresqlConfig) => void;
  error?: { field: string; message: RegExp };
}

function check(r: Row): void {
  const run = () => p(r.metadata, { authParams: r.authParams ?? {}, resolvedEnv: r.resolvedEnv ?? {} });
  if (r.error) return assertConfigError(run, r.error.field, r.error.message, r.authParams?.password);
  r.want?.(run());
}

// testPostgreSQLMetadata (KEDA uses rows 0 and 1 only, in TestPostgreSQLGetMetricSpecForScaling, with the env below).
const kedaEnv = { test_connection_string: 'postgresql://localhost:5432', test_connection_string2: 'postgresql://test@localhost' };
const metadataRows: Row[] = [
  {
    name: 'connectionFromEnv: a URL without user or password means localhost:5432 as postgres',
    metadata: { query: 'test_query', targetQueryValue: '5', connectionFromEnv: 'test_connection_string' },
    resolvedEnv: kedaEnv,
    want: (c) => assert.deepEqual(c.target, { hosts: [{ host: 'localhost', port: 5432 }], user: 'postgres', database: 'postgres', sslmode: 'prefer' }),
  },
  {
    name: 'connectionFromEnv: a URL with a user and no port uses 5432 and the user as the database',
    metadata: { query: 'test_query', targetQueryValue: '5', connectionFromEnv: 'test_connection_string2' },
    resolvedEnv: kedaEnv,
    want: (c) => assert.deepEqual(c.target, { hosts: [{ host: 'localhost', port: 5432 }], user: 'test', database: 'test', sslmode: 'prefer' }),
  },
  {
    name: 'activationTargetQueryValue is the activation threshold',
    metadata: { query: 'test_query', targetQueryValue: '5', activationTargetQueryValue: '3', connectionFromEnv: 'test_connection_string2' },
    resolvedEnv: kedaEnv,
    want: (c) => {
      assert.equal(c.activationTargetQueryValue, 3);
      assert.equal(c.targetQueryValue, 5);
    },
  },
  // As in KEDA: `connection` is read from the TriggerAuthentication or the env only (order=authParams;resolvedEnv),
  // so in metadata it is ignored and the separate parameters are missing (validate lists it as an unknown key).
  {
    name: 'a connection in metadata is not read: without host the trigger is refused',
    metadata: { query: 'test_query', targetQueryValue: '5', connection: 'postgresql://localhost:5432' },
    error: { field: 'host', message: /^postgresql: no host given/ },
  },
  {
    name: 'a connection with a password in metadata is not read either (and metricName is ignored)',
    metadata: { query: 'test_query', targetQueryValue: '5', connection: 'postgresql://username:password@localhost:5432', metricName: 'scaler_sql_data2' },
    error: { field: 'host', message: /^postgresql: no host given/ },
  },
  // Differs on purpose: KEDA keeps port a string and fails only when pgx connects; Updraft refuses it at parse.
  {
    name: 'separate parameters with port test_port are refused at parse (KEDA fails at connect)',
    metadata: {
      query: 'test_query',
      targetQueryValue: '5',
      host: 'test_host',
      port: 'test_port',
      userName: 'test_user_name',
      dbName: 'test_db_name',
      sslmode: 'test_ssl_mode',
    },
    error: { field: 'port', message: /^postgresql: port must be a whole number, got 'test_port'$/ },
  },
  {
    name: 'the same with metricName: still port (metricName is not read since KEDA v2.10)',
    metadata: {
      query: 'test_query',
      targetQueryValue: '5',
      host: 'test_host',
      port: 'test_port',
      userName: 'test_user_name',
      dbName: 'test_db_name',
      sslmode: 'test_ssl_mode',
      metricName: 'scaler_sql_data',
    },
    error: { field: 'port', message: /port must be a whole number/ },
  },
];

// testPostgreSQLConnectionstring (TestPostgreSQLConnectionStringGeneration).
const connectionRows: Row[] = [
  // Differs on purpose: KEDA hands any text to pgx, which rejects it when connecting; Updraft parses it at once.
  {
    name: 'connectionFromEnv with text that is no connection string is refused, without echoing it',
    metadata: { query: 'test_query', targetQueryValue: '5', connectionFromEnv: 'CONNECTION_ENV' },
    resolvedEnv: { CONNECTION_ENV: 'test_connection_from_env' },
    error: { field: 'connection', message: /^postgresql: connection is not a libpq connection string [^]*$/ },
  },
  {
    name: 'a connection from the TriggerAuthentication that is no connection string is refused too',
    metadata: { query: 'test_query', targetQueryValue: '5' },
    authParams: { connection: 'test_connection_from_auth' },
    error: { field: 'connection', message: /connection is not a libpq connection string/ },
  },
  // KEDA builds "host=localhost port=1234 user=user dbname=testDb sslmode=required password=" (see the next test);
  // "required" is no libpq sslmode (pgx refuses it at connect), so Updraft refuses it at parse.
  {
    name: 'separate parameters with sslmode "required" are refused: it is not a libpq sslmode',
    metadata: { query: 'test_query', targetQueryValue: '5', host: 'localhost', port: '1234', dbName: 'testDb', userName: 'user', sslmode: 'required' },
    error: { field: 'sslmode', message: /^postgresql: sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full, got 'required'$/ },
  },
  {
    name: 'several hosts (host1,host2) are kept in order, each with the port',
    metadata: { query: 'test_query', targetQueryValue: '5', host: 'host1,host2', port: '1234', dbName: 'testDb', userName: 'user', sslmode: 'require' },
    want: (c) =>
      assert.deepEqual(c.target, {
        hosts: [
          { host: 'host1', port: 1234 },
          { host: 'host2', port: 1234 },
        ],
        user: 'user',
        database: 'testDb',
        sslmode: 'require',
      }),
  },
];

// testPostgresMetadata (TestParsePostgreSQLMetadata), with testPostgresResolvedEnv.
const kedaResolvedEnv = { POSTGRE_PASSWORD: 'pass', POSTGRE_CONN_STR: 'test_conn_str' };
const parseRows: Row[] = [
  {
    name: 'no metadata is refused (query is missing)',
    metadata: {},
    resolvedEnv: kedaResolvedEnv,
    error: { field: 'targetQueryValue', message: /missing required parameter "targetQueryValue"/ },
  },
  // Differs on purpose (as above): "test_conn_str" is not a connection string.
  {
    name: 'connectionFromEnv naming a value that is no connection string is refused',
    metadata: { query: 'query', targetQueryValue: '12', connectionFromEnv: 'POSTGRE_CONN_STR' },
    resolvedEnv: kedaResolvedEnv,
    error: { field: 'connection', message: /connection is not a libpq connection string/ },
  },
  // Differs on purpose: port test_port (see above).
  {
    name: 'separate parameters with passwordFromEnv: port test_port is refused',
    metadata: {
      query: 'query',
      targetQueryValue: '12',
      host: 'test_host',
      port: 'test_port',
      userName: 'test_username',
      passwordFromEnv: 'POSTGRE_PASSWORD',
      dbName: 'test_dbname',
      sslmode: 'require',
    },
    resolvedEnv: kedaResolvedEnv,
    error: { field: 'port', message: /port must be a whole number, got 'test_port'/ },
  },
  {
    name: 'parameters from the TriggerAuthentication: a bad port there is refused without being shown',
    metadata: { query: 'query', targetQueryValue: '12' },
    resolvedEnv: kedaResolvedEnv,
    authParams: { host: 'test_host', port: 'test_port', userName: 'test_username', password: 'POSTGRE_PASSWORD', dbName: 'test_dbname', sslmode: 'disable' },
    error: { field: 'port', message: /^postgresql: port must be a whole number, got a value from the TriggerAuthentication \(not shown\)$/ },
  },
];

describe("KEDA's metadata tables (pkg/scalers/postgresql_scaler_test.go)", () => {
  for (const [i, r] of metadataRows.entries()) test(`testPostgreSQLMetadata row ${i}: ${r.name}`, () => check(r));
  for (const [i, r] of connectionRows.entries()) test(`testPostgreSQLConnectionstring row ${i}: ${r.name}`, () => check(r));
  for (const [i, r] of parseRows.entries()) test(`testPostgresMetadata row ${i}: ${r.name}`, () => check(r));

  // postgreSQLMetricIdentifiers: rows 0 and 1 at trigger indexes 0 and 1.
  for (const [row, index, name] of [
    [0, 0, 's0-postgresql'],
    [1, 1, 's1-postgresql'],
  ] as const) {
    test(`postgreSQLMetricIdentifiers: row ${row} at trigger ${index} is named ${name}`, () => {
      const c = p(metadataRows[row].metadata, { resolvedEnv: kedaEnv });
      assert.equal(descriptor.metricSpecs(c, index)[0].metricName, name);
    });
  }

  // TestPostgreSQLConnectionStringGeneration "from meta" rows: the key=value string KEDA builds from the parameters.
  for (const [host, want] of [
    ['localhost', 'host=localhost port=1234 user=user dbname=testDb sslmode=required password='],
    ['host1,host2', 'host=host1,host2 port=1234 user=user dbname=testDb sslmode=required password='],
  ] as const) {
    test(`KEDA's connection string from the parameters for host ${host}`, () => {
      assert.equal(keywordConnectionString({ host, port: '1234', userName: 'user', dbName: 'testDb', sslmode: 'required' }), want);
    });
  }

  // TestEscapePostgreConnectionParameter.
  const escapes: Array<[string, string, string]> = [
    ['simple', 'simple', 'simple'],
    ['space', 'with space', "'with space'"],
    ['tab', 'user\tsslmode=disable', "'user\tsslmode=disable'"],
    ['newline', 'user\nhost=attacker', "'user\nhost=attacker'"],
    ['single quote', "user'name", "'user\\'name'"],
    ['backslash', 'user\\name', "'user\\\\name'"],
    ['quote and backslash', "user\\'name", "'user\\\\\\'name'"],
  ];
  for (const [name, input, want] of escapes) test(`escape connection parameter: ${name}`, () => assert.equal(escapeConnectionParameter(input), want));

  // TestPostgreSQLConnectionStringGenerationEscapesWhitespace: the quoted string, and (Updraft) the parsed fields
  // that the reader connects with, so "user\tsslmode=disable" is a user name, not a second setting.
  test('whitespace in userName and password is escaped in the string and stays inside its own field', () => {
    const md = {
      query: 'test_query',
      targetQueryValue: '5',
      host: 'db.example',
      port: '5432',
      dbName: 'testdb',
      userName: 'user\tsslmode=disable',
      sslmode: 'require',
    };
    const auth = { password: 'secret\nhost=attacker' };
    assert.equal(
      keywordConnectionString({ ...md, password: auth.password }),
      "host=db.example port=5432 user='user\tsslmode=disable' dbname=testdb sslmode=require password='secret\nhost=attacker'",
    );
    const back = targetFromConnectionString(keywordConnectionString({ ...md, password: auth.password }));
    const c = p(md, { authParams: auth });
    assert.deepEqual(c.target, {
      hosts: [{ host: 'db.example', port: 5432 }],
      user: 'user\tsslmode=disable',
      database: 'testdb',
      sslmode: 'require',
      password: 'secret\nhost=attacker',
    });
    assert.deepEqual(back, c.target);
  });

  // testPodIdentityAzureWorkloadPostgreSQLConnectionstring. Differs on purpose: KEDA puts an Entra ID token in the
  // password; Updraft has no Azure identity yet and says so instead of connecting without a password.
  test('podIdentity azure-workload is refused with what to use instead', () => {
    assertConfigError(
      () =>
        p(
          { query: 'test_query', targetQueryValue: '5', host: 'localhost', port: '1234', dbName: 'testDb', userName: 'user', sslmode: 'require' },
          { podIdentity: { provider: 'azure-workload', identityId: 'IDENTITY_ID' } },
        ),
      'podIdentity',
      /azure-workload .* not supported by Updraft/,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Updraft's own parse rules.

describe('postgresql parse', () => {
  test('separate parameters from metadata, password from passwordFromEnv', () => {
    const c = p({ ...base, ...params, passwordFromEnv: 'PW' }, { resolvedEnv: { PW: 'pw' } });
    assert.deepEqual(c.target, { hosts: [{ host: 'db', port: 5432 }], user: 'u', database: 'd', sslmode: 'disable', password: 'pw' });
    assert.equal(c.activationTargetQueryValue, 0);
  });
  test('the TriggerAuthentication wins over metadata for host and the rest (KEDA order authParams;triggerMetadata)', () => {
    const c = p({ ...base, ...params }, { authParams: { host: 'auth-host', userName: 'auth-user' } });
    assert.equal(c.target.hosts[0].host, 'auth-host');
    assert.equal(c.target.user, 'auth-user');
  });
  test('a connection wins over the separate parameters, and its password over "password"', () => {
    const c = p({ ...base, ...params }, { authParams: { connection: 'postgresql://a:b@other:6543/x?sslmode=require', password: 'ignored' } });
    assert.deepEqual(c.target, { hosts: [{ host: 'other', port: 6543 }], user: 'a', database: 'x', sslmode: 'require', password: 'b' });
  });
  for (const missing of ['host', 'port', 'userName', 'dbName', 'sslmode']) {
    test(`without a connection, a missing ${missing} is named (KEDA "no ${missing} given")`, () => {
      const md: Record<string, string> = { ...base, ...params };
      delete md[missing];
      assertConfigError(() => p(md), missing, new RegExp(`^postgresql: no ${missing} given; set metadata\\.${missing}`));
    });
  }
  test('targetQueryValue must be positive', () =>
    assertConfigError(() => p({ ...params, query: 'q', targetQueryValue: '0' }), 'targetQueryValue', /must be a positive number, got '0'/));
  test('a port out of range is refused', () => assertConfigError(() => p({ ...base, ...params, port: '70000' }), 'port', /port must be 1-65535/));
  test('a cloud metadata address as host is refused', () =>
    assertConfigError(() => p({ ...base, ...params, host: '169.254.169.254' }), 'host', /cloud metadata/));
  test('a connection string that cannot be read never echoes itself', () => {
    assertConfigError(
      () => p(base, { authParams: { connection: "host='unterminated password=hunter2" } }),
      'connection',
      /unterminated quoted value for host/,
      'hunter2',
    );
  });
  test('an sslmode in a connection string that is wrong is not shown (the string holds secrets)', () => {
    assertConfigError(() => p(base, { authParams: { connection: 'host=h sslmode=hunter2' } }), 'connection', /not shown/, 'hunter2');
  });
  test("sslrootcert and friends are refused (they name files on the operator's disk)", () => {
    assertConfigError(() => p(base, { authParams: { connection: 'host=h sslrootcert=/etc/ca.pem' } }), 'connection', /sslrootcert is not supported/);
  });
  test('offline, a connection from a TriggerAuthentication is a note, and the separate parameters are not asked for', () => {
    const offline = { authUnknown: true, envUnknown: true, notes: [] as string[] };
    const c = p(base, { offline });
    assert.equal(c.target.hosts.length, 1);
  });
});

describe('libpq connection strings', () => {
  const cases: Array<[string, string, Record<string, string>]> = [
    [
      'key=value with quotes and escapes',
      "host=h port=1 user='a b' password='it\\'s' dbname=d",
      { host: 'h', port: '1', user: 'a b', password: "it's", dbname: 'd' },
    ],
    ['spaces around =', 'host = h  dbname =d', { host: 'h', dbname: 'd' }],
    [
      'URL with percent-encoding and params',
      'postgresql://us%40r:p%3Ass@h:5433/d%2Fb?sslmode=verify-full&application_name=x',
      { user: 'us@r', password: 'p:ss', host: 'h', port: '5433', dbname: 'd/b', sslmode: 'verify-full', application_name: 'x' },
    ],
    ['URL with several hosts', 'postgres://h1:1,h2:2/db', { host: 'h1,h2', port: '1,2', dbname: 'db' }],
    ['URL with an IPv6 host', 'postgres://[::1]:5432/db', { host: '::1', port: '5432', dbname: 'db' }],
    ['URL with nothing but the scheme', 'postgresql://', {}],
  ];
  for (const [name, s, want] of cases) test(`parse: ${name}`, () => assert.deepEqual(parseConnectionString(s), want));

  test('several hosts take one port each, or one port for all', () => {
    assert.deepEqual(targetFromConnectionString('host=a,b port=1,2').hosts, [
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ]);
    assert.deepEqual(targetFromConnectionString('host=a,b port=7').hosts, [
      { host: 'a', port: 7 },
      { host: 'b', port: 7 },
    ]);
    assert.throws(() => targetFromConnectionString('host=a,b port=1,2,3'), /2 hosts and 3 ports/);
    assert.throws(() => targetFromConnectionString('host=a port=x'), /must be 1-65535/);
  });
  test('connect_timeout is seconds', () => assert.equal(targetFromConnectionString('host=a connect_timeout=2').connectTimeoutMs, 2000));
});

describe('postgresql reader pieces', () => {
  test('sslmode to TLS options', () => {
    assert.equal(sslFor('disable', 'h'), false);
    assert.deepEqual(sslFor('require', 'h'), { rejectUnauthorized: false });
    assert.equal((sslFor('verify-ca', 'h') as { rejectUnauthorized: boolean }).rejectUnauthorized, true);
    assert.deepEqual(sslFor('verify-full', 'h'), { rejectUnauthorized: true, servername: 'h' });
  });
  test('column types: numbers, text, anything else', () => {
    assert.equal(cellKindOf(20), 'number');
    assert.equal(cellKindOf(1700), 'number');
    assert.equal(cellKindOf(25), 'text');
    assert.equal(cellKindOf(16), 'other'); // boolean: database/sql cannot scan it into a float64
    assert.equal(cellKindOf(1184), 'other');
  });
  test('one server key per hosts, user, database, sslmode and password; the password only hashed', () => {
    const t = targetFromConnectionString('postgresql://u:hunter2@h:1/d');
    assert.equal(serverKey(t), serverKey(targetFromConnectionString('host=h port=1 user=u password=hunter2 dbname=d sslmode=prefer')));
    assert.notEqual(serverKey(t), serverKey(targetFromConnectionString('postgresql://u:other@h:1/d')));
    assert.ok(!serverKey(t).includes('hunter2'));
  });

  const config = p({ ...base, ...params, query: 'SELECT n FROM t' }, { authParams: { password: 'hunter2' } });
  const kinds: Array<[string, Record<string, unknown>, ReadError['kind'], RegExp]> = [
    ['a refused password is auth', { code: '28P01', message: 'password authentication failed for user "u"' }, 'auth', /refused the login/],
    ['a permission error is auth', { code: '42501', message: 'permission denied for table t' }, 'auth', /grant SELECT to u/],
    [
      'a write in the read-only transaction is a bad query',
      { code: '25006', message: 'cannot execute DELETE in a read-only transaction' },
      'bad-query',
      /READ ONLY transaction/,
    ],
    ['a statement timeout is a timeout', { code: '57014', message: 'canceling statement due to statement timeout' }, 'timeout', /statement timeout of 3000 ms/],
    [
      'a syntax error is a bad query naming it',
      { code: '42601', message: 'syntax error at or near "SELEC"' },
      'bad-query',
      /query SELECT n FROM t failed \(42601/,
    ],
    ['a refused connection is unreachable', { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'unreachable', /cannot reach db:5432/],
    ['an unknown database', { code: '3D000', message: 'database "d" does not exist' }, 'other', /check dbName/],
    ['a message with the password in it is masked', { code: 'XX000', message: 'odd hunter2 thing' }, 'other', /odd \*\*\* thing/],
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

describe('the single value of a query', () => {
  const one = (rows: unknown[][], kind: 'number' | 'text' | 'other' = 'number', columns = ['count']) =>
    singleNumber('postgresql', 'SELECT  x\n FROM t', { columns, rows }, kind);
  test('a bigint arrives as text and is exact', () => assert.equal(one([['9007199254740991']]), 9007199254740991));
  test('a decimal and a negative', () => {
    assert.equal(one([['2.5']]), 2.5);
    assert.equal(one([['-3']]), -3);
  });
  test("numeric NaN and Infinity are numbers (KEDA's ParseFloat reads them too)", () => {
    assert.ok(Number.isNaN(one([['NaN']])));
    assert.equal(one([['Infinity']]), Infinity);
  });
  test("numeric text converts as Go's ParseFloat", () => assert.equal(one([['1e3']], 'text'), 1000));
  const errors: Array<[string, () => unknown, ReadError['kind'], RegExp]> = [
    ['no row', () => one([]), 'empty', /^postgresql: query SELECT x FROM t returned no row/],
    ['two rows', () => one([['1'], ['2']]), 'bad-query', /returned 2 rows; it must return exactly one/],
    ['two columns', () => one([['1', '2']], 'number', ['a', 'b']), 'bad-query', /returned 2 columns/],
    ['NULL', () => one([[null]]), 'empty', /returned NULL; wrap it in COALESCE/],
    ['text that is no number', () => one([['abc']], 'text'), 'bad-query', /not a number in column count/],
    ['a boolean column', () => one([['t']], 'other'), 'bad-query', /not a number/],
    ['text with spaces', () => one([[' 5']], 'text'), 'bad-query', /not a number/],
  ];
  for (const [name, fn, kind, message] of errors) {
    test(`errors: ${name}`, () => assert.throws(fn, (e: unknown) => e instanceof ReadError && e.kind === kind && message.test(e.message)));
  }
});

// ---------------------------------------------------------------------------------------------------------------
// One read with a fake pool client: the statements sent, in order, and what is released (the real server is in
// test/integration/postgresql-scaler.test.ts).

interface FakeClient {
  sent: unknown[];
  released?: boolean | Error;
  query(q: unknown): Promise<unknown>;
  release(broken?: boolean): void;
}
function fakeServer(answer: (q: unknown) => unknown): { server: PgServer; client: FakeClient } {
  const client: FakeClient = {
    sent: [],
    async query(q) {
      this.sent.push(q);
      const a = answer(q);
      if (a instanceof Error) throw a;
      return a;
    },
    release(broken) {
      this.released = broken ?? false;
    },
  };
  return { server: { connect: async () => client } as unknown as PgServer, client };
}

describe('postgresql runQuery (fake client)', () => {
  const config = p({ ...base, ...params, query: 'SELECT COUNT(*) FROM jobs' });
  const result = { fields: [{ name: 'count', dataTypeID: 20 }], rows: [['12']] };
  test('BEGIN READ ONLY with the timeout, the query in extended mode as arrays, ROLLBACK; the client goes back whole', async () => {
    const { server, client } = fakeServer((q) => (typeof q === 'string' ? {} : result));
    assert.equal(await runQuery(server, config, 2500, AbortSignal.timeout(1000)), 12);
    assert.equal(client.sent[0], 'BEGIN TRANSACTION READ ONLY; SET LOCAL statement_timeout = 2500');
    assert.deepEqual(
      { ...(client.sent[1] as Record<string, unknown>), types: undefined },
      { text: 'SELECT COUNT(*) FROM jobs', rowMode: 'array', queryMode: 'extended', types: undefined },
    );
    assert.equal(client.sent[2], 'ROLLBACK');
    assert.equal(client.released, false);
  });
  test('a server error rolls back, is classified, and the client is kept', async () => {
    const { server, client } = fakeServer((q) =>
      typeof q === 'string' ? {} : Object.assign(new Error('cannot execute DELETE in a read-only transaction'), { code: '25006' }),
    );
    await assert.rejects(runQuery(server, config, 1000, AbortSignal.timeout(1000)), (e: unknown) => e instanceof ReadError && e.kind === 'bad-query');
    assert.equal(client.sent.at(-1), 'ROLLBACK');
    assert.equal(client.released, false);
  });
  test('a dropped connection is not rolled back and the client is destroyed', async () => {
    const { server, client } = fakeServer((q) => (typeof q === 'string' ? {} : Object.assign(new Error('Connection terminated unexpectedly'), {})));
    await assert.rejects(runQuery(server, config, 1000, AbortSignal.timeout(1000)), (e: unknown) => e instanceof ReadError && e.kind === 'unreachable');
    assert.equal(client.released, true);
  });
  test('an empty result is the empty error, after the rollback', async () => {
    const { server, client } = fakeServer((q) => (typeof q === 'string' ? {} : { fields: [{ name: 'n', dataTypeID: 20 }], rows: [] }));
    await assert.rejects(runQuery(server, config, 1000, AbortSignal.timeout(1000)), (e: unknown) => e instanceof ReadError && e.kind === 'empty');
    assert.equal(client.sent.at(-1), 'ROLLBACK');
  });
  test('an aborted read fails as a timeout before connecting', async () => {
    const { server, client } = fakeServer(() => result);
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(runQuery(server, config, 1000, ac.signal), (e: unknown) => e instanceof ReadError && e.kind === 'timeout');
    assert.equal(client.sent.length, 0);
  });
  test('a connect failure is classified', async () => {
    const server = {
      connect: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      },
    } as unknown as PgServer;
    await assert.rejects(runQuery(server, config, 1000, AbortSignal.timeout(1000)), (e: unknown) => e instanceof ReadError && e.kind === 'unreachable');
  });
  test('PgServer tries each host of the list, then reports the last failure; nothing is open after end()', async () => {
    const s = new PgServer(
      {
        hosts: [
          { host: '127.0.0.1', port: 1 },
          { host: '127.0.0.1', port: 2 },
        ],
        user: 'u',
        database: 'd',
        sslmode: 'disable',
      },
      1000,
    );
    await assert.rejects(s.connect(), (e: unknown) => (e as { code?: string }).code === 'ECONNREFUSED');
    assert.equal(s.connections, 0);
    await s.end();
  });
});
