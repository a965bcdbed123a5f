// The per-object loop that ties scalers, the readings cache, the engine and a scale target together. The
// operator (hpa and direct modes) and `updraft up` (direct mode, local processes) both run ScaledObjects through
// this class; `updraft simulate` calls the same engine functions with a virtual clock.
//
// One scheduler task per object runs every pollingInterval (KEDA's scale loop, `pkg/scaling/scale_handler.go` `startScaleLoop`). Each trigger is
// read at most once per interval: a poll reuses a reading younger than the interval (pushed data, or a read the
// metrics API just made), and concurrent asks for the same trigger share one read in flight.
import type { HealthStatus, ScaledObject } from '../api/types.ts';
import {
  directStep,
  engineTrigger,
  needsReadyPods,
  fetchMetrics,
  initialState,
  operatorPoll,
  planObject,
  type EngineTrigger,
  type HpaSyncResult,
  type ObjectPlan,
  type ObjectState,
  type PollResult,
  type TriggerRead,
} from '../engine/object-step.ts';
import { resourcePods, type RawPod, type RawPodMetrics } from '../engine/pod-metrics.ts';
import type { Scaler } from '../scalers/scaler.ts';
import type { ReplicaCounts, ScaleTarget } from '../targets/scale-target.ts';
import type { ReadingsCache, TriggerReading } from './readings-cache.ts';
import type { Scheduler } from './scheduler.ts';
import { TriggerReads } from './trigger-reads.ts';

export type ScalingMode = 'hpa' | 'direct';

/** What one poll did, for status, Events, logs, `explain` and the live view. */
export interface PollReport {
  at: number;
  counts: ReplicaCounts;
  readings: Array<TriggerReading | undefined>;
  poll: PollResult;
  hpa?: HpaSyncResult;
  /** The replica change written to the target, if any. */
  scaled?: { from: number; to: number };
  /** Writing the replica change failed (message safe to show). */
  scaleError?: string;
}

export interface RunnerHooks {
  onPoll?(report: PollReport): void | Promise<void>;
  /** The target's replicas could not be read (KEDA: Ready=False/ErrorGettingCurrentReplicas). */
  onTargetError?(message: string): void | Promise<void>;
}

export interface ObjectRunnerOptions {
  so: ScaledObject;
  /** Built scalers, one per trigger, in trigger order. */
  scalers: Scaler[];
  target: ScaleTarget;
  mode: ScalingMode;
  scheduler: Scheduler;
  cache: ReadingsCache;
  now?: () => number;
  /** Per-read timeout (KEDA_HTTP_DEFAULT_TIMEOUT is 3 s for HTTP scalers; default here 10 s for the whole read). */
  readTimeoutMs?: number;
  /** status.lastActiveTime / status.health carried over from a previous run (operator restart). */
  lastActiveTime?: number;
  health?: Record<string, HealthStatus>;
  hooks?: RunnerHooks;
}

/** Metric requests for a trigger without useCachedMetrics within this long share one reading. */
export const FRESH_READ_MS = 1000;

/**
 * Where the operator's own poll decides nothing from the triggers (hpaPollReusesReads), it reuses a reading the
 * HPA's metric requests made up to this long ago, and reads the source itself only when the HPA has not asked
 * for that long (the HPA's default sync is 15 s).
 */
export const HPA_READ_REUSE_MS = 60_000;

/**
 * True where the poll decides nothing from the triggers' values: hpa mode with minReplicaCount ≥ 1 and no
 * idleReplicaCount. The HPA owns every replica count from min to max and reads the triggers itself (through the
 * metrics API); activation only matters at 0. The poll still runs — it keeps replicas ≥ minReplicaCount, writes
 * status (Active, triggersActivity), fallback and keda_scaler_* metrics — but from the HPA's readings. KEDA polls
 * the sources every pollingInterval regardless (`pkg/scaling/scale_handler.go` checkScalers → getScaledObjectState);
 * docs/operator.md states the trade-off.
 */
export function hpaPollReusesReads(so: ScaledObject, mode: ScalingMode): boolean {
  return mode === 'hpa' && so.spec.minReplicaCount >= 1 && so.spec.idleReplicaCount === undefined;
}

export type MetricAnswer = { ok: true; value: number; fallback: boolean } | { ok: false; error: string };

export function objectKey(so: Pick<ScaledObject, 'metadata'>): string {
  return `scaledobject.${so.metadata.namespace}.${so.metadata.name}`.toLowerCase();
}

/** Engine triggers from the scalers' metric specs: one per metric (normally one per trigger). */
export function engineTriggers(so: ScaledObject, scalers: readonly Pick<Scaler, 'type' | 'metricSpecs' | 'activationThreshold'>[]): EngineTrigger[] {
  const out: EngineTrigger[] = [];
  scalers.forEach((scaler, i) => {
    for (const spec of scaler.metricSpecs) out.push(engineTrigger(so, i, scaler.type, spec, scaler.activationThreshold));
  });
  return out;
}

export class ObjectRunner {
  readonly key: string;
  readonly plan: ObjectPlan;
  private state: ObjectState;
  private readonly now: () => number;
  private readonly reads: TriggerReads;
  /** List the target's pods on each poll only when a decision uses the ready count. */
  private readonly readyPods: boolean;
  /** Direct mode with cpu/memory triggers: read the pods and their PodMetrics every poll (the HPA's inputs). */
  private readonly resources: boolean;
  private readonly unsubscribe: Array<() => void> = [];
  private lastReport: PollReport | undefined;
  private lastCounts: { counts: ReplicaCounts; at: number } | undefined;
  private stopped = false;
  private started = false;

  constructor(private readonly opts: ObjectRunnerOptions) {
    this.key = objectKey(opts.so);
    this.now = opts.now ?? Date.now;
    this.plan = planObject(opts.so, engineTriggers(opts.so, opts.scalers));
    this.readyPods = needsReadyPods(this.plan);
    this.resources = opts.mode === 'direct' && this.plan.triggers.some((t) => t.kind === 'Resource');
    this.reads = new TriggerReads({
      key: this.key,
      scalers: opts.scalers,
      cache: opts.cache,
      now: this.now,
      ...(opts.readTimeoutMs ? { readTimeoutMs: opts.readTimeoutMs } : {}),
    });
    this.state = { ...initialState(0, opts.lastActiveTime), health: { ...(opts.health ?? {}) } };
  }

  get so(): ScaledObject {
    return this.opts.so;
  }

  get mode(): ScalingMode {
    return this.opts.mode;
  }

  /** The engine state after the last poll (replicas, lastActiveTime, HPA memory, health). */
  get current(): ObjectState {
    return this.state;
  }

  get last(): PollReport | undefined {
    return this.lastReport;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.opts.scalers.forEach((scaler, i) => {
      if (!scaler.subscribe) return;
      this.unsubscribe.push(
        scaler.subscribe((reading) => {
          if (this.stopped) return;
          this.opts.cache.set(this.triggerKey(i), { ...reading, at: this.now(), durationMs: 0, source: 'push' });
          // Pushed data decides at once: the reaction time is the source's, not the poll interval's.
          this.opts.scheduler.trigger(this.key);
        }),
      );
    });
    this.opts.scheduler.register(this.key, {
      intervalMs: this.opts.so.spec.pollingInterval * 1000,
      run: (signal) => this.poll(signal).then(() => undefined),
    });
  }

  /** Stop polling and push subscriptions. Scalers are closed by their owner. */
  stop(): void {
    this.stopped = true;
    this.opts.scheduler.unregister(this.key);
    for (const u of this.unsubscribe.splice(0)) u();
    this.reads.clear();
  }

  triggerKey(index: number): string {
    return this.reads.triggerKey(index);
  }

  /** One iteration of the scale loop. Exposed for tests and `probe`-like one-shot runs. */
  async poll(signal: AbortSignal = new AbortController().signal): Promise<PollReport | undefined> {
    let counts: ReplicaCounts;
    try {
      counts = await this.opts.target.get(signal, { readyPods: this.readyPods, ...(this.resources ? { resources: true } : {}) });
    } catch (err) {
      await this.opts.hooks?.onTargetError?.(`error getting current replicas of ${this.opts.target.description}: ${messageOf(err)}`);
      return undefined;
    }
    this.lastCounts = { counts, at: this.now() };
    const maxAge = hpaPollReusesReads(this.opts.so, this.opts.mode) ? Math.max(this.maxAgeMs(), HPA_READ_REUSE_MS) : this.maxAgeMs();
    const readings = await this.reads.readAll(maxAge, signal);
    const reads = this.engineReads(readings, counts.resources);
    const now = this.now();
    const state: ObjectState = { ...this.state, replicas: counts.replicas };
    let poll: PollResult;
    let hpa: HpaSyncResult | undefined;
    let next: ObjectState;
    if (this.opts.mode === 'direct') {
      const r = directStep(this.plan, state, reads, { now, statusReplicas: counts.replicas, readyPods: counts.readyReplicas });
      poll = r.poll;
      hpa = r.hpa;
      next = r.state;
    } else {
      const fetched = fetchMetrics(this.plan, state, reads, counts.readyReplicas);
      poll = operatorPoll(this.plan, state, fetched, now);
      next = poll.state;
    }
    const report: PollReport = { at: now, counts, readings, poll, hpa };
    if (next.replicas !== counts.replicas && !this.stopped) {
      try {
        await this.opts.target.set(next.replicas, signal);
        report.scaled = { from: counts.replicas, to: next.replicas };
      } catch (err) {
        report.scaleError = `failed to scale ${this.opts.target.description} from ${counts.replicas} to ${next.replicas}: ${messageOf(err)}`;
        // Nothing changed on the target: keep its count, and do not claim an activation that did not happen.
        next = { ...next, replicas: counts.replicas, lastActiveTime: this.state.lastActiveTime, hpa: this.state.hpa };
      }
    }
    if (report.scaled) this.lastCounts = undefined; // the target changed: the next metric request reads it again
    this.state = next;
    this.lastReport = report;
    await this.opts.hooks?.onPoll?.(report);
    return report;
  }

  /**
   * The value the HPA gets for one external metric (the external metrics API). As KEDA
   * (`pkg/scaling/scale_handler.go` GetScaledObjectMetrics): a trigger with `useCachedMetrics: true` is answered
   * from the last poll's reading while it is younger than pollingInterval; any other trigger is read afresh — but
   * requests within FRESH_READ_MS share one reading and any read in flight, so the HPA's sync, the aggregator's
   * retries and the operator's own poll do not each query the source. Fallback applies as in KEDA, and health counts
   * every fetch that really reached the source (KEDA `pkg/fallback/fallback.go`).
   */
  async metricValue(metricName: string, signal?: AbortSignal): Promise<MetricAnswer> {
    const wanted = metricName.toLowerCase();
    const composite = this.plan.composite !== undefined && wanted === 'composite-metric';
    const wantedTriggers = new Set(
      this.plan.triggers.filter((t) => t.kind === 'External' && (composite || t.metricName.toLowerCase() === wanted)).map((t) => t.triggerIndex),
    );
    if (wantedTriggers.size === 0) return { ok: false, error: `no matching metrics found for ${metricName}` };
    const maxAge = this.maxAgeMs();
    const ageFor = (i: number) => (this.opts.so.spec.triggers[i]?.useCachedMetrics ? maxAge : Math.min(FRESH_READ_MS, maxAge));
    const before = this.opts.scalers.map((_, i) => this.reads.cached(i));
    const readings = await Promise.all(
      this.opts.scalers.map((_, i) => (wantedTriggers.has(i) ? this.reads.read(i, ageFor(i), signal) : Promise.resolve(this.reads.cached(i)))),
    );
    // Replica counts (the fallback and Value maths need them) from the last poll while fresh: an HPA sync then
    // costs no API-server round trip, only the first request after a quiet period reads /scale and the pods.
    let counts: ReplicaCounts;
    if (this.lastCounts && this.now() - this.lastCounts.at <= maxAge) counts = this.lastCounts.counts;
    else {
      try {
        counts = await this.opts.target.get(signal, { readyPods: this.readyPods });
        this.lastCounts = { counts, at: this.now() };
      } catch (err) {
        return { ok: false, error: `error getting current replicas of ${this.opts.target.description}: ${messageOf(err)}` };
      }
    }
    const fetched = fetchMetrics(this.plan, { ...this.state, replicas: counts.replicas }, this.engineReads(readings), counts.readyReplicas);
    // Merge back the health of the metrics that were really fetched now (not answered from the cache).
    const health = { ...this.state.health };
    for (const t of this.plan.triggers) {
      if (wantedTriggers.has(t.triggerIndex) && readings[t.triggerIndex] !== before[t.triggerIndex] && fetched.health[t.metricName]) {
        health[t.metricName] = fetched.health[t.metricName];
      }
    }
    this.state = { ...this.state, health };
    const metric = fetched.metrics.find((m) => m.kind === 'External' && m.name.toLowerCase() === (composite ? 'composite-metric' : wanted));
    if (!metric || metric.kind !== 'External') return { ok: false, error: `no matching metrics found for ${metricName}` };
    if (metric.value === undefined) return { ok: false, error: `metric:${metricName} encountered error: ${metric.error ?? 'no value'}` };
    const fallback = fetched.results.some((r) => r.fallbackActive && (composite || r.metricName.toLowerCase() === wanted));
    return { ok: true, value: metric.value, fallback };
  }

  private maxAgeMs(): number {
    // A scheduled poll comes ~pollingInterval after the previous one: allow 10 % slack so it still re-reads.
    return this.opts.so.spec.pollingInterval * 1000 * 0.9;
  }

  /**
   * Readings (per trigger) → engine reads (per engine trigger, i.e. per metric). Resource triggers are never read
   * through their scaler: in hpa mode the HPA controller reads metrics.k8s.io itself (no pods here); in direct
   * mode the pods and PodMetrics the target returned become the HPA's pod samples.
   */
  private engineReads(readings: ReadonlyArray<TriggerReading | undefined>, resources?: ReplicaCounts['resources']): TriggerRead[] {
    return this.plan.triggers.map((t) => {
      if (t.kind === 'Resource') {
        if (!resources) return { pods: [] };
        if ('error' in resources) return { error: resources.error };
        const spec = this.opts.scalers[t.triggerIndex]?.metricSpecs.find((m) => m.metricName === t.metricName);
        const r = resourcePods(
          resources.pods as RawPod[],
          resources.podMetrics as RawPodMetrics[],
          t.metricName === 'memory' ? 'memory' : 'cpu',
          spec?.containerName,
        );
        return 'error' in r ? { error: r.error } : { pods: r.pods, extraSamples: r.extraSamples, now: this.now() };
      }
      const r = readings[t.triggerIndex];
      if (!r) return { error: 'not read yet' };
      if (r.error !== undefined) return { error: r.error };
      const m = r.metrics.find((x) => x.name === t.metricName) ?? r.metrics[0];
      if (!m) return { error: 'the scaler returned no value' };
      return { value: m.value, active: r.active };
    });
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
