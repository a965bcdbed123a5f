// Starts and stops a real local Kubernetes control plane (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kwok) for tests, through scripts/control-plane/up.sh
// and down.sh. See docs/control-plane.md.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const scriptsDir = join(fileURLToPath(import.meta.url), '..', '..', '..', 'scripts', 'control-plane');

export interface ControlPlaneOptions {
  /** kube-controller-manager --horizontal-pod-autoscaler-sync-period in seconds (default 15, the Kubernetes default). */
  hpaSyncSeconds?: number;
  /** Number of kwok fake nodes, named kwok-node-0.. (default 1). */
  nodes?: number;
  /** State directory; default a fresh one under the OS temp dir. */
  dir?: string;
  /** kube-apiserver audit log (Metadata level, JSON lines) at `auditLogPath`: who sent which request (benchmarks). */
  auditLog?: boolean;
}

export interface KubectlOptions {
  /** Written to kubectl's stdin, e.g. a manifest for `apply -f -`. */
  input?: string;
}

export interface ServingCert {
  certFile: string;
  keyFile: string;
  /** The cluster CA that signed it: use it as an APIService or webhook caBundle. */
  caFile: string;
}

export interface ControlPlane {
  dir: string;
  /** Admin (system:masters) kubeconfig with embedded certificates. */
  kubeconfig: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Cluster CA: signs the apiserver's serving cert and the client certs. */
  caFile: string;
  /**
   * The aggregation layer's client identity: the apiserver presents clientCertFile (CN in
   * allowedNames, signed by caFile) to aggregated API servers.
   */
  frontProxy: { caFile: string; clientCertFile: string; clientKeyFile: string; allowedNames: string[] };
  k8sVersion: string;
  ports: { etcd: number; apiserver: number; controllerManager: number; scheduler: number; kwok: number };
  /** Process ids of the components (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok). */
  pids: Record<string, number>;
  /** The audit log (JSON lines), when started with `auditLog: true`. */
  auditLogPath?: string;
  /** Admin client certificate and key (PEM files), e.g. to read the apiserver's /metrics. */
  adminCertFile: string;
  adminKeyFile: string;
  /** Runs the kubectl built with this Kubernetes version against this control plane; resolves stdout. */
  kubectl(args: string[], opts?: KubectlOptions): Promise<string>;
  /** A serving cert for a test server on 127.0.0.1 (hosts: DNS names and/or IPs), signed by the cluster CA. */
  issueServingCert(name: string, hosts: string[]): Promise<ServingCert>;
  /** Stops every process; deletes the state dir unless keepDir (or env UPDRAFT_CP_KEEP=1). */
  stop(opts?: { keepDir?: boolean }): Promise<void>;
}

const stateSchema = z.object({
  dir: z.string(),
  kubeconfig: z.string(),
  server: z.url(),
  caFile: z.string(),
  frontProxy: z.object({
    caFile: z.string(),
    clientCertFile: z.string(),
    clientKeyFile: z.string(),
    allowedNames: z.array(z.string()),
  }),
  kubectl: z.string(),
  k8sVersion: z.string(),
  ports: z.object({
    etcd: z.number().int(),
    apiserver: z.number().int(),
    controllerManager: z.number().int(),
    scheduler: z.number().int(),
    kwok: z.number().int(),
  }),
  pids: z.record(z.string(), z.number().int()),
  auditLog: z.string().nullish(),
  adminCertFile: z.string(),
  adminKeyFile: z.string(),
});

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (process.env.UPDRAFT_CP_VERBOSE === '1') process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/**
 * Starts a control plane and resolves once the apiserver is ready, the controller-manager and
 * scheduler are healthy, the kwok nodes are Ready and the default ServiceAccount exists.
 * If this process dies without stop(), a watchdog started by up.sh tears it down.
 */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const args = [join(scriptsDir, 'up.sh'), '--watch-pid', String(process.pid)];
  if (opts.hpaSyncSeconds !== undefined) {
    if (!(opts.hpaSyncSeconds > 0)) throw new Error(`startControlPlane: hpaSyncSeconds must be > 0, got ${opts.hpaSyncSeconds}`);
    args.push('--hpa-sync-period', `${Math.round(opts.hpaSyncSeconds * 1000)}ms`);
  }
  if (opts.nodes !== undefined) args.push('--nodes', String(opts.nodes));
  if (opts.auditLog) args.push('--audit-log');
  if (opts.dir !== undefined) args.push(opts.dir);

  const up = await run('bash', args);
  const kubeconfigPath = up.stdout.trim().split('\n').pop() ?? '';
  if (up.code !== 0 || kubeconfigPath === '') {
    throw new Error(`control plane failed to start (scripts/control-plane/up.sh exit ${up.code}):\n${up.stderr.slice(-4000)}`);
  }
  const dir = join(kubeconfigPath, '..');
  const state = stateSchema.parse(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')));

  const kubectl = async (kargs: string[], kopts: KubectlOptions = {}): Promise<string> => {
    const r = await run(state.kubectl, ['--kubeconfig', state.kubeconfig, ...kargs], { input: kopts.input });
    if (r.code !== 0) throw new Error(`kubectl ${kargs.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  };

  const issueServingCert = async (name: string, hosts: string[]): Promise<ServingCert> => {
    const r = await run('bash', [join(scriptsDir, 'issue-cert.sh'), state.dir, name, ...hosts]);
    const [certFile, keyFile] = r.stdout.trim().split('\n');
    if (r.code !== 0 || !certFile || !keyFile) {
      throw new Error(`issuing serving cert '${name}' for ${hosts.join(', ')} failed: ${r.stderr.trim()}`);
    }
    return { certFile, keyFile, caFile: state.caFile };
  };

  let stopped: Promise<void> | undefined;
  const stop = (sopts: { keepDir?: boolean } = {}): Promise<void> => {
    stopped ??= (async () => {
      const keep = sopts.keepDir === true || process.env.UPDRAFT_CP_KEEP === '1';
      const r = await run('bash', [join(scriptsDir, 'down.sh'), state.dir, ...(keep ? [] : ['--purge'])]);
      if (r.code !== 0) throw new Error(`stopping control plane ${state.dir} failed: ${r.stderr.trim()}`);
    })();
    return stopped;
  };

  return {
    dir: state.dir,
    kubeconfig: state.kubeconfig,
    server: state.server,
    caFile: state.caFile,
    frontProxy: state.frontProxy,
    k8sVersion: state.k8sVersion,
    ports: state.ports,
    pids: state.pids,
    ...(state.auditLog ? { auditLogPath: state.auditLog } : {}),
    adminCertFile: state.adminCertFile,
    adminKeyFile: state.adminKeyFile,
    kubectl,
    issueServingCert,
    stop,
  };
}
