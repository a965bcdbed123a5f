// HPA normalization (Kubernetes horizontal.go): stabilization windows over past recommendations, scaling policies
// over past scale events, and the clamp to [minReplicas, maxReplicas]. The controller's per-HPA memory
// (recommendations, scale-up and scale-down events) is an explicit value here: passed in, returned, never hidden.
import type { HPABehavior, HPAScalingPolicy, HPAScalingRules } from '../api/types.ts';

export interface BehaviorState {
  /** Unstabilized recommendations (the metric-desired count of each sync), oldest first. */
  recommendations: Array<{ t: number; replicas: number }>;
  /** Replicas added by each scale-up / removed by each scale-down (positive numbers), oldest first. */
  scaleUpEvents: Array<{ t: number; change: number }>;
  scaleDownEvents: Array<{ t: number; change: number }>;
}

export function emptyBehaviorState(): BehaviorState {
  return { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] };
}

/** Fully defaulted rules for one direction. */
export interface ResolvedRules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: HPAScalingPolicy[];
}
export interface ResolvedBehavior {
  scaleUp: ResolvedRules;
  scaleDown: ResolvedRules;
}

/** `--horizontal-pod-autoscaler-downscale-stabilization` default. */
export const DEFAULT_DOWNSCALE_STABILIZATION_SECONDS = 300;

/** Kubernetes API defaults (autoscaling/v2 `GenerateHPAScaleUpRules` / `GenerateHPAScaleDownRules`). */
export const DEFAULT_SCALE_UP_RULES: ResolvedRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
export const DEFAULT_SCALE_DOWN_RULES: ResolvedRules = {
  stabilizationWindowSeconds: DEFAULT_DOWNSCALE_STABILIZATION_SECONDS,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

function resolveRules(rules: HPAScalingRules | undefined, defaults: ResolvedRules, defaultWindow: number): ResolvedRules {
  return {
    stabilizationWindowSeconds: rules?.stabilizationWindowSeconds ?? defaultWindow,
    selectPolicy: rules?.selectPolicy ?? defaults.selectPolicy,
    policies: rules?.policies && rules.policies.length > 0 ? rules.policies : defaults.policies,
  };
}

/**
 * Fill a behavior's unset fields with the Kubernetes defaults. Returns undefined for an absent behavior: then the
 * controller uses its legacy path (300 s downscale window, scale-up limited to max(2×current, 4) per sync), which is
 * NOT the same as the documented default policies (see docs/engine.md).
 */
export function resolveBehavior(
  behavior: HPABehavior | undefined,
  downscaleWindowSeconds = DEFAULT_DOWNSCALE_STABILIZATION_SECONDS,
): ResolvedBehavior | undefined {
  if (!behavior) return undefined;
  return {
    scaleUp: resolveRules(behavior.scaleUp, DEFAULT_SCALE_UP_RULES, 0),
    scaleDown: resolveRules(behavior.scaleDown, DEFAULT_SCALE_DOWN_RULES, downscaleWindowSeconds),
  };
}

export interface NormalizeInput {
  behavior: ResolvedBehavior | undefined;
  state: BehaviorState;
  now: number;
  currentReplicas: number;
  /** The metric-desired (prenormalized) count. */
  desired: number;
  minReplicas: number;
  maxReplicas: number;
  /** Used only when behavior is absent. */
  downscaleWindowSeconds?: number;
}

export interface NormalizeResult {
  replicas: number;
  state: BehaviorState;
  /** After stabilization, before rate limits and bounds. */
  stabilized: number;
  /** AbleToScale reason: ScaleUpStabilized / ScaleDownStabilized / ReadyForNewScale. */
  stabilizationReason: string;
  /** ScalingLimited reason: DesiredWithinRange / ScaleUpLimit / ScaleDownLimit / TooManyReplicas / TooFewReplicas. */
  limitReason: string;
  /** For a person: what held the count back, if anything. */
  reason: string;
}

function changeWithin(events: Array<{ t: number; change: number }>, periodSeconds: number, now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let sum = 0;
  for (const e of events) if (e.t > cutoff) sum += e.change;
  return sum;
}

/** `calculateScaleUpLimitWithScalingRules`. */
export function scaleUpLimit(current: number, state: BehaviorState, rules: ResolvedRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  let result = rules.selectPolicy === 'Min' ? Infinity : -Infinity;
  for (const p of rules.policies) {
    const start = current - changeWithin(state.scaleUpEvents, p.periodSeconds, now) + changeWithin(state.scaleDownEvents, p.periodSeconds, now);
    // Percent rounds up so that a small percentage can still add a pod.
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = rules.selectPolicy === 'Min' ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** `calculateScaleDownLimitWithBehaviors`. */
export function scaleDownLimit(current: number, state: BehaviorState, rules: ResolvedRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  let result = rules.selectPolicy === 'Min' ? -Infinity : Infinity;
  for (const p of rules.policies) {
    const start = current - changeWithin(state.scaleUpEvents, p.periodSeconds, now) + changeWithin(state.scaleDownEvents, p.periodSeconds, now);
    // Go's int32(float) truncates.
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = rules.selectPolicy === 'Min' ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/**
 * One HPA normalization step: stabilize the metric-desired count against recent recommendations, then apply the
 * rate limits and the [min, max] bounds. Returns the new state with this sync's recommendation recorded.
 */
export function normalizeReplicas(input: NormalizeInput): NormalizeResult {
  const { behavior, now, currentReplicas: current, desired, minReplicas, maxReplicas } = input;
  if (!behavior) return normalizeLegacy(input);

  const upWindow = behavior.scaleUp.stabilizationWindowSeconds * 1000;
  const downWindow = behavior.scaleDown.stabilizationWindowSeconds * 1000;
  let up = desired;
  let down = desired;
  for (const r of input.state.recommendations) {
    if (r.t > now - upWindow) up = Math.min(up, r.replicas);
    if (r.t > now - downWindow) down = Math.max(down, r.replicas);
  }
  let stabilized = current;
  if (stabilized < up) stabilized = up;
  if (stabilized > down) stabilized = down;
  const keepAfter = now - Math.max(upWindow, downWindow);
  const recommendations = input.state.recommendations.filter((r) => r.t >= keepAfter);
  recommendations.push({ t: now, replicas: desired });
  const state: BehaviorState = { ...input.state, recommendations };

  const stabilizationReason = stabilized === desired ? 'ReadyForNewScale' : desired >= current ? 'ScaleUpStabilized' : 'ScaleDownStabilized';
  let replicas = stabilized;
  let limitReason = 'DesiredWithinRange';
  if (stabilized > current) {
    const limit = Math.max(scaleUpLimit(current, input.state, behavior.scaleUp, now), current);
    const allowed = Math.min(maxReplicas, limit);
    if (stabilized > allowed) {
      replicas = allowed;
      limitReason = maxReplicas > limit ? 'ScaleUpLimit' : 'TooManyReplicas';
    }
  } else if (stabilized < current) {
    const limit = Math.min(scaleDownLimit(current, input.state, behavior.scaleDown, now), current);
    const allowed = Math.max(minReplicas, limit);
    if (stabilized < allowed) {
      replicas = allowed;
      limitReason = minReplicas < limit ? 'ScaleDownLimit' : 'TooFewReplicas';
    }
  }
  return {
    replicas,
    state,
    stabilized,
    stabilizationReason,
    limitReason,
    reason: describe(desired, stabilized, replicas, stabilizationReason, limitReason, behavior),
  };
}

/** Absent behavior: `stabilizeRecommendation` (max over the downscale window) + `convertDesiredReplicasWithRules`. */
function normalizeLegacy(input: NormalizeInput): NormalizeResult {
  const { now, currentReplicas: current, desired, minReplicas, maxReplicas } = input;
  const window = (input.downscaleWindowSeconds ?? DEFAULT_DOWNSCALE_STABILIZATION_SECONDS) * 1000;
  const cutoff = now - window;
  let stabilized = desired;
  for (const r of input.state.recommendations) if (r.t >= cutoff && r.replicas > stabilized) stabilized = r.replicas;
  const recommendations = input.state.recommendations.filter((r) => r.t >= cutoff);
  recommendations.push({ t: now, replicas: desired });
  const state: BehaviorState = { ...input.state, recommendations };
  const stabilizationReason = stabilized !== desired ? 'ScaleDownStabilized' : 'ReadyForNewScale';
  // Kubernetes: do not scale up past max(2 × current, 4) in one sync (guards against bogus usage reports).
  const upLimit = Math.max(2 * current, 4);
  const maxAllowed = Math.min(maxReplicas, upLimit);
  let replicas = stabilized;
  let limitReason = 'DesiredWithinRange';
  if (stabilized < minReplicas) {
    replicas = minReplicas;
    limitReason = 'TooFewReplicas';
  } else if (stabilized > maxAllowed) {
    replicas = maxAllowed;
    limitReason = maxReplicas > upLimit ? 'ScaleUpLimit' : 'TooManyReplicas';
  }
  return {
    replicas,
    state,
    stabilized,
    stabilizationReason,
    limitReason,
    reason: describe(desired, stabilized, replicas, stabilizationReason, limitReason, undefined, input.downscaleWindowSeconds),
  };
}

function describe(
  desired: number,
  stabilized: number,
  replicas: number,
  stab: string,
  limit: string,
  behavior: ResolvedBehavior | undefined,
  legacyWindow?: number,
): string {
  const parts: string[] = [];
  // Mention a stabilization window only when it actually kept the count away from what the metrics want.
  if (stab === 'ScaleDownStabilized' && replicas > desired) {
    const w = behavior ? behavior.scaleDown.stabilizationWindowSeconds : (legacyWindow ?? DEFAULT_DOWNSCALE_STABILIZATION_SECONDS);
    parts.push(`scale-down stabilization: highest recommendation in the last ${w}s is ${stabilized}`);
  } else if (stab === 'ScaleUpStabilized' && replicas < desired) {
    parts.push(`scale-up stabilization: lowest recommendation in the last ${behavior?.scaleUp.stabilizationWindowSeconds ?? 0}s is ${stabilized}`);
  }
  if (limit === 'ScaleUpLimit') parts.push(`scale-up rate limit allows ${replicas}`);
  else if (limit === 'ScaleDownLimit') parts.push(`scale-down rate limit allows ${replicas}`);
  else if (limit === 'TooManyReplicas') parts.push(`capped at maxReplicas ${replicas}`);
  else if (limit === 'TooFewReplicas') parts.push(`raised to minReplicas ${replicas}`);
  return parts.join('; ');
}

/** `storeScaleEvent`: remember a rescale for the policies' periods (only when a behavior is set). */
export function recordScaleEvent(state: BehaviorState, behavior: ResolvedBehavior | undefined, previous: number, next: number, now: number): BehaviorState {
  if (!behavior || previous === next) return state;
  const longest = (rules: ResolvedRules): number => Math.max(0, ...rules.policies.map((p) => p.periodSeconds)) * 1000;
  if (next > previous) {
    const keep = now - longest(behavior.scaleUp);
    return { ...state, scaleUpEvents: [...state.scaleUpEvents.filter((e) => e.t > keep), { t: now, change: next - previous }] };
  }
  const keep = now - longest(behavior.scaleDown);
  return { ...state, scaleDownEvents: [...state.scaleDownEvents.filter((e) => e.t > keep), { t: now, change: previous - next }] };
}

/**
 * KEDA paused-scale-in / paused-scale-out (KEDA `controllers/keda/hpa.go`): inject selectPolicy Disabled into the generated
 * HPA's behavior, creating the structs if needed (which also switches the HPA from its legacy path to behaviors).
 */
export function behaviorWithPauses(behavior: HPABehavior | undefined, scaleInPaused: boolean, scaleOutPaused: boolean): HPABehavior | undefined {
  if (!scaleInPaused && !scaleOutPaused) return behavior;
  const out: HPABehavior = { ...(behavior ?? {}) };
  if (scaleInPaused) out.scaleDown = { ...(out.scaleDown ?? {}), selectPolicy: 'Disabled' };
  if (scaleOutPaused) out.scaleUp = { ...(out.scaleUp ?? {}), selectPolicy: 'Disabled' };
  return out;
}
