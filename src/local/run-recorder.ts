// What `updraft up` saw, step by step: every poll of a ScaledObject (trigger values, activity, desired and
// ready replicas, the decision and its reason) plus the offered load when `up` drives it. At the end it becomes
// the same chart `simulate` draws (src/simulate/chart.ts), from a live run instead of a replay, and a summary.
import type { ScaledObject } from '../api/types.ts';
import type { EngineTrigger } from '../engine/object-step.ts';
import type { PollReport } from '../runtime/object-runner.ts';
import { renderChart } from '../simulate/chart.ts';
import type { Series, SeriesValue } from '../simulate/series.ts';
import type { SimStep, SimulationResult } from '../simulate/simulator.ts';

export const LOAD_COLUMN = 'offered load (req/s)';

export interface LiveStatus {
  object: string;
  values: Array<{ trigger: string; value: number | undefined; target: number; error?: string }>;
  active: boolean;
  desired: number;
  replicas: number;
  ready: number;
  reason: string;
}

const round = (v: number) => Math.round(v * 100) / 100;

export class RunRecorder {
  readonly steps: SimStep[] = [];
  private readonly points = new Map<string, Array<{ t: number; v: SeriesValue }>>();
  private readonly columns: string[];
  private last?: LiveStatus;
  private startReplicas?: number;

  constructor(
    private readonly so: ScaledObject,
    private readonly triggers: EngineTrigger[],
    private readonly startMs: number,
  ) {
    this.columns = triggers.map((t) => t.name ?? t.metricName);
    for (const c of this.columns) this.points.set(c, []);
  }

  private seconds(atMs: number): number {
    return Math.max(0, Math.round((atMs - this.startMs) / 100) / 10);
  }

  /** One poll of the runner (its hooks.onPoll). */
  record(r: PollReport): LiveStatus {
    const t = this.seconds(r.at);
    this.startReplicas ??= r.counts.replicas;
    const values: Record<string, SeriesValue | null> = {};
    const live: LiveStatus['values'] = [];
    this.triggers.forEach((trig, i) => {
      const reading = r.readings[trig.triggerIndex];
      const metric = reading?.metrics.find((m) => m.name.toLowerCase() === trig.metricName.toLowerCase()) ?? reading?.metrics[0];
      const v: SeriesValue | null = reading?.error ? 'error' : metric ? round(metric.value) : null;
      values[this.columns[i]] = v;
      if (v !== null) this.points.get(this.columns[i])!.push({ t, v });
      live.push({ trigger: this.columns[i], value: typeof v === 'number' ? v : undefined, target: trig.target, error: reading?.error });
    });
    const replicas = r.scaled && !r.scaleError ? r.scaled.to : r.counts.replicas;
    const d = r.poll.decision;
    const hpaNote = r.hpa && r.hpa.kind !== 'disabled' && (r.hpa.changed || r.hpa.stabilized) ? `; ${r.hpa.reason}` : '';
    const reason = r.scaleError ?? d.reason + hpaNote;
    const desired = r.hpa?.desired ?? d.replicas ?? replicas;
    this.steps.push({
      t,
      loop: 'direct',
      values,
      active: r.poll.activity.isActive,
      desired,
      replicas,
      ready: r.counts.readyReplicas,
      reason,
      event: d.event?.reason,
      cooldown: d.cooldownUntil !== undefined,
      stabilized: r.hpa?.stabilized ?? false,
      fallback: r.poll.fallbackActive,
    });
    this.last = {
      object: `${this.so.metadata.namespace}/${this.so.metadata.name}`,
      values: live,
      active: r.poll.activity.isActive,
      desired,
      replicas,
      ready: r.counts.readyReplicas,
      reason,
    };
    return this.last;
  }

  /** The offered request rate at `atMs` (from the load generator's progress). */
  recordLoad(atMs: number, rate: number): void {
    if (!this.points.has(LOAD_COLUMN)) {
      this.points.set(LOAD_COLUMN, []);
      this.columns.push(LOAD_COLUMN);
    }
    this.points.get(LOAD_COLUMN)!.push({ t: this.seconds(atMs), v: round(rate) });
  }

  get status(): LiveStatus | undefined {
    return this.last;
  }

  result(endMs: number): { result: SimulationResult; series: Series } {
    const duration = Math.max(1, this.seconds(endMs));
    const steps = this.steps;
    let activations = 0;
    let deactivations = 0;
    let changes = 0;
    let firstScaleUpAt: number | undefined;
    let lastChangeAt: number | undefined;
    let replicaSeconds = 0;
    let prev = this.startReplicas ?? 0;
    let prevT = 0;
    for (const s of steps) {
      replicaSeconds += prev * (s.t - prevT);
      if (s.event === 'KEDAScaleTargetActivated') activations++;
      if (s.event === 'KEDAScaleTargetDeactivated') deactivations++;
      if (s.replicas !== prev) {
        changes++;
        lastChangeAt = s.t;
        if (s.replicas > (this.startReplicas ?? 0) && firstScaleUpAt === undefined) firstScaleUpAt = s.t;
      }
      prev = s.replicas;
      prevT = s.t;
    }
    replicaSeconds += prev * (duration - prevT);
    const result: SimulationResult = {
      summary: {
        object: `${this.so.metadata.namespace}/${this.so.metadata.name}`,
        mode: 'direct',
        durationSeconds: duration,
        steps: steps.length,
        startReplicas: this.startReplicas ?? 0,
        finalReplicas: prev,
        maxReplicas: Math.max(this.startReplicas ?? 0, ...steps.map((s) => s.replicas)),
        activations,
        deactivations,
        scaleChanges: changes,
        firstScaleUpAt,
        lastChangeAt,
        replicaHours: replicaSeconds / 3600,
      },
      steps,
      triggers: this.triggers,
      columns: this.columns.slice(0, this.triggers.length),
    };
    return { result, series: { columns: [...this.columns], points: this.points, end: duration } };
  }

  chart(endMs: number): string {
    const { result, series } = this.result(endMs);
    return renderChart(result, series, `updraft up: ScaledObject ${this.so.metadata.namespace}/${this.so.metadata.name} (live run)`);
  }

  summary(endMs: number): string {
    const s = this.result(endMs).result.summary;
    const f = (t: number | undefined) => (t === undefined ? '-' : `${t.toFixed(1)} s`);
    return [
      `ScaledObject ${s.object}: ${s.durationSeconds.toFixed(0)} s, ${s.steps} polls`,
      `  replicas ${s.startReplicas} → max ${s.maxReplicas} → ${s.finalReplicas}; ${s.scaleChanges} changes, ${s.activations} activation(s), ${s.deactivations} deactivation(s)`,
      `  first scale-up at ${f(s.firstScaleUpAt)}, last change at ${f(s.lastChangeAt)}; ${(s.replicaHours * 3600).toFixed(0)} instance-seconds`,
    ].join('\n');
  }
}

/** One line for the live view: `ns/name  rps 41.3/15  pending 0/100  active  replicas 3 (3 ready)  last: ...`. */
export function statusLine(s: LiveStatus, width = 160): string {
  const vals = s.values.map((v) => `${v.trigger} ${v.error ? 'error' : v.value === undefined ? '-' : v.value}/${v.target}`).join('  ');
  const line = `${s.object}  ${vals}  ${s.active ? 'active' : 'idle'}  replicas ${s.replicas} (${s.ready} ready, wants ${s.desired})  last: ${s.reason}`;
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}
