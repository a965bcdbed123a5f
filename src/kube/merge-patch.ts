// JSON deep equality and RFC 7386 merge-patch diffs, so writers send only what changed (and nothing when
// nothing did). Arrays are compared and replaced as a whole, as merge patch does.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Structural equality of JSON values; a key holding `undefined` counts as absent. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!deepEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/**
 * The merge patch that turns `from` into `to`: changed keys with their new value, removed keys as null, nested
 * objects diffed recursively. Returns undefined when they are equal.
 */
export function mergePatchDiff(from: unknown, to: unknown): unknown {
  if (deepEqual(from, to)) return undefined;
  if (!isPlainObject(from) || !isPlainObject(to)) return to === undefined ? null : to;
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(from)) {
    if (from[key] !== undefined && to[key] === undefined) patch[key] = null;
  }
  for (const [key, value] of Object.entries(to)) {
    if (value === undefined) continue;
    const sub = isPlainObject(from[key]) && isPlainObject(value) ? mergePatchDiff(from[key], value) : deepEqual(from[key], value) ? undefined : value;
    if (sub !== undefined) patch[key] = sub;
  }
  return patch;
}
