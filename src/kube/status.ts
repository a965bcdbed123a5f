// Status writes: only when something changed (deep compare), as a minimal merge patch on the status
// subresource, conditional on the resourceVersion read, re-reading and re-applying the change on 409 Conflict.
// KEDA patches status only on change too (`pkg/status` UpdateScaledObjectStatus compares before writing).
import { isConflict, type GroupVersionResource, type KubeClient, type KubeObject } from './client.ts';
import type { ApiPriority } from './api-budget.ts';
import { deepEqual, mergePatchDiff } from './merge-patch.ts';

export interface StatusUpdateResult<T> {
  /** False when the desired status equalled the current one (no request was sent). */
  changed: boolean;
  object: T;
  /** PATCH attempts made (0 when unchanged). */
  attempts: number;
}

/**
 * Compute the desired status from the current object and write it if it differs.
 * `mutate` receives a deep copy of the current status (`{}` when none) and returns the desired status; it is
 * called again on a fresh read after a conflict, so it must be a function of its input.
 */
export async function updateStatus<S extends object, T extends KubeObject & { status?: S }>(
  client: KubeClient,
  gvr: GroupVersionResource,
  ref: { namespace?: string; name: string },
  mutate: (current: S, object: T) => S,
  opts: { current?: T; maxAttempts?: number; fieldManager?: string; priority?: ApiPriority } = {},
): Promise<StatusUpdateResult<T>> {
  const maxAttempts = opts.maxAttempts ?? 5;
  let object = opts.current ?? (await client.get<T>(gvr, ref.namespace, ref.name));
  for (let attempt = 1; ; attempt++) {
    const current = (object.status ?? {}) as S;
    const desired = mutate(structuredClone(current), object);
    if (deepEqual(current, desired)) return { changed: false, object, attempts: attempt - 1 };
    const patch = mergePatchDiff(current, desired);
    try {
      const updated = await client.patchStatus<T>(gvr, ref.namespace, ref.name, patch, {
        resourceVersion: object.metadata.resourceVersion,
        fieldManager: opts.fieldManager,
        ...(opts.priority ? { priority: opts.priority } : {}),
      });
      return { changed: true, object: updated, attempts: attempt };
    } catch (err) {
      if (!isConflict(err) || attempt >= maxAttempts) throw err;
      object = await client.get<T>(gvr, ref.namespace, ref.name);
    }
  }
}

/** The status without its undefined fields: what the API server would store, so the change is compared as stored. */
export function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
