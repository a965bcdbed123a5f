// Load shapes for `updraft load`, k6's ramping-arrival-rate model: each stage ramps the target request rate
// linearly from the previous stage's target (0 at the start) to its own over its duration. `30s:20,60s:200,30s:0`
// ramps to 20 req/s in 30 s, to 200 req/s over the next minute, then down to 0.
import { parseDurationMs } from '../api/values.ts';

export interface Stage {
  durationMs: number;
  /** Requests per second reached at the end of the stage. */
  target: number;
}

/** Parse `30s:20,1m:200` (duration with a unit, colon, rate per second). Throws with the bad element named. */
export function parseStages(text: string): Stage[] {
  const stages = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((item) => {
      const m = /^([^:]+):([^:]+)$/.exec(item);
      const durationMs = m && /[a-zµμ]$/.test(m[1].trim()) ? parseDurationMs(m[1].trim()) : undefined;
      const target = m ? Number(m[2].trim()) : NaN;
      if (durationMs === undefined || !(durationMs > 0) || !Number.isFinite(target) || target < 0 || m![2].trim() === '') {
        throw new Error(`stage '${item}' must be <duration>:<requests per second>, e.g. 30s:20 (duration with a unit, rate >= 0)`);
      }
      return { durationMs, target };
    });
  if (stages.length === 0) throw new Error('--stages needs at least one <duration>:<rate> stage, e.g. 30s:20,60s:200,30s:0');
  return stages;
}

/** One stage at a constant rate (`--rate N --duration D`): no ramp, the rate applies from the first second. */
export function constantRate(rate: number, durationMs: number): Stage[] {
  return [
    { durationMs: 0, target: rate },
    { durationMs, target: rate },
  ];
}

export function totalDurationMs(stages: readonly Stage[]): number {
  return stages.reduce((t, s) => t + s.durationMs, 0);
}

/** Target rate (req/s) at `t` ms after the start. */
export function rateAt(stages: readonly Stage[], t: number): number {
  let from = 0;
  let start = 0;
  for (const s of stages) {
    if (t < start + s.durationMs) return from + ((s.target - from) * (t - start)) / s.durationMs;
    start += s.durationMs;
    from = s.target;
  }
  return 0;
}

/** Requests due in [0, t]: the integral of the rate (trapezoids, exact for linear ramps). */
export function arrivalsBy(stages: readonly Stage[], t: number): number {
  let from = 0;
  let start = 0;
  let total = 0;
  for (const s of stages) {
    if (t <= start) break;
    const span = Math.min(t, start + s.durationMs) - start;
    if (s.durationMs > 0) {
      const rateEnd = from + ((s.target - from) * span) / s.durationMs;
      total += ((from + rateEnd) / 2) * (span / 1000);
    }
    start += s.durationMs;
    from = s.target;
  }
  return total;
}
