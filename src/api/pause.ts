// Pause and force-activation annotations (keda-spec §1.4, KEDA `scaledobject_types.go`): how their values read.
import {
  ANNOTATION_FORCE_ACTIVATION,
  ANNOTATION_PAUSED,
  ANNOTATION_PAUSED_REPLICAS,
  ANNOTATION_PAUSED_SCALE_IN,
  ANNOTATION_PAUSED_SCALE_OUT,
  type ScaledJob,
  type ScaledObject,
} from './types.ts';
import { INT32_MAX, INT32_MIN } from './openapi-types.ts';

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go `strconv.ParseBool`: exactly these spellings, anything else (including "yes", " true") is not a bool. */
export function parseGoBool(value: string): boolean | undefined {
  if (GO_TRUE.has(value)) return true;
  if (GO_FALSE.has(value)) return false;
  return undefined;
}

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
 * ScaledJob: only `paused` counts (keda-spec §3.1).
 */
export function isPaused(obj: ScaledObject | ScaledJob): boolean {
  const a = obj.metadata.annotations;
  if (obj.kind === 'ScaledObject' && ANNOTATION_PAUSED_REPLICAS in a) return true;
  return parseBoolAnnotation(a[ANNOTATION_PAUSED]);
}

export type PausedReplicas = { replicas: number } | { error: string };

/**
 * The `paused-replicas` value: undefined when absent; else Go `strconv.ParseInt(v, 10, 32)`. An invalid value
 * still pauses (presence is enough) but KEDA fails the reconcile, so callers must surface the error.
 */
export function pausedReplicas(so: ScaledObject): PausedReplicas | undefined {
  const v = so.metadata.annotations[ANNOTATION_PAUSED_REPLICAS];
  if (v === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(v)) return { error: `${ANNOTATION_PAUSED_REPLICAS} must be an integer, got ${JSON.stringify(v)}` };
  const n = Number(v);
  if (n < INT32_MIN || n > INT32_MAX) return { error: `${ANNOTATION_PAUSED_REPLICAS} is out of the int32 range: ${v}` };
  if (n < 0) return { error: `${ANNOTATION_PAUSED_REPLICAS} must not be negative, got ${v}` };
  return { replicas: n };
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
