// A simulation scenario: manifest text + series text + options → the result, its timeline, JSON lines and chart.
// Pure apart from its inputs (the CLI reads the files and writes the outputs), so tests run it directly.
import { parseManifests } from '../api/parse.ts';
import type { ScaledObject } from '../api/types.ts';
import { renderChart } from './chart.ts';
import { DEFAULT_START_MS, withClockColumns } from './clock-series.ts';
import { parseSeries, type Series } from './series.ts';
import { simulate, type SimulationOptions, type SimulationResult } from './simulator.ts';
import { formatTimeline } from './timeline.ts';
import { SimulationSetupError } from './trigger-targets.ts';

export interface Scenario {
  manifest: { name: string; text: string };
  /** Optional when every trigger is computed from the clock (cron). */
  series?: { name: string; text: string };
  /** Which ScaledObject, when the manifest holds several. */
  scaledObject?: string;
  /** Wall time of t = 0 (epoch ms), for triggers computed from the clock; default DEFAULT_START_MS. */
  startMs?: number;
  options: SimulationOptions;
}

const DAY_SECONDS = 86_400;

export interface ScenarioOutput {
  so: ScaledObject;
  series: Series;
  result: SimulationResult;
  header: string;
}

/** Pick the ScaledObject to simulate; errors name the file and what to pass. */
export function pickScaledObject(text: string, source: string, name?: string): ScaledObject {
  const parsed = parseManifests(text, source);
  const errors = parsed.problems.filter((p) => p.severity === 'error');
  const sos = parsed.objects.filter((o): o is ScaledObject => o.kind === 'ScaledObject');
  const candidates = name ? sos.filter((o) => o.metadata.name === name || `${o.metadata.namespace}/${o.metadata.name}` === name) : sos;
  if (candidates.length === 0) {
    const why = errors.length ? `; problems: ${errors.map((p) => `${p.source ?? p.object} ${p.path} ${p.message}`).join('; ')}` : '';
    throw new SimulationSetupError(
      name
        ? `${source}: no ScaledObject named '${name}' (found: ${sos.map((o) => o.metadata.name).join(', ') || 'none'})${why}`
        : `${source}: no valid ScaledObject found${why}`,
    );
  }
  if (candidates.length > 1) {
    throw new SimulationSetupError(
      `${source} holds ${candidates.length} ScaledObjects (${candidates.map((o) => o.metadata.name).join(', ')}); choose one with --scaled-object NAME`,
    );
  }
  const so = candidates[0];
  const own = errors.filter((p) => p.object.endsWith(`${so.metadata.namespace}/${so.metadata.name}`));
  if (own.length)
    throw new SimulationSetupError(
      `${source}: ScaledObject ${so.metadata.namespace}/${so.metadata.name} is invalid: ${own.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    );
  return so;
}

export function runScenario(s: Scenario): ScenarioOutput {
  const so = pickScaledObject(s.manifest.text, s.manifest.name, s.scaledObject);
  const given: Series = s.series ? parseSeries(s.series.text, s.series.name) : { columns: [], points: new Map(), end: 0 };
  // Clock triggers (cron) get computed columns; with nothing else to replay, a day of them is simulated.
  const startMs = s.startMs ?? DEFAULT_START_MS;
  const clock = withClockColumns(so, given, startMs, s.options.durationSeconds ?? Math.max(DAY_SECONDS, given.end));
  const series = clock.series;
  const o: SimulationOptions =
    clock.added.length > 0 && given.columns.length === 0 && s.options.durationSeconds === undefined
      ? { ...s.options, durationSeconds: DAY_SECONDS }
      : s.options;
  const result = simulate(so, series, o);
  const header =
    `updraft simulate: ScaledObject ${so.metadata.namespace}/${so.metadata.name} — mode ${o.mode}, pollingInterval ${so.spec.pollingInterval}s` +
    (o.mode === 'hpa' ? `, HPA sync ${o.hpaSyncSeconds}s` : '') +
    `, cooldownPeriod ${so.spec.cooldownPeriod}s, replicas ${so.spec.minReplicaCount}..${so.spec.maxReplicaCount}, start ${o.startReplicas}` +
    (o.readyDelaySeconds ? `, pods ready after ${o.readyDelaySeconds}s` : '') +
    (clock.added.length ? `, t=0 at ${new Date(startMs).toISOString()} (${clock.added.join(', ')} computed from the clock)` : '');
  return { so, series, result, header };
}

export function scenarioTimeline(out: ScenarioOutput): string {
  return formatTimeline(out.result, out.header);
}

/** One JSON object per step, one per line (t, values, active, desired, replicas, reason, ...). */
export function scenarioJson(out: ScenarioOutput): string {
  return out.result.steps.map((s) => JSON.stringify(s)).join('\n') + '\n' + JSON.stringify({ summary: out.result.summary }) + '\n';
}

export function scenarioChart(out: ScenarioOutput): string {
  return renderChart(out.result, out.series, `${out.so.metadata.namespace}/${out.so.metadata.name}: replicas vs. ${out.series.columns.join(', ')}`);
}
