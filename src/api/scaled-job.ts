// ScaledJob (keda.sh/v1alpha1): zod schema of `spec` and `status` with KEDA's CRD constraints and runtime defaults
// (KEDA `apis/keda/v1alpha1/scaledjob_types.go`), and the mapping to the model in types.ts.
import { z } from 'zod';
import { conditionsSchema } from './condition.ts';
import { int32, preservedObject } from './openapi-types.ts';
import { toTrigger, triggersSchema } from './trigger.ts';
import type { ObjectMeta, ScaledJob, ScaledJobSpec } from './types.ts';
import { KEDA_API_VERSION } from './types.ts';

export const jobTargetRefSchema = preservedObject({
  template: preservedObject({}).describe('Pod template of each Job (batch/v1 PodTemplateSpec); restartPolicy must be Never or OnFailure.'),
}).describe('batch/v1 JobSpec copied into every Job KEDA creates. Kept as given; the Job API validates it on creation.');

export const scaledJobSpecSchema = z
  .object({
    jobTargetRef: jobTargetRefSchema,
    pollingInterval: int32().min(1).default(30).describe('Seconds between reads of each trigger. Default 30.'),
    successfulJobsHistoryLimit: int32().min(0).default(100).describe('Finished Jobs kept. Default 100.'),
    failedJobsHistoryLimit: int32().min(0).default(100).describe('Failed Jobs kept. Default 100.'),
    envSourceContainerName: z.string().optional().describe('Container whose env feeds *FromEnv parameters. Default: the first container.'),
    minReplicaCount: int32().min(0).default(0).describe('Jobs kept running even when idle. Default 0.'),
    maxReplicaCount: int32().min(1).optional().describe('Most Jobs at once (minus minReplicaCount when both are set). Default 100.'),
    rolloutStrategy: z.enum(['gradual', 'immediate']).optional().describe('Deprecated: use rollout.strategy. When set it overrides rollout.strategy.'),
    rollout: z
      .object({
        strategy: z
          .enum(['gradual', 'immediate'])
          .optional()
          .describe('On a spec change: immediate (or empty) deletes running Jobs, gradual lets them finish.'),
        propagationPolicy: z
          .enum(['foreground', 'background'])
          .default('background')
          .describe('Deletion propagation for Jobs removed by a rollout. Default background.'),
      })
      .prefault({})
      .describe('Rollout defines the strategy for job rollouts'),
    scalingStrategy: z
      .object({
        strategy: z.enum(['default', 'custom', 'accurate', 'eager']).default('default').describe('How pending work turns into new Jobs. Default default.'),
        customScalingQueueLengthDeduction: int32().optional().describe('custom strategy: subtracted from the queue length.'),
        customScalingRunningJobPercentage: z.string().optional().describe('custom strategy: fraction of running Jobs to subtract (a number, as a string).'),
        pendingPodConditions: z.array(z.string()).optional().describe('Pod conditions that must all be true for a Job to count as no longer pending.'),
        multipleScalersCalculation: z
          .enum(['min', 'avg', 'sum', 'max'])
          .default('max')
          .describe('How several triggers combine: min, avg, sum or max. Default max.'),
      })
      .prefault({})
      .describe('ScalingStrategy defines the strategy of Scaling'),
    triggers: triggersSchema.describe('Event sources that drive Job creation; at least one.'),
  })
  .describe('ScaledJobSpec defines the desired state of ScaledJob');

export const scaledJobStatusSchema = z
  .object({
    lastActiveTime: z.iso.datetime({ offset: true }).optional(),
    conditions: conditionsSchema.optional(),
    Paused: z.string().optional(),
    triggersTypes: z.string().optional(),
    authenticationsTypes: z.string().optional(),
    externalMetricNames: z.array(z.string()).optional(),
    triggersActivity: z.record(z.string(), z.object({ isActive: z.boolean().default(false) })).optional(),
  })
  .describe('ScaledJobStatus defines the observed state of ScaledJob');

type SpecInput = z.output<typeof scaledJobSpecSchema>;

export function toScaledJobSpec(spec: SpecInput): ScaledJobSpec {
  const out: ScaledJobSpec = {
    jobTargetRef: structuredClone(spec.jobTargetRef) as Record<string, unknown>,
    pollingInterval: spec.pollingInterval,
    successfulJobsHistoryLimit: spec.successfulJobsHistoryLimit,
    failedJobsHistoryLimit: spec.failedJobsHistoryLimit,
    minReplicaCount: spec.minReplicaCount,
    rollout: { propagationPolicy: spec.rollout.propagationPolicy },
    scalingStrategy: { strategy: spec.scalingStrategy.strategy, multipleScalersCalculation: spec.scalingStrategy.multipleScalersCalculation },
    triggers: spec.triggers.map(toTrigger),
  };
  if (spec.envSourceContainerName) out.envSourceContainerName = spec.envSourceContainerName;
  if (spec.maxReplicaCount !== undefined) out.maxReplicaCount = spec.maxReplicaCount;
  if (spec.rolloutStrategy) out.rolloutStrategy = spec.rolloutStrategy;
  if (spec.rollout.strategy) out.rollout.strategy = spec.rollout.strategy;
  const s = spec.scalingStrategy;
  if (s.customScalingQueueLengthDeduction !== undefined) out.scalingStrategy.customScalingQueueLengthDeduction = s.customScalingQueueLengthDeduction;
  if (s.customScalingRunningJobPercentage) out.scalingStrategy.customScalingRunningJobPercentage = s.customScalingRunningJobPercentage;
  if (s.pendingPodConditions) out.scalingStrategy.pendingPodConditions = [...s.pendingPodConditions];
  return out;
}

export function toScaledJob(metadata: ObjectMeta, spec: ScaledJobSpec, status: z.output<typeof scaledJobStatusSchema> | undefined): ScaledJob {
  return { apiVersion: KEDA_API_VERSION, kind: 'ScaledJob', metadata, spec, status: { ...(status ?? {}) } };
}
