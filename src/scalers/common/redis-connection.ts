// The connection half shared by the redis list and redis streams scalers and their cluster and sentinel variants
// (KEDA pkg/scalers/redis_scaler.go: redisConnectionInfo, validateRedisAddress, SetEnableTLS, getRedisClient,
// getRedisClusterClient, getRedisSentinelClient): the typed fields, their parse, and one shared ioredis client per
// (kind, addresses, credentials, database, TLS) held in a ClientPool, so 1,000 triggers on one Redis hold one
// connection (a cluster client holds one per node).
import dns from 'node:dns';
import net from 'node:net';
import { lazyClient } from './lazy-client.ts';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { checkLiteralHost, guardedLookup, refusedHost } from './address-policy.ts';
import { ClientPool, poolKey, type Lease } from './client-pool.ts';
import { bool, int, list, oneOf, str, type ConfigInput } from './typed-config.ts';
import { ConfigError, ReadError } from '../scaler.ts';

/** Standalone (`redis`, `redis-streams`), cluster (`redis-cluster…`) or sentinel (`redis-sentinel…`). */
export type RedisKind = 'standalone' | 'cluster' | 'sentinel';

const AUTH_ENV: ['triggerMetadata', 'resolvedEnv', 'authParams'] = ['triggerMetadata', 'resolvedEnv', 'authParams'];
const AUTH_FIRST: ['triggerMetadata', 'authParams', 'resolvedEnv'] = ['triggerMetadata', 'authParams', 'resolvedEnv'];

/** KEDA redisConnectionInfo plus the TLS switches of redisMetadata (same names, same lookup orders). */
export const connectionFields = {
  /** `host:port`, comma-separated for cluster and sentinel. */
  addresses: list({ name: 'address', aliases: ['addresses'], order: AUTH_FIRST, optional: true }),
  hosts: list({ name: 'host', aliases: ['hosts'], order: AUTH_ENV, optional: true }),
  ports: list({ name: 'port', aliases: ['ports'], order: AUTH_ENV, optional: true }),
  username: str({ order: AUTH_ENV, optional: true }),
  password: str({ order: AUTH_ENV, optional: true }),
  /** Ignored by cluster types (a cluster has database 0 only), as in KEDA. */
  databaseIndex: int({ optional: true }),
  enableTLS: bool({ optional: true }),
  /** TriggerAuthentication switch: enable / disable. */
  tls: oneOf(['enable', 'disable'] as const)({ order: ['authParams'], optional: true }),
  unsafeSsl: bool({ default: false }),
  cert: str({ aliases: ['Cert'], order: ['authParams'], optional: true }),
  key: str({ order: ['authParams'], optional: true }),
  keyPassword: str({ order: ['authParams'], optional: true }),
  ca: str({ order: ['authParams'], optional: true }),
};

/** The sentinel types' extra fields; Updraft requires sentinelMaster (see parseConnection). */
export const sentinelFields = {
  sentinelMaster: str({ order: AUTH_FIRST }),
  sentinelUsername: str({ order: AUTH_FIRST, optional: true }),
  sentinelPassword: str({ order: AUTH_FIRST, optional: true }),
};

export interface RedisAddress {
  host: string;
  port: number;
}

/** Everything needed to connect. Holds secrets (password, key): never log it. */
export interface RedisConnection {
  kind: RedisKind;
  addresses: RedisAddress[];
  /** host:port list as given, for messages. */
  shownAddresses: string;
  username?: string;
  password?: string;
  db: number;
  sentinel?: { master: string; username?: string; password?: string };
  tls?: { rejectUnauthorized: boolean; cert?: string; key?: string; passphrase?: string; ca?: string };
}

/** The resolved connection fields (resolveConfig output of connectionFields, plus sentinelFields for sentinel). */
export interface ConnectionValues {
  addresses?: string[];
  hosts?: string[];
  ports?: string[];
  username?: string;
  password?: string;
  databaseIndex?: number;
  enableTLS?: boolean;
  tls?: 'enable' | 'disable';
  unsafeSsl: boolean;
  cert?: string;
  key?: string;
  keyPassword?: string;
  ca?: string;
  sentinelMaster?: string;
  sentinelUsername?: string;
  sentinelPassword?: string;
}

const NO_ADDRESSES = 'no addresses or hosts given. address should be a comma separated list of host:port or set the host/port values';

/** net.JoinHostPort: IPv6 hosts in brackets. */
function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * `host:port`, `[v6]:port`, `:port` (localhost, as go-redis) or a bare host (port 6379, Updraft: ioredis' default;
 * KEDA's parse accepts it and fails at dial). `shown` says how the value may appear in a message.
 */
export function parseAddress(type: string, raw: string, shown: string): RedisAddress {
  const m = /^\[([^\]]+)\](?::(\d*))?$/.exec(raw) ?? /^([^:]*)(?::([^:]*))?$/.exec(raw);
  const bad = (why: string) => new ConfigError(type, 'address', `address must be host:port (${why}), got ${shown}`);
  if (!m) throw bad('an IPv6 host needs brackets: [::1]:6379');
  const host = m[1] === '' ? '127.0.0.1' : m[1];
  const portText = m[2] ?? '6379';
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) throw bad('the port must be a number from 1 to 65535');
  if (!/^[A-Za-z0-9_.:-]+$/.test(host)) throw bad('the host is not a host name or IP address');
  return { host, port: Number(portText) };
}

/**
 * KEDA validateRedisAddress + SetEnableTLS, plus the address policy (no cloud metadata / link-local literal). Pure.
 * Offline (validate, the webhook), addresses that a TriggerAuthentication or the env supplies are not checked.
 */
export function parseConnection(type: string, kind: RedisKind, c: ConnectionValues, input: ConfigInput): RedisConnection {
  let addresses = [...(c.addresses ?? [])];
  const hosts = c.hosts ?? [];
  const ports = c.ports ?? [];
  if (hosts.length > 0 && ports.length > 0) {
    if (hosts.length !== ports.length) {
      throw new ConfigError(type, 'hosts', 'not enough hosts or ports given. number of hosts should be equal to the number of ports');
    }
    for (let i = 0; i < hosts.length; i++) addresses.push(joinHostPort(hosts[i], ports[i]));
  }
  if (addresses.length === 0 || addresses[0] === '') {
    const o = input.offline;
    const fromEnv = ['address', 'addresses', 'host', 'hosts'].some((k) => input.metadata[`${k}FromEnv`]?.trim());
    if (o && (o.authUnknown || (o.envUnknown && fromEnv))) {
      o.notes.push(`address is taken from ${o.authUnknown ? 'the TriggerAuthentication' : "the target's container env"} at run time; not checked offline`);
      addresses = ['placeholder:6379'];
    } else {
      throw new ConfigError(
        type,
        'address',
        `${NO_ADDRESSES}; set metadata.address (or addresses, or host and port), their xxxFromEnv forms or TriggerAuthentication parameters`,
      );
    }
  }
  if (c.enableTLS !== undefined && c.tls !== undefined) {
    throw new ConfigError(
      type,
      'tls',
      'unable to set `tls` in both ScaledObject and TriggerAuthentication together; set metadata.enableTLS or the TriggerAuthentication parameter tls, not both',
    );
  }
  const enableTLS = c.tls !== undefined ? c.tls === 'enable' : (c.enableTLS ?? false);
  // A standalone client connects to the first address only (KEDA getRedisClient).
  const used = kind === 'standalone' ? addresses.slice(0, 1) : addresses;
  const inMetadata = (raw: string) => Object.values(input.metadata).some((v) => typeof v === 'string' && v.includes(raw));
  const parsed = used.map((raw) => {
    // Offline, an address that is not in the metadata came from a source that is unknown there (a placeholder).
    if (input.offline && !inMetadata(raw)) {
      const note = "address is taken from the TriggerAuthentication or the target's container env at run time; not checked offline";
      if (!input.offline.notes.includes(note)) input.offline.notes.push(note);
      return { host: 'placeholder', port: 6379 };
    }
    const shown = inMetadata(raw) ? `'${raw.slice(0, 80)}'` : 'a value from the TriggerAuthentication or env (not shown)';
    const a = parseAddress(type, raw, shown);
    const refused = refusedHost(type, 'address', raw, a.host);
    if (refused) throw refused;
    return a;
  });
  let sentinel: RedisConnection['sentinel'];
  if (kind === 'sentinel') {
    sentinel = {
      master: c.sentinelMaster ?? '',
      ...(c.sentinelUsername ? { username: c.sentinelUsername } : {}),
      ...(c.sentinelPassword ? { password: c.sentinelPassword } : {}),
    };
  }
  if (c.databaseIndex !== undefined && c.databaseIndex < 0) {
    throw new ConfigError(type, 'databaseIndex', `databaseIndex must be 0 or more, got '${c.databaseIndex}'`);
  }
  return {
    kind,
    addresses: parsed,
    shownAddresses: parsed.map((a) => joinHostPort(a.host, String(a.port))).join(','),
    ...(c.username ? { username: c.username } : {}),
    ...(c.password ? { password: c.password } : {}),
    db: kind === 'cluster' ? 0 : (c.databaseIndex ?? 0),
    ...(sentinel ? { sentinel } : {}),
    ...(enableTLS
      ? {
          tls: {
            rejectUnauthorized: !c.unsafeSsl,
            ...(c.cert ? { cert: c.cert } : {}),
            ...(c.key ? { key: c.key } : {}),
            ...(c.keyPassword ? { passphrase: c.keyPassword } : {}),
            ...(c.ca ? { ca: c.ca } : {}),
          },
        }
      : {}),
  };
}

// ---- clients ----

type Client = Redis | Cluster;

/** ioredis, loaded by the first connection (lazy-client.ts). */
const ioredis = lazyClient('ioredis', () => import('ioredis'));

/** One shared connection (or cluster client); recreated when ioredis gave up on it. */
export class RedisHandle {
  private client: Client | undefined;
  /** The last connection-level error ioredis reported (ECONNREFUSED, WRONGPASS …), to classify failures. */
  lastError: Error | undefined;

  constructor(
    private readonly conn: RedisConnection,
    private readonly timeoutMs: number,
  ) {}

  /** The client, (re)created when none is held or ioredis gave up on it; its addresses are checked first. */
  async get(): Promise<Client> {
    if (this.client && this.client.status !== 'end') return this.client;
    // Concurrent first reads share one creation (one client, not one per read).
    this.creating ??= (async () => {
      try {
        await this.checkAddresses();
        await ioredis.load();
        const client = this.create();
        client.on('error', (e: Error) => {
          this.lastError = e;
        });
        client.on('ready', () => {
          this.lastError = undefined;
        });
        this.client = client;
        return client;
      } finally {
        this.creating = undefined;
      }
    })();
    return this.creating;
  }

  private creating: Promise<Client> | undefined;

  private create(): Client {
    const c = this.conn;
    const lookup = guardedLookup();
    const base: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: true,
      // A read fails at the first failed connection attempt instead of waiting in the queue; the polling interval
      // is the retry.
      maxRetriesPerRequest: 0,
      connectTimeout: this.timeoutMs,
      commandTimeout: this.timeoutMs,
      retryStrategy: (times: number) => Math.min(times * 200, 2000),
      connectionName: 'updraft',
      ...(c.username ? { username: c.username } : {}),
      ...(c.password ? { password: c.password } : {}),
      ...(c.tls ? { tls: { ...c.tls, checkServerIdentity: c.tls.rejectUnauthorized ? undefined : () => undefined } } : {}),
    };
    if (c.kind === 'cluster') {
      const options: ClusterOptions = {
        lazyConnect: true,
        enableOfflineQueue: true,
        clusterRetryStrategy: () => null,
        redisOptions: base,
        // Connect-time address policy for the seed nodes (address-policy.ts).
        dnsLookup: (hostname, callback) => lookup(hostname, { all: false }, (err, address) => callback(err, address as string)),
      };
      return new (ioredis.get().Cluster)(
        c.addresses.map((a) => ({ host: a.host, port: a.port })),
        options,
      );
    }
    if (c.kind === 'sentinel') {
      return new (ioredis.get().Redis)({
        ...base,
        db: c.db,
        name: c.sentinel?.master ?? '',
        sentinels: c.addresses.map((a) => ({ host: a.host, port: a.port })),
        sentinelRetryStrategy: () => null,
        sentinelMaxConnections: 1,
        ...(c.sentinel?.username ? { sentinelUsername: c.sentinel.username } : {}),
        ...(c.sentinel?.password ? { sentinelPassword: c.sentinel.password } : {}),
        ...(c.tls ? { enableTLSForSentinelMode: true, sentinelTLS: base.tls } : {}),
      });
    }
    return new (ioredis.get().Redis)({ ...base, db: c.db, host: c.addresses[0].host, port: c.addresses[0].port });
  }

  /** Resolve (and check) the host names this client will connect to, as the connect-time address policy. */
  async checkAddresses(): Promise<void> {
    for (const a of this.conn.addresses) {
      const literal = checkLiteralHost(a.host);
      if (literal) throw new ReadError('other', literal.message, { cause: literal });
      if (net.isIP(a.host)) continue;
      await new Promise<void>((resolve, reject) => {
        guardedLookup()(a.host, { all: true, family: 0 } as dns.LookupAllOptions, (err) => (err ? reject(err) : resolve()));
      }).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'EUPDRAFT_ADDRESS_REFUSED') throw new ReadError('other', e.message, { cause: e });
        throw new ReadError('unreachable', `cannot resolve redis host ${a.host} (${e.code ?? e.message})`, { cause: e });
      });
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    try {
      await client.quit();
    } catch {
      client.disconnect();
    }
  }
}

const pool = new ClientPool<RedisHandle>((h) => h.close());

/** Distinct Redis clients held now (tests, bench: "connections held by N triggers"). */
export function redisPoolSize(): number {
  return pool.size;
}

/** Lease the shared client for a connection. */
export function leaseRedis(conn: RedisConnection, timeoutMs: number): Lease<RedisHandle> {
  const key = poolKey(
    `${conn.kind}:${conn.shownAddresses}`,
    {
      password: conn.password,
      sentinelPassword: conn.sentinel?.password,
      key: conn.tls?.key,
      passphrase: conn.tls?.passphrase,
      cert: conn.tls?.cert,
      ca: conn.tls?.ca,
    },
    {
      db: conn.db,
      username: conn.username ?? '',
      tls: conn.tls ? conn.tls.rejectUnauthorized : 'off',
      master: conn.sentinel?.master ?? '',
      sentinelUsername: conn.sentinel?.username ?? '',
    },
  );
  return pool.acquire(key, () => new RedisHandle(conn, timeoutMs));
}

const UNREACHABLE_CODES = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE'];

/** A ReadError for a failed command: auth, unreachable, timeout, bad-query (wrong type, no group …) or other. */
export function classifyRedisError(type: string, conn: RedisConnection, e: unknown, lastError?: Error): ReadError {
  if (e instanceof ReadError) return e;
  const err = e as NodeJS.ErrnoException & { name?: string };
  const msg = err?.message ?? String(e);
  const where = `${conn.kind === 'standalone' ? 'redis' : `redis ${conn.kind}`} ${conn.shownAddresses}`;
  const last = lastError as NodeJS.ErrnoException | undefined;
  const authText = (m: string | undefined) => m !== undefined && /^(WRONGPASS|NOAUTH|NOPERM)|invalid password|ERR AUTH/i.test(m);
  if (authText(msg) || authText(last?.message)) {
    const m = authText(msg) ? msg : last?.message;
    return new ReadError('auth', `${type}: ${where} refused the credentials (${m}); check username and password`, { cause: e });
  }
  if (err?.code === 'EUPDRAFT_ADDRESS_REFUSED' || last?.code === 'EUPDRAFT_ADDRESS_REFUSED') {
    return new ReadError('other', `${type}: ${(err?.code === 'EUPDRAFT_ADDRESS_REFUSED' ? err : last)?.message}`, { cause: e });
  }
  if (/No such master with that name/.test(msg)) {
    return new ReadError(
      'bad-query',
      `${type}: ${where} does not watch a master named '${conn.sentinel?.master ?? ''}'; check sentinelMaster (SENTINEL MASTERS lists them)`,
      { cause: e },
    );
  }
  if (/Command timed out/i.test(msg)) return new ReadError('timeout', `${type}: no answer from ${where} in time`, { cause: e });
  const code = err?.code ?? last?.code;
  if (
    (code && UNREACHABLE_CODES.includes(code)) ||
    err?.name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|All sentinels are unreachable|None of startup nodes|Failed to refresh slots cache|ClusterAllFailed/i.test(msg)
  ) {
    const why = code ?? (last ? last.message : msg);
    return new ReadError('unreachable', `${type}: cannot reach ${where} (${why})`, { cause: e });
  }
  if (/^(ERR|WRONGTYPE|NOGROUP|NOSCRIPT|MOVED|CROSSSLOT)/.test(msg) || err?.name === 'ReplyError') {
    return new ReadError('bad-query', `${type}: ${where} answered: ${msg}`, { cause: e });
  }
  if (/TLS|certificate|SSL/i.test(msg) || code?.startsWith('ERR_TLS')) {
    return new ReadError('unreachable', `${type}: TLS handshake with ${where} failed (${code ?? msg}); set ca, or unsafeSsl: "true" for a test server`, {
      cause: e,
    });
  }
  return new ReadError('other', `${type}: ${where} failed: ${msg}`, { cause: e });
}

/** Run one read on the shared client (the address policy checked when it connects), bounded by `signal`. */
export async function runRedis<T>(type: string, conn: RedisConnection, handle: RedisHandle, signal: AbortSignal, fn: (c: Client) => Promise<T>): Promise<T> {
  if (signal.aborted) throw new ReadError('timeout', `${type}: read cancelled`);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new ReadError('timeout', `${type}: no answer from redis ${conn.shownAddresses} before the read was cancelled`));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([handle.get().then(fn), aborted]);
  } catch (e) {
    throw classifyRedisError(type, conn, e, handle.lastError);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
