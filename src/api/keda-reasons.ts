// The one catalogue of KEDA's Event reasons and status conditions, so `kubectl describe` and alerts on Event reasons
// read as they do under KEDA. Reasons: KEDA `pkg/eventreason/eventreason.go`; condition types, reasons and messages:
// KEDA `apis/keda/v1alpha1/condition_types.go` and the controllers that set them
// (`controllers/keda/scaledobject_controller.go`, `pkg/scaling/executor/scale_scaledobjects.go`).
import type { Condition } from './types.ts';

export const EventReason = {
  ScaledObjectReady: 'ScaledObjectReady',
  ScaledObjectCheckFailed: 'ScaledObjectCheckFailed',
  ScaledObjectDeleted: 'ScaledObjectDeleted',
  ScaledObjectPaused: 'ScaledObjectPaused',
  ScaledObjectUnpaused: 'ScaledObjectUnpaused',
  ScaledObjectFallbackActivated: 'ScaledObjectFallbackActivated',
  ScaledObjectFallbackDeactivated: 'ScaledObjectFallbackDeactivated',
  ScaledJobReady: 'ScaledJobReady',
  ScaledJobCheckFailed: 'ScaledJobCheckFailed',
  ScaledJobDeleted: 'ScaledJobDeleted',
  ScaledJobPaused: 'ScaledJobPaused',
  ScaledJobUnpaused: 'ScaledJobUnpaused',
  ScaledJobRolloutCleanupStarted: 'ScaledJobRolloutCleanupStarted',
  ScaledJobRolloutCleanupCompleted: 'ScaledJobRolloutCleanupCompleted',
  ScaledJobRolloutCleanupFailed: 'ScaledJobRolloutCleanupFailed',
  ScaledJobActive: 'ScaledJobActive',
  ScaledJobInactive: 'ScaledJobInactive',
  KEDAScalerInfo: 'KEDAScalerInfo',
  KEDAScalersStarted: 'KEDAScalersStarted',
  KEDAScalersStopped: 'KEDAScalersStopped',
  KEDAScalerFailed: 'KEDAScalerFailed',
  KEDAScaleTargetActivated: 'KEDAScaleTargetActivated',
  KEDAScaleTargetDeactivated: 'KEDAScaleTargetDeactivated',
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
} as const satisfies Record<string, Condition | ((m: string) => Condition)>;

/** Ready reasons the scale loop (not the reconcile) owns: a read or the target failed at run time. */
export const RUNTIME_READY_REASONS: ReadonlySet<string> = new Set(['TriggerError', 'PartialTriggerError', 'ErrorGettingCurrentReplicas']);

/** Event messages KEDA writes (the varying parts as parameters). */
export const EventMessage = {
  scaledObjectReady: 'ScaledObject is ready for scaling',
  scaledObjectPaused: 'ScaledObject is paused',
  scaledObjectUnpaused: 'pause annotation removed for ScaledObject',
  scaledObjectDeleted: 'ScaledObject was deleted',
  targetMissing: "Target resource doesn't exist",
  targetNoScale: "Target resource doesn't expose /scale subresource",
  scalerBuilt: (type: string) => `Scaler ${type} is built`,
  triggerFailed: (index: number, type: string, message: string) => `trigger ${index} (${type}): ${message}`,
  fallbackActivated: 'Fallback activated: at least one trigger is falling back',
  fallbackDeactivated: 'Fallback deactivated: all triggers are healthy',
} as const;
