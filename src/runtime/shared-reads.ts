// Identical queries across triggers, read once: triggers whose scalers have the same `shareKey` (same scaler type,
// same resolved config and credentials, same namespace — a hash, so no secret is kept or logged here) share one read
// in flight and reuse each other's reading while it is young enough for the asker, exactly as one trigger reuses its
// own (TriggerReads). Ten ScaledObjects on one queue cost one query per interval, not ten.
// KEDA has no such sharing: each ScaledObject's scalers cache reads its own sources (`pkg/scaling/cache/scalers_cache.go`).
import type { Reading } from '../scalers/scaler.ts';

/** One read of a source: the reading, or the failure as TriggerReads reports it. */
export type SourceOutcome = { ok: true; reading: Reading; durationMs: number } | { ok: false; error: string; errorKind?: string; durationMs: number };

interface Entry {
  last?: { outcome: SourceOutcome; at: number };
  inflight?: Promise<SourceOutcome>;
}

/** Entries not read for this long are dropped (their triggers are gone or read elsewhere). */
const FORGET_MS = 10 * 60_000;

export class SharedReads {
  private readonly entries = new Map<string, Entry>();
  private lastSweep = 0;
  /** Reads answered from another trigger's reading or read in flight (for tests and metrics). */
  shared = 0;

  /**
   * The outcome for `key` no older than `maxAgeMs`: another trigger's, or a read in flight, or `read()` now.
   * `fresh` is true when this call read the source itself (a real query).
   */
  async read(
    key: string,
    maxAgeMs: number,
    now: () => number,
    read: () => Promise<SourceOutcome>,
  ): Promise<{ outcome: SourceOutcome; at: number; fresh: boolean }> {
    this.sweep(now());
    let e = this.entries.get(key);
    if (!e) this.entries.set(key, (e = {}));
    if (e.last && now() - e.last.at <= maxAgeMs) {
      this.shared++;
      return { ...e.last, fresh: false };
    }
    if (e.inflight) {
      this.shared++;
      const outcome = await e.inflight;
      return { outcome, at: e.last?.at ?? now(), fresh: false };
    }
    const entry = e;
    const p = read().then((outcome) => {
      entry.last = { outcome, at: now() };
      return outcome;
    });
    entry.inflight = p;
    try {
      const outcome = await p;
      return { outcome, at: entry.last?.at ?? now(), fresh: true };
    } finally {
      entry.inflight = undefined;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(at: number): void {
    if (at - this.lastSweep < 60_000) return;
    this.lastSweep = at;
    for (const [k, e] of this.entries) if (!e.inflight && (!e.last || at - e.last.at > FORGET_MS)) this.entries.delete(k);
  }
}
