// `updraft operator`: run the operator against a cluster (in-cluster config or a kubeconfig). One process serves
// the scale loops, the external metrics API, the admission webhook, Prometheus /metrics and the health probes;
// the flags are the ones the Helm chart (deploy/helm/updraft) passes.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseGoDuration } from '../api/values.ts';
import { CERT_DEFAULTS, parseRenewBefore, serviceDnsNames } from '../api/cert-settings.ts';
import type { CertRotationOptions } from '../operator/cert-rotation.ts';
import { AddressPolicy, setScalerAddressPolicy } from '../scalers/common/address-policy.ts';
import { setScalerHttpDefaults } from '../scalers/common/http-get.ts';
import { buildInfo } from '../api/build-info.ts';
import { parseTlsVersion, useColor } from './flags.ts';
import {
  addKedaFlags,
  applyKedaFlags,
  goBool,
  ignoredFlagsWarning,
  kedaHttpDefaults,
  kedaHttpTimeoutMs,
  pinoTimestamp,
  restrictSecretAccess,
  TIME_ENCODINGS,
} from './keda-flags.ts';

/** ":8080" → {port 8080}, "127.0.0.1:8080" → host too; "0"/"" → disabled (undefined). */
export function parseBindAddress(flag: string, value: string): { host?: string; port: number } | undefined {
  if (value === '' || value === '0') return undefined;
  const m = /^(?:\[?([^\]]*)\]?)?:(\d{1,5})$/.exec(value) ?? /^()(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) > 65535) throw new Error(`${flag}: '${value}' is not a bind address (use ':8080', '127.0.0.1:8080', or '0' to turn it off)`);
  return { host: m[1] ? m[1] : undefined, port: Number(m[2]) };
}

// KEDA writes TLS12/TLS13; Node wants TLSv1.2/TLSv1.3: one parser for every command (src/cli/flags.ts).
export { parseTlsVersion };

const LEVELS = ['debug', 'info', 'warn', 'error'];

/** The API budget's defaults: well above KEDA's 20/30 (client-go's), which cannot start 1,000 ScaledObjects in 15 minutes. */
export const DEFAULT_KUBE_API_QPS = 500;
export const DEFAULT_KUBE_API_BURST = 1000;
/** Unanswered API requests at most, beyond which requests wait in priority order (api-budget.ts). */
export const DEFAULT_KUBE_API_MAX_IN_FLIGHT = 50;

/**
 * --kube-api-qps / --kube-api-burst → the client's API budget; a negative qps turns it off (client-go: a negative
 * QPS disables its rate limiter, `k8s.io/client-go/rest/config.go`).
 */
export function parseApiBudget(
  qps: string,
  burst: string,
  maxInFlight = String(DEFAULT_KUBE_API_MAX_IN_FLIGHT),
): { qps: number; burst: number; maxInFlight: number } | undefined {
  const q = Number(qps);
  const b = Number(burst);
  const m = Number(maxInFlight);
  if (!Number.isInteger(m) || m < 1) throw new Error(`--kube-api-max-in-flight: '${maxInFlight}' is not a whole number of requests ≥ 1`);
  if (qps.trim() === '' || !Number.isFinite(q) || q === 0)
    throw new Error(`--kube-api-qps: '${qps}' is not a number of requests per second > 0 (a negative value turns the budget off)`);
  if (q < 0) return undefined;
  if (!Number.isInteger(b) || b < 1) throw new Error(`--kube-api-burst: '${burst}' is not a whole number of requests ≥ 1`);
  return { qps: q, burst: b, maxInFlight: m };
}

interface OperatorFlags {
  kubeconfig?: string;
  kubeApiQps: string;
  kubeApiBurst: string;
  kubeApiMaxInFlight: string;
  namespace: string;
  mode: string;
  leaderElect: boolean;
  leaderElectionId: string;
  metricsBindAddress: string;
  healthProbeBindAddress: string;
  metricsApiBindAddress: string;
  metricsApiMinTlsVersion: string;
  webhookBindAddress: string;
  dashboardBindAddress: string;
  webhookMinTlsVersion: string;
  webhookStrictTriggers: boolean;
  certDir: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  logLevel: string;
  logFormat: string;
  logTimeEncoding: string;
  allowScalerAddress: string[];
  enableOpentelemetryMetrics: boolean | string;
  enableHighCardinalityMetricsLabels: boolean | string;
  filepathAuthRootPath: string;
  otlpHttpBindAddress: string;
  otlpGrpcBindAddress: string;
  otlpGrpcTlsCertFile?: string;
  otlpGrpcTlsKeyFile?: string;
  otlpGrpcTlsCaFile?: string;
  otlpTokenFile?: string;
  takeOverFromKeda: boolean;
  kedaNamespace?: string;
  enableCertRotation?: boolean | string;
  certSecretName: string;
  operatorServiceName: string;
  metricsServerServiceName: string;
  webhooksServiceName: string;
  k8sClusterDomain: string;
  validatingWebhookName: string;
  enableWebhookPatching: boolean | string;
  enableApiservicePatching: boolean | string;
  certCaValidity: string;
  certValidity: string;
  certRenewBefore: string;
  certBundlePropagation: string;
}

/** The OTLP/gRPC receiver's TLS files: none, or certificate and key (and a CA for mTLS). */
export function otlpGrpcTlsFiles(o: {
  otlpGrpcTlsCertFile?: string;
  otlpGrpcTlsKeyFile?: string;
  otlpGrpcTlsCaFile?: string;
}): { certFile: string; keyFile: string; caFile?: string } | undefined {
  const { otlpGrpcTlsCertFile: certFile, otlpGrpcTlsKeyFile: keyFile, otlpGrpcTlsCaFile: caFile } = o;
  if (!certFile && !keyFile) {
    if (caFile) throw new Error('--otlp-grpc-tls-ca-file needs --otlp-grpc-tls-cert-file and --otlp-grpc-tls-key-file (mTLS is TLS with client certificates)');
    return undefined;
  }
  if (!certFile || !keyFile) throw new Error('--otlp-grpc-tls-cert-file and --otlp-grpc-tls-key-file go together; give both, or neither for plaintext gRPC');
  return { certFile, keyFile, ...(caFile ? { caFile } : {}) };
}

/**
 * The OTLP receiver's bearer token: the file (a mounted Secret: re-read when it changes, so a rotation applies
 * without a restart), else $UPDRAFT_OTLP_TOKEN, else none (unauthenticated). An empty or missing file is an error.
 */
export function otlpTokenSource(file: string | undefined, env: NodeJS.ProcessEnv = process.env, recheckMs = 5_000): (() => string | undefined) | undefined {
  if (!file) {
    const fromEnv = env.UPDRAFT_OTLP_TOKEN?.trim();
    return fromEnv ? () => fromEnv : undefined;
  }
  const read = () => readFileSync(file, 'utf8').trim();
  let token: string;
  try {
    token = read();
  } catch (err) {
    throw new Error(`--otlp-token-file: cannot read ${file} (${(err as Error).message})`);
  }
  if (!token) throw new Error(`--otlp-token-file: ${file} is empty; put the bearer token in it`);
  let mtime = statSync(file).mtimeMs;
  let checkedAt = Date.now();
  return () => {
    if (Date.now() - checkedAt < recheckMs) return token;
    checkedAt = Date.now();
    try {
      const m = statSync(file).mtimeMs;
      if (m !== mtime) {
        const next = read();
        if (next) [token, mtime] = [next, m];
      }
    } catch {
      // A Secret volume swaps its files atomically; keep the last token until the new one is readable.
    }
    return token;
  };
}

export function register(program: Command): void {
  // KEDA's own flags (keda-operator, keda-metrics-apiserver, keda-admission-webhooks) are accepted too: keda-flags.ts.
  addKedaFlags(program.command('operator'))
    .option('--kubeconfig <file>', 'kubeconfig file (default: in-cluster config, then $KUBECONFIG, then ~/.kube/config)')
    .option(
      '--namespace <ns>',
      'namespace of the operator (Lease, ClusterTriggerAuthentication secrets)',
      process.env.POD_NAMESPACE ?? process.env.KEDA_CLUSTER_OBJECT_NAMESPACE ?? 'keda',
    )
    .option(
      '--mode <mode>',
      "default scaling mode: 'hpa' (KEDA-compatible, HPA + external metrics API) or 'direct' (Updraft applies the HPA algorithm itself); per object: annotation updraft.dev/mode",
      process.env.UPDRAFT_DEFAULT_MODE || 'hpa',
    )
    .option('--leader-elect', 'elect a leader on a Lease so only one replica scales (default)', true)
    .option('--no-leader-elect', 'run without leader election (single replica only)')
    .option(
      '--leader-election-id <name>',
      "name of the Lease used for leader election (not KEDA's, so both can run during a migration)",
      'operator.updraft.dev',
    )
    .option('--metrics-bind-address <addr>', "Prometheus /metrics ('0' turns it off)", ':8080')
    .option('--health-probe-bind-address <addr>', "/healthz and /readyz for the kubelet ('0' turns it off)", ':8081')
    .option('--metrics-api-bind-address <addr>', "the external.metrics.k8s.io server (TLS; '0' turns it off)", ':6443')
    .option('--metrics-api-min-tls-version <v>', 'TLS12 or TLS13', 'TLS12')
    .option('--webhook-bind-address <addr>', "the validating admission webhook (TLS; '0' = not served here)", '0')
    .option('--webhook-min-tls-version <v>', 'TLS12 or TLS13', 'TLS12')
    .option(
      '--dashboard-bind-address <addr>',
      "the read-only dashboard (docs/dashboard.md; bearer token + RBAC; e.g. 127.0.0.1:8090 for kubectl port-forward; '0' turns it off)",
      '0',
    )
    .option(
      '--webhook-strict-triggers',
      'deny objects whose trigger metadata would fail at run time (default: admit them with a warning, as KEDA admits them)',
      false,
    )
    .option('--cert-dir <dir>', 'directory holding tls.crt and tls.key for the metrics API and the webhook', '/certs')
    .option('--tls-cert-file <file>', 'serving certificate (overrides <cert-dir>/tls.crt)')
    .option('--tls-key-file <file>', 'serving key (overrides <cert-dir>/tls.key)')
    .option('--log-level <level>', LEVELS.join(', '), 'info')
    .option('--log-format <format>', "'json' or 'console'", 'json')
    .option('--log-time-encoding <enc>', `time field of log lines: ${TIME_ENCODINGS.join(', ')} (KEDA's --zap-time-encoding)`, 'millis')
    .option(
      '--allow-scaler-address <cidr-or-host>',
      'let scalers connect to this cloud metadata / link-local address, CIDR or host name, refused by default (repeatable, or a comma list)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--filepath-auth-root-path <dir>',
      "KEDA's flag: the directory ClusterTriggerAuthentication filePath is read below (empty: filePath is refused)",
      '',
    )
    .option(
      '--otlp-http-bind-address <addr>',
      "the OTLP/HTTP receiver `opentelemetry` triggers read (POST /v1/metrics; a Collector gateway pushes here with its otlphttp exporter; e.g. ':4318'; '0' turns it off)",
      '0',
    )
    .option(
      '--otlp-grpc-bind-address <addr>',
      "the OTLP/gRPC receiver (MetricsService/Export; the Collector's otlp exporter, SDKs with OTEL_EXPORTER_OTLP_PROTOCOL=grpc; e.g. ':4317'; '0' turns it off)",
      '0',
    )
    .option('--otlp-grpc-tls-cert-file <file>', 'serve OTLP/gRPC over TLS with this PEM certificate (with --otlp-grpc-tls-key-file; read at start)')
    .option('--otlp-grpc-tls-key-file <file>', 'the PEM private key of --otlp-grpc-tls-cert-file')
    .option('--otlp-grpc-tls-ca-file <file>', 'require OTLP/gRPC clients to present a certificate signed by this CA (mTLS)')
    .option(
      '--otlp-token-file <file>',
      'bearer token OTLP pushes (HTTP and gRPC) must carry (Authorization: Bearer …; else 401 / UNAUTHENTICATED); re-read when the file changes. Default: $UPDRAFT_OTLP_TOKEN, else no authentication',
    )
    .option('--take-over-from-keda', 'scale even while a KEDA operator holds and renews its Lease (operator.keda.sh); default: wait for it to stop', false)
    .option('--keda-namespace <ns>', "namespace of KEDA's operator Lease (default: --namespace)")
    .option(
      '--kube-api-qps <n>',
      "API requests per second the operator sends, sustained (KEDA's flag): waiting requests go /scale and HPA writes first, then reads, then status writes, then Events; negative: no limit",
      String(DEFAULT_KUBE_API_QPS),
    )
    .option('--kube-api-burst <n>', 'API requests that may go at once after a quiet period', String(DEFAULT_KUBE_API_BURST))
    .option(
      '--kube-api-max-in-flight <n>',
      'unanswered API requests at most (Updraft only): beyond that, requests wait in the same priority order, so a slow API server does not queue /scale writes behind status writes and Events',
      String(DEFAULT_KUBE_API_MAX_IN_FLIGHT),
    )
    // KEDA's certificate flags (cmd/operator/main.go) under KEDA's names, Updraft's defaults (the chart's names).
    .option(
      '--enable-cert-rotation [bool]',
      'the operator creates, renews and publishes its own CA and serving certificate in --cert-secret-name (default: on when no certificate is in --cert-dir / --tls-cert-file)',
    )
    .option('--cert-secret-name <name>', 'Secret of the operator-managed CA and certificate (ca.crt, ca.key, tls.crt, tls.key)', 'updraft-certs')
    .option('--operator-service-name <name>', 'Service of the operator (a SAN of the certificate)', 'updraft-operator')
    .option('--metrics-server-service-name <name>', 'Service of the metrics API (a SAN)', 'updraft-operator-metrics-apiserver')
    .option('--webhooks-service-name <name>', 'Service of the admission webhook (a SAN)', 'updraft-admission-webhooks')
    .option('--k8s-cluster-domain <domain>', 'cluster DNS domain of the SANs', 'cluster.local')
    .option('--validating-webhook-name <name>', 'ValidatingWebhookConfiguration whose caBundle the rotation keeps current', 'updraft-admission')
    .option('--enable-webhook-patching [bool]', "patch the webhook configuration's caBundle (and add the webhook Service to the SANs)", true)
    .option('--enable-apiservice-patching [bool]', "patch the external metrics APIService's caBundle", true)
    .option('--cert-ca-validity <duration>', 'validity of the operator-managed CA (Go duration)', '87600h')
    .option('--cert-validity <duration>', 'validity of the operator-managed serving certificate (Go duration)', '8760h')
    .option(
      '--cert-renew-before <duration|percent>',
      "renew a certificate when this much of it is left: a Go duration or a percentage of its validity (e.g. '50%')",
      '2160h',
    )
    .option('--cert-bundle-propagation <duration>', 'how long a new CA is published in the caBundles before the certificate it signs is served', '30s')
    .option(
      '--enable-opentelemetry-metrics [bool]',
      "also push the operator's metrics over OTLP/HTTP (KEDA's flag; OTEL_EXPORTER_OTLP_ENDPOINT, _PROTOCOL http/protobuf or http/json, _HEADERS, OTEL_METRIC_EXPORT_INTERVAL)",
      false,
    )
    .option(
      '--enable-high-cardinality-metrics-labels [bool]',
      "KEDA's flag: keda_scaler_http_request_duration_seconds also by namespace, scaled_resource, trigger_name and metric_name (default: scaler and status_code only)",
      false,
    )
    .addHelpText(
      'after',
      `
Environment (as KEDA): WATCH_NAMESPACE (comma list, empty = all), WATCH_LABEL_SELECTOR, WATCH_LABEL_SELECTOR_FOR_TRIGGERAUTH,
KEDA_HTTP_DEFAULT_TIMEOUT (ms, default 3000), KEDA_HTTP_DISABLE_KEEP_ALIVE, KEDA_HTTP_MIN_TLS_VERSION (TLS10..TLS13), KEDA_RESTRICT_SECRET_ACCESS (true: Secrets only from --namespace),
KEDA_SCALEDOBJECT_CTRL_MAX_RECONCILES (default 50; KEDA's 5), KEDA_SCALEDJOB_CTRL_MAX_RECONCILES (default 5; KEDA's 1), KEDA_OPERATOR_LEADER_ELECTION_LEASE_DURATION / _RENEW_DEADLINE /
_RETRY_PERIOD (Go durations, e.g. 15s), UPDRAFT_DEFAULT_MODE (default for --mode).

Example (outside a cluster, one replica, direct mode, no metrics API):
  updraft operator --kubeconfig ~/.kube/config --no-leader-elect --mode direct --metrics-api-bind-address 0 --log-format console
`,
    )
    .action(async (opts: OperatorFlags, cmd: Command) => {
      // The operator's dependency graph (every scaler and its client — AWS SDK, gRPC, Kafka, SQL —, the Kubernetes
      // client, the servers, pino) is loaded here, when the operator runs, not when this module is: `updraft
      // operator --help` and the other commands' --help never pay for it (bench/compiled-startup.ts).
      const [{ startOperator }, { KubeClient }, { parseWatchNamespaces }, { setDefaultHttpTimeoutMs }, { default: pino }] = await Promise.all([
        import('../operator/operator.ts'),
        import('../kube/client.ts'),
        import('../kube/list-watch.ts'),
        import('../runtime/build-scalers.ts'),
        import('pino'),
      ]);
      // KEDA's flags: the mapped ones override Updraft's defaults, the others are reported in one warning line.
      const keda = applyKedaFlags(opts as unknown as Record<string, unknown>, (a) => cmd.getOptionValueSource(a) === 'cli');
      Object.assign(opts, keda.set);
      const ignoredWarning = ignoredFlagsWarning(keda.ignored);
      if (ignoredWarning) process.stderr.write(`${ignoredWarning}\n`);
      const timestamp = pinoTimestamp(opts.logTimeEncoding);
      setDefaultHttpTimeoutMs(kedaHttpTimeoutMs());
      const httpDefaults = kedaHttpDefaults();
      setScalerHttpDefaults(httpDefaults);
      for (const w of httpDefaults.warnings) process.stderr.write(`updraft: warning: ${w}\n`);
      if (opts.mode !== 'hpa' && opts.mode !== 'direct') throw new Error(`--mode must be 'hpa' or 'direct', got '${opts.mode}'`);
      if (!LEVELS.includes(opts.logLevel)) throw new Error(`--log-level must be one of ${LEVELS.join(', ')}, got '${opts.logLevel}'`);
      if (opts.logFormat !== 'json' && opts.logFormat !== 'console') throw new Error(`--log-format must be 'json' or 'console', got '${opts.logFormat}'`);
      const metrics = parseBindAddress('--metrics-bind-address', opts.metricsBindAddress);
      const health = parseBindAddress('--health-probe-bind-address', opts.healthProbeBindAddress);
      const metricsApi = parseBindAddress('--metrics-api-bind-address', opts.metricsApiBindAddress);
      const webhook = parseBindAddress('--webhook-bind-address', opts.webhookBindAddress);
      const dashboard = parseBindAddress('--dashboard-bind-address', opts.dashboardBindAddress);
      const otlp = parseBindAddress('--otlp-http-bind-address', opts.otlpHttpBindAddress);
      const otlpGrpc = parseBindAddress('--otlp-grpc-bind-address', opts.otlpGrpcBindAddress);
      const otlpGrpcTls = otlpGrpcTlsFiles(opts);
      const otlpToken = otlpTokenSource(opts.otlpTokenFile);
      // Scaler targets (serverAddress, awsEndpoint …): refused cloud metadata / link-local addresses, minus these.
      const addressPolicy = new AddressPolicy(opts.allowScalerAddress);
      setScalerAddressPolicy(addressPolicy);
      const certFile = opts.tlsCertFile ?? join(opts.certDir, 'tls.crt');
      const keyFile = opts.tlsKeyFile ?? join(opts.certDir, 'tls.key');
      const certPlan = certRotationPlan(opts, {
        given: cmd.getOptionValueSource('enableCertRotation') === 'cli',
        certFile,
        keyFile,
        serving: !!(metricsApi || webhook),
      });
      const log = pino(
        {
          level: opts.logLevel,
          timestamp,
          base: { component: 'updraft-operator' },
          redact: ['*.authorization', '*.token', '*.password', '*.awsSecretAccessKey', '*.secret'],
        },
        // Colour only on a terminal and never with NO_COLOR (pino-pretty runs in a worker, where stdout is no TTY).
        opts.logFormat === 'console' ? pino.transport({ target: 'pino-pretty', options: { colorize: useColor(process.stdout) } }) : undefined,
      );
      const budget = parseApiBudget(opts.kubeApiQps, opts.kubeApiBurst, opts.kubeApiMaxInFlight);
      const client = await KubeClient.fromEnvironment({ kubeconfig: opts.kubeconfig, ...(budget ? { budget } : {}) });
      const op = await startOperator({
        client,
        gitCommit: buildInfo().labels.git_commit,
        log: { info: (o, m) => log.info(o, m), warn: (o, m) => log.warn(o, m), error: (o, m) => log.error(o, m) },
        namespace: opts.namespace,
        filePathAuthRoot: opts.filepathAuthRootPath || undefined,
        defaultMode: opts.mode,
        leaderElection: opts.leaderElect,
        leaseName: opts.leaderElectionId,
        identity: process.env.POD_NAME,
        watchNamespaces: parseWatchNamespaces(process.env.WATCH_NAMESPACE),
        watchLabelSelector: process.env.WATCH_LABEL_SELECTOR || undefined,
        watchLabelSelectorForTriggerAuth: process.env.WATCH_LABEL_SELECTOR_FOR_TRIGGERAUTH || undefined,
        restrictSecretAccess: restrictSecretAccess(),
        metricsPort: metrics?.port,
        metricsHost: metrics?.host,
        healthPort: health?.port,
        healthHost: health?.host,
        externalMetrics: metricsApi
          ? { ...metricsApi, certFile, keyFile, minTlsVersion: parseTlsVersion('--metrics-api-min-tls-version', opts.metricsApiMinTlsVersion) }
          : undefined,
        webhook: webhook
          ? {
              ...webhook,
              certFile,
              keyFile,
              minTlsVersion: parseTlsVersion('--webhook-min-tls-version', opts.webhookMinTlsVersion),
              strictTriggers: opts.webhookStrictTriggers,
            }
          : undefined,
        // ':8090' listens on every address, as the other bind flags do; '127.0.0.1:8090' only on localhost.
        dashboard: dashboard ? { port: dashboard.port, host: dashboard.host ?? '0.0.0.0' } : undefined,
        maxReconciles: positiveIntEnv('KEDA_SCALEDOBJECT_CTRL_MAX_RECONCILES'),
        maxJobReconciles: positiveIntEnv('KEDA_SCALEDJOB_CTRL_MAX_RECONCILES'),
        leaseDurationMs: goDurationMs('KEDA_OPERATOR_LEADER_ELECTION_LEASE_DURATION'),
        renewDeadlineMs: goDurationMs('KEDA_OPERATOR_LEADER_ELECTION_RENEW_DEADLINE'),
        retryPeriodMs: goDurationMs('KEDA_OPERATOR_LEADER_ELECTION_RETRY_PERIOD'),
        // KEDA's Go flag takes --enable-opentelemetry-metrics, =true and =false.
        openTelemetryMetrics: opts.enableOpentelemetryMetrics === true || opts.enableOpentelemetryMetrics === 'true',
        highCardinalityMetricsLabels: goBool('enable-high-cardinality-metrics-labels', opts.enableHighCardinalityMetricsLabels),
        otlpReceiver: otlp ? { port: otlp.port, host: otlp.host ?? '0.0.0.0', token: otlpToken } : undefined,
        otlpGrpcReceiver: otlpGrpc ? { port: otlpGrpc.port, host: otlpGrpc.host ?? '0.0.0.0', token: otlpToken, tls: otlpGrpcTls } : undefined,
        kedaLease: { namespace: opts.kedaNamespace || undefined, takeOver: opts.takeOverFromKeda },
        certRotation: certPlan.rotation,
      });
      if ((otlp || otlpGrpc) && !otlpToken)
        log.warn({ port: op.otlpReceiverPort, grpcPort: op.otlpGrpcReceiverPort }, 'the OTLP receiver accepts unauthenticated pushes; set --otlp-token-file');
      log.info(
        {
          metricsPort: op.metricsPort,
          healthPort: op.healthPort,
          metricsApiPort: op.metricsApiPort,
          webhookPort: op.webhookPort,
          dashboardPort: op.dashboardPort,
          otlpReceiverPort: op.otlpReceiverPort,
          otlpGrpcReceiverPort: op.otlpGrpcReceiverPort,
          mode: opts.mode,
          allowedScalerAddresses: addressPolicy.exceptions,
          certificates: certPlan.why,
        },
        'operator started',
      );
      const shutdown = async (signal: string) => {
        log.info({ signal }, 'shutting down');
        await op.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
    });
}

/**
 * Whether the operator manages its own certificates (cert-rotation.ts), and with which settings. `--enable-cert-rotation`
 * decides when given (KEDA's flag; the chart always passes it); otherwise the rotation is on exactly when no certificate
 * is at --tls-cert-file / <cert-dir>/tls.crt, so mounted certificates (cert-manager, a Secret of your own) are left alone.
 */
export function certRotationPlan(
  opts: Pick<
    OperatorFlags,
    | 'enableCertRotation'
    | 'namespace'
    | 'certSecretName'
    | 'operatorServiceName'
    | 'metricsServerServiceName'
    | 'webhooksServiceName'
    | 'k8sClusterDomain'
    | 'validatingWebhookName'
    | 'enableWebhookPatching'
    | 'enableApiservicePatching'
    | 'certCaValidity'
    | 'certValidity'
    | 'certRenewBefore'
    | 'certBundlePropagation'
  >,
  ctx: { given: boolean; certFile: string; keyFile: string; serving: boolean },
): { rotation?: Omit<CertRotationOptions, 'client' | 'log' | 'isLeader'>; why: string } {
  if (!ctx.serving) return { why: 'no TLS server (metrics API and webhook off)' };
  const mounted = existsSync(ctx.certFile) && existsSync(ctx.keyFile);
  if (ctx.given ? !goBool('enable-cert-rotation', opts.enableCertRotation) : mounted)
    return { why: ctx.given ? 'files (--enable-cert-rotation=false)' : `files (certificate mounted at ${ctx.certFile})` };
  const duration = (flag: string, raw: string) => {
    const ms = parseGoDuration(raw);
    if (ms === undefined || ms <= 0) throw new Error(`${flag}: '${raw}' is not a positive duration (use e.g. 8760h, 720h, 30s)`);
    return ms;
  };
  const renewBefore = parseRenewBefore(opts.certRenewBefore, parseGoDuration);
  if (!renewBefore)
    throw new Error(`--cert-renew-before: '${opts.certRenewBefore}' is neither a positive duration (e.g. 2160h) nor a percentage between 0 and 100 (e.g. 50%)`);
  const webhookPatching = goBool('enable-webhook-patching', opts.enableWebhookPatching);
  // KEDA certificate_manager.go: the operator and metrics server Services always, the webhook one with webhook patching.
  const services = [opts.operatorServiceName, opts.metricsServerServiceName, ...(webhookPatching ? [opts.webhooksServiceName] : [])];
  return {
    why: `operator-managed (Secret ${opts.namespace}/${opts.certSecretName}${mounted ? `; the files in ${ctx.certFile} are not used` : ''})`,
    rotation: {
      namespace: opts.namespace,
      secretName: opts.certSecretName,
      // The metrics API's Service first: the certificate's common name, as Helm's genSignedCert had it.
      dnsNames: serviceDnsNames(
        [opts.metricsServerServiceName, ...services.filter((s) => s !== opts.metricsServerServiceName)],
        opts.namespace,
        opts.k8sClusterDomain,
      ),
      caValidityMs: duration('--cert-ca-validity', opts.certCaValidity),
      certValidityMs: duration('--cert-validity', opts.certValidity),
      renewBefore,
      bundlePropagationMs: parseGoDuration(opts.certBundlePropagation) ?? CERT_DEFAULTS.bundlePropagationMs,
      apiServices: goBool('enable-apiservice-patching', opts.enableApiservicePatching) ? ['v1beta1.external.metrics.k8s.io'] : [],
      // Only while it routes to this operator's metrics Service (not KEDA's during a migration).
      apiServiceBackend: { namespace: opts.namespace, name: opts.metricsServerServiceName },
      validatingWebhooks: webhookPatching ? [opts.validatingWebhookName] : [],
    },
  };
}

/**
 * An optional Go duration from the environment ("15s", "1m30s", "500ms"); empty → undefined (the default).
 * KEDA `ResolveOsEnvDuration` (pkg/util/env_resolver.go) is time.ParseDuration; a negative one is refused here.
 */
/** An integer ≥ 1 from the environment (KEDA kedautil.ResolveOsEnvInt), undefined when unset; anything else stops the operator. */
export function positiveIntEnv(envName: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[envName];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${envName}: '${raw}' is not a whole number ≥ 1 (e.g. ${envName}=10)`);
  return n;
}

export function goDurationMs(envName: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[envName];
  if (!raw) return undefined;
  const total = parseGoDuration(raw);
  if (total === undefined || total < 0) throw new Error(`${envName}: '${raw}' is not a duration (use e.g. 15s, 1m30s, 500ms)`);
  return total;
}
