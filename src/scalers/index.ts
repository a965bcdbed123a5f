// The registry of trigger types Updraft can read, and the only ways to get at a trigger's meaning: `describeTrigger`
// (pure: config, metric specs, activation threshold — for validate, simulate, explain, the webhook) and
// `buildScaler` (the same, plus the reader — for the runtime and probe). No other table of trigger semantics exists.
import { createHash } from 'node:crypto';
import type { MetricTargetType, Trigger } from '../api/types.ts';
import * as awsCloudwatch from './aws-cloudwatch.ts';
import * as awsDynamodb from './aws-dynamodb.ts';
import * as awsDynamodbStreams from './aws-dynamodb-streams.ts';
import * as awsKinesisStream from './aws-kinesis-stream.ts';
import * as awsSqsQueue from './aws-sqs-queue.ts';
import * as cpu from './cpu.ts';
import { bindTelemetry } from './common/scaler-telemetry.ts';
import { metadataKeys, type OfflineParse } from './common/typed-config.ts';
import * as kafka from './kafka.ts';
import * as kubernetesWorkload from './kubernetes-workload.ts';
import * as cron from './cron.ts';
import * as metricsApi from './metrics-api.ts';
import * as memory from './memory.ts';
import * as opentelemetry from './opentelemetry.ts';
import * as prometheus from './prometheus.ts';
import * as rabbitmq from './rabbitmq.ts';
import * as redis from './redis.ts';
import * as redisStreams from './redis-streams.ts';
import * as postgresql from './postgresql.ts';
import * as mysql from './mysql.ts';
import * as natsJetstream from './nats-jetstream.ts';
import * as external from './external.ts';
import * as externalPush from './external-push.ts';
import {
  activeByThreshold,
  ConfigError,
  type MetricSpec,
  type ParseInput,
  type RawReading,
  type Reading,
  type Scaler,
  type ScalerContext,
  type ScalerDescriptor,
} from './scaler.ts';

// One line per trigger type (docs/adding-a-scaler.md).
const descriptors: ReadonlyArray<ScalerDescriptor<never>> = [
  awsSqsQueue.descriptor,
  awsCloudwatch.descriptor,
  awsKinesisStream.descriptor,
  awsDynamodb.descriptor,
  awsDynamodbStreams.descriptor,
  prometheus.descriptor,
  opentelemetry.descriptor,
  cron.descriptor,
  metricsApi.descriptor,
  cpu.descriptor,
  memory.descriptor,
  rabbitmq.descriptor,
  redis.descriptor,
  redis.clusterDescriptor,
  redis.sentinelDescriptor,
  redisStreams.descriptor,
  redisStreams.clusterDescriptor,
  redisStreams.sentinelDescriptor,
  postgresql.descriptor,
  kafka.descriptor,
  mysql.descriptor,
  natsJetstream.descriptor,
  external.descriptor,
  externalPush.descriptor,
  kubernetesWorkload.descriptor,
] as unknown as ReadonlyArray<ScalerDescriptor<never>>;

export const scalerDescriptors: ReadonlyMap<string, ScalerDescriptor<unknown>> = new Map(
  descriptors.map((d) => [d.type, d as unknown as ScalerDescriptor<unknown>]),
);

/** The types Updraft reads, sorted, for messages. */
export function supportedTypes(): string[] {
  return [...scalerDescriptors.keys()].sort();
}

/** The descriptor of a type, or the ConfigError KEDA gives for an unknown type (plus the list of known ones). */
export function descriptorFor(type: string): ScalerDescriptor<unknown> {
  const d = scalerDescriptors.get(type);
  if (!d) {
    throw new ConfigError(type, 'type', `no scaler found for type: ${type} (Updraft reads ${supportedTypes().join(', ')})`);
  }
  return d;
}

/** A parsed trigger: what every consumer needs, computed without I/O. */
export interface DescribedTrigger {
  descriptor: ScalerDescriptor<unknown>;
  config: unknown;
  metricSpecs: MetricSpec[];
  activationThreshold: number;
}

/** Parse one trigger and compute its metric specs and activation threshold. Throws ConfigError. */
export function describeTrigger(
  trigger: Pick<Trigger, 'type' | 'metadata' | 'metricType'>,
  triggerIndex: number,
  input: Omit<ParseInput, 'metadata' | 'metricType'>,
): DescribedTrigger {
  const descriptor = descriptorFor(trigger.type);
  const metricType: MetricTargetType | undefined = trigger.metricType;
  const config = descriptor.parse({ ...input, metadata: trigger.metadata ?? {}, ...(metricType ? { metricType } : {}) });
  return {
    descriptor,
    config,
    metricSpecs: descriptor.metricSpecs(config, triggerIndex, metricType),
    activationThreshold: descriptor.activationThreshold(config),
  };
}

/** What an offline check of one trigger found. */
export type OfflineTrigger =
  | { ok: true; described: DescribedTrigger; notes: string[]; unknownKeys: UnknownKey[] }
  | { ok: false; error: ConfigError; notes: string[]; unknownKeys: UnknownKey[] };

export interface UnknownKey {
  key: string;
  /** The known key it is probably a misspelling of. */
  suggestion?: string;
}

/**
 * Parse a trigger without the cluster (`validate`, the webhook, `simulate`, `explain`): a TriggerAuthentication's
 * parameters and the target's env are unknown, so what only they can supply is a note, not an error. `namespace` is
 * the object's (metric names that include it come out as the operator's). Metadata keys
 * the type does not read are listed (KEDA ignores them silently; a near-miss of a known key is most likely a typo).
 */
export function checkTriggerOffline(
  trigger: Pick<Trigger, 'type' | 'metadata' | 'metricType' | 'authenticationRef'>,
  triggerIndex: number,
  namespace?: string,
): OfflineTrigger {
  const offline: OfflineParse = { authUnknown: trigger.authenticationRef !== undefined, envUnknown: true, notes: [] };
  const d = scalerDescriptors.get(trigger.type);
  const unknownKeys = d ? unknownMetadataKeys(d, trigger.metadata ?? {}) : [];
  try {
    const described = describeTrigger(trigger, triggerIndex, { authParams: {}, resolvedEnv: {}, offline, ...(namespace ? { namespace } : {}) });
    return { ok: true, described, notes: offline.notes, unknownKeys };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, error: e, notes: offline.notes, unknownKeys };
    throw e;
  }
}

/** Metadata keys the descriptor does not read, each with the closest known key when it is a likely typo. */
export function unknownMetadataKeys(d: ScalerDescriptor<unknown>, metadata: Record<string, string>): UnknownKey[] {
  const known = [...metadataKeys(d.fields), ...(d.otherKeys ?? [])];
  const knownSet = new Set(known);
  const out: UnknownKey[] = [];
  for (const key of Object.keys(metadata)) {
    if (knownSet.has(key)) continue;
    const suggestion = closest(key, known);
    if (d.passThroughMetadata && !suggestion) continue;
    out.push(suggestion ? { key, suggestion } : { key });
  }
  return out;
}

/** The known key within a small edit distance (or equal ignoring case), if exactly one is closest. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, k);
    if (d < bestDistance) {
      bestDistance = d;
      best = k;
    }
  }
  const limit = key.length <= 4 ? 1 : key.length <= 10 ? 2 : 3;
  return bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Infinity;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** Parse the trigger and build its scaler (no I/O until the first read). Throws ConfigError. */
/**
 * Types whose reads are not a function of the config alone: external scalers send the ScaledObject's own reference
 * (KEDA externalscaler.proto ScaledObjectRef), so two objects' identical metadata are still two questions.
 */
const UNSHARED_TYPES = new Set(['external', 'external-push', 'cpu', 'memory']);

/** A canonical JSON of plain data (sorted keys; URLs, RegExps, Dates, Buffers by value), or undefined when the value holds anything else (no sharing then). */
function canonical(v: unknown): string | undefined {
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'null';
  if (v instanceof URL || v instanceof RegExp) return JSON.stringify(`${v.constructor.name}:${String(v)}`);
  if (v instanceof Date) return JSON.stringify(`Date:${v.toISOString()}`);
  if (Buffer.isBuffer(v)) return JSON.stringify(`Buffer:${v.toString('base64')}`);
  if (Array.isArray(v)) {
    const parts = v.map(canonical);
    return parts.includes(undefined) ? undefined : `[${parts.join(',')}]`;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const parts: string[] = [];
    for (const k of Object.keys(v).sort()) {
      const c = canonical((v as Record<string, unknown>)[k]);
      if (c === undefined) return undefined;
      parts.push(`${JSON.stringify(k)}:${c}`);
    }
    return `{${parts.join(',')}}`;
  }
  return undefined;
}

/** The shared-read key of a trigger: a hash of what its reads depend on (secrets included, so only the hash is kept). */
function queryKey(ctx: ScalerContext, type: string, config: unknown): string | undefined {
  const c = canonical({ type, config, authParams: ctx.authParams, podIdentity: ctx.podIdentity ?? null, namespace: ctx.namespace });
  return c === undefined ? undefined : createHash('sha256').update(c).digest('hex');
}

export function buildScaler(ctx: ScalerContext): Scaler {
  const { descriptor, config, metricSpecs, activationThreshold } = describeTrigger(ctx.trigger, ctx.triggerIndex, {
    authParams: ctx.authParams,
    resolvedEnv: ctx.resolvedEnv,
    ...(ctx.podIdentity ? { podIdentity: ctx.podIdentity } : {}),
    httpTimeoutMs: ctx.httpTimeoutMs,
    namespace: ctx.namespace,
  });
  const reader = descriptor.createReader(config, {
    trigger: ctx.trigger,
    triggerIndex: ctx.triggerIndex,
    namespace: ctx.namespace,
    objectName: ctx.objectName,
    objectKind: ctx.objectKind,
    metricSpecs,
    activationThreshold,
    httpTimeoutMs: ctx.httpTimeoutMs,
    ...(ctx.awsCredentials ? { awsCredentials: ctx.awsCredentials } : {}),
    ...(ctx.otlpStore ? { otlpStore: ctx.otlpStore } : {}),
    ...(ctx.now ? { now: ctx.now } : {}),
    ...(ctx.podWatcher ? { podWatcher: ctx.podWatcher } : {}),
    // KEDA BuildScalerRequestCtx (pkg/metricscollector/http_roundtripper.go): trigger type, trigger name, the metric
    // being read, and the owning object; every reader here reports one metric per read, its first spec's.
    ...(ctx.telemetry && metricSpecs.length > 0
      ? {
          telemetry: bindTelemetry(ctx.telemetry, {
            namespace: ctx.namespace,
            scaledResource: ctx.objectName,
            resourceType: ctx.objectKind,
            scaler: ctx.trigger.type,
            triggerName: ctx.trigger.name ?? '',
            metricName: metricSpecs[0].metricName,
          }),
        }
      : {}),
  });
  const complete = (r: RawReading): Reading => ({ metrics: r.metrics, active: r.active ?? activeByThreshold(r.metrics, activationThreshold) });
  const shareKey = reader.subscribe || reader.metricSpecs || UNSHARED_TYPES.has(descriptor.type) ? undefined : queryKey(ctx, descriptor.type, config);
  const scaler: Scaler = {
    type: descriptor.type,
    metricSpecs,
    activationThreshold,
    ...(shareKey ? { shareKey } : {}),
    read: async (signal) => complete(await reader.read(signal)),
    close: () => reader.close(),
    ...(reader.metricSpecs ? { resolveMetricSpecs: (signal: AbortSignal) => reader.metricSpecs!(signal) } : {}),
  };
  if (reader.subscribe) {
    const subscribe = reader.subscribe.bind(reader);
    return { ...scaler, subscribe: (onReading) => subscribe((r) => onReading(complete(r))) };
  }
  return scaler;
}
