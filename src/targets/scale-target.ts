// Where replicas live. The runtime talks to every kind of target through this one interface: a Kubernetes
// workload's `/scale` subresource, or a local process pool (`updraft up`).

export interface ReplicaCounts {
  /** Desired replicas (`spec.replicas`; KEDA treats nil as 1 for Deployments, `pkg/scaling/resolver/scale_resolvers.go` `GetCurrentReplicas`). */
  replicas: number;
  /**
   * Pods (or processes) that are running and ready: the HPA's `readyPods` for Value targets and fallback. When the
   * caller said it needs no ready count (`get({ readyPods: false })`), a target may skip counting and report
   * status.replicas here.
   */
  readyReplicas: number;
  /**
   * Asked for with `get({ resources: true })` (direct mode with cpu/memory triggers): the target's pods and their
   * metrics.k8s.io PodMetrics as the API returned them, or why they could not be read.
   */
  resources?: { pods: unknown[]; podMetrics: unknown[] } | { error: string };
}

export interface GetOptions {
  signal?: AbortSignal;
  /** Count ready pods (a pod list on Kubernetes); default true. */
  readyPods?: boolean;
  /** Also read the pods and their PodMetrics (Resource metrics in direct mode); default false. */
  resources?: boolean;
}

export interface ScaleTarget {
  /** "<Kind> <namespace>/<name>", for reasons, Events and logs. */
  readonly description: string;
  get(signal?: AbortSignal, opts?: GetOptions): Promise<ReplicaCounts>;
  /** Set the desired replica count (only called when it differs from the current one). */
  set(replicas: number, signal?: AbortSignal): Promise<void>;
}
