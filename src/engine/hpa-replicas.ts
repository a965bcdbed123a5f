// The HPA's replica maths (Kubernetes pkg/controller/podautoscaler/replica_calculator.go and the metric loop of
// horizontal.go): per-metric proposals, the max over metrics, the invalid-metric rule, and the
// special cases that bypass the metrics (ScalingDisabled, above max, below min).
import { formatNumber } from './metric-value.ts';

/** One pod as the HPA sees it for Resource metrics (a pod of the pod list, with its metrics.k8s.io sample). */
export interface PodSample {
  name: string;
  /** Default Running. Failed pods and pods being deleted are ignored; Pending pods count as unready; others count. */
  phase?: 'Running' | 'Pending' | 'Failed' | 'Succeeded' | 'Unknown';
  /** The Ready condition is True. Without `readiness` this is the cpu readiness as is (`updraft simulate`). */
  ready: boolean;
  /**
   * What Kubernetes' `groupPods` reads for cpu: the Ready condition (undefined: the pod has none) and
   * status.startTime (undefined: unset), both in ms. With these, the cpu initialization period rules apply.
   */
  readiness?: { condition?: { status: 'True' | 'False' | 'Unknown'; lastTransitionTime: number }; startTime?: number };
  deleting?: boolean;
  /** Usage in base units (cores, bytes); undefined = the metrics API has no sample for this pod ("missing"). */
  usage?: number;
  /** The sample's timestamp and window (PodMetrics timestamp/window), ms; Go zero values when absent. */
  sample?: { timestamp: number; windowMs: number };
  /** Request in base units (Utilization needs one on every listed pod); `requestError` says why it is missing. */
  request?: number;
  requestError?: string;
}

/** Go's zero time.Time (0001-01-01T00:00:00Z) in ms: what an unset timestamp compares as. */
export const GO_ZERO_TIME = -62135596800000;
/** kube-controller-manager defaults: --horizontal-pod-autoscaler-cpu-initialization-period and -initial-readiness-delay. */
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
export const INITIAL_READINESS_DELAY_MS = 30_000;

export type HpaMetric =
  | {
      kind: 'External';
      name: string;
      targetType: 'AverageValue' | 'Value';
      target: number;
      /** Sum of the items the metrics API returned; undefined with `error` when the fetch failed. */
      value?: number;
      error?: string;
    }
  | {
      kind: 'Resource';
      name: 'cpu' | 'memory';
      targetType: 'Utilization' | 'AverageValue';
      /** Percent of request for Utilization; base units per pod for AverageValue. */
      target: number;
      /** The target's pods (the /scale selector's pod list). */
      pods: PodSample[];
      /** Samples of pods not in the list (the metrics API answered for more): AverageValue counts them. */
      extraSamples?: Array<{ name: string; usage: number }>;
      /** Clock for the cpu initialization rules (ms); default Date.now(). */
      now?: number;
      cpuInitializationPeriodMs?: number;
      initialReadinessDelayMs?: number;
      error?: string;
    };

export interface Tolerances {
  /** Fraction, default 0.1 (`--horizontal-pod-autoscaler-tolerance`). */
  up: number;
  down: number;
}
export const DEFAULT_TOLERANCE = 0.1;

/** Kubernetes `Tolerances.isWithin`: inclusive on both sides. */
export function withinTolerance(ratio: number, t: Tolerances): boolean {
  return 1 - t.down <= ratio && ratio <= 1 + t.up;
}

export type MetricProposal = { ok: true; replicas: number; ratio: number; reason: string } | { ok: false; error: string };

export interface ReplicaContext {
  /** `/scale` spec.replicas (what the HPA calls currentReplicas). */
  specReplicas: number;
  /** `/scale` status.replicas: pods that exist (AverageValue external metrics divide by it). */
  statusReplicas: number;
  /** Running and Ready pods (Value external metrics multiply by it). */
  readyPods: number;
  tolerance: Tolerances;
}

/** Replica counts are int32 in Kubernetes: huge ratios saturate (replica_calculator.go). */
const MAX_INT32 = 2147483647;

// The metrics API carries milli-quantities; the HPA computes on MilliValue().
const milli = (v: number): number => Math.round(v * 1000);

/** External metric, target AverageValue (`GetExternalPerPodMetricReplicas`): independent of readiness. */
export function externalAverageValueReplicas(usage: number, target: number, ctx: ReplicaContext): MetricProposal {
  const u = milli(usage);
  const t = milli(target);
  if (t <= 0) return { ok: false, error: `target ${formatNumber(target)} must be > 0` };
  const ratio = u / (t * ctx.statusReplicas);
  if (withinTolerance(ratio, ctx.tolerance)) {
    return {
      ok: true,
      replicas: ctx.statusReplicas,
      ratio,
      reason: `${formatNumber(usage)}/(${formatNumber(target)}×${ctx.statusReplicas}) = ${formatNumber(ratio)} within tolerance`,
    };
  }
  const replicas = Math.min(Math.ceil(u / t), MAX_INT32);
  return { ok: true, replicas, ratio, reason: `ceil(${formatNumber(usage)}/${formatNumber(target)}) = ${replicas}` };
}

/** External metric, target Value (`GetExternalMetricReplicas` → `getUsageRatioReplicaCount`). */
export function externalValueReplicas(usage: number, target: number, ctx: ReplicaContext): MetricProposal {
  const u = milli(usage);
  const t = milli(target);
  if (t <= 0) return { ok: false, error: `target ${formatNumber(target)} must be > 0` };
  const ratio = u / t;
  if (ctx.specReplicas === 0) {
    const replicas = Math.ceil(ratio);
    return { ok: true, replicas, ratio, reason: `ceil(${formatNumber(usage)}/${formatNumber(target)}) = ${replicas}` };
  }
  if (withinTolerance(ratio, ctx.tolerance)) {
    return { ok: true, replicas: ctx.specReplicas, ratio, reason: `${formatNumber(usage)}/${formatNumber(target)} = ${formatNumber(ratio)} within tolerance` };
  }
  const replicas = Math.min(Math.ceil(ratio * ctx.readyPods), MAX_INT32);
  return { ok: true, replicas, ratio, reason: `ceil(${formatNumber(usage)}/${formatNumber(target)} × ${ctx.readyPods} ready) = ${replicas}` };
}

type ResourceMetric = Extract<HpaMetric, { kind: 'Resource' }>;

/**
 * Kubernetes `groupPods` for cpu: a sample is unready when the pod has no Ready condition or start time; within
 * the cpu initialization period when the pod is not ready or the sample's window began before the pod turned
 * ready; after it, only when the pod is not ready and never was (it turned unready within the initial readiness
 * delay of its start). `Unknown` readiness is not `False`.
 */
export function cpuSampleUnready(
  p: PodSample,
  now: number,
  initPeriodMs = CPU_INITIALIZATION_PERIOD_MS,
  readinessDelayMs = INITIAL_READINESS_DELAY_MS,
): boolean {
  if (!p.readiness) return !p.ready;
  const { condition, startTime } = p.readiness;
  if (!condition || startTime === undefined) return true;
  if (startTime + initPeriodMs > now) {
    const sample = p.sample ?? { timestamp: GO_ZERO_TIME, windowMs: 0 };
    return condition.status === 'False' || sample.timestamp < condition.lastTransitionTime + sample.windowMs;
  }
  return condition.status === 'False' && startTime + readinessDelayMs > condition.lastTransitionTime;
}

interface GroupedPods {
  readyCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** Kubernetes `groupPods` (replica_calculator.go): ignored (deleting/Failed), unready (Pending; cpu rules), missing. */
function groupPods(m: ResourceMetric, now: number): GroupedPods {
  const out: GroupedPods = { readyCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const p of m.pods) {
    const phase = p.phase ?? 'Running';
    if (p.deleting || phase === 'Failed') out.ignored.add(p.name);
    else if (phase === 'Pending') out.unready.add(p.name);
    else if (p.usage === undefined) out.missing.add(p.name);
    else if (m.name === 'cpu' && cpuSampleUnready(p, now, m.cpuInitializationPeriodMs, m.initialReadinessDelayMs)) out.unready.add(p.name);
    else out.readyCount++;
  }
  return out;
}

/**
 * Resource metric (cpu/memory), Utilization or AverageValue (`GetResourceReplicas` / `GetRawResourceReplicas` →
 * `calcPlainMetricReplicas`), on int64 milli-values as Kubernetes computes: samples of ignored and unready pods
 * dropped; on a scale-down missing pods count as using exactly the target (100 % of request, or the target if
 * higher), on a scale-up missing and unready pods count as using 0; if that flips the direction or lands within
 * tolerance, nothing changes.
 */
export function resourceReplicas(metric: ResourceMetric, ctx: ReplicaContext): MetricProposal {
  if (metric.pods.length === 0) return { ok: false, error: 'no pods returned by selector while calculating replica count' };
  const g = groupPods(metric, metric.now ?? Date.now());
  // The metrics map: every sample the metrics API returned (extraneous ones too), minus ignored and unready pods.
  const metrics = new Map<string, number>();
  for (const p of metric.pods) if (p.usage !== undefined) metrics.set(p.name, milli(p.usage));
  for (const x of metric.extraSamples ?? []) if (!metrics.has(x.name)) metrics.set(x.name, milli(x.usage));
  for (const n of [...g.ignored, ...g.unready]) metrics.delete(n);
  if (metrics.size === 0) return { ok: false, error: 'did not receive metrics for targeted pods (pods might be unready)' };
  const utilization = metric.targetType === 'Utilization';
  const requests = new Map<string, number>();
  if (utilization) {
    // calculateRequests: every listed pod, ignored ones included, needs the request.
    for (const p of metric.pods) {
      if (p.request === undefined) return { ok: false, error: p.requestError ?? `missing request for ${metric.name} in Pod ${p.name}` };
      requests.set(p.name, milli(p.request));
    }
  }
  const targetMilli = utilization ? metric.target : milli(metric.target);
  if (!(targetMilli > 0)) return { ok: false, error: `target ${formatNumber(metric.target)} must be > 0` };
  // GetResourceUtilizationRatio / GetMetricUsageRatio, integer divisions included.
  const ratioOf = (m: Map<string, number>): number | string => {
    if (!utilization) {
      let total = 0;
      for (const u of m.values()) total += u;
      return Math.trunc(total / m.size) / targetMilli;
    }
    let total = 0;
    let request = 0;
    for (const [name, u] of m) {
      const r = requests.get(name);
      if (r === undefined) continue; // a sample of a pod not in the list
      total += u;
      request += r;
    }
    if (request === 0) return 'no metrics returned matched known pods';
    return Math.trunc((total * 100) / request) / metric.target;
  };
  const first = ratioOf(metrics);
  if (typeof first === 'string') return { ok: false, error: first };
  const usageRatio = first;
  const unit = utilization ? '% utilization' : ' per pod';
  const scaleUpWithUnready = g.unready.size > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (withinTolerance(usageRatio, ctx.tolerance)) {
      return { ok: true, replicas: ctx.specReplicas, ratio: usageRatio, reason: `${metric.name} ratio ${formatNumber(usageRatio)} within tolerance` };
    }
    const replicas = Math.ceil(usageRatio * g.readyCount);
    return { ok: true, replicas, ratio: usageRatio, reason: `${metric.name}${unit} ratio ${formatNumber(usageRatio)} × ${g.readyCount} ready = ${replicas}` };
  }
  if (g.missing.size > 0) {
    if (usageRatio < 1) {
      for (const n of g.missing) metrics.set(n, utilization ? Math.trunc((requests.get(n)! * Math.max(100, metric.target)) / 100) : targetMilli);
    } else if (usageRatio > 1) {
      for (const n of g.missing) metrics.set(n, 0);
    }
  }
  if (scaleUpWithUnready) for (const n of g.unready) metrics.set(n, 0);
  const second = ratioOf(metrics);
  if (typeof second === 'string') return { ok: false, error: second };
  const newRatio = second;
  if (withinTolerance(newRatio, ctx.tolerance) || (usageRatio < 1 && newRatio > 1) || (usageRatio > 1 && newRatio < 1)) {
    return {
      ok: true,
      replicas: ctx.specReplicas,
      ratio: newRatio,
      reason: `${metric.name} ratio ${formatNumber(newRatio)} after counting missing/unready pods: no change`,
    };
  }
  const replicas = Math.ceil(newRatio * metrics.size);
  if ((newRatio < 1 && replicas > ctx.specReplicas) || (newRatio > 1 && replicas < ctx.specReplicas)) {
    return { ok: true, replicas: ctx.specReplicas, ratio: newRatio, reason: `${metric.name}: direction flipped by missing/unready pods, no change` };
  }
  return {
    ok: true,
    replicas,
    ratio: newRatio,
    reason: `${metric.name}${unit} ratio ${formatNumber(newRatio)} × ${metrics.size} pods (missing/unready adjusted) = ${replicas}`,
  };
}

/** One metric's proposal; a metric carrying an error is invalid. */
export function metricReplicas(metric: HpaMetric, ctx: ReplicaContext): MetricProposal {
  if (metric.error !== undefined) return { ok: false, error: metric.error };
  if (metric.kind === 'Resource') return resourceReplicas(metric, ctx);
  if (metric.value === undefined) return { ok: false, error: 'no value' };
  return metric.targetType === 'AverageValue'
    ? externalAverageValueReplicas(metric.value, metric.target, ctx)
    : externalValueReplicas(metric.value, metric.target, ctx);
}

export type HpaDesired =
  /** `spec.replicas == 0` with minReplicas > 0: the HPA leaves the target alone (ScalingActive=False). */
  | { kind: 'disabled'; reason: string }
  /** All metrics invalid, or some invalid and the valid ones would scale down: no change this sync. */
  | { kind: 'invalid'; reason: string; errors: string[] }
  /** Outside [min, max]: corrected directly, without metrics or behavior. */
  | { kind: 'bounds'; replicas: number; reason: string }
  /** From the metrics: the prenormalized desired count (behavior/stabilization still to apply). */
  | { kind: 'metrics'; replicas: number; metric: string; reason: string; invalid: number };

/**
 * The metric part of one HPA sync (`reconcileAutoscaler` up to normalization, `computeReplicasForMetrics`).
 */
export function desiredFromMetrics(args: { metrics: readonly HpaMetric[]; minReplicas: number; maxReplicas: number; ctx: ReplicaContext }): HpaDesired {
  const { ctx, minReplicas, maxReplicas } = args;
  const current = ctx.specReplicas;
  if (current === 0 && minReplicas !== 0) return { kind: 'disabled', reason: 'scaling is disabled since the replica count of the target is zero' };
  if (current > maxReplicas) return { kind: 'bounds', replicas: maxReplicas, reason: 'Current number of replicas above Spec.MaxReplicas' };
  if (current < minReplicas) return { kind: 'bounds', replicas: minReplicas, reason: 'Current number of replicas below Spec.MinReplicas' };

  let replicas = 0;
  let metric = '';
  let why = '';
  const errors: string[] = [];
  for (const m of args.metrics) {
    const p = metricReplicas(m, ctx);
    if (!p.ok) {
      errors.push(`${m.name}: ${p.error}`);
      continue;
    }
    if (replicas === 0 || p.replicas > replicas) {
      replicas = p.replicas;
      metric = m.name;
      why = p.reason;
    }
  }
  if (errors.length >= args.metrics.length) {
    return { kind: 'invalid', reason: `invalid metrics (${errors.length} invalid out of ${args.metrics.length}): no change`, errors };
  }
  // Newer Kubernetes: with some metric invalid, scale up on the valid ones but never down.
  if (errors.length > 0 && replicas < current) {
    return { kind: 'invalid', reason: `${errors.length} invalid metric(s) and the valid ones would scale down: no change`, errors };
  }
  return {
    kind: 'metrics',
    replicas,
    metric,
    reason: `${metric}: ${why}${errors.length ? ` (${errors.length} invalid metric(s) ignored for scale-up)` : ''}`,
    invalid: errors.length,
  };
}
