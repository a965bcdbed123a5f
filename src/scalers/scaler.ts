// The scaler contract: what every trigger type provides to the runtime, the operator and `probe`.
// A scaler parses its trigger once (at build), then reads its source when asked. It never decides replicas:
// that is the engine's job (CONVENTIONS.md).
import type { MetricTargetType, Trigger, TriggerAuthenticationSpec } from '../api/types.ts';
import type { AwsCredentialCache } from '../auth/aws-credentials.ts';
import type { OtlpMetricStore } from './common/otlp-metric-store.ts';
import type { ScalerTelemetrySink, TriggerTelemetry } from './common/scaler-telemetry.ts';
import type { ConfigInput, Fields } from './common/typed-config.ts';

/** A trigger's metadata (or resolved auth) is wrong. Message reads "<type>: <field> <what is wrong>, got <x>". */
export class ConfigError extends Error {
  constructor(
    readonly triggerType: string,
    readonly field: string,
    message: string,
  ) {
    super(`${triggerType}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** A read failed. `kind` lets callers (probe, status, Events) say something specific. Never holds secrets. */
export class ReadError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'auth' | 'bad-query' | 'empty' | 'throttled' | 'timeout' | 'other',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ReadError';
  }
}

/** One HPA metric a trigger produces (KEDA `pkg/scalers/scaler.go`, `controllers/keda/hpa.go`). */
export interface MetricSpec {
  /** External: `s<triggerIndex>-<normalized scaler part>`; Resource: `cpu` / `memory`. */
  metricName: string;
  kind: 'External' | 'Resource' | 'ContainerResource';
  targetType: MetricTargetType;
  /** Target value (AverageValue/Value) or utilization percent. For Resource AverageValue, in base units. */
  target: number;
  resourceName?: 'cpu' | 'memory';
  containerName?: string;
  /** Resource AverageValue: the target quantity as KEDA writes it into the HPA (`resource.MustParse(v).String()`, e.g. "256Mi"). */
  targetQuantity?: string;
}

/** The result of one read of a trigger's source. */
export interface Reading {
  /** One value per metric name the trigger produces (usually exactly one). Raw values (may be negative/NaN). */
  metrics: Array<{ name: string; value: number }>;
  /** Computed by the scaler itself: KEDA's `value > activationX` (strict). */
  active: boolean;
}

/** One pod as a kubernetes-workload reader counts it (KEDA pkg/scalers/kubernetes_workload_scaler.go). */
export interface WatchedPod {
  /** status.phase (Pending, Running, Succeeded, Failed, Unknown); unset before the kubelet reports one. */
  phase?: string;
  /** spec.nodeName, once scheduled. */
  nodeName?: string;
}

/** A live view of the pods of one namespace matching one label selector, kept current by a watch. */
export interface PodWatch {
  /** The matching pods now; waits for the first list (honouring `signal`); rejects with ReadError when it cannot. */
  pods(signal: AbortSignal): Promise<readonly WatchedPod[]>;
  /** Give the watch back; the last holder's close stops it. Idempotent. */
  close(): void;
}

/**
 * Opens, or shares, the watch of pods in `namespace` matching `labelSelector` (Kubernetes selector syntax, already
 * checked by the scaler). Supplied by the composition root that has a cluster (the operator); absent elsewhere.
 */
export type PodWatcher = (namespace: string, labelSelector: string) => PodWatch;

/** Everything a scaler may need to build itself, resolved beforehand by auth/ (KEDA `pkg/scaling/resolver/scale_resolvers.go`). */
export interface ScalerContext {
  trigger: Trigger;
  triggerIndex: number;
  /** Namespace and name of the owning ScaledObject/ScaledJob (for error messages and metric selectors). */
  namespace: string;
  objectName: string;
  objectKind: 'ScaledObject' | 'ScaledJob';
  /** Merged TriggerAuthentication parameters (empty when none). */
  authParams: Record<string, string>;
  /** Environment of the scale target's container, for `xxxFromEnv` parameters. */
  resolvedEnv: Record<string, string>;
  /** podIdentity of the referenced TriggerAuthentication, if any. */
  podIdentity?: TriggerAuthenticationSpec['podIdentity'];
  /** KEDA_HTTP_DEFAULT_TIMEOUT, default 3000 ms. */
  httpTimeoutMs: number;
  /** Shared AWS credential providers/clients (one per identity and region); default the process-wide cache. */
  awsCredentials?: AwsCredentialCache;
  /** The store pushed OTLP metrics land in (opentelemetry triggers); default the process-wide store. */
  otlpStore?: OtlpMetricStore;
  /** Clock of push readers (tests); default Date.now. */
  now?: () => number;
  /** Pod watches (kubernetes-workload triggers); only the operator has a cluster to watch. */
  podWatcher?: PodWatcher;
  /** The operator's per-request HTTP and empty-answer metrics (common/scaler-telemetry.ts); absent: not recorded. */
  telemetry?: ScalerTelemetrySink;
}

export interface Scaler {
  readonly type: string;
  /** The HPA metrics this trigger contributes, computed at build. */
  readonly metricSpecs: MetricSpec[];
  /** The descriptor's activation threshold (active when the value is strictly greater). */
  readonly activationThreshold?: number;
  /** Read the source once. Honour `signal` (per-read timeout / shutdown). Throws ReadError on failure. */
  read(signal: AbortSignal): Promise<Reading>;
  /**
   * Equal for two scalers that read the identical query (type, resolved config and credentials, namespace): a
   * hash, never the config itself. The runtime then reads once for both (runtime/shared-reads.ts). Unset: never shared.
   */
  readonly shareKey?: string;
  /** Metric specs only the source knows (KEDA external scalers: GetMetricSpec); the runtime's build uses them instead of `metricSpecs`. */
  resolveMetricSpecs?(signal: AbortSignal): Promise<MetricSpec[]>;
  /** Push triggers: deliver readings as they arrive; returns an unsubscribe function. */
  subscribe?(onReading: (reading: Reading) => void): () => void;
  /** Release clients, sockets, subscriptions. */
  close(): Promise<void>;
}

/**
 * What the parse of a trigger gets: its metadata, the merged TriggerAuthentication parameters, the target's
 * container env (for `xxxFromEnv`), the pod identity, and the trigger's `metricType`. Strings as in KEDA.
 */
export interface ParseInput extends ConfigInput {
  podIdentity?: TriggerAuthenticationSpec['podIdentity'];
  /** The trigger's `metricType` (unset: AverageValue). */
  metricType?: MetricTargetType;
  /** KEDA_HTTP_DEFAULT_TIMEOUT in ms, for HTTP scalers' default timeouts (default 3000). */
  httpTimeoutMs?: number;
  /** Namespace of the owning ScaledObject/ScaledJob (KEDA ScalableObjectNamespace), when known; kubernetes-workload names its metric after it. */
  namespace?: string;
}

/** What a reader is built from besides its config: the metric names it reports, clients, timeouts. */
export interface ReaderContext {
  trigger: Trigger;
  triggerIndex: number;
  namespace: string;
  objectName: string;
  objectKind: 'ScaledObject' | 'ScaledJob';
  /** The descriptor's metric specs for this config (the reading reports one value per spec, by name). */
  metricSpecs: MetricSpec[];
  activationThreshold: number;
  httpTimeoutMs: number;
  awsCredentials?: AwsCredentialCache;
  otlpStore?: OtlpMetricStore;
  now?: () => number;
  podWatcher?: PodWatcher;
  /** Bound to this trigger and its metric: readers pass it to HttpGetter.get and report empty answers to it. */
  telemetry?: TriggerTelemetry;
}

/**
 * What a reader returns: the value of each metric. `active` is left out by scalers that follow KEDA's rule (active
 * when a value is strictly greater than the activation threshold), which `buildScaler` then applies in one place;
 * a scaler whose activity is not a threshold (a time window, say) sets it.
 */
export interface RawReading {
  metrics: Array<{ name: string; value: number }>;
  active?: boolean;
}

/** The I/O half of a scaler: reads (and optionally streams) its source. */
export interface TriggerReader {
  /** Read the source once. Honour `signal`. Throws ReadError on failure. */
  read(signal: AbortSignal): Promise<RawReading>;
  subscribe?(onReading: (reading: RawReading) => void): () => void;
  /** The metric specs the source gives (KEDA external scalers' GetMetricSpec), asked by the runtime's build. */
  metricSpecs?(signal: AbortSignal): Promise<MetricSpec[]>;
  close(): Promise<void>;
}

/** KEDA's activation rule: active when any metric value is strictly greater than the threshold (NaN never is). */
export function activeByThreshold(metrics: RawReading['metrics'], activationThreshold: number): boolean {
  return metrics.some((m) => m.value > activationThreshold);
}

/**
 * One trigger type, described once (docs/adding-a-scaler.md). Everything but `createReader` is pure: no clients,
 * no clocks, no I/O, so `validate`, `simulate`, `explain`, the webhook, `probe` and the runtime all get the same
 * verdict, metric names and targets from the same code.
 */
export interface ScalerDescriptor<C = unknown> {
  readonly type: string;
  /** Every parameter with its default and where it may come from (KEDA names), written once. */
  readonly fields: Fields;
  /**
   * Metadata keys the scaler reads besides `fields` (and their `xxxFromEnv` forms), e.g. the AWS identity keys.
   * With `fields` they are the keys `validate` knows; any other key is reported (KEDA ignores it silently).
   */
  readonly otherKeys?: readonly string[];
  /** Every metadata key is passed on to the source (KEDA external scalers): validate reports only near-misses of known keys. */
  readonly passThroughMetadata?: boolean;
  /** A minimal valid trigger, for `--help`-style docs and the contract test. */
  readonly example: { metadata: Record<string, string>; authParams?: Record<string, string>; metricType?: MetricTargetType };
  /** Metadata + auth + env → config, or a ConfigError naming the type, the field and what is valid. */
  parse(input: ParseInput): C;
  /** The HPA metrics this trigger contributes (names `s<triggerIndex>-<part>`), from the config alone. */
  metricSpecs(config: C, triggerIndex: number, metricType?: MetricTargetType): MetricSpec[];
  /** KEDA's activation threshold: the trigger is active when its value is strictly greater. */
  activationThreshold(config: C): number;
  /** The reader for a parsed config (clients are created here, not in parse). */
  createReader(config: C, ctx: ReaderContext): TriggerReader;
  /**
   * Triggers whose reading is a function of the wall clock alone (cron): the reading at `nowMs` (epoch ms). Pure.
   * `simulate` evaluates it on its virtual clock, so such a trigger needs no series column.
   */
  clockReading?(config: C, nowMs: number, metricSpecs: readonly MetricSpec[]): RawReading;
}

/** Declare a descriptor with its config type checked across its functions. */
export function defineScaler<C>(d: ScalerDescriptor<C>): ScalerDescriptor<C> {
  return d;
}
