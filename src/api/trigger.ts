// One entry of `spec.triggers[]`, shared by ScaledObject and ScaledJob (KEDA
// `apis/keda/v1alpha1/scaletriggers_types.go`).
import { z } from 'zod';
import type { Trigger } from './types.ts';

export const authenticationRefSchema = z
  .object({
    name: z.string().min(1).describe('Name of the TriggerAuthentication (same namespace) or ClusterTriggerAuthentication.'),
    kind: z
      .enum(['TriggerAuthentication', 'ClusterTriggerAuthentication'])
      .default('TriggerAuthentication')
      .describe('Kind of the resource being referred to. Defaults to TriggerAuthentication.'),
  })
  .describe('Points to the TriggerAuthentication or ClusterTriggerAuthentication that authenticates the scaler.');

export const metricTargetTypeSchema = z.enum(['AverageValue', 'Value', 'Utilization']);

export const triggerSchema = z
  .object({
    type: z.string().min(1).describe('Scaler type, e.g. aws-sqs-queue, prometheus, cpu.'),
    name: z.string().optional().describe('Optional name, unique within the object; the variable name in scalingModifiers.formula.'),
    metadata: z.record(z.string(), z.string()).describe('Scaler parameters. Every value is a string: quote numbers and booleans ("5", "true").'),
    authenticationRef: authenticationRefSchema.optional(),
    metricType: metricTargetTypeSchema
      .optional()
      .describe('HPA target type: AverageValue (default for external scalers), Value, or Utilization (cpu/memory only).'),
    useCachedMetrics: z.boolean().default(false).describe('Answer HPA metric requests from the value read at the last pollingInterval.'),
  })
  .describe('ScaleTriggers reference the scaler that will be used');

export const triggersSchema = z.array(triggerSchema).min(1);

export type TriggerInput = z.output<typeof triggerSchema>;

/** Parsed trigger → model: an empty name means "no name" (Go omitempty), as in KEDA. */
export function toTrigger(t: TriggerInput): Trigger {
  const out: Trigger = { type: t.type, metadata: { ...t.metadata }, useCachedMetrics: t.useCachedMetrics };
  if (t.name) out.name = t.name;
  if (t.authenticationRef) out.authenticationRef = { name: t.authenticationRef.name, kind: t.authenticationRef.kind };
  if (t.metricType) out.metricType = t.metricType;
  return out;
}
