// The replicas of Deployments and StatefulSets from one watch per kind, instead of a GET of `/scale` on every poll.
// KEDA reads them the same way: `pkg/scaling/resolver/scale_resolvers.go` GetCurrentReplicas gets Deployments and
// StatefulSets through controller-runtime's cached client (an informer), and only other kinds through `/scale`.
// Only what the operator reads is kept per object (replicas, the pod template's env sources), so memory stays
// bounded however large the workloads are.
import { GVR, type GroupVersionResource, type KubeClient, type KubeObject } from '../kube/client.ts';
import { ListWatch } from '../kube/list-watch.ts';

export interface CachedWorkload extends KubeObject {
  spec: {
    replicas?: number;
    /** The pod template's containers (name, env, envFrom) and service account: what trigger auth resolution reads. */
    template?: { spec?: { containers: unknown[]; serviceAccountName?: string } };
  };
  status?: { replicas?: number };
}

function slim(o: KubeObject): CachedWorkload {
  const spec = (o as { spec?: { replicas?: number; template?: { spec?: { containers?: Array<Record<string, unknown>>; serviceAccountName?: string } } } }).spec;
  const pod = spec?.template?.spec;
  return {
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      uid: o.metadata.uid,
      resourceVersion: o.metadata.resourceVersion,
      generation: o.metadata.generation,
    },
    spec: {
      ...(spec?.replicas !== undefined ? { replicas: spec.replicas } : {}),
      ...(pod
        ? {
            template: {
              spec: {
                containers: (pod.containers ?? []).map((c) => ({
                  name: c.name,
                  ...(c.env ? { env: c.env } : {}),
                  ...(c.envFrom ? { envFrom: c.envFrom } : {}),
                })),
                ...(pod.serviceAccountName ? { serviceAccountName: pod.serviceAccountName } : {}),
              },
            },
          }
        : {}),
    },
    status: { replicas: (o as { status?: { replicas?: number } }).status?.replicas ?? 0 },
  };
}

const key = (g: GroupVersionResource) => `${g.group}/${g.resource}`;

export class WorkloadWatch {
  private readonly watches = new Map<string, ListWatch<KubeObject>>();

  constructor(client: KubeClient, opts: { namespaces?: string[] } = {}) {
    for (const gvr of [GVR.deployments, GVR.statefulSets]) {
      this.watches.set(key(gvr), new ListWatch<KubeObject>(client, { gvr, namespaces: opts.namespaces, transform: slim }));
    }
  }

  start(): void {
    for (const w of this.watches.values()) w.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.watches.values()].map((w) => w.stop()));
  }

  waitForSync(timeoutMs: number): Promise<void> {
    return Promise.all([...this.watches.values()].map((w) => w.waitForSync(timeoutMs))).then(() => undefined);
  }

  /**
   * The workload from the watch: undefined when its kind is not watched (any other kind with `/scale`) or the watch
   * has not synced. `null` when the synced watch has no such object (not found).
   */
  get(gvr: GroupVersionResource, namespace: string, name: string): CachedWorkload | null | undefined {
    if (gvr.version !== 'v1') return undefined;
    const w = this.watches.get(key(gvr));
    if (!w || !w.hasSynced()) return undefined;
    return (w.get(namespace, name) as CachedWorkload | undefined) ?? null;
  }
}
