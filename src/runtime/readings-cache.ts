// The last reading of each trigger (DESIGN.md "Readings cache"). Polls and pushes write here; the engine, the
// external metrics API, status and `explain` read from here. A reader that needs a fresh value asks for one
// (`next`) instead of silently getting an old one. Triggers with identical queries share reads through `shared`.
import { SharedReads } from './shared-reads.ts';

export interface TriggerReading {
  /** Metric values of the trigger (raw, as the scaler returned them). Empty when the read failed. */
  metrics: Array<{ name: string; value: number }>;
  active: boolean;
  /** Set when the read failed: a message safe to show (no secrets). */
  error?: string;
  /** ReadError kind, when known. */
  errorKind?: string;
  /** When the read finished (ms since epoch). */
  at: number;
  /** How long the read took (ms); 0 for pushed data. */
  durationMs: number;
  /** `shared`: another trigger's read of the identical query (shared-reads.ts), not a query of its own. */
  source: 'poll' | 'push' | 'shared';
}

type Listener = (key: string, reading: TriggerReading) => void;

export class ReadingsCache {
  private readonly entries = new Map<string, TriggerReading>();
  private readonly waiters = new Map<string, Array<(r: TriggerReading) => void>>();
  private readonly listeners = new Set<Listener>();
  /** Reads of identical queries across triggers, one per interval (shared-reads.ts). */
  readonly shared = new SharedReads();

  set(key: string, reading: TriggerReading): void {
    this.entries.set(key, reading);
    const ws = this.waiters.get(key);
    if (ws) {
      this.waiters.delete(key);
      for (const w of ws) w(reading);
    }
    for (const l of this.listeners) l(key, reading);
  }

  get(key: string): TriggerReading | undefined {
    return this.entries.get(key);
  }

  /** The reading if it finished within `maxAgeMs` of `now`, else undefined. */
  fresh(key: string, now: number, maxAgeMs: number): TriggerReading | undefined {
    const r = this.entries.get(key);
    return r && now - r.at <= maxAgeMs ? r : undefined;
  }

  /** Resolves with the next reading written for `key` (after this call). */
  next(key: string, signal?: AbortSignal): Promise<TriggerReading> {
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(key) ?? [];
      const waiter = (r: TriggerReading) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const onAbort = () => {
        const l = this.waiters.get(key);
        if (l)
          this.waiters.set(
            key,
            l.filter((w) => w !== waiter),
          );
        reject(signal?.reason ?? new Error('aborted'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      list.push(waiter);
      this.waiters.set(key, list);
    });
  }

  /** Drop every reading whose key starts with `prefix` (an object was deleted or its triggers changed). */
  deletePrefix(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }
}
