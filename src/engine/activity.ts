// Activity of a ScaledObject from its triggers' results (KEDA `pkg/scaling/scale_handler.go` `getScaledObjectState`).
import { formatNumber } from './metric-value.ts';

/** One trigger's (one metric's) result for this poll, after fallback processing (fallback.ts). */
export interface TriggerResult {
  /** HPA metric name (`s<i>-...`, or `cpu`/`memory`). */
  metricName: string;
  /** cpu/memory triggers are HPA Resource metrics: never queried for activity. */
  resource?: boolean;
  /** Raw value the scaler read (before milli conversion); for reasons only. */
  value?: number;
  /** The activation threshold the scaler compared against, when known; for reasons only. */
  activationThreshold?: number;
  /** The scaler's own `value > activationX` (strict), or true when fallback is active. */
  active: boolean;
  /** The read failed and no fallback value replaced it. */
  error?: string;
  /** Fallback replaced the value (counts as active, KEDA `scale_handler.go` `isActiveOrFallback`, since v2.19 #7239). */
  fallbackActive?: boolean;
}

export interface CompositeActivity {
  /** The formula's value, or undefined when it could not be computed. */
  value: number | undefined;
  /** scalingModifiers.activationTarget, default 0. */
  activationTarget: number;
  /** The formula failed (counts as an error: never active). */
  error?: string;
}

export interface Activity {
  isActive: boolean;
  isError: boolean;
  /** Metric names of active triggers, in trigger order (events and status.triggersActivity). */
  activeTriggers: string[];
  /** Metric name → active, for status.triggersActivity. */
  triggersActivity: Record<string, boolean>;
  /** "trigger s0-aws-sqs-queue active, 3 > 0" — why the object is (in)active. */
  reason: string;
}

function describeTrigger(r: TriggerResult): string {
  if (r.error) return `${r.metricName} failed (${r.error})`;
  if (r.fallbackActive) return `${r.metricName} in fallback`;
  if (r.value === undefined) return `${r.metricName} ${r.active ? 'active' : 'inactive'}`;
  const threshold = r.activationThreshold ?? 0;
  return r.active
    ? `${r.metricName} active, ${formatNumber(r.value)} > ${formatNumber(threshold)}`
    : `${r.metricName} inactive, ${formatNumber(r.value)} <= ${formatNumber(threshold)}`;
}

/**
 * Combine per-trigger results (KEDA `getScaledObjectState`): OR of activity, OR of errors; an erroring trigger is never active;
 * fallback-active counts as active; with scalingModifiers activity is `composite > activationTarget` and only when
 * no trigger errored; an object whose triggers are all cpu/memory is always active (when there was no error).
 */
export function combineActivity(results: readonly TriggerResult[], composite?: CompositeActivity): Activity {
  let isActive = false;
  let isError = false;
  const activeTriggers: string[] = [];
  const triggersActivity: Record<string, boolean> = {};
  const external = results.filter((r) => !r.resource);
  for (const r of external) {
    const active = !r.error && (r.active || r.fallbackActive === true);
    if (r.error) isError = true;
    if (active) {
      isActive = true;
      activeTriggers.push(r.metricName);
    }
    triggersActivity[r.metricName] = active;
  }
  for (const r of results) if (r.resource) triggersActivity[r.metricName] = true;

  let reason: string;
  if (composite) {
    // KEDA: with scalingModifiers the composite value alone decides, and an error forces inactive.
    if (composite.error !== undefined) isError = true;
    const ok = !isError && composite.value !== undefined;
    isActive = ok && composite.value! > composite.activationTarget;
    reason = isError
      ? `composite-metric not computed: ${[...external.filter((r) => r.error).map(describeTrigger), ...(composite.error ? [composite.error] : [])].join('; ')}`
      : composite.value === undefined
        ? 'composite-metric could not be computed'
        : `composite-metric ${formatNumber(composite.value)} ${isActive ? '>' : '<='} ${formatNumber(composite.activationTarget)}`;
    activeTriggers.length = 0;
    if (isActive) activeTriggers.push('composite-metric');
  } else if (external.length === 0 && results.length > 0) {
    // KEDA `getScaledObjectState`: only cpu/memory triggers ⇒ always active (they can never scale to zero).
    isActive = !isError;
    reason = 'only cpu/memory triggers: always active';
  } else {
    if (isActive) {
      const shown = external.filter((r) => !r.error && (r.active || r.fallbackActive));
      const errors = external.filter((r) => r.error);
      reason = `trigger ${[...shown, ...errors].map(describeTrigger).join('; ')}`;
    } else {
      reason = `no trigger active: ${external.map(describeTrigger).join('; ')}`;
    }
  }
  return { isActive, isError, activeTriggers, triggersActivity, reason };
}
