// ScaledJob decisions (KEDA `apis/keda/v1alpha1/scaledjob_types.go` effective bounds, `pkg/scaling/scaledjob/metrics.go`
// per-poll metrics, `pkg/scaling/executor/scale_jobs.go` RequestJobScale).
import type { ScaledJobSpec } from '../api/types.ts';
import { formatNumber } from './metric-value.ts';

/** `ScaledJob.MinReplicaCount()` / `MaxReplicaCount()`: max is reduced by min only when max is set. */
export function scaledJobBounds(spec: Pick<ScaledJobSpec, 'minReplicaCount' | 'maxReplicaCount'>): { min: number; max: number } {
  const rawMin = spec.minReplicaCount ?? 0;
  if (spec.maxReplicaCount === undefined) return { min: rawMin, max: 100 };
  const rawMax = spec.maxReplicaCount;
  if (rawMin > rawMax) return { min: rawMax, max: rawMax };
  return { min: rawMin, max: rawMax - rawMin };
}

/** One trigger's reading for a ScaledJob poll. */
export interface JobTriggerMetrics {
  name: string;
  /** Sum of the values of the trigger's first metric. Absent with `error`. */
  queueLength?: number;
  /** Mean target averageValue over the trigger's metric specs. */
  targetAverageValue: number;
  active: boolean;
  error?: string;
}

export interface JobMetrics {
  isActive: boolean;
  isError: boolean;
  /** ceil(queueLength) after multipleScalersCalculation. */
  scaleTo: number;
  /** ceil(min(maxValue, Max())). */
  maxScale: number;
  reason: string;
}

/** KEDA pkg/scaling/executor/scale_jobs.go: per-trigger maxValue = min(queueLength / target, Max()); combine active triggers per multipleScalersCalculation. */
export function scaledJobMetrics(
  spec: Pick<ScaledJobSpec, 'minReplicaCount' | 'maxReplicaCount' | 'scalingStrategy'>,
  triggers: readonly JobTriggerMetrics[],
): JobMetrics {
  const { min, max } = scaledJobBounds(spec);
  let isError = false;
  let isActive = false;
  const rows: Array<{ name: string; queueLength: number; maxValue: number }> = [];
  for (const t of triggers) {
    if (t.error !== undefined || t.queueLength === undefined) {
      isError = true;
      continue;
    }
    if (!t.active) continue;
    isActive = true;
    const maxValue = t.targetAverageValue > 0 ? Math.min(t.queueLength / t.targetAverageValue, max) : 0;
    rows.push({ name: t.name, queueLength: t.queueLength, maxValue });
  }
  let queueLength = 0;
  let maxValue = 0;
  const calc = spec.scalingStrategy?.multipleScalersCalculation ?? 'max';
  if (rows.length > 0) {
    switch (calc) {
      case 'min': {
        const r = rows.reduce((a, b) => (b.queueLength < a.queueLength ? b : a));
        queueLength = r.queueLength;
        maxValue = r.maxValue;
        break;
      }
      case 'avg':
        queueLength = rows.reduce((s, r) => s + r.queueLength, 0) / rows.length;
        maxValue = rows.reduce((s, r) => s + r.maxValue, 0) / rows.length;
        break;
      case 'sum':
        queueLength = rows.reduce((s, r) => s + r.queueLength, 0);
        maxValue = rows.reduce((s, r) => s + r.maxValue, 0);
        break;
      case 'max':
      default: {
        const r = rows.reduce((a, b) => (b.queueLength > a.queueLength ? b : a));
        queueLength = r.queueLength;
        maxValue = r.maxValue;
      }
    }
  }
  // KEDA forces activity for ScaledJobs with a minimum (KEDA `pkg/scaling/scaledjob/metrics.go` `IsScaledJobActive`; not ScaledObjects).
  if (min > 0) isActive = true;
  maxValue = Math.min(maxValue, max);
  const scaleTo = Math.ceil(queueLength);
  const maxScale = Math.ceil(maxValue);
  const reason = rows.length
    ? `${calc} over ${rows.map((r) => `${r.name} ${formatNumber(r.queueLength)}`).join(', ')}: queue ${formatNumber(queueLength)}, maxScale ${maxScale}`
    : isActive
      ? `no active trigger; minReplicaCount ${min} keeps it active`
      : 'no active trigger';
  return { isActive, isError, scaleTo, maxScale, reason };
}

export interface JobScaleDecision {
  /** Jobs to create now (0 when inactive or no room). */
  create: number;
  effectiveMax: number;
  reason: string;
}

/** KEDA RequestJobScale (pkg/scaling/executor/scale_jobs.go): how many Jobs to create given running/pending Jobs and the strategy. */
export function decideJobScale(args: {
  spec: Pick<ScaledJobSpec, 'minReplicaCount' | 'maxReplicaCount' | 'scalingStrategy'>;
  metrics: Pick<JobMetrics, 'isActive' | 'scaleTo' | 'maxScale'>;
  /** Unfinished Jobs (pending included, all generations). */
  running: number;
  pending: number;
}): JobScaleDecision {
  const { min, max: M } = scaledJobBounds(args.spec);
  const { running, pending } = args;
  const s = args.spec.scalingStrategy;
  let scaleTo = args.metrics.scaleTo;
  const maxScale = args.metrics.maxScale;
  let effectiveMax: number;
  let how: string;
  if (running < min) {
    scaleTo = min - running;
    effectiveMax = scaleTo;
    how = `${running} running < minReplicaCount ${min}`;
  } else {
    const r = running - min;
    let strategy = s?.strategy ?? 'default';
    let percentage = NaN;
    if (strategy === 'custom') {
      percentage = Number.parseFloat(s?.customScalingRunningJobPercentage ?? '');
      // An unparsable percentage falls back to the default strategy (KEDA `pkg/scaling/executor/scale_jobs.go`).
      if (!Number.isFinite(percentage)) strategy = 'default';
    }
    switch (strategy) {
      case 'custom': {
        const deduction = s?.customScalingQueueLengthDeduction ?? 0;
        effectiveMax = Math.min(maxScale - deduction - Math.trunc(r * percentage), M);
        how = `custom: min(${maxScale} − ${deduction} − int(${r} × ${percentage}), ${M})`;
        break;
      }
      case 'accurate':
        if (maxScale + r - pending > M) {
          effectiveMax = M - r;
          how = `accurate: ${maxScale} + ${r} running − ${pending} pending > ${M} ⇒ ${M} − ${r}`;
        } else {
          effectiveMax = maxScale - pending;
          how = `accurate: ${maxScale} − ${pending} pending`;
        }
        break;
      case 'eager':
        effectiveMax = Math.min(M - r - pending, maxScale);
        scaleTo = M;
        how = `eager: min(${M} − ${r} running − ${pending} pending, ${maxScale})`;
        break;
      default:
        effectiveMax = maxScale - r;
        how = `default: ${maxScale} − ${r} running`;
    }
  }
  effectiveMax = Math.max(0, effectiveMax);
  if (!args.metrics.isActive) return { create: 0, effectiveMax, reason: `inactive: no jobs created (${how})` };
  if (effectiveMax <= 0) return { create: 0, effectiveMax, reason: `no room for new jobs (${how})` };
  const create = Math.max(0, Math.min(scaleTo, effectiveMax));
  return { create, effectiveMax, reason: `create ${create} job(s): min(scaleTo ${scaleTo}, ${how} = ${effectiveMax})` };
}
