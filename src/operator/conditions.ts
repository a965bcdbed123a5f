// ScaledObject conditions (KEDA apis/keda/v1alpha1/condition_types.go): the initial set, and setting one by type.
import type { Condition } from '../api/types.ts';

export const INITIAL_CONDITIONS: Condition[] = [
  { type: 'Ready', status: 'Unknown' },
  { type: 'Active', status: 'Unknown' },
  { type: 'Fallback', status: 'Unknown' },
  { type: 'Paused', status: 'False' },
];

/** The conditions with KEDA's initial four present (added when any is missing). */
export function withInitialConditions(conditions: readonly Condition[] | undefined): Condition[] {
  const list = [...(conditions ?? [])];
  for (const c of INITIAL_CONDITIONS) if (!list.some((x) => x.type === c.type)) list.push({ ...c });
  return list;
}

export function setCondition(conditions: readonly Condition[] | undefined, next: Condition): Condition[] {
  const list = withInitialConditions(conditions);
  const i = list.findIndex((c) => c.type === next.type);
  const clean: Condition = {
    type: next.type,
    status: next.status,
    ...(next.reason ? { reason: next.reason } : {}),
    ...(next.message ? { message: next.message } : {}),
  };
  if (i >= 0) list[i] = clean;
  else list.push(clean);
  return list;
}

/** The conditions without the one of type `type` (the same array when there is none). */
export function removeCondition(conditions: Condition[] | undefined, type: string): Condition[] | undefined {
  return conditions?.some((c) => c.type === type) ? conditions.filter((c) => c.type !== type) : conditions;
}

export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
