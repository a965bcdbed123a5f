// `nats-jetstream`: scale on a JetStream consumer's lag, read from the NATS monitoring endpoint
// (`/jsz?acc=<account>&consumers=true&config=true`) as KEDA does (pkg/scalers/nats_jetstream_scaler.go). In a
// cluster only the consumer's leader has its current state, so the reader finds the leader node once (through
// `/varz` of each node) and then reads from it directly, looking again when the leader moves.
import { shownValue, httpUrlParam } from './common/address-policy.ts';
import { ClientPool } from './common/client-pool.ts';
import { displayAddress, HttpGetter } from './common/http-get.ts';
import type { TriggerTelemetry } from './common/scaler-telemetry.ts';
import { externalMetricSpec } from './common/metric-target.ts';
import { bool, int, lookupParam, resolveConfig, str } from './common/typed-config.ts';
import { ConfigError, defineScaler, ReadError, type ParseInput, type RawReading } from './scaler.ts';

export const TYPE = 'nats-jetstream';

// ---- 1. the typed config (KEDA's natsJetStreamMetadata) ----

const fields = {
  /** Required; optional here only so the missing-parameter message can name metadata first (see parse). */
  natsServerMonitoringEndpoint: str({ order: ['authParams', 'triggerMetadata'], optional: true }),
  account: str({ order: ['authParams', 'triggerMetadata'], optional: true }),
  accountID: str({ order: ['authParams', 'triggerMetadata'], optional: true }),
  stream: str(),
  consumer: str(),
  lagThreshold: int({ default: 10 }),
  activationLagThreshold: int({ default: 0 }),
  useHttps: bool({ default: false }),
};

export interface NatsJetStreamConfig {
  /** host:port of one node's (or a service's) monitoring listener. */
  endpoint: string;
  scheme: 'http' | 'https';
  account: string;
  /** KEDA: the account id, or the account name when no id is given; sent as `acc=`. */
  accountID: string;
  stream: string;
  consumer: string;
  lagThreshold: number;
  activationLagThreshold: number;
  /** `<scheme>://<endpoint>/jsz?acc=...&config=true&consumers=true`. */
  monitoringURL: string;
}

// ---- 2. parse ----

/** KEDA `getNATSJetStreamMonitoringURL`: the query parameters in Go's url.Values order (sorted by key). */
export function monitoringURL(useHttps: boolean, endpoint: string, accountID: string): string {
  const q = new URLSearchParams([
    ['acc', accountID],
    ['config', 'true'],
    ['consumers', 'true'],
  ]);
  return `${useHttps ? 'https' : 'http'}://${endpoint}/jsz?${q.toString()}`;
}

export function parse(input: ParseInput): NatsJetStreamConfig {
  const found = lookupParam(input, 'natsServerMonitoringEndpoint', [], ['authParams', 'triggerMetadata']);
  if (!found && !input.offline?.authUnknown) {
    // KEDA's order is authParams;triggerMetadata, but most triggers set it in metadata: say that first.
    throw new ConfigError(
      TYPE,
      'natsServerMonitoringEndpoint',
      'missing required parameter "natsServerMonitoringEndpoint" in [authParams triggerMetadata]; set metadata.natsServerMonitoringEndpoint (host:port of the monitoring listener, e.g. nats.nats:8222) or a TriggerAuthentication parameter "natsServerMonitoringEndpoint"',
    );
  }
  if (!found && input.offline?.authUnknown)
    input.offline.notes.push('natsServerMonitoringEndpoint is taken from the TriggerAuthentication at run time; not checked offline');
  const c = resolveConfig(TYPE, fields, input);
  if (!c.account && !c.accountID) {
    throw new ConfigError(TYPE, 'account', 'no account name or id given; set metadata.account (e.g. "$G" for the default account) or metadata.accountID');
  }
  const accountID = c.accountID || c.account!;
  const endpoint = c.natsServerMonitoringEndpoint!;
  const fromAuth = lookupParam(input, 'natsServerMonitoringEndpoint', [], ['authParams'])?.source === 'authParams';
  // KEDA puts the value in url.URL{Host: ...}; anything but host[:port] would change the path or credentials.
  if (/[/?#@\s]/.test(endpoint)) {
    throw new ConfigError(
      TYPE,
      'natsServerMonitoringEndpoint',
      `natsServerMonitoringEndpoint must be host:port of the monitoring listener, such as nats.nats:8222 (no scheme or path; set useHttps for https), got ${fromAuth ? 'a value from the TriggerAuthentication (not shown)' : `'${shownValue(endpoint)}'`}`,
    );
  }
  const url = monitoringURL(c.useHttps, endpoint, accountID);
  httpUrlParam(TYPE, 'natsServerMonitoringEndpoint', url, { example: 'nats.nats:8222' });
  if (c.lagThreshold <= 0) {
    // The HPA refuses a target <= 0 (KEDA fails later, creating the HPA); say so here.
    throw new ConfigError(TYPE, 'lagThreshold', `lagThreshold must be a positive number, got '${c.lagThreshold}'`);
  }
  return {
    endpoint,
    scheme: c.useHttps ? 'https' : 'http',
    account: c.account ?? '',
    accountID,
    stream: c.stream,
    consumer: c.consumer,
    lagThreshold: c.lagThreshold,
    activationLagThreshold: c.activationLagThreshold,
    monitoringURL: url,
  };
}

// ---- 3. the monitoring responses and the leader lookup ----

interface ConsumerDetail {
  name?: string;
  num_pending?: number;
  num_ack_pending?: number;
  cluster?: { leader?: string };
}
interface StreamDetail {
  name?: string;
  consumer_detail?: ConsumerDetail[];
}
interface AccountDetail {
  id?: string;
  name?: string;
  stream_detail?: StreamDetail[];
}
/** The parts of `/jsz` the scaler reads. */
export interface JszResponse {
  account_details?: AccountDetail[];
  meta_cluster?: { cluster_size?: number };
}
/** The parts of `/varz` the scaler reads. */
export interface VarzResponse {
  server_name?: string;
  connect_urls?: string[];
  cluster?: { urls?: string[] };
}

/** KEDA `IsAccount`: the id matches accountID, or the name matches account. */
function isAccount(config: NatsJetStreamConfig, a: AccountDetail): boolean {
  return a.id === config.accountID || (a.name !== undefined && a.name === config.account);
}

/** What a `/jsz` answer says about the configured stream and consumer. */
export interface Found {
  clusterSize: number;
  streamFound: boolean;
  consumer?: ConsumerDetail;
}

export function findConsumer(config: NatsJetStreamConfig, jsz: JszResponse): Found {
  let streamFound = false;
  for (const a of jsz.account_details ?? []) {
    if (!isAccount(config, a)) continue;
    for (const s of a.stream_detail ?? []) {
      if (s.name !== config.stream) continue;
      streamFound = true;
      const consumer = (s.consumer_detail ?? []).find((c) => c.name === config.consumer);
      if (consumer) return { clusterSize: jsz.meta_cluster?.cluster_size ?? 0, streamFound, consumer };
    }
  }
  return { clusterSize: jsz.meta_cluster?.cluster_size ?? 0, streamFound };
}

/** KEDA `getMaxMsgLag`: pending plus ack-pending of the consumer. */
export function consumerLag(c: ConsumerDetail): number {
  return (c.num_pending ?? 0) + (c.num_ack_pending ?? 0);
}

/** `<scheme>://<host>[:<monitoring port>]/varz` (KEDA getNATSJetStreamMonitoringServerURL). */
export function varzURL(config: NatsJetStreamConfig, nodeHostname = ''): string {
  const u = new URL(config.monitoringURL);
  const host = nodeHostname === '' ? u.host : joinHostPort(nodeHostname, u.port);
  return `${u.protocol}//${host}/varz`;
}

/** The node's `/jsz` URL at `<hostname>:<monitoring port>` (KEDA getNATSJetStreamMonitoringNodeURL). */
export function nodeURL(config: NatsJetStreamConfig, nodeHostname: string): string {
  const u = new URL(config.monitoringURL);
  return `${u.protocol}//${joinHostPort(nodeHostname, u.port)}${u.pathname}${u.search}`;
}

/** The node's `/jsz` URL at `<node>.<endpoint host>` (KEDA getNATSJetStreamMonitoringNodeURLByNode: headless services). */
export function nodeURLByName(config: NatsJetStreamConfig, node: string): string {
  const u = new URL(config.monitoringURL);
  return `${u.protocol}//${node}.${u.host}${u.pathname}${u.search}`;
}

function joinHostPort(host: string, port: string): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port ? `${h}:${port}` : h;
}

/** The candidate nodes of a `/varz` answer: advertised client URLs (their host names) or the cluster route URLs. */
export function clusterNodes(varz: VarzResponse): { advertised: boolean; entries: string[] } {
  const connect = varz.connect_urls ?? [];
  if (connect.length > 0) return { advertised: true, entries: connect.map((u) => u.split(':')[0]) };
  return { advertised: false, entries: (varz.cluster?.urls ?? []).map((u) => u.split('.')[0]) };
}

export type GetJson = (url: string, signal: AbortSignal) => Promise<unknown>;

/**
 * One trigger's view of a JetStream server: the consumer's leader (name and `/jsz` URL) once found, so later reads
 * go straight to it; KEDA keeps the same state per scaler (`consumerLeader`, `monitoringLeaderURL`).
 */
export class JetStreamMonitor {
  consumerLeader = '';
  leaderURL = '';

  constructor(
    private readonly config: NatsJetStreamConfig,
    private readonly getJson: GetJson,
  ) {}

  async lag(signal: AbortSignal): Promise<number> {
    const cfg = this.config;
    const cachedLeader = this.consumerLeader;
    const first = findConsumer(cfg, await this.jsz(this.leaderURL || cfg.monitoringURL, signal));
    if (first.consumer) this.consumerLeader = first.consumer.cluster?.leader ?? '';
    // KEDA: a cached leader that no longer has the consumer is forgotten; an unchanged leader is trusted.
    if (cachedLeader !== '' && !first.consumer) this.invalidate();
    if (first.consumer && cachedLeader !== '' && cachedLeader === this.consumerLeader) return consumerLag(first.consumer);
    if (first.clusterSize > 1) return this.lagFromLeader(signal);
    if (!first.streamFound)
      throw new ReadError('empty', `${TYPE}: stream "${cfg.stream}" not found in account "${cfg.accountID}" at ${shown(cfg.monitoringURL)}`);
    if (!first.consumer) throw new ReadError('empty', `${TYPE}: consumer "${cfg.consumer}" not found in stream "${cfg.stream}"`);
    return consumerLag(first.consumer);
  }

  /** KEDA's clustered path: ask `/varz` for the nodes, then each node's `/jsz` until one is the consumer's leader. */
  private async lagFromLeader(signal: AbortSignal): Promise<number> {
    const cfg = this.config;
    const varz = (await this.getJson(varzURL(cfg), signal)) as VarzResponse;
    const { advertised, entries } = clusterNodes(varz ?? {});
    const tried: string[] = [];
    for (const entry of entries) {
      let node: string;
      let url: string;
      if (advertised) {
        const server = (await this.getJson(varzURL(cfg, entry), signal)) as VarzResponse;
        node = server?.server_name ?? '';
        url = nodeURL(cfg, entry);
      } else {
        node = entry;
        url = nodeURLByName(cfg, entry);
      }
      tried.push(node || entry);
      const found = findConsumer(cfg, await this.jsz(url, signal));
      if (found.consumer && node !== '' && node === found.consumer.cluster?.leader) {
        this.consumerLeader = node;
        this.leaderURL = url;
        return consumerLag(found.consumer);
      }
    }
    throw new ReadError(
      'empty',
      `${TYPE}: leader node not found for consumer ${cfg.consumer} (stream "${cfg.stream}"; asked ${tried.length ? tried.join(', ') : 'no node: /varz listed none'})`,
    );
  }

  private async jsz(url: string, signal: AbortSignal): Promise<JszResponse> {
    const body = await this.getJson(url, signal);
    if (!body || typeof body !== 'object') throw new ReadError('other', `${TYPE}: ${shown(url)} did not answer with JetStream account details`);
    return body as JszResponse;
  }

  private invalidate(): void {
    this.consumerLeader = '';
    this.leaderURL = '';
  }
}

function shown(url: string): string {
  return displayAddress(new URL(url));
}

// ---- 4. the reader ----

/** One HTTP client (keep-alive agent) per monitoring endpoint and scheme, shared by the triggers that name it. */
export const natsHttpClients = new ClientPool<HttpGetter>((h) => h.close());

export function httpGetJson(http: HttpGetter, timeoutMs: number, telemetry?: TriggerTelemetry): GetJson {
  return async (url, signal) => {
    const u = new URL(url);
    const res = await http.get(u, { accept: 'application/json' }, timeoutMs, signal, `${TYPE}: GET ${displayAddress(u)}`, telemetry);
    if (res.status < 200 || res.status > 299) {
      const kind = res.status === 401 || res.status === 403 ? 'auth' : 'other';
      throw new ReadError(kind, `${TYPE}: ${displayAddress(u)} answered HTTP ${res.status}`);
    }
    try {
      return JSON.parse(res.body) as unknown;
    } catch {
      throw new ReadError(
        'other',
        `${TYPE}: ${displayAddress(u)} did not answer JSON; is natsServerMonitoringEndpoint the monitoring port (8222), not the client port (4222)?`,
      );
    }
  };
}

export const descriptor = defineScaler<NatsJetStreamConfig>({
  type: TYPE,
  fields,
  example: {
    metadata: {
      natsServerMonitoringEndpoint: 'nats.nats.svc.cluster.local:8222',
      account: '$G',
      stream: 'mystream',
      consumer: 'pull_consumer',
      lagThreshold: '10',
    },
  },
  parse,
  metricSpecs: (config, triggerIndex, metricType) => externalMetricSpec(triggerIndex, `nats-jetstream-${config.stream}`, config.lagThreshold, TYPE, metricType),
  activationThreshold: (config) => config.activationLagThreshold,
  createReader(config, ctx) {
    const name = ctx.metricSpecs[0].metricName;
    const lease = natsHttpClients.acquire(`${config.scheme}://${config.endpoint}`, () => new HttpGetter(`${config.scheme}:`));
    const monitor = new JetStreamMonitor(config, httpGetJson(lease.client, ctx.httpTimeoutMs, ctx.telemetry));
    return {
      async read(signal): Promise<RawReading> {
        return { metrics: [{ name, value: await monitor.lag(signal) }] };
      },
      close: () => lease.release(),
    };
  },
});
