// The one catalogue of KEDA's Event reasons and status conditions, so `kubectl describe` and alerts on Event reasons
// read as they do under KEDA. Reasons: KEDA `pkg/eventreason/eventreason.go`; condition types, reasons and messages:
// KEDA `apis/keda/v1alpha1/condition_types.go` and the controllers that set them
// (`controllers/keda/scaledobject_controller.go`, `pkg/scaling/executor/scale_scaledobjects.go`).
import type { Condition } from './types.ts';
import { rfc3339Seconds } from './values.ts';

export const EventReason = {
  ScaledObjectReady: 'ScaledObjectReady',
  ScaledObjectCheckFailed: 'ScaledObjectCheckFailed',
  ScaledObjectUpdateFailed: 'ScaledObjectUpdateFailed',
  ScaledObjectDeleted: 'ScaledObjectDeleted',
  ScaledObjectPaused: 'ScaledObjectPaused',
  ScaledObjectUnpaused: 'ScaledObjectUnpaused',
  ScaledObjectFallbackActivated: 'ScaledObjectFallbackActivated',
  ScaledObjectFallbackDeactivated: 'ScaledObjectFallbackDeactivated',
  ScaledJobReady: 'ScaledJobReady',
  ScaledJobCheckFailed: 'ScaledJobCheckFailed',
  ScaledJobUpdateFailed: 'ScaledJobUpdateFailed',
  ScaledJobDeleted: 'ScaledJobDeleted',
  ScaledJobPaused: 'ScaledJobPaused',
  ScaledJobUnpaused: 'ScaledJobUnpaused',
  // Declared by KEDA, emitted nowhere in it (pausing a ScaledJob cannot fail in Updraft either): kept for completeness.
  ScaledJobPauseFailed: 'ScaledJobPauseFailed',
  ScaledJobRolloutCleanupStarted: 'ScaledJobRolloutCleanupStarted',
  ScaledJobRolloutCleanupCompleted: 'ScaledJobRolloutCleanupCompleted',
  ScaledJobRolloutCleanupFailed: 'ScaledJobRolloutCleanupFailed',
  ScaledJobActive: 'ScaledJobActive',
  ScaledJobInactive: 'ScaledJobInactive',
  KEDAScalerInfo: 'KEDAScalerInfo',
  KEDAScalersStarted: 'KEDAScalersStarted',
  KEDAScalersStopped: 'KEDAScalersStopped',
  KEDAScalerFailed: 'KEDAScalerFailed',
  /** A read failed for an object with scalingModifiers (the trigger is a formula's metric source), in place of KEDAScalerFailed. */
  KEDAMetricSourceFailed: 'KEDAMetricSourceFailed',
  KEDAScaleTargetActivated: 'KEDAScaleTargetActivated',
  KEDAScaleTargetDeactivated: 'KEDAScaleTargetDeactivated',
  TriggerAuthenticationAdded: 'TriggerAuthenticationAdded',
  // KEDA's constant really has this value (pkg/eventreason/eventreason.go): a namespaced TriggerAuthentication's
  // update is reported as ClusterTriggerAuthenticationUpdated. Kept, so alerts written for KEDA still match.
  TriggerAuthenticationUpdated: 'ClusterTriggerAuthenticationUpdated',
  TriggerAuthenticationDeleted: 'TriggerAuthenticationDeleted',
  TriggerAuthenticationFailed: 'TriggerAuthenticationFailed',
  ClusterTriggerAuthenticationAdded: 'ClusterTriggerAuthenticationAdded',
  ClusterTriggerAuthenticationUpdated: 'ClusterTriggerAuthenticationUpdated',
  ClusterTriggerAuthenticationDeleted: 'ClusterTriggerAuthenticationDeleted',
  ClusterTriggerAuthenticationFailed: 'ClusterTriggerAuthenticationFailed',
  KEDAScaleTargetActivationFailed: 'KEDAScaleTargetActivationFailed',
  KEDAScaleTargetDeactivationFailed: 'KEDAScaleTargetDeactivationFailed',
  KEDAJobCreateFailed: 'KEDAJobCreateFailed',
  KEDAJobsCreated: 'KEDAJobsCreated',
} as const;
export type EventReason = (typeof EventReason)[keyof typeof EventReason];

/** The ScaledObject conditions KEDA writes, with its reasons and messages (templates take the varying part). */
export const SoCondition = {
  ready: { type: 'Ready', status: 'True', reason: 'ScaledObjectReady', message: 'ScaledObject is defined correctly and is ready for scaling' },
  readyPaused: { type: 'Ready', status: 'True', reason: 'ScaledObjectReady', message: 'ScaledObject is paused' },
  checkFailed: (message: string): Condition => ({ type: 'Ready', status: 'False', reason: 'ScaledObjectCheckFailed', message }),
  errorGettingReplicas: (message: string): Condition => ({ type: 'Ready', status: 'False', reason: 'ErrorGettingCurrentReplicas', message }),
  activeUnknownAfterCheck: { type: 'Active', status: 'Unknown', reason: 'UnknownState', message: 'ScaledObject check failed' },
  paused: { type: 'Paused', status: 'True', reason: 'ScaledObjectPaused', message: 'ScaledObject is paused' },
  unpaused: { type: 'Paused', status: 'False', reason: 'ScaledObjectUnpaused', message: 'pause annotation removed for ScaledObject' },
  fallbackActive: { type: 'Fallback', status: 'True', reason: 'FallbackExists', message: 'At least one trigger is falling back on this scaled object' },
  noFallback: { type: 'Fallback', status: 'False', reason: 'NoFallbackFound', message: 'No fallbacks are active on this scaled object' },
  // HPAActive mirrors the generated HPA's ScalingActive condition (KEDA pkg/scaling/executor/scale_scaledobjects.go
  // getHPAHealth): True while it scales; True with ScalingDisabled while the target is at 0 (the HPA idles on
  // purpose); False with the HPA's own reason (HPAMetricsUnavailable when it gives none) otherwise.
  hpaActive: { type: 'HPAActive', status: 'True', reason: 'HPAActive', message: 'HPA is actively scaling' },
  hpaScalingDisabled: (message: string): Condition => ({ type: 'HPAActive', status: 'True', reason: 'ScalingDisabled', message }),
  hpaNotActive: (reason: string, message: string): Condition => ({
    type: 'HPAActive',
    status: 'False',
    reason: reason || 'HPAMetricsUnavailable',
    message: `HPA is not actively scaling: ${message}`,
  }),
  /** Updraft's, not KEDA's: see LAST_SCALE_CONDITION below. */
  lastScale: (from: number, to: number, atMs: number, reason: string): Condition => lastScaleCondition(from, to, atMs, reason),
} as const satisfies Record<
  string,
  Condition | ((m: string) => Condition) | ((reason: string, m: string) => Condition) | ((from: number, to: number, atMs: number, reason: string) => Condition)
>;

/** The ScaledJob conditions KEDA writes (`controllers/keda/scaledjob_controller.go`, `pkg/scaling/executor/scale_jobs.go`). */
export const SjCondition = {
  ready: { type: 'Ready', status: 'True', reason: 'ScaledJobReady', message: 'ScaledJob is defined correctly and is ready to scaling' },
  checkFailed: (message: string): Condition => ({ type: 'Ready', status: 'False', reason: 'ScaledJobCheckFailed', message }),
  paused: { type: 'Paused', status: 'True', reason: 'ScaledJobPaused', message: 'ScaledJob is paused' },
  unpaused: { type: 'Paused', status: 'False', reason: 'ScaledJobUnpaused', message: 'pause annotation removed for ScaledJob' },
} as const satisfies Record<string, Condition | ((m: string) => Condition)>;

/**
 * Updraft's own ScaledObject condition, beside KEDA's (its CRD takes any condition type; `kubectl describe` shows
 * it): the last replica write of the scale loop and the engine's reason for it, written only with a write of
 * replicas. The CRD's condition has no lastTransitionTime (the API server would prune it), so the time is in the
 * message: `<from>→<to> at <RFC 3339>: <reason>`, at most LAST_SCALE_MESSAGE_MAX characters.
 */
export const LAST_SCALE_CONDITION = 'updraft.dev/LastScale';
export const LAST_SCALE_MESSAGE_MAX = 1000;

export function lastScaleCondition(from: number, to: number, atMs: number, reason: string): Condition {
  const message = `${from}→${to} at ${rfc3339Seconds(atMs)}: ${reason}`;
  return {
    type: LAST_SCALE_CONDITION,
    status: 'True',
    reason: 'Scaled',
    message: message.length > LAST_SCALE_MESSAGE_MAX ? `${message.slice(0, LAST_SCALE_MESSAGE_MAX - 1)}…` : message,
  };
}

/** The parts of a LAST_SCALE_CONDITION message (undefined when it is not one). */
export function parseLastScaleMessage(message: string | undefined): { from: number; to: number; at?: string; reason: string } | undefined {
  const m = /^(\d+)→(\d+)(?: at (\S+))?: ([\s\S]*)$/.exec(message ?? '');
  return m ? { from: Number(m[1]), to: Number(m[2]), ...(m[3] ? { at: m[3] } : {}), reason: m[4] } : undefined;
}

/** Ready reasons the scale loop (not the reconcile) owns: a read or the target failed at run time. */
export const RUNTIME_READY_REASONS: ReadonlySet<string> = new Set(['TriggerError', 'PartialTriggerError', 'ErrorGettingCurrentReplicas']);

/** Event messages KEDA writes (the varying parts as parameters). */
export const EventMessage = {
  scaledObjectReady: 'ScaledObject is ready for scaling',
  scaledJobReady: 'ScaledJob is ready for scaling',
  scaledJobPaused: 'ScaledJob is paused',
  scaledJobUnpaused: 'pause annotation removed for ScaledJob',
  scaledObjectPaused: 'ScaledObject is paused',
  scaledObjectUnpaused: 'pause annotation removed for ScaledObject',
  scaledObjectDeleted: 'ScaledObject was deleted',
  // KEDA pkg/common/message/message.go ScaledJobRemoved; pkg/scaling/scale_handler.go (DeleteScalableObject).
  scaledJobDeleted: 'ScaledJob was deleted',
  scalersStopped: 'Stopped scalers watch',
  targetMissing: "Target resource doesn't exist",
  targetNoScale: "Target resource doesn't expose /scale subresource",
  scalerBuilt: (type: string) => `Scaler ${type} is built`,
  triggerFailed: (index: number, type: string, message: string) => `trigger ${index} (${type}): ${message}`,
  fallbackActivated: 'Fallback activated: at least one trigger is falling back',
  fallbackDeactivated: 'Fallback deactivated: all triggers are healthy',
  // KEDA pkg/common/message/message.go (its update message says ClusterTriggerAuthentication for both kinds) and
  // controllers/keda/util/finalizer.go.
  triggerAuthenticationAdded: (kind: 'TriggerAuthentication' | 'ClusterTriggerAuthentication') => `New ${kind} configured`,
  triggerAuthenticationUpdated: (name: string) => `ClusterTriggerAuthentication ${name} is updated`,
  triggerAuthenticationDeleted: (kind: 'TriggerAuthentication' | 'ClusterTriggerAuthentication') => `${kind} was deleted`,
} as const;
