// The operator's metrics: KEDA's, with KEDA's names, types and labels (KEDA pkg/metricscollector/prommetrics.go,
// opentelemetry.go; the webhook's are in admission-webhook.ts, as KEDA's pkg/metricscollector/webhook/), so the
// dashboards and alerts written for KEDA keep working — and Updraft's own (`updraft_*`) where they say more:
// each decision with the kind of its reason, every source query by trigger type, direct mode's replicas, loop
// lateness as a histogram. Fed by the operator: the scale loops' poll reports, the ScaledJob polls, the watches
// (registrations, pause), the scheduler (lateness), the readings cache (source queries), the webhook decisions.
// Written once into a MetricsBackend: the Prometheus registry, and the OTLP exporter when enabled.
import { buildInfo } from '../api/build-info.ts';
import type { ScaledJob, ScaledObject } from '../api/types.ts';
import type { KubeObject } from '../kube/client.ts';
import type { PollReport, ScalingMode } from '../runtime/object-runner.ts';
import type { TriggerReading } from '../runtime/readings-cache.ts';
import { httpStatusCodeLabel, type ScalerTelemetrySink, type TriggerAttribution } from '../scalers/common/scaler-telemetry.ts';
import type { Scaler } from '../scalers/scaler.ts';
import type { AdmissionRequestInfo, ValidationResult } from './admission-webhook.ts';
import { kedaScalerLabel } from './keda-scaler-names.ts';
import type { CounterFamily, FamilySpec, GaugeFamily, HistogramFamily, Labels, MetricsBackend } from './metric-families.ts';

/** KEDA's label set of the per-scaler series (prommetrics.go `metricLabels`). */
const SCALER_LABELS = ['namespace', 'metric', 'scaledObject', 'scaler', 'triggerIndex', 'type'] as const;

/** KEDA's OTel attributes of the per-scaler series: `scalerIndex` and no `type` for ScaledObjects, `scaledJob` for jobs (opentelemetry.go `getScalerMeasurementOption`). */
const scalerOtelAttributes = (l: Labels): Labels =>
  l.type === 'scaledjob'
    ? { namespace: l.namespace, scaledJob: l.scaledObject, scaler: l.scaler, triggerIndex: l.triggerIndex, metric: l.metric }
    : { namespace: l.namespace, scaledObject: l.scaledObject, scaler: l.scaler, scalerIndex: l.triggerIndex, metric: l.metric };

/** KEDA's resource type names (metricscollectors.go): the `type` label of keda_resource_registered_total. */
export type ResourceType = 'scaled_object' | 'scaled_job' | 'trigger_authentication' | 'cluster_trigger_authentication';

/** KEDA's default namespace label for cluster-scoped resources (opentelemetry.go `defaultNamespace`). */
const DEFAULT_NAMESPACE = 'default';

export const FAMILIES = {
  buildInfo: {
    name: 'keda_build_info',
    help: 'Build of the running operator (always 1): version, commit and runtime (Updraft: the Node.js version stands in for goversion)',
    labels: ['version', 'git_commit', 'goversion', 'goos', 'goarch'],
    otel: 'keda.build.info',
    otelInt: true,
  },
  scalerValue: {
    name: 'keda_scaler_metrics_value',
    help: "Each trigger metric's last value, the one the HPA (or direct mode) divides by the target",
    labels: SCALER_LABELS,
    otel: 'keda.scaler.metrics.value',
    otelAttributes: scalerOtelAttributes,
  },
  scalerLatency: {
    name: 'keda_scaler_metrics_latency_seconds',
    help: 'How long the last read of each trigger metric took, in seconds',
    labels: SCALER_LABELS,
    otel: 'keda.scaler.metrics.latency.seconds',
    otelUnit: 's',
    otelAttributes: scalerOtelAttributes,
    otelAlso: [
      { name: 'keda.scaler.metrics.latency', help: 'DEPRECATED - use keda.scaler.metrics.latency.seconds (this one is in milliseconds)', factor: 1000 },
    ],
  },
  scalerActive: {
    name: 'keda_scaler_active',
    help: 'Whether each trigger metric is active (1) or not (0) at the last read',
    labels: SCALER_LABELS,
    otel: 'keda.scaler.active',
    otelAttributes: scalerOtelAttributes,
  },
  scalerErrors: {
    name: 'keda_scaler_detail_errors_total',
    help: 'Failed reads of each trigger metric',
    labels: SCALER_LABELS,
    otel: 'keda.scaler.errors',
    otelAttributes: scalerOtelAttributes,
  },
  soErrors: {
    name: 'keda_scaled_object_errors_total',
    help: 'Errors of each ScaledObject (its triggers failing to read)',
    labels: ['namespace', 'scaledObject'],
    otel: 'keda.scaledobject.errors',
  },
  sjErrors: {
    name: 'keda_scaled_job_errors_total',
    help: 'Errors of each ScaledJob (its triggers failing to read)',
    labels: ['namespace', 'scaledJob'],
    otel: 'keda.scaledjob.errors',
  },
  soPaused: {
    name: 'keda_scaled_object_paused',
    help: 'Whether each ScaledObject is paused (1) or not (0), from its Paused condition',
    labels: ['namespace', 'scaledObject'],
    otel: 'keda.scaled.object.paused',
  },
  loopLatency: {
    name: 'keda_internal_scale_loop_latency_seconds',
    help: 'How late the last scale loop iteration of each object started versus when it was due, in seconds',
    labels: ['namespace', 'type', 'resource'],
    otel: 'keda.internal.scale.loop.latency.seconds',
    otelUnit: 's',
    otelAttributes: (l: Labels) => ({ namespace: l.namespace, type: l.type, name: l.resource }),
    otelAlso: [
      {
        name: 'keda.internal.scale.loop.latency',
        help: 'DEPRECATED - use keda.internal.scale.loop.latency.seconds (this one is in milliseconds)',
        factor: 1000,
      },
    ],
  },
  triggerRegistered: {
    name: 'keda_trigger_registered_total',
    help: 'Triggers of each type on the ScaledObjects and ScaledJobs the operator watches',
    labels: ['type'],
    otel: 'keda.trigger.registered.count',
    otelAlso: [{ name: 'keda.trigger.totals', help: "DEPRECATED - use 'keda.trigger.registered.count'", factor: 1 }],
  },
  resourceRegistered: {
    name: 'keda_resource_registered_total',
    help: 'KEDA custom resources the operator watches, per kind and namespace',
    labels: ['type', 'namespace'],
    otel: 'keda.resource.registered.count',
    otelAlso: [{ name: 'keda.resource.totals', help: "DEPRECATED - use 'keda.resource.registered.count'", factor: 1 }],
  },
  // KEDA pkg/metricscollector/prommetrics.go httpClientRequestsTotal / opentelemetry.go otHTTPClientRequestsCounter:
  // every outbound HTTP request of a metric read, by trigger and status (`error` when no response came).
  httpRequests: {
    name: 'keda_scaler_http_requests_total',
    help: 'Total number of outbound HTTP requests issued during scaler metric collection.',
    labels: ['namespace', 'scaled_resource', 'scaler', 'trigger_name', 'metric_name', 'status_code'],
    otel: 'keda.scaler.http.requests.count',
  },
  // KEDA prommetrics.go emptyUpstreamResponse, recorded by the prometheus scaler for a query with no series
  // (pkg/scalers/prometheus_scaler.go); in OpenTelemetry the kind is a boolean `isScaledObject` (opentelemetry.go).
  emptyUpstream: {
    name: 'keda_scaler_empty_upstream_responses_total',
    help: 'Number of times a query returns an empty result',
    labels: ['namespace', 'scaledResource', 'triggerName', 'metricName', 'resourceType', 'ignoreNullValues'],
    otel: 'keda.scaler.empty.upstream.responses',
    otelAttributes: (l: Labels) => ({
      namespace: l.namespace,
      scaledResource: l.scaledResource,
      triggerName: l.triggerName,
      metricName: l.metricName,
      isScaledObject: l.resourceType === 'ScaledObject',
      ignoreNullValues: l.ignoreNullValues === 'true',
    }),
  },
  // Updraft's own.
  decisions: {
    name: 'updraft_scale_decisions_total',
    help: 'Scale loop decisions, by action and the kind of their reason (scaledJob: the ScaledJob name for jobs)',
    labels: ['namespace', 'scaledObject', 'type', 'mode', 'action', 'reason'],
    otel: 'updraft.scale.decisions',
  },
  sourceQueries: {
    name: 'updraft_source_queries_total',
    help: 'Reads of event sources (polls and metrics API reads, not reused readings or pushes), by trigger type and outcome',
    labels: ['trigger_type', 'outcome'],
    otel: 'updraft.source.queries',
  },
  sourceQuerySeconds: {
    name: 'updraft_source_query_duration_seconds',
    help: 'How long source reads take, by trigger type',
    labels: ['trigger_type'],
    otel: 'updraft.source.query.duration',
    otelUnit: 's',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  },
  directReplicas: {
    name: 'updraft_direct_replicas',
    help: "Direct mode's replicas per ScaledObject: current, desired (what it wrote or keeps), metric (the HPA formula before behavior), min and max",
    labels: ['namespace', 'scaledObject', 'kind'],
    otel: 'updraft.direct.replicas',
  },
  pollLateness: {
    name: 'updraft_poll_lateness_seconds',
    help: 'How late scale loop iterations start versus when they were due (every iteration, not just the last)',
    labels: ['type'],
    otel: 'updraft.poll.lateness',
    otelUnit: 's',
    // Fine around the scale goals (p95 < 75 ms, p99 < 150 ms, max < 200 ms at 10,000 ScaledObjects; bench/vs-keda/scale.ts).
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2.5, 5, 10],
  },
  webhookDecisions: {
    name: 'updraft_webhook_decisions_total',
    help: 'Admission webhook decisions for every kind it validates, by result and reason',
    labels: ['kind', 'operation', 'allowed', 'reason'],
    otel: 'updraft.webhook.decisions',
  },
} satisfies Record<string, FamilySpec>;

/** KEDA's histogram buckets of keda_scaler_http_request_duration_seconds (prommetrics.go newHTTPClientRequestDuration). */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * keda_scaler_http_request_duration_seconds: by scaler and status only, unless KEDA's
 * --enable-high-cardinality-metrics-labels adds the object, trigger and metric (prommetrics.go
 * newHTTPClientRequestDuration; opentelemetry.go RecordHTTPClientRequest keeps the SDK's buckets).
 */
export function httpDurationFamily(highCardinalityLabels: boolean): FamilySpec {
  return {
    name: 'keda_scaler_http_request_duration_seconds',
    help: 'Duration in seconds of outbound HTTP requests issued during scaler metric collection.',
    labels: highCardinalityLabels ? ['namespace', 'scaled_resource', 'scaler', 'trigger_name', 'metric_name', 'status_code'] : ['scaler', 'status_code'],
    buckets: HTTP_DURATION_BUCKETS,
    otel: 'keda.scaler.http.request.duration.seconds',
    otelUnit: 's',
    otelSdkBuckets: true,
  };
}

/**
 * The kind of a decision's reason, a small fixed set (the reason text itself is per object and too varied to be a
 * label): from the engine action and the Ready/Active conditions it sets.
 */
export function reasonKind(report: Pick<PollReport, 'poll' | 'hpa' | 'scaleError'>): string {
  const d = report.poll.decision;
  if (report.scaleError) return 'scale-error';
  if (d.action === 'paused') return 'paused';
  if (d.action === 'activate') return 'activation';
  if (d.action === 'deactivate') return 'deactivation';
  if (d.action === 'floor') return 'below-min-replicas';
  const ready = d.conditions.find((c) => c.type === 'Ready')?.reason;
  const active = d.conditions.find((c) => c.type === 'Active');
  if (ready === 'TriggerError') return report.poll.fallbackActive ? 'fallback' : 'triggers-failing';
  if (ready === 'PartialTriggerError') return 'partial-trigger-error';
  if (/\bblocks (activation|deactivation)\b/.test(d.reason)) return 'blocked-by-annotation';
  if (active?.reason === 'ScalerCooldown') return 'cooldown';
  if (report.hpa?.changed) return report.hpa.stabilized ? 'hpa-stabilized' : `hpa-${report.hpa.kind}`;
  if (d.reason.startsWith('triggers failing, fallback')) return 'fallback';
  return active?.status === 'True' ? 'active' : 'inactive';
}

/** The action of a poll for updraft_scale_decisions_total: the engine's, or `hpa-scale` when direct mode's HPA maths changed the count. */
function actionOf(report: PollReport): string {
  const d = report.poll.decision;
  if (d.action === 'none' && report.hpa?.changed) return 'hpa-scale';
  return d.action;
}

interface ObjectEntry {
  type: 'scaledobject' | 'scaledjob';
  namespace: string;
  triggerTypes: string[];
  /** Label sets of the per-scaler series written for it (removed when it goes: KEDA DeleteScalerMetrics). */
  series: Set<string>;
  /** Per trigger, the `at` of the last reading counted (a reading reused by the next poll is not a new error). */
  counted: Map<number, number>;
}

export interface OperatorMetricsOptions {
  version: string;
  gitCommit?: string;
  /** KEDA's --enable-high-cardinality-metrics-labels: the HTTP duration histogram also by object, trigger and metric. */
  highCardinalityLabels?: boolean;
}

/** The collector. Every method is total: a bad input never throws into a scale loop. */
export class OperatorMetrics implements ScalerTelemetrySink {
  private readonly f: {
    gauges: Record<'buildInfo' | 'scalerValue' | 'scalerLatency' | 'scalerActive' | 'soPaused' | 'loopLatency' | 'directReplicas', GaugeFamily>;
    upDown: Record<'triggerRegistered' | 'resourceRegistered', GaugeFamily>;
    counters: Record<
      'scalerErrors' | 'soErrors' | 'sjErrors' | 'decisions' | 'sourceQueries' | 'webhookDecisions' | 'httpRequests' | 'emptyUpstream',
      CounterFamily
    >;
    histograms: Record<'sourceQuerySeconds' | 'pollLateness' | 'httpDuration', HistogramFamily>;
  };
  /** `scaledobject/<ns>/<name>` → what was registered for it. */
  private readonly objects = new Map<string, ObjectEntry>();
  private readonly highCardinalityLabels: boolean;
  /** Registered resources: `<type>/<ns>/<name>` → namespace label. */
  private readonly resources = new Map<string, { type: ResourceType; namespace: string; triggers: string[] }>();
  /** Registered resources per `<type>/<namespace>`, and triggers per type (keda_resource/trigger_registered_total). */
  private readonly resourceCounts = new Map<string, number>();
  private readonly triggerCounts = new Map<string, number>();

  constructor(backend: MetricsBackend, o: OperatorMetricsOptions) {
    const F = FAMILIES;
    this.f = {
      gauges: {
        buildInfo: backend.gauge(F.buildInfo),
        scalerValue: backend.gauge(F.scalerValue),
        scalerLatency: backend.gauge(F.scalerLatency),
        scalerActive: backend.gauge(F.scalerActive),
        soPaused: backend.gauge(F.soPaused),
        loopLatency: backend.gauge(F.loopLatency),
        directReplicas: backend.gauge(F.directReplicas),
      },
      upDown: { triggerRegistered: backend.upDown(F.triggerRegistered), resourceRegistered: backend.upDown(F.resourceRegistered) },
      counters: {
        scalerErrors: backend.counter(F.scalerErrors),
        soErrors: backend.counter(F.soErrors),
        sjErrors: backend.counter(F.sjErrors),
        decisions: backend.counter(F.decisions),
        sourceQueries: backend.counter(F.sourceQueries),
        webhookDecisions: backend.counter(F.webhookDecisions),
        httpRequests: backend.counter(F.httpRequests),
        emptyUpstream: backend.counter(F.emptyUpstream),
      },
      histograms: {
        sourceQuerySeconds: backend.histogram(F.sourceQuerySeconds),
        pollLateness: backend.histogram(F.pollLateness),
        httpDuration: backend.histogram(httpDurationFamily(o.highCardinalityLabels ?? false)),
      },
    };
    this.highCardinalityLabels = o.highCardinalityLabels ?? false;
    // The labels `updraft --version` prints (src/api/build-info.ts); version and git_commit as the caller gives them.
    this.f.gauges.buildInfo.set({ ...buildInfo().labels, version: o.version, git_commit: o.gitCommit ?? buildInfo().labels.git_commit }, 1);
  }

  /** After each ScaledObject poll (KEDA pkg/scaling/scale_handler.go `getScalerState`, `processMetricsWithFallback`). */
  scaledObjectPolled(so: ScaledObject, scalers: readonly Pick<Scaler, 'metricSpecs'>[], report: PollReport, mode: ScalingMode): void {
    guard(() => {
      const { namespace, name } = so.metadata;
      const entry = this.entry(
        'scaledobject',
        namespace,
        name,
        so.spec.triggers.map((t) => t.type),
      );
      this.recordTriggers(entry, name, so.spec.triggers, scalers, report.readings, true);
      const d = report.poll.decision;
      this.f.counters.decisions.inc({ namespace, scaledObject: name, type: 'scaledobject', mode, action: actionOf(report), reason: reasonKind(report) });
      if (mode === 'direct') {
        const current = report.scaled && !report.scaleError ? report.scaled.to : report.counts.replicas;
        const g = (kind: string, v: number | undefined) =>
          v === undefined ? undefined : this.f.gauges.directReplicas.set({ namespace, scaledObject: name, kind }, v);
        g('current', current);
        g('desired', report.hpa?.state.replicas ?? d.replicas ?? current);
        g('metric', report.hpa?.desired);
        g('min', so.spec.minReplicaCount);
        g('max', so.spec.maxReplicaCount);
        for (const k of ['current', 'desired', 'metric', 'min', 'max']) entry.series.add(`direct:${k}`);
      }
    });
  }

  /** After each ScaledJob poll (KEDA scale_handler.go `getScaledJobMetrics`). */
  scaledJobPolled(sj: ScaledJob, scalers: readonly Pick<Scaler, 'metricSpecs'>[], readings: ReadonlyArray<TriggerReading | undefined>): void {
    guard(() => {
      const { namespace, name } = sj.metadata;
      const entry = this.entry(
        'scaledjob',
        namespace,
        name,
        sj.spec.triggers.map((t) => t.type),
      );
      this.recordTriggers(entry, name, sj.spec.triggers, scalers, readings, false);
      const active = readings.some((r) => r?.active && !r.error);
      const failing = readings.some((r) => r?.error);
      this.f.counters.decisions.inc({
        namespace,
        scaledObject: name,
        type: 'scaledjob',
        mode: 'jobs',
        action: active ? 'create-jobs' : 'none',
        reason: failing ? (active ? 'partial-trigger-error' : 'triggers-failing') : active ? 'active' : 'inactive',
      });
    });
  }

  private entry(type: ObjectEntry['type'], namespace: string, name: string, triggerTypes: string[]): ObjectEntry {
    const key = `${type}/${namespace}/${name}`;
    let e = this.objects.get(key);
    if (!e) {
      e = { type, namespace, triggerTypes, series: new Set(), counted: new Map() };
      this.objects.set(key, e);
    }
    e.triggerTypes = triggerTypes;
    return e;
  }

  private recordTriggers(
    entry: ObjectEntry,
    name: string,
    triggers: ReadonlyArray<{ type: string; name?: string }>,
    scalers: readonly Pick<Scaler, 'metricSpecs'>[],
    readings: ReadonlyArray<TriggerReading | undefined>,
    isSo: boolean,
  ): void {
    const { namespace } = entry;
    const type = isSo ? 'scaledobject' : 'scaledjob';
    const objectErrors = (inc: boolean) => {
      const c = isSo ? this.f.counters.soErrors : this.f.counters.sjErrors;
      const l: Labels = isSo ? { namespace, scaledObject: name } : { namespace, scaledJob: name };
      if (inc) c.inc(l);
      else c.touch(l);
    };
    objectErrors(false);
    scalers.forEach((scaler, i) => {
      const trigger = triggers[i];
      const r = readings[i];
      const scalerName = kedaScalerLabel(trigger?.type ?? 'unknown', trigger?.name);
      const fresh = r !== undefined && entry.counted.get(i) !== r.at;
      if (r) entry.counted.set(i, r.at);
      for (const spec of scaler.metricSpecs) {
        const labels: Labels = { namespace, metric: spec.metricName, scaledObject: name, scaler: scalerName, triggerIndex: String(i), type };
        entry.series.add(JSON.stringify(labels));
        if (spec.kind !== 'External') {
          // cpu/memory: KEDA reports them active, nothing else (the HPA reads them from metrics-server).
          this.f.gauges.scalerActive.set(labels, 1);
          continue;
        }
        if (!r) continue;
        if (r.source === 'poll') this.f.gauges.scalerLatency.set(labels, r.durationMs / 1000);
        if (r.error !== undefined) {
          if (fresh) {
            this.f.counters.scalerErrors.inc(labels);
            objectErrors(true);
          }
          this.f.gauges.scalerActive.set(labels, 0);
          continue;
        }
        this.f.counters.scalerErrors.touch(labels);
        const m = r.metrics.find((x) => x.name.toLowerCase() === spec.metricName.toLowerCase()) ?? (scaler.metricSpecs.length === 1 ? r.metrics[0] : undefined);
        if (m) this.f.gauges.scalerValue.set(labels, m.value);
        this.f.gauges.scalerActive.set(labels, r.active ? 1 : 0);
      }
    });
  }

  /** A scale loop iteration started `lateMs` after it was due (the scheduler's key names the object). */
  loopLateness(schedulerKey: string, lateMs: number): void {
    guard(() => {
      const o = parseLoopKey(schedulerKey);
      if (!o) return;
      this.f.gauges.loopLatency.set({ namespace: o.namespace, type: o.type, resource: o.name }, lateMs / 1000);
      this.f.histograms.pollLateness.observe({ type: o.type }, lateMs / 1000);
      this.objects.get(`${o.type}/${o.namespace}/${o.name}`)?.series.add('loop');
    });
  }

  /** A reading written to the readings cache (key `<object key>/<trigger index>`): a source query unless pushed. */
  sourceRead(cacheKey: string, reading: TriggerReading): void {
    guard(() => {
      if (reading.source !== 'poll') return;
      const slash = cacheKey.lastIndexOf('/');
      const o = parseLoopKey(cacheKey.slice(0, slash));
      const index = Number(cacheKey.slice(slash + 1));
      const triggerType =
        (o && this.resources.get(`${o.type === 'scaledobject' ? 'scaled_object' : 'scaled_job'}/${o.namespace}/${o.name}`)?.triggers[index]) ??
        (o && this.objects.get(`${o.type}/${o.namespace}/${o.name}`)?.triggerTypes[index]) ??
        'unknown';
      const outcome = reading.error === undefined ? 'ok' : (reading.errorKind ?? 'error');
      this.f.counters.sourceQueries.inc({ trigger_type: triggerType, outcome });
      this.f.histograms.sourceQuerySeconds.observe({ trigger_type: triggerType }, reading.durationMs / 1000);
    });
  }

  /**
   * A watched KEDA resource was added or changed (`obj`), or deleted (`deleted`): keda_resource_registered_total,
   * keda_trigger_registered_total, keda_scaled_object_paused, and on deletion the object's scaler series go
   * (KEDA controllers/keda/scaledobject_controller.go `updatePromMetrics`, `updatePromMetricsOnDelete`).
   */
  resourceChanged(type: ResourceType, obj: KubeObject, deleted = false): void {
    guard(() => {
      const namespace = obj.metadata.namespace || DEFAULT_NAMESPACE;
      const key = `${type}/${namespace}/${obj.metadata.name}`;
      const before = this.resources.get(key);
      const triggers = deleted ? [] : triggerTypesOf(obj);
      if (deleted) this.resources.delete(key);
      else this.resources.set(key, { type, namespace, triggers });
      // Counts kept as they change, not recounted over every resource: this runs on every watch event (each status
      // write), so a recount made it O(objects) per event — at 10,000 ScaledObjects ~10 % of the operator's time.
      if (!before !== deleted) {
        const k = `${type}/${namespace}`;
        const n = (this.resourceCounts.get(k) ?? 0) + (deleted ? -1 : 1);
        this.resourceCounts.set(k, n);
        this.f.upDown.resourceRegistered.set({ type, namespace }, n);
      }
      const delta = new Map<string, number>();
      for (const t of before?.triggers ?? []) delta.set(t, (delta.get(t) ?? 0) - 1);
      for (const t of triggers) delta.set(t, (delta.get(t) ?? 0) + 1);
      for (const [t, d] of delta) {
        const n = (this.triggerCounts.get(t) ?? 0) + d;
        this.triggerCounts.set(t, n);
        // As before: every type the object had or has is written (a type's count can return to 0 and stay 0).
        this.f.upDown.triggerRegistered.set({ type: t }, n);
      }
      if (type === 'scaled_object') {
        const labels = { namespace, scaledObject: obj.metadata.name };
        if (deleted) this.f.gauges.soPaused.remove(labels);
        else {
          const conditions = (obj as { status?: { conditions?: Array<{ type: string; status: string }> } }).status?.conditions ?? [];
          this.f.gauges.soPaused.set(labels, conditions.some((c) => c.type === 'Paused' && c.status === 'True') ? 1 : 0);
        }
      }
      if (deleted && (type === 'scaled_object' || type === 'scaled_job'))
        this.forget(type === 'scaled_object' ? 'scaledobject' : 'scaledjob', namespace, obj.metadata.name);
    });
  }

  /** Remove an object's per-scaler series (KEDA `DeleteScalerMetrics`); counters of the object stay, as in KEDA. */
  private forget(type: ObjectEntry['type'], namespace: string, name: string): void {
    const key = `${type}/${namespace}/${name}`;
    const e = this.objects.get(key);
    if (!e) return;
    this.objects.delete(key);
    for (const s of e.series) {
      if (s.startsWith('direct:')) this.f.gauges.directReplicas.remove({ namespace, scaledObject: name, kind: s.slice('direct:'.length) });
      else if (s === 'loop') this.f.gauges.loopLatency.remove({ namespace, type, resource: name });
      else {
        const labels = JSON.parse(s) as Labels;
        this.f.gauges.scalerValue.remove(labels);
        this.f.gauges.scalerActive.remove(labels);
        this.f.gauges.scalerLatency.remove(labels);
        this.f.counters.scalerErrors.remove(labels);
      }
    }
  }

  /**
   * One outbound HTTP request of a trigger's metric read (KEDA http_roundtripper.go RoundTrip →
   * prommetrics.go RecordHTTPClientRequest): `statusCode` undefined when no response came.
   */
  httpRequest(who: TriggerAttribution, seconds: number, statusCode: number | undefined): void {
    guard(() => {
      const status_code = httpStatusCodeLabel(statusCode);
      const full = {
        namespace: who.namespace,
        scaled_resource: who.scaledResource,
        scaler: who.scaler,
        trigger_name: who.triggerName,
        metric_name: who.metricName,
        status_code,
      };
      this.f.counters.httpRequests.inc(full);
      this.f.histograms.httpDuration.observe(this.highCardinalityLabels ? full : { scaler: who.scaler, status_code }, seconds);
    });
  }

  /** A query answered with no series (KEDA prometheus_scaler.go → RecordEmptyUpstreamResponse). */
  emptyUpstreamResponse(who: TriggerAttribution, ignoreNullValues: boolean): void {
    guard(() => {
      this.f.counters.emptyUpstream.inc({
        namespace: who.namespace,
        scaledResource: who.scaledResource,
        triggerName: who.triggerName,
        metricName: who.metricName,
        resourceType: who.resourceType,
        ignoreNullValues: String(ignoreNullValues),
      });
    });
  }

  /** One admission decision (every kind; KEDA's ScaledObject counters are kept by the webhook server itself). */
  webhookDecision(info: Pick<AdmissionRequestInfo, 'kind' | 'operation'>, result: Pick<ValidationResult, 'allowed' | 'reason'>): void {
    guard(() => {
      this.f.counters.webhookDecisions.inc({
        kind: info.kind,
        operation: info.operation.toLowerCase(),
        allowed: String(result.allowed),
        reason: result.allowed ? '' : (result.reason ?? 'invalid'),
      });
    });
  }
}

/** `scaledobject.<ns>.<name>` (ObjectRunner) or `scaledjob/<ns>/<name>` / `scaledjob.<ns>.<name>` → the object. Namespaces have no dots. */
export function parseLoopKey(key: string): { type: 'scaledobject' | 'scaledjob'; namespace: string; name: string } | undefined {
  const m = /^(scaledobject|scaledjob)[./]([^./]+)[./](.+)$/.exec(key);
  return m ? { type: m[1] as 'scaledobject' | 'scaledjob', namespace: m[2], name: m[3] } : undefined;
}

function triggerTypesOf(obj: KubeObject): string[] {
  const triggers = (obj as { spec?: { triggers?: Array<{ type?: unknown }> } }).spec?.triggers;
  return Array.isArray(triggers) ? triggers.map((t) => (typeof t?.type === 'string' ? t.type : '')).filter((t) => t !== '') : [];
}

function guard(f: () => void): void {
  try {
    f();
  } catch {
    // Metrics never break a scale loop, a reconcile or a webhook answer.
  }
}
