// The dashboard's memory: per ScaledObject (and ScaledJob) a bounded ring of what each poll saw — trigger values,
// replicas (current, desired, ready), activity, cooldown, HPA stabilization, fallback — in typed arrays of a fixed
// number of points, plus a small ring of notes (activations, deactivations, replica changes, read errors) with their
// reasons. Fed by the runners' poll reports (runtime/object-runner.ts PollReport) through a hook, never by reading
// the sources again. Nothing here holds trigger metadata or credentials: only numbers, metric names and the
// engine's reasons (which never carry secrets).
import type { ScaledJob, ScaledObject } from '../api/types.ts';
import type { EngineTrigger } from '../engine/object-step.ts';
import { engineTriggers, type PollReport, type ScalingMode } from '../runtime/object-runner.ts';
import type { TriggerReading } from '../runtime/readings-cache.ts';
import type { Scaler } from '../scalers/scaler.ts';

/** Points kept per object: one hour at a 1 s pollingInterval (the default 30 s keeps 30 hours). */
export const HISTORY_POINTS = 3600;
/** Notes (decisions with their reasons) kept per object. */
export const HISTORY_NOTES = 100;
const MAX_REASON = 400;

export const FLAG = { active: 1, cooldown: 2, stabilized: 4, fallback: 8, error: 16, activated: 32, deactivated: 64, scaled: 128 } as const;

export interface HistoryTrigger {
  index: number;
  type: string;
  name?: string;
  metricName: string;
  kind: 'External' | 'Resource';
  targetType: string;
  target: number;
  activationThreshold?: number;
}

export interface HistoryNote {
  at: number;
  kind: 'activated' | 'deactivated' | 'scaled' | 'error' | 'scale-error';
  message: string;
}

/** The last poll, for the overview. */
export interface LastPoll {
  at: number;
  replicas: number;
  desired: number;
  ready: number;
  active: boolean;
  fallback: boolean;
  reason: string;
  values: Array<{ metricName: string; value?: number; error?: string; active?: boolean }>;
}

export interface HistoryPoint {
  t: number;
  replicas: number;
  desired: number;
  ready: number;
  flags: number;
  values: number[];
}

const trunc = (s: string) => (s.length > MAX_REASON ? `${s.slice(0, MAX_REASON - 1)}…` : s);

/** One object's ring. Memory is allocated once, at construction: 8+4+4+4+1 bytes per point plus 8 per trigger value. */
export class ObjectHistory {
  readonly t: Float64Array;
  readonly replicas: Int32Array;
  readonly desired: Int32Array;
  readonly ready: Int32Array;
  readonly flags: Uint8Array;
  readonly values: Float64Array[];
  private head = 0;
  private count = 0;
  private readonly notes: HistoryNote[] = [];
  last: LastPoll | undefined;
  /** Bumped on every record: lets the server tell listeners something changed. */
  version = 0;

  constructor(
    readonly kind: 'ScaledObject' | 'ScaledJob',
    readonly namespace: string,
    readonly name: string,
    public triggers: HistoryTrigger[],
    public mode: ScalingMode | 'job',
    readonly capacity = HISTORY_POINTS,
  ) {
    this.t = new Float64Array(capacity);
    this.replicas = new Int32Array(capacity);
    this.desired = new Int32Array(capacity);
    this.ready = new Int32Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.values = triggers.map(() => new Float64Array(capacity));
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the point arrays (the notes add at most HISTORY_NOTES short strings). */
  get bytes(): number {
    return this.capacity * (8 + 4 + 4 + 4 + 1 + 8 * this.values.length);
  }

  push(p: HistoryPoint): void {
    const i = this.head;
    this.t[i] = p.t;
    this.replicas[i] = p.replicas;
    this.desired[i] = p.desired;
    this.ready[i] = p.ready;
    this.flags[i] = p.flags;
    this.values.forEach((arr, k) => (arr[i] = p.values[k] ?? NaN));
    this.head = (i + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
    this.version++;
  }

  note(n: HistoryNote): void {
    this.notes.push({ ...n, message: trunc(n.message) });
    if (this.notes.length > HISTORY_NOTES) this.notes.shift();
  }

  /** Points with t ≥ since (ms), oldest first. */
  points(since = -Infinity): HistoryPoint[] {
    const out: HistoryPoint[] = [];
    const start = (this.head - this.count + this.capacity) % this.capacity;
    for (let k = 0; k < this.count; k++) {
      const i = (start + k) % this.capacity;
      if (this.t[i] < since) continue;
      out.push({
        t: this.t[i],
        replicas: this.replicas[i],
        desired: this.desired[i],
        ready: this.ready[i],
        flags: this.flags[i],
        values: this.values.map((a) => a[i]),
      });
    }
    return out;
  }

  /** The newest point (what the SSE stream sends per record), without copying the ring. */
  latest(): HistoryPoint | undefined {
    if (this.count === 0) return undefined;
    const i = (this.head - 1 + this.capacity) % this.capacity;
    return {
      t: this.t[i],
      replicas: this.replicas[i],
      desired: this.desired[i],
      ready: this.ready[i],
      flags: this.flags[i],
      values: this.values.map((a) => a[i]),
    };
  }

  recentNotes(since = -Infinity): HistoryNote[] {
    return this.notes.filter((n) => n.at >= since);
  }
}

export function historyTriggers(triggers: readonly EngineTrigger[]): HistoryTrigger[] {
  return triggers.map((t) => ({
    index: t.triggerIndex,
    type: t.type,
    ...(t.name ? { name: t.name } : {}),
    metricName: t.metricName,
    kind: t.kind,
    targetType: t.targetType,
    target: t.target,
    ...(t.activationThreshold !== undefined ? { activationThreshold: t.activationThreshold } : {}),
  }));
}

/** The hook gets the scalers as OperatorMetrics does (metricSpecs); type and activation come from the trigger and the scaler when it has them. */
function withTypes(
  triggers: ReadonlyArray<{ type: string }>,
  scalers: readonly Pick<Scaler, 'metricSpecs'>[],
): Array<Pick<Scaler, 'type' | 'metricSpecs' | 'activationThreshold'>> {
  return scalers.map((s, i) => {
    const full = s as Partial<Pick<Scaler, 'type' | 'activationThreshold'>>;
    return { type: full.type ?? triggers[i]?.type ?? '?', metricSpecs: s.metricSpecs, activationThreshold: full.activationThreshold };
  });
}

const sameTriggers = (a: HistoryTrigger[], b: HistoryTrigger[]) => JSON.stringify(a) === JSON.stringify(b);

function readingValue(r: TriggerReading | undefined, metricName: string): { value?: number; error?: string; active?: boolean } {
  if (!r) return {};
  if (r.error !== undefined) return { error: r.error };
  const m = r.metrics.find((x) => x.name === metricName) ?? r.metrics[0];
  return m ? { value: m.value, active: r.active } : { error: 'the scaler returned no value' };
}

/** Every object's ring, by `kind/namespace/name`; listeners hear each record (the SSE stream). */
export class DashboardHistory {
  private readonly objects = new Map<string, ObjectHistory>();
  private readonly listeners = new Set<(h: ObjectHistory) => void>();

  constructor(private readonly opts: { capacity?: number; now?: () => number } = {}) {}

  static key(kind: string, namespace: string, name: string): string {
    return `${kind}/${namespace}/${name}`;
  }

  get(kind: string, namespace: string, name: string): ObjectHistory | undefined {
    return this.objects.get(DashboardHistory.key(kind, namespace, name));
  }

  all(): ObjectHistory[] {
    return [...this.objects.values()];
  }

  /** Forget an object (deleted). */
  remove(kind: string, namespace: string, name: string): void {
    this.objects.delete(DashboardHistory.key(kind, namespace, name));
  }

  onRecord(fn: (h: ObjectHistory) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private ring(kind: 'ScaledObject' | 'ScaledJob', namespace: string, name: string, triggers: HistoryTrigger[], mode: ScalingMode | 'job'): ObjectHistory {
    const key = DashboardHistory.key(kind, namespace, name);
    let h = this.objects.get(key);
    // New triggers (the object was edited): a new ring; the old values would not line up with the new columns.
    if (!h || !sameTriggers(h.triggers, triggers)) {
      h = new ObjectHistory(kind, namespace, name, triggers, mode, this.opts.capacity);
      this.objects.set(key, h);
    }
    h.mode = mode;
    return h;
  }

  /** The recorder hook for a ScaledObject's runner: one call per PollReport. */
  recordPoll(so: ScaledObject, triggers: readonly EngineTrigger[], report: PollReport, mode: ScalingMode): void {
    const ht = historyTriggers(triggers);
    const h = this.ring('ScaledObject', so.metadata.namespace, so.metadata.name, ht, mode);
    const d = report.poll.decision;
    const hpa = report.hpa && report.hpa.kind !== 'disabled' ? report.hpa : undefined;
    const after = report.poll.state.replicas;
    const replicas = report.scaled ? report.scaled.to : report.counts.replicas;
    const desired = hpa?.desired ?? d.replicas ?? after;
    const values = ht.map((t) => readingValue(report.readings[t.index], t.metricName));
    const event = d.event?.reason;
    let flags = 0;
    if (report.poll.activity.isActive) flags |= FLAG.active;
    if (d.cooldownUntil !== undefined) flags |= FLAG.cooldown;
    if (hpa?.stabilized) flags |= FLAG.stabilized;
    if (report.poll.fallbackActive) flags |= FLAG.fallback;
    if (values.some((v) => v.error !== undefined) || report.scaleError) flags |= FLAG.error;
    if (event === 'KEDAScaleTargetActivated') flags |= FLAG.activated;
    if (event === 'KEDAScaleTargetDeactivated') flags |= FLAG.deactivated;
    if (report.scaled) flags |= FLAG.scaled;
    const hpaNote = hpa && (hpa.changed || hpa.stabilized) ? `; ${hpa.reason}` : '';
    const reason = d.reason + hpaNote;
    h.push({ t: report.at, replicas, desired, ready: report.counts.readyReplicas, flags, values: values.map((v) => v.value ?? NaN) });
    if (event === 'KEDAScaleTargetActivated') h.note({ at: report.at, kind: 'activated', message: d.reason });
    else if (event === 'KEDAScaleTargetDeactivated') h.note({ at: report.at, kind: 'deactivated', message: d.reason });
    else if (report.scaled) h.note({ at: report.at, kind: 'scaled', message: `${report.scaled.from} → ${report.scaled.to}: ${reason}` });
    if (report.scaleError) h.note({ at: report.at, kind: 'scale-error', message: report.scaleError });
    const errs = values.flatMap((v, k) => (v.error !== undefined ? [`${ht[k].metricName}: ${v.error}`] : []));
    const prevErrs = h.last?.values.flatMap((v, k) => (v.error !== undefined ? [`${ht[k]?.metricName}: ${v.error}`] : [])) ?? [];
    for (const e of errs) if (!prevErrs.includes(e)) h.note({ at: report.at, kind: 'error', message: e });
    h.last = {
      at: report.at,
      replicas,
      desired,
      ready: report.counts.readyReplicas,
      active: report.poll.activity.isActive,
      fallback: report.poll.fallbackActive,
      reason,
      values: values.map((v, k) => ({ metricName: ht[k].metricName, ...v })),
    };
    for (const l of this.listeners) l(h);
  }

  /** The same hook, from the scalers (the operator's OperatorMetrics.scaledObjectPolled signature). */
  scaledObjectPolled(so: ScaledObject, scalers: readonly Pick<Scaler, 'metricSpecs'>[], report: PollReport, mode: ScalingMode): void {
    this.recordPoll(so, engineTriggers(so, withTypes(so.spec.triggers, scalers)), report, mode);
  }

  /** A ScaledJob's poll: its trigger values and activity (no replicas: it creates Jobs). */
  scaledJobPolled(sj: ScaledJob, given: readonly Pick<Scaler, 'metricSpecs'>[], readings: ReadonlyArray<TriggerReading | undefined>): void {
    const ht: HistoryTrigger[] = [];
    withTypes(sj.spec.triggers, given).forEach((s, i) => {
      for (const m of s.metricSpecs) {
        ht.push({
          index: i,
          type: s.type,
          ...(sj.spec.triggers[i]?.name ? { name: sj.spec.triggers[i].name } : {}),
          metricName: m.metricName,
          kind: m.kind === 'External' ? 'External' : 'Resource',
          targetType: m.targetType,
          target: m.target,
          activationThreshold: s.activationThreshold,
        });
      }
    });
    const h = this.ring('ScaledJob', sj.metadata.namespace, sj.metadata.name, ht, 'job');
    const at = (this.opts.now ?? Date.now)();
    const values = ht.map((t) => readingValue(readings[t.index], t.metricName));
    const active = values.some((v) => v.active);
    let flags = active ? FLAG.active : 0;
    if (values.some((v) => v.error !== undefined)) flags |= FLAG.error;
    const wasActive = h.last?.active ?? false;
    if (active !== wasActive)
      h.note({ at, kind: active ? 'activated' : 'deactivated', message: active ? 'a trigger is active: Jobs are created' : 'no trigger is active' });
    h.push({ t: at, replicas: 0, desired: 0, ready: 0, flags, values: values.map((v) => v.value ?? NaN) });
    h.last = {
      at,
      replicas: 0,
      desired: 0,
      ready: 0,
      active,
      fallback: false,
      reason: active ? 'active' : 'not active',
      values: values.map((v, k) => ({ metricName: ht[k].metricName, ...v })),
    };
    for (const l of this.listeners) l(h);
  }
}
