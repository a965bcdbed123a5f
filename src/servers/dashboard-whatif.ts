// What-if and cost for the dashboard. The recorded window of an object (dashboard-history.ts) becomes a metric
// series and is replayed through the same engine as `updraft simulate` (src/simulate/simulator.ts, which calls
// src/engine/*), with edited parameters: each trigger's target and activation threshold (written into the trigger's
// own metadata key, so the scaler's parser reads them as the operator would), cooldownPeriod, min/max replicas,
// pollingInterval and the HPA behavior. The result is the replica curve and replica-hours next to the recorded ones,
// and the edited ScaledObject as YAML.
import { stringify } from 'yaml';
import { parseScaledObject } from '../api/parse.ts';
import type { ScaledObject } from '../api/types.ts';
import { checkTriggerOffline, scalerDescriptors } from '../scalers/index.ts';
import { metadataKeys } from '../scalers/common/typed-config.ts';
import type { Series, SeriesValue } from '../simulate/series.ts';
import { simulate } from '../simulate/simulator.ts';
import { FLAG, type HistoryPoint, type ObjectHistory } from './dashboard-history.ts';
import { safeMetadata } from './dashboard-redact.ts';

export const WINDOW_MS = 3_600_000;

/** ∫ replicas dt over [since, until] in replica-hours, the recorded count holding until the next point. */
export function replicaHours(points: readonly Pick<HistoryPoint, 't' | 'replicas'>[], since: number, until: number): number {
  let sum = 0;
  for (let i = 0; i < points.length; i++) {
    const from = Math.max(points[i].t, since);
    const to = Math.min(i + 1 < points.length ? points[i + 1].t : until, until);
    if (to > from) sum += points[i].replicas * (to - from);
  }
  return sum / 3_600_000;
}

export interface CostView {
  /** Start of the window: the first recorded point in the last hour (ms). */
  since: number;
  until: number;
  hours: number;
  replicaHours: number;
  atMax: number;
  atMin: number;
  maxReplicaCount: number;
  minOrOne: number;
  /** replicaHours / atMax. */
  fractionOfMax: number;
}

export function costView(h: ObjectHistory, bounds: { min: number; max: number }, now: number, windowMs = WINDOW_MS): CostView | undefined {
  const points = h.points(now - windowMs);
  if (points.length === 0) return undefined;
  const since = points[0].t;
  const hours = Math.max(0, now - since) / 3_600_000;
  const actual = replicaHours(points, since, now);
  const minOrOne = Math.max(bounds.min, 1);
  const round = (v: number) => Math.round(v * 10_000) / 10_000;
  return {
    since,
    until: now,
    hours: round(hours),
    replicaHours: round(actual),
    atMax: round(bounds.max * hours),
    atMin: round(minOrOne * hours),
    maxReplicaCount: bounds.max,
    minOrOne,
    fractionOfMax: bounds.max * hours > 0 ? round(actual / (bounds.max * hours)) : 0,
  };
}

/** Which metadata key of a trigger holds its target and which its activation threshold (found by asking its parser). */
export interface TriggerTunables {
  index: number;
  type: string;
  targetKey?: string;
  activationKey?: string;
  target?: number;
  activationThreshold?: number;
}

// A whole number: integer fields (queueLength …) must parse it too.
const PROBE = '12345';
const probeCache = new Map<string, { targetKey?: string; activationKey?: string }>();

export function triggerTunables(so: ScaledObject): TriggerTunables[] {
  return so.spec.triggers.map((t, i) => {
    const base = checkTriggerOffline(t, i, so.metadata.namespace);
    const out: TriggerTunables = { index: i, type: t.type };
    if (!base.ok) return out;
    out.target = base.described.metricSpecs[0]?.target;
    out.activationThreshold = base.described.activationThreshold;
    const d = scalerDescriptors.get(t.type);
    if (!d || t.type === 'cpu' || t.type === 'memory') return out;
    const cacheKey = `${t.type}\0${JSON.stringify(t.metadata)}\0${t.metricType ?? ''}`;
    let keys = probeCache.get(cacheKey);
    if (!keys) {
      keys = {};
      for (const key of metadataKeys(d.fields)) {
        if (key.endsWith('FromEnv')) continue;
        const probed = checkTriggerOffline({ ...t, metadata: { ...t.metadata, [key]: PROBE } }, i, so.metadata.namespace);
        if (!probed.ok) continue;
        if (keys.targetKey === undefined && probed.described.metricSpecs[0]?.target === Number(PROBE)) keys.targetKey = key;
        if (keys.activationKey === undefined && probed.described.activationThreshold === Number(PROBE)) keys.activationKey = key;
      }
      probeCache.set(cacheKey, keys);
      if (probeCache.size > 1000) probeCache.delete(probeCache.keys().next().value as string);
    }
    return { ...out, ...keys };
  });
}

export interface WhatIfEdits {
  triggers?: Array<{ index: number; target?: number; activationThreshold?: number }>;
  minReplicaCount?: number;
  maxReplicaCount?: number;
  cooldownPeriod?: number;
  pollingInterval?: number;
  /** spec.advanced.horizontalPodAutoscalerConfig.behavior (an object), or null to remove it. */
  behavior?: Record<string, unknown> | null;
}

export class WhatIfError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

/** The ScaledObject as a manifest (what `kubectl apply` takes): the parsed spec without Updraft's bookkeeping. */
export function manifestOf(so: ScaledObject): Record<string, unknown> {
  const { explicit: _explicit, ...spec } = so.spec;
  const annotations = { ...(so.metadata.annotations ?? {}) };
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: {
      name: so.metadata.name,
      namespace: so.metadata.namespace,
      ...(so.metadata.labels && Object.keys(so.metadata.labels).length ? { labels: so.metadata.labels } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec: JSON.parse(JSON.stringify(spec)) as Record<string, unknown>,
  };
}

const nonNegInt = (what: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new WhatIfError(`${what} must be a whole number ≥ 0, got ${JSON.stringify(v)}`);
  return v;
};

/** The manifest with the edits applied, parsed by the same parser as the operator's (problems → WhatIfError). */
export function editedScaledObject(so: ScaledObject, edits: WhatIfEdits): { so: ScaledObject; manifest: Record<string, unknown> } {
  const manifest = manifestOf(so);
  const spec = manifest.spec as Record<string, unknown> & {
    triggers: Array<{ type: string; metadata: Record<string, string> }>;
    advanced?: Record<string, unknown>;
  };
  if (edits.minReplicaCount !== undefined) spec.minReplicaCount = nonNegInt('minReplicaCount', edits.minReplicaCount);
  if (edits.maxReplicaCount !== undefined) spec.maxReplicaCount = nonNegInt('maxReplicaCount', edits.maxReplicaCount);
  if (edits.cooldownPeriod !== undefined) spec.cooldownPeriod = nonNegInt('cooldownPeriod', edits.cooldownPeriod);
  if (edits.pollingInterval !== undefined) spec.pollingInterval = Math.max(1, nonNegInt('pollingInterval', edits.pollingInterval));
  if (edits.behavior !== undefined) {
    const advanced = (spec.advanced ??= {}) as Record<string, unknown>;
    const hpaConfig = (advanced.horizontalPodAutoscalerConfig ??= {}) as Record<string, unknown>;
    if (edits.behavior === null) delete hpaConfig.behavior;
    else if (typeof edits.behavior !== 'object' || Array.isArray(edits.behavior))
      throw new WhatIfError('behavior must be an object (HorizontalPodAutoscalerBehavior)');
    else hpaConfig.behavior = edits.behavior;
  }
  const tunables = triggerTunables(so);
  for (const e of edits.triggers ?? []) {
    const t = spec.triggers[e.index];
    const tun = tunables[e.index];
    if (!t || !tun) throw new WhatIfError(`no spec.triggers[${e.index}]`);
    const set = (key: string | undefined, what: string, v: number | undefined) => {
      if (v === undefined) return;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new WhatIfError(`spec.triggers[${e.index}] ${what} must be a number ≥ 0`);
      if (!key) throw new WhatIfError(`spec.triggers[${e.index}] (${t.type}): its ${what} cannot be edited here (no metadata key sets it)`);
      t.metadata = { ...t.metadata, [key]: String(v) };
    };
    set(tun.targetKey, 'target', e.target);
    set(tun.activationKey, 'activation threshold', e.activationThreshold);
  }
  const parsed = parseScaledObject(manifest);
  if (!parsed.ok) {
    const problems = parsed.problems.filter((p) => p.severity === 'error').map((p) => `${p.path}: ${p.message}`);
    throw new WhatIfError(`the edited ScaledObject is invalid: ${problems.join('; ')}`, problems);
  }
  return { so: parsed.value, manifest };
}

/** The recorded window as a simulate series: one column per metric, t in seconds from the first point. */
export function recordedSeries(h: ObjectHistory, points: readonly HistoryPoint[]): Series {
  const t0 = points[0]?.t ?? 0;
  // `s<index>` (what simulate matches first after a trigger name) unless a trigger has several metrics.
  const columns = h.triggers.map((t) => (h.triggers.filter((x) => x.index === t.index).length === 1 ? `s${t.index}` : t.metricName));
  const map = new Map<string, Array<{ t: number; v: SeriesValue }>>();
  h.triggers.forEach((_, k) => {
    map.set(
      columns[k],
      points.map((p) => ({ t: (p.t - t0) / 1000, v: Number.isFinite(p.values[k]) ? p.values[k] : 'error' })),
    );
  });
  const end = points.length ? (points[points.length - 1].t - t0) / 1000 : 0;
  return { columns, points: map, end };
}

export interface Curve {
  /** ms since epoch. */
  t: number[];
  replicas: number[];
}

export interface WhatIfResult {
  since: number;
  until: number;
  mode: 'hpa' | 'direct';
  actual: Curve & { replicaHours: number };
  replay: Curve & { replicaHours: number; activations: number; deactivations: number; scaleChanges: number; maxReplicas: number };
  /** The same replay with the parameters as they are: how closely the engine reproduces the recorded curve. */
  baseline: { replicaHours: number };
  cost: { atMax: number; atMin: number; maxReplicaCount: number; minOrOne: number };
  /** The edited ScaledObject, credential-like metadata redacted. */
  yaml: string;
  notes: string[];
}

/** Replay the last hour of `h` through the engine with `edits`; `so` is the object as it runs. */
export function whatIf(
  so: ScaledObject,
  h: ObjectHistory,
  edits: WhatIfEdits,
  now: number,
  opts: { hpaSyncSeconds?: number; windowMs?: number } = {},
): WhatIfResult {
  const points = h.points(now - (opts.windowMs ?? WINDOW_MS));
  if (points.length === 0) throw new WhatIfError('nothing recorded yet for this object: wait for a poll');
  const mode = h.mode === 'hpa' ? 'hpa' : 'direct';
  const since = points[0].t;
  const durationSeconds = Math.max(1, (now - since) / 1000);
  const series = recordedSeries(h, points);
  const { so: edited, manifest } = editedScaledObject(so, edits);
  const options = { mode, startReplicas: points[0].replicas, durationSeconds, hpaSyncSeconds: opts.hpaSyncSeconds ?? 15, readyDelaySeconds: 0 } as const;
  let result;
  let baseline;
  try {
    result = simulate(edited, series, options);
    baseline = simulate(so, series, { ...options, record: false });
  } catch (err) {
    throw new WhatIfError((err as Error).message);
  }
  // One point per replica change (plus the ends) keeps the curve small.
  const replay: Curve = { t: [], replicas: [] };
  for (const s of result.steps) {
    if (replay.replicas.length && replay.replicas[replay.replicas.length - 1] === s.replicas) continue;
    replay.t.push(since + s.t * 1000);
    replay.replicas.push(s.replicas);
  }
  replay.t.push(now);
  replay.replicas.push(result.summary.finalReplicas);
  const actual: Curve = { t: points.map((p) => p.t), replicas: points.map((p) => p.replicas) };
  const hours = durationSeconds / 3600;
  const notes: string[] = [];
  if (h.triggers.some((t) => t.kind === 'Resource')) notes.push('cpu/memory triggers are not recorded per pod: the replay reads them as failed reads');
  if (points.some((p) => p.flags & FLAG.error)) notes.push('some recorded reads failed: the replay sees the same failures');
  const s = manifest.spec as { triggers: Array<{ type: string; metadata?: Record<string, string> }> };
  for (const t of s.triggers) t.metadata = safeMetadata(t.type, t.metadata);
  const minOrOne = Math.max(edited.spec.minReplicaCount, 1);
  const r4 = (v: number) => Math.round(v * 10_000) / 10_000;
  return {
    since,
    until: now,
    mode,
    actual: { ...actual, replicaHours: r4(replicaHours(points, since, now)) },
    replay: {
      ...replay,
      replicaHours: r4(result.summary.replicaHours),
      activations: result.summary.activations,
      deactivations: result.summary.deactivations,
      scaleChanges: result.summary.scaleChanges,
      maxReplicas: result.summary.maxReplicas,
    },
    baseline: { replicaHours: r4(baseline.summary.replicaHours) },
    cost: { atMax: r4(edited.spec.maxReplicaCount * hours), atMin: r4(minOrOne * hours), maxReplicaCount: edited.spec.maxReplicaCount, minOrOne },
    yaml: stringify(manifest),
    notes,
  };
}
