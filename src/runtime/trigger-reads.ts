// Reading an object's triggers, shared by ScaledObjects (ObjectRunner) and ScaledJobs: a reading younger than the
// allowed age is reused (pushed data, or a read the metrics API just made), concurrent asks for one trigger share
// one read in flight, each read has a timeout, and a failure becomes a reading with its message and error kind
// (ReadError kinds), so status, Events and logs can say what failed.
import type { Scaler } from '../scalers/scaler.ts';
import type { ReadingsCache, TriggerReading } from './readings-cache.ts';

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
    const p = this.readSource(i, signal).finally(() => this.inflight.delete(i));
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

  private async readSource(i: number, signal?: AbortSignal): Promise<TriggerReading> {
    const scaler = this.o.scalers[i];
    const started = this.o.now();
    const timeoutMs = this.o.readTimeoutMs ?? 10_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const s = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let reading: TriggerReading;
    try {
      const r = await scaler.read(s);
      reading = { metrics: r.metrics, active: r.active, at: this.o.now(), durationMs: this.o.now() - started, source: 'poll' };
    } catch (err) {
      const kind = err instanceof Error && 'kind' in err && typeof err.kind === 'string' ? err.kind : undefined;
      const msg = timeout.aborted ? `read timed out after ${timeoutMs} ms` : err instanceof Error ? err.message : String(err);
      reading = {
        metrics: [],
        active: false,
        error: msg,
        errorKind: timeout.aborted ? 'timeout' : kind,
        at: this.o.now(),
        durationMs: this.o.now() - started,
        source: 'poll',
      };
    }
    this.o.cache.set(this.triggerKey(i), reading);
    return reading;
  }
}
