// `kubernetes-workload`: scale on the number of pods of the ScaledObject's namespace that match a label selector
// (KEDA pkg/scalers/kubernetes_workload_scaler.go).
//
// KEDA's semantics, kept here:
//  - `podSelector` (required) is a Kubernetes label selector (equality and set-based, apimachinery labels.Parse);
//  - `value` (default 0) must be greater than 0: it is the target per replica (AverageValue, or Value);
//  - a pod counts unless its phase is Succeeded or Failed (Pending, Running, Unknown and no phase yet all count);
//  - `groupByNode: true` counts the distinct nodes the counted pods are scheduled on (unscheduled pods add none);
//  - active when the count is strictly greater than `activationValue` (default 0);
//  - the metric is named `s<index>-workload-<namespace>`.
// Where Updraft differs: KEDA lists the pods through its informer cache on every poll; here the reader asks a pod
// watch (PodWatcher, supplied by the operator) that keeps the matching pods current, one watch per
// (namespace, selector) shared by every trigger that uses it. Only the operator has a cluster to watch: elsewhere
// (`updraft up`, `probe`) a read says so.
import { formatLabelSelector, LabelSelectorError, parseLabelSelector } from '../api/label-selector.ts';
import { truncate } from '../api/problem.ts';
import { externalMetricSpec } from './common/metric-target.ts';
import { bool, float, resolveConfig, str } from './common/typed-config.ts';
import { ConfigError, defineScaler, ReadError, type ParseInput, type PodWatch, type RawReading, type TriggerReader, type WatchedPod } from './scaler.ts';

export const TYPE = 'kubernetes-workload';

// ---- 1. the typed config ----

const fields = {
  /** Label selector of the pods to count, in the ScaledObject's namespace (e.g. `app=worker`, `tier in (a,b)`). */
  podSelector: str(),
  /** Target pods per replica (HPA AverageValue); must be greater than 0. */
  value: float({ default: 0 }),
  /** Active when the count is strictly greater. */
  activationValue: float({ default: 0 }),
  /** Count the distinct nodes the counted pods run on instead of the pods. */
  groupByNode: bool({ default: false }),
};

export interface KubernetesWorkloadConfig {
  /** The selector in apimachinery's canonical form (requirements sorted by key): the watch is keyed by it. */
  podSelector: string;
  value: number;
  activationValue: number;
  groupByNode: boolean;
  /** The ScaledObject's (or ScaledJob's) namespace: where the pods are counted, and part of the metric name. */
  namespace: string;
}

// ---- 2. parse ----

/** A trigger parsed without its object (a namespace-less manifest) counts in Kubernetes' default namespace. */
const DEFAULT_NAMESPACE = 'default';

export function parse(input: ParseInput): KubernetesWorkloadConfig {
  const c = resolveConfig(TYPE, fields, input);
  let podSelector: string;
  try {
    podSelector = formatLabelSelector(parseLabelSelector(c.podSelector));
  } catch (e) {
    if (!(e instanceof LabelSelectorError)) throw e;
    throw new ConfigError(
      TYPE,
      'podSelector',
      `error parsing pod selector: ${e.message}; podSelector must be a label selector such as "app=worker" or "app in (a,b)", got '${truncate(c.podSelector)}'`,
    );
  }
  // KEDA kubernetesWorkloadMetadata.Validate. (KEDA waives it for a trigger used only as a scalingModifiers
  // source; Updraft always asks, as the HPA would reject a target of 0.)
  if (!(c.value > 0)) throw new ConfigError(TYPE, 'value', `value must be a float greater than 0, got '${c.value}'`);
  return { podSelector, value: c.value, activationValue: c.activationValue, groupByNode: c.groupByNode, namespace: input.namespace || DEFAULT_NAMESPACE };
}

// ---- 3. the value ----

/** KEDA shouldCountPod: every phase but Succeeded and Failed. */
export function counted(pod: WatchedPod): boolean {
  return pod.phase !== 'Succeeded' && pod.phase !== 'Failed';
}

/** KEDA getMetricValue: the counted pods, or (groupByNode) the distinct nodes the counted, scheduled pods are on. */
export function workloadValue(pods: readonly WatchedPod[], groupByNode: boolean): number {
  if (!groupByNode) return pods.filter(counted).length;
  const nodes = new Set<string>();
  for (const p of pods) if (counted(p) && p.nodeName) nodes.add(p.nodeName);
  return nodes.size;
}

// ---- 4. the reader ----

export const NO_CLUSTER = `${TYPE}: counting pods needs the operator on a cluster (\`updraft operator\`); \`updraft up\` and \`probe\` have no pods to watch`;

/** Opens the pod watch on the first read (no I/O before it), counts from it on every read, gives it back on close. */
export function workloadReader(config: KubernetesWorkloadConfig, metricName: string, open: (() => PodWatch) | undefined): TriggerReader {
  let watch: PodWatch | undefined;
  let closed = false;
  return {
    async read(signal): Promise<RawReading> {
      if (!open) throw new ReadError('other', NO_CLUSTER);
      if (closed) throw new ReadError('other', `${TYPE}: the reader is closed`);
      watch ??= open();
      const pods = await watch.pods(signal);
      return { metrics: [{ name: metricName, value: workloadValue(pods, config.groupByNode) }] };
    },
    async close() {
      closed = true;
      watch?.close();
      watch = undefined;
    },
  };
}

export const descriptor = defineScaler<KubernetesWorkloadConfig>({
  type: TYPE,
  fields,
  example: { metadata: { podSelector: 'app=worker', value: '2' } },
  parse,
  metricSpecs: (config, triggerIndex, metricType) => externalMetricSpec(triggerIndex, `workload-${config.namespace}`, config.value, TYPE, metricType),
  activationThreshold: (config) => config.activationValue,
  createReader: (config, ctx) => {
    const watcher = ctx.podWatcher;
    return workloadReader(config, ctx.metricSpecs[0].metricName, watcher ? () => watcher(config.namespace, config.podSelector) : undefined);
  },
});
