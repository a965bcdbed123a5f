// The HorizontalPodAutoscaler a ScaledObject generates, built exactly as KEDA's controllers/keda/hpa.go does
// `newHPAForScaledObject`, and KEDA's rule for when an existing HPA must be updated. Pure: no I/O.
import { hpaMaxReplicas, hpaMinReplicas, hpaName } from '../api/hpa-spec.ts';
import type { GroupVersionKindResource } from '../api/gvkr.ts';
import { isPausedScaleIn, isPausedScaleOut, pausedReplicas } from '../api/pause.ts';
import {
  ANNOTATION_HPA_EXCLUDED_LABELS,
  COMPOSITE_METRIC_NAME,
  KEDA_API_VERSION,
  LABEL_SCALEDOBJECT_NAME,
  type HPABehavior,
  type MetricTargetType,
  type ScaledObject,
} from '../api/types.ts';
import type { MetricSpec } from '../scalers/scaler.ts';
import type { KubeObject } from '../kube/client.ts';
import { withoutManagedFields } from '../kube/list-watch.ts';
import { formatMilliQuantity, targetQuantity } from '../kube/quantity.ts';
import { parseGoFloat, parseQuantity } from '../api/values.ts';

export interface HpaMetricTarget {
  type: MetricTargetType;
  value?: string;
  averageValue?: string;
  averageUtilization?: number;
}

export type HpaMetricSpec =
  | { type: 'External'; external: { metric: { name: string; selector?: { matchLabels: Record<string, string> } }; target: HpaMetricTarget } }
  | { type: 'Resource'; resource: { name: string; target: HpaMetricTarget } }
  | { type: 'ContainerResource'; containerResource: { name: string; container: string; target: HpaMetricTarget } };

export interface HorizontalPodAutoscaler {
  apiVersion: 'autoscaling/v2';
  kind: 'HorizontalPodAutoscaler';
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller: boolean; blockOwnerDeletion: boolean }>;
    resourceVersion?: string;
    uid?: string;
    [key: string]: unknown;
  };
  spec: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicas: number;
    maxReplicas: number;
    metrics: HpaMetricSpec[];
    behavior?: HPABehavior;
  };
  status?: unknown;
}

export { hpaName };

export interface HpaBuildInput {
  scaledObject: ScaledObject;
  /** The resolved scale target (`status.scaleTargetGVKR`). */
  gvkr: Pick<GroupVersionKindResource, 'group' | 'version' | 'kind'>;
  /** All scalers' metric specs, in trigger order. */
  metricSpecs: MetricSpec[];
  /** Value of the `app.kubernetes.io/version` label (KEDA puts its own version there). */
  version: string;
  /** `app.kubernetes.io/managed-by`; KEDA's value by default so label selectors users wrote keep matching. */
  managedBy?: string;
}

export interface HpaBuildResult {
  hpa: HorizontalPodAutoscaler;
  /** For `status.externalMetricNames`: external metric names in trigger order (before sorting/composite). */
  externalMetricNames: string[];
  /** For `status.resourceMetricNames`: `cpu`/`memory` of Resource specs (not ContainerResource). */
  resourceMetricNames: string[];
  /** For `status.compositeScalerName`: `composite-metric` when scalingModifiers replaced the external metrics. */
  compositeScalerName?: string;
}

/** The ScaledObject cannot produce an HPA; the message names the object and what to fix. */
export class HpaBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HpaBuildError';
  }
}

/** Go's `unicode.IsLetter || unicode.IsNumber`. */
const letterOrNumber = /[\p{L}\p{N}]/u;

/** The `app.kubernetes.io/name` value: label values are limited to 63 characters and must end alphanumeric. */
export function hpaNameLabel(name: string): string {
  if (name.length <= 63) return name;
  const chars = [...name.slice(0, 63)];
  while (chars.length && !letterOrNumber.test(chars[chars.length - 1])) chars.pop();
  return chars.join('');
}

function usesScalingModifiers(so: ScaledObject): boolean {
  const m = so.spec.advanced.scalingModifiers;
  return !!m && !!(m.formula || m.target || m.activationTarget);
}

function toHpaTarget(spec: MetricSpec): HpaMetricTarget {
  switch (spec.targetType) {
    case 'Utilization':
      return { type: 'Utilization', averageUtilization: Math.trunc(spec.target) };
    case 'Value':
      return { type: 'Value', value: targetQuantity(spec.target) };
    default:
      // cpu/memory: KEDA puts resource.MustParse(value) in the HPA, so "256Mi" stays "256Mi" (not 268435456).
      return { type: 'AverageValue', averageValue: spec.targetQuantity ?? targetQuantity(spec.target) };
  }
}

function toHpaMetric(spec: MetricSpec, soName: string): HpaMetricSpec {
  const target = toHpaTarget(spec);
  if (spec.kind === 'External') {
    // The selector is how the metrics API knows which ScaledObject the HPA asks about.
    return { type: 'External', external: { metric: { name: spec.metricName, selector: { matchLabels: { [LABEL_SCALEDOBJECT_NAME]: soName } } }, target } };
  }
  const name = spec.resourceName ?? spec.metricName;
  if (spec.kind === 'ContainerResource') {
    return { type: 'ContainerResource', containerResource: { name, target, container: spec.containerName ?? '' } }; // Go's field order
  }
  return { type: 'Resource', resource: { name, target } };
}

/** Build the desired HPA. Throws HpaBuildError (duplicate metric names, no metrics, bad paused-replicas, ...). */
export function buildHpa(input: HpaBuildInput): HpaBuildResult {
  const so = input.scaledObject;
  const ref = `ScaledObject ${so.metadata.namespace}/${so.metadata.name}`;
  const annotations = so.metadata.annotations ?? {};
  const name = hpaName(so);

  if (input.metricSpecs.length === 0) {
    throw new HpaBuildError(`no metric specs returned from scalers of ${ref}: every trigger must produce a metric (check spec.triggers)`);
  }

  const externalMetricNames: string[] = [];
  const resourceMetricNames: string[] = [];
  let metrics: HpaMetricSpec[] = [];
  for (const spec of input.metricSpecs) {
    if (spec.kind === 'Resource') resourceMetricNames.push(spec.resourceName ?? spec.metricName);
    if (spec.kind === 'External') {
      if (externalMetricNames.includes(spec.metricName)) {
        // KEDA's message, plus the fix.
        throw new HpaBuildError(
          `metricName ${spec.metricName} defined multiple times in ScaledObject ${so.metadata.name}: give the triggers distinct metric names`,
        );
      }
      externalMetricNames.push(spec.metricName);
    }
    metrics.push(toHpaMetric(spec, so.metadata.name));
  }
  // KEDA sorts by type string so reconciles compare equal (#1531): ContainerResource < External < Resource.
  metrics.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));

  let compositeScalerName: string | undefined;
  if (usesScalingModifiers(so)) {
    const mods = so.spec.advanced.scalingModifiers!;
    if (mods.metricType === 'Utilization') {
      throw new HpaBuildError(
        `${ref}: spec.advanced.scalingModifiers.metricType is Utilization, but it needs to be AverageValue or Value for external metrics`,
      );
    }
    // controllers/keda/hpa.go: strconv.ParseFloat; an unparsable target counts as 0, i.e. no composite metric
    // (validation reports it elsewhere).
    const target = parseGoFloat(mods.target ?? '') ?? 0;
    if (target > 0) {
      const quantity = formatMilliQuantity(Math.trunc(target * 1000)); // resource.NewMilliQuantity(int64(t*1000))
      const composite: HpaMetricSpec = {
        type: 'External',
        external: {
          metric: { name: COMPOSITE_METRIC_NAME, selector: { matchLabels: { [LABEL_SCALEDOBJECT_NAME]: so.metadata.name } } },
          target: mods.metricType === 'Value' ? { type: 'Value', value: quantity } : { type: 'AverageValue', averageValue: quantity },
        },
      };
      // KEDA keeps only `Resource` specs next to the composite metric (ContainerResource specs are dropped too,
      // as in hpa.go, which checks `rm.Resource != nil`).
      metrics = [...metrics.filter((m) => m.type === 'Resource'), composite];
      compositeScalerName = COMPOSITE_METRIC_NAME;
    }
  }

  let behavior: HPABehavior | undefined = so.spec.advanced.horizontalPodAutoscalerConfig?.behavior
    ? structuredClone(so.spec.advanced.horizontalPodAutoscalerConfig.behavior)
    : undefined;
  if (isPausedScaleIn(so)) {
    behavior ??= {};
    behavior.scaleDown = { ...behavior.scaleDown, selectPolicy: 'Disabled' };
  }
  if (isPausedScaleOut(so)) {
    behavior ??= {};
    behavior.scaleUp = { ...behavior.scaleUp, selectPolicy: 'Disabled' };
  }

  const labels: Record<string, string> = {
    'app.kubernetes.io/name': hpaNameLabel(name),
    'app.kubernetes.io/version': input.version,
    'app.kubernetes.io/part-of': so.metadata.name,
    'app.kubernetes.io/managed-by': input.managedBy ?? 'keda-operator',
  };
  const excluded = new Set((annotations[ANNOTATION_HPA_EXCLUDED_LABELS] ?? '').split(','));
  for (const [k, v] of Object.entries(so.metadata.labels ?? {})) if (!excluded.has(k)) labels[k] = v;

  let minReplicas = hpaMinReplicas(so);
  let maxReplicas = hpaMaxReplicas(so);
  const paused = pausedReplicas(so);
  if (paused && 'error' in paused) throw new HpaBuildError(`${ref}: annotation ${paused.error}`);
  if (paused) {
    // MinReplicas on an HPA cannot be 0.
    minReplicas = paused.replicas || 1;
    maxReplicas = minReplicas;
  }

  if (!so.metadata.uid) throw new HpaBuildError(`${ref} has no metadata.uid; build the HPA from the object as read from the API server`);

  const hpa: HorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      name,
      namespace: so.metadata.namespace,
      labels,
      annotations: Object.keys(annotations).length ? { ...annotations } : undefined,
      ownerReferences: [
        { apiVersion: KEDA_API_VERSION, kind: 'ScaledObject', name: so.metadata.name, uid: so.metadata.uid, controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: {
      scaleTargetRef: {
        apiVersion: input.gvkr.group ? `${input.gvkr.group}/${input.gvkr.version}` : input.gvkr.version,
        kind: input.gvkr.kind,
        name: so.spec.scaleTargetRef.name,
      },
      minReplicas,
      maxReplicas,
      metrics,
      ...(behavior ? { behavior } : {}),
    },
  };
  return { hpa, externalMetricNames, resourceMetricNames, compositeScalerName };
}

// ---- update rule (hpa.go updateHPAIfNeeded) ----

const QUANTITY_KEYS = new Set(['value', 'averageValue', 'tolerance']);

function sameScalar(key: string, a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (QUANTITY_KEYS.has(key) && (typeof a === 'string' || typeof a === 'number') && (typeof b === 'string' || typeof b === 'number')) {
    const qa = parseQuantity(String(a));
    return qa !== undefined && qa === parseQuantity(String(b)); // Semantic equality compares quantities by value
  }
  return false;
}

/**
 * apimachinery `equality.Semantic.DeepDerivative(desired, found)`: every field set in `desired` equals the one in
 * `found`; unset/empty fields in `desired` are ignored, and extra array/map entries in `found` too.
 */
export function isDeepDerivative(desired: unknown, found: unknown, key = ''): boolean {
  if (desired === undefined || desired === null) return true;
  if (Array.isArray(desired)) {
    if (desired.length === 0) return true;
    if (!Array.isArray(found) || desired.length > found.length) return false;
    return desired.every((v, i) => isDeepDerivative(v, found[i], key));
  }
  if (typeof desired === 'object') {
    const entries = Object.entries(desired as Record<string, unknown>);
    if (entries.length === 0) return true;
    if (typeof found !== 'object' || found === null || Array.isArray(found)) return false;
    return entries.every(([k, v]) => isDeepDerivative(v, (found as Record<string, unknown>)[k], k));
  }
  if (typeof desired === 'string' && desired === '') return true;
  return sameScalar(key, desired, found);
}

/** apimachinery `equality.Semantic.DeepEqual` on JSON (quantities compared by value; absent = unset). */
export function isSemanticallyEqual(a: unknown, b: unknown, key = ''): boolean {
  const unset = (v: unknown) => v === undefined || v === null;
  if (unset(a) || unset(b)) return unset(a) && unset(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => isSemanticallyEqual(v, b[i], key));
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
    return [...keys].every((k) => isSemanticallyEqual(ra[k], rb[k], k));
  }
  return sameScalar(key, a, b);
}

/**
 * Why `found` must be updated to `desired` (empty = leave it). KEDA updates when the metric count differs, the
 * behavior is not DeepEqual (so removing a pause annotation clears `Disabled`), the spec is not a DeepDerivative,
 * or the labels/annotations are not a DeepDerivative (annotations also when the SO has none but the HPA has some).
 * The update writes the whole desired HPA, so manual edits of owned fields are reverted.
 */
export function hpaUpdateReasons(desired: HorizontalPodAutoscaler, found: HorizontalPodAutoscaler): string[] {
  const reasons: string[] = [];
  if (desired.spec.metrics.length !== (found.spec.metrics ?? []).length) reasons.push('metric count differs');
  if (!isSemanticallyEqual(desired.spec.behavior, found.spec.behavior)) reasons.push('behavior differs');
  if (!isDeepDerivative(desired.spec, found.spec)) reasons.push('spec differs');
  if (!isDeepDerivative(desired.metadata.labels, found.metadata.labels)) reasons.push('labels differ');
  const desiredAnnotations = desired.metadata.annotations ?? {};
  const foundAnnotations = found.metadata.annotations ?? {};
  if ((Object.keys(desiredAnnotations).length === 0 && Object.keys(foundAnnotations).length > 0) || !isDeepDerivative(desiredAnnotations, foundAnnotations)) {
    reasons.push('annotations differ');
  }
  return reasons;
}

/**
 * What the operator's HPA watch keeps of each HPA: its metadata without managedFields, its spec (hpaUpdateReasons
 * compares it with the desired one) and of its status only the conditions (HPAActive) and replica counts — the
 * current metrics, written by the HPA controller at every sync, are not read, so updates stay small in memory.
 */
export function cachedHpa(obj: KubeObject): KubeObject {
  const o = withoutManagedFields(obj) as KubeObject & { status?: { conditions?: unknown; currentReplicas?: number; desiredReplicas?: number } };
  if (!o.status) return o;
  const { conditions, currentReplicas, desiredReplicas } = o.status;
  return {
    ...o,
    status: {
      ...(conditions !== undefined ? { conditions } : {}),
      ...(currentReplicas !== undefined ? { currentReplicas } : {}),
      ...(desiredReplicas !== undefined ? { desiredReplicas } : {}),
    },
  } as KubeObject;
}
