// `redis`, `redis-cluster`, `redis-sentinel`: scale on the length of a Redis list (or the size of a set, sorted set
// or hash) — KEDA pkg/scalers/redis_scaler.go, which serves the three types from one parse (NewRedisScaler with
// isClustered / isSentinel). The connection fields, parse and shared clients are in common/redis-connection.ts.
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

export const TYPE = 'redis';
export const CLUSTER_TYPE = 'redis-cluster';
export const SENTINEL_TYPE = 'redis-sentinel';

const listFields = {
  listName: str(),
  /** Target items per replica (HPA AverageValue). */
  listLength: int({ default: 5 }),
  /** Active when the length > activationListLength (strict). */
  activationListLength: int({ default: 0 }),
};

export interface RedisListConfig {
  listName: string;
  listLength: number;
  activationListLength: number;
  connection: RedisConnection;
}

/**
 * KEDA's length script: LLEN for a list (and for a missing key: 0), SCARD / ZCARD / HLEN for a set, sorted set or
 * hash, an error for any other type. One EVAL per read, so the type check and the count are atomic.
 */
export const LENGTH_SCRIPT = `
local t = redis.call('type', KEYS[1]).ok
if t == 'zset' then return redis.call('zcard', KEYS[1])
elseif t == 'set' then return redis.call('scard', KEYS[1])
elseif t == 'hash' then return redis.call('hlen', KEYS[1])
elseif t == 'list' or t == 'none' then return redis.call('llen', KEYS[1])
else return redis.error_reply('ERR unsupported key type: ' .. t) end
`;

function fieldsFor(kind: RedisKind): Fields {
  return kind === 'sentinel' ? { ...listFields, ...connectionFields, ...sentinelFields } : { ...listFields, ...connectionFields };
}

export function parseFor(type: string, kind: RedisKind, input: ParseInput): RedisListConfig {
  const c = resolveConfig(type, fieldsFor(kind), input) as unknown as ConnectionValues & { listName: string; listLength: number; activationListLength: number };
  const connection = parseConnection(type, kind, c, input);
  if (c.listLength <= 0) {
    // The HPA refuses a target of 0 (KEDA accepts it and fails when it writes the HPA); say so here.
    throw new ConfigError(type, 'listLength', `listLength must be a positive number, got '${c.listLength}'`);
  }
  return { listName: c.listName, listLength: c.listLength, activationListLength: c.activationListLength, connection };
}

/** The EVAL reply as a number (ioredis gives an integer reply as a number). */
export function lengthFromReply(type: string, reply: unknown): number {
  const v = typeof reply === 'number' ? reply : Number(reply);
  if (!Number.isFinite(v)) throw new ReadError('other', `${type}: the length script returned ${String(reply).slice(0, 40)}, not a number`);
  return v;
}

function listDescriptor(type: string, kind: RedisKind, example: Record<string, string>): ScalerDescriptor<RedisListConfig> {
  return defineScaler<RedisListConfig>({
    type,
    fields: fieldsFor(kind),
    example: { metadata: example },
    parse: (input) => parseFor(type, kind, input),
    metricSpecs: (config, triggerIndex, metricType) => externalMetricSpec(triggerIndex, `redis-${config.listName}`, config.listLength, type, metricType),
    activationThreshold: (config) => config.activationListLength,
    createReader(config, ctx) {
      const name = ctx.metricSpecs[0].metricName;
      const lease = leaseRedis(config.connection, ctx.httpTimeoutMs);
      return {
        async read(signal) {
          const reply = await runRedis(type, config.connection, lease.client, signal, (c) => c.eval(LENGTH_SCRIPT, 1, config.listName));
          return { metrics: [{ name, value: lengthFromReply(type, reply) }] };
        },
        close: () => lease.release(),
      };
    },
  });
}

export const descriptor = listDescriptor(TYPE, 'standalone', { address: 'redis.default:6379', listName: 'jobs', listLength: '5' });
export const clusterDescriptor = listDescriptor(CLUSTER_TYPE, 'cluster', {
  addresses: 'redis-0.redis:6379,redis-1.redis:6379,redis-2.redis:6379',
  listName: 'jobs',
  listLength: '5',
});
export const sentinelDescriptor = listDescriptor(SENTINEL_TYPE, 'sentinel', {
  addresses: 'sentinel-0.redis:26379',
  sentinelMaster: 'mymaster',
  listName: 'jobs',
  listLength: '5',
});
