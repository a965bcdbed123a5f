// kube-state-metrics (k8s.io/kube-state-metrics/v2, built by scripts/deps/kube-state-metrics.sh) against the local
// control plane's admin kubeconfig, on free loopback ports: the kube_* series Grafana dashboards join with KEDA's
// (KEDA's config/grafana/keda-dashboard.json reads kube_horizontalpodautoscaler_status_current_replicas and
// kube_horizontalpodautoscaler_spec_max_replicas for the HPAs KEDA creates). `url` is the /metrics endpoint's base.
import { spawn, spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlPlane } from './control-plane.ts';
import { freePort } from './free-port.ts';
import { eventually } from './wait.ts';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');

export interface KubeStateMetrics {
  /** http://127.0.0.1:<port> (GET /metrics). */
  url: string;
  /** host:port, for a Prometheus scrape target. */
  target: string;
  logFile: string;
  stop(): Promise<void>;
}

export function kubeStateMetricsBinary(): string {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'deps', 'kube-state-metrics.sh')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/deps/kube-state-metrics.sh failed: ${r.stderr.slice(-2000)}`);
  return r.stdout.trim().split('\n').pop()!;
}

/** The resources the dashboards need (HPAs) and their scale targets (Deployments). */
export const DASHBOARD_RESOURCES = ['horizontalpodautoscalers', 'deployments'];

export async function startKubeStateMetrics(cp: ControlPlane, opts: { resources?: string[] } = {}): Promise<KubeStateMetrics> {
  const bin = kubeStateMetricsBinary();
  const dir = await mkdtemp(join(tmpdir(), 'updraft-ksm-'));
  const logFile = join(dir, 'kube-state-metrics.log');
  const port = await freePort();
  const telemetryPort = await freePort();
  const child = spawn(
    bin,
    [
      `--kubeconfig=${cp.kubeconfig}`,
      '--host=127.0.0.1',
      `--port=${port}`,
      '--telemetry-host=127.0.0.1',
      `--telemetry-port=${telemetryPort}`,
      `--resources=${(opts.resources ?? DASHBOARD_RESOURCES).join(',')}`,
    ],
    { stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')] },
  );
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited ${code ?? signal} (log ${logFile})`));
  const url = `http://127.0.0.1:${port}`;
  // Serving once its informers have synced: /metrics answers and /healthz is ok.
  await eventually(
    'kube-state-metrics serving /metrics',
    async () => {
      if (exited) throw new Error(`kube-state-metrics ${exited}`);
      const res = await fetch(`${url}/healthz`).catch(() => undefined);
      return res?.ok ? true : undefined;
    },
    60_000,
    200,
  );
  return {
    url,
    target: `127.0.0.1:${port}`,
    logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
