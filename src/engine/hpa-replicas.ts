// The HPA's replica maths (Kubernetes pkg/controller/podautoscaler/replica_calculator.go and the metric loop of
// horizontal.go): per-metric proposals, the max over metrics, the invalid-metric rule, and the
// special cases that bypass the metrics (ScalingDisabled, above max, below min).
import { formatNumber } from './metric-value.ts';

/** One pod as the HPA sees it for Resource metrics. */
export interface PodSample {
  name: string;
  /** Default Running. Failed pods and pods being deleted are ignored; Pending pods count as unready. */
  phase?: 'Running' | 'Pending' | 'Failed' | 'Succeeded';
  /**
   * Ready for the HPA's purposes. Kubernetes treats a cpu sample as unready when the pod is not Ready, or is within
   * its cpu initialization period with a sample from before readiness; callers fold that into this flag.
   * Memory ignores readiness (only Pending/Failed/deleting matter).
   */
  ready: boolean;
  deleting?: boolean;
  /** Usage in base units (cores, bytes); undefined = the metrics server has no sample for this pod ("missing"). */
  usage?: number;
  /** Request in base units; required for Utilization. */
  request?: number;
}

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
      pods: PodSample[];
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

// The metrics API carries milli-quantities; the HPA computes on MilliValue().
const milli = (v: number): number => Math.round(v * 1000);

/** External metric, target AverageValue (`GetExternalPerPodMetricReplicas`): independent of readiness. */
export function externalAverageValueReplicas(usage: number, target: number, ctx: ReplicaContext): MetricProposal {
  const u = milli(usage);
  const t = milli(target);
  if (t <= 0) return { ok: false, error: `target ${formatNumber(target)} must be > 0` };
  const ratio = u / (t * ctx.statusReplicas);
  if (withinTolerance(ratio, ctx.tolerance)) {
    return { ok: true, replicas: ctx.statusReplicas, ratio, reason: `${formatNumber(usage)}/(${formatNumber(target)}×${ctx.statusReplicas}) = ${formatNumber(ratio)} within tolerance` };
  }
  const replicas = Math.ceil(u / t);
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
  const replicas = Math.ceil(ratio * ctx.readyPods);
  return { ok: true, replicas, ratio, reason: `ceil(${formatNumber(usage)}/${formatNumber(target)} × ${ctx.readyPods} ready) = ${replicas}` };
}

interface GroupedPods {
  readyCount: number;
  /** Pods with usage, keyed by name (ready ones only, before the missing/unready rules). */
  metrics: Map<string, number>;
  unready: PodSample[];
  missing: PodSample[];
}

/** Kubernetes `groupPods`: ignored (deleting/Failed), unready (cpu: not ready or Pending; memory: Pending), missing. */
function groupPods(pods: PodSample[], resource: 'cpu' | 'memory'): GroupedPods {
  const out: GroupedPods = { readyCount: 0, metrics: new Map(), unready: [], missing: [] };
  for (const p of pods) {
    const phase = p.phase ?? 'Running';
    if (p.deleting || phase === 'Failed' || phase === 'Succeeded') continue;
    if (p.usage === undefined) {
      out.missing.push(p);
      continue;
    }
    if (phase === 'Pending' || (resource === 'cpu' && !p.ready)) {
      out.unready.push(p);
      continue;
    }
    out.readyCount++;
    out.metrics.set(p.name, p.usage);
  }
  return out;
}

/**
 * Resource metric (cpu/memory), Utilization or AverageValue (`GetResourceReplicas` / `GetRawResourceReplicas`),
 * with the missing-pods and unready-pods rules: on a scale-down missing pods count as using exactly the target
 * (100 % of request, or the target if higher), on a scale-up missing and unready pods count as using 0; if that
 * flips the direction or lands within tolerance, nothing changes.
 */
export function resourceReplicas(metric: Extract<HpaMetric, { kind: 'Resource' }>, ctx: ReplicaContext): MetricProposal {
  const g = groupPods(metric.pods.map((p) => (p.usage === undefined ? p : { ...p, usage: milli(p.usage) })), metric.name);
  if (g.metrics.size === 0) return { ok: false, error: `did not receive metrics for targeted pods (${metric.name})` };
  const requests = new Map(metric.pods.map((p) => [p.name, p.request]));
  const utilization = metric.targetType === 'Utilization';
  // Kubernetes works on int64 milli-values with integer division (GetResourceUtilizationRatio / GetMetricUsageRatio).
  const targetMilli = utilization ? metric.target : milli(metric.target);
  const ratioOf = (m: Map<string, number>): number | string => {
    let usage = 0;
    let request = 0;
    for (const [name, u] of m) {
      usage += u;
      if (utilization) {
        const r = requests.get(name);
        if (r === undefined || r <= 0) return `missing request for ${metric.name} on pod ${name}`;
        request += milli(r);
      }
    }
    if (utilization) return Math.trunc((usage * 100) / request) / metric.target;
    return Math.trunc(usage / m.size) / targetMilli;
  };
  const first = ratioOf(g.metrics);
  if (typeof first === 'string') return { ok: false, error: first };
  const usageRatio = first;
  const unit = utilization ? '% utilization' : ' per pod';
  const scaleUpWithUnready = g.unready.length > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && g.missing.length === 0) {
    if (withinTolerance(usageRatio, ctx.tolerance)) {
      return { ok: true, replicas: ctx.specReplicas, ratio: usageRatio, reason: `${metric.name} ratio ${formatNumber(usageRatio)} within tolerance` };
    }
    const replicas = Math.ceil(usageRatio * g.readyCount);
    return { ok: true, replicas, ratio: usageRatio, reason: `${metric.name}${unit} ratio ${formatNumber(usageRatio)} × ${g.readyCount} ready = ${replicas}` };
  }
  const adjusted = new Map(g.metrics);
  if (g.missing.length > 0) {
    if (usageRatio < 1) {
      for (const p of g.missing) {
        const fill = utilization ? Math.trunc((milli(p.request ?? 0) * Math.max(100, metric.target)) / 100) : targetMilli;
        adjusted.set(p.name, fill);
      }
    } else if (usageRatio > 1) {
      for (const p of g.missing) adjusted.set(p.name, 0);
    }
  }
  if (scaleUpWithUnready) for (const p of g.unready) adjusted.set(p.name, 0);
  const second = ratioOf(adjusted);
  if (typeof second === 'string') return { ok: false, error: second };
  const newRatio = second;
  if (withinTolerance(newRatio, ctx.tolerance) || (usageRatio < 1 && newRatio > 1) || (usageRatio > 1 && newRatio < 1)) {
    return { ok: true, replicas: ctx.specReplicas, ratio: newRatio, reason: `${metric.name} ratio ${formatNumber(newRatio)} after counting missing/unready pods: no change` };
  }
  const replicas = Math.ceil(newRatio * adjusted.size);
  if ((newRatio < 1 && replicas > ctx.specReplicas) || (newRatio > 1 && replicas < ctx.specReplicas)) {
    return { ok: true, replicas: ctx.specReplicas, ratio: newRatio, reason: `${metric.name}: direction flipped by missing/unready pods, no change` };
  }
  return { ok: true, replicas, ratio: newRatio, reason: `${metric.name}${unit} ratio ${formatNumber(newRatio)} × ${adjusted.size} pods (missing/unready adjusted) = ${replicas}` };
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
export function desiredFromMetrics(args: {
  metrics: readonly HpaMetric[];
  minReplicas: number;
  maxReplicas: number;
  ctx: ReplicaContext;
}): HpaDesired {
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
  return { kind: 'metrics', replicas, metric, reason: `${metric}: ${why}${errors.length ? ` (${errors.length} invalid metric(s) ignored for scale-up)` : ''}`, invalid: errors.length };
}
