// The scaler contract: what every trigger type provides to the runtime, the operator and `probe`.
// A scaler parses its trigger once (at build), then reads its source when asked. It never decides replicas:
// that is the engine's job (CONVENTIONS.md).
import type { MetricTargetType, Trigger, TriggerAuthenticationSpec } from '../api/types.ts';
import type { AwsCredentialCache } from '../auth/aws-credentials.ts';

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

/** One HPA metric a trigger produces (keda-spec §2.6). */
export interface MetricSpec {
  /** External: `s<triggerIndex>-<normalized scaler part>`; Resource: `cpu` / `memory`. */
  metricName: string;
  kind: 'External' | 'Resource' | 'ContainerResource';
  targetType: MetricTargetType;
  /** Target value (AverageValue/Value) or utilization percent. For Resource AverageValue, in base units. */
  target: number;
  resourceName?: 'cpu' | 'memory';
  containerName?: string;
}

/** The result of one read of a trigger's source. */
export interface Reading {
  /** One value per metric name the trigger produces (usually exactly one). Raw values (may be negative/NaN). */
  metrics: Array<{ name: string; value: number }>;
  /** Computed by the scaler itself: KEDA's `value > activationX` (strict). */
  active: boolean;
}

/** Everything a scaler may need to build itself, resolved beforehand by auth/ (keda-spec §4.2–4.3). */
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
}

export interface Scaler {
  readonly type: string;
  /** The HPA metrics this trigger contributes, computed at build. */
  readonly metricSpecs: MetricSpec[];
  /** Read the source once. Honour `signal` (per-read timeout / shutdown). Throws ReadError on failure. */
  read(signal: AbortSignal): Promise<Reading>;
  /** Push triggers: deliver readings as they arrive; returns an unsubscribe function. */
  subscribe?(onReading: (reading: Reading) => void): () => void;
  /** Release clients, sockets, subscriptions. */
  close(): Promise<void>;
}

export interface ScalerFactory {
  readonly type: string;
  /** Parse metadata + auth into a ready scaler. Throws ConfigError on bad configuration; does no I/O. */
  build(ctx: ScalerContext): Scaler;
}
