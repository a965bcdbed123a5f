// `updraft up --metrics-port`: the operator's metrics (servers/keda-metrics.ts, KEDA's names and Updraft's own) for
// a local run, on a plain-HTTP /metrics, so the same Grafana dashboard and alert rules work against a laptop run.
import { KEDA_COMPAT_VERSION } from '../api/build-info.ts';
import type { ScaledObject } from '../api/types.ts';
import type { KubeObject } from '../kube/client.ts';
import type { PollReport } from '../runtime/object-runner.ts';
import type { ReadingsCache } from '../runtime/readings-cache.ts';
import type { ScalerTelemetrySink } from '../scalers/common/scaler-telemetry.ts';
import type { Scaler } from '../scalers/scaler.ts';
import { OperatorMetrics } from '../servers/keda-metrics.ts';
import { prometheusBackend } from '../servers/metric-families.ts';
import { createRegistry, startMetricsServer } from '../servers/prometheus-metrics.ts';

export interface LocalMetrics {
  port: number;
  /** A ScaledObject of the plan (keda_resource_registered_total, keda_trigger_registered_total). */
  register(so: ScaledObject): void;
  polled(so: ScaledObject, scalers: readonly Scaler[], report: PollReport): void;
  loopLateness(key: string, lateMs: number): void;
  /** The triggers' HTTP request and empty-answer counters (keda_scaler_http_*, keda_scaler_empty_upstream_responses_total). */
  telemetry: ScalerTelemetrySink;
  close(): Promise<void>;
}

export async function startLocalMetrics(o: { port: number; host?: string; cache: ReadingsCache; version?: string }): Promise<LocalMetrics> {
  const registry = createRegistry({ defaultMetrics: true });
  const metrics = new OperatorMetrics(prometheusBackend(registry), { version: o.version ?? KEDA_COMPAT_VERSION });
  const off = o.cache.onChange((key, reading) => metrics.sourceRead(key, reading));
  const server = await startMetricsServer({ port: o.port, host: o.host ?? '127.0.0.1', registry });
  return {
    port: server.port,
    register: (so) => metrics.resourceChanged('scaled_object', so as unknown as KubeObject),
    polled: (so, scalers, report) => metrics.scaledObjectPolled(so, scalers, report, 'direct'),
    loopLateness: (key, ms) => metrics.loopLateness(key, ms),
    telemetry: metrics,
    async close() {
      off();
      await server.close();
    },
  };
}
