// Why a ScaledObject's workload has the replicas it has, as data: read from the cluster (the ScaledObject, its
// target's /scale, the generated HPA, the Events) and put together with what the operator would parse (each
// trigger's metric, target and activation threshold) and the HPA maths that turn a metric into a replica count
// (src/engine/hpa-replicas.ts). `updraft explain` renders it as text or JSON (src/cli/explain.ts); a dashboard can
// serve the same report. Times stay RFC 3339 strings, as read: the reader says "2m ago" against its own clock.
import { LAST_SCALE_CONDITION, parseLastScaleMessage } from '../api/keda-reasons.ts';
import { parseScaledObject } from '../api/parse.ts';
import { ANNOTATION_UPDRAFT_MODE } from '../api/types.ts';
import { isPaused, isPausedScaleIn, isPausedScaleOut, pausedReplicas } from '../api/pause.ts';
import { parseQuantity } from '../api/values.ts';
import { DEFAULT_TOLERANCE, externalAverageValueReplicas, externalValueReplicas } from '../engine/hpa-replicas.ts';
import { GVR, isNotFound, type KubeClient, type KubeObject } from '../kube/client.ts';
import { checkTriggerOffline } from '../scalers/index.ts';

export interface ExplainCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface ExplainTrigger {
  index: number;
  type: string;
  name?: string;
  /** As the operator names it (`s<index>-…`); from the status when the trigger does not parse offline. */
  metricName: string;
  /** What the operator would parse; `invalid` says why it would not. */
  target?: number;
  targetType?: string;
  activationThreshold?: number;
  invalid?: string;
  /** status.triggersActivity; undefined when the operator has not written it. */
  active?: boolean;
}

/** One External metric of the HPA: its target, the HPA's current value, and the replicas the HPA maths give. */
export interface ExplainHpaMetric {
  metricName: string;
  targetType: string;
  target?: number;
  /** No current value (yet): the HPA's ScalingActive condition says why. */
  current?: { type: 'AverageValue'; perPod: number; total: number } | { type: 'Value'; value: number };
  /** The HPA algorithm on the current value: the replicas and why, or why it cannot compute them. */
  result?: { ok: true; replicas: number; reason: string } | { ok: false; error: string };
}

export type ExplainHpa =
  | { name: string; found: false; missing: boolean; error?: string }
  | {
      name: string;
      found: true;
      minReplicas: number;
      maxReplicas: number;
      currentReplicas?: number;
      desiredReplicas?: number;
      lastScaleTime?: string;
      metrics: ExplainHpaMetric[];
      conditions: ExplainCondition[];
      /** spec.behavior is set; without it scale-down waits for the 300 s stabilization window. */
      behavior: boolean;
    };

export interface ExplainEvent {
  /** lastTimestamp or eventTime. */
  at?: string;
  type?: string;
  /** ScaledObject or HorizontalPodAutoscaler. */
  involvedKind?: string;
  reason?: string;
  count?: number;
  message?: string;
}

export interface ExplainReportBase {
  kind: 'ScaledObject';
  namespace: string;
  name: string;
  /** When the report was read (RFC 3339). */
  readAt: string;
}

/** The object does not parse: what is wrong, and nothing else. */
export interface InvalidExplainReport extends ExplainReportBase {
  valid: false;
  problems: Array<{ path: string; message: string; fix?: string }>;
}

export interface ExplainReport extends ExplainReportBase {
  valid: true;
  target: { apiVersion: string; kind: string; name: string };
  /**
   * The object's `updraft.dev/mode` annotation when set; else hpa when the status names an HPA, direct when the object
   * is Ready without one (a Ready hpa-mode object always has its HPA recorded), and unknown otherwise (the operator's
   * default mode is not visible from the cluster).
   */
  mode: 'hpa' | 'direct' | 'unknown';
  hpaName?: string;
  bounds: { minReplicaCount: number; maxReplicaCount: number; idleReplicaCount?: number; pollingIntervalSeconds: number; cooldownPeriodSeconds: number };
  lastActiveTime?: string;
  /** Pause annotations in effect: paused, paused-replicas, paused-scale-in, paused-scale-out. */
  pause: { paused: boolean; pausedReplicas?: { replicas: number } | { error: string }; scaleIn: boolean; scaleOut: boolean };
  /** The target's /scale (absent when the status has no scaleTargetGVKR yet). */
  scale?: { ok: true; specReplicas: number; statusReplicas: number; originalReplicaCount?: number } | { ok: false; error: string };
  /** status.conditions as written, Updraft's updraft.dev/LastScale included. */
  conditions: ExplainCondition[];
  /** The last replica write of the scale loop and the engine's reason (the updraft.dev/LastScale condition). */
  lastScale?: { from: number; to: number; at?: string; reason: string };
  triggers: ExplainTrigger[];
  hpa?: ExplainHpa;
  /** The last 10 Events of the ScaledObject and its HPA, oldest first. */
  events: ExplainEvent[];
}

export type ScaledObjectExplanation = ExplainReport | InvalidExplainReport;

interface Cond {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface HpaMetricStatus {
  type: string;
  external?: { metric: { name: string }; current: { value?: string; averageValue?: string } };
}
interface HpaSpecMetric {
  type: string;
  external?: { metric: { name: string }; target: { type: string; value?: string; averageValue?: string } };
}
interface Hpa extends KubeObject {
  spec: { minReplicas?: number; maxReplicas: number; metrics?: HpaSpecMetric[]; behavior?: unknown };
  status?: { currentReplicas?: number; desiredReplicas?: number; currentMetrics?: HpaMetricStatus[]; conditions?: Cond[]; lastScaleTime?: string };
}
interface EventLike extends KubeObject {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject?: { kind?: string; name?: string };
}
type SoStatus = {
  conditions?: Cond[];
  hpaName?: string;
  triggersActivity?: Record<string, { isActive: boolean }>;
  externalMetricNames?: string[];
  lastActiveTime?: string;
  originalReplicaCount?: number;
  scaleTargetGVKR?: { group: string; version: string; resource: string };
};

const condition = (c: Cond): ExplainCondition => ({
  type: c.type,
  status: c.status,
  ...(c.reason ? { reason: c.reason } : {}),
  ...(c.message ? { message: c.message } : {}),
});

function modeOf(raw: KubeObject, status: SoStatus): 'hpa' | 'direct' | 'unknown' {
  const annotated = raw.metadata?.annotations?.[ANNOTATION_UPDRAFT_MODE];
  if (annotated === 'hpa' || annotated === 'direct') return annotated;
  if (status.hpaName) return 'hpa';
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'True' ? 'direct' : 'unknown';
}

/** Thrown when the ScaledObject does not exist; the message says how to list them. */
export class ScaledObjectNotFound extends Error {}

export async function explainReport(client: KubeClient, namespace: string, name: string, now = Date.now()): Promise<ScaledObjectExplanation> {
  let raw: KubeObject & { status?: SoStatus };
  try {
    raw = await client.get(GVR.scaledObjects, namespace, name);
  } catch (err) {
    if (isNotFound(err)) throw new ScaledObjectNotFound(`ScaledObject ${namespace}/${name} not found (kubectl get scaledobjects -n ${namespace} lists them)`);
    throw err;
  }
  const base: ExplainReportBase = { kind: 'ScaledObject', namespace, name, readAt: new Date(now).toISOString() };
  const parsed = parseScaledObject(raw);
  const status = raw.status ?? {};
  if (!parsed.ok) {
    return { ...base, valid: false, problems: parsed.problems.map((p) => ({ path: p.path, message: p.message, ...(p.fix ? { fix: p.fix } : {}) })) };
  }
  const so = parsed.value;
  const ref = so.spec.scaleTargetRef;
  const pr = pausedReplicas(so);
  const report: ExplainReport = {
    ...base,
    valid: true,
    target: { apiVersion: ref.apiVersion || 'apps/v1', kind: ref.kind, name: ref.name },
    mode: modeOf(raw, status),
    ...(status.hpaName ? { hpaName: status.hpaName } : {}),
    bounds: {
      minReplicaCount: so.spec.minReplicaCount,
      maxReplicaCount: so.spec.maxReplicaCount,
      ...(so.spec.idleReplicaCount !== undefined ? { idleReplicaCount: so.spec.idleReplicaCount } : {}),
      pollingIntervalSeconds: so.spec.pollingInterval,
      cooldownPeriodSeconds: so.spec.cooldownPeriod,
    },
    ...(status.lastActiveTime ? { lastActiveTime: status.lastActiveTime } : {}),
    pause: { paused: isPaused(so), ...(pr ? { pausedReplicas: pr } : {}), scaleIn: isPausedScaleIn(so), scaleOut: isPausedScaleOut(so) },
    conditions: (status.conditions ?? []).map(condition),
    triggers: [],
    events: [],
  };
  const last = status.conditions?.find((c) => c.type === LAST_SCALE_CONDITION);
  const lastScale = last && parseLastScaleMessage(last.message);
  if (lastScale) report.lastScale = lastScale;

  // The workload's /scale.
  let specReplicas: number | undefined;
  let statusReplicas = 0;
  const gvr = status.scaleTargetGVKR;
  if (gvr) {
    try {
      const scale = await client.getScale(gvr, namespace, ref.name);
      specReplicas = scale.spec.replicas;
      statusReplicas = scale.status.replicas;
      report.scale = {
        ok: true,
        specReplicas,
        statusReplicas,
        ...(status.originalReplicaCount !== undefined ? { originalReplicaCount: status.originalReplicaCount } : {}),
      };
    } catch (err) {
      report.scale = { ok: false, error: (err as Error).message };
    }
  }

  report.triggers = so.spec.triggers.map((t, i): ExplainTrigger => {
    // The trigger's metric, target and activation threshold as the operator parses them (its scaler's descriptor).
    const checked = checkTriggerOffline(t, i, so.metadata.namespace);
    const spec = checked.ok ? checked.described.metricSpecs[0] : undefined;
    const metricName = spec?.metricName ?? status.externalMetricNames?.find((m) => m.startsWith(`s${i}-`)) ?? `s${i}`;
    const act = status.triggersActivity?.[metricName];
    return {
      index: i,
      type: t.type,
      ...(t.name ? { name: t.name } : {}),
      metricName,
      ...(checked.ok && spec ? { target: spec.target, targetType: spec.targetType, activationThreshold: checked.described.activationThreshold } : {}),
      ...(!checked.ok ? { invalid: checked.error.message } : {}),
      ...(act !== undefined ? { active: act.isActive } : {}),
    };
  });

  if (status.hpaName) report.hpa = await hpaView(client, namespace, status.hpaName, specReplicas ?? 0, statusReplicas);

  // The API server filters by the involved object; only the Events of this ScaledObject and its HPA are read.
  const eventsOf = async (kind: string, objName: string) =>
    (await client.listAll<EventLike>(GVR.events, { namespace, fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${objName}` })).items;
  report.events = [...(await eventsOf('ScaledObject', name)), ...(status.hpaName ? await eventsOf('HorizontalPodAutoscaler', status.hpaName) : [])]
    .sort((a, b) => Date.parse(a.lastTimestamp ?? a.eventTime ?? '') - Date.parse(b.lastTimestamp ?? b.eventTime ?? ''))
    .slice(-10)
    .map((e) => {
      const at = e.lastTimestamp ?? e.eventTime;
      return {
        ...(at ? { at } : {}),
        ...(e.type ? { type: e.type } : {}),
        ...(e.involvedObject?.kind ? { involvedKind: e.involvedObject.kind } : {}),
        ...(e.reason ? { reason: e.reason } : {}),
        ...(e.count !== undefined ? { count: e.count } : {}),
        ...(e.message ? { message: e.message } : {}),
      };
    });
  return report;
}

async function hpaView(client: KubeClient, namespace: string, name: string, specReplicas: number, statusReplicas: number): Promise<ExplainHpa> {
  let hpa: Hpa;
  try {
    hpa = await client.get<Hpa>(GVR.hpas, namespace, name);
  } catch (err) {
    return isNotFound(err) ? { name, found: false, missing: true } : { name, found: false, missing: false, error: (err as Error).message };
  }
  const metrics: ExplainHpaMetric[] = [];
  for (const m of hpa.spec.metrics ?? []) {
    if (m.type !== 'External' || !m.external) continue;
    const cur = hpa.status?.currentMetrics?.find((c) => c.external?.metric.name === m.external!.metric.name)?.external?.current;
    const tgt = m.external.target;
    const target = parseQuantity(tgt.averageValue ?? tgt.value ?? '');
    const view: ExplainHpaMetric = { metricName: m.external.metric.name, targetType: tgt.type, ...(target !== undefined ? { target } : {}) };
    const ctx = { specReplicas, statusReplicas, readyPods: statusReplicas, tolerance: { up: DEFAULT_TOLERANCE, down: DEFAULT_TOLERANCE } };
    if (cur && target !== undefined) {
      if (tgt.type === 'AverageValue') {
        const perPod = parseQuantity(cur.averageValue ?? '') ?? 0;
        const total = perPod * Math.max(1, statusReplicas);
        view.current = { type: 'AverageValue', perPod, total };
        const p = externalAverageValueReplicas(total, target, { ...ctx, statusReplicas: Math.max(1, statusReplicas) });
        view.result = p.ok ? { ok: true, replicas: p.replicas, reason: p.reason } : { ok: false, error: p.error };
      } else {
        const value = parseQuantity(cur.value ?? '') ?? 0;
        view.current = { type: 'Value', value };
        const p = externalValueReplicas(value, target, ctx);
        view.result = p.ok ? { ok: true, replicas: p.replicas, reason: p.reason } : { ok: false, error: p.error };
      }
    }
    metrics.push(view);
  }
  return {
    name,
    found: true,
    minReplicas: hpa.spec.minReplicas ?? 1,
    maxReplicas: hpa.spec.maxReplicas,
    ...(hpa.status?.currentReplicas !== undefined ? { currentReplicas: hpa.status.currentReplicas } : {}),
    ...(hpa.status?.desiredReplicas !== undefined ? { desiredReplicas: hpa.status.desiredReplicas } : {}),
    ...(hpa.status?.lastScaleTime ? { lastScaleTime: hpa.status.lastScaleTime } : {}),
    metrics,
    conditions: (hpa.status?.conditions ?? []).map(condition),
    behavior: Boolean(hpa.spec.behavior),
  };
}
