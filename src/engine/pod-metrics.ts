// From the Kubernetes objects the HPA reads to the engine's pod samples: the target's pods (the /scale selector's
// pod list) and their metrics.k8s.io/v1beta1 PodMetrics. Exactly what kube-controller-manager does before the
// replica maths (pkg/controller/podautoscaler/metrics/client.go `getPodMetrics` / `getContainerMetrics`,
// replica_calculator.go `calculateRequests`), so direct mode and hpa mode see the same pods. Pure.
import { parseKubeQuantity, quantityMilliValue } from '../api/quantity.ts';
import { parseGoDuration } from '../api/values.ts';
import { GO_ZERO_TIME, type PodSample } from './hpa-replicas.ts';

/** The fields of a core/v1 Pod the HPA reads. */
export interface RawPod {
  metadata: { name: string; deletionTimestamp?: string | null };
  spec?: {
    containers?: RawContainer[];
    initContainers?: RawContainer[];
    /** Pod-level resources (KEP-2837). */
    resources?: { requests?: Record<string, string> };
  };
  status?: { phase?: string; startTime?: string | null; conditions?: Array<{ type: string; status: string; lastTransitionTime?: string | null }> };
}
interface RawContainer {
  name: string;
  restartPolicy?: string;
  resources?: { requests?: Record<string, string> };
}

/** The fields of a metrics.k8s.io/v1beta1 PodMetrics. */
export interface RawPodMetrics {
  metadata: { name: string };
  timestamp?: string;
  window?: string;
  containers?: Array<{ name: string; usage?: Record<string, string> }>;
}

export type ResourcePods = { pods: PodSample[]; extraSamples: Array<{ name: string; usage: number }> } | { error: string };

const milliOf = (q: string | undefined): number | undefined => {
  const p = q === undefined ? undefined : parseKubeQuantity(q);
  return p ? Number(quantityMilliValue(p)) / 1000 : undefined;
};
const time = (t: string | null | undefined): number | undefined => {
  if (!t) return undefined;
  const n = Date.parse(t);
  return Number.isFinite(n) ? n : undefined;
};

/** PodMetrics → usage per pod name (`getPodMetrics`: all containers must report it; `getContainerMetrics`: that one). */
export function podUsage(
  items: readonly RawPodMetrics[],
  resource: 'cpu' | 'memory',
  container?: string,
): Map<string, { usage: number; timestamp: number; windowMs: number }> {
  const out = new Map<string, { usage: number; timestamp: number; windowMs: number }>();
  for (const m of items) {
    const at = { timestamp: time(m.timestamp) ?? GO_ZERO_TIME, windowMs: parseGoDuration(m.window ?? '') ?? 0 };
    const containers = m.containers ?? [];
    if (container) {
      const c = containers.find((x) => x.name === container);
      const v = milliOf(c?.usage?.[resource]);
      if (v !== undefined) out.set(m.metadata.name, { usage: v, ...at });
      continue;
    }
    if (containers.length === 0) continue;
    let sum = 0;
    let missing = false;
    for (const c of containers) {
      const v = milliOf(c.usage?.[resource]);
      if (v === undefined) {
        missing = true;
        break;
      }
      sum += v;
    }
    if (!missing) out.set(m.metadata.name, { usage: Math.round(sum * 1000) / 1000, ...at });
  }
  return out;
}

/** `calculateRequests` for one pod: pod-level requests (without a container), else the containers' (and restartable init containers'). */
export function podRequest(pod: RawPod, resource: 'cpu' | 'memory', container?: string): { request: number } | { error: string } {
  const name = pod.metadata.name;
  const podLevel = pod.spec?.resources?.requests;
  if (!container && podLevel && (podLevel.cpu !== undefined || podLevel.memory !== undefined)) {
    const v = milliOf(podLevel[resource]);
    return v === undefined ? { error: `missing pod-level request for ${resource} in Pod ${name}` } : { request: v };
  }
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  let milli = 0;
  for (const c of containers) {
    if (container && c.name !== container) continue;
    const v = milliOf(c.resources?.requests?.[resource]);
    if (v === undefined) return { error: `missing request for ${resource} in container ${c.name} of Pod ${name}` };
    milli += Math.round(v * 1000);
    if (container) return { request: milli / 1000 };
  }
  if (container) return { error: `container ${container} not found in Pod ${name}` };
  return { request: milli / 1000 };
}

const PHASES = new Set(['Running', 'Pending', 'Failed', 'Succeeded', 'Unknown']);

/**
 * The engine's view of a Resource metric from the pod list and the PodMetrics list. An empty PodMetrics list is the
 * HPA's "no metrics returned from resource metrics API" (the metric is invalid this sync).
 */
export function resourcePods(pods: readonly RawPod[], podMetrics: readonly RawPodMetrics[], resource: 'cpu' | 'memory', container?: string): ResourcePods {
  if (podMetrics.length === 0) return { error: `unable to get metrics for resource ${resource}: no metrics returned from resource metrics API` };
  const usage = podUsage(podMetrics, resource, container);
  const listed = new Set(pods.map((p) => p.metadata.name));
  const samples = pods.map((p): PodSample => {
    const cond = p.status?.conditions?.find((c) => c.type === 'Ready');
    const status = cond?.status === 'True' || cond?.status === 'False' ? cond.status : 'Unknown';
    const u = usage.get(p.metadata.name);
    const r = podRequest(p, resource, container);
    const startTime = time(p.status?.startTime);
    return {
      name: p.metadata.name,
      phase: PHASES.has(p.status?.phase ?? '') ? (p.status!.phase as PodSample['phase']) : 'Unknown',
      ready: status === 'True',
      readiness: {
        ...(cond ? { condition: { status, lastTransitionTime: time(cond.lastTransitionTime) ?? GO_ZERO_TIME } } : {}),
        ...(startTime !== undefined ? { startTime } : {}),
      },
      ...(p.metadata.deletionTimestamp ? { deleting: true } : {}),
      ...(u ? { usage: u.usage, sample: { timestamp: u.timestamp, windowMs: u.windowMs } } : {}),
      ...('request' in r ? { request: r.request } : { requestError: r.error }),
    };
  });
  const extraSamples = [...usage].filter(([n]) => !listed.has(n)).map(([name, u]) => ({ name, usage: u.usage }));
  return { pods: samples, extraSamples };
}
