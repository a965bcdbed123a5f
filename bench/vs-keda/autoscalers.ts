// The autoscalers the vs-KEDA benchmark runs, each as its own processes against a control plane, so CPU and RSS
// are the product's: Updraft (`node bin/updraft.js operator`, compiled lib/ — `npm run build` first — in hpa mode
// with its external metrics API registered as the APIService, or in direct mode) and KEDA 2.21 (operator + metrics
// adapter, test/support/keda.ts; at its defaults, and with a raised client rate limit for a fair run at scale).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlPlane } from '../../test/support/control-plane.ts';
import { freePort } from '../../test/support/free-port.ts';
import { registerMetricsApi } from '../../test/support/metrics-api-registration.ts';
import { waitFor } from '../../test/support/wait.ts';

export const repoRoot = join(fileURLToPath(import.meta.url), '..', '..', '..');
/** Where bin/updraft.js and its lib/ are: this checkout, or UPDRAFT_BENCH_ROOT (e.g. a copy of an earlier build, for before/after). */
const updraftRoot = process.env.UPDRAFT_BENCH_ROOT ?? repoRoot;

export interface AutoscalerRun {
  name: string;
  pids(): number[];
  /** Names of pids(), in the same order (e.g. keda-operator, keda-adapter). */
  pidNames?: string[];
  /** Prometheus /metrics of the process(es) that run the scale loops. */
  metricsUrls: string[];
  /** Where its log lines go. */
  logFile?: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Namespace of the autoscaler itself (Lease, its metrics API Service). */
  namespace?: string;
  /** More command-line flags (Updraft only), e.g. ['--kube-api-qps', '50']. */
  extraArgs?: string[];
  /** More environment (Updraft only). */
  env?: Record<string, string>;
  /** Node flags for Updraft's process, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']. */
  nodeArgs?: string[];
  /**
   * Run Updraft's process under `nice -n <nice>` (negative needs root): with a higher priority than the control
   * plane sharing this machine's cores, what is left of its lateness is its own work, not a wait for a core.
   */
  nice?: number;
}

export interface Autoscaler {
  name: string;
  start(cp: ControlPlane, opts: StartOptions): Promise<AutoscalerRun>;
}

/** lib/ from `npm run build`: the runtime the image runs (bin/updraft.js with UPDRAFT_RUNTIME=compiled). */
export function updraftBuilt(): boolean {
  return existsSync(join(updraftRoot, 'lib', 'cli', 'main.js'));
}

function updraft(name: string, mode: 'hpa' | 'direct'): Autoscaler {
  return {
    name,
    async start(cp, opts) {
      if (!updraftBuilt()) throw new Error(`${name}: lib/cli/main.js is missing; run \`npm run build\` first`);
      const namespace = opts.namespace ?? 'updraft-system';
      await cp.kubectl(['create', 'namespace', namespace]).catch(() => undefined);
      const metricsPort = await freePort();
      const args = [
        ...(opts.nodeArgs ?? []),
        join(updraftRoot, 'bin', 'updraft.js'),
        'operator',
        '--kubeconfig',
        cp.kubeconfig,
        '--namespace',
        namespace,
        '--no-leader-elect',
        '--mode',
        mode,
        '--metrics-bind-address',
        `127.0.0.1:${metricsPort}`,
        '--health-probe-bind-address',
        '0',
        '--log-format',
        'json',
      ];
      if (mode === 'hpa') {
        const reg = await registerMetricsApi(cp, namespace);
        args.push('--metrics-api-bind-address', `127.0.0.1:${reg.port}`, '--tls-cert-file', reg.cert.certFile, '--tls-key-file', reg.cert.keyFile);
      } else {
        args.push('--metrics-api-bind-address', '0');
      }
      args.push(...(opts.extraArgs ?? []));
      const logFile = join(cp.dir, 'logs', `${name}.log`);
      const log = createWriteStream(logFile);
      // `nice` execs node, so the pid is node's and every thread it starts has the same priority.
      const [cmd, cmdArgs] = opts.nice === undefined ? [process.execPath, args] : ['nice', ['-n', String(opts.nice), process.execPath, ...args]];
      const child: ChildProcess = spawn(cmd, cmdArgs, {
        cwd: updraftRoot,
        env: { ...process.env, UPDRAFT_RUNTIME: 'compiled', ...(opts.env ?? {}) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      let exited: string | undefined;
      child.once('exit', (code, signal) => (exited = `exited (code ${code}, signal ${signal})`));
      const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      try {
        // /metrics answers once the ScaledObject informer has synced and every server is bound (operator.ts).
        await waitFor(
          `${name} /metrics`,
          async () => {
            if (exited) throw new Error(`${name} ${exited}; see ${logFile}`);
            return (await fetch(metricsUrl).catch(() => undefined))?.ok === true;
          },
          300_000,
          250,
        );
      } catch (err) {
        child.kill('SIGKILL');
        throw err;
      }
      return {
        name,
        pids: () => (child.pid ? [child.pid] : []),
        pidNames: [name],
        metricsUrls: [metricsUrl],
        logFile,
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
            child.once('exit', () => {
              clearTimeout(kill);
              log.end(() => resolve());
            });
            child.kill('SIGTERM');
          }),
      };
    },
  };
}

/** test/support/keda.ts (KEDA 2.21 built by scripts/slow/keda.sh), loaded when a KEDA run starts. */
interface KedaModule {
  kedaBuilt(): boolean;
  startKeda(
    cp: ControlPlane,
    opts?: { kubeApiQps?: number; kubeApiBurst?: number; namespace?: string; registerApiService?: boolean },
  ): Promise<{ operatorPid: number; adapterPid: number; operatorMetricsUrl: string; stop(): Promise<void> }>;
}

/** Whether KEDA's binaries are built (false when test/support/keda.ts or the build is missing). */
export async function kedaAvailable(): Promise<boolean> {
  try {
    return (await loadKeda()).kedaBuilt();
  } catch {
    return false;
  }
}

async function loadKeda(): Promise<KedaModule> {
  // A path in a variable: the launcher is another file of the repository, loaded only for a KEDA run.
  const path = join(repoRoot, 'test', 'support', 'keda.ts');
  return (await import(path)) as KedaModule;
}

function keda(name: string, client?: { kubeApiQps: number; kubeApiBurst: number }): Autoscaler {
  return {
    name,
    async start(cp, opts) {
      const k = await loadKeda();
      if (!k.kedaBuilt()) throw new Error(`${name}: KEDA is not built; run \`bash scripts/slow/keda.sh\``);
      const run = await k.startKeda(cp, { ...(client ?? {}), ...(opts.namespace ? { namespace: opts.namespace } : {}) });
      return {
        name,
        pids: () => [run.operatorPid, run.adapterPid],
        pidNames: [`${name}-operator`, `${name}-adapter`],
        metricsUrls: [run.operatorMetricsUrl],
        stop: () => run.stop(),
      };
    },
  };
}

export const autoscalers: { updraftHpa: Autoscaler; updraftDirect: Autoscaler; keda: Autoscaler; kedaFastClient: Autoscaler } = {
  updraftHpa: updraft('updraft-hpa', 'hpa'),
  updraftDirect: updraft('updraft-direct', 'direct'),
  // KEDA's defaults: client-go QPS 20, burst 30 (cmd/operator/main.go --kube-api-qps/--kube-api-burst).
  keda: keda('keda'),
  kedaFastClient: keda('keda-fast-client', { kubeApiQps: 500, kubeApiBurst: 1000 }),
};
