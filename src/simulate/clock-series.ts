// Triggers computed from the clock alone (cron: a descriptor's `clockReading`) need no series: their column is
// computed here from the virtual clock — t = 0 is `startMs` of wall time — so the simulator, the timeline and the
// chart see them like any other column. A column the series already holds for such a trigger wins (an override).
import type { ScaledObject } from '../api/types.ts';
import { checkTriggerOffline } from '../scalers/index.ts';
import type { Series, SeriesValue } from './series.ts';

/** Default wall time of t = 0: Monday 2026-01-05 00:00 UTC (a fixed instant keeps simulate deterministic). */
export const DEFAULT_START_MS = Date.UTC(2026, 0, 5);

/** Clock readings change at most once a minute (cron specs have no seconds field): sample each wall-clock minute. */
const STEP_MS = 60_000;

/**
 * The series plus one computed column per clock trigger that has none, sampled from t = 0 to `horizonSeconds`
 * (only value changes are kept). `added` names the computed columns.
 */
export function withClockColumns(so: ScaledObject, series: Series, startMs: number, horizonSeconds: number): { series: Series; added: string[] } {
  const added: string[] = [];
  const points = new Map(series.points);
  const columns = [...series.columns];
  let end = series.end;
  so.spec.triggers.forEach((t, i) => {
    const checked = checkTriggerOffline(t, i);
    if (!checked.ok) return; // the simulator reports it
    const { descriptor, config, metricSpecs } = checked.described;
    if (!descriptor.clockReading || metricSpecs.length !== 1) return;
    const candidates = [t.name, `s${i}`, metricSpecs[0].metricName].filter((x): x is string => !!x);
    if (candidates.some((c) => columns.includes(c))) return;
    const column = t.name ?? `s${i}`;
    const list: Array<{ t: number; v: SeriesValue }> = [];
    const horizonMs = horizonSeconds * 1000;
    const firstMinute = Math.ceil(startMs / STEP_MS) * STEP_MS - startMs;
    for (let ms = 0; ms <= horizonMs; ms = ms === 0 && firstMinute > 0 ? firstMinute : ms + STEP_MS) {
      const v = descriptor.clockReading(config, startMs + ms, metricSpecs).metrics[0]?.value ?? 0;
      if (list.length === 0 || list[list.length - 1].v !== v) list.push({ t: ms / 1000, v });
    }
    points.set(column, list);
    columns.push(column);
    added.push(column);
    end = Math.max(end, list[list.length - 1].t);
  });
  return { series: { columns, points, end }, added };
}
