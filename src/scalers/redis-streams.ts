// `redis-streams`, `redis-cluster-streams`, `redis-sentinel-streams`: scale on a Redis stream — the pending entries
// of a consumer group (XPENDING), the stream's length (XLEN) or the group's lag (XINFO GROUPS, Redis 7+) — KEDA
// pkg/scalers/redis_streams_scaler.go, one parse for the three types. Connection fields and shared clients:
// common/redis-connection.ts.
import { externalMetricSpec } from './common/metric-target.ts';
import {
  connectionFields,
  leaseRedis,
  parseConnection,
  runRedis,
  sentinelFields,
  type ConnectionValues,
  type RedisConnection,
  type RedisKind,
} from './common/redis-connection.ts';
import { int, resolveConfig, str, type Fields } from './common/typed-config.ts';
import { ConfigError, defineScaler, ReadError, type ParseInput, type ScalerDescriptor } from './scaler.ts';

export const TYPE = 'redis-streams';
export const CLUSTER_TYPE = 'redis-cluster-streams';
export const SENTINEL_TYPE = 'redis-sentinel-streams';

const streamFields = {
  stream: str(),
  /** Without a consumer group the stream length is read (XLEN). */
  consumerGroup: str({ optional: true }),
  /** Target pending entries per replica (with consumerGroup, without lagCount). */
  pendingEntriesCount: int({ default: 5 }),
  /** Target stream length per replica (without consumerGroup). */
  streamLength: int({ default: 5 }),
  /** Target lag per replica; with consumerGroup, selects lag mode. */
  lagCount: int({ optional: true }),
  /** KEDA's one activation key, applied to whichever value the mode reads. */
  activationLagCount: int({ default: 0 }),
};

/** KEDA scaleFactor: xPendingFactor, xLengthFactor, lagFactor. */
export type StreamMode = 'pendingEntriesCount' | 'streamLength' | 'lagCount';

export interface RedisStreamsConfig {
  stream: string;
  consumerGroup?: string;
  mode: StreamMode;
  /** The target of the mode (pendingEntriesCount, streamLength or lagCount). */
  target: number;
  activationLagCount: number;
  connection: RedisConnection;
}

function fieldsFor(kind: RedisKind): Fields {
  return kind === 'sentinel' ? { ...streamFields, ...connectionFields, ...sentinelFields } : { ...streamFields, ...connectionFields };
}

/** KEDA Validate: consumerGroup + lagCount ≠ 0 → lag; consumerGroup → pending entries; no group → stream length. */
export function streamMode(consumerGroup: string | undefined, lagCount: number | undefined): StreamMode {
  if (!consumerGroup) return 'streamLength';
  return lagCount !== undefined && lagCount !== 0 ? 'lagCount' : 'pendingEntriesCount';
}

export function parseFor(type: string, kind: RedisKind, input: ParseInput): RedisStreamsConfig {
  const c = resolveConfig(type, fieldsFor(kind), input) as unknown as ConnectionValues & {
    stream: string;
    consumerGroup?: string;
    pendingEntriesCount: number;
    streamLength: number;
    lagCount?: number;
    activationLagCount: number;
  };
  const connection = parseConnection(type, kind, c, input);
  const mode = streamMode(c.consumerGroup, c.lagCount);
  const target = mode === 'lagCount' ? c.lagCount! : mode === 'pendingEntriesCount' ? c.pendingEntriesCount : c.streamLength;
  if (target <= 0) {
    // The HPA refuses a target of 0 or less (KEDA accepts it and fails when it writes the HPA).
    throw new ConfigError(type, mode, `${mode} must be a positive number, got '${target}'`);
  }
  return {
    stream: c.stream,
    ...(c.consumerGroup ? { consumerGroup: c.consumerGroup } : {}),
    mode,
    target,
    activationLagCount: c.activationLagCount,
    connection,
  };
}

/** `redis_version:7.0.15` in an INFO reply → 7; KEDA's wording when it is missing or below 7. */
export function checkLagVersion(type: string, info: string): void {
  const line = info.split('\n').find((l) => l.startsWith('redis_version:'));
  if (!line) throw new ReadError('other', `${type}: could not find Redis version number`);
  const major = Number.parseInt(line.slice('redis_version:'.length).split('.')[0], 10);
  if (!Number.isFinite(major)) throw new ReadError('other', `${type}: redis version could not be converted to number`);
  if (major < 7)
    throw new ReadError('bad-query', `${type}: redis version 7+ required for lag (the server runs ${line.slice(14).trim()}); use pendingEntriesCount instead`);
}

/** XINFO GROUPS reply (flat field/value arrays) → the lag of `group`, or undefined when the group is not there. */
export function lagOfGroup(reply: unknown, group: string): number | undefined {
  if (!Array.isArray(reply)) return undefined;
  for (const g of reply) {
    if (!Array.isArray(g)) continue;
    const fields: Record<string, unknown> = {};
    for (let i = 0; i + 1 < g.length; i += 2) fields[String(g[i])] = g[i + 1];
    if (String(fields.name) === group) {
      // lag is nil when Redis cannot compute it (entries deleted past the group); KEDA's go-redis reads nil as 0.
      const lag = Number(fields.lag ?? 0);
      return Number.isFinite(lag) ? lag : 0;
    }
  }
  return undefined;
}

type Cmd = {
  xpending(stream: string, group: string): Promise<unknown>;
  xlen(stream: string): Promise<number>;
  info(section: string): Promise<string>;
  xinfo(sub: 'GROUPS', stream: string): Promise<unknown>;
};

/** One read in the config's mode (KEDA createEntriesCountFn). */
export async function readStream(type: string, config: RedisStreamsConfig, c: Cmd): Promise<number> {
  if (config.mode === 'streamLength') return c.xlen(config.stream);
  const group = config.consumerGroup ?? '';
  if (config.mode === 'pendingEntriesCount') {
    const summary = await c.xpending(config.stream, group);
    return Number(Array.isArray(summary) ? summary[0] : 0);
  }
  checkLagVersion(type, await c.info('server'));
  let groups: unknown;
  try {
    groups = await c.xinfo('GROUPS', config.stream);
  } catch (e) {
    // A stream that does not exist yet has no lag (KEDA).
    if (/^ERR no such key/.test((e as Error).message)) return 0;
    throw e;
  }
  // A group not created yet (consumers scaled to zero): the whole stream is what it would lag (KEDA).
  return lagOfGroup(groups, group) ?? c.xlen(config.stream);
}

function streamsDescriptor(type: string, kind: RedisKind, example: Record<string, string>): ScalerDescriptor<RedisStreamsConfig> {
  return defineScaler<RedisStreamsConfig>({
    type,
    fields: fieldsFor(kind),
    example: { metadata: example },
    parse: (input) => parseFor(type, kind, input),
    metricSpecs: (config, triggerIndex, metricType) => externalMetricSpec(triggerIndex, `redis-streams-${config.stream}`, config.target, type, metricType),
    activationThreshold: (config) => config.activationLagCount,
    createReader(config, ctx) {
      const name = ctx.metricSpecs[0].metricName;
      const lease = leaseRedis(config.connection, ctx.httpTimeoutMs);
      return {
        async read(signal) {
          const value = await runRedis(type, config.connection, lease.client, signal, (c) => readStream(type, config, c as unknown as Cmd));
          return { metrics: [{ name, value }] };
        },
        close: () => lease.release(),
      };
    },
  });
}

export const descriptor = streamsDescriptor(TYPE, 'standalone', {
  stream: 'orders',
  consumerGroup: 'workers',
  pendingEntriesCount: '10',
  address: 'redis.default:6379',
});
export const clusterDescriptor = streamsDescriptor(CLUSTER_TYPE, 'cluster', {
  stream: 'orders',
  consumerGroup: 'workers',
  pendingEntriesCount: '10',
  addresses: 'redis-0.redis:6379,redis-1.redis:6379',
});
export const sentinelDescriptor = streamsDescriptor(SENTINEL_TYPE, 'sentinel', {
  stream: 'orders',
  consumerGroup: 'workers',
  pendingEntriesCount: '10',
  addresses: 'sentinel-0.redis:26379',
  sentinelMaster: 'mymaster',
});
