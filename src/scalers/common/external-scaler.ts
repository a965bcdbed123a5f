// KEDA's external scaler protocol (pkg/scalers/external_scaler.go, pkg/scalers/externalscaler/externalscaler.proto):
// the parameters, the gRPC client shared by every trigger on one scaler address, the pure conversions of its
// answers, and the reader both `external` (polled) and `external-push` (StreamIsActive) use.
//
// Metric specs: KEDA asks the server's GetMetricSpec when it builds the HPA; the names are `s<index>-<metricName>`
// and the target is targetSizeFloat, or the deprecated int64 targetSize when the float is not > 0. Updraft's
// descriptors are pure, so offline (validate, simulate, explain, the webhook) a trigger shows a placeholder
// (`s<index>-<type>`, target 1), and the reader's `metricSpecs` asks the server: the runtime's build
// (src/runtime/build-scalers.ts) uses what the server said, and fails the build — retried with backoff, as KEDA's
// "no metric specs returned from scalers ... will retry" — when it cannot ask.
import dns from 'node:dns';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import { lazyClient, type LazyClient } from './lazy-client.ts';
import type { MetricTargetType } from '../../api/types.ts';
import { metricNameWithIndex } from '../../api/metric-name.ts';
import { refusedHost, scalerAddressPolicy, shownValue } from './address-policy.ts';
import { ClientPool, poolKey, type Lease } from './client-pool.ts';
import { externalTargetType } from './metric-target.ts';
import { bool, resolveConfig, str } from './typed-config.ts';
import { ConfigError, ReadError, type MetricSpec, type ParseInput, type RawReading, type ReaderContext, type TriggerReader } from '../scaler.ts';

// ---- 1. the parameters (KEDA externalScalerMetadata) ----

export const externalFields = {
  /** `host:port` of the gRPC server (also `dns:///host:port`). */
  scalerAddress: str(),
  /** Use TLS even without a caCert or client certificate (system roots). */
  enableTLS: bool({ default: false }),
  /** Skip verification of the server's certificate. */
  unsafeSsl: bool({ default: false }),
  caCert: str({ order: ['authParams'], optional: true }),
  tlsClientCert: str({ order: ['authParams'], optional: true }),
  tlsClientKey: str({ order: ['authParams'], optional: true }),
};

export interface ExternalConfig {
  /** The gRPC target as given. */
  address: string;
  host: string;
  enableTLS: boolean;
  unsafeSsl: boolean;
  /** PEM. Secrets (the key): never in a message; enter the pool key only hashed. */
  caCert?: string;
  tlsClientCert?: string;
  tlsClientKey?: string;
  /** KEDA's rule: TLS when enableTLS, a client key pair, or a caCert is given. */
  useTls: boolean;
  /** Every metadata key, `xxxFromEnv` values resolved (KEDA sends them under the `xxxFromEnv` key): ScaledObjectRef.scalerMetadata. */
  scalerMetadata: Record<string, string>;
}

// host[:port] (gRPC's default port is 443, as in KEDA's grpc.NewClient), [v6]:port, dns:///host:port.
const TARGET = /^(?:dns:(?:\/\/[^/]*\/)?)?(\[[0-9a-fA-F:.]+\]|[^\s/:[\]@]+)(?::(\d{1,5}))?$/;

/** KEDA parseExternalScalerMetadata, plus the address checks every Updraft scaler makes. Pure. */
export function parseExternal(type: string, input: ParseInput): ExternalConfig {
  const c = resolveConfig(type, externalFields, input);
  const m = TARGET.exec(c.scalerAddress);
  const port = m?.[2] === undefined ? 443 : Number(m[2]);
  if (!m || port < 1 || port > 65535 || (m[1].startsWith('[') && m[2] === undefined)) {
    throw new ConfigError(
      type,
      'scalerAddress',
      `scalerAddress must be host:port of the external scaler's gRPC service, such as my-scaler.my-namespace:6000, got '${shownValue(c.scalerAddress)}'`,
    );
  }
  const host = m[1].replace(/^\[|\]$/g, '');
  const refused = refusedHost(type, 'scalerAddress', c.scalerAddress, host);
  if (refused) throw refused;
  // KEDA uses a client certificate only as a pair (util.NewTLSConfig): one without the other is ignored, as there.
  const pair = Boolean(c.tlsClientCert && c.tlsClientKey);
  const scalerMetadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.metadata)) {
    if (typeof v !== 'string') continue;
    if (k.endsWith('FromEnv')) {
      const resolved = Object.hasOwn(input.resolvedEnv, v) ? input.resolvedEnv[v] : undefined;
      if (resolved) scalerMetadata[k] = resolved;
    } else {
      scalerMetadata[k] = v;
    }
  }
  if (input.offline) {
    input.offline.notes.push(
      `the metric names and targets of ${type} triggers come from the external scaler's GetMetricSpec at run time; offline Updraft shows a placeholder metric (target 1)`,
    );
  }
  return {
    address: c.scalerAddress,
    host,
    enableTLS: c.enableTLS,
    unsafeSsl: c.unsafeSsl,
    ...(c.caCert ? { caCert: c.caCert } : {}),
    ...(pair ? { tlsClientCert: c.tlsClientCert, tlsClientKey: c.tlsClientKey } : {}),
    useTls: c.enableTLS || pair || Boolean(c.caCert),
    scalerMetadata,
  };
}

/** The offline placeholder spec (see the header): `s<index>-<type>`, target 1. */
export function placeholderSpecs(type: string, triggerIndex: number, metricType: MetricTargetType | undefined): MetricSpec[] {
  return [{ metricName: metricNameWithIndex(triggerIndex, type), kind: 'External', targetType: externalTargetType(type, metricType), target: 1 }];
}

/**
 * One channel per (address, TLS settings): KEDA's connection pool key (getConnectionPoolKey) holds the same
 * fields. The certificates and key enter only hashed.
 */
export function externalPoolKey(cfg: Pick<ExternalConfig, 'address' | 'enableTLS' | 'unsafeSsl' | 'caCert' | 'tlsClientCert' | 'tlsClientKey'>): string {
  return poolKey(
    cfg.address,
    { caCert: cfg.caCert, tlsClientCert: cfg.tlsClientCert, tlsClientKey: cfg.tlsClientKey },
    { enableTLS: cfg.enableTLS, unsafeSsl: cfg.unsafeSsl },
  );
}

// ---- 2. the answers, converted (pure) ----

export interface ProtoMetricSpec {
  metricName?: string;
  targetSize?: number | string;
  targetSizeFloat?: number;
}
export interface ProtoMetricValue {
  metricName?: string;
  metricValue?: number | string;
  metricValueFloat?: number;
}

/** A metric of the trigger: the name the server knows it by, and the HPA spec. */
export interface ResolvedMetric {
  serverName: string;
  spec: MetricSpec;
}

/**
 * KEDA buildMetricSpecs: `s<index>-<metricName>` (normalized as every Updraft metric name), target targetSizeFloat
 * when > 0, else targetSize. Updraft refuses what would make a broken HPA: no specs, an empty name, a target that
 * is not > 0, or a name twice (KEDA: "metricName ... defined multiple times").
 */
export function metricsFromSpecResponse(
  type: string,
  address: string,
  specs: readonly ProtoMetricSpec[] | undefined,
  triggerIndex: number,
  metricType: MetricTargetType | undefined,
): ResolvedMetric[] {
  const where = `the external scaler at ${shownValue(address)}`;
  if (!specs || specs.length === 0) throw new ReadError('bad-query', `${type}: ${where} returned no metric specs from GetMetricSpec`);
  const out: ResolvedMetric[] = [];
  for (const s of specs) {
    const serverName = s.metricName ?? '';
    if (serverName === '') throw new ReadError('bad-query', `${type}: ${where} returned a metric spec without a metricName`);
    const float = Number(s.targetSizeFloat ?? 0);
    const target = float > 0 ? float : Number(s.targetSize ?? 0);
    if (!(Number.isFinite(target) && target > 0)) {
      throw new ReadError('bad-query', `${type}: ${where} returned target ${target} for metric ${serverName}; targetSizeFloat (or targetSize) must be > 0`);
    }
    const spec: MetricSpec = {
      metricName: metricNameWithIndex(triggerIndex, serverName),
      kind: 'External',
      targetType: externalTargetType(type, metricType),
      target,
    };
    if (out.some((o) => o.spec.metricName === spec.metricName)) {
      throw new ReadError('bad-query', `${type}: ${where} returned metric ${serverName} more than once`);
    }
    out.push({ serverName, spec });
  }
  return out;
}

/**
 * The value of one GetMetrics answer: metricValueFloat when > 0, else the int64 metricValue (KEDA); several values
 * are summed, as the HPA sums the items of an external metric. No value at all is an error.
 */
export function valueFromMetricsResponse(type: string, address: string, metricName: string, values: readonly ProtoMetricValue[] | undefined): number {
  if (!values || values.length === 0) {
    throw new ReadError('empty', `${type}: the external scaler at ${shownValue(address)} returned no value for metric ${metricName}`);
  }
  let total = 0;
  for (const v of values) {
    const float = Number(v.metricValueFloat ?? 0);
    total += float > 0 ? float : Number(v.metricValue ?? 0);
  }
  return total;
}

/** gRPC and its proto loader, loaded by the first reader (lazy-client.ts). */
const grpcLib = lazyClient('@grpc/grpc-js', () => import('@grpc/grpc-js'));
const protoLoaderLib = lazyClient('@grpc/proto-loader', () => import('@grpc/proto-loader'));
/** What `createExternalReader` needs loaded (external.ts and external-push.ts build it through lazyReader). */
export const externalClients: ReadonlyArray<LazyClient<unknown>> = [grpcLib, protoLoaderLib];

/**
 * The gRPC status codes (grpc/doc/statuscodes.md, a wire-protocol constant), so classifying an error needs no
 * grpc-js; the key type makes tsc fail if grpc-js' `status` enum names a code this table lacks.
 */
const STATUS: Record<keyof typeof grpc.status, number> = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};

const CODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(STATUS).map(([k, v]) => [v, k]));

/** A gRPC failure as a ReadError whose kind says what to fix (codes: grpc/doc/statuscodes.md). */
export function readErrorFromGrpc(
  type: string,
  address: string,
  method: string,
  err: { code?: number; details?: string; message?: string },
  aborted = false,
): ReadError {
  const code = err.code ?? STATUS.UNKNOWN;
  const details = (err.details || err.message || '').replace(/\s+/g, ' ').slice(0, 300);
  const head = `${type}: ${method} on the external scaler at ${shownValue(address)} failed: ${CODE_NAMES[code] ?? code}${details ? `: ${details}` : ''}`;
  switch (code) {
    case STATUS.UNAVAILABLE:
      if (/certificate|handshake|ssl|tls|alert|wrong version number/i.test(details)) {
        return new ReadError('auth', `${head} (the TLS handshake failed: check enableTLS, caCert, tlsClientCert and tlsClientKey)`, { cause: err });
      }
      return new ReadError('unreachable', `${head} (is the scaler running and scalerAddress right?)`, { cause: err });
    case STATUS.DEADLINE_EXCEEDED:
      return new ReadError('timeout', head, { cause: err });
    case STATUS.CANCELLED:
      return new ReadError(aborted ? 'timeout' : 'other', head, { cause: err });
    case STATUS.UNAUTHENTICATED:
    case STATUS.PERMISSION_DENIED:
      return new ReadError('auth', head, { cause: err });
    case STATUS.INVALID_ARGUMENT:
    case STATUS.NOT_FOUND:
    case STATUS.FAILED_PRECONDITION:
    case STATUS.OUT_OF_RANGE:
      return new ReadError('bad-query', `${head} (check the trigger's metadata: the scaler receives all of it)`, { cause: err });
    case STATUS.UNIMPLEMENTED:
      return new ReadError('bad-query', `${head} (the server does not implement ${method}${method === 'StreamIsActive' ? '; use type external' : ''})`, {
        cause: err,
      });
    case STATUS.RESOURCE_EXHAUSTED:
      return new ReadError('throttled', head, { cause: err });
    default:
      return new ReadError('other', head, { cause: err });
  }
}

// ---- 3. the gRPC client, one per pool key ----

/** Reconnect timing of the shared channels (grpc-js backoff between connection attempts). */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 500,
  'grpc.max_reconnect_backoff_ms': 10_000,
  // As KEDA (grpcConfig): spread calls over every address the name resolves to.
  'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
};

/** Backoff of a StreamIsActive that ended (KEDA runStreamIsActive: 2 s, doubling, at most 1 min). Tests shorten it. */
export const STREAM_RETRY = { initialMs: 2000, maxMs: 60_000 };

type Callback<T> = (err: grpc.ServiceError | null, res?: T) => void;
interface ScalerStub extends grpc.Client {
  IsActive(req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: Callback<{ result?: boolean }>): grpc.ClientUnaryCall;
  GetMetricSpec(req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: Callback<{ metricSpecs?: ProtoMetricSpec[] }>): grpc.ClientUnaryCall;
  GetMetrics(req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: Callback<{ metricValues?: ProtoMetricValue[] }>): grpc.ClientUnaryCall;
  StreamIsActive(req: unknown, md?: grpc.Metadata, opts?: grpc.CallOptions): grpc.ClientReadableStream<{ result?: boolean }>;
}

let serviceCtor: grpc.ServiceClientConstructor | undefined;
function service(): grpc.ServiceClientConstructor {
  if (!serviceCtor) {
    const def = protoLoaderLib
      .get()
      .loadSync(fileURLToPath(new URL('./externalscaler.proto', import.meta.url)), { keepCase: true, longs: Number, defaults: true });
    const pkg = grpcLib.get().loadPackageDefinition(def) as unknown as { externalscaler: { ExternalScaler: grpc.ServiceClientConstructor } };
    serviceCtor = pkg.externalscaler.ExternalScaler;
  }
  return serviceCtor;
}

function credentials(cfg: ExternalConfig): grpc.ChannelCredentials {
  if (!cfg.useTls) return grpcLib.get().credentials.createInsecure();
  // KEDA appends caCert to the system roots.
  const roots = cfg.caCert ? Buffer.from(`${rootCertificates.join('\n')}\n${cfg.caCert}\n`) : null;
  const key = cfg.tlsClientKey ? Buffer.from(cfg.tlsClientKey) : null;
  const chain = cfg.tlsClientCert ? Buffer.from(cfg.tlsClientCert) : null;
  return grpcLib.get().credentials.createSsl(roots, key, chain, cfg.unsafeSsl ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {});
}

const pool = new ClientPool<ScalerStub>((c) => c.close());

/** Channels held now (benchmarks, the integration test, docs). */
export function externalChannelCount(): number {
  return pool.size;
}

function target(address: string): string {
  return address.startsWith('dns:') ? address : `dns:${address}`;
}

// ---- 4. the reader ----

export interface ExternalReaderOptions {
  type: string;
  /** external-push: StreamIsActive wakes the object at once. */
  push: boolean;
}

/** The ScaledObjectRef every call carries. */
export function scaledObjectRef(
  cfg: ExternalConfig,
  ctx: Pick<ReaderContext, 'namespace' | 'objectName'>,
): { name: string; namespace: string; scalerMetadata: Record<string, string> } {
  return { name: ctx.objectName, namespace: ctx.namespace, scalerMetadata: cfg.scalerMetadata };
}

export function createExternalReader(cfg: ExternalConfig, ctx: ReaderContext, o: ExternalReaderOptions): TriggerReader {
  let lease: Lease<ScalerStub> | undefined;
  const stub = (): ScalerStub => {
    lease ??= pool.acquire(externalPoolKey(cfg), () => new (service())(target(cfg.address), credentials(cfg), CHANNEL_OPTIONS) as unknown as ScalerStub);
    return lease.client;
  };
  const ref = scaledObjectRef(cfg, ctx);
  const metricType = ctx.trigger.metricType;
  let resolved: ResolvedMetric[] | undefined;
  const streams = new Set<() => void>();
  let closed = false;

  // A host name is checked against the address policy whenever the channel is not connected (it is about to
  // resolve the name again); literal addresses were checked at parse.
  const guard = async (): Promise<void> => {
    const s = stub();
    if (s.getChannel().getConnectivityState(false) === grpcLib.get().connectivityState.READY) return;
    if (isIP(cfg.host)) return; // a literal address was checked at parse
    const policy = scalerAddressPolicy();
    if (policy.allowsHost(cfg.host)) return;
    let addresses: dns.LookupAddress[];
    try {
      addresses = await dns.promises.lookup(cfg.host, { all: true });
    } catch {
      return; // let the channel report the resolution failure (UNAVAILABLE)
    }
    for (const a of addresses) {
      const why = policy.refusal(a.address);
      if (why)
        throw new ReadError(
          'other',
          `${o.type}: refused to connect to ${cfg.host} (resolves to ${a.address}): ${a.address} is ${why}; scalers may not connect to cloud metadata or link-local addresses`,
        );
    }
  };

  const unary = <T>(method: 'IsActive' | 'GetMetricSpec' | 'GetMetrics', req: unknown, signal: AbortSignal): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (signal.aborted) return reject(readErrorFromGrpc(o.type, cfg.address, method, { code: STATUS.CANCELLED, details: 'aborted before the call' }, true));
      const onAbort = () => call.cancel();
      const call = (stub()[method] as (r: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: Callback<T>) => grpc.ClientUnaryCall)(
        req,
        new (grpcLib.get().Metadata)(),
        {},
        (err, res) => {
          signal.removeEventListener('abort', onAbort);
          if (err) reject(readErrorFromGrpc(o.type, cfg.address, method, err, signal.aborted));
          else resolve(res as T);
        },
      );
      signal.addEventListener('abort', onAbort, { once: true });
    });

  const metricSpecs = async (signal: AbortSignal): Promise<MetricSpec[]> => {
    await guard();
    const res = await unary<{ metricSpecs?: ProtoMetricSpec[] }>('GetMetricSpec', ref, signal);
    resolved = metricsFromSpecResponse(o.type, cfg.address, res.metricSpecs, ctx.triggerIndex, metricType);
    return resolved.map((r) => r.spec);
  };

  const values = async (signal: AbortSignal): Promise<RawReading['metrics']> => {
    if (!resolved) await metricSpecs(signal);
    return Promise.all(
      resolved!.map(async (r) => {
        const res = await unary<{ metricValues?: ProtoMetricValue[] }>('GetMetrics', { scaledObjectRef: ref, metricName: r.serverName }, signal);
        return { name: r.spec.metricName, value: valueFromMetricsResponse(o.type, cfg.address, r.serverName, res.metricValues) };
      }),
    );
  };

  const reader: TriggerReader = {
    metricSpecs,
    async read(signal) {
      await guard();
      // KEDA GetMetricsAndActivity: the values (GetMetrics) and the activity (IsActive, not a threshold).
      const [metrics, active] = await Promise.all([values(signal), unary<{ result?: boolean }>('IsActive', ref, signal).then((r) => r.result === true)]);
      return { metrics, active };
    },
    async close() {
      closed = true;
      for (const stop of [...streams]) stop();
      await lease?.release();
    },
  };
  if (!o.push) return reader;

  reader.subscribe = (onReading) => {
    let stopped = false;
    let call: grpc.ClientReadableStream<{ result?: boolean }> | undefined;
    let timer: NodeJS.Timeout | undefined;
    let backoff = STREAM_RETRY.initialMs;
    let fetching: Promise<void> | undefined;
    let again = false;
    // KEDA: an active event asks for a scale at once; inactive events are ignored (the poll scales in). The
    // reading carries fresh values so direct mode can size the target from them.
    const onActive = () => {
      if (fetching) {
        again = true;
        return;
      }
      fetching = (async () => {
        do {
          again = false;
          try {
            const metrics = await values(AbortSignal.timeout(ctx.httpTimeoutMs));
            if (!stopped) onReading({ metrics, active: true });
          } catch {
            // the next poll reports the failure
          }
        } while (again && !stopped);
      })().finally(() => {
        fetching = undefined;
      });
    };
    const open = () => {
      if (stopped || closed) return;
      let received = false;
      const c = stub().StreamIsActive(ref);
      call = c;
      c.on('data', (m: { result?: boolean }) => {
        received = true;
        if (m.result === true) onActive();
      });
      c.on('error', () => undefined); // the status below says it ended
      c.on('status', () => {
        if (stopped || call !== c) return;
        // A stream that delivered something starts the backoff over (KEDA's StreamMetricSpec rule).
        if (received) backoff = STREAM_RETRY.initialMs;
        const delay = backoff;
        backoff = Math.min(backoff * 2, STREAM_RETRY.maxMs);
        timer = setTimeout(open, delay);
        timer.unref?.();
      });
    };
    open();
    const stop = () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      call?.cancel();
      streams.delete(stop);
    };
    streams.add(stop);
    return stop;
  };
  return reader;
}
