// `rabbitmq`: scale on a RabbitMQ queue — its length over AMQP 0-9-1 (a passive queue.declare) or, over the
// management HTTP API, its length, publish rate, deliver/get rate, their ratio or the expected consumption time,
// for one queue or a regex of queues combined by sum/max/avg (KEDA pkg/scalers/rabbitmq_scaler.go).
// One AMQP connection (with one channel) per broker, vhost and credentials, and one keep-alive HTTP agent per
// management endpoint, shared by every trigger that names them (ClientPool).
import type { Channel, ChannelModel } from 'amqplib';
import { checkLiteralHost, guardedLookup, httpUrlParam, refusedHost, shownValue } from './common/address-policy.ts';
import { ClientPool, poolKey, type Lease } from './common/client-pool.ts';
import { displayAddress, HttpGetter } from './common/http-get.ts';
import { lazyClient } from './common/lazy-client.ts';
import { externalMetricSpec } from './common/metric-target.ts';
import { bool, duration, float, int, oneOf, resolveConfig, str } from './common/typed-config.ts';
import { ConfigError, defineScaler, ReadError, type ParseInput, type RawReading } from './scaler.ts';

/** amqplib, loaded by the first AMQP connection (common/lazy-client.ts). */
const amqplib = lazyClient('amqplib', () => import('amqplib'));

export const TYPE = 'rabbitmq';

export const MODES = ['QueueLength', 'MessageRate', 'DeliverGetRate', 'PublishedToDeliveredRatio', 'ExpectedQueueConsumptionTime'] as const;
export type Mode = (typeof MODES)[number];
const HTTP_ONLY_MODES: readonly Mode[] = ['MessageRate', 'DeliverGetRate', 'PublishedToDeliveredRatio', 'ExpectedQueueConsumptionTime'];
/** KEDA defaultRabbitMQQueueLength: the target when neither mode/value nor queueLength is given. */
export const DEFAULT_QUEUE_LENGTH = 20;

// ---- 1. the typed config ----

const fields = {
  queueName: str(),
  /** QueueLength, MessageRate, DeliverGetRate, PublishedToDeliveredRatio or ExpectedQueueConsumptionTime. */
  mode: str({ optional: true }),
  /** Deprecated form of mode QueueLength + value. */
  queueLength: float({ optional: true }),
  value: float({ optional: true }),
  activationValue: float({ default: 0 }),
  /** amqp(s)://… (AMQP) or http(s)://… (management API); may hold credentials. */
  host: str({ order: ['triggerMetadata', 'authParams', 'resolvedEnv'] }),
  protocol: oneOf(['auto', 'amqp', 'http'] as const)({ order: ['triggerMetadata', 'authParams'], default: 'auto' }),
  vhostName: str({ order: ['triggerMetadata', 'authParams'], optional: true }),
  useRegex: bool({ default: false }),
  excludeUnacknowledged: bool({ default: false }),
  pageSize: int({ default: 100 }),
  operation: oneOf(['sum', 'max', 'avg'] as const)({ default: 'sum' }),
  /** HTTP only; default KEDA_HTTP_DEFAULT_TIMEOUT. */
  timeout: duration({ optional: true }),
  username: str({ order: ['authParams', 'resolvedEnv'], optional: true }),
  password: str({ order: ['authParams', 'resolvedEnv'], optional: true }),
  ca: str({ order: ['authParams'], optional: true }),
  cert: str({ order: ['authParams'], optional: true }),
  key: str({ order: ['authParams'], optional: true }),
  keyPassword: str({ order: ['authParams'], optional: true }),
  tls: oneOf(['enable', 'disable'] as const)({ order: ['authParams'], default: 'disable' }),
  unsafeSsl: bool({ default: false }),
  workloadIdentityResource: str({ order: ['authParams'], optional: true }),
  oauthTokenURI: str({ order: ['authParams'], optional: true }),
  clientID: str({ order: ['authParams'], optional: true }),
  clientSecret: str({ order: ['authParams'], optional: true }),
};

export interface RabbitMQConfig {
  queueName: string;
  mode: Mode;
  value: number;
  activationValue: number;
  protocol: 'amqp' | 'http';
  /** The host as given (may hold credentials: never log). */
  host: string;
  vhostName?: string;
  useRegex: boolean;
  excludeUnacknowledged: boolean;
  pageSize: number;
  operation: 'sum' | 'max' | 'avg';
  timeoutMs: number;
  username?: string;
  password?: string;
  tls?: { rejectUnauthorized: boolean; ca?: string; cert?: string; key?: string; passphrase?: string };
  unsafeSsl: boolean;
}

// ---- 2. parse ----

/** Go url.Scheme of the host (lower-cased), or undefined when it has none. */
function schemeOf(host: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):/i.exec(host)?.[1].toLowerCase();
}

export function parse(input: ParseInput, httpTimeoutMs = input.httpTimeoutMs ?? 3000): RabbitMQConfig {
  const c = resolveConfig(TYPE, fields, input);
  if (input.offline) {
    // Offline, TriggerAuthentication-only parameters are placeholders: what they switch on is checked at run time.
    for (const k of ['workloadIdentityResource', 'oauthTokenURI', 'clientID', 'clientSecret', 'cert', 'key', 'keyPassword', 'ca'] as const) {
      if (!input.authParams[k]?.trim()) c[k] = undefined;
    }
  }
  if ((c.cert && !c.key) || (!c.cert && c.key))
    throw new ConfigError(TYPE, c.cert ? 'key' : 'cert', 'both key and certificate must be provided (TriggerAuthentication parameters cert and key)');
  if (c.pageSize < 1) throw new ConfigError(TYPE, 'pageSize', `pageSize should be 1 or greater, got '${c.pageSize}'`);
  if ((c.username || c.password) && !(c.username && c.password)) {
    throw new ConfigError(TYPE, c.username ? 'password' : 'username', 'username and password must be given together');
  }
  let protocol: 'amqp' | 'http';
  const scheme = schemeOf(c.host);
  if (c.protocol === 'auto') {
    if (scheme === 'amqp' || scheme === 'amqps') protocol = 'amqp';
    else if (scheme === 'http' || scheme === 'https') protocol = 'http';
    else {
      const offlineHost = input.offline && !input.metadata.host?.trim();
      if (!offlineHost)
        throw new ConfigError(
          TYPE,
          'host',
          `unknown host URL scheme: \`${scheme ?? ''}\`; host must be amqp://, amqps://, http:// or https:// (or set protocol)`,
        );
      protocol = 'amqp';
    }
  } else protocol = c.protocol;
  // Azure workload identity and OAuth2 tokens for the management API are not implemented in Updraft yet; refuse
  // rather than send the requests unauthenticated.
  if (c.workloadIdentityResource) {
    if (protocol === 'amqp') throw new ConfigError(TYPE, 'workloadIdentityResource', 'workload identity is not supported for the AMQP protocol at the moment');
    throw new ConfigError(
      TYPE,
      'workloadIdentityResource',
      'workloadIdentityResource (Azure workload identity) is not supported by Updraft yet; use username and password',
    );
  }
  if (c.oauthTokenURI || c.clientID || c.clientSecret) {
    if (!(c.oauthTokenURI && c.clientID && c.clientSecret)) {
      throw new ConfigError(
        TYPE,
        !c.oauthTokenURI ? 'oauthTokenURI' : !c.clientID ? 'clientID' : 'clientSecret',
        'OAuth2 requires tokenUrl clientId and clientSecret to be configured in TriggerAuthentication',
      );
    }
    if (protocol === 'amqp') throw new ConfigError(TYPE, 'oauthTokenURI', 'OAuth2 authentication is only supported with HTTP protocol, not AMQP');
    if (c.username && c.password)
      throw new ConfigError(TYPE, 'oauthTokenURI', 'OAuth2 authentication cannot be combined with username/password authentication or Azure Workload Identity');
    throw new ConfigError(
      TYPE,
      'oauthTokenURI',
      'OAuth2 client credentials for the RabbitMQ management API are not supported by Updraft yet; use username and password',
    );
  }
  if (c.useRegex && protocol !== 'http') throw new ConfigError(TYPE, 'useRegex', 'configure useRegex=true only with HTTP protocol');
  if (c.excludeUnacknowledged && protocol !== 'http')
    throw new ConfigError(TYPE, 'excludeUnacknowledged', 'configure excludeUnacknowledged=true only with HTTP protocol');

  // KEDA validateTrigger.
  let mode: Mode;
  let value: number;
  const queueLength = c.queueLength ?? 0;
  const givenValue = c.value ?? 0;
  if (queueLength === 0 && c.mode === undefined && givenValue === 0) {
    mode = 'QueueLength';
    value = DEFAULT_QUEUE_LENGTH;
  } else if (queueLength !== 0 && (c.mode !== undefined || givenValue !== 0)) {
    throw new ConfigError(TYPE, 'queueLength', 'queueLength is deprecated; use mode and value');
  } else if (queueLength !== 0) {
    mode = 'QueueLength';
    value = queueLength;
  } else {
    if (c.mode === undefined) throw new ConfigError(TYPE, 'mode', `mode must be specified (one of ${MODES.join(', ')})`);
    if (givenValue === 0) throw new ConfigError(TYPE, 'value', 'value must be specified');
    if (!(MODES as readonly string[]).includes(c.mode)) {
      throw new ConfigError(TYPE, 'mode', `trigger mode ${c.mode} must be one of ${MODES.slice(0, -1).join(', ')} or ${MODES[MODES.length - 1]}`);
    }
    mode = c.mode as Mode;
    value = givenValue;
  }
  if (HTTP_ONLY_MODES.includes(mode) && protocol !== 'http') {
    throw new ConfigError(TYPE, 'mode', `protocol ${protocol} not supported; must be HTTP to use trigger mode ${mode}`);
  }
  if (protocol === 'amqp' && c.timeout !== undefined) throw new ConfigError(TYPE, 'timeout', "AMQP protocol doesn't support custom timeouts");
  if (c.timeout !== undefined && c.timeout <= 0) throw new ConfigError(TYPE, 'timeout', `timeout must be a positive duration, got '${input.metadata.timeout}'`);
  if (value < 0) throw new ConfigError(TYPE, 'value', `value must be a positive number, got '${value}'`);

  // Where the operator connects: http(s) goes through the address policy's URL check; amqp(s) hosts get the
  // literal-IP check (and guardedLookup at connect).
  const fromMetadata = Boolean(input.metadata.host?.trim());
  if (!(input.offline && !fromMetadata)) checkHost(c.host, protocol, fromMetadata);

  const tls =
    c.tls === 'enable' || scheme === 'amqps' || scheme === 'https'
      ? {
          rejectUnauthorized: !c.unsafeSsl,
          ...(c.tls === 'enable' && c.ca ? { ca: c.ca } : {}),
          ...(c.tls === 'enable' && c.cert ? { cert: c.cert } : {}),
          ...(c.tls === 'enable' && c.key ? { key: c.key } : {}),
          ...(c.tls === 'enable' && c.keyPassword ? { passphrase: c.keyPassword } : {}),
        }
      : undefined;
  return {
    queueName: c.queueName,
    mode,
    value,
    activationValue: c.activationValue,
    protocol,
    host: c.host,
    ...(c.vhostName ? { vhostName: c.vhostName } : {}),
    useRegex: c.useRegex,
    excludeUnacknowledged: c.excludeUnacknowledged,
    pageSize: c.pageSize,
    operation: c.operation,
    timeoutMs: c.timeout ?? httpTimeoutMs,
    ...(c.username ? { username: c.username } : {}),
    ...(c.password ? { password: c.password } : {}),
    ...(tls ? { tls } : {}),
    unsafeSsl: c.unsafeSsl,
  };
}

function checkHost(host: string, protocol: 'amqp' | 'http', fromMetadata: boolean): void {
  const shown = fromMetadata ? `'${shownValue(host)}'` : 'a value from the TriggerAuthentication or env (not shown)';
  if (protocol === 'http') {
    if (!/^https?:\/\//i.test(host)) throw new ConfigError(TYPE, 'host', `host must be an http(s) URL of the management API with protocol http, got ${shown}`);
    httpUrlParam(TYPE, 'host', host, { example: 'http://guest:guest@rabbitmq.default:15672/' });
    return;
  }
  let url: URL | undefined;
  try {
    url = new URL(host);
  } catch {
    url = undefined;
  }
  if (!url || !/^amqps?:$/.test(url.protocol) || !url.hostname) {
    throw new ConfigError(TYPE, 'host', `host must be an amqp(s) URL such as amqp://user:password@rabbitmq.default:5672/vhost, got ${shown}`);
  }
  const refused = refusedHost(TYPE, 'host', host, url.hostname);
  if (refused) throw refused;
}

// ---- 3. the HTTP management API ----

/** Go url.QueryEscape: only A-Z a-z 0-9 - _ . ~ stay; space is '+'. */
export function goQueryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** KEDA getVhostAndPathFromURL: the last path segment is the vhost (root: /%2F), the rest a path prefix. */
export function vhostAndPath(rawPath: string, vhostName: string | undefined): { vhostPath: string; path: string } {
  const parts = rawPath.split('/');
  let vhostPath = `/${parts[parts.length - 1]}`;
  // Go path.Join: drop empty segments, join with '/'.
  let path = parts
    .slice(0, -1)
    .filter((p) => p !== '')
    .join('/');
  if (path.length > 0) path = `/${path}`;
  if (vhostName) vhostPath = `/${goQueryEscape(vhostName)}`;
  if (vhostPath === '' || vhostPath === '/' || vhostPath === '/%2F') vhostPath = '/%2F';
  return { vhostPath, path };
}

/** The management API URL (no credentials) and the Basic auth header for the config. */
export function managementRequest(config: RabbitMQConfig): { url: URL; authorization?: string } {
  const u = new URL(config.host);
  const rawPath = u.pathname;
  const { vhostPath, path } = vhostAndPath(rawPath, config.vhostName);
  const user = config.username ?? (u.username ? decodeURIComponent(u.username) : undefined);
  const pass = config.password ?? (u.password ? decodeURIComponent(u.password) : undefined);
  const base = `${u.protocol}//${u.host}${path}`;
  const q = goQueryEscape(config.queueName);
  const url = config.useRegex
    ? new URL(`${base}/api/queues${vhostPath}?page=1&use_regex=true&pagination=false&name=${q}&page_size=${config.pageSize}`)
    : new URL(`${base}/api/queues${vhostPath}/${q}`);
  return { url, ...(user !== undefined ? { authorization: `Basic ${Buffer.from(`${user}:${pass ?? ''}`).toString('base64')}` } : {}) };
}

/** The numbers of one queue the modes need (KEDA queueInfo). */
export interface QueueInfo {
  messages: number;
  messagesReady: number;
  publishRate: number;
  deliverGetRate: number;
}

interface RawQueue {
  messages?: number;
  messages_ready?: number;
  message_stats?: { publish_details?: { rate?: number }; deliver_get_details?: { rate?: number } };
}

function toInfo(q: RawQueue): QueueInfo {
  return {
    messages: q.messages ?? 0,
    messagesReady: q.messages_ready ?? 0,
    publishRate: q.message_stats?.publish_details?.rate ?? 0,
    deliverGetRate: q.message_stats?.deliver_get_details?.rate ?? 0,
  };
}

/** KEDA getComposedQueue: sum, avg (integer division for counts, as Go ints) or max over the matched queues. */
export function composeQueues(queues: QueueInfo[], operation: 'sum' | 'max' | 'avg'): QueueInfo {
  if (queues.length === 0) return { messages: 0, messagesReady: 0, publishRate: 0, deliverGetRate: 0 };
  const sum = queues.reduce(
    (a, q) => ({
      messages: a.messages + q.messages,
      messagesReady: a.messagesReady + q.messagesReady,
      publishRate: a.publishRate + q.publishRate,
      deliverGetRate: a.deliverGetRate + q.deliverGetRate,
    }),
    { messages: 0, messagesReady: 0, publishRate: 0, deliverGetRate: 0 },
  );
  if (operation === 'sum') return sum;
  if (operation === 'avg') {
    const n = queues.length;
    return {
      messages: Math.trunc(sum.messages / n),
      messagesReady: Math.trunc(sum.messagesReady / n),
      publishRate: sum.publishRate / n,
      deliverGetRate: sum.deliverGetRate / n,
    };
  }
  return queues.reduce(
    (a, q) => ({
      messages: Math.max(a.messages, q.messages),
      messagesReady: Math.max(a.messagesReady, q.messagesReady),
      publishRate: Math.max(a.publishRate, q.publishRate),
      deliverGetRate: Math.max(a.deliverGetRate, q.deliverGetRate),
    }),
    { messages: 0, messagesReady: 0, publishRate: 0, deliverGetRate: 0 },
  );
}

/** A 200 answer of the management API → the queue's numbers (one queue, or the regex's composed queues). */
export function queueInfoFromBody(body: string, config: Pick<RabbitMQConfig, 'useRegex' | 'operation' | 'queueName'>): QueueInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ReadError('other', `${TYPE}: the management API's answer is not JSON; check that host is the management endpoint (port 15672)`);
  }
  if (config.useRegex) {
    const p = parsed as { items?: RawQueue[]; page_count?: number };
    if ((p.page_count ?? 0) > 1)
      throw new ReadError(
        'bad-query',
        `${TYPE}: regex matches more queues than can be recovered at once; raise pageSize or narrow queueName ${config.queueName}`,
      );
    return composeQueues((p.items ?? []).map(toInfo), config.operation);
  }
  return toInfo(parsed as RawQueue);
}

/** KEDA GetMetricsAndActivity: the value of the mode and whether the trigger is active. */
export function modeReading(
  info: QueueInfo,
  config: Pick<RabbitMQConfig, 'mode' | 'activationValue' | 'excludeUnacknowledged'>,
): { value: number; active: boolean } {
  const messages = config.excludeUnacknowledged ? info.messagesReady : info.messages;
  const { publishRate, deliverGetRate } = info;
  const act = config.activationValue;
  switch (config.mode) {
    case 'QueueLength':
      return { value: messages, active: messages > act };
    case 'MessageRate':
      return { value: publishRate, active: publishRate > act || messages > act };
    case 'DeliverGetRate':
      return { value: deliverGetRate, active: deliverGetRate > act };
    case 'PublishedToDeliveredRatio': {
      let ratio = 0;
      if (publishRate > 0 && deliverGetRate === 0) ratio = act;
      else if (publishRate > 0 && deliverGetRate > 0) ratio = publishRate / deliverGetRate;
      return { value: ratio, active: ratio > act || (publishRate > 0 && deliverGetRate === 0) };
    }
    case 'ExpectedQueueConsumptionTime': {
      let eta = 0;
      if (messages === 0) eta = 0;
      else if (deliverGetRate === 0) eta = act;
      else eta = (publishRate - deliverGetRate) / deliverGetRate + messages / deliverGetRate;
      return { value: eta, active: eta > act || (deliverGetRate === 0 && messages > 0) };
    }
  }
}

/** KEDA anonymizeRabbitMQError: `user:password@` in any text becomes `user:password@` (never the real ones). */
export function anonymize(text: string): string {
  return text.replace(/([^ /:]+):([^/:]+)@/g, 'user:password@');
}

export function httpStatusError(status: number, body: string, url: URL, config: RabbitMQConfig): ReadError {
  const shown = displayAddress(url);
  const detail = body.slice(0, 200).replace(/\s+/g, ' ');
  if (status === 401 || status === 403)
    return new ReadError('auth', `${TYPE}: the management API refused the credentials (status ${status}) at ${shown}; check username and password`);
  if (status === 404)
    return new ReadError('bad-query', `${TYPE}: queue ${config.queueName} not found (status 404 from ${shown}); check queueName and vhostName`);
  return new ReadError('other', `${TYPE}: error requesting RabbitMQ API status: ${status}, response: ${anonymize(detail)}, from: ${shown}`);
}

// ---- 4. AMQP ----

/** amqp091-go ParseURI: the vhost is the unescaped path without its leading '/', '/' when there is no path. */
export function amqpTarget(config: RabbitMQConfig): {
  protocol: 'amqp' | 'amqps';
  hostname: string;
  port: number;
  username: string;
  password: string;
  vhost: string;
  shown: string;
} {
  const u = new URL(config.host);
  const protocol = u.protocol === 'amqps:' ? 'amqps' : 'amqp';
  // An empty vhost (`amqp://host:5672/`) is the default vhost `/` (Updraft; amqp091-go would send "").
  const vhost = config.vhostName ?? (u.pathname === '' || u.pathname === '/' ? '/' : decodeURIComponent(u.pathname.slice(1)));
  return {
    protocol,
    hostname: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : protocol === 'amqps' ? 5671 : 5672,
    username: config.username ?? (u.username ? decodeURIComponent(u.username) : 'guest'),
    password: config.password ?? (u.password ? decodeURIComponent(u.password) : 'guest'),
    vhost,
    shown: `${protocol}://${u.host}/${encodeURIComponent(vhost)}`,
  };
}

/** One AMQP connection and channel; reconnected when the broker closed either. */
export class AmqpHandle {
  private model: ChannelModel | undefined;
  private channel: Channel | undefined;
  private opening: Promise<Channel> | undefined;

  constructor(
    private readonly config: RabbitMQConfig,
    private readonly connectionName: string,
  ) {}

  private async open(): Promise<Channel> {
    if (this.channel) return this.channel;
    this.opening ??= (async () => {
      try {
        const t = amqpTarget(this.config);
        const literal = checkLiteralHost(t.hostname);
        if (literal) throw new ReadError('other', `${TYPE}: ${literal.message}`, { cause: literal });
        if (!this.model) {
          const { connect: amqpConnect } = await amqplib.load();
          const model = await amqpConnect(
            { protocol: t.protocol, hostname: t.hostname, port: t.port, username: t.username, password: t.password, vhost: t.vhost, heartbeat: 30 },
            {
              lookup: guardedLookup(),
              timeout: this.config.timeoutMs,
              clientProperties: { connection_name: this.connectionName },
              ...(this.config.tls ?? {}),
            },
          );
          model.on('error', () => undefined);
          model.on('close', () => {
            if (this.model === model) {
              this.model = undefined;
              this.channel = undefined;
            }
          });
          this.model = model;
        }
        const channel = await this.model.createChannel();
        channel.on('error', () => undefined);
        channel.on('close', () => {
          if (this.channel === channel) this.channel = undefined;
        });
        this.channel = channel;
        return channel;
      } finally {
        this.opening = undefined;
      }
    })();
    return this.opening;
  }

  /** messageCount of a passive queue.declare (KEDA QueueDeclarePassive). */
  async messageCount(queue: string): Promise<number> {
    const ch = await this.open();
    return (await ch.checkQueue(queue)).messageCount;
  }

  async close(): Promise<void> {
    const model = this.model;
    this.model = undefined;
    this.channel = undefined;
    await model?.close().catch(() => undefined);
  }
}

function amqpError(e: unknown, config: RabbitMQConfig): ReadError {
  if (e instanceof ReadError) return e;
  const err = e as NodeJS.ErrnoException;
  const msg = err?.message ?? String(e);
  const t = amqpTarget(config);
  if (/ACCESS_REFUSED|403|PLAIN login refused|authentication failure/i.test(msg)) {
    return new ReadError('auth', `${TYPE}: ${t.shown} refused the credentials (ACCESS_REFUSED); check username and password`, { cause: e });
  }
  if (/NOT_FOUND|404/.test(msg) && /queue/i.test(msg)) {
    return new ReadError('bad-query', `${TYPE}: queue ${config.queueName} not found in vhost ${t.vhost} of ${t.shown} (404 NOT_FOUND)`, { cause: e });
  }
  if (/NOT_ALLOWED|530|vhost|Expected ConnectionOpenOk/i.test(msg))
    return new ReadError(
      'auth',
      `${TYPE}: ${t.shown}: vhost ${t.vhost} does not exist or the user may not use it; check vhostName and the user's permissions`,
      { cause: e },
    );
  if (err?.code === 'EUPDRAFT_ADDRESS_REFUSED') return new ReadError('other', `${TYPE}: ${msg}`, { cause: e });
  if (err?.code && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT'].includes(err.code)) {
    return new ReadError('unreachable', `${TYPE}: cannot reach ${t.shown} (${err.code})`, { cause: e });
  }
  if (/timeout/i.test(msg)) return new ReadError('timeout', `${TYPE}: no answer from ${t.shown} in ${config.timeoutMs} ms`, { cause: e });
  if (/Socket closed abruptly|Connection closed/i.test(msg))
    return new ReadError('unreachable', `${TYPE}: ${t.shown} closed the connection (${msg.slice(0, 80)})`, { cause: e });
  return new ReadError('other', `${TYPE}: error inspecting RabbitMQ at ${t.shown}: ${anonymize(msg).slice(0, 200)}`, { cause: e });
}

// ---- 5. pools and the descriptor ----

const amqpPool = new ClientPool<AmqpHandle>((h) => h.close());
const httpPool = new ClientPool<HttpGetter>((h) => h.close());

/** Distinct AMQP connections and HTTP agents held now (tests, bench). */
export function rabbitmqPoolSizes(): { amqp: number; http: number } {
  return { amqp: amqpPool.size, http: httpPool.size };
}

function leaseAmqp(config: RabbitMQConfig, connectionName: string): Lease<AmqpHandle> {
  const t = amqpTarget(config);
  return amqpPool.acquire(
    poolKey(
      `amqp:${t.shown}`,
      { password: t.password, key: config.tls?.key, passphrase: config.tls?.passphrase, cert: config.tls?.cert, ca: config.tls?.ca },
      { user: t.username, tls: config.tls?.rejectUnauthorized ?? 'off', timeout: config.timeoutMs },
    ),
    () => new AmqpHandle(config, connectionName),
  );
}

function leaseHttp(config: RabbitMQConfig): Lease<HttpGetter> {
  const u = new URL(config.host);
  const protocol = u.protocol as 'http:' | 'https:';
  const tls = config.tls ?? { rejectUnauthorized: !config.unsafeSsl };
  return httpPool.acquire(
    poolKey(`http:${u.protocol}//${u.host}`, { key: tls.key, passphrase: tls.passphrase, cert: tls.cert, ca: tls.ca }, { reject: tls.rejectUnauthorized }),
    () =>
      new HttpGetter(protocol, {
        rejectUnauthorized: tls.rejectUnauthorized,
        ...(tls.ca ? { ca: tls.ca } : {}),
        ...(tls.cert ? { cert: tls.cert } : {}),
        ...(tls.key ? { key: tls.key } : {}),
      }),
  );
}

export const descriptor = defineScaler<RabbitMQConfig>({
  type: TYPE,
  fields,
  example: { metadata: { queueName: 'orders', host: 'amqp://guest:guest@rabbitmq.default:5672/', mode: 'QueueLength', value: '20' } },
  parse: (input) => parse(input),
  metricSpecs: (config, triggerIndex, metricType) =>
    externalMetricSpec(triggerIndex, `rabbitmq-${goQueryEscape(config.queueName)}`, config.value, TYPE, metricType),
  activationThreshold: (config) => config.activationValue,
  createReader(config, ctx) {
    const name = ctx.metricSpecs[0].metricName;
    const reading = (info: QueueInfo): RawReading => {
      const r = modeReading(info, config);
      return { metrics: [{ name, value: r.value }], active: r.active };
    };
    if (config.protocol === 'amqp') {
      const lease = leaseAmqp(config, `keda-${ctx.namespace}-${ctx.objectName}`);
      return {
        async read(signal) {
          let onAbort: (() => void) | undefined;
          const aborted = new Promise<never>((_, reject) => {
            onAbort = () => reject(new ReadError('timeout', `${TYPE}: read cancelled before ${amqpTarget(config).shown} answered`));
            if (signal.aborted) onAbort();
            else signal.addEventListener('abort', onAbort, { once: true });
          });
          try {
            const messages = await Promise.race([lease.client.messageCount(config.queueName), aborted]);
            return reading({ messages, messagesReady: messages, publishRate: 0, deliverGetRate: 0 });
          } catch (e) {
            throw amqpError(e, config);
          } finally {
            if (onAbort) signal.removeEventListener('abort', onAbort);
          }
        },
        close: () => lease.release(),
      };
    }
    const lease = leaseHttp(config);
    return {
      async read(signal) {
        const { url, authorization } = managementRequest(config);
        const res = await lease.client.get(
          url,
          { accept: 'application/json', ...(authorization ? { authorization } : {}) },
          config.timeoutMs,
          signal,
          `${TYPE}: management API`,
          ctx.telemetry,
        );
        if (res.status !== 200) throw httpStatusError(res.status, res.body, url, config);
        return reading(queueInfoFromBody(res.body, config));
      },
      close: () => lease.release(),
    };
  },
});
