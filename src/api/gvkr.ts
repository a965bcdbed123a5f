// Group/version/kind/resource of a scale target (KEDA `apis/keda/v1alpha1/gvkr.go` `ParseGVKR`).
import type { ScaleTargetRef } from './types.ts';

export interface GroupVersionKindResource {
  group: string;
  version: string;
  kind: string;
  resource: string;
  /**
   * True when `resource` is a guess (lowercased kind + "s"). KEDA hard-codes only Deployment and StatefulSet and
   * asks the RESTMapper for every other kind; callers with a cluster must do the same before using `resource`.
   */
  resourceGuessed: boolean;
}

/** Empty apiVersion means apps/v1 and empty kind means Deployment, as in KEDA. */
export function gvkr(ref: Pick<ScaleTargetRef, 'apiVersion' | 'kind'>): GroupVersionKindResource {
  const apiVersion = ref.apiVersion || 'apps/v1';
  const kind = ref.kind || 'Deployment';
  const slash = apiVersion.indexOf('/');
  const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
  const version = slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion;
  if (kind === 'Deployment') return { group, version, kind, resource: 'deployments', resourceGuessed: false };
  if (kind === 'StatefulSet') return { group, version, kind, resource: 'statefulsets', resourceGuessed: false };
  return { group, version, kind, resource: `${kind.toLowerCase()}s`, resourceGuessed: true };
}

/** KEDA's `GVKString`: "<group>/<version>.<Kind>", e.g. "apps/v1.Deployment" (status.scaleTargetKind). */
export function gvkString(g: Pick<GroupVersionKindResource, 'group' | 'version' | 'kind'>): string {
  return `${g.group}/${g.version}.${g.kind}`;
}
