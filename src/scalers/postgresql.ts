// `postgresql`: scale on the number one SQL query returns (KEDA pkg/scalers/postgresql_scaler.go). The query runs in
// a READ ONLY transaction with a statement_timeout, through the extended protocol (one statement, no `; DROP ...`),
// on a pg.Pool shared by every trigger that names the same server, user, database and password.
import type pg from 'pg';
import { ClientPool, poolKey } from './common/client-pool.ts';
import { refusedHost } from './common/address-policy.ts';
import { lazyClient } from './common/lazy-client.ts';
import { externalMetricSpec } from './common/metric-target.ts';
import { shownQuery, singleNumber, type CellKind } from './common/sql-value.ts';
import { float, int, lookupParam, resolveConfig, str } from './common/typed-config.ts';
import { ConfigError, defineScaler, ReadError, type ParseInput, type RawReading } from './scaler.ts';

/** pg, loaded by the first connection (common/lazy-client.ts). */
const pgLib = lazyClient('pg', () => import('pg').then((m) => m.default));

export const TYPE = 'postgresql';

// ---- 1. the typed config (KEDA's postgreSQLMetadata: names, sources in KEDA's order) ----

const AUTH_THEN_METADATA = ['authParams', 'triggerMetadata'] as const;

const fields = {
  /** HPA target. KEDA: optional in the typed config, then "no targetQueryValue given" when 0. */
  targetQueryValue: float(),
  activationTargetQueryValue: float({ default: 0 }),
  /** A libpq connection string (URL or key=value); wins over host/port/... as in KEDA. */
  connection: str({ order: ['authParams', 'resolvedEnv'], optional: true }),
  query: str(),
  host: str({ order: [...AUTH_THEN_METADATA], optional: true }),
  /** KEDA keeps it a string (pgx rejects a bad one at connect); Updraft checks it is a port at parse. */
  port: int({ order: [...AUTH_THEN_METADATA], optional: true }),
  userName: str({ order: [...AUTH_THEN_METADATA], optional: true }),
  dbName: str({ order: [...AUTH_THEN_METADATA], optional: true }),
  sslmode: str({ order: [...AUTH_THEN_METADATA], optional: true }),
  password: str({ order: ['authParams', 'resolvedEnv'], optional: true }),
};

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** Where and as whom to connect, from the connection string or the separate parameters. */
export interface PgTarget {
  /** One or more hosts (libpq `host=a,b`): tried in order, as libpq and pgx do. */
  hosts: Array<{ host: string; port: number }>;
  user: string;
  database: string;
  sslmode: SslMode;
  /** Holds a secret: never log. */
  password?: string;
  connectTimeoutMs?: number;
}

export interface PostgresqlConfig {
  query: string;
  targetQueryValue: number;
  activationTargetQueryValue: number;
  target: PgTarget;
}

// ---- 2. parse ----

/** KEDA's `escapePostgreConnectionParameter`: quote a key=value value holding whitespace, `'` or `\`. */
export function escapeConnectionParameter(s: string): string {
  if (!/[\s'\\]/u.test(s)) return s;
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The libpq key=value connection string KEDA builds from the separate parameters (`buildConnArray` + password),
 * kept to show that Updraft reads the same settings (the reader connects from the parsed fields, not from this text).
 */
export function keywordConnectionString(p: { host: string; port: string; userName: string; dbName: string; sslmode: string; password?: string }): string {
  return [
    `host=${escapeConnectionParameter(p.host)}`,
    `port=${escapeConnectionParameter(p.port)}`,
    `user=${escapeConnectionParameter(p.userName)}`,
    `dbname=${escapeConnectionParameter(p.dbName)}`,
    `sslmode=${escapeConnectionParameter(p.sslmode)}`,
    `password=${escapeConnectionParameter(p.password ?? '')}`,
  ].join(' ');
}

/** Parameters of a libpq connection string, URL (`postgres://`, `postgresql://`) or key=value form. */
export type ConnParams = Record<string, string>;

class ConnStringError extends Error {}

/** libpq key=value form: `key = value` pairs; values may be single-quoted with `\'` and `\\` escapes. */
function parseKeywordValue(s: string): ConnParams {
  const out: ConnParams = {};
  let i = 0;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  for (;;) {
    ws();
    if (i >= s.length) return out;
    const keyStart = i;
    while (i < s.length && s[i] !== '=' && !/\s/.test(s[i])) i++;
    const key = s.slice(keyStart, i);
    ws();
    if (s[i] !== '=' || key === '')
      throw new ConnStringError(`expected key=value pairs separated by spaces (parameter ${Object.keys(out).length + 1} is not one)`);
    i++;
    ws();
    let value = '';
    if (s[i] === "'") {
      i++;
      for (;;) {
        if (i >= s.length) throw new ConnStringError(`unterminated quoted value for ${key}`);
        if (s[i] === '\\' && i + 1 < s.length) {
          value += s[i + 1];
          i += 2;
          continue;
        }
        if (s[i] === "'") {
          i++;
          break;
        }
        value += s[i++];
      }
    } else {
      while (i < s.length && !/\s/.test(s[i])) {
        if (s[i] === '\\' && i + 1 < s.length) {
          value += s[i + 1];
          i += 2;
          continue;
        }
        value += s[i++];
      }
    }
    out[key] = value;
  }
}

function decode(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ConnStringError(`bad percent-encoding in the ${what}`);
  }
}

/** libpq URL form: postgres[ql]://[user[:password]@][host[:port][,host[:port]...]][/dbname][?k=v&...]. */
function parseUrlForm(s: string): ConnParams {
  const out: ConnParams = {};
  let rest = s.replace(/^postgres(?:ql)?:\/\//, '');
  const q = rest.indexOf('?');
  if (q >= 0) {
    for (const pair of rest
      .slice(q + 1)
      .split('&')
      .filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq < 0) throw new ConnStringError('a URL query parameter without "="');
      out[decode(pair.slice(0, eq), 'query parameters')] = decode(pair.slice(eq + 1), 'query parameters');
    }
    rest = rest.slice(0, q);
  }
  const slash = rest.indexOf('/');
  const authority = slash >= 0 ? rest.slice(0, slash) : rest;
  if (slash >= 0 && rest.slice(slash + 1) !== '') out.dbname = decode(rest.slice(slash + 1), 'database name');
  const at = authority.lastIndexOf('@');
  const hostPart = at >= 0 ? authority.slice(at + 1) : authority;
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) {
      out.user = decode(userinfo.slice(0, colon), 'user name');
      out.password = decode(userinfo.slice(colon + 1), 'password');
    } else out.user = decode(userinfo, 'user name');
  }
  if (hostPart !== '') {
    const hosts: string[] = [];
    const ports: string[] = [];
    for (const h of hostPart.split(',')) {
      const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(h);
      if (!m) throw new ConnStringError('a host in the URL is not host[:port]');
      hosts.push(decode(m[1].replace(/^\[|\]$/g, ''), 'host'));
      ports.push(m[2] ?? '');
    }
    if (!('host' in out)) out.host = hosts.join(',');
    if (ports.some((p) => p !== '') && !('port' in out)) out.port = ports.join(',');
  }
  return out;
}

/** Parse a libpq connection string. Throws ConnStringError with a message that never holds the string itself. */
export function parseConnectionString(s: string): ConnParams {
  return /^postgres(?:ql)?:\/\//.test(s) ? parseUrlForm(s) : parseKeywordValue(s);
}

const UNSUPPORTED_PARAMS = ['sslcert', 'sslkey', 'sslrootcert', 'sslcrl', 'sslpassword', 'service', 'passfile', 'hostaddr'];

function sslModeOf(raw: string | undefined, field: string, fromSecret: boolean): SslMode {
  const mode = raw === undefined || raw === '' ? 'prefer' : raw;
  if (!(SSL_MODES as readonly string[]).includes(mode)) {
    throw new ConfigError(
      TYPE,
      field,
      `${field} must be one of ${SSL_MODES.join(', ')}, got ${fromSecret ? 'a value from the TriggerAuthentication (not shown)' : `'${mode.slice(0, 40)}'`}`,
    );
  }
  return mode as SslMode;
}

function portsOf(raw: string | undefined, count: number, field: string): number[] {
  const parts = raw === undefined || raw === '' ? [] : raw.split(',');
  if (parts.length > 1 && parts.length !== count) {
    throw new ConfigError(TYPE, field, `${field}: the connection string names ${count} hosts and ${parts.length} ports; give one port, or one per host`);
  }
  return Array.from({ length: count }, (_, i) => {
    const p = (parts.length === 1 ? parts[0] : parts[i]) ?? '';
    if (p === '') return 5432;
    const n = Number(p);
    if (!/^\d+$/.test(p) || n < 1 || n > 65535) throw new ConfigError(TYPE, field, `${field}: the port in the connection string must be 1-65535`);
    return n;
  });
}

/** The target a connection string describes (libpq defaults: localhost, 5432, sslmode prefer, database = user). */
export function targetFromConnectionString(raw: string, field = 'connection'): PgTarget {
  let p: ConnParams;
  try {
    p = parseConnectionString(raw);
  } catch (e) {
    // The string may hold a password: say what is wrong, never echo it.
    throw new ConfigError(
      TYPE,
      field,
      `${field} is not a libpq connection string (postgresql://user:password@host:5432/db or "host=... port=... user=... dbname=..."): ${(e as Error).message}`,
    );
  }
  for (const k of UNSUPPORTED_PARAMS) {
    if (p[k])
      throw new ConfigError(
        TYPE,
        field,
        `${field}: the connection parameter ${k} is not supported by Updraft yet (it reads files from the operator's disk); remove it, or use sslmode require/verify-full with a server certificate from a public CA`,
      );
  }
  const hostList = (p.host ?? 'localhost').split(',').map((h) => h.trim());
  if (hostList.some((h) => h === '')) throw new ConfigError(TYPE, field, `${field}: an empty host in the host list`);
  const ports = portsOf(p.port, hostList.length, field);
  const user = p.user ?? 'postgres';
  const connectTimeoutS = p.connect_timeout ? Number(p.connect_timeout) : undefined;
  return {
    hosts: hostList.map((host, i) => ({ host, port: ports[i] })),
    user,
    database: p.dbname ?? user,
    sslmode: sslModeOf(p.sslmode, field, true),
    ...(p.password !== undefined ? { password: p.password } : {}),
    ...(connectTimeoutS && Number.isFinite(connectTimeoutS) && connectTimeoutS > 0 ? { connectTimeoutMs: connectTimeoutS * 1000 } : {}),
  };
}

export function parse(input: ParseInput): PostgresqlConfig {
  const c = resolveConfig(TYPE, fields, input);
  if (c.targetQueryValue <= 0) {
    // KEDA: "no targetQueryValue given" for 0; the HPA refuses a target <= 0 too.
    throw new ConfigError(TYPE, 'targetQueryValue', `targetQueryValue must be a positive number, got '${c.targetQueryValue}'`);
  }
  const provider = input.podIdentity?.provider;
  if (provider === 'azure-workload') {
    throw new ConfigError(
      TYPE,
      'podIdentity',
      'podIdentity provider azure-workload (an Entra ID token as the password) is not supported by Updraft for postgresql yet; use a password from a TriggerAuthentication',
    );
  }
  // Offline, a connection string only the TriggerAuthentication or the env can supply stands in as a placeholder:
  // trust it, and do not ask for host/port/... (that is KEDA's rule too: a connection wins over the parameters).
  const connectionGiven = lookupParam(input, 'connection', [], ['authParams', 'resolvedEnv']) !== undefined;
  let target: PgTarget;
  if (c.connection && (connectionGiven || !input.offline)) {
    target = targetFromConnectionString(c.connection);
  } else if (c.connection && input.offline) {
    target = { hosts: [{ host: 'localhost', port: 5432 }], user: 'postgres', database: 'postgres', sslmode: 'prefer' };
  } else {
    // KEDA Validate(): without a connection, each of host, port, userName, dbName, sslmode is needed.
    for (const [name, v] of [
      ['host', c.host],
      ['port', c.port],
      ['userName', c.userName],
      ['dbName', c.dbName],
      ['sslmode', c.sslmode],
    ] as const) {
      if (v === undefined || v === '') {
        throw new ConfigError(
          TYPE,
          name,
          `no ${name} given; set metadata.${name} or a TriggerAuthentication parameter "${name}", or give a whole connection string as "connection" (TriggerAuthentication) or metadata.connectionFromEnv`,
        );
      }
    }
    const host = c.host!;
    const hosts = host.split(',').map((h) => h.trim());
    if (hosts.some((h) => h === '')) throw new ConfigError(TYPE, 'host', 'host: an empty host in the host list');
    const fromSecret = lookupParam(input, 'sslmode', [], ['authParams'])?.source === 'authParams';
    target = {
      hosts: hosts.map((h) => ({ host: h, port: c.port! })),
      user: c.userName!,
      database: c.dbName!,
      sslmode: sslModeOf(c.sslmode, 'sslmode', fromSecret),
      ...(c.password !== undefined ? { password: c.password } : {}),
    };
    if (c.port! < 1 || c.port! > 65535) throw new ConfigError(TYPE, 'port', `port must be 1-65535, got '${c.port}'`);
  }
  for (const h of target.hosts) {
    const refused = refusedHost(TYPE, connectionGiven ? 'connection' : 'host', h.host, h.host);
    if (refused) throw refused;
  }
  return { query: c.query, targetQueryValue: c.targetQueryValue, activationTargetQueryValue: c.activationTargetQueryValue, target };
}

// ---- 3. the reader ----

/** pg type OIDs read as numbers, and as text that may hold one (database/sql converts text with ParseFloat). */
const NUMERIC_OIDS = new Set([20, 21, 23, 26, 700, 701, 1700, 790]);
const TEXT_OIDS = new Set([18, 19, 25, 705, 1042, 1043]);

export function cellKindOf(dataTypeID: number): CellKind {
  if (NUMERIC_OIDS.has(dataTypeID)) return 'number';
  if (TEXT_OIDS.has(dataTypeID)) return 'text';
  return 'other';
}

/** Every value arrives as PostgreSQL's text; singleNumber converts it (int8 and numeric stay exact until then). */
const RAW_TYPES = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;

/** The TLS settings of an sslmode (libpq: require does not verify, verify-ca skips the host name). */
export function sslFor(mode: SslMode, host: string): false | { rejectUnauthorized: boolean; servername?: string; checkServerIdentity?: () => undefined } {
  switch (mode) {
    case 'disable':
      return false;
    case 'allow':
    case 'prefer':
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true, servername: host };
  }
}

/** Connections each shared pool may hold (one pool per server, user, database and credentials). */
export const POOL_MAX = 4;

/**
 * One server target, shared by triggers: a pg.Pool per host of the list (made on first use), the host that last
 * answered tried first; with sslmode allow/prefer a server that refuses TLS is then used without it (libpq).
 */
export class PgServer {
  private readonly pools = new Map<number, pg.Pool>();
  private preferred = 0;
  private readonly plain = new Set<number>();

  constructor(
    readonly target: PgTarget,
    private readonly connectTimeoutMs: number,
  ) {}

  private pool(i: number): pg.Pool {
    let p = this.pools.get(i);
    if (!p) {
      const { host, port } = this.target.hosts[i];
      const password = this.target.password ?? '';
      p = new (pgLib.get().Pool)({
        host,
        port,
        user: this.target.user,
        database: this.target.database,
        // A function, so neither PGPASSWORD of the operator's env nor a ~/.pgpass is ever used instead.
        password: async () => password,
        ssl: this.plain.has(i) ? false : sslFor(this.target.sslmode, host),
        max: POOL_MAX,
        idleTimeoutMillis: 120_000,
        connectionTimeoutMillis: this.target.connectTimeoutMs ?? this.connectTimeoutMs,
        application_name: 'updraft',
        types: RAW_TYPES,
      });
      p.on('error', () => undefined); // an idle client's socket died: the pool drops it and makes a new one
      this.pools.set(i, p);
    }
    return p;
  }

  /** A connected client, trying the hosts in order from the one that last worked. */
  async connect(): Promise<pg.PoolClient> {
    await pgLib.load();
    const n = this.target.hosts.length;
    let last: unknown;
    for (let k = 0; k < n; k++) {
      const i = (this.preferred + k) % n;
      try {
        const client = await this.pool(i).connect();
        this.preferred = i;
        return client;
      } catch (e) {
        if (isNoTlsRefusal(e) && (this.target.sslmode === 'prefer' || this.target.sslmode === 'allow') && !this.plain.has(i)) {
          this.plain.add(i);
          const old = this.pools.get(i);
          this.pools.delete(i);
          void old?.end();
          k--;
          continue;
        }
        last = e;
        if (!isUnreachable(e)) throw e;
      }
    }
    throw last;
  }

  /** Connections open now, over all hosts (benchmarks and the pool-size test). */
  get connections(): number {
    let total = 0;
    for (const p of this.pools.values()) total += p.totalCount;
    return total;
  }

  async end(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  }
}

function isNoTlsRefusal(e: unknown): boolean {
  return e instanceof Error && /does not support SSL/i.test(e.message);
}

const UNREACHABLE_CODES = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE'];

function isUnreachable(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && UNREACHABLE_CODES.includes(code)) return true;
  return e instanceof Error && /timeout expired|Connection terminated/i.test(e.message);
}

/** Shared servers: one PgServer per (hosts, user, database, sslmode, password). */
export const pgServers = new ClientPool<PgServer>((s) => s.end());

export function serverKey(t: PgTarget): string {
  return poolKey(t.hosts.map((h) => `${h.host}:${h.port}`).join(','), { password: t.password }, { user: t.user, database: t.database, sslmode: t.sslmode });
}

function where(t: PgTarget): string {
  return `${t.hosts.map((h) => `${h.host}:${h.port}`).join(',')} (database ${t.database}, user ${t.user})`;
}

/** A pg error as a ReadError; SQLSTATE classes per https://www.postgresql.org/docs/current/errcodes-appendix.html. */
export function classify(e: unknown, config: PostgresqlConfig, timeoutMs: number): ReadError {
  if (e instanceof ReadError) return e;
  const err = e as { code?: string; message?: string };
  const code = typeof err.code === 'string' ? err.code : '';
  const msg = (err.message ?? String(e)).replace(config.target.password || '\u0000', '***');
  const q = shownQuery(config.query);
  const at = where(config.target);
  const head = `${TYPE}: could not query postgreSQL`;
  if (code === '28P01' || code === '28000')
    return new ReadError('auth', `${head}: ${at} refused the login (${code}: ${msg}); check userName and the password`, { cause: e });
  if (code === '42501') return new ReadError('auth', `${head}: permission denied for query ${q} (${msg}); grant SELECT to ${config.target.user}`, { cause: e });
  if (code === '25006')
    return new ReadError('bad-query', `${head}: query ${q} tried to write (${msg}); Updraft runs it in a READ ONLY transaction, so it may only read`, {
      cause: e,
    });
  if (code === '57014')
    return new ReadError('timeout', `${head}: query ${q} ran longer than the statement timeout of ${timeoutMs} ms and was cancelled`, { cause: e });
  if (code === '3D000') return new ReadError('other', `${head}: ${msg} on ${at}; check dbName`, { cause: e });
  if (code.startsWith('42') || code.startsWith('22') || code === '0A000' || code === '2BP01' || code === '25P02') {
    return new ReadError('bad-query', `${head}: query ${q} failed (${code}: ${msg})`, { cause: e });
  }
  if (isUnreachable(e)) return new ReadError('unreachable', `${head}: cannot reach ${at} (${code || msg})`, { cause: e });
  if (isNoTlsRefusal(e)) return new ReadError('unreachable', `${head}: ${at} does not accept TLS; use sslmode disable or prefer`, { cause: e });
  if (/self[- ]signed|certificate|ERR_TLS/i.test(msg) || code.startsWith('ERR_TLS')) {
    return new ReadError(
      'unreachable',
      `${head}: TLS with ${at} failed (${code || msg}); with sslmode verify-ca/verify-full the server certificate must be from a trusted CA`,
      { cause: e },
    );
  }
  return new ReadError('other', `${head}: query ${q} on ${at} failed (${code ? `${code}: ` : ''}${msg})`, { cause: e });
}

/** One read: BEGIN READ ONLY, a local statement_timeout, the query (extended protocol: one statement), ROLLBACK. */
export async function runQuery(server: PgServer, config: PostgresqlConfig, timeoutMs: number, signal: AbortSignal): Promise<number> {
  if (signal.aborted) throw new ReadError('timeout', `${TYPE}: read cancelled before the query ran`);
  let client: pg.PoolClient;
  try {
    client = await server.connect();
  } catch (e) {
    throw classify(e, config, timeoutMs);
  }
  let broken = false;
  const onAbort = () => {
    broken = true;
    // Destroy the connection: the server cancels the statement when it next writes, statement_timeout bounds it.
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await client.query(`BEGIN TRANSACTION READ ONLY; SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
    const res = await client.query({ text: config.query, rowMode: 'array', queryMode: 'extended', types: RAW_TYPES } as pg.QueryArrayConfig);
    await client.query('ROLLBACK');
    const kind = cellKindOf(res.fields[0]?.dataTypeID ?? 0);
    return singleNumber(TYPE, config.query, { columns: res.fields.map((f) => f.name), rows: res.rows }, kind);
  } catch (e) {
    if (!(e instanceof ReadError)) {
      broken = broken || isUnreachable(e);
      if (!broken)
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
    }
    if (signal.aborted) throw new ReadError('timeout', `${TYPE}: read cancelled while query ${shownQuery(config.query)} ran`, { cause: e });
    throw classify(e, config, timeoutMs);
  } finally {
    signal.removeEventListener('abort', onAbort);
    client.release(broken);
  }
}

export const descriptor = defineScaler<PostgresqlConfig>({
  type: TYPE,
  fields,
  example: {
    metadata: {
      host: 'postgres.db',
      port: '5432',
      userName: 'keda',
      dbName: 'jobs',
      sslmode: 'disable',
      query: 'SELECT COUNT(*) FROM jobs WHERE done = false',
      targetQueryValue: '5',
    },
  },
  parse,
  metricSpecs: (config, triggerIndex, metricType) => externalMetricSpec(triggerIndex, TYPE, config.targetQueryValue, TYPE, metricType),
  activationThreshold: (config) => config.activationTargetQueryValue,
  createReader(config, ctx) {
    const name = ctx.metricSpecs[0].metricName;
    const timeoutMs = ctx.httpTimeoutMs;
    // Leasing builds the PgServer only; no connection is opened before the first read.
    const lease = pgServers.acquire(serverKey(config.target), () => new PgServer(config.target, timeoutMs));
    return {
      async read(signal): Promise<RawReading> {
        const value = await runQuery(lease.client, config, timeoutMs, signal);
        return { metrics: [{ name, value }] };
      },
      close: () => lease.release(),
    };
  },
});
