// An open-model HTTP load generator (`updraft load`): requests start on the schedule the stages give, whether or
// not earlier ones have answered, the way real users arrive — so a slow service shows up as latency and dropped
// requests, not as a politely lower rate (the "coordinated omission" of closed-loop tools). autocannon, the
// maintained Node load tool, only offers fixed connection/overall rates and cannot ramp within one run; undici's
// Pool gives keep-alive connections and we schedule arrivals ourselves.
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { Pool } from 'undici';
import { arrivalsBy, rateAt, totalDurationMs, type Stage } from './stages.ts';

export interface LoadOptions {
  url: string;
  stages: Stage[];
  /** Stop after this long even if stages remain (ms). */
  maxDurationMs?: number;
  /** Connections and the most requests in flight; an arrival beyond it is dropped (k6: dropped_iterations). */
  concurrency: number;
  method?: string;
  headers?: Record<string, string>;
  /** Per-request timeout, ms (default 10 000). */
  timeoutMs?: number;
  /** Called about once a second with the last second's numbers. */
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  now?: () => number;
}

export interface LatencySummary {
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface Progress {
  elapsedMs: number;
  targetRate: number;
  /** Responses per second over the last interval. */
  rate: number;
  inFlight: number;
  latencyMs: LatencySummary | undefined;
  errors: number;
  dropped: number;
}

export interface LoadSummary {
  url: string;
  durationMs: number;
  sent: number;
  completed: number;
  /** HTTP status counts (e.g. { "200": 950, "503": 12 }). */
  statuses: Record<string, number>;
  /** Responses >= 400 plus network errors and timeouts. */
  errors: number;
  /** Network error codes (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, ...). */
  errorKinds: Record<string, number>;
  dropped: number;
  /** Completed responses per second over the run. */
  rate: number;
  latencyMs: LatencySummary | undefined;
}

const TICK_MS = 10;

export async function runLoad(opts: LoadOptions): Promise<LoadSummary> {
  const target = new URL(opts.url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(`load: URL must be http:// or https://, got ${opts.url}`);
  const now = opts.now ?? (() => performance.now());
  const pool = new Pool(target.origin, { connections: opts.concurrency, pipelining: 1 });
  const path = `${target.pathname}${target.search}`;
  const method = (opts.method ?? 'GET').toUpperCase();
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const total = createHistogram();
  let interval = createHistogram();
  const statuses: Record<string, number> = {};
  const errorKinds: Record<string, number> = {};
  let sent = 0;
  let completed = 0;
  let errors = 0;
  let dropped = 0;
  let inFlight = 0;
  let intervalCompleted = 0;
  let intervalErrors = 0;
  let intervalDropped = 0;
  const pending = new Set<Promise<void>>();
  const endMs = Math.min(totalDurationMs(opts.stages), opts.maxDurationMs ?? Infinity);

  const fire = () => {
    if (inFlight >= opts.concurrency) {
      dropped++;
      intervalDropped++;
      return;
    }
    inFlight++;
    sent++;
    const started = now();
    const p = pool
      .request({ path, method, headers: opts.headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
      .then(async (res) => {
        await res.body.dump();
        const us = Math.max(1, Math.round((now() - started) * 1000));
        total.record(us);
        interval.record(us);
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        if (res.statusCode >= 400) {
          errors++;
          intervalErrors++;
        }
      })
      .catch((err: unknown) => {
        const code = (err as { code?: string }).code ?? (err as Error).name ?? 'Error';
        errorKinds[code] = (errorKinds[code] ?? 0) + 1;
        errors++;
        intervalErrors++;
      })
      .finally(() => {
        inFlight--;
        completed++;
        intervalCompleted++;
        pending.delete(p);
      });
    pending.add(p);
  };

  const start = now();
  let lastReport = start;
  let aborted = opts.signal?.aborted ?? false;
  const onAbort = () => (aborted = true);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const elapsed = Math.min(now() - start, endMs);
      if (aborted) break;
      // Arrivals are cumulative, so a late timer tick catches up instead of losing requests.
      const due = Math.floor(arrivalsBy(opts.stages, elapsed)) - (sent + dropped);
      for (let i = 0; i < due; i++) fire();
      if (elapsed >= endMs) break;
      const t = now();
      if (t - lastReport >= 1000 && opts.onProgress) {
        opts.onProgress({
          elapsedMs: t - start,
          targetRate: rateAt(opts.stages, t - start),
          rate: (intervalCompleted * 1000) / (t - lastReport),
          inFlight,
          latencyMs: summarize(interval),
          errors: intervalErrors,
          dropped: intervalDropped,
        });
        lastReport = t;
        interval = createHistogram();
        intervalCompleted = 0;
        intervalErrors = 0;
        intervalDropped = 0;
      }
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    await Promise.allSettled([...pending]);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await pool.close().catch(() => pool.destroy());
  }
  const durationMs = now() - start;
  return {
    url: opts.url,
    durationMs: Math.round(durationMs),
    sent,
    completed,
    statuses,
    errors,
    errorKinds,
    dropped,
    rate: durationMs > 0 ? (completed * 1000) / durationMs : 0,
    latencyMs: summarize(total),
  };
}

function summarize(h: RecordableHistogram): LatencySummary | undefined {
  if (h.count === 0) return undefined;
  const ms = (us: number) => Math.round(us) / 1000;
  return { min: ms(h.min), p50: ms(h.percentile(50)), p90: ms(h.percentile(90)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean) };
}
