// zod building blocks that map one-to-one onto the Kubernetes OpenAPI types KEDA's CRDs use. The CRD generator
// (crds.ts) turns the markers below into the apiextensions form; parse.ts uses the same schemas at runtime.
import { z } from 'zod';

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/** Meta keys the CRD generator understands (removed from the emitted schema, or kept as Kubernetes extensions). */
export const META_CRD_DEFAULT = 'x-updraft-crd-default';
export const META_PRESERVE_UNKNOWN = 'x-kubernetes-preserve-unknown-fields';
export const META_INT_OR_STRING = 'x-kubernetes-int-or-string';

/** Go `int32`: an integer in JSON (a quoted "1" is a string, which the API server rejects). */
export function int32() {
  return z.number().int().min(INT32_MIN).max(INT32_MAX);
}

/**
 * An object whose unknown fields are kept (Kubernetes `x-kubernetes-preserve-unknown-fields: true`), used where
 * Updraft copies a Kubernetes type verbatim without re-validating it (the Job spec of a ScaledJob).
 */
export function preservedObject<S extends z.core.$ZodLooseShape>(shape: S) {
  return z.looseObject(shape).meta({ [META_PRESERVE_UNKNOWN]: true });
}

/**
 * A `resource.Quantity` field: an integer or a string (`x-kubernetes-int-or-string: true`). A JSON float such as
 * 0.05 is neither, and the API server rejects it: write "0.05".
 */
export function intOrString() {
  return z.union([z.number().int(), z.string()]).meta({ [META_INT_OR_STRING]: true });
}

/**
 * Mark a `.default(...)` as a CRD default too (the API server then fills it in on write). Only for defaults KEDA's
 * own CRD declares; every other default is a runtime default and must stay out of the CRD, or the API server
 * would make every field look explicitly set (the webhook's pollingInterval/cooldownPeriod warnings depend on that).
 */
export function crdDefault<T extends z.ZodType>(schema: T): T {
  return schema.meta({ [META_CRD_DEFAULT]: true }) as T;
}
