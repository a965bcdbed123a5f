// ScaledObject (keda.sh/v1alpha1): the zod schema of `spec` and `status` with KEDA's CRD constraints and runtime
// defaults (KEDA `apis/keda/v1alpha1/scaledobject_types.go`, `config/crd/bases/keda.sh_scaledobjects.yaml`), and the
// mapping from the parsed value to the model in types.ts.
import { z } from 'zod';
import { conditionsSchema } from './condition.ts';
import { hpaBehaviorSchema } from './hpa-behavior.ts';
import { crdDefault, int32 } from './openapi-types.ts';
import { toTrigger, triggersSchema } from './trigger.ts';
import type { ObjectMeta, ScaledObject, ScaledObjectSpec, ScaledObjectStatus } from './types.ts';
import { KEDA_API_VERSION } from './types.ts';

/** KEDA's CEL rule on ScaledObject.spec (`scaledobject_types.go`), emitted verbatim into the CRD. */
export const MIN_MAX_CEL_RULE = '!has(self.minReplicaCount) || self.minReplicaCount <= (has(self.maxReplicaCount) ? self.maxReplicaCount : 100)';
export const MIN_MAX_CEL_MESSAGE = 'minReplicaCount must be less than or equal to maxReplicaCount';

export const scaleTargetRefSchema = z
  .object({
    name: z.string().min(1).describe('Name of the target (Deployment, StatefulSet or any resource with /scale) in the same namespace.'),
    apiVersion: z.string().default('apps/v1').describe('API version of the target. Default apps/v1.'),
    kind: z.string().default('Deployment').describe('Kind of the target. Default Deployment.'),
    envSourceContainerName: z.string().optional().describe('Container whose env/envFrom feeds the *FromEnv trigger parameters. Default: the first container.'),
  })
  .describe('ScaleTarget holds the reference to the scale target Object');

export const fallbackSchema = z
  .object({
    failureThreshold: int32()
      .min(0)
      .describe('Consecutive failed reads of a metric tolerated before falling back (fallback starts at failures > failureThreshold).'),
    replicas: int32().min(0).describe('Replica count used while falling back.'),
    behavior: crdDefault(
      z
        .enum(['static', 'currentReplicas', 'currentReplicasIfHigher', 'currentReplicasIfLower', 'scalingModifiers'])
        .default('static')
        .describe(
          'static: use replicas; currentReplicas*: keep or compare with the current count; scalingModifiers: pass failing triggers to the formula as nil.',
        ),
    ),
  })
  .describe('Fallback is the spec for fallback options');

export const scalingModifiersSchema = z
  .object({
    formula: z.string().optional().describe('expr-lang expression over trigger names giving one composite metric value.'),
    target: z.string().optional().describe('Target of the composite metric (a number > 0, as a string).'),
    activationTarget: z.string().optional().describe('Activation threshold of the composite metric (a number, as a string). Default "0".'),
    metricType: z.enum(['AverageValue', 'Value', 'Utilization']).optional().describe('Target type of the composite metric: AverageValue (default) or Value.'),
  })
  .describe('ScalingModifiers describes advanced scaling logic options like formula');

export const advancedSchema = z
  .object({
    restoreToOriginalReplicaCount: z
      .boolean()
      .default(false)
      .describe('On deletion of the ScaledObject, set the target back to the replica count it had before.'),
    horizontalPodAutoscalerConfig: z
      .object({
        name: z.string().optional().describe('Name of the generated HPA. Default keda-hpa-<ScaledObject name>.'),
        behavior: hpaBehaviorSchema.optional(),
      })
      .optional()
      .describe('HorizontalPodAutoscalerConfig specifies horizontal scale config'),
    scalingModifiers: scalingModifiersSchema.optional(),
  })
  .describe('AdvancedConfig specifies advance scaling options');

export const scaledObjectSpecSchema = z
  .object({
    scaleTargetRef: scaleTargetRefSchema,
    pollingInterval: int32().min(1).default(30).describe('Seconds between reads of each trigger. Default 30.'),
    cooldownPeriod: int32().min(0).default(300).describe('Seconds after the last active trigger before scaling to 0 (or idleReplicaCount). Default 300.'),
    initialCooldownPeriod: int32().min(0).default(0).describe('Seconds after creation before the first scale to 0 may happen. Default 0.'),
    idleReplicaCount: int32().min(0).optional().describe('Replicas while no trigger is active; must be less than minReplicaCount. Unset: idle mode off.'),
    minReplicaCount: int32().min(0).default(0).describe('Lowest replica count. Default 0 (the HPA gets max(minReplicaCount, 1)).'),
    maxReplicaCount: int32().min(1).default(100).describe('Highest replica count. Default 100.'),
    fallback: fallbackSchema.optional(),
    advanced: advancedSchema.prefault({}),
    triggers: triggersSchema.describe('Event sources that drive scaling; at least one.'),
  })
  .superRefine((spec, ctx) => {
    // The CEL rule above, evaluated the same way (unset max counts as 100).
    if (spec.minReplicaCount > spec.maxReplicaCount) {
      ctx.addIssue({ code: 'custom', path: [], message: MIN_MAX_CEL_MESSAGE, params: { cel: true } });
    }
  })
  .describe('ScaledObjectSpec is the spec for a ScaledObject resource')
  .meta({ 'x-kubernetes-validations': [{ rule: MIN_MAX_CEL_RULE, message: MIN_MAX_CEL_MESSAGE }] });

export const scaledObjectStatusSchema = z
  .object({
    scaleTargetKind: z.string().optional().describe('GVK of the target, e.g. apps/v1.Deployment.'),
    scaleTargetGVKR: z
      .object({ group: z.string(), version: z.string(), kind: z.string(), resource: z.string() })
      .optional()
      .describe('GroupVersionKindResource of the target.'),
    originalReplicaCount: int32().optional().describe('Replica count of the target before it was first scaled.'),
    lastActiveTime: z.iso.datetime({ offset: true }).optional().describe('Last time a trigger was active.'),
    externalMetricNames: z.array(z.string()).optional(),
    resourceMetricNames: z.array(z.string()).optional(),
    compositeScalerName: z.string().optional(),
    conditions: conditionsSchema.optional(),
    health: z
      .record(
        z.string(),
        z
          .object({ numberOfFailures: int32().default(0), status: z.enum(['Happy', 'Failing']).default('Happy') })
          .describe("HealthStatus is the status for a ScaledObject's health"),
      )
      .optional(),
    triggersActivity: z.record(z.string(), z.object({ isActive: z.boolean().default(false) })).optional(),
    pausedReplicaCount: int32().optional(),
    hpaName: z.string().optional(),
    triggersTypes: z.string().optional(),
    authenticationsTypes: z.string().optional(),
  })
  .describe('ScaledObjectStatus is the status for a ScaledObject resource');

type SpecInput = z.output<typeof scaledObjectSpecSchema>;

/** Parsed spec (+ the keys the user wrote) → model. */
export function toScaledObjectSpec(spec: SpecInput, rawKeys: ReadonlySet<string>): ScaledObjectSpec {
  const out: ScaledObjectSpec = {
    scaleTargetRef: { name: spec.scaleTargetRef.name, apiVersion: spec.scaleTargetRef.apiVersion || 'apps/v1', kind: spec.scaleTargetRef.kind || 'Deployment' },
    pollingInterval: spec.pollingInterval,
    cooldownPeriod: spec.cooldownPeriod,
    initialCooldownPeriod: spec.initialCooldownPeriod,
    minReplicaCount: spec.minReplicaCount,
    maxReplicaCount: spec.maxReplicaCount,
    advanced: { restoreToOriginalReplicaCount: spec.advanced.restoreToOriginalReplicaCount },
    triggers: spec.triggers.map(toTrigger),
    explicit: {
      pollingInterval: rawKeys.has('pollingInterval'),
      cooldownPeriod: rawKeys.has('cooldownPeriod'),
      minReplicaCount: rawKeys.has('minReplicaCount'),
      maxReplicaCount: rawKeys.has('maxReplicaCount'),
    },
  };
  if (spec.scaleTargetRef.envSourceContainerName) out.scaleTargetRef.envSourceContainerName = spec.scaleTargetRef.envSourceContainerName;
  if (spec.idleReplicaCount !== undefined) out.idleReplicaCount = spec.idleReplicaCount;
  if (spec.fallback) out.fallback = { ...spec.fallback };
  const hpaConfig = spec.advanced.horizontalPodAutoscalerConfig;
  if (hpaConfig && (hpaConfig.name || hpaConfig.behavior)) {
    out.advanced.horizontalPodAutoscalerConfig = {};
    if (hpaConfig.name) out.advanced.horizontalPodAutoscalerConfig.name = hpaConfig.name;
    if (hpaConfig.behavior) out.advanced.horizontalPodAutoscalerConfig.behavior = structuredClone(hpaConfig.behavior);
  }
  // KEDA: scalingModifiers count as "used" only when not the zero struct (`IsUsingModifiers`), so `{}` is ignored.
  const sm = spec.advanced.scalingModifiers;
  if (sm && (sm.formula || sm.target || sm.activationTarget || sm.metricType)) {
    out.advanced.scalingModifiers = { metricType: sm.metricType ?? 'AverageValue' };
    if (sm.formula) out.advanced.scalingModifiers.formula = sm.formula;
    if (sm.target) out.advanced.scalingModifiers.target = sm.target;
    if (sm.activationTarget) out.advanced.scalingModifiers.activationTarget = sm.activationTarget;
  }
  return out;
}

export function toScaledObject(metadata: ObjectMeta, spec: ScaledObjectSpec, status: z.output<typeof scaledObjectStatusSchema> | undefined): ScaledObject {
  const s: ScaledObjectStatus = status ? structuredClone(status) : {};
  return { apiVersion: KEDA_API_VERSION, kind: 'ScaledObject', metadata, spec, status: s };
}
