// KEDA's command-line flags on `updraft operator`, so a KEDA Deployment's args (or a KEDA values file's
// extraArgs) never crash-loop the pod on "unknown option". Read from KEDA's cmd/operator/main.go,
// cmd/adapter/main.go and cmd/webhooks/main.go (pflag), controller-runtime's zap flags (pkg/log/zap BindFlags),
// klog's flags (registered on flag.CommandLine by all three) and the custom-metrics-apiserver flags the KEDA chart
// passes the metrics server (keda/templates/metrics-server/deployment.yaml in kedacore/charts).
// A flag is either mapped to Updraft's own flag (`mapsTo`) or accepted and reported in ONE warning line.
import { Option, type Command } from 'commander';

export interface KedaFlag {
  /** Without the leading "--". */
  name: string;
  /** Go bool flags take `--f`, `--f=true`, `--f=false`; the others need a value. */
  bool?: boolean;
  /** Repeatable (StringArray) flags. */
  repeatable?: boolean;
  /** Which KEDA binary has it. */
  from: Array<'operator' | 'adapter' | 'webhooks'>;
  /** The Updraft flag it sets, when there is one (applied by applyKedaFlags). */
  mapsTo?: string;
}

const O = 'operator',
  A = 'adapter',
  W = 'webhooks';
/** Flags Updraft's operator already has under KEDA's name (same meaning): listed for the docs and the tests. */
export const SHARED_FLAGS = [
  'metrics-bind-address',
  'health-probe-bind-address',
  'leader-elect',
  'leader-election-id',
  'cert-dir',
  'kubeconfig',
  'filepath-auth-root-path',
  'enable-opentelemetry-metrics',
  'enable-high-cardinality-metrics-labels',
  'tls-cert-file',
  // The client-side API budget (src/kube/api-budget.ts): a token bucket like client-go's, served by priority.
  'kube-api-qps',
  'kube-api-burst',
  // The certificate rotation (src/operator/cert-rotation.ts); the names default to the chart's, not KEDA's.
  'enable-cert-rotation',
  'cert-secret-name',
  'operator-service-name',
  'metrics-server-service-name',
  'webhooks-service-name',
  'k8s-cluster-domain',
  'validating-webhook-name',
  'enable-webhook-patching',
  'enable-apiservice-patching',
] as const;

export const KEDA_FLAGS: readonly KedaFlag[] = [
  // controller-runtime zap (all three binaries): the log settings.
  { name: 'zap-log-level', from: [O, A, W], mapsTo: '--log-level' },
  { name: 'zap-encoder', from: [O, A, W], mapsTo: '--log-format' },
  { name: 'zap-time-encoding', from: [O, A, W], mapsTo: '--log-time-encoding' },
  { name: 'zap-devel', bool: true, from: [O, A, W] },
  { name: 'zap-stacktrace-level', from: [O, A, W] },
  // cmd/operator/main.go
  { name: 'enable-prometheus-metrics', bool: true, from: [O], mapsTo: '--metrics-bind-address=0 (when false)' },
  { name: 'metrics-service-bind-address', from: [O] },
  { name: 'profiling-bind-address', from: [O, A, W] },
  { name: 'disable-compression', bool: true, from: [O, A] },
  { name: 'k8s-cluster-name', from: [O] },
  { name: 'ca-dir', repeatable: true, from: [O] },
  { name: 'http-max-idle-conns', from: [O] },
  { name: 'http-max-idle-conns-per-host', from: [O] },
  { name: 'http-idle-conn-timeout', from: [O] },
  // cmd/adapter/main.go and the custom-metrics-apiserver flags the chart passes it.
  { name: 'secure-port', from: [A], mapsTo: '--metrics-api-bind-address' },
  { name: 'tls-private-key-file', from: [A], mapsTo: '--tls-key-file' },
  { name: 'tls-min-version', from: [A], mapsTo: '--metrics-api-min-tls-version' },
  { name: 'port', from: [A, W] },
  { name: 'msg', from: [A] },
  { name: 'metrics-service-address', from: [A] },
  { name: 'metrics-service-grpc-authority', from: [A] },
  { name: 'client-ca-file', from: [A] },
  { name: 'tls-cipher-suites', from: [A] },
  { name: 'lister-kubeconfig', from: [A] },
  { name: 'authentication-kubeconfig', from: [A] },
  { name: 'authorization-kubeconfig', from: [A] },
  // klog (flag.CommandLine in all three; the adapter's --v/--logtostderr/--stderrthreshold are DEPRECATED there).
  { name: 'v', from: [O, A, W] },
  { name: 'vmodule', from: [O, A, W] },
  { name: 'logtostderr', bool: true, from: [O, A, W] },
  { name: 'alsologtostderr', bool: true, from: [O, A, W] },
  { name: 'stderrthreshold', from: [O, A, W] },
  { name: 'log_dir', from: [O, A, W] },
  { name: 'log_file', from: [O, A, W] },
  { name: 'log_file_max_size', from: [O, A, W] },
  { name: 'add_dir_header', bool: true, from: [O, A, W] },
  { name: 'skip_headers', bool: true, from: [O, A, W] },
  { name: 'skip_log_headers', bool: true, from: [O, A, W] },
  { name: 'one_output', bool: true, from: [O, A, W] },
  { name: 'legacy_stderr_threshold_behavior', bool: true, from: [O, A, W] },
  // cmd/webhooks/main.go
  { name: 'cache-miss-to-direct-client', bool: true, from: [W] },
];

/** commander's attribute name of `--name` (dashes camel-cased, underscores kept). */
const attr = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Adds KEDA's flags to the command, hidden from --help (docs/helm.md lists them). */
export function addKedaFlags(cmd: Command): Command {
  for (const f of KEDA_FLAGS) {
    const o = new Option(f.bool ? `--${f.name} [bool]` : `--${f.name} <value>`).hideHelp();
    if (f.repeatable) o.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
    cmd.addOption(o);
  }
  return cmd;
}

/** Go's strconv.ParseBool, as pflag parses a bool flag's value. */
export function goBool(flag: string, v: unknown): boolean {
  if (v === true || v === undefined) return true;
  const s = String(v);
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw new Error(`--${flag}: '${s}' is not a boolean (use true or false)`);
}

/** zap's level: debug, info, error, panic, or an integer > 0 (more verbose debug) → Updraft's pino levels. */
export function zapLevel(v: string): string {
  const s = v.trim().toLowerCase();
  if (/^\d+$/.test(s) && Number(s) > 0) return 'debug';
  if (s === 'panic' || s === 'dpanic' || s === 'fatal') return 'error';
  if (['debug', 'info', 'warn', 'error'].includes(s)) return s;
  throw new Error(`--zap-log-level: '${v}' is not a level (use debug, info, error, panic or an integer > 0)`);
}

export const TIME_ENCODINGS = ['epoch', 'millis', 'nano', 'iso8601', 'rfc3339', 'rfc3339nano'] as const;
export type TimeEncoding = (typeof TIME_ENCODINGS)[number];

/** A pino `timestamp` function for zap's time encodings (pkg/log/zap: epoch s, millis, nano, ISO 8601, RFC 3339). */
export function pinoTimestamp(enc: string): () => string {
  switch (enc) {
    case 'epoch':
      return () => `,"time":${Date.now() / 1000}`;
    case 'millis':
      return () => `,"time":${Date.now()}`;
    case 'nano':
      return () => `,"time":${BigInt(Date.now()) * 1_000_000n}`;
    case 'iso8601':
    case 'rfc3339nano':
      return () => `,"time":"${new Date().toISOString()}"`;
    case 'rfc3339':
      return () => `,"time":"${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')}"`;
    default:
      throw new Error(`--log-time-encoding: '${enc}' is not one of ${TIME_ENCODINGS.join(', ')}`);
  }
}

export interface KedaFlagOutcome {
  /** Updraft option values the mapped flags set (attribute name → value). */
  set: Record<string, string>;
  /** Flags given that have no effect in Updraft, as `--name`. */
  ignored: string[];
}

/** Which KEDA flags were given on the command line, and what they map to. `given(attr)` says whether it was. */
export function applyKedaFlags(opts: Record<string, unknown>, given: (attribute: string) => boolean): KedaFlagOutcome {
  const set: Record<string, string> = {};
  const ignored: string[] = [];
  for (const f of KEDA_FLAGS) {
    const a = attr(f.name);
    if (!given(a)) continue;
    const v = opts[a];
    switch (f.name) {
      case 'zap-log-level':
        set.logLevel = zapLevel(String(v));
        break;
      case 'zap-encoder': {
        const s = String(v);
        if (s !== 'json' && s !== 'console') throw new Error(`--zap-encoder: '${s}' is not an encoder (use json or console)`);
        set.logFormat = s;
        break;
      }
      case 'zap-time-encoding':
        set.logTimeEncoding = String(v);
        break;
      case 'enable-prometheus-metrics':
        if (!goBool(f.name, v)) set.metricsBindAddress = '0';
        break;
      case 'secure-port':
        set.metricsApiBindAddress = `:${String(v)}`;
        break;
      case 'tls-private-key-file':
        set.tlsKeyFile = String(v);
        break;
      case 'tls-min-version':
        set.metricsApiMinTlsVersion = String(v).replace(/^Version/, '');
        break;
      default:
        if (f.bool) goBool(f.name, v);
        ignored.push(`--${f.name}`);
    }
  }
  return { set, ignored };
}

/** The one warning line for KEDA flags without an effect (undefined when there are none). */
export function ignoredFlagsWarning(ignored: string[]): string | undefined {
  if (ignored.length === 0) return undefined;
  return `updraft: warning: KEDA flag${ignored.length > 1 ? 's' : ''} ${ignored.join(', ')} ha${ignored.length > 1 ? 've' : 's'} no effect in Updraft (accepted and ignored; see docs/helm.md)`;
}

/** KEDA_HTTP_DEFAULT_TIMEOUT, ms (KEDA `cmd/operator/main.go`: ResolveOsEnvInt(..., 3000); an invalid value stops KEDA too). */
export function kedaHttpTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KEDA_HTTP_DEFAULT_TIMEOUT;
  if (raw === undefined || raw === '') return 3000;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) <= 0) throw new Error(`KEDA_HTTP_DEFAULT_TIMEOUT: '${raw}' is not a number of milliseconds`);
  return Number(raw);
}

/** KEDA_RESTRICT_SECRET_ACCESS: only "true" (any case) restricts (KEDA `pkg/scaling/resolver/scale_resolvers.go` isSecretAccessRestricted). */
export const restrictSecretAccess = (env: NodeJS.ProcessEnv = process.env): boolean => (env.KEDA_RESTRICT_SECRET_ACCESS ?? '').toLowerCase() === 'true';

/**
 * KEDA_HTTP_DISABLE_KEEP_ALIVE and KEDA_HTTP_MIN_TLS_VERSION → the scalers' HTTP defaults. Like KEDA, a value that
 * does not parse keeps the default (KEDA `pkg/util/http.go` ResolveOsEnvBool; `pkg/util/tls_config.go` ParseTLSVersion
 * logs and falls back to TLS12); `warnings` says which.
 */
export function kedaHttpDefaults(env: NodeJS.ProcessEnv = process.env): {
  keepAlive: boolean;
  minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  warnings: string[];
} {
  const warnings: string[] = [];
  let keepAlive = true;
  const rawKa = env.KEDA_HTTP_DISABLE_KEEP_ALIVE;
  if (rawKa) {
    try {
      keepAlive = !goBool('KEDA_HTTP_DISABLE_KEEP_ALIVE', rawKa);
    } catch {
      warnings.push(`KEDA_HTTP_DISABLE_KEEP_ALIVE: '${rawKa}' is not a boolean; keep-alive stays on`);
    }
  }
  const versions = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
  const rawTls = env.KEDA_HTTP_MIN_TLS_VERSION;
  let minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.2';
  if (rawTls) {
    const v = versions[rawTls as keyof typeof versions];
    if (v) minVersion = v;
    else warnings.push(`KEDA_HTTP_MIN_TLS_VERSION: '${rawTls}' is not TLS10, TLS11, TLS12 or TLS13; using TLS12`);
  }
  return { keepAlive, minVersion, warnings };
}
