// Pause and force-activation annotations (KEDA `apis/keda/v1alpha1/scaledobject_types.go`): how their values read.
import {
  ANNOTATION_FORCE_ACTIVATION,
  ANNOTATION_PAUSED,
  ANNOTATION_PAUSED_REPLICAS,
  ANNOTATION_PAUSED_SCALE_IN,
  ANNOTATION_PAUSED_SCALE_OUT,
  type ScaledJob,
  type ScaledObject,
} from './types.ts';
import { parseGoBool, parseGoInt } from './values.ts';

export { parseGoBool } from './values.ts';

/**
 * A boolean KEDA annotation: absent → false; a Go bool → its value; anything else → true
 * (KEDA: "if annotation value is not a boolean, we assume user wants to pause").
 */
export function parseBoolAnnotation(value: string | undefined): boolean {
  if (value === undefined) return false;
  return parseGoBool(value) ?? true;
}

/**
 * ScaledObject: paused when `paused-replicas` is present (whatever its value) or `paused` reads true.
 * ScaledJob: only `paused` counts (KEDA `apis/keda/v1alpha1/scaledjob_types.go` `NeedToBePausedByAnnotation`).
 */
export function isPaused(obj: ScaledObject | ScaledJob): boolean {
  const a = obj.metadata.annotations;
  if (obj.kind === 'ScaledObject' && ANNOTATION_PAUSED_REPLICAS in a) return true;
  return parseBoolAnnotation(a[ANNOTATION_PAUSED]);
}

export type PausedReplicas = { replicas: number } | { error: string };

/**
 * The `paused-replicas` value, the one parser of it (validate, the engine, the operator): undefined when absent;
 * else KEDA `GetPausedReplicaCount` (apis/keda/v1alpha1/scaledobject_types.go): `strconv.ParseInt(v, 10, 32)`,
 * untrimmed, so " 2" is an error as in KEDA. A negative count parses there but the /scale write that
 * `scaleTargetToPausedCount` (controllers/keda/scaledobject_controller.go) makes with it is refused, so it is an
 * error here too. An invalid value still pauses (presence is enough) but KEDA fails the reconcile, so callers
 * must surface the error.
 */
export function parsePausedReplicas(annotations: Record<string, string> | undefined): PausedReplicas | undefined {
  const v = annotations?.[ANNOTATION_PAUSED_REPLICAS];
  if (v === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(v)) return { error: `${ANNOTATION_PAUSED_REPLICAS} must be an integer, got ${JSON.stringify(v)}` };
  const n = parseGoInt(v, 32);
  if (n === undefined) return { error: `${ANNOTATION_PAUSED_REPLICAS} is out of the int32 range: ${v}` };
  if (n < 0) return { error: `${ANNOTATION_PAUSED_REPLICAS} must not be negative, got ${v}` };
  return { replicas: n };
}

/** `parsePausedReplicas` of a ScaledObject's annotations. */
export function pausedReplicas(so: ScaledObject): PausedReplicas | undefined {
  return parsePausedReplicas(so.metadata.annotations);
}

export function isPausedScaleIn(so: ScaledObject): boolean {
  return parseBoolAnnotation(so.metadata.annotations[ANNOTATION_PAUSED_SCALE_IN]);
}

export function isPausedScaleOut(so: ScaledObject): boolean {
  return parseBoolAnnotation(so.metadata.annotations[ANNOTATION_PAUSED_SCALE_OUT]);
}

export function isForceActivated(so: ScaledObject): boolean {
  return parseBoolAnnotation(so.metadata.annotations[ANNOTATION_FORCE_ACTIVATION]);
}
