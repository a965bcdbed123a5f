// Fallback (KEDA `pkg/fallback/fallback.go`): per-metric health counted per fetch, and the metric
// value that makes the HPA compute exactly the fallback replica count once `failures > failureThreshold`.
import type { Condition, Fallback, HealthStatus, ScaledObject } from '../api/types.ts';
import { formatNumber } from './metric-value.ts';
import { parseGoInt } from '../api/values.ts';

/**
 * Whether fallback applies to this object at all: a fallback block with non-negative numbers, and — when
 * scalingModifiers are used — a target that parses as an integer > 0 (KEDA uses strconv.ParseInt, so "2.5"
 * silently disables fallback; KEDA `pkg/fallback/fallback.go`).
 */
export function fallbackEnabled(so: Pick<ScaledObject, 'spec'>): boolean {
  const f = so.spec.fallback;
  if (!f || f.failureThreshold < 0 || f.replicas < 0) return false;
  const sm = so.spec.advanced?.scalingModifiers;
  if (sm && (sm.formula ?? '').trim() !== '') {
    // pkg/fallback/fallback.go: strconv.ParseInt(target, 10, 64), untrimmed.
    const t = parseGoInt(sm.target ?? '', 64);
    if (t === undefined || t <= 0) return false;
  }
  return true;
}

/** Health after one fetch: success resets to Happy/0, failure counts up and marks Failing (per call, not per poll). */
export function nextHealth(previous: HealthStatus | undefined, succeeded: boolean): HealthStatus {
  if (succeeded) return { numberOfFailures: 0, status: 'Happy' };
  return { numberOfFailures: (previous?.numberOfFailures ?? 0) + 1, status: 'Failing' };
}

/** KEDA: fallback kicks in when failures are strictly greater than the threshold. */
export function inFallback(health: HealthStatus | undefined, failureThreshold: number): boolean {
  return health !== undefined && health.status === 'Failing' && health.numberOfFailures > failureThreshold;
}

/** The replica count a fallback behavior asks for (KEDA `pkg/fallback/fallback.go` `doFallback`). `scalingModifiers` is handled by the formula. */
export function fallbackReplicas(fallback: Fallback, currentReplicas: number): number {
  switch (fallback.behavior) {
    case 'currentReplicas':
      return currentReplicas;
    case 'currentReplicasIfHigher':
      return Math.max(currentReplicas, fallback.replicas);
    case 'currentReplicasIfLower':
      return Math.min(currentReplicas, fallback.replicas);
    case 'static':
    case 'scalingModifiers':
    default:
      return fallback.replicas;
  }
}

export type FallbackValue = { ok: true; value: number; replicas: number; reason: string } | { ok: false; error: string };

/**
 * The metric value reported instead of a failing read: `target × replicas` for AverageValue targets,
 * `target × replicas / readyReplicas` for Value targets (0 ready pods ⇒ the fallback itself fails). Either way the HPA
 * then computes exactly `replicas`.
 */
export function fallbackMetricValue(args: {
  fallback: Fallback;
  currentReplicas: number;
  target: number;
  targetType: 'AverageValue' | 'Value' | 'Utilization';
  readyReplicas: number;
}): FallbackValue {
  const replicas = fallbackReplicas(args.fallback, args.currentReplicas);
  const why = `fallback ${args.fallback.behavior} → ${replicas} replicas`;
  if (args.targetType === 'Value') {
    if (args.readyReplicas <= 0) return { ok: false, error: `${why}: no ready replicas to divide a Value target by` };
    const value = (args.target * replicas) / args.readyReplicas;
    return { ok: true, value, replicas, reason: `${why} (value ${formatNumber(args.target)} × ${replicas} / ${args.readyReplicas} ready)` };
  }
  return { ok: true, value: args.target * replicas, replicas, reason: `${why} (value ${formatNumber(args.target)} × ${replicas})` };
}

export interface FetchOutcome {
  /** The value to use (the read's, or the fallback's), absent when the fetch still counts as failed. */
  value?: number;
  error?: string;
  fallbackActive: boolean;
  health: HealthStatus;
  reason?: string;
}

/**
 * One fetch of one metric through fallback: update health, and when the read failed past the threshold, replace
 * the error by the fallback value. `enabled` is `fallbackEnabled(so)`; without fallback, health is not tracked.
 */
export function fetchWithFallback(args: {
  enabled: boolean;
  fallback: Fallback | undefined;
  previous: HealthStatus | undefined;
  read: { value: number } | { error: string };
  currentReplicas: number;
  target: number;
  targetType: 'AverageValue' | 'Value' | 'Utilization';
  readyReplicas: number;
}): FetchOutcome {
  const succeeded = 'value' in args.read;
  if (!args.enabled || !args.fallback) {
    const health = args.previous ?? { numberOfFailures: 0, status: 'Happy' };
    return succeeded
      ? { value: (args.read as { value: number }).value, fallbackActive: false, health }
      : { error: (args.read as { error: string }).error, fallbackActive: false, health };
  }
  const health = nextHealth(args.previous, succeeded);
  if (succeeded) return { value: (args.read as { value: number }).value, fallbackActive: false, health };
  const error = (args.read as { error: string }).error;
  if (!inFallback(health, args.fallback.failureThreshold)) {
    return {
      error,
      fallbackActive: false,
      health,
      reason: `read failed ${health.numberOfFailures}× (fallback after more than ${args.fallback.failureThreshold})`,
    };
  }
  if (args.fallback.behavior === 'scalingModifiers') {
    // KEDA `pkg/fallback/fallback.go` (behavior scalingModifiers): the trigger becomes nil in the formula; the composite falls back to replicas × target.
    return { error, fallbackActive: true, health, reason: `read failed ${health.numberOfFailures}×: passed to the formula as nil` };
  }
  const fb = fallbackMetricValue({
    fallback: args.fallback,
    currentReplicas: args.currentReplicas,
    target: args.target,
    targetType: args.targetType,
    readyReplicas: args.readyReplicas,
  });
  if (!fb.ok) return { error: fb.error, fallbackActive: false, health, reason: fb.error };
  return { value: fb.value, fallbackActive: true, health, reason: `read failed ${health.numberOfFailures}× > ${args.fallback.failureThreshold}: ${fb.reason}` };
}

/** The Fallback condition (KEDA `apis/keda/v1alpha1/condition_types.go`, `pkg/fallback/fallback.go`): True iff some metric is Failing past the threshold. */
export function fallbackCondition(health: Record<string, HealthStatus>, fallback: Fallback | undefined, enabled: boolean): Condition {
  const active = enabled && fallback !== undefined && Object.values(health).some((h) => inFallback(h, fallback.failureThreshold));
  return active
    ? { type: 'Fallback', status: 'True', reason: 'FallbackExists', message: 'At least one trigger is falling back on this scaled object' }
    : { type: 'Fallback', status: 'False', reason: 'NoFallbackFound', message: 'No fallbacks are active on this scaled object' };
}
