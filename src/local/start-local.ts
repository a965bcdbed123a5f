// startLocal: the no-cluster composition root, beside the operator's startOperator (src/operator/operator.ts).
// It runs a LocalPlan (plan.ts) on this machine: one ProcessPool (and its optional ProcessService) per ProcessGroup,
// Updraft's OTLP receiver when an `opentelemetry` trigger needs it, one ObjectRunner per ScaledObject in direct
// mode (the HPA algorithm applied by Updraft itself) on the shared scheduler, a RunRecorder per ScaledObject, and
// optionally a load generator. It renders nothing: what happens is reported as LocalEvents, and the handle gives
// the recorders' data and stop(). `updraft up` (src/cli/up.ts) turns the events into lines, a live status, a summary
// and a chart; a dashboard can do the same with the same handle.
import type { ScaledObject } from '../api/types.ts';
import { runLoad, type LoadSummary, type Progress } from '../load/load-generator.ts';
import type { Stage } from '../load/stages.ts';
import { buildObjectScalers, type TriggerBuildError } from '../runtime/build-scalers.ts';
import { ObjectRunner, type PollReport } from '../runtime/object-runner.ts';
import { ReadingsCache } from '../runtime/readings-cache.ts';
import { Scheduler } from '../runtime/scheduler.ts';
import { sharedOtlpMetricStore } from '../scalers/common/otlp-metric-store.ts';
import type { Scaler } from '../scalers/scaler.ts';
import { DEFAULT_OTLP_HTTP_PORT, OtlpReceiver } from '../servers/otlp-receiver.ts';
import type { OtlpGrpcReceiver } from '../servers/otlp-grpc-receiver.ts';
import { ProcessPool, type OutputLine, type PoolEvent } from '../targets/process-pool.ts';
import { ProcessService } from '../targets/process-service.ts';
import { startLocalMetrics, type LocalMetrics } from './local-metrics.ts';
import type { LocalPlan } from './plan.ts';
import { RunRecorder, type LiveStatus } from './run-recorder.ts';

/** What a local run reports, in the order it happens. Objects are named `namespace/name`. */
export type LocalEvent =
  | { type: 'otlp-receiver'; url: string }
  | { type: 'otlp-grpc-receiver'; address: string }
  | { type: 'pool'; group: string; event: PoolEvent }
  | { type: 'service'; group: string; url: string }
  | { type: 'build-warning'; scaledObject: ScaledObject; message: string }
  | { type: 'runner'; scaledObject: ScaledObject; group: string }
  /** Every runner started (the load, if any, starts right after). */
  | { type: 'running' }
  | { type: 'poll'; scaledObject: ScaledObject; report: PollReport; status: LiveStatus }
  | { type: 'target-error'; scaledObject: ScaledObject; message: string }
  | { type: 'loop-error'; key: string; error: Error }
  | { type: 'load-started'; url: string; stages: Stage[] }
  | { type: 'load-progress'; progress: Progress }
  | { type: 'load-finished'; summary: LoadSummary }
  | { type: 'load-failed'; error: Error };

export interface LocalLoadOptions {
  /** A full URL, or a path on the first ProcessGroup's service (e.g. /work). */
  target: string;
  stages: Stage[];
  /** Most requests in flight. */
  concurrency: number;
}

export interface LocalOptions {
  /** Port of the OTLP/HTTP receiver (default 4318; 0 picks a free one). Started only if a trigger is `opentelemetry`. */
  otlpPort?: number;
  /** Address it listens on (default 127.0.0.1). */
  otlpHost?: string;
  /** Port of the OTLP/gRPC receiver on otlpHost (0 picks a free one); undefined: none. Started only if a trigger is `opentelemetry`. */
  otlpGrpcPort?: number;
  /** Serve the operator's metrics (KEDA's and Updraft's) on this port's /metrics (0 picks one); undefined: none. */
  metricsPort?: number;
  metricsHost?: string;
  /** Environment every instance starts from (default process.env); OTEL_EXPORTER_OTLP_ENDPOINT is added. */
  baseEnv?: NodeJS.ProcessEnv;
  /** The instances' own output lines; default: dropped. */
  output?: (line: OutputLine) => void;
  /** Drive load in this process once everything runs. */
  load?: LocalLoadOptions;
  /** Clock of the scale loops and the recorders (default Date.now). */
  now?: () => number;
  onEvent?: (e: LocalEvent) => void;
}

/** The ScaledObject's triggers could not be built; `errors` says which and why. Nothing is left running. */
export class LocalTriggerError extends Error {
  constructor(readonly errors: Array<TriggerBuildError & { scaledObject: ScaledObject }>) {
    super('fix the triggers above and run again');
  }
}

export interface RunningLocal {
  /** When the run started (the recorders' time zero), ms. */
  readonly startedMs: number;
  /** The OTLP receiver's URL (127.0.0.1 in place of 0.0.0.0), when one runs. */
  readonly otlpUrl?: string;
  /** The OTLP/gRPC receiver's host:port, when one runs. */
  readonly otlpGrpcAddress?: string;
  /** The /metrics port, with metricsPort. */
  readonly metricsPort?: number;
  /** `namespace/name` of the ProcessGroup → its pool. */
  readonly pools: ReadonlyMap<string, ProcessPool>;
  /** URL of the first ProcessGroup with spec.service. */
  readonly serviceUrl?: string;
  readonly runners: readonly ObjectRunner[];
  /** One per ScaledObject, in plan order: every poll, the offered load; summary() and chart(). */
  readonly recorders: readonly RunRecorder[];
  /** The load's summary once it finished. */
  readonly loadSummary: LoadSummary | undefined;
  /** No load is running any more (or none was asked for). */
  readonly loadDone: boolean;
  /** Every ScaledObject has polled and is at its minimum (or zero) and not active. */
  atMinimum(): boolean;
  /** Stop the load, the loops, the scalers, the services, every instance (SIGTERM, then SIGKILL) and the receiver. */
  stop(): Promise<void>;
}

export async function startLocal(plan: LocalPlan, opts: LocalOptions = {}): Promise<RunningLocal> {
  const now = opts.now ?? Date.now;
  const emit = (e: LocalEvent) => opts.onEvent?.(e);
  const startedMs = now();
  const store = sharedOtlpMetricStore();
  const host = opts.otlpHost ?? '127.0.0.1';
  const port = opts.otlpPort ?? DEFAULT_OTLP_HTTP_PORT;
  const baseEnv: NodeJS.ProcessEnv = { ...(opts.baseEnv ?? process.env) };
  const pools = new Map<string, ProcessPool>();
  const services: ProcessService[] = [];
  const runners: ObjectRunner[] = [];
  const recorders: RunRecorder[] = [];
  const scalers: Scaler[] = [];
  const loadAbort = new AbortController();
  const scheduler = new Scheduler({
    onError: (key, err) => emit({ type: 'loop-error', key, error: err as Error }),
    onLateness: (key, ms) => metrics?.loopLateness(key, ms),
  });
  const cache = new ReadingsCache();
  let receiver: OtlpReceiver | undefined;
  let otlpUrl: string | undefined;
  let grpcReceiver: OtlpGrpcReceiver | undefined;
  let otlpGrpcAddress: string | undefined;
  let serviceUrl: string | undefined;
  let loadSummary: LoadSummary | undefined;
  let loadDone = opts.load === undefined;
  let stopped: Promise<void> | undefined;
  let metrics: LocalMetrics | undefined;

  const stop = () =>
    (stopped ??= (async () => {
      loadAbort.abort();
      for (const r of runners) r.stop();
      await scheduler.stop();
      await Promise.all(scalers.map((s) => s.close().catch(() => undefined)));
      await Promise.all(services.map((s) => s.close()));
      await Promise.all([...pools.values()].map((p) => p.close()));
      await receiver?.close();
      await grpcReceiver?.close();
      await metrics?.close();
    })());

  try {
    if (opts.metricsPort !== undefined) metrics = await startLocalMetrics({ port: opts.metricsPort, host: opts.metricsHost, cache });
    if (plan.scaledObjects.some((so) => so.spec.triggers.some((t) => t.type === 'opentelemetry'))) {
      receiver = new OtlpReceiver({ store, port, host });
      const { url } = await receiver.start().catch((err: Error) => {
        receiver = undefined;
        throw new Error(`cannot listen for OTLP on ${host}:${port} (${err.message}); stop what uses it or pass --otlp-port`);
      });
      otlpUrl = url.replace('0.0.0.0', '127.0.0.1');
      baseEnv.OTEL_EXPORTER_OTLP_ENDPOINT = otlpUrl;
      emit({ type: 'otlp-receiver', url: otlpUrl });
      if (opts.otlpGrpcPort !== undefined) {
        // Loaded only when asked for: grpc-js stays out of a run that does not use it.
        const { OtlpGrpcReceiver } = await import('../servers/otlp-grpc-receiver.ts');
        const r = new OtlpGrpcReceiver({ store, port: opts.otlpGrpcPort, host });
        const { address } = await r.start().catch((err: Error) => {
          throw new Error(`cannot listen for OTLP/gRPC on ${host}:${opts.otlpGrpcPort} (${err.message}); stop what uses it or pass another --otlp-grpc-port`);
        });
        grpcReceiver = r;
        otlpGrpcAddress = address.replace('0.0.0.0', '127.0.0.1');
        emit({ type: 'otlp-grpc-receiver', address: otlpGrpcAddress });
      }
    }

    for (const { group, baseDir } of plan.groups) {
      const pool = new ProcessPool(group, { baseDir, baseEnv, output: opts.output ?? (() => undefined) });
      pool.on('event', (event: PoolEvent) => emit({ type: 'pool', group: group.metadata.name, event }));
      pools.set(`${group.metadata.namespace}/${group.metadata.name}`, pool);
      if (group.spec.service) {
        const svc = new ProcessService(pool, store);
        const { url } = await svc.start();
        services.push(svc);
        serviceUrl ??= url;
        emit({ type: 'service', group: group.metadata.name, url });
      }
      if (group.spec.replicas > 0) await pool.setReplicas(group.spec.replicas);
    }

    for (const so of plan.scaledObjects) {
      const pool = pools.get(`${so.metadata.namespace}/${so.spec.scaleTargetRef.name}`);
      if (!pool) throw new Error(`ScaledObject ${so.metadata.namespace}/${so.metadata.name}: no ProcessGroup ${so.spec.scaleTargetRef.name} in the plan`);
      const built = await buildObjectScalers(so, {
        source: plan.source,
        ...(metrics ? { scalerTelemetry: metrics.telemetry } : {}),
        podSpec: { containers: [{ name: pool.name, env: Object.entries(pool.group.spec.env).map(([name, value]) => ({ name, value })) }] },
      });
      for (const message of built.warnings) emit({ type: 'build-warning', scaledObject: so, message });
      if (!built.ok) throw new LocalTriggerError(built.errors.map((e) => ({ ...e, scaledObject: so })));
      scalers.push(...built.scalers);
      metrics?.register(so);
      let recorder: RunRecorder | undefined;
      const runner = new ObjectRunner({
        so,
        scalers: built.scalers,
        target: pool,
        mode: 'direct',
        scheduler,
        cache,
        now,
        hooks: {
          onPoll: (report) => {
            metrics?.polled(so, built.scalers, report);
            if (!recorder) return;
            emit({ type: 'poll', scaledObject: so, report, status: recorder.record(report) });
          },
          onTargetError: (message) => emit({ type: 'target-error', scaledObject: so, message }),
        },
      });
      recorder = new RunRecorder(so, runner.plan.triggers, startedMs);
      recorders.push(recorder);
      runners.push(runner);
      emit({ type: 'runner', scaledObject: so, group: pool.name });
    }

    const loadUrl =
      opts.load && (/^https?:\/\//.test(opts.load.target) ? opts.load.target : serviceUrl ? new URL(opts.load.target, serviceUrl).toString() : undefined);
    if (opts.load && !loadUrl) throw new Error(`--load ${opts.load.target}: give a full URL, or a path with a ProcessGroup that has spec.service`);

    for (const r of runners) r.start();
    emit({ type: 'running' });

    // Optional load, in this process: the quickstart in one command.
    if (opts.load && loadUrl) {
      emit({ type: 'load-started', url: loadUrl, stages: opts.load.stages });
      void runLoad({
        url: loadUrl,
        stages: opts.load.stages,
        concurrency: opts.load.concurrency,
        signal: loadAbort.signal,
        onProgress: (progress) => {
          for (const r of recorders) r.recordLoad(now(), progress.targetRate);
          emit({ type: 'load-progress', progress });
        },
      })
        .then((summary) => {
          loadSummary = summary;
          for (const r of recorders) r.recordLoad(now(), 0);
          emit({ type: 'load-finished', summary });
        })
        .catch((error: Error) => emit({ type: 'load-failed', error }))
        .finally(() => (loadDone = true));
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    startedMs,
    otlpUrl,
    otlpGrpcAddress,
    metricsPort: metrics?.port,
    pools,
    serviceUrl,
    runners,
    recorders,
    get loadSummary() {
      return loadSummary;
    },
    get loadDone() {
      return loadDone;
    },
    atMinimum: () =>
      runners.every((r) => r.last !== undefined && r.current.replicas <= Math.max(r.so.spec.minReplicaCount, 0) && !r.last.poll.activity.isActive),
    stop,
  };
}
