// A Kubernetes workload as a scale target, through its `/scale` subresource (KEDA
// `pkg/scaling/executor/scale_scaledobjects.go` `updateScaleOnScaleTarget`): any kind that
// exposes /scale works (Deployment, StatefulSet, Argo Rollout, custom resources).
import type { GroupVersionResource, KubeClient, KubeObject } from '../kube/client.ts';
import { GVR } from '../kube/client.ts';
import type { GetOptions, ReplicaCounts, ScaleTarget } from './scale-target.ts';
import type { WorkloadWatch } from './workload-watch.ts';

interface PodLike extends KubeObject {
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}

/** metrics.k8s.io/v1beta1 PodMetrics (served by metrics-server). */
const POD_METRICS: GroupVersionResource = { group: 'metrics.k8s.io', version: 'v1beta1', resource: 'pods' };

/** Running and Ready: the HPA's readyPods (Value targets, fallback). */
function isReady(p: PodLike): boolean {
  return p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

export class KubeScaleTarget implements ScaleTarget {
  readonly description: string;

  constructor(
    private readonly client: KubeClient,
    private readonly gvr: GroupVersionResource,
    private readonly kind: string,
    private readonly namespace: string,
    private readonly name: string,
    /** The operator's Deployment/StatefulSet watch: replicas without a request when no pod count is needed. */
    private readonly workloads?: Pick<WorkloadWatch, 'get'>,
  ) {
    this.description = `${kind} ${namespace}/${name}`;
  }

  /**
   * From the workload watch when it has the object and no pod count is needed (Deployments, StatefulSets), else
   * `/scale`; the pod list only when the decision uses the ready count (Value targets) or Resource metrics
   * are computed here (direct mode), and then also the pods' metrics.k8s.io/v1beta1 PodMetrics (what the HPA
   * controller reads, through the same /scale selector).
   */
  async get(_signal?: AbortSignal, opts: GetOptions = {}): Promise<ReplicaCounts> {
    const needPods = opts.readyPods !== false || opts.resources === true;
    const cached = needPods ? undefined : this.workloads?.get(this.gvr, this.namespace, this.name);
    // KEDA: a Deployment without spec.replicas counts as 1 (the API server's default), `pkg/scaling/resolver/scale_resolvers.go` GetCurrentReplicas.
    if (cached) return { replicas: cached.spec.replicas ?? 1, readyReplicas: cached.status?.replicas ?? 0 };
    const scale = await this.client.getScale(this.gvr, this.namespace, this.name);
    const selector = scale.status.selector;
    const pods = opts.readyPods !== false || opts.resources ? await this.listPods(selector) : undefined;
    const readyReplicas = pods ? pods.filter(isReady).length : scale.status.replicas;
    const counts: ReplicaCounts = { replicas: scale.spec.replicas, readyReplicas };
    if (opts.resources) counts.resources = await this.podMetrics(selector, pods ?? []);
    return counts;
  }

  async set(replicas: number): Promise<void> {
    await this.client.patchScale(this.gvr, this.namespace, this.name, replicas);
  }

  /** The pods matching the /scale selector (none without one, as the HPA: it cannot select). */
  private async listPods(selector: string | undefined): Promise<PodLike[]> {
    if (!selector) return [];
    return (await this.client.listAll<PodLike>(GVR.pods, { namespace: this.namespace, labelSelector: selector })).items;
  }

  private async podMetrics(selector: string | undefined, pods: PodLike[]): Promise<{ pods: unknown[]; podMetrics: unknown[] } | { error: string }> {
    if (!selector) return { error: `${this.description} has no label selector in its /scale status, so its pods cannot be selected` };
    try {
      const list = await this.client.listAll(POD_METRICS, { namespace: this.namespace, labelSelector: selector });
      return { pods, podMetrics: list.items };
    } catch (err) {
      return { error: `unable to fetch metrics from resource metrics API: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
}
