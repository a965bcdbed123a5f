// A Kubernetes workload as a scale target, through its `/scale` subresource (KEDA `pkg/scaling/executor/scale_scaledobjects.go` `updateScaleOnScaleTarget`): any kind that
// exposes /scale works (Deployment, StatefulSet, Argo Rollout, custom resources).
import type { GroupVersionResource, KubeClient, KubeObject } from '../kube/client.ts';
import { GVR } from '../kube/client.ts';
import type { GetOptions, ReplicaCounts, ScaleTarget } from './scale-target.ts';

interface PodLike extends KubeObject {
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}

export class KubeScaleTarget implements ScaleTarget {
  readonly description: string;

  constructor(
    private readonly client: KubeClient,
    private readonly gvr: GroupVersionResource,
    private readonly kind: string,
    private readonly namespace: string,
    private readonly name: string,
  ) {
    this.description = `${kind} ${namespace}/${name}`;
  }

  /** `/scale` always; the pod list only when the decision uses the ready count (Value targets). */
  async get(_signal?: AbortSignal, opts: GetOptions = {}): Promise<ReplicaCounts> {
    const scale = await this.client.getScale(this.gvr, this.namespace, this.name);
    const readyReplicas = opts.readyPods === false ? scale.status.replicas : await this.readyPods(scale.status.selector);
    return { replicas: scale.spec.replicas, readyReplicas };
  }

  async set(replicas: number): Promise<void> {
    await this.client.patchScale(this.gvr, this.namespace, this.name, replicas);
  }

  /** Running and Ready pods matching the /scale selector: the HPA's readyPods (Value targets, fallback). */
  private async readyPods(selector: string | undefined): Promise<number> {
    if (!selector) return 0;
    const pods = await this.client.listAll<PodLike>(GVR.pods, { namespace: this.namespace, labelSelector: selector });
    return pods.items.filter((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  }
}
