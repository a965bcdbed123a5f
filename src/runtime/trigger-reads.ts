// Reading an object's triggers, shared by ScaledObjects (ObjectRunner) and ScaledJobs: a reading younger than the
// allowed age is reused (pushed data, or a read the metrics API just made), concurrent asks for one trigger share
// one read in flight, each read has a timeout, and a failure becomes a reading with its message and error kind
// (ReadError kinds), so status, Events and logs can say what failed. Triggers of other objects with the identical
// query (Scaler.shareKey) share the read too (shared-reads.ts).
import type { Scaler } from '../scalers/scaler.ts';
import type { ReadingsCache, TriggerReading } from './readings-cache.ts';
import type { SourceOutcome } from './shared-reads.ts';

export interface TriggerReadsOptions {
  /** Cache key prefix of the object, e.g. `scaledobject.<ns>.<name>`; trigger i is `<prefix>/<i>`. */
  key: string;
  scalers: readonly Scaler[];
  cache: ReadingsCache;
  now: () => number;
  /** Per-read timeout (default 10 s). */
  readTimeoutMs?: number;
}

export class TriggerReads {
  private readonly inflight = new Map<number, Promise<TriggerReading>>();

  constructor(private readonly o: TriggerReadsOptions) {}

  triggerKey(index: number): string {
    return `${this.o.key}/${index}`;
  }

  /** The cached reading of trigger `i`, however old (undefined before the first). */
  cached(i: number): TriggerReading | undefined {
    return this.o.cache.get(this.triggerKey(i));
  }

  /** A reading of trigger `i` no older than `maxAgeMs`, reading the source if needed (one read in flight). */
  read(i: number, maxAgeMs: number, signal?: AbortSignal): Promise<TriggerReading> {
    const cached = this.o.cache.fresh(this.triggerKey(i), this.o.now(), maxAgeMs);
    if (cached) return Promise.resolve(cached);
    const pending = this.inflight.get(i);
    if (pending) return pending;
    const p = this.readSource(i, maxAgeMs, signal).finally(() => this.inflight.delete(i));
    this.inflight.set(i, p);
    return p;
  }

  /** Every trigger, each no older than `maxAgeMs`. */
  readAll(maxAgeMs: number, signal?: AbortSignal): Promise<TriggerReading[]> {
    return Promise.all(this.o.scalers.map((_, i) => this.read(i, maxAgeMs, signal)));
  }

  /** Forget this object's readings (the loop stopped). */
  clear(): void {
    this.o.cache.deletePrefix(`${this.o.key}/`);
  }

  private async readSource(i: number, maxAgeMs: number, signal?: AbortSignal): Promise<TriggerReading> {
    const scaler = this.o.scalers[i];
    let reading: TriggerReading;
    if (scaler.shareKey) {
      const { outcome, at, fresh } = await this.o.cache.shared.read(scaler.shareKey, maxAgeMs, this.o.now, () => this.query(scaler, signal));
      reading = this.toReading(scaler, outcome, at, fresh ? 'poll' : 'shared');
    } else {
      reading = this.toReading(scaler, await this.query(scaler, signal), this.o.now(), 'poll');
    }
    this.o.cache.set(this.triggerKey(i), reading);
    return reading;
  }

  /** One read of the source, its failure described (never thrown). */
  private async query(scaler: Scaler, signal?: AbortSignal): Promise<SourceOutcome> {
    const started = this.o.now();
    const timeoutMs = this.o.readTimeoutMs ?? 10_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const s = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      return { ok: true, reading: await scaler.read(s), durationMs: this.o.now() - started };
    } catch (err) {
      const kind = err instanceof Error && 'kind' in err && typeof err.kind === 'string' ? err.kind : undefined;
      const msg = timeout.aborted ? `read timed out after ${timeoutMs} ms` : err instanceof Error ? err.message : String(err);
      return { ok: false, error: msg, ...(timeout.aborted ? { errorKind: 'timeout' } : kind ? { errorKind: kind } : {}), durationMs: this.o.now() - started };
    }
  }

  /**
   * The outcome as this trigger's reading. A shared outcome carries the metric names of the trigger that read it:
   * the same config yields the same specs, so the values are renamed to this trigger's names in order.
   */
  private toReading(scaler: Scaler, o: SourceOutcome, at: number, source: 'poll' | 'shared'): TriggerReading {
    const durationMs = source === 'shared' ? 0 : o.durationMs;
    if (!o.ok) return { metrics: [], active: false, error: o.error, ...(o.errorKind ? { errorKind: o.errorKind } : {}), at, durationMs, source };
    const metrics =
      source === 'shared' ? o.reading.metrics.map((m, k) => ({ name: scaler.metricSpecs[k]?.metricName ?? m.name, value: m.value })) : o.reading.metrics;
    return { metrics, active: o.reading.active, at, durationMs, source };
  }
}
