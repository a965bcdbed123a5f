// `cron`: a fixed replica count inside a time window (KEDA pkg/scalers/cron_scaler.go). No source is read: the
// reading is computed from the clock, so `simulate` evaluates it on its virtual clock (`clockReading`).
//
// KEDA's semantics, kept here:
//  - start and end are five-field cron specs as robfig/cron/v3 reads them with Minute|Hour|Dom|Month|Dow (no
//    seconds field, no @descriptors; names JAN-DEC and SUN-SAT; `?` = `*`; `N/step` = `N-max/step`; when both day
//    fields are restricted a day matches either, as in Vixie cron) — parsed below by a port of that grammar;
//  - active when the next end comes no later than the next start (both strictly after now, to the second), i.e.
//    from a start (inclusive) up to the following end (exclusive), windows crossing midnight included;
//  - the value is desiredReplicas inside the window and 0 outside, against a target of 1 (AverageValue or Value),
//    so the HPA asks for desiredReplicas replicas.
// The next times come from croner (IANA time zones and DST) on a normalized spec (every field as the explicit
// list of values robfig's grammar gives, or `*`), so both match the same minutes.
import { Cron } from 'croner';
import { truncate } from '../api/problem.ts';
import { externalMetricSpec } from './common/metric-target.ts';
import { int, resolveConfig, str } from './common/typed-config.ts';
import { ConfigError, defineScaler, type MetricSpec, type ParseInput, type RawReading } from './scaler.ts';

export const TYPE = 'cron';

// ---- 1. the typed config ----

const fields = {
  /** IANA time zone the schedules are read in (Europe/Berlin, America/New_York, Etc/UTC). */
  timezone: str(),
  /** Five-field cron spec: the window opens. */
  start: str(),
  /** Five-field cron spec: the window closes. */
  end: str(),
  /** The value inside the window (replicas, with the target of 1). */
  desiredReplicas: int(),
};

export interface CronSchedule {
  /** The spec as written (metric name). */
  spec: string;
  /** What croner is given: robfig's value sets written out. */
  normalized: string;
  /** The time zone the schedule runs in: `timezone`, or the spec's own CRON_TZ=/TZ= prefix (robfig). */
  timezone: string;
}

export interface CronConfig {
  timezone: string;
  start: CronSchedule;
  end: CronSchedule;
  desiredReplicas: number;
}

// ---- 2. robfig/cron/v3's five-field grammar (github.com/robfig/cron parser.go) ----

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const BOUNDS: Record<'minute' | 'hour' | 'day of month' | 'month' | 'day of week', Bounds> = {
  minute: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  'day of month': { min: 1, max: 31 },
  month: { min: 1, max: 12, names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 } },
  'day of week': { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } },
};
const PLACES = Object.keys(BOUNDS) as Array<keyof typeof BOUNDS>;

class SpecError extends Error {}

/** Go strconv.Atoi for a non-negative int (an optional sign, then decimal digits). */
function parseIntOrName(expr: string, b: Bounds): number {
  const named = b.names?.[expr.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^[+-]?\d+$/.test(expr)) throw new SpecError(`failed to parse int from ${expr}`);
  const n = Number(expr);
  if (n < 0) throw new SpecError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

/** One comma element: `*`, `?`, `N`, `N-M`, each optionally `/step`. Returns its values and whether it is a star. */
function parseRange(expr: string, b: Bounds): { values: number[]; star: boolean } {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min;
    end = b.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0], b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], b);
    else throw new SpecError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseIntOrName(rangeAndStep[1], {} as Bounds);
    if (lowAndHigh.length === 1) end = b.max; // "N/step" means "N-max/step"
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new SpecError(`too many slashes: ${expr}`);
  }
  if (start < b.min) throw new SpecError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new SpecError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new SpecError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new SpecError(`step of range should be a positive number: ${expr}`);
  const values: number[] = [];
  for (let i = start; i <= end; i += step) values.push(i);
  return { values, star };
}

/** A field as croner should read it: `*` when robfig marks it a star (all values, no restriction), else the list. */
function normalizeField(field: string, b: Bounds): string {
  const set = new Set<number>();
  let star = false;
  for (const expr of field.split(',').filter((e) => e !== '')) {
    const r = parseRange(expr, b);
    star ||= r.star;
    for (const v of r.values) set.add(v);
  }
  if (set.size === 0) throw new SpecError(`empty field: ${field}`);
  return star ? '*' : [...set].sort((x, y) => x - y).join(',');
}

/** Valid IANA zone names as the runtime's ICU knows them (Go's LoadLocation reads the same tz database). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Parse one spec (robfig's rules and wording); throws the trigger's ConfigError for `field`. */
export function parseSchedule(field: 'start' | 'end', spec: string, timezone: string): CronSchedule {
  const fail = (why: string) =>
    new ConfigError(
      TYPE,
      field,
      `error parsing ${field} schedule: ${why}; ${field} must be a five-field cron spec such as "0 6 * * 1-5" (minute hour day-of-month month day-of-week), got '${truncate(spec)}'`,
    );
  let rest = spec;
  let tz = timezone;
  if (rest.startsWith('TZ=') || rest.startsWith('CRON_TZ=')) {
    const space = rest.indexOf(' ');
    const name = rest.slice(rest.indexOf('=') + 1, space < 0 ? undefined : space);
    if (space < 0 || !isTimeZone(name)) throw fail(`provided bad location ${name}`);
    tz = name;
    rest = rest.slice(space).trim();
  }
  if (rest.startsWith('@')) throw fail(`parser does not accept descriptors: ${rest}`);
  const parts = rest.split(/\s+/).filter((p) => p !== '');
  if (parts.length !== 5) throw fail(`expected exactly 5 fields, found ${parts.length}`);
  let normalized: string;
  try {
    normalized = parts.map((p, i) => normalizeField(p, BOUNDS[PLACES[i]])).join(' ');
  } catch (e) {
    if (e instanceof SpecError) throw fail(e.message);
    throw e;
  }
  return { spec, normalized, timezone: tz };
}

export function parse(input: ParseInput): CronConfig {
  const c = resolveConfig(TYPE, fields, input);
  // KEDA loads the zone at each read and fails every read on a bad one; Updraft refuses it up front.
  if (!isTimeZone(c.timezone)) {
    throw new ConfigError(TYPE, 'timezone', `timezone must be an IANA time zone name such as Europe/Berlin or Etc/UTC, got '${truncate(c.timezone)}'`);
  }
  const start = parseSchedule('start', c.start, c.timezone);
  const end = parseSchedule('end', c.end, c.timezone);
  if (c.start === c.end) throw new ConfigError(TYPE, 'end', `start and end can not have exactly same time input, got '${truncate(c.end)}' for both`);
  if (c.desiredReplicas === 0)
    throw new ConfigError(TYPE, 'desiredReplicas', "no desiredReplicas specified: desiredReplicas must be a whole number greater than 0, got '0'");
  // KEDA takes a negative count and reports it inside the window (the HPA then wants 0 or fewer pods and keeps
  // the minimum); it can only be a mistake, so Updraft refuses it.
  if (c.desiredReplicas < 0)
    throw new ConfigError(TYPE, 'desiredReplicas', `desiredReplicas must be a whole number greater than 0, got '${c.desiredReplicas}'`);
  return { timezone: c.timezone, start, end, desiredReplicas: c.desiredReplicas };
}

// ---- 3. the value maths (pure: config + clock in, reading out) ----

/** KEDA parseCronTimeFormat: the spec in a metric name. */
export function cronTimeFormat(s: string): string {
  return s.replaceAll(' ', '').replaceAll('*', 'x').replaceAll('/', 'Sl').replaceAll('?', 'Qm').replaceAll(',', 'Cm');
}

const compiled = new WeakMap<CronSchedule, Cron>();

function cronOf(s: CronSchedule): Cron {
  let c = compiled.get(s);
  if (!c) {
    // legacyMode: both day fields restricted → either matches (robfig dayMatches); a `*` day field restricts nothing.
    c = new Cron(s.normalized, { timezone: s.timezone, legacyMode: true });
    compiled.set(s, c);
  }
  return c;
}

/** The first time the schedule fires strictly after `nowMs`, to the second (robfig Next); -Infinity if never. */
export function nextFire(s: CronSchedule, nowMs: number): number {
  const next = cronOf(s).nextRun(new Date(nowMs));
  // robfig returns the zero time when nothing matches within five years (e.g. "0 0 30 2 *"): before any time.
  return next ? next.getTime() : -Infinity;
}

/** KEDA: active unless the next start comes before the next end. */
export function cronActive(config: Pick<CronConfig, 'start' | 'end'>, nowMs: number): boolean {
  return !(nextFire(config.start, nowMs) < nextFire(config.end, nowMs));
}

/** The reading at `nowMs`: desiredReplicas inside the window, 0 outside, for each metric spec. */
export function cronReading(config: CronConfig, nowMs: number, metricSpecs: readonly MetricSpec[]): RawReading {
  const active = cronActive(config, nowMs);
  const value = active ? config.desiredReplicas : 0;
  return { metrics: metricSpecs.map((m) => ({ name: m.metricName, value })), active };
}

export const descriptor = defineScaler<CronConfig>({
  type: TYPE,
  fields,
  example: { metadata: { timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 18 * * 1-5', desiredReplicas: '5' } },
  parse,
  // KEDA: `cron-<timezone>-<start>-<end>` with the specs' spaces dropped and * / ? , spelled x Sl Qm Cm; target 1.
  metricSpecs: (config, triggerIndex, metricType) =>
    externalMetricSpec(triggerIndex, `cron-${config.timezone}-${cronTimeFormat(config.start.spec)}-${cronTimeFormat(config.end.spec)}`, 1, TYPE, metricType),
  activationThreshold: () => 0,
  clockReading: (config, nowMs, metricSpecs) => cronReading(config, nowMs, metricSpecs),
  createReader(config, ctx) {
    const now = ctx.now ?? Date.now;
    return {
      read: async () => cronReading(config, now(), ctx.metricSpecs),
      close: async () => undefined,
    };
  },
});
