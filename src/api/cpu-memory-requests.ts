// KEDA's admission rule for cpu/memory triggers (apis/keda/v1alpha1/scaledobject_webhook.go
// `verifyCPUMemoryScalers`): the HPA can only compute utilization of a resource the pods request, so every
// container of the target (or the trigger's containerName) must set a request or limit for it, or a LimitRange of
// type Container in the namespace must default one. Only Deployments and StatefulSets are checked, as in KEDA.
// Pure: the webhook passes what it read from the cluster, `updraft validate` what it found in its input.
import { parseQuantity } from './values.ts';
import { gvkr, gvkString } from './gvkr.ts';
import type { Problem } from './problem.ts';
import type { ScaledObject } from './types.ts';

export interface WorkloadLike {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: {
    template?: { spec?: { containers?: Array<{ name?: string; resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } }> } };
  };
}
export interface LimitRangeLike {
  spec?: { limits?: Array<{ type?: string; default?: Record<string, unknown>; defaultRequest?: Record<string, unknown> }> };
}

const positive = (m: Record<string, unknown> | undefined, r: string): boolean => {
  const v = m?.[r];
  const n = typeof v === 'number' ? v : typeof v === 'string' ? parseQuantity(v) : undefined;
  return n !== undefined && n > 0;
};

/** The GVK strings KEDA looks the workload up for; any other kind is not checked. */
export function checkedWorkloadKind(so: ScaledObject): 'apps/v1.Deployment' | 'apps/v1.StatefulSet' | undefined {
  const g = gvkString(gvkr(so.spec.scaleTargetRef));
  return g === 'apps/v1.Deployment' || g === 'apps/v1.StatefulSet' ? g : undefined;
}

/** Whether the object has a cpu/memory trigger (and so needs the workload looked up). */
export function hasResourceTrigger(so: ScaledObject): boolean {
  return so.spec.triggers.some((t) => t.type === 'cpu' || t.type === 'memory');
}

/**
 * Problems for `so` given its workload (a Deployment or StatefulSet) and the namespace's LimitRanges. KEDA's
 * message; the first offending container of the first offending trigger (KEDA stops there too).
 */
export function verifyCpuMemoryRequests(so: ScaledObject, workload: WorkloadLike, limitRanges: readonly LimitRangeLike[]): Problem[] {
  const containers = workload.spec?.template?.spec?.containers ?? [];
  for (const [i, t] of so.spec.triggers.entries()) {
    if (t.type !== 'cpu' && t.type !== 'memory') continue;
    const resource = t.type;
    const only = t.metadata?.containerName;
    const defaulted = limitRanges.some((lr) =>
      (lr.spec?.limits ?? []).some((l) => l.type === 'Container' && (positive(l.defaultRequest, resource) || positive(l.default, resource))),
    );
    for (const c of containers) {
      if (only && c.name !== only) continue;
      if (positive(c.resources?.requests, resource) || positive(c.resources?.limits, resource) || defaulted) continue;
      return [
        {
          severity: 'error',
          object: `ScaledObject ${so.metadata.namespace}/${so.metadata.name}`,
          path: `spec.triggers[${i}]`,
          message: `the scaledobject has a ${resource} trigger but the container ${c.name ?? ''} doesn't have the ${resource} request defined`,
          fix: `set resources.requests.${resource} on container ${c.name ?? ''} of ${workload.kind ?? 'the workload'} ${workload.metadata?.name ?? so.spec.scaleTargetRef.name}, or a LimitRange (type Container) with a default ${resource} request in namespace ${so.metadata.namespace}`,
        },
      ];
    }
  }
  return [];
}
