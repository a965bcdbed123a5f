// `autoscaling/v2` HorizontalPodAutoscalerBehavior, as accepted in
// `spec.advanced.horizontalPodAutoscalerConfig.behavior` and copied verbatim into the generated HPA (KEDA `controllers/keda/hpa.go`).
// The HPA API validates ranges (stabilization 0..3600 s, period 1..1800 s); the CRD only checks shapes, like KEDA's.
import { z } from 'zod';
import { int32, intOrString } from './openapi-types.ts';

export const hpaScalingPolicySchema = z
  .object({
    type: z.enum(['Pods', 'Percent']).describe('Pods (absolute change) or Percent (of current replicas).'),
    value: int32().describe('Amount of change the policy permits; greater than zero.'),
    periodSeconds: int32().describe('Window in which the policy must hold; 1..1800 seconds.'),
  })
  .describe('HPAScalingPolicy is a single policy which must hold true for a specified past interval.');

export const hpaScalingRulesSchema = z
  .object({
    stabilizationWindowSeconds: int32()
      .optional()
      .describe('Seconds of past recommendations to consider (0..3600). Default: 0 for scale up, 300 for scale down.'),
    selectPolicy: z
      .enum(['Max', 'Min', 'Disabled'])
      .optional()
      .describe('Which policy to use when several apply; Disabled turns this direction off. Default Max.'),
    policies: z.array(hpaScalingPolicySchema).optional().describe('Scaling policies; at least one when set.'),
    tolerance: intOrString().optional().describe('Kubernetes 1.33+: tolerance on the usage ratio for this direction, as a quantity string, e.g. "0.05".'),
  })
  .describe('HPAScalingRules configures the scaling behavior for one direction.');

export const hpaBehaviorSchema = z
  .object({
    scaleUp: hpaScalingRulesSchema.optional().describe('Scaling policy for scaling up.'),
    scaleDown: hpaScalingRulesSchema.optional().describe('Scaling policy for scaling down.'),
  })
  .describe('HorizontalPodAutoscalerBehavior configures the scaling behavior of the target in both Up and Down directions.');
