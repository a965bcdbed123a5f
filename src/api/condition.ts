// `status.conditions[]` as KEDA writes them (KEDA `apis/keda/v1alpha1/condition_types.go`): {type, status, reason, message}, no timestamps.
import { z } from 'zod';

export const conditionSchema = z
  .object({
    type: z.string().describe('Type of condition: Ready, Active, Fallback, Paused (and HPAActive on ScaledObjects).'),
    status: z.enum(['True', 'False', 'Unknown']).describe('Status of the condition, one of True, False, Unknown.'),
    reason: z.string().optional().describe("The reason for the condition's last transition."),
    message: z.string().optional().describe('A human readable message indicating details about the transition.'),
  })
  .describe('Condition to store the condition state');

export const conditionsSchema = z.array(conditionSchema).describe('Conditions an array representation to store multiple Conditions');
