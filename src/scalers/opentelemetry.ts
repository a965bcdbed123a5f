// `opentelemetry` trigger — an Updraft extension, not a KEDA scaler type. It scales on metrics pushed to Updraft's
// own OTLP receiver (servers/otlp-receiver.ts) by apps or an OpenTelemetry Collector, with no metrics backend in
// between. It is a push trigger: each export that carries the metric produces a reading at once (`subscribe`),
// and the regular poll (`read`) covers series ageing out when instances stop reporting.
//
//   triggers:
//   - type: opentelemetry
//     metadata:
//       metricName: http.server.request.count   # OTLP metric name, as exported
//       rate: "true"                            # per-second rate of a counter / histogram count
//       window: 10s
//       threshold: "5"                          # target per replica (AverageValue)
import type { OtlpMetricStore, Sample, Series } from './common/otlp-metric-store.ts';
import { MAX_WINDOW_MS, sharedOtlpMetricStore } from './common/otlp-metric-store.ts';
import { externalMetricSpec } from './common/metric-target.ts';
import { bool, duration, float, keyValues, oneOf, resolveConfig, str, type ConfigOf } from './common/typed-config.ts';
import { ConfigError, defineScaler, ReadError, type RawReading, type TriggerReader } from './scaler.ts';

export const TYPE = 'opentelemetry';

export type Aggregation = 'sum' | 'avg' | 'max' | 'min';

// 1. The config, defaults next to the fields.
const fields = {
  /** The OTLP metric name (`http.server.request.count`). */
  metricName: str(),
  /** Only series whose point (or, failing that, resource) attributes have these values. */
  attributes: keyValues({ default: {} }),
  /** How per-instance values combine into the trigger's value. */
  aggregation: oneOf(['sum', 'avg', 'max', 'min'] as const)({ default: 'sum' }),
  /** Per-second rate of a monotonic sum (counter) or of a histogram's count, over `window`. */
  rate: bool({ default: false }),
  /** Series that sent nothing for this long are gone; rates are computed over it. */
  window: duration({ default: 30_000 }),
  /** Target value (per replica with the default metricType AverageValue). */
  threshold: float(),
  /** KEDA semantics: active when the value is strictly greater. */
  activationThreshold: float({ default: 0 }),
};
export type OpenTelemetryConfig = ConfigOf<typeof fields>;

// 2. parse
export function parse(metadata: Record<string, string>): OpenTelemetryConfig {
  const cfg = resolveConfig(TYPE, fields, { metadata, authParams: {}, resolvedEnv: {} });
  if (!(cfg.threshold > 0)) throw new ConfigError(TYPE, 'threshold', `threshold must be a number > 0, got '${metadata.threshold}'`);
  if (cfg.window < 1000 || cfg.window > MAX_WINDOW_MS) {
    throw new ConfigError(TYPE, 'window', `window must be between 1s and ${MAX_WINDOW_MS / 60_000}m, got '${metadata.window}'`);
  }
  return cfg;
}

// 3. the value maths (pure: series + config + now in, number out)

export type SeriesValue = { value: number; weight?: number } | { skip: string };

/**
 * One series' contribution over the window ending at `now` (Updraft's clock; samples carry their receive time).
 *  - gauge: the latest value; `rate` is an error (a gauge has no rate).
 *  - sum, cumulative: latest value, or with `rate` the per-second increase (a drop in value or a new start time
 *    is a counter reset: the new value is the increase, as in Prometheus).
 *  - sum, delta: the sum of the deltas in the window, or with `rate` that sum per second of the time covered.
 *  - histogram: with `rate`, observations per second (the count's rate); without, the mean observed value in the
 *    window (increase of sum / increase of count). `weight` carries the count so means combine correctly.
 */
export function seriesValue(s: Series, cfg: Pick<OpenTelemetryConfig, 'rate' | 'window'>, now: number): SeriesValue {
  const from = now - cfg.window;
  const inWindow = s.samples.filter((x) => x.at > from);
  if (inWindow.length === 0) return { skip: 'no data in window' };
  const last = inWindow[inWindow.length - 1];
  if (s.kind === 'gauge') {
    if (cfg.rate)
      throw new ReadError('bad-query', `${TYPE}: metric ${s.metric} is a gauge; rate needs a counter (monotonic sum) or a histogram — remove rate: "true"`);
    return { value: last.value };
  }
  if (s.kind === 'sum' && !cfg.rate) {
    return s.temporality === 'cumulative' ? { value: last.value } : { value: sumOf(inWindow, (x) => x.value) };
  }
  const count = increase(s, inWindow, from, cfg.window, (x) => x.value);
  if (!count) return { skip: 'needs a second data point' };
  if (cfg.rate) return { value: count.delta / count.seconds };
  const total = increase(s, inWindow, from, cfg.window, (x) => x.sum ?? 0);
  if (!total || count.delta === 0) return { skip: 'no observations in window' };
  return { value: total.delta / count.delta, weight: count.delta };
}

/** Increase of a counter-like value over the window and the seconds it covers; undefined if unknown yet. */
function increase(
  s: Series,
  inWindow: readonly Sample[],
  from: number,
  windowMs: number,
  get: (x: Sample) => number,
): { delta: number; seconds: number } | undefined {
  if (s.temporality === 'delta') {
    const start = Math.min(...inWindow.map((x) => x.startMs || x.timeMs));
    const seconds = (inWindow[inWindow.length - 1].timeMs - start) / 1000;
    return seconds > 0 ? { delta: sumOf(inWindow, get), seconds } : undefined;
  }
  // Cumulative: start from the last sample before the window when there is one, so the rate covers the window.
  const before = s.samples.filter((x) => x.at <= from).at(-1);
  const pts = before ? [before, ...inWindow] : [...inWindow];
  if (pts.length === 1) {
    // A series that began inside the window: its single value is the increase since its start time.
    const only = pts[0];
    const started = only.startMs > 0 && only.startMs < only.timeMs && only.timeMs - only.startMs <= windowMs;
    return started ? { delta: get(only), seconds: (only.timeMs - only.startMs) / 1000 } : undefined;
  }
  let delta = 0;
  for (let i = 1; i < pts.length; i++) {
    // A new start time is a restart; for a counter (monotonic) so is any drop in value. An up-down counter's
    // drops are real decreases.
    const restarted = pts[i].startMs !== pts[i - 1].startMs && pts[i].startMs > 0;
    const reset = restarted || (s.monotonic && get(pts[i]) < get(pts[i - 1]));
    delta += reset ? get(pts[i]) : get(pts[i]) - get(pts[i - 1]);
  }
  const seconds = (pts[pts.length - 1].timeMs - pts[0].timeMs) / 1000;
  return seconds > 0 ? { delta, seconds } : undefined;
}

function sumOf(xs: readonly Sample[], get: (x: Sample) => number): number {
  let t = 0;
  for (const x of xs) t += get(x);
  return t;
}

/** Does a series match the `attributes` filter? Point attributes first, then the resource's. */
export function matches(s: Series, filter: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(filter)) {
    const actual = s.attributes[k] ?? s.resource[k];
    if (actual !== v) return false;
  }
  return true;
}

export interface Computed {
  value: number;
  /** Instances that contributed. */
  instances: number;
}

/**
 * The trigger value: series are first combined per instance (summed; histogram means weighted by their counts),
 * then instances are combined by `aggregation`. No data at all is 0 (nothing reports: nothing to serve).
 */
export function compute(all: readonly Series[], cfg: Pick<OpenTelemetryConfig, 'rate' | 'window' | 'attributes' | 'aggregation'>, now: number): Computed {
  const perInstance = new Map<string, { value: number; weight: number; weighted: boolean }>();
  for (const s of all) {
    if (!matches(s, cfg.attributes)) continue;
    const v = seriesValue(s, cfg, now);
    if ('skip' in v) continue;
    const acc = perInstance.get(s.instance) ?? { value: 0, weight: 0, weighted: false };
    if (v.weight !== undefined) {
      acc.value += v.value * v.weight;
      acc.weight += v.weight;
      acc.weighted = true;
    } else {
      acc.value += v.value;
    }
    perInstance.set(s.instance, acc);
  }
  const values = [...perInstance.values()].map((a) => (a.weighted ? a.value / a.weight : a.value));
  if (values.length === 0) return { value: 0, instances: 0 };
  let value: number;
  switch (cfg.aggregation) {
    case 'sum':
      value = values.reduce((a, b) => a + b, 0);
      break;
    case 'avg':
      value = values.reduce((a, b) => a + b, 0) / values.length;
      break;
    case 'max':
      value = Math.max(...values);
      break;
    case 'min':
      value = Math.min(...values);
      break;
  }
  return { value, instances: values.length };
}

// 4. the reader
class OpenTelemetryReader implements TriggerReader {
  private readonly unsubscribers = new Set<() => void>();

  constructor(
    private readonly cfg: OpenTelemetryConfig,
    private readonly store: OtlpMetricStore,
    private readonly name: string,
    private readonly now: () => number,
  ) {}

  private reading(): RawReading {
    const { value } = compute(this.store.series(this.cfg.metricName, this.cfg.window), this.cfg, this.now());
    return { metrics: [{ name: this.name, value }] };
  }

  async read(signal: AbortSignal): Promise<RawReading> {
    signal.throwIfAborted();
    return this.reading();
  }

  subscribe(onReading: (reading: RawReading) => void): () => void {
    const off = this.store.subscribe(this.cfg.metricName, () => {
      let r: RawReading;
      try {
        r = this.reading();
      } catch {
        return; // a bad-query error (rate on a gauge) is reported by the next poll
      }
      onReading(r);
    });
    this.unsubscribers.add(off);
    return () => {
      off();
      this.unsubscribers.delete(off);
    };
  }

  async close(): Promise<void> {
    for (const off of this.unsubscribers) off();
    this.unsubscribers.clear();
  }
}

/**
 * Reads the store the OTLP receiver writes into: the one in the ReaderContext (tests, `updraft up` with its own),
 * else the process's shared store that `updraft up` and the operator feed.
 */
export const descriptor = defineScaler<OpenTelemetryConfig>({
  type: TYPE,
  fields,
  example: { metadata: { metricName: 'http.server.request.count', rate: 'true', threshold: '15' } },
  parse: (input) => parse(input.metadata),
  metricSpecs: (cfg, triggerIndex, metricType) => externalMetricSpec(triggerIndex, `${TYPE}-${cfg.metricName}`, cfg.threshold, TYPE, metricType),
  activationThreshold: (cfg) => cfg.activationThreshold,
  createReader: (cfg, ctx) => new OpenTelemetryReader(cfg, ctx.otlpStore ?? sharedOtlpMetricStore(), ctx.metricSpecs[0].metricName, ctx.now ?? Date.now),
});
