// `mysql`: scale on the number one SQL query returns (KEDA pkg/scalers/mysql_scaler.go), MySQL or MariaDB. Each read
// sets the session READ ONLY with a server-side statement timeout (max_execution_time on MySQL, max_statement_time on
// MariaDB), runs the query in a READ ONLY transaction (one statement: multipleStatements is off), then rolls back;
// on a mysql2 pool shared by every trigger that names the same server, user, database and password.
import type mysql from 'mysql2/promise';
import { truncate } from '../api/problem.ts';
import { parseGoDuration } from '../api/values.ts';
import { ClientPool, poolKey } from './common/client-pool.ts';
import { refusedHost } from './common/address-policy.ts';
import { lazyClient } from './common/lazy-client.ts';
import { externalMetricSpec } from './common/metric-target.ts';
import { shownQuery, singleNumber, type CellKind } from './common/sql-value.ts';
import { float, int, lookupParam, resolveConfig, str } from './common/typed-config.ts';
import { ConfigError, defineScaler, ReadError, type ParseInput, type RawReading } from './scaler.ts';

/** mysql2, loaded by the first connection (common/lazy-client.ts). */
const mysqlLib = lazyClient('mysql2', () => import('mysql2/promise').then((m) => m.default));

export const TYPE = 'mysql';

// ---- 1. the typed config (KEDA's mySQLMetadata: names, sources in KEDA's order) ----

const fields = {
  // The query and its numbers first, so a trigger that is wrong in both says so about the query first.
  query: str(),
  queryValue: float(),
  activationQueryValue: float({ default: 0 }),
  /** A Go MySQL DSN `user:password@tcp(host:port)/dbname?params`; wins over the separate parameters. */
  connectionString: str({ order: ['authParams', 'resolvedEnv'], optional: true }),
  username: str({ order: ['triggerMetadata', 'authParams', 'resolvedEnv'], optional: true }),
  password: str({ order: ['authParams', 'resolvedEnv'], optional: true }),
  host: str({ order: ['triggerMetadata', 'authParams'], optional: true }),
  /** KEDA keeps it a string (the driver rejects a bad one at connect); Updraft checks it at parse. */
  port: int({ order: ['triggerMetadata', 'authParams'], optional: true }),
  dbName: str({ order: ['triggerMetadata', 'authParams'], optional: true }),
};

export type TlsMode = 'false' | 'true' | 'skip-verify' | 'preferred';

export interface MysqlTarget {
  /** TCP host and port, or a unix socket path (`unix(/path)` in a DSN). */
  host?: string;
  port?: number;
  socketPath?: string;
  user: string;
  /** Holds a secret: never log. */
  password?: string;
  database: string;
  tls: TlsMode;
  connectTimeoutMs?: number;
}

export interface MysqlConfig {
  query: string;
  queryValue: number;
  activationQueryValue: number;
  /** KEDA's metric name part: `mysql-<dbName>` (from the DSN: the text after its last `/`). */
  metricDbName: string;
  target: MysqlTarget;
}

// ---- 2. parse ----

class DsnError extends Error {}

/**
 * go-sql-driver/mysql's DSN grammar (dsn.go ParseDSN): `[user[:password]@][net[(addr)]]/dbname[?param=value&...]`;
 * the last `/` ends the address, the last `@` before it ends the credentials, the first `:` splits them.
 */
export function parseDsn(dsn: string): { user: string; password?: string; net: string; addr: string; dbname: string; params: Record<string, string> } {
  const slash = dsn.lastIndexOf('/');
  if (slash < 0) throw new DsnError('missing the slash separating the database name');
  const head = dsn.slice(0, slash);
  const tail = dsn.slice(slash + 1);
  const q = tail.indexOf('?');
  const dbname = q >= 0 ? tail.slice(0, q) : tail;
  const params: Record<string, string> = {};
  if (q >= 0) {
    for (const pair of tail
      .slice(q + 1)
      .split('&')
      .filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq < 0) throw new DsnError('a parameter without "="');
      try {
        params[pair.slice(0, eq)] = decodeURIComponent(pair.slice(eq + 1));
      } catch {
        throw new DsnError('bad percent-encoding in a parameter');
      }
    }
  }
  const at = head.lastIndexOf('@');
  const cred = at >= 0 ? head.slice(0, at) : '';
  const rest = at >= 0 ? head.slice(at + 1) : head;
  const colon = cred.indexOf(':');
  const user = colon >= 0 ? cred.slice(0, colon) : cred;
  const password = colon >= 0 ? cred.slice(colon + 1) : undefined;
  let net = rest;
  let addr = '';
  const open = rest.indexOf('(');
  if (open >= 0) {
    if (!rest.endsWith(')')) throw new DsnError('the address must be net(addr), e.g. tcp(host:3306)');
    net = rest.slice(0, open);
    addr = rest.slice(open + 1, -1);
  }
  return { user, ...(password !== undefined ? { password } : {}), net: net || 'tcp', addr, dbname, params };
}

/** KEDA's `parseMySQLDbNameFromConnectionStr`: the text after the last `/` (parameters included). */
export function dbNameFromConnectionString(s: string): string {
  const parts = s.split('/');
  return parts[parts.length - 1];
}

function tlsOf(raw: string | undefined, field: string): TlsMode {
  const v = (raw ?? 'false').toLowerCase();
  if (v === '1' || v === 't' || v === 'true') return 'true';
  if (v === '0' || v === 'f' || v === 'false' || v === '') return 'false';
  if (v === 'skip-verify' || v === 'preferred') return v;
  throw new ConfigError(
    TYPE,
    field,
    `${field}: the DSN parameter tls must be true, false, skip-verify or preferred (a custom TLS config name is not supported by Updraft)`,
  );
}

export function targetFromDsn(dsn: string, field = 'connectionString'): MysqlTarget {
  let d: ReturnType<typeof parseDsn>;
  try {
    d = parseDsn(dsn);
  } catch (e) {
    // The DSN may hold a password: say what is wrong, never echo it.
    throw new ConfigError(TYPE, field, `${field} is not a MySQL DSN (user:password@tcp(host:3306)/dbname): ${(e as Error).message}`);
  }
  const timeout = d.params.timeout ? parseGoDuration(d.params.timeout) : undefined;
  const base = {
    user: d.user,
    ...(d.password !== undefined ? { password: d.password } : {}),
    database: d.dbname,
    tls: tlsOf(d.params.tls, field),
    ...(timeout && timeout > 0 ? { connectTimeoutMs: timeout } : {}),
  };
  if (d.net === 'unix') return { ...base, socketPath: d.addr || '/tmp/mysql.sock' };
  if (d.net !== 'tcp' && d.net !== 'tcp4' && d.net !== 'tcp6') {
    throw new ConfigError(TYPE, field, `${field}: the DSN network must be tcp or unix`);
  }
  // The driver's defaults: 127.0.0.1:3306, and :3306 when the address has no port.
  const addr = d.addr || '127.0.0.1:3306';
  const m = /^(?:\[([^\]]+)\]|(.*?))(?::(\d+))?$/.exec(addr)!;
  const host = m[1] ?? m[2];
  const port = m[3] === undefined ? 3306 : Number(m[3]);
  if (port < 1 || port > 65535) throw new ConfigError(TYPE, field, `${field}: the port in the DSN must be 1-65535`);
  return { ...base, host: host || '127.0.0.1', port };
}

export function parse(input: ParseInput): MysqlConfig {
  const c = resolveConfig(TYPE, fields, input);
  if (c.queryValue <= 0) {
    // The HPA refuses a target <= 0 (KEDA fails later, creating the HPA); say so here.
    throw new ConfigError(TYPE, 'queryValue', `queryValue must be a positive number, got '${c.queryValue}'`);
  }
  const connectionGiven = lookupParam(input, 'connectionString', [], ['authParams', 'resolvedEnv']) !== undefined;
  let target: MysqlTarget;
  let metricDbName: string;
  if (c.connectionString && (connectionGiven || !input.offline)) {
    target = targetFromDsn(c.connectionString);
    metricDbName = dbNameFromConnectionString(c.connectionString);
  } else if (c.connectionString && input.offline) {
    // Offline, a DSN only the TriggerAuthentication or the env can supply: its database name is unknown too.
    target = { host: '127.0.0.1', port: 3306, user: '', database: '', tls: 'false' };
    metricDbName = c.dbName ?? 'dbname';
  } else {
    // Differs on purpose: KEDA joins an empty host and port into ":" and the driver dials that; Updraft asks for a
    // host, and defaults the port to 3306 as the driver does for an address without one.
    if (!c.host) {
      throw new ConfigError(
        TYPE,
        'host',
        'no host given; set metadata.host or a TriggerAuthentication parameter "host", or give a DSN as "connectionString" (TriggerAuthentication) or metadata.connectionStringFromEnv',
      );
    }
    const port = c.port ?? 3306;
    if (port < 1 || port > 65535) throw new ConfigError(TYPE, 'port', `port must be 1-65535, got '${port}'`);
    target = {
      host: c.host,
      port,
      user: c.username ?? '',
      ...(c.password !== undefined ? { password: c.password } : {}),
      database: c.dbName ?? '',
      tls: 'false',
    };
    metricDbName = c.dbName ?? '';
  }
  if (target.host) {
    const refused = refusedHost(TYPE, connectionGiven ? 'connectionString' : 'host', target.host, target.host);
    if (refused) throw refused;
  }
  return { query: c.query, queryValue: c.queryValue, activationQueryValue: c.activationQueryValue, metricDbName, target };
}

// ---- 3. the reader ----

/** MySQL column types (include/field_types.h): numbers, text (converted with ParseFloat), anything else. */
const NUMBER_TYPES = new Set([0, 1, 2, 3, 4, 5, 8, 9, 13, 246]);
const TEXT_TYPES = new Set([15, 253, 254, 252]);

export function cellKindOf(columnType: number | undefined): CellKind {
  if (columnType !== undefined && NUMBER_TYPES.has(columnType)) return 'number';
  if (columnType !== undefined && TEXT_TYPES.has(columnType)) return 'text';
  return 'other';
}

/** Connections each shared pool may hold (one pool per server, user, database and credentials). */
export const POOL_MAX = 4;

type Flavour = 'mysql' | 'mariadb';

/** The session settings of one read: READ ONLY by default and a server-side statement timeout. */
export function sessionSql(flavour: Flavour, timeoutMs: number): string {
  const ms = Math.max(1, Math.floor(timeoutMs));
  return flavour === 'mysql'
    ? `SET SESSION transaction_read_only = ON, SESSION max_execution_time = ${ms}`
    : `SET SESSION tx_read_only = 1, SESSION max_statement_time = ${ms / 1000}`;
}

/** One server target, shared by triggers: a mysql2 pool made on first use; MySQL or MariaDB learnt on first read. */
export class MysqlServer {
  private pool: mysql.Pool | undefined;
  private plain = false;
  flavour: Flavour = 'mysql';

  constructor(
    readonly target: MysqlTarget,
    private readonly connectTimeoutMs: number,
  ) {}

  private ssl(): mysql.PoolOptions['ssl'] {
    if (this.plain) return undefined;
    switch (this.target.tls) {
      case 'false':
        return undefined;
      case 'true':
        return { rejectUnauthorized: true };
      case 'skip-verify':
      case 'preferred':
        return { rejectUnauthorized: false };
    }
  }

  private get(): mysql.Pool {
    if (!this.pool) {
      const t = this.target;
      const ssl = this.ssl();
      this.pool = mysqlLib.get().createPool({
        ...(t.socketPath ? { socketPath: t.socketPath } : { host: t.host, port: t.port }),
        user: t.user,
        password: t.password ?? '',
        database: t.database || undefined,
        ...(ssl ? { ssl } : {}),
        connectionLimit: POOL_MAX,
        maxIdle: POOL_MAX,
        idleTimeout: 120_000,
        waitForConnections: true,
        queueLimit: 0,
        connectTimeout: t.connectTimeoutMs ?? this.connectTimeoutMs,
        multipleStatements: false,
        supportBigNumbers: true,
        bigNumberStrings: true,
        decimalNumbers: false,
        dateStrings: true,
        connectAttributes: { program_name: 'updraft' },
      });
      this.pool.on('connection', (conn) => {
        (conn as unknown as { on(e: string, f: () => void): void }).on('error', () => undefined);
      });
    }
    return this.pool;
  }

  async connect(): Promise<mysql.PoolConnection> {
    await mysqlLib.load();
    try {
      return await this.get().getConnection();
    } catch (e) {
      if (this.target.tls === 'preferred' && !this.plain && /does not support secure connection/i.test((e as Error).message)) {
        this.plain = true;
        const old = this.pool;
        this.pool = undefined;
        void old?.end().catch(() => undefined);
        return this.get().getConnection();
      }
      throw e;
    }
  }

  async end(): Promise<void> {
    const p = this.pool;
    this.pool = undefined;
    await p?.end().catch(() => undefined);
  }
}

export const mysqlServers = new ClientPool<MysqlServer>((s) => s.end());

export function serverKey(t: MysqlTarget): string {
  return poolKey(t.socketPath ?? `${t.host}:${t.port}`, { password: t.password }, { user: t.user, database: t.database, tls: t.tls });
}

function where(t: MysqlTarget): string {
  return `${t.socketPath ?? `${t.host}:${t.port}`} (database ${t.database || '(none)'}, user ${t.user || '(none)'})`;
}

const UNREACHABLE_CODES = [
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'ENOENT',
];

/** A mysql2 error as a ReadError (server error numbers per the MySQL/MariaDB error references). */
export function classify(e: unknown, config: MysqlConfig, timeoutMs: number): ReadError {
  if (e instanceof ReadError) return e;
  const err = e as { code?: string; errno?: number; sqlState?: string; message?: string };
  const errno = typeof err.errno === 'number' ? err.errno : 0;
  const msg = truncate(String(err.message ?? e).replace(config.target.password || '\u0000', '***'), 300);
  const q = shownQuery(config.query);
  const at = where(config.target);
  const head = `${TYPE}: could not query MySQL`;
  if (errno === 1045) return new ReadError('auth', `${head}: ${at} refused the login (1045: ${msg}); check username and the password`, { cause: e });
  if (errno === 1044 || errno === 1142 || errno === 1143 || errno === 1227) {
    return new ReadError('auth', `${head}: permission denied for query ${q} (${errno}: ${msg}); grant SELECT to ${config.target.user}`, { cause: e });
  }
  if (errno === 1792)
    return new ReadError('bad-query', `${head}: query ${q} tried to write (${msg}); Updraft runs it in a READ ONLY transaction, so it may only read`, {
      cause: e,
    });
  if (errno === 3024 || errno === 1969 || errno === 1317) {
    return new ReadError('timeout', `${head}: query ${q} ran longer than the statement timeout of ${timeoutMs} ms and was interrupted`, { cause: e });
  }
  if (errno === 1049) return new ReadError('other', `${head}: ${msg} on ${at}; check dbName`, { cause: e });
  if (err.sqlState?.startsWith('42') || err.sqlState?.startsWith('22') || errno === 1064 || errno === 1146 || errno === 1054 || errno === 1305) {
    return new ReadError('bad-query', `${head}: query ${q} failed (${errno}: ${msg})`, { cause: e });
  }
  if ((err.code && UNREACHABLE_CODES.includes(err.code)) || /connect ETIMEDOUT|Connection lost/i.test(msg)) {
    return new ReadError('unreachable', `${head}: cannot reach ${at} (${err.code ?? msg})`, { cause: e });
  }
  if (/certificate|ssl|tls/i.test(msg)) return new ReadError('unreachable', `${head}: TLS with ${at} failed (${msg})`, { cause: e });
  return new ReadError('other', `${head}: query ${q} on ${at} failed (${errno ? `${errno}: ` : ''}${msg})`, { cause: e });
}

/** One read: session READ ONLY + statement timeout, START TRANSACTION READ ONLY, the query, ROLLBACK. */
export async function runQuery(server: MysqlServer, config: MysqlConfig, timeoutMs: number, signal: AbortSignal): Promise<number> {
  if (signal.aborted) throw new ReadError('timeout', `${TYPE}: read cancelled before the query ran`);
  let conn: mysql.PoolConnection;
  try {
    conn = await server.connect();
  } catch (e) {
    throw classify(e, config, timeoutMs);
  }
  let broken = false;
  const onAbort = () => {
    broken = true;
    conn.destroy();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const tried = server.flavour;
    try {
      await conn.query(sessionSql(tried, timeoutMs));
    } catch (e) {
      // MariaDB has neither transaction_read_only nor max_execution_time (ER_UNKNOWN_SYSTEM_VARIABLE); MySQL 8 has no tx_read_only.
      if ((e as { errno?: number }).errno !== 1193) throw e;
      const other: typeof tried = tried === 'mysql' ? 'mariadb' : 'mysql';
      await conn.query(sessionSql(other, timeoutMs));
      server.flavour = other;
    }
    await conn.query('START TRANSACTION READ ONLY');
    const [rows, columns] = await conn.query({ sql: config.query, rowsAsArray: true });
    await conn.query('ROLLBACK');
    if (!Array.isArray(rows) || !Array.isArray(columns)) {
      throw new ReadError('bad-query', `${TYPE}: query ${shownQuery(config.query)} returned no result set; it must be a SELECT returning one number`);
    }
    const fieldList = columns as mysql.FieldPacket[];
    return singleNumber(
      TYPE,
      config.query,
      { columns: fieldList.map((f) => f.name), rows: rows as unknown[][] },
      cellKindOf(fieldList[0]?.columnType ?? fieldList[0]?.type),
    );
  } catch (e) {
    if (!(e instanceof ReadError) && !broken)
      await conn.query('ROLLBACK').catch(() => {
        broken = true;
      });
    if (signal.aborted) throw new ReadError('timeout', `${TYPE}: read cancelled while query ${shownQuery(config.query)} ran`, { cause: e });
    throw classify(e, config, timeoutMs);
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (broken) conn.destroy();
    else conn.release();
  }
}

export const descriptor = defineScaler<MysqlConfig>({
  type: TYPE,
  fields,
  // KEDA reads metricName and then overwrites it with the generated name (pkg/scalers/mysql_scaler.go).
  otherKeys: ['metricName'],
  example: {
    metadata: { host: 'mysql.db', port: '3306', username: 'keda', dbName: 'stats_db', query: 'SELECT COUNT(*) FROM jobs WHERE done = 0', queryValue: '5' },
  },
  parse,
  metricSpecs: (config, triggerIndex, metricType) => externalMetricSpec(triggerIndex, `mysql-${config.metricDbName}`, config.queryValue, TYPE, metricType),
  activationThreshold: (config) => config.activationQueryValue,
  createReader(config, ctx) {
    const name = ctx.metricSpecs[0].metricName;
    const timeoutMs = ctx.httpTimeoutMs;
    const lease = mysqlServers.acquire(serverKey(config.target), () => new MysqlServer(config.target, timeoutMs));
    return {
      async read(signal): Promise<RawReading> {
        const value = await runQuery(lease.client, config, timeoutMs, signal);
        return { metrics: [{ name, value }] };
      },
      close: () => lease.release(),
    };
  },
});
