// Replays metric series through a ScaledObject on a virtual clock, calling the same engine functions as the operator:
// the operator loop every pollingInterval and, in `hpa` mode, the HPA loop every --hpa-sync seconds; in `direct`
// mode the HPA maths runs on every poll. Deterministic: same input, same output.
import type { ScaledObject } from '../api/types.ts';
import type { PodSample } from '../engine/hpa-replicas.ts';
import {
  anyInFallback,
  directStep,
  fetchMetrics,
  hpaSync,
  initialState,
  operatorPoll,
  planObject,
  type EngineTrigger,
  type ObjectPlan,
  type ObjectState,
  type TriggerRead,
} from '../engine/object-step.ts';
import { SeriesCursor, type Series, type SeriesValue } from './series.ts';
import { SimulationSetupError, simulatedTriggers } from './trigger-targets.ts';

export interface SimulationOptions {
  mode: 'hpa' | 'direct';
  /** Replicas of the target at t=0. */
  startReplicas: number;
  /** Seconds to simulate; default: last series point + cooldownPeriod (+ 300 s + one HPA sync when min > 0) + 3 polls. */
  durationSeconds?: number;
  /** HPA sync period (hpa mode), default 15 s. */
  hpaSyncSeconds: number;
  /** Pods become Ready this many seconds after they are created. */
  readyDelaySeconds: number;
  /** Keep every step (CLI, tests). Off for benchmarks: only the summary is kept. */
  record?: boolean;
}

export interface SimStep {
  /** Seconds from start. */
  t: number;
  loop: 'operator' | 'hpa' | 'direct';
  /** Series value per column at t (null: no value yet). */
  values: Record<string, SeriesValue | null>;
  active: boolean;
  /** What this loop wanted: the decision's replica count (operator), the metric-desired count (HPA). */
  desired: number;
  replicas: number;
  ready: number;
  reason: string;
  /** KEDA Event reason, when one is emitted (KEDAScaleTargetActivated, ...). */
  event?: string;
  /** Waiting for cooldownPeriod / initialCooldownPeriod before deactivating. */
  cooldown: boolean;
  /** The HPA's scale-down stabilization window holds replicas up. */
  stabilized: boolean;
  /** Some trigger is in fallback. */
  fallback: boolean;
}

export interface SimulationSummary {
  object: string;
  mode: 'hpa' | 'direct';
  durationSeconds: number;
  steps: number;
  startReplicas: number;
  finalReplicas: number;
  maxReplicas: number;
  activations: number;
  deactivations: number;
  /** Replica changes of any kind. */
  scaleChanges: number;
  /** First time replicas rose above the start count (s), if ever. */
  firstScaleUpAt?: number;
  /** Time the last replica change happened (s), if any. */
  lastChangeAt?: number;
  /** ∫ replicas dt, in replica-hours (a cost proxy). */
  replicaHours: number;
}

export interface SimulationResult {
  summary: SimulationSummary;
  steps: SimStep[];
  triggers: EngineTrigger[];
  /** Trigger index → series column. */
  columns: string[];
}

/** Match each trigger to a series column: its `name`, `s<index>`, its metric name, or the only column. */
export function matchColumns(so: ScaledObject, triggers: EngineTrigger[], series: Series): string[] {
  return triggers.map((t) => {
    const candidates = [t.name, `s${t.triggerIndex}`, t.metricName].filter((x): x is string => !!x);
    const hit = candidates.find((c) => series.columns.includes(c));
    if (hit) return hit;
    if (triggers.length === 1 && series.columns.length === 1) return series.columns[0];
    throw new SimulationSetupError(
      `ScaledObject ${so.metadata.namespace}/${so.metadata.name}: no series column for spec.triggers[${t.triggerIndex}] (${t.type}); name a column ${candidates.map((c) => `'${c}'`).join(' or ')} (columns found: ${series.columns.join(', ')})`,
    );
  });
}

/** Virtual pods: creation order, each Ready after the delay; scale-down removes the newest first. */
class PodModel {
  readyAt: number[] = [];
  constructor(private readonly delayMs: number) {}
  resize(n: number, now: number): void {
    while (this.readyAt.length < n) this.readyAt.push(now + this.delayMs);
    if (this.readyAt.length > n) this.readyAt.length = n;
  }
  ready(now: number): number {
    let c = 0;
    for (const r of this.readyAt) if (r <= now) c++;
    return c;
  }
  samples(now: number, value: number, targetType: string): PodSample[] {
    // The series gives the per-pod average (utilization % or usage); every pod reports it, with request 1.
    const usage = targetType === 'Utilization' ? value / 100 : value;
    return this.readyAt.map((r, i) => ({ name: `pod-${i}`, ready: r <= now, usage, request: 1 }));
  }
}

export function simulate(so: ScaledObject, series: Series, options: SimulationOptions, onStep?: (s: SimStep) => void): SimulationResult {
  const triggers = simulatedTriggers(so);
  const columns = matchColumns(so, triggers, series);
  const plan: ObjectPlan = planObject(so, triggers, { creationTimestamp: 0 });
  const cursors = columns.map((c) => new SeriesCursor(series.points.get(c) ?? []));
  const allColumns = series.columns;
  const allCursors = allColumns.map((c) => new SeriesCursor(series.points.get(c) ?? []));
  const pollMs = Math.max(1, so.spec.pollingInterval) * 1000;
  const hpaMs = Math.max(1, options.hpaSyncSeconds) * 1000;
  // Long enough to see the object settle: cooldown for 0↔N, plus the HPA's 300 s scale-down window when it owns 1..N.
  const settle =
    so.spec.cooldownPeriod +
    (so.spec.minReplicaCount > 0 || so.spec.idleReplicaCount !== undefined ? 300 + options.hpaSyncSeconds : 0) +
    3 * so.spec.pollingInterval;
  const durationS = options.durationSeconds ?? series.end + settle;
  const endMs = Math.round(durationS * 1000);
  const pods = new PodModel(options.readyDelaySeconds * 1000);
  pods.resize(options.startReplicas, -Infinity);
  let state: ObjectState = initialState(options.startReplicas);
  const record = options.record !== false;
  const steps: SimStep[] = [];
  const summary: SimulationSummary = {
    object: `${so.metadata.namespace}/${so.metadata.name}`,
    mode: options.mode,
    durationSeconds: durationS,
    steps: 0,
    startReplicas: options.startReplicas,
    finalReplicas: options.startReplicas,
    maxReplicas: options.startReplicas,
    activations: 0,
    deactivations: 0,
    scaleChanges: 0,
    replicaHours: 0,
  };
  let lastActive = false;
  let lastT = 0;

  const reads = (now: number): TriggerRead[] =>
    triggers.map((t, i) => {
      const v = cursors[i].at(now / 1000);
      if (v === undefined) return { error: `no value in the series before t=${now / 1000}s` };
      if (v === 'error') return { error: 'read failed (series)' };
      if (t.kind === 'Resource') return { pods: pods.samples(now, v, t.targetType) };
      return { value: v, active: v > (t.activationThreshold ?? 0) };
    });

  const emit = (now: number, loop: SimStep['loop'], prev: number, s: Omit<SimStep, 't' | 'loop' | 'values' | 'replicas' | 'ready'>): void => {
    const replicas = state.replicas;
    summary.replicaHours += (prev * (now - lastT)) / 3_600_000;
    lastT = now;
    if (replicas !== prev) {
      pods.resize(replicas, now);
      summary.scaleChanges++;
      summary.lastChangeAt = now / 1000;
      if (replicas > options.startReplicas && summary.firstScaleUpAt === undefined) summary.firstScaleUpAt = now / 1000;
    }
    if (s.event === 'KEDAScaleTargetActivated') summary.activations++;
    if (s.event === 'KEDAScaleTargetDeactivated') summary.deactivations++;
    summary.maxReplicas = Math.max(summary.maxReplicas, replicas);
    summary.steps++;
    if (!record && !onStep) return;
    const values: Record<string, SeriesValue | null> = {};
    allColumns.forEach((c, i) => (values[c] = allCursors[i].at(now / 1000) ?? null));
    const step: SimStep = { t: now / 1000, loop, values, replicas, ready: pods.ready(now), ...s };
    if (record) steps.push(step);
    onStep?.(step);
  };

  let nextPoll = 0;
  let nextHpa = options.mode === 'hpa' ? 0 : Infinity;
  while (Math.min(nextPoll, nextHpa) <= endMs) {
    const now = Math.min(nextPoll, nextHpa);
    if (now === nextPoll) {
      nextPoll += pollMs;
      const prev = state.replicas;
      const readyPods = pods.ready(now);
      if (options.mode === 'direct') {
        const r = directStep(plan, state, reads(now), { now, statusReplicas: pods.readyAt.length, readyPods });
        state = r.state;
        lastActive = r.poll.activity.isActive;
        const hpaNote = r.hpa && r.hpa.kind !== 'disabled' && (r.hpa.changed || r.hpa.stabilized) ? `; ${r.hpa.reason}` : '';
        emit(now, 'direct', prev, {
          active: lastActive,
          desired: r.hpa?.desired ?? r.poll.decision.replicas ?? prev,
          reason: r.poll.decision.reason + hpaNote,
          event: r.poll.decision.event?.reason,
          cooldown: r.poll.decision.cooldownUntil !== undefined,
          stabilized: r.hpa?.stabilized ?? false,
          fallback: anyInFallback(plan, state),
        });
      } else {
        const fetched = fetchMetrics(plan, state, reads(now), readyPods);
        const poll = operatorPoll(plan, state, fetched, now);
        state = poll.state;
        lastActive = poll.activity.isActive;
        emit(now, 'operator', prev, {
          active: lastActive,
          desired: poll.decision.replicas ?? prev,
          reason: poll.decision.reason,
          event: poll.decision.event?.reason,
          cooldown: poll.decision.cooldownUntil !== undefined,
          stabilized: false,
          fallback: poll.fallbackActive,
        });
      }
    }
    if (now === nextHpa) {
      nextHpa += hpaMs;
      const prev = state.replicas;
      const readyPods = pods.ready(now);
      const fetched = fetchMetrics(plan, state, reads(now), readyPods);
      const h = hpaSync(plan, state, fetched, { now, statusReplicas: pods.readyAt.length, readyPods });
      state = h.state;
      emit(now, 'hpa', prev, {
        active: lastActive,
        desired: h.desired ?? state.replicas,
        reason: h.kind === 'disabled' ? `HPA idle: ${h.reason}` : h.reason,
        cooldown: false,
        stabilized: h.stabilized ?? false,
        fallback: anyInFallback(plan, state),
      });
    }
  }
  summary.replicaHours += (state.replicas * (endMs - lastT)) / 3_600_000;
  summary.replicaHours = Math.round(summary.replicaHours * 1000) / 1000;
  summary.finalReplicas = state.replicas;
  return { summary, steps, triggers, columns };
}
