// The ScaledObject reconcile as a pure plan: from what the applier found (the parsed object or why it does not
// parse, its status, the target check, the scalers built, the scale loop's state) to what to do — one status
// change, the Events, the HPA action, the runner action, a paused-replicas write, and whether to retry. No I/O, no
// clock: scaled-object-controller.ts gathers the facts and applies the plan, writing status at most once.
//
// KEDA's reconcile, which this follows: `controllers/keda/scaledobject_controller.go` (finalizer, label, pause,
// target check, validation, scalers, HPA, conditions and Events); a failed reconcile is requeued with backoff.
import type { GroupVersionKindResource } from '../api/gvkr.ts';
import { gvkString } from '../api/gvkr.ts';
import { EventMessage, EventReason, RUNTIME_READY_REASONS, SoCondition } from '../api/keda-reasons.ts';
import { isPaused, isPausedScaleIn, isPausedScaleOut, pausedReplicas } from '../api/pause.ts';
import { ANNOTATION_UPDRAFT_MODE, type Condition, type ScaledObject, type ScaledObjectStatus } from '../api/types.ts';
import { validateScaledObject } from '../api/validate.ts';
import { validateScalingModifiers } from '../engine/formula.ts';
import type { TriggerBuildError } from '../runtime/build-scalers.ts';
import type { ScalingMode } from '../runtime/object-runner.ts';
import type { MetricSpec } from '../scalers/scaler.ts';
import { getCondition, removeCondition, setCondition, withInitialConditions } from './conditions.ts';
import { buildHpa, HpaBuildError, type HorizontalPodAutoscaler } from './hpa.ts';
import { rfc3339Seconds } from '../api/values.ts';

/** What the scale loop of the object looks like now (the applier's runner map). */
export interface RunnerFacts {
  /** The loop's scalers were built for this generation, uid, mode and annotations. */
  builtFor?: RunnerIdentity;
  /** Marked for a rebuild: a TriggerAuthentication changed, or reads failed (KEDA refreshes a failing scaler). */
  stale?: 'auth' | 'read-errors';
  /** The metric specs of the running scalers. */
  metricSpecs?: MetricSpec[];
}

export interface RunnerIdentity {
  generation: number;
  uid: string;
  mode: ScalingMode;
  annotationsKey: string;
}

export type TargetFacts =
  | { ok: true; gvkr: Omit<GroupVersionKindResource, 'resourceGuessed'>; scaleReplicas: number }
  | { ok: false; message: string; eventMessage: string };

export type BuildFacts =
  | { ok: true; scalerTypes: string[]; metricSpecs: MetricSpec[]; warnings: string[] }
  | { ok: false; errors: TriggerBuildError[]; warnings: string[] };

export interface ScaledObjectFacts {
  parsed: { ok: true; so: ScaledObject } | { ok: false; message: string };
  status: ScaledObjectStatus;
  /** The target check; the applier makes it unless the object is paused (needsTarget). */
  target?: TargetFacts;
  /** With paused-replicas: the target's current spec.replicas. */
  pausedTargetReplicas?: number;
  runner: RunnerFacts;
  /** Scalers built in this reconcile (the applier builds when needsBuild says so). */
  build?: BuildFacts;
  defaultMode: ScalingMode;
  /** The generated HPA's app.kubernetes.io/version label. */
  version: string;
  /**
   * The ScalingActive condition of the HPA named in status.hpaName, as the informer has it; undefined when there
   * is none yet (no HPA, or it has not reported one).
   */
  hpaScalingActive?: { status: string; reason?: string; message?: string };
}

/**
 * The HPAActive condition for an HPA's ScalingActive condition, or undefined to leave HPAActive as it is (no HPA
 * observed yet: KEDA keeps the last observed state). KEDA: pkg/scaling/executor/scale_scaledobjects.go
 * getHPAHealth.
 */
export function hpaActiveCondition(scalingActive: ScaledObjectFacts['hpaScalingActive']): Condition | undefined {
  if (!scalingActive) return undefined;
  if (scalingActive.status === 'True') return SoCondition.hpaActive;
  if (scalingActive.reason === 'ScalingDisabled') return SoCondition.hpaScalingDisabled(scalingActive.message ?? '');
  return SoCondition.hpaNotActive(scalingActive.reason ?? '', scalingActive.message ?? '');
}

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export type HpaAction = { action: 'none' } | { action: 'ensure'; hpa: HorizontalPodAutoscaler; deletePrevious?: string } | { action: 'delete'; name: string };

export interface ScaledObjectPlan {
  /** The status to write, as a function of the current one (re-applied on a conflict); identity means no write. */
  status(current: ScaledObjectStatus): ScaledObjectStatus;
  events: PlannedEvent[];
  hpa: HpaAction;
  /** keep: the running loop stays (started if not yet); start: replace it by the one built now; stop: none runs. */
  runner: 'keep' | 'start' | 'stop';
  /** paused-replicas: write this to the target's /scale. */
  scaleTo?: number;
  /** Set when the object is not ready: the applier retries the reconcile with backoff (as KEDA requeues). */
  retry?: string;
  /** A log line worth writing (check failures). */
  warn?: string;
}

/** The scaling mode of an object: its `updraft.dev/mode` annotation, else the operator's default. */
export function scalingMode(so: ScaledObject, defaultMode: ScalingMode): ScalingMode {
  const a = so.metadata.annotations[ANNOTATION_UPDRAFT_MODE];
  return a === 'direct' || a === 'hpa' ? a : defaultMode;
}

export function runnerIdentity(so: ScaledObject, defaultMode: ScalingMode): RunnerIdentity {
  return {
    generation: so.metadata.generation ?? 0,
    uid: so.metadata.uid ?? '',
    mode: scalingMode(so, defaultMode),
    annotationsKey: JSON.stringify(so.metadata.annotations),
  };
}

/** Paused objects have no target check, no scalers and no HPA (KEDA stops the scale loop). */
export function needsTarget(so: ScaledObject): boolean {
  return !isPaused(so) && !pausedReplicas(so);
}

/**
 * Whether the applier must build the scalers: 'new' (none running, or the spec, uid, mode or annotations changed),
 * 'auth' / 'read-errors' (the same spec, rebuilt to pick up new credentials), or false.
 */
export function needsBuild(so: ScaledObject, runner: RunnerFacts, defaultMode: ScalingMode): false | 'new' | 'auth' | 'read-errors' {
  const want = runnerIdentity(so, defaultMode);
  const have = runner.builtFor;
  if (!have || have.generation !== want.generation || have.uid !== want.uid || have.mode !== want.mode || have.annotationsKey !== want.annotationsKey)
    return 'new';
  return runner.stale ?? false;
}

/** Without mutation of `s`: the status with KEDA's four initial conditions present. */
function initial(s: ScaledObjectStatus): ScaledObjectStatus {
  return !s.conditions || withInitialConditions(s.conditions).length !== s.conditions.length ? { ...s, conditions: withInitialConditions(s.conditions) } : s;
}

function checkFailed(message: string, eventMessage: string, extra: Partial<ScaledObjectPlan> = {}): ScaledObjectPlan {
  return {
    status: (s) => ({
      ...initial(s),
      conditions: setCondition(setCondition(initial(s).conditions, SoCondition.checkFailed(message)), SoCondition.activeUnknownAfterCheck),
    }),
    events: [{ type: 'Warning', reason: EventReason.ScaledObjectCheckFailed, message: eventMessage }],
    hpa: { action: 'none' },
    runner: 'stop',
    retry: message,
    warn: message,
    ...extra,
  };
}

export function planScaledObject(f: ScaledObjectFacts): ScaledObjectPlan {
  const plan = planReconcile(f);
  // KEDA emits KEDAScalersStopped when it stops an object's scale loop (pkg/scaling/scale_handler.go
  // DeleteScalableObject: pause, deletion); Updraft also stops it on a failed check, and says so the same way.
  if (plan.runner === 'stop' && f.runner.builtFor)
    return { ...plan, events: [{ type: 'Normal', reason: EventReason.KEDAScalersStopped, message: EventMessage.scalersStopped }, ...plan.events] };
  return plan;
}

function planReconcile(f: ScaledObjectFacts): ScaledObjectPlan {
  if (!f.parsed.ok) {
    // Not retried: nothing but an edit of the object can fix it, and the edit comes back through the watch.
    return {
      ...checkFailed(`ScaledObject doesn't have correct spec: ${f.parsed.message}`, `ScaledObject doesn't have correct spec: ${f.parsed.message}`),
      retry: undefined,
    };
  }
  const so = f.parsed.so;
  const wasPaused = getCondition(f.status.conditions, 'Paused')?.status === 'True';

  // Paused: no loop, no HPA; paused-replicas pins the target (KEDA: scaledobject_controller.go, pause handling).
  const pr = pausedReplicas(so);
  if (isPaused(so) || pr) {
    const hpa: HpaAction = f.status.hpaName ? { action: 'delete', name: f.status.hpaName } : { action: 'none' };
    if (pr && 'error' in pr) return checkFailed(pr.error, pr.error, { hpa });
    const replicas = pr && 'replicas' in pr ? pr.replicas : undefined;
    return {
      status: (s) => ({
        ...initial(s),
        conditions: setCondition(setCondition(initial(s).conditions, SoCondition.paused), SoCondition.readyPaused),
        pausedReplicaCount: replicas,
      }),
      events: wasPaused ? [] : [{ type: 'Normal', reason: EventReason.ScaledObjectPaused, message: EventMessage.scaledObjectPaused }],
      hpa,
      runner: 'stop',
      ...(replicas !== undefined && f.pausedTargetReplicas !== replicas ? { scaleTo: replicas } : {}),
    };
  }

  // Partly paused (scale-in or scale-out): the loop runs and the Paused condition says so; unpausing clears it.
  const events: PlannedEvent[] = [];
  let pauseStatus: (s: ScaledObjectStatus) => ScaledObjectStatus = (s) => s;
  if (isPausedScaleIn(so) || isPausedScaleOut(so)) {
    if (!wasPaused) {
      pauseStatus = (s) => ({ ...s, conditions: setCondition(s.conditions, SoCondition.paused) });
      events.push({ type: 'Normal', reason: EventReason.ScaledObjectPaused, message: EventMessage.scaledObjectPaused });
    }
  } else if (wasPaused) {
    pauseStatus = (s) => ({ ...s, pausedReplicaCount: undefined, conditions: setCondition(s.conditions, SoCondition.unpaused) });
    events.push({ type: 'Normal', reason: EventReason.ScaledObjectUnpaused, message: EventMessage.scaledObjectUnpaused });
  }
  const failed = (message: string, eventMessage = message, more: PlannedEvent[] = []): ScaledObjectPlan => {
    const p = checkFailed(message, eventMessage);
    return { ...p, status: (s) => p.status(pauseStatus(s)), events: [...events, ...more, ...p.events] };
  };

  // The target: it exists and exposes /scale (the applier checked it).
  if (!f.target) return failed('the scale target was not checked', 'the scale target was not checked');
  if (!f.target.ok) return failed(f.target.message, f.target.eventMessage);
  const target = f.target;

  // The object's own rules, the scalingModifiers formula included (so an invalid formula is Ready=False with an
  // Event even when no webhook refused it).
  const problems = [
    ...validateScaledObject(so)
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.path}: ${p.message}`),
    ...validateScalingModifiers(so).map((p) => `${p.path}: ${p.message}`),
  ];
  if (problems.length > 0) return failed(problems.join('; '));

  // Scalers.
  const build = needsBuild(so, f.runner, f.defaultMode);
  const infos = (f.build?.warnings ?? []).map((w): PlannedEvent => ({ type: 'Normal', reason: EventReason.KEDAScalerInfo, message: w }));
  let metricSpecs: MetricSpec[];
  if (build) {
    if (!f.build) return failed('the scalers were not built', 'the scalers were not built');
    if (!f.build.ok) {
      const failures = f.build.errors.map(
        (e): PlannedEvent => ({
          type: 'Warning',
          reason: EventReason.KEDAScalerFailed,
          message: EventMessage.triggerFailed(e.triggerIndex, e.type, e.message),
        }),
      );
      return failed(
        `error building scalers: ${f.build.errors.map((e) => EventMessage.triggerFailed(e.triggerIndex, e.type, e.message)).join('; ')}`,
        undefined,
        [...infos, ...failures],
      );
    }
    metricSpecs = f.build.metricSpecs;
  } else {
    metricSpecs = f.runner.metricSpecs ?? [];
  }

  // The generated HPA (hpa mode), or none (direct mode: the operator applies the HPA algorithm itself).
  const mode = scalingMode(so, f.defaultMode);
  let built: ReturnType<typeof buildHpa>;
  try {
    built = buildHpa({ scaledObject: so, gvkr: target.gvkr, metricSpecs, version: f.version });
  } catch (e) {
    if (e instanceof HpaBuildError) return failed(e.message, e.message, infos);
    throw e;
  }
  const hpa: HpaAction =
    mode === 'hpa'
      ? { action: 'ensure', hpa: built.hpa, ...(f.status.hpaName && f.status.hpaName !== built.hpa.metadata.name ? { deletePrevious: f.status.hpaName } : {}) }
      : f.status.hpaName
        ? { action: 'delete', name: f.status.hpaName }
        : { action: 'none' };

  // Ready: a new spec is ready now; a loop that is kept or only refreshed keeps a Ready the loop set from its reads
  // (TriggerError …), so a failing source never flaps to Ready=True on the refresh.
  const fresh = build === 'new';
  const keepsRuntimeReady = (s: ScaledObjectStatus) => !fresh && RUNTIME_READY_REASONS.has(getCondition(s.conditions, 'Ready')?.reason ?? '');
  const status = (current: ScaledObjectStatus): ScaledObjectStatus => {
    const s = pauseStatus(initial(current));
    const next: ScaledObjectStatus = {
      ...s,
      scaleTargetKind: gvkString(target.gvkr),
      scaleTargetGVKR: target.gvkr,
      originalReplicaCount: s.originalReplicaCount ?? target.scaleReplicas,
      externalMetricNames: built.externalMetricNames,
      resourceMetricNames: built.resourceMetricNames.length ? built.resourceMetricNames : undefined,
      compositeScalerName: built.compositeScalerName,
      hpaName: mode === 'hpa' ? built.hpa.metadata.name : undefined,
      triggersTypes: [...new Set(so.spec.triggers.map((t) => t.type))].join(','),
      authenticationsTypes: [...new Set(so.spec.triggers.map((t) => t.authenticationRef?.name).filter((n): n is string => !!n))].join(',') || undefined,
      conditions: keepsRuntimeReady(s) ? s.conditions : setCondition(s.conditions, SoCondition.ready),
    };
    if (!so.spec.fallback) next.conditions = setCondition(next.conditions, SoCondition.noFallback);
    // HPAActive: hpa mode mirrors the HPA; direct mode has no HPA, so no HPAActive (one left from hpa mode goes).
    if (mode === 'hpa') {
      const hpaActive = hpaActiveCondition(f.hpaScalingActive);
      if (hpaActive) next.conditions = setCondition(next.conditions, hpaActive);
    } else next.conditions = removeCondition(next.conditions, 'HPAActive');
    return next;
  };
  const readyBefore = getCondition(f.status.conditions, 'Ready')?.status === 'True';
  const readyAfter = getCondition(status(f.status).conditions, 'Ready')?.status === 'True';
  if (build) events.push(...infos);
  if (fresh && f.build?.ok)
    for (const t of f.build.scalerTypes) events.push({ type: 'Normal', reason: EventReason.KEDAScalersStarted, message: EventMessage.scalerBuilt(t) });
  if (!readyBefore && readyAfter) events.push({ type: 'Normal', reason: EventReason.ScaledObjectReady, message: EventMessage.scaledObjectReady });
  return { status, events, hpa, runner: build ? 'start' : 'keep' };
}

/**
 * How often status.lastActiveTime is refreshed while an object stays active: a quarter of cooldownPeriod, at
 * least pollingInterval, at most 60 s. KEDA rewrites it on every active poll; what it is for is the cooldown after
 * a restart, and for that it may lag by this much.
 */
export function lastActiveRefreshMs(so: Pick<ScaledObject, 'spec'>): number {
  return Math.max(so.spec.pollingInterval * 1000, Math.min((so.spec.cooldownPeriod * 1000) / 4, 60_000));
}

/**
 * The lastActiveTime to write after a poll, or undefined for none. While active, only when none is stored or the
 * stored one is older than lastActiveRefreshMs (so a steady active object writes a few times per cooldown, not every
 * poll); once inactive, the exact last active time (to the second) once, so the cooldown after a graceful restart is
 * the one the running operator would have applied. After a crash mid-activity it can start up to the refresh window
 * early — the documented trade-off (docs/operator.md).
 */
export function lastActiveTimeToWrite(
  so: Pick<ScaledObject, 'spec'>,
  stored: string | undefined,
  last: number | undefined,
  active: boolean,
): string | undefined {
  if (last === undefined) return undefined;
  const storedMs = stored ? Date.parse(stored) : undefined;
  const exact = rfc3339Seconds(last);
  if (storedMs === undefined || Number.isNaN(storedMs)) return exact;
  if (active) return last - storedMs >= lastActiveRefreshMs(so) ? exact : undefined;
  return exact !== stored ? exact : undefined;
}
