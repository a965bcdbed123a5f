// k6-style pass/fail thresholds for `updraft load --threshold`: `p(99)<500` (latency percentile in ms),
// `avg<200`, `max<=2000`, `rate<0.01` (the error rate: errors per request completed). The k6 metric prefixes
// `http_req_duration:` and `http_req_failed:` are accepted too, so `http_req_failed: rate<0.01` reads as in k6.
import type { LoadSummary } from './load-generator.ts';

export interface Threshold {
  /** As written. */
  source: string;
  stat: 'p50' | 'p90' | 'p99' | 'min' | 'max' | 'avg' | 'med' | 'rate';
  op: '<' | '<=' | '>' | '>=' | '==' | '!=';
  value: number;
}

export interface ThresholdResult extends Threshold {
  /** The measured value (ms for latencies, 0..1 for rate); undefined when there were no responses. */
  actual?: number;
  ok: boolean;
}

const PERCENTILES = ['50', '90', '99'];

/** Parses one threshold expression; throws with the accepted forms on anything else. */
export function parseThreshold(raw: string): Threshold {
  const text = raw.trim();
  const m = /^(?:(http_req_duration|http_req_failed)\s*:\s*)?(p\(\s*(\d+(?:\.\d+)?)\s*\)|avg|min|max|med|rate)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)$/.exec(
    text,
  );
  const forms =
    "use p(50|90|99), avg, med, min or max (latency, ms) or rate (error rate, 0..1), an operator < <= > >= == != and a number, e.g. 'p(99)<500' or 'rate<0.01'";
  if (!m) throw new Error(`--threshold '${raw}' is not a threshold: ${forms}`);
  const [, metric, statRaw, pct, op, num] = m;
  let stat: Threshold['stat'];
  if (pct !== undefined) {
    if (!PERCENTILES.includes(String(Number(pct)))) throw new Error(`--threshold '${raw}': only p(50), p(90) and p(99) are measured`);
    stat = `p${Number(pct)}` as Threshold['stat'];
  } else stat = statRaw as Threshold['stat'];
  if (metric === 'http_req_failed' && stat !== 'rate') throw new Error(`--threshold '${raw}': http_req_failed takes rate, e.g. 'http_req_failed: rate<0.01'`);
  if (metric === 'http_req_duration' && stat === 'rate') throw new Error(`--threshold '${raw}': http_req_duration takes p(N), avg, med, min or max`);
  return { source: text, stat, op: op as Threshold['op'], value: Number(num) };
}

/** The error rate of a run: errors per completed request (0 when none completed and none failed). */
export function errorRate(s: Pick<LoadSummary, 'errors' | 'completed'>): number {
  const n = Math.max(s.completed, s.errors);
  return n === 0 ? 0 : s.errors / n;
}

function compare(a: number, op: Threshold['op'], b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}

/** Each threshold against the summary. A latency threshold with no responses at all fails (nothing was measured). */
export function evaluateThresholds(thresholds: readonly Threshold[], s: LoadSummary): ThresholdResult[] {
  return thresholds.map((t) => {
    const l = s.latencyMs;
    const actual = t.stat === 'rate' ? errorRate(s) : !l ? undefined : t.stat === 'avg' ? l.mean : t.stat === 'med' ? l.p50 : l[t.stat];
    return { ...t, ...(actual !== undefined ? { actual } : {}), ok: actual !== undefined && compare(actual, t.op, t.value) };
  });
}
