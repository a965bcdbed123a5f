// The real KEDA (operator + metrics adapter, built from its Go module by scripts/slow/keda.sh) as two processes on
// 127.0.0.1 against a local control plane, wired as KEDA's Helm chart wires them in a cluster:
//   - KEDA's CRDs (config/crd/bases of the module) applied server-side;
//   - `keda` (cmd/operator/main.go) with leader election on Lease <namespace>/operator.keda.sh, its gRPC metrics
//     service (pkg/metricsservice) on mutual TLS from --cert-dir (ca.crt, tls.crt, tls.key:
//     pkg/metricsservice/utils/tls.go LoadGrpcTLSCredentials), no cert rotation;
//   - `keda-adapter` (cmd/adapter/main.go), the external metrics API server: serving cert from the cluster CA,
//     delegated authn/authz through the admin kubeconfig, its gRPC client certs from the same --cert-dir;
//   - the APIService v1beta1.external.metrics.k8s.io → Service <namespace>/keda-operator-metrics-apiserver (an
//     ExternalName for 127.0.0.1, as test/support/metrics-api-registration.ts does for Updraft), and the chart's
//     ClusterRoleBinding that lets the HPA controller read external metrics.
// Used by test/slow/ and bench/vs-keda/. Logs go to <cp.dir>/keda/{operator,adapter}.log.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlPlane } from './control-plane.ts';
import { freePort } from './free-port.ts';
import { certFactory } from './openssl-certs.ts';
import { eventually } from './wait.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const buildScript = join(root, 'scripts', 'slow', 'keda.sh');

/** The KEDA version, pinned once in scripts/slow/keda.sh. */
export const KEDA_VERSION = /^KEDA_VERSION="(v[^"]+)"$/m.exec(readFileSync(buildScript, 'utf8'))?.[1] ?? 'unknown';

/** Where scripts/slow/keda.sh puts keda, keda-adapter and crds/. */
export const kedaDir = join(process.env.UPDRAFT_CACHE ?? join(homedir(), '.cache', 'updraft'), 'keda', KEDA_VERSION);

export interface KedaRun {
  operatorPid: number;
  adapterPid: number;
  /** The operator's Prometheus endpoint (--metrics-bind-address), http://127.0.0.1:<port>/metrics. */
  operatorMetricsUrl: string;
  /** The adapter's Prometheus endpoint (--port), http://127.0.0.1:<port>/metrics. */
  adapterMetricsUrl: string;
  /** The adapter's secure port (the external metrics API) on 127.0.0.1. */
  metricsApiPort: number;
  namespace: string;
  logs: { operator: string; adapter: string };
  /** Stops the operator only (SIGTERM, then waits): `kubectl -n keda scale deployment/keda-operator --replicas=0`. */
  stopOperator(): Promise<void>;
  /** Stops the metrics adapter only. */
  stopAdapter(): Promise<void>;
  /** Stops both and waits for them to exit. */
  stop(): Promise<void>;
}

export interface StartKedaOptions {
  kubeApiQps?: number;
  kubeApiBurst?: number;
  /** KEDA's namespace: its Lease, POD_NAMESPACE, KEDA_CLUSTER_OBJECT_NAMESPACE (default 'keda'). */
  namespace?: string;
  /** Point the v1beta1.external.metrics.k8s.io APIService at the adapter (default true). */
  registerApiService?: boolean;
  /** Extra environment for both processes (e.g. KEDA_OPERATOR_LEADER_ELECTION_LEASE_DURATION). */
  env?: Record<string, string>;
  /** The operator's --leader-elect, as the chart runs it (default true). */
  leaderElect?: boolean;
  /** --zap-log-level of both (default 'info'). */
  logLevel?: string;
}

/** True when scripts/slow/keda.sh has built both binaries and copied the CRDs. */
export function kedaBuilt(): boolean {
  return existsSync(join(kedaDir, 'keda')) && existsSync(join(kedaDir, 'keda-adapter')) && existsSync(join(kedaDir, 'crds', '.done'));
}

function tail(file: string, n = 3000): string {
  try {
    return readFileSync(file, 'utf8').slice(-n);
  } catch {
    return '';
  }
}

/** GET url (http, or https trusting `ca`); resolves the status code, 0 when nothing answers. */
function probe(url: string, ca?: string): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: 'GET', timeout: 2000, ...(ca ? { ca } : {}) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

interface Proc {
  child: ChildProcess;
  exited: Promise<number | null>;
  log: string;
  failed?: string;
}

function launch(name: string, bin: string, args: string[], env: NodeJS.ProcessEnv, log: string): Proc {
  const fd = openSync(log, 'a');
  const child = spawn(bin, args, { env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // If the test process dies without stop(), do not leave KEDA running against a dead control plane.
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  void exited.then(() => process.removeListener('exit', kill));
  const proc: Proc = { child, exited, log };
  child.on('error', (err) => (proc.failed = `${name}: cannot start ${bin}: ${err.message}`));
  return proc;
}

async function stopProc(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
  await p.exited;
  clearTimeout(timer);
}

/**
 * Applies KEDA's CRDs, starts KEDA's operator and metrics adapter and (by default) registers the adapter as the
 * external metrics API. Resolves once the operator is ready (and, with --leader-elect, holds its Lease) and the
 * adapter answers /readyz (and the APIService is Available). Throws, with the log tail, if either exits early.
 */
export async function startKeda(cp: ControlPlane, opts: StartKedaOptions = {}): Promise<KedaRun> {
  if (!kedaBuilt()) throw new Error(`KEDA ${KEDA_VERSION} is not built in ${kedaDir}: run \`flock /tmp/updraft-heavy.lock bash scripts/slow/keda.sh\``);
  const ns = opts.namespace ?? 'keda';
  const leaderElect = opts.leaderElect ?? true;
  const register = opts.registerApiService ?? true;
  const dir = join(cp.dir, ns === 'keda' ? 'keda' : `keda-${ns}`);
  mkdirSync(dir, { recursive: true });
  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });

  await kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
  // Server-side: the ScaledJob CRD is larger than client-side apply's last-applied annotation allows.
  const crds = join(kedaDir, 'crds');
  await kubectl(['apply', '--server-side', '--force-conflicts', '-f', crds]);
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', '-f', crds]);

  // The gRPC metrics service's mutual TLS: one CA ("KEDA", as pkg/certificates names it), a server cert for the
  // operator and a client cert for the adapter; each process reads ca.crt/tls.crt/tls.key from its --cert-dir.
  const certs = certFactory();
  const operatorCerts = join(dir, 'operator-certs');
  const adapterCerts = join(dir, 'adapter-certs');
  try {
    const ca = certs.ca('keda-ca');
    const server = certs.leaf('keda-operator', ca, {
      cn: 'keda-operator',
      usage: 'server',
      hosts: ['127.0.0.1', `keda-operator.${ns}.svc`, `keda-operator.${ns}.svc.cluster.local`],
    });
    const client = certs.leaf('keda-adapter-grpc', ca, { cn: 'keda-metrics-apiserver', usage: 'client' });
    for (const [d, leaf] of [
      [operatorCerts, server],
      [adapterCerts, client],
    ] as const) {
      mkdirSync(d, { recursive: true });
      copyFileSync(ca.certFile, join(d, 'ca.crt'));
      copyFileSync(leaf.certFile, join(d, 'tls.crt'));
      copyFileSync(leaf.keyFile, join(d, 'tls.key'));
    }
  } finally {
    certs.cleanup();
  }
  const serving = await cp.issueServingCert(`keda-metrics-apiserver-${ns}`, [`keda-operator-metrics-apiserver.${ns}.svc`, '127.0.0.1']);
  const noCustomCa = join(dir, 'custom-ca');
  mkdirSync(noCustomCa, { recursive: true });

  const [metricsPort, probePort, grpcPort, securePort, adapterMetricsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  // pkg/util/env_resolver.go: GetPodNamespace (POD_NAMESPACE: the Lease's namespace), GetClusterObjectNamespace
  // (KEDA_CLUSTER_OBJECT_NAMESPACE: ClusterTriggerAuthentication secrets); pkg/util/watch_namespace: WATCH_NAMESPACE
  // "" = all. controller-runtime's config loader reads KUBECONFIG.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    KUBECONFIG: cp.kubeconfig,
    WATCH_NAMESPACE: '',
    POD_NAMESPACE: ns,
    KEDA_CLUSTER_OBJECT_NAMESPACE: ns,
    ...opts.env,
  };
  const qps = [`--kube-api-qps=${opts.kubeApiQps ?? 20}`, `--kube-api-burst=${opts.kubeApiBurst ?? 30}`];
  const level = `--zap-log-level=${opts.logLevel ?? 'info'}`;
  const logs = { operator: join(dir, 'operator.log'), adapter: join(dir, 'adapter.log') };

  const operator = launch(
    'keda operator',
    join(kedaDir, 'keda'),
    [
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      `--health-probe-bind-address=127.0.0.1:${probePort}`,
      `--metrics-service-bind-address=127.0.0.1:${grpcPort}`,
      `--leader-elect=${leaderElect}`,
      '--enable-cert-rotation=false',
      `--cert-dir=${operatorCerts}`,
      `--ca-dir=${noCustomCa}`,
      ...qps,
      level,
    ],
    env,
    logs.operator,
  );
  const adapter = launch(
    'keda adapter',
    join(kedaDir, 'keda-adapter'),
    [
      `--secure-port=${securePort}`,
      '--bind-address=127.0.0.1',
      `--tls-cert-file=${serving.certFile}`,
      `--tls-private-key-file=${serving.keyFile}`,
      `--cert-dir=${adapterCerts}`,
      `--lister-kubeconfig=${cp.kubeconfig}`,
      `--authentication-kubeconfig=${cp.kubeconfig}`,
      `--authorization-kubeconfig=${cp.kubeconfig}`,
      `--metrics-service-address=127.0.0.1:${grpcPort}`,
      `--port=${adapterMetricsPort}`,
      ...qps,
      level,
    ],
    env,
    logs.adapter,
  );
  const procs = [operator, adapter];
  const stop = async () => {
    await Promise.all(procs.map(stopProc));
  };

  const alive = (what: string) => {
    for (const p of procs) {
      if (p.failed) throw new Error(p.failed);
      if (p.child.exitCode !== null || p.child.signalCode !== null) {
        throw new Error(`${what}: ${p.log} exited (${p.child.exitCode ?? p.child.signalCode}):\n${tail(p.log)}`);
      }
    }
  };
  try {
    await eventually('the KEDA operator to be ready', async () => {
      alive('KEDA operator start');
      return (await probe(`http://127.0.0.1:${probePort}/readyz`)) === 200 ? true : undefined;
    });
    if (leaderElect) {
      await eventually(`the KEDA operator to hold Lease ${ns}/operator.keda.sh`, async () => {
        alive('KEDA leader election');
        const l = JSON.parse(await kubectl(['-n', ns, 'get', 'lease', 'operator.keda.sh', '-o', 'json'])) as { spec?: { holderIdentity?: string } };
        return l.spec?.holderIdentity ? true : undefined;
      });
    }
    const ca = readFileSync(cp.caFile, 'utf8');
    await eventually('the KEDA metrics adapter to be ready', async () => {
      alive('KEDA adapter start');
      // 401/403: serving, but anonymous requests are refused (delegated authn); Available below is the real test.
      return [200, 401, 403].includes(await probe(`https://127.0.0.1:${securePort}/readyz`, ca)) ? true : undefined;
    });
    if (register) {
      await kubectl(
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: [
            {
              apiVersion: 'v1',
              kind: 'Service',
              metadata: { name: 'keda-operator-metrics-apiserver', namespace: ns },
              spec: { type: 'ExternalName', externalName: '127.0.0.1', ports: [{ name: 'https', port: securePort, protocol: 'TCP' }] },
            },
            {
              apiVersion: 'apiregistration.k8s.io/v1',
              kind: 'APIService',
              metadata: {
                name: 'v1beta1.external.metrics.k8s.io',
                labels: { 'app.kubernetes.io/name': 'v1beta1.external.metrics.k8s.io', 'app.kubernetes.io/part-of': 'keda-operator' },
              },
              spec: {
                group: 'external.metrics.k8s.io',
                version: 'v1beta1',
                service: { namespace: ns, name: 'keda-operator-metrics-apiserver', port: securePort },
                caBundle: Buffer.from(ca).toString('base64'),
                groupPriorityMinimum: 100,
                versionPriority: 100,
              },
            },
            // KEDA config/metrics-server/role.yaml and role_binding.yaml (keda-hpa-controller-external-metrics).
            {
              apiVersion: 'rbac.authorization.k8s.io/v1',
              kind: 'ClusterRole',
              metadata: { name: 'keda-external-metrics-reader' },
              rules: [{ apiGroups: ['external.metrics.k8s.io'], resources: ['*'], verbs: ['*'] }],
            },
            {
              apiVersion: 'rbac.authorization.k8s.io/v1',
              kind: 'ClusterRoleBinding',
              metadata: { name: 'keda-hpa-controller-external-metrics' },
              roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'keda-external-metrics-reader' },
              subjects: [{ kind: 'ServiceAccount', name: 'horizontal-pod-autoscaler', namespace: 'kube-system' }],
            },
          ],
        }),
      );
      await eventually('APIService v1beta1.external.metrics.k8s.io (KEDA) to be Available', async () => {
        alive('KEDA APIService');
        const a = JSON.parse(await kubectl(['get', 'apiservice', 'v1beta1.external.metrics.k8s.io', '-o', 'json'])) as {
          status?: { conditions?: Array<{ type: string; status: string }> };
        };
        return a.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ? true : undefined;
      });
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    operatorPid: operator.child.pid ?? 0,
    adapterPid: adapter.child.pid ?? 0,
    operatorMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    adapterMetricsUrl: `http://127.0.0.1:${adapterMetricsPort}/metrics`,
    metricsApiPort: securePort,
    namespace: ns,
    logs,
    stopOperator: () => stopProc(operator),
    stopAdapter: () => stopProc(adapter),
    stop,
  };
}
