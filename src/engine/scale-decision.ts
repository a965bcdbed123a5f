// KEDA's operator-side scale decision (KEDA `pkg/scaling/executor/scale_scaledobjects.go` `RequestScale`, `condition_types.go`):
// 0↔N activation, cooldown, idle replicas, the min floor and pausing. The HPA (or direct mode) owns 1..N.
import {
  ANNOTATION_FORCE_ACTIVATION,
  ANNOTATION_PAUSED,
  ANNOTATION_PAUSED_REPLICAS,
  ANNOTATION_PAUSED_SCALE_IN,
  ANNOTATION_PAUSED_SCALE_OUT,
  type Condition,
  type ScaledObject,
} from '../api/types.ts';
import { parseBoolAnnotation, parsePausedReplicas } from '../api/pause.ts';

export interface PauseState {
  /** paused (non-bool ⇒ true) or paused-replicas present: the loop stops, replicas frozen. */
  paused: boolean;
  /** Value of paused-replicas when present and a valid int32. */
  pausedReplicas?: number;
  /** paused-replicas present but not an integer (KEDA: reconcile error). */
  pausedReplicasError?: string;
  scaleInPaused: boolean;
  scaleOutPaused: boolean;
  forceActivation: boolean;
}

/** Read the pause/force annotations with KEDA's parsing rules (`apis/keda/v1alpha1/scaledobject_types.go`). */
export function pauseState(annotations: Record<string, string>): PauseState {
  // Non-bool values count as true (KEDA: strconv.ParseBool error ⇒ "the user wants it").
  const flag = (key: string): boolean => parseBoolAnnotation(annotations[key]);
  const state: PauseState = {
    paused: false,
    scaleInPaused: flag(ANNOTATION_PAUSED_SCALE_IN),
    scaleOutPaused: flag(ANNOTATION_PAUSED_SCALE_OUT),
    forceActivation: flag(ANNOTATION_FORCE_ACTIVATION),
  };
  if (ANNOTATION_PAUSED_REPLICAS in annotations) {
    // Presence alone pauses; the value is the replica count to hold (parsed in one place: api/pause.ts).
    state.paused = true;
    const parsed = parsePausedReplicas(annotations);
    if (parsed && 'replicas' in parsed) state.pausedReplicas = parsed.replicas;
    else if (parsed) state.pausedReplicasError = parsed.error;
  } else if (flag(ANNOTATION_PAUSED)) {
    state.paused = true;
  }
  return state;
}

export type ScaleAction = 'activate' | 'deactivate' | 'floor' | 'none' | 'paused';

export interface ScaleEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface ScaleDecision {
  action: ScaleAction;
  /** New replica count to write to /scale, when the action changes it. */
  replicas?: number;
  /** New status.lastActiveTime (ms) when it is refreshed. */
  lastActiveTime?: number;
  /** Conditions to set (Ready/Active/Paused). */
  conditions: Condition[];
  event?: ScaleEvent;
  /** Why, for a person: "scale 0→1: trigger s0-aws-sqs-queue active, 3 > 0". */
  reason: string;
  /** While waiting for cooldown: when deactivation becomes allowed (ms). */
  cooldownUntil?: number;
}

export interface ScaleDecisionInput {
  so: Pick<ScaledObject, 'metadata' | 'spec'>;
  currentReplicas: number;
  isActive: boolean;
  isError: boolean;
  activeTriggers: readonly string[];
  /** Activity reason from combineActivity, used in the decision's reason. */
  activityReason?: string;
  /** status.lastActiveTime in ms, undefined when never active. */
  lastActiveTime?: number;
  /** metadata.creationTimestamp in ms. */
  creationTimestamp: number;
  now: number;
}

const READY_OK: Condition = {
  type: 'Ready',
  status: 'True',
  reason: 'ScaledObjectReady',
  message: 'ScaledObject is defined correctly and is ready for scaling',
};
const ACTIVE_TRUE: Condition = { type: 'Active', status: 'True', reason: 'ScalerActive', message: 'Scaling is performed because triggers are active' };
const ACTIVE_FORCED: Condition = {
  type: 'Active',
  status: 'True',
  reason: 'ScalerActive',
  message: 'Scaling is performed because activation is being forced by annotation',
};
const ACTIVE_FALSE: Condition = {
  type: 'Active',
  status: 'False',
  reason: 'ScalerNotActive',
  message: 'Scaling is not performed because triggers are not active',
};
const ACTIVE_COOLDOWN: Condition = {
  type: 'Active',
  status: 'False',
  reason: 'ScalerCooldown',
  message: 'Scaler cooling down because triggers are not active',
};
const PAUSED_TRUE: Condition = { type: 'Paused', status: 'True', reason: 'ScaledObjectPaused', message: 'ScaledObject is paused' };
const PARTIAL_ERROR: Condition = {
  type: 'Ready',
  status: 'Unknown',
  reason: 'PartialTriggerError',
  message: 'Some triggers defined in ScaledObject are not working correctly',
};
const TRIGGER_ERROR: Condition = {
  type: 'Ready',
  status: 'False',
  reason: 'TriggerError',
  message: 'Triggers defined in ScaledObject are not working correctly',
};

function secs(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

/**
 * One operator poll's decision for a ScaledObject (KEDA `pkg/scaling/executor/scale_scaledobjects.go`). Pure: the caller applies `replicas` to the
 * target, stores `lastActiveTime` and the conditions, and records `event`.
 */
export function decideScale(input: ScaleDecisionInput): ScaleDecision {
  const { so, currentReplicas: current, now } = input;
  const spec = so.spec;
  const min = spec.minReplicaCount ?? 0;
  const idle = spec.idleReplicaCount;
  const pause = pauseState(so.metadata.annotations ?? {});
  const target = `${spec.scaleTargetRef.kind} ${so.metadata.namespace}/${spec.scaleTargetRef.name}`;
  const why = input.activityReason ? `: ${input.activityReason}` : '';

  if (pause.paused) {
    if (pause.pausedReplicas !== undefined && pause.pausedReplicas !== current) {
      return {
        action: 'paused',
        replicas: pause.pausedReplicas,
        conditions: [{ ...READY_OK, message: 'ScaledObject is paused' }, PAUSED_TRUE],
        reason: `paused by ${ANNOTATION_PAUSED_REPLICAS}: scale ${current}→${pause.pausedReplicas}`,
      };
    }
    return {
      action: 'paused',
      conditions: [{ ...READY_OK, message: 'ScaledObject is paused' }, PAUSED_TRUE],
      reason:
        pause.pausedReplicasError ??
        `paused by ${pause.pausedReplicas !== undefined ? ANNOTATION_PAUSED_REPLICAS : ANNOTATION_PAUSED}: replicas stay at ${current}`,
    };
  }
  const pausedConditions: Condition[] = pause.scaleInPaused || pause.scaleOutPaused ? [PAUSED_TRUE] : [];

  const active = input.isActive || pause.forceActivation;
  if (active) {
    const activeCondition = input.isActive ? ACTIVE_TRUE : ACTIVE_FORCED;
    const cause = input.isActive ? `triggered by ${input.activeTriggers.join(';')}` : 'caused by forced activation annotation';
    if ((idle !== undefined && current < min) || current === 0) {
      const to = min > 0 ? min : 1;
      if (pause.scaleOutPaused) {
        return {
          action: 'none',
          conditions: [READY_OK, activeCondition, ...pausedConditions],
          reason: `would scale ${current}→${to} but ${ANNOTATION_PAUSED_SCALE_OUT} blocks activation${why}`,
        };
      }
      // KEDA scaleFromZeroOrIdle: this branch wins even when some trigger errored.
      return {
        action: 'activate',
        replicas: to,
        lastActiveTime: now,
        conditions: [READY_OK, activeCondition, ...pausedConditions],
        event: { type: 'Normal', reason: 'KEDAScaleTargetActivated', message: `Scaled ${target} from ${current} to ${to}, ${cause}` },
        reason: `scale ${current}→${to}: ${input.isActive ? (input.activityReason ?? `trigger ${input.activeTriggers.join(', ')} active`) : 'activation forced by annotation'}`,
      };
    }
    if (input.isError) {
      // Partial errors keep the object active but do not refresh lastActiveTime (KEDA `scale_scaledobjects.go` `RequestScale`).
      return {
        action: 'none',
        conditions: [PARTIAL_ERROR, activeCondition, ...pausedConditions],
        reason: `active with errors, lastActiveTime not refreshed${why}`,
      };
    }
    return { action: 'none', lastActiveTime: now, conditions: [READY_OK, activeCondition, ...pausedConditions], reason: `active at ${current} replicas${why}` };
  }

  // Inactive.
  if (input.isError && spec.fallback && spec.fallback.replicas !== 0) {
    // KEDA never zeroes an erroring object that has a fallback: the HPA gets the fallback metric instead (#2555).
    return {
      action: 'none',
      conditions: [READY_OK, ACTIVE_FALSE, ...pausedConditions],
      reason: `triggers failing, fallback configured: keep ${current} replicas${why}`,
    };
  }
  if (input.isError && !spec.fallback) {
    return {
      action: 'none',
      conditions: [TRIGGER_ERROR, ACTIVE_FALSE, ...pausedConditions],
      reason: `triggers failing and no fallback: keep ${current} replicas${why}`,
    };
  }
  if ((idle !== undefined && current > idle) || (current > 0 && min === 0)) {
    const to = idle ?? min;
    if (pause.scaleInPaused) {
      return {
        action: 'none',
        conditions: [READY_OK, ACTIVE_FALSE, ...pausedConditions],
        reason: `would scale ${current}→${to} but ${ANNOTATION_PAUSED_SCALE_IN} blocks deactivation${why}`,
      };
    }
    const neverActive = input.lastActiveTime === undefined;
    const from = neverActive ? input.creationTimestamp : input.lastActiveTime!;
    const period = (neverActive ? spec.initialCooldownPeriod : spec.cooldownPeriod) * 1000;
    const until = from + period;
    const periodName = neverActive ? 'initialCooldownPeriod' : 'cooldownPeriod';
    // KEDA: allowed once `from + period` is strictly before now.
    if (until < now) {
      return {
        action: 'deactivate',
        replicas: to,
        conditions: [READY_OK, ACTIVE_FALSE, ...pausedConditions],
        event: { type: 'Normal', reason: 'KEDAScaleTargetDeactivated', message: `Deactivated ${target} from ${current} to ${to}` },
        reason: `scale ${current}→${to}: ${periodName} ${spec[periodName]}s passed since ${neverActive ? 'creation' : 'last activity'}${why}`,
      };
    }
    return {
      action: 'none',
      conditions: [READY_OK, ACTIVE_COOLDOWN, ...pausedConditions],
      cooldownUntil: until,
      reason: `cooling down: ${current}→${to} after ${periodName} ${spec[periodName]}s (${neverActive ? 'created' : 'last active'} ${secs(now - from)} ago)${why}`,
    };
  }
  if (idle === undefined && current < min) {
    return {
      action: 'floor',
      replicas: min,
      conditions: [READY_OK, ACTIVE_FALSE, ...pausedConditions],
      reason: `scale ${current}→${min}: below minReplicaCount`,
    };
  }
  return {
    action: 'none',
    conditions: [READY_OK, ACTIVE_FALSE, ...pausedConditions],
    reason: `inactive at ${current} replicas${current > 0 ? ` (minReplicaCount ${min})` : ''}${why}`,
  };
}
