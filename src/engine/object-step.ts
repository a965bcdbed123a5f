// The composition every driver calls: one operator poll (fetch through fallback → activity → KEDA scale decision)
// and one HPA sync (metric-desired replicas → behavior/stabilization → bounds), over an explicit state value. The
// operator's direct mode, the local runner and `updraft simulate` all call exactly these functions.
import { COMPOSITE_METRIC_NAME, type HealthStatus, type MetricTargetType, type ScaledObject } from '../api/types.ts';
import { combineActivity, type Activity, type CompositeActivity, type TriggerResult } from './activity.ts';
import { fallbackCondition, fallbackEnabled, fetchWithFallback, inFallback } from './fallback.ts';
import { compileFormula, evaluateFormula, type CompiledFormula } from './formula.ts';
import {
  behaviorWithPauses,
  emptyBehaviorState,
  normalizeReplicas,
  recordScaleEvent,
  resolveBehavior,
  type BehaviorState,
  type ResolvedBehavior,
} from './hpa-behavior.ts';
import { DEFAULT_TOLERANCE, desiredFromMetrics, type HpaMetric, type PodSample, type Tolerances } from './hpa-replicas.ts';
import { metricValueForHpa, truncateToMilli } from './metric-value.ts';
import { parseGoFloat, parseQuantity } from '../api/values.ts';
import { decideScale, pauseState, type PauseState, type ScaleDecision } from './scale-decision.ts';

/** What the engine needs to know about one trigger's metric (scalers/ produce it as their MetricSpec). */
export interface EngineTrigger {
  triggerIndex: number;
  /** Trigger `name` (formula variable), if any. */
  name?: string;
  type: string;
  /** HPA metric name: `s<i>-...`, or `cpu`/`memory`. */
  metricName: string;
  kind: 'External' | 'Resource';
  targetType: MetricTargetType;
  target: number;
  /** For reasons only: the scaler's activation threshold. */
  activationThreshold?: number;
}

/**
 * Whether a decision for this plan uses the ready-pod count: a Value target divides by it (the HPA's
 * `GetExternalMetricReplicas`, and KEDA's fallback for Value metrics); AverageValue and Resource maths do not.
 * Lets the runtime skip listing the target's pods on every poll.
 */
export function needsReadyPods(plan: ObjectPlan): boolean {
  return plan.composite ? plan.composite.targetType === 'Value' : plan.triggers.some((t) => t.kind === 'External' && t.targetType === 'Value');
}

/** A trigger's metric as its scaler describes it (src/scalers/scaler.ts MetricSpec, structurally). */
export interface TriggerMetric {
  metricName: string;
  kind: 'External' | 'Resource' | 'ContainerResource';
  targetType: MetricTargetType;
  target: number;
}

/** The engine's view of one metric of trigger `triggerIndex`; target and activation threshold are the scaler's. */
export function engineTrigger(
  so: ScaledObject,
  triggerIndex: number,
  type: string,
  metric: TriggerMetric,
  activationThreshold: number | undefined,
): EngineTrigger {
  const name = so.spec.triggers[triggerIndex]?.name;
  return {
    triggerIndex,
    ...(name ? { name } : {}),
    type,
    metricName: metric.metricName,
    kind: metric.kind === 'External' ? 'External' : 'Resource',
    targetType: metric.targetType,
    target: metric.target,
    ...(activationThreshold !== undefined ? { activationThreshold } : {}),
  };
}

/** One read of one trigger. Resource triggers carry pod samples instead of a value. */
export type TriggerRead =
  | { value: number; active: boolean }
  | { error: string }
  | { pods: PodSample[]; extraSamples?: Array<{ name: string; usage: number }>; now?: number };

export interface ObjectState {
  /** The target's spec.replicas. */
  replicas: number;
  /** status.lastActiveTime (ms), undefined when never active. */
  lastActiveTime?: number;
  /** The HPA controller's memory for this object (recommendations and scale events). */
  hpa: BehaviorState;
  /** status.health, per external metric name (only maintained when fallback is enabled). */
  health: Record<string, HealthStatus>;
}

export function initialState(replicas: number, lastActiveTime?: number): ObjectState {
  return { replicas, lastActiveTime, hpa: emptyBehaviorState(), health: {} };
}

/** Everything about a ScaledObject the steps need, computed once per generation. */
export interface ObjectPlan {
  so: ScaledObject;
  triggers: EngineTrigger[];
  pause: PauseState;
  fallbackEnabled: boolean;
  formula?: CompiledFormula;
  /** Parsed scalingModifiers target / activationTarget / metricType. */
  composite?: { target: number; activationTarget: number; targetType: 'AverageValue' | 'Value' };
  behavior: ResolvedBehavior | undefined;
  /** The generated HPA's bounds: minReplicas = max(min, 1). */
  hpaMinReplicas: number;
  hpaMaxReplicas: number;
  tolerance: Tolerances;
  downscaleWindowSeconds: number;
  creationTimestamp: number;
}

function toleranceOf(v: number | string | undefined): number {
  if (v === undefined) return DEFAULT_TOLERANCE;
  const n = typeof v === 'number' ? v : parseQuantity(v);
  return n === undefined || !Number.isFinite(n) || n < 0 ? DEFAULT_TOLERANCE : n;
}

/**
 * Prepare a ScaledObject for stepping. Throws FormulaError when scalingModifiers has a formula that does not
 * compile (the webhook rejects those; see validateScalingModifiers).
 */
export function planObject(
  so: ScaledObject,
  triggers: EngineTrigger[],
  options: { downscaleWindowSeconds?: number; creationTimestamp?: number } = {},
): ObjectPlan {
  const pause = pauseState(so.metadata.annotations ?? {});
  const sm = so.spec.advanced?.scalingModifiers;
  let formula: CompiledFormula | undefined;
  let composite: ObjectPlan['composite'];
  if (sm && (sm.formula ?? '').trim() !== '') {
    formula = compileFormula(sm.formula!);
    composite = {
      // strconv.ParseFloat of target / activationTarget (KEDA pkg/scaling/modifiers/formula.go, scale_handler.go).
      target: parseGoFloat(sm.target ?? '') ?? NaN,
      activationTarget: sm.activationTarget !== undefined && sm.activationTarget !== '' ? (parseGoFloat(sm.activationTarget) ?? NaN) : 0,
      targetType: sm.metricType === 'Value' ? 'Value' : 'AverageValue',
    };
  }
  const rawBehavior = behaviorWithPauses(so.spec.advanced?.horizontalPodAutoscalerConfig?.behavior, pause.scaleInPaused, pause.scaleOutPaused);
  const downscaleWindowSeconds = options.downscaleWindowSeconds ?? 300;
  const created = so.metadata.creationTimestamp ? Date.parse(so.metadata.creationTimestamp) : NaN;
  return {
    so,
    triggers,
    pause,
    fallbackEnabled: fallbackEnabled(so),
    formula,
    composite,
    behavior: resolveBehavior(rawBehavior, downscaleWindowSeconds),
    hpaMinReplicas: so.spec.minReplicaCount > 0 ? so.spec.minReplicaCount : 1,
    hpaMaxReplicas: so.spec.maxReplicaCount,
    tolerance: { up: toleranceOf(rawBehavior?.scaleUp?.tolerance), down: toleranceOf(rawBehavior?.scaleDown?.tolerance) },
    downscaleWindowSeconds,
    creationTimestamp: options.creationTimestamp ?? (Number.isFinite(created) ? created : 0),
  };
}

/** The result of fetching every trigger once (an operator poll, or one HPA metrics request per metric). */
export interface Fetched {
  /** Per trigger, for activity. */
  results: TriggerResult[];
  /** What the HPA sees (the composite metric replaces external ones under scalingModifiers). */
  metrics: HpaMetric[];
  composite?: CompositeActivity;
  health: Record<string, HealthStatus>;
  /** Fallback/formula notes for the reason text. */
  notes: string[];
}

/**
 * Fetch through fallback: counts health per call (KEDA counts every fetch, operator polls and metrics requests
 * alike), replaces failing reads past the threshold by the fallback value, and evaluates scalingModifiers.
 */
export function fetchMetrics(plan: ObjectPlan, state: ObjectState, reads: readonly TriggerRead[], readyReplicas: number): Fetched {
  const fallback = plan.so.spec.fallback;
  const health: Record<string, HealthStatus> = { ...state.health };
  const results: TriggerResult[] = [];
  const metrics: HpaMetric[] = [];
  const notes: string[] = [];
  const vars: Record<string, number | null> = {};
  let firstFallbackValue: number | undefined;
  let formulaBlockedBy: string | undefined;
  for (let i = 0; i < plan.triggers.length; i++) {
    const t = plan.triggers[i];
    const read = reads[i] ?? { error: 'no reading' };
    if (t.kind === 'Resource') {
      const pods = 'pods' in read ? read.pods : [];
      results.push({ metricName: t.metricName, resource: true, active: true, error: 'error' in read ? read.error : undefined });
      const extra =
        'pods' in read ? { ...(read.extraSamples ? { extraSamples: read.extraSamples } : {}), ...(read.now !== undefined ? { now: read.now } : {}) } : {};
      metrics.push({
        kind: 'Resource',
        name: t.metricName === 'memory' ? 'memory' : 'cpu',
        targetType: t.targetType === 'AverageValue' ? 'AverageValue' : 'Utilization',
        target: t.target,
        pods,
        ...extra,
        error: 'error' in read ? read.error : undefined,
      });
      continue;
    }
    const asRead = 'value' in read ? { value: read.value } : { error: 'error' in read ? read.error : 'a resource reading for an external trigger' };
    const fbTarget = plan.composite ? plan.composite.target : t.target;
    const fbType = plan.composite ? plan.composite.targetType : t.targetType;
    const out = fetchWithFallback({
      enabled: plan.fallbackEnabled,
      fallback,
      previous: health[t.metricName],
      read: asRead,
      currentReplicas: state.replicas,
      target: fbTarget,
      targetType: fbType,
      readyReplicas,
    });
    if (plan.fallbackEnabled) health[t.metricName] = out.health;
    if (out.reason) notes.push(`${t.metricName}: ${out.reason}`);
    const active = 'value' in read ? read.active : false;
    results.push({
      metricName: t.metricName,
      value: 'value' in read ? read.value : undefined,
      activationThreshold: t.activationThreshold,
      active: out.fallbackActive || active,
      error: out.value === undefined && !(out.fallbackActive && fallback?.behavior === 'scalingModifiers') ? out.error : undefined,
      fallbackActive: out.fallbackActive,
    });
    if (out.fallbackActive && out.value !== undefined && firstFallbackValue === undefined) firstFallbackValue = out.value;
    if (t.name) vars[t.name] = out.value !== undefined ? out.value : null;
    if (out.value === undefined && !out.fallbackActive) formulaBlockedBy ??= `${t.metricName}: ${out.error}`;
    if (!plan.composite) {
      metrics.push({
        kind: 'External',
        name: t.metricName,
        targetType: t.targetType === 'Value' ? 'Value' : 'AverageValue',
        target: t.target,
        value: out.value !== undefined ? (out.fallbackActive ? truncateToMilli(out.value) : metricValueForHpa(out.value)) : undefined,
        error: out.value === undefined ? out.error : undefined,
      });
    }
  }
  let composite: CompositeActivity | undefined;
  if (plan.composite && plan.formula) {
    const c = plan.composite;
    let value: number | undefined;
    let error: string | undefined;
    if (formulaBlockedBy) {
      error = formulaBlockedBy;
    } else if (firstFallbackValue !== undefined && fallback?.behavior !== 'scalingModifiers') {
      // KEDA `pkg/scaling/modifiers/formula.go` `HandleScalingModifiers`: with a classic fallback behavior the formula
      // is skipped and the first fallback value wins.
      value = firstFallbackValue;
      notes.push(`composite-metric = fallback value ${value} (formula skipped)`);
    } else {
      try {
        const v = evaluateFormula(plan.formula, vars);
        if (v === null) {
          value = (fallback?.replicas ?? 0) * c.target;
          notes.push(`formula returned nil: composite = fallback.replicas ${fallback?.replicas ?? 0} × target ${c.target}`);
        } else value = v;
      } catch (e) {
        error = `formula failed: ${(e as Error).message}`;
      }
    }
    composite = { value, activationTarget: c.activationTarget, error };
    metrics.unshift({
      kind: 'External',
      name: COMPOSITE_METRIC_NAME,
      targetType: c.targetType,
      target: c.target,
      value: value !== undefined ? truncateToMilli(value) : undefined,
      error,
    });
  }
  return { results, metrics, composite, health, notes };
}

export interface PollResult {
  state: ObjectState;
  activity: Activity;
  decision: ScaleDecision;
  /** The Fallback condition after this poll. */
  fallbackActive: boolean;
}

/** One operator poll (KEDA `pkg/scaling/scale_handler.go` `checkScalers`, `executor/scale_scaledobjects.go`) on fetched values. */
export function operatorPoll(plan: ObjectPlan, state: ObjectState, fetched: Fetched, now: number): PollResult {
  const activity = combineActivity(fetched.results, fetched.composite);
  const decision = decideScale({
    so: plan.so,
    currentReplicas: state.replicas,
    isActive: activity.isActive,
    isError: activity.isError,
    activeTriggers: activity.activeTriggers,
    activityReason: activity.reason + (fetched.notes.length ? `; ${fetched.notes.join('; ')}` : ''),
    lastActiveTime: state.lastActiveTime,
    creationTimestamp: plan.creationTimestamp,
    now,
  });
  const next: ObjectState = {
    replicas: decision.replicas ?? state.replicas,
    lastActiveTime: decision.lastActiveTime ?? state.lastActiveTime,
    hpa: state.hpa,
    health: fetched.health,
  };
  const fb = fallbackCondition(fetched.health, plan.so.spec.fallback, plan.fallbackEnabled);
  return { state: next, activity, decision, fallbackActive: fb.status === 'True' };
}

export interface HpaSyncResult {
  state: ObjectState;
  /** True when the sync changed the replica count. */
  changed: boolean;
  /** What the sync did: 'disabled' | 'invalid' | 'bounds' | 'metrics'. */
  kind: 'disabled' | 'invalid' | 'bounds' | 'metrics' | 'paused';
  /** Metric-desired count before behavior (kind 'metrics'). */
  desired?: number;
  /** The scale-down stabilization window held the count above the metric-desired one. */
  stabilized?: boolean;
  reason: string;
}

/**
 * One HPA sync on fetched values (horizontal.go `reconcileAutoscaler`): the HPA's minReplicas is max(min, 1), and
 * with the target at 0 the HPA is disabled — the operator owns 0↔N, the HPA 1..N (KEDA `pkg/scaling/executor/scale_scaledobjects.go`).
 */
export function hpaSync(
  plan: ObjectPlan,
  state: ObjectState,
  fetched: Fetched,
  ctx: { now: number; statusReplicas: number; readyPods: number },
): HpaSyncResult {
  if (plan.pause.paused) return { state, changed: false, kind: 'paused', reason: 'paused: KEDA deletes the HPA' };
  const current = state.replicas;
  const d = desiredFromMetrics({
    metrics: fetched.metrics,
    minReplicas: plan.hpaMinReplicas,
    maxReplicas: plan.hpaMaxReplicas,
    ctx: { specReplicas: current, statusReplicas: ctx.statusReplicas, readyPods: ctx.readyPods, tolerance: plan.tolerance },
  });
  const withHealth = (s: ObjectState): ObjectState => ({ ...s, health: fetched.health });
  if (d.kind === 'disabled' || d.kind === 'invalid') return { state: withHealth(state), changed: false, kind: d.kind, reason: d.reason };
  let replicas: number;
  let hpa = state.hpa;
  let reason: string;
  let desired: number | undefined;
  let stabilized = false;
  if (d.kind === 'bounds') {
    replicas = d.replicas;
    reason = d.reason;
  } else {
    desired = d.replicas;
    const n = normalizeReplicas({
      behavior: plan.behavior,
      state: hpa,
      now: ctx.now,
      currentReplicas: current,
      desired: d.replicas,
      minReplicas: plan.hpaMinReplicas,
      maxReplicas: plan.hpaMaxReplicas,
      downscaleWindowSeconds: plan.downscaleWindowSeconds,
    });
    hpa = n.state;
    replicas = n.replicas;
    // Held up by the scale-down window: the metrics want fewer replicas than we keep.
    stabilized = n.stabilizationReason === 'ScaleDownStabilized' && replicas > d.replicas;
    const direction = replicas > current ? `above target` : replicas < current ? 'All metrics below target' : 'no change';
    reason = `${replicas !== current ? `scale ${current}→${replicas}` : `stay at ${current}`}: ${d.reason}${n.reason ? `; ${n.reason}` : ''}${replicas > current ? ` (${d.metric} ${direction})` : ''}`;
  }
  if (replicas !== current) hpa = recordScaleEvent(hpa, plan.behavior, current, replicas, ctx.now);
  return { state: { ...state, replicas, hpa, health: fetched.health }, changed: replicas !== current, kind: d.kind, desired, stabilized, reason };
}

/** Direct mode (Updraft): one read per poll, the KEDA decision, then the HPA maths on the same values. */
export function directStep(
  plan: ObjectPlan,
  state: ObjectState,
  reads: readonly TriggerRead[],
  ctx: { now: number; statusReplicas: number; readyPods: number },
): { poll: PollResult; hpa?: HpaSyncResult; state: ObjectState } {
  const fetched = fetchMetrics(plan, state, reads, ctx.readyPods);
  const poll = operatorPoll(plan, state, fetched, ctx.now);
  const a = poll.decision.action;
  if (a === 'paused' || a === 'deactivate' || poll.state.replicas === 0) return { poll, state: poll.state };
  // After an activation the new pods do not exist yet: the HPA maths sees the pods that do.
  const hpa = hpaSync(plan, poll.state, { ...fetched, health: poll.state.health }, ctx);
  return { poll, hpa, state: hpa.state };
}

/** Whether any metric is past its fallback threshold (for charts and the Fallback condition). */
export function anyInFallback(plan: ObjectPlan, state: ObjectState): boolean {
  const f = plan.so.spec.fallback;
  return plan.fallbackEnabled && f !== undefined && Object.values(state.health).some((h) => inFallback(h, f.failureThreshold));
}
