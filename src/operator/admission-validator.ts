// The admission decisions (KEDA `apis/keda/v1alpha1/*_webhook.go`): the object's own rules (api/validate.ts), the scalingModifiers
// formula (engine/formula.ts), and the checks that need the cluster — another ScaledObject on the same workload or
// HPA name, and an HPA that already drives the workload (with the transfer-hpa-ownership escape hatch).
import { parseKedaObject } from '../api/parse.ts';
import type { Problem } from '../api/problem.ts';
import { ANNOTATION_HPA_OWNERSHIP_VALIDATION, ANNOTATION_TRANSFER_HPA_OWNERSHIP, type KedaObject, type ScaledObject } from '../api/types.ts';
import { gvkr, gvkString, validateObject, validateSet } from '../api/validate.ts';
import { checkedWorkloadKind, hasResourceTrigger, verifyCpuMemoryRequests, type LimitRangeLike, type WorkloadLike } from '../api/cpu-memory-requests.ts';
import { validateScalingModifiers } from '../engine/formula.ts';
import { triggerProblems } from '../scalers/trigger-problems.ts';
import { GVR, type KubeClient, type KubeObject } from '../kube/client.ts';
import type { AdmissionRequestInfo, AdmissionValidator, ValidationResult } from '../servers/admission-webhook.ts';

interface HpaLike extends KubeObject {
  spec?: { scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string } };
}

/** Cluster lookups the cross-object checks need (the operator passes its client; tests may pass a real one too). */
export interface AdmissionLookups {
  scaledObjects(namespace: string): Promise<KedaObject[]>;
  hpas(namespace: string): Promise<HpaLike[]>;
  /** The scale target (Deployment or StatefulSet), for cpu/memory triggers; throws when it cannot be read (KEDA denies then). */
  workload?(namespace: string, kind: 'apps/v1.Deployment' | 'apps/v1.StatefulSet', name: string): Promise<WorkloadLike>;
  limitRanges?(namespace: string): Promise<LimitRangeLike[]>;
}

export function clusterLookups(client: KubeClient): AdmissionLookups {
  return {
    async scaledObjects(namespace) {
      const list = await client.listAll(GVR.scaledObjects, { namespace });
      return list.items.flatMap((raw) => {
        const p = parseKedaObject(raw);
        return p && p.ok ? [p.value] : [];
      });
    },
    async hpas(namespace) {
      return (await client.listAll<HpaLike>(GVR.hpas, { namespace })).items;
    },
    async workload(namespace, kind, name) {
      return client.get<KubeObject & WorkloadLike>(kind === 'apps/v1.Deployment' ? GVR.deployments : GVR.statefulSets, namespace, name);
    },
    async limitRanges(namespace) {
      // KEDA: a failed list counts as no LimitRange.
      return client.listAll<KubeObject & LimitRangeLike>(GVR.limitRanges, { namespace }).then(
        (l) => l.items,
        () => [],
      );
    },
  };
}

function format(p: Problem): string {
  return `${p.path ? `${p.path}: ` : ''}${p.message}${p.fix ? ` (fix: ${p.fix})` : ''}`;
}

export interface AdmissionOptions {
  /**
   * Deny objects whose trigger metadata the operator would refuse when it builds the scaler (chart value
   * `webhooks.strictTriggers`). Off by default: KEDA's webhook does not parse trigger metadata, so these are
   * returned as warnings (kubectl prints them) and the object is admitted, as KEDA would admit it.
   */
  strictTriggers?: boolean;
}

export class KedaAdmissionValidator implements AdmissionValidator {
  constructor(
    private readonly lookups: AdmissionLookups,
    private readonly options: AdmissionOptions = {},
  ) {}

  async validate(req: AdmissionRequestInfo): Promise<ValidationResult> {
    if (req.kind === 'CloudEventSource' || req.kind === 'ClusterCloudEventSource') return { allowed: true };
    const parsed = parseKedaObject(req.object);
    if (!parsed) return { allowed: true };
    if (!parsed.ok) {
      const errors = parsed.problems.filter((p) => p.severity === 'error');
      return { allowed: false, message: `${errors[0]?.object ?? req.kind}: ${errors.map(format).join('; ')}`, reason: 'invalid-spec' };
    }
    const obj = parsed.value;
    const problems: Problem[] = [...parsed.warnings, ...validateObject(obj)];
    if (obj.kind === 'ScaledObject') {
      for (const m of validateScalingModifiers(obj))
        problems.push({ severity: 'error', object: `ScaledObject ${obj.metadata.namespace}/${obj.metadata.name}`, path: m.path, message: m.message });
      problems.push(...(await this.clusterProblems(obj)));
      if (!req.dryRun) problems.push(...(await this.cpuMemoryProblems(obj)));
    }
    if (obj.kind === 'ScaledObject' || obj.kind === 'ScaledJob') {
      for (const p of triggerProblems(obj)) {
        if (p.severity === 'note') continue;
        if (problems.some((q) => q.severity === 'error' && q.path === p.path)) continue;
        problems.push(p.severity === 'error' && !this.options.strictTriggers ? { ...p, severity: 'warning' } : p);
      }
    }
    const errors = problems.filter((p) => p.severity === 'error');
    const warnings = problems.filter((p) => p.severity === 'warning').map(format);
    if (errors.length > 0) return { allowed: false, message: `${errors[0].object}: ${errors.map(format).join('; ')}`, warnings };
    return { allowed: true, warnings };
  }

  /** KEDA `verifyCPUMemoryScalers` (skipped on dry runs, as in KEDA): the target's containers request the resource. */
  private async cpuMemoryProblems(so: ScaledObject): Promise<Problem[]> {
    const kind = checkedWorkloadKind(so);
    if (!hasResourceTrigger(so) || !kind || !this.lookups.workload) return [];
    const ns = so.metadata.namespace;
    let workload: WorkloadLike;
    try {
      workload = await this.lookups.workload(ns, kind, so.spec.scaleTargetRef.name);
    } catch (e) {
      return [
        {
          severity: 'error',
          object: `ScaledObject ${ns}/${so.metadata.name}`,
          path: 'spec.scaleTargetRef.name',
          message: `cannot check the cpu/memory requests of ${kind} ${ns}/${so.spec.scaleTargetRef.name}: ${e instanceof Error ? e.message : String(e)}`,
          fix: 'create the workload before the ScaledObject',
        },
      ];
    }
    return verifyCpuMemoryRequests(so, workload, (await this.lookups.limitRanges?.(ns)) ?? []);
  }

  private async clusterProblems(so: ScaledObject): Promise<Problem[]> {
    const ns = so.metadata.namespace;
    const others = (await this.lookups.scaledObjects(ns)).filter((o) => !(o.kind === 'ScaledObject' && o.metadata.name === so.metadata.name));
    // Existing objects first, ours last: validateSet reports the later duplicate, i.e. the object being admitted.
    const problems = validateSet([...others, so]).filter((p) => p.object === `ScaledObject ${ns}/${so.metadata.name}` && p.severity === 'error');
    const target = gvkr(so.spec.scaleTargetRef);
    const gvk = gvkString(target);
    for (const hpa of await this.lookups.hpas(ns)) {
      const ref = hpa.spec?.scaleTargetRef;
      if (!ref || ref.name !== so.spec.scaleTargetRef.name) continue;
      if (gvkString(gvkr({ apiVersion: ref.apiVersion ?? '', kind: ref.kind ?? '' })) !== gvk) continue;
      if (hpa.metadata.annotations?.[ANNOTATION_HPA_OWNERSHIP_VALIDATION] === 'false') continue;
      if (hpa.metadata.ownerReferences?.some((r) => r.kind === 'ScaledObject' && r.name === so.metadata.name)) continue;
      const transfer = so.metadata.annotations[ANNOTATION_TRANSFER_HPA_OWNERSHIP] === 'true';
      if (transfer && so.spec.advanced.horizontalPodAutoscalerConfig?.name === hpa.metadata.name) continue;
      problems.push({
        severity: 'error',
        object: `ScaledObject ${ns}/${so.metadata.name}`,
        path: transfer ? 'spec.advanced.horizontalPodAutoscalerConfig.name' : 'spec.scaleTargetRef.name',
        message: transfer
          ? `the existing hpa '${hpa.metadata.name}' for workload '${so.spec.scaleTargetRef.name}' of type '${gvk}' must be specified by name in advanced settings to enable ownership transfer`
          : `the workload '${so.spec.scaleTargetRef.name}' of type '${gvk}' is already managed by the hpa '${hpa.metadata.name}'`,
        fix: transfer
          ? `set spec.advanced.horizontalPodAutoscalerConfig.name: ${hpa.metadata.name}`
          : `delete that HPA, or take it over with annotation ${ANNOTATION_TRANSFER_HPA_OWNERSHIP}: "true" and spec.advanced.horizontalPodAutoscalerConfig.name: ${hpa.metadata.name}`,
      });
    }
    return problems;
  }
}
