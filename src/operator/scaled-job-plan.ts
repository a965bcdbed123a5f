// The ScaledJob reconcile as a pure plan (as scaled-object-plan.ts for ScaledObjects): from the parsed object or its
// parse error, its status, the poll loop's state and the scalers built, to one status change, the Events, the
// loop action, whether Jobs of older generations are cleaned up, and whether to retry. KEDA:
// `controllers/keda/scaledjob_controller.go` (pause, rollout cleanup, scalers, conditions, Events).
import { EventMessage, EventReason, SjCondition } from '../api/keda-reasons.ts';
import { isPaused } from '../api/pause.ts';
import { ANNOTATION_JOB_EXCLUDED_LABELS, type Condition, type ScaledJob } from '../api/types.ts';
import { getCondition, setCondition, withInitialConditions } from './conditions.ts';
import type { BuildFacts, PlannedEvent } from './scaled-object-plan.ts';

/** What Updraft writes in a ScaledJob's status (KEDA `apis/keda/v1alpha1/scaledjob_types.go` ScaledJobStatus). */
export interface ScaledJobStatus {
  lastActiveTime?: string;
  conditions?: Condition[];
  triggersTypes?: string;
  authenticationsTypes?: string;
  triggersActivity?: Record<string, { isActive: boolean }>;
  [k: string]: unknown;
}

export interface JobLoopIdentity {
  generation: number;
  annotationsKey: string;
}

export interface ScaledJobFacts {
  parsed: { ok: true; sj: ScaledJob } | { ok: false; message: string };
  status: ScaledJobStatus;
  /** What the running poll loop was built for; undefined when none runs. */
  loop?: JobLoopIdentity;
  /** Scalers built in this reconcile (the applier builds when jobNeedsBuild says so). */
  build?: BuildFacts;
}

export interface ScaledJobPlan {
  status(current: ScaledJobStatus): ScaledJobStatus;
  events: PlannedEvent[];
  /** keep the running loop, start the one built now, or stop. */
  loop: 'keep' | 'start' | 'stop';
  /** Delete Jobs of earlier generations before the new loop starts (rollout strategy other than gradual). */
  cleanupOldGenerations: boolean;
  retry?: string;
}

export function jobLoopIdentity(sj: ScaledJob): JobLoopIdentity {
  return { generation: sj.metadata.generation ?? 0, annotationsKey: JSON.stringify(sj.metadata.annotations) };
}

/** A new loop is needed when none runs or the spec generation or annotations changed; never while paused. */
export function jobNeedsBuild(sj: ScaledJob, loop: JobLoopIdentity | undefined): boolean {
  if (isPaused(sj)) return false;
  const want = jobLoopIdentity(sj);
  return !loop || loop.generation !== want.generation || loop.annotationsKey !== want.annotationsKey;
}

const initial = (s: ScaledJobStatus): ScaledJobStatus =>
  !s.conditions || withInitialConditions(s.conditions).length !== s.conditions.length ? { ...s, conditions: withInitialConditions(s.conditions) } : s;

export function planScaledJob(f: ScaledJobFacts): ScaledJobPlan {
  const plan = planReconcile(f);
  // As for ScaledObjects: KEDAScalersStopped when a running poll loop stops (pause, a failed check).
  if (plan.loop === 'stop' && f.loop)
    return { ...plan, events: [{ type: 'Normal', reason: EventReason.KEDAScalersStopped, message: EventMessage.scalersStopped }, ...plan.events] };
  return plan;
}

function planReconcile(f: ScaledJobFacts): ScaledJobPlan {
  const failed = (message: string, events: PlannedEvent[] = [], before: (s: ScaledJobStatus) => ScaledJobStatus = (s) => s): ScaledJobPlan => ({
    status: (s) => {
      const b = before(initial(s));
      return { ...b, conditions: setCondition(b.conditions, SjCondition.checkFailed(message)) };
    },
    events: [...events, { type: 'Warning', reason: EventReason.ScaledJobCheckFailed, message }],
    loop: 'stop',
    cleanupOldGenerations: false,
    retry: message,
  });
  if (!f.parsed.ok) return failed(`ScaledJob doesn't have correct spec: ${f.parsed.message}`);
  const sj = f.parsed.sj;
  const wasPaused = getCondition(f.status.conditions, 'Paused')?.status === 'True';

  // Paused: the loop stops, existing Jobs are left alone.
  if (isPaused(sj)) {
    return {
      status: (s) => ({ ...initial(s), conditions: setCondition(initial(s).conditions, SjCondition.paused) }),
      events: wasPaused ? [] : [{ type: 'Normal', reason: EventReason.ScaledJobPaused, message: EventMessage.scaledJobPaused }],
      loop: 'stop',
      cleanupOldGenerations: false,
    };
  }
  const events: PlannedEvent[] = [];
  const unpause = (s: ScaledJobStatus): ScaledJobStatus => (wasPaused ? { ...s, conditions: setCondition(s.conditions, SjCondition.unpaused) } : s);
  if (wasPaused) events.push({ type: 'Normal', reason: EventReason.ScaledJobUnpaused, message: EventMessage.scaledJobUnpaused });

  if (!jobNeedsBuild(sj, f.loop)) return { status: (s) => unpause(initial(s)), events, loop: 'keep', cleanupOldGenerations: false };

  const infos = (f.build?.warnings ?? []).map((w): PlannedEvent => ({ type: 'Normal', reason: EventReason.KEDAScalerInfo, message: w }));
  if (!f.build) return failed('the scalers were not built', events, unpause);
  if (!f.build.ok) {
    const failures = f.build.errors.map(
      (e): PlannedEvent => ({ type: 'Warning', reason: EventReason.KEDAScalerFailed, message: EventMessage.triggerFailed(e.triggerIndex, e.type, e.message) }),
    );
    return failed(
      `error building scalers: ${f.build.errors.map((e) => EventMessage.triggerFailed(e.triggerIndex, e.type, e.message)).join('; ')}`,
      [...events, ...infos, ...failures],
      unpause,
    );
  }
  const strategy = sj.spec.rolloutStrategy ?? sj.spec.rollout.strategy;
  const wasReady = getCondition(f.status.conditions, 'Ready')?.status === 'True';
  return {
    status: (s) => {
      const b = unpause(initial(s));
      return {
        ...b,
        triggersTypes: [...new Set(sj.spec.triggers.map((t) => t.type))].join(','),
        authenticationsTypes: [...new Set(sj.spec.triggers.map((t) => t.authenticationRef?.name).filter((n): n is string => !!n))].join(',') || undefined,
        conditions: setCondition(b.conditions, SjCondition.ready),
      };
    },
    events: [...events, ...infos, ...(wasReady ? [] : [{ type: 'Normal' as const, reason: EventReason.ScaledJobReady, message: EventMessage.scaledJobReady }])],
    loop: 'start',
    // Unless `gradual`, Jobs of other generations go (KEDA's default and `immediate`).
    cleanupOldGenerations: strategy !== 'gradual',
  };
}

/**
 * The labels of a Job the ScaledJob creates (KEDA `pkg/scaling/executor/scale_jobs.go` generateJobs): KEDA's
 * app.kubernetes.io/* set, then the ScaledJob's own labels except those its `scaledjob.keda.sh/job-excluded-labels`
 * annotation names (comma-separated)
 * (they may override the app.kubernetes.io/* ones, as in KEDA), then scaledjob.keda.sh/name, which Updraft counts
 * the Jobs by and so never lets a ScaledJob label replace. Entries of the annotation are trimmed (KEDA splits on
 * "," only; a label key has no spaces, so " b" can only mean "b").
 */
export function jobLabels(sj: Pick<ScaledJob, 'metadata'>, version: string): Record<string, string> {
  const name = sj.metadata.name;
  const excluded = new Set(
    (sj.metadata.annotations[ANNOTATION_JOB_EXCLUDED_LABELS] ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter((k) => k !== ''),
  );
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/version': version,
    'app.kubernetes.io/part-of': name,
    'app.kubernetes.io/managed-by': 'keda-operator',
    ...Object.fromEntries(Object.entries(sj.metadata.labels ?? {}).filter(([k]) => !excluded.has(k))),
    'scaledjob.keda.sh/name': name,
  };
}
