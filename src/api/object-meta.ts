// `metadata` of a keda.sh object as parse.ts reads it. The API server validates ObjectMeta itself (it is not part
// of the CRD schema), so this schema states the rules it applies: a DNS-subdomain name, string-valued labels and
// annotations. Other ObjectMeta fields (managedFields, ...) pass through untouched.
import { z } from 'zod';
import type { ObjectMeta } from './types.ts';

/**
 * RFC 1123 subdomain, the rule the API server applies to custom resource names
 * (staging/src/k8s.io/apiextensions-apiserver/pkg/registry/customresource/validator.go: ValidateObjectMetaAccessor
 * with NameIsDNSSubdomain), at most 253 characters.
 */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** RFC 1123 label: namespace names (ValidateNamespaceName), at most 63 characters. */
export const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const objectMetaSchema = z.looseObject({
  name: z.string().min(1).max(253).regex(DNS_SUBDOMAIN, 'must be a lowercase RFC 1123 subdomain (a-z, 0-9, "-" and ".", starting and ending alphanumeric)'),
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  uid: z.string().optional(),
  generation: z.number().int().optional(),
  resourceVersion: z.string().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  finalizers: z.array(z.string()).optional(),
  ownerReferences: z
    .array(
      z.looseObject({
        apiVersion: z.string(),
        kind: z.string(),
        name: z.string(),
        uid: z.string(),
        controller: z.boolean().optional(),
        blockOwnerDeletion: z.boolean().optional(),
      }),
    )
    .optional(),
});

export type ObjectMetaInput = z.output<typeof objectMetaSchema>;

/** Parsed metadata → model. `namespaced` kinds default to "default"; cluster-scoped ones always get "". */
export function toObjectMeta(m: ObjectMetaInput, namespaced: boolean): ObjectMeta {
  const out: ObjectMeta = {
    name: m.name,
    namespace: namespaced ? m.namespace || 'default' : '',
    labels: { ...(m.labels ?? {}) },
    annotations: { ...(m.annotations ?? {}) },
  };
  if (m.uid !== undefined) out.uid = m.uid;
  if (m.generation !== undefined) out.generation = m.generation;
  if (m.resourceVersion !== undefined) out.resourceVersion = m.resourceVersion;
  if (m.creationTimestamp !== undefined) out.creationTimestamp = m.creationTimestamp;
  if (m.deletionTimestamp !== undefined) out.deletionTimestamp = m.deletionTimestamp;
  if (m.finalizers !== undefined) out.finalizers = [...m.finalizers];
  if (m.ownerReferences !== undefined) {
    out.ownerReferences = m.ownerReferences.map((r) => {
      const ref: NonNullable<ObjectMeta['ownerReferences']>[number] = { apiVersion: r.apiVersion, kind: r.kind, name: r.name, uid: r.uid };
      if (r.controller !== undefined) ref.controller = r.controller;
      if (r.blockOwnerDeletion !== undefined) ref.blockOwnerDeletion = r.blockOwnerDeletion;
      return ref;
    });
  }
  return out;
}
