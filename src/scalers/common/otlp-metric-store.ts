// The data points Updraft's OTLP receiver has been sent, per metric name and series, for the `opentelemetry`
// trigger (an Updraft extension). The receiver (servers/otlp-receiver.ts) writes decoded points here; the scaler
// (scalers/opentelemetry.ts) reads series and subscribes to a metric so a push reaches the engine at once.
//
// A series is one metric + one resource (the reporting instance, identified by its resource attributes such as
// service.instance.id) + one set of point attributes. Samples are kept for `retentionMs`; a series that stops
// reporting disappears from readers after their window and from memory after the retention.

/** How the OTLP point was produced (OTLP `Metric.data`); exponential histograms and summaries count as histograms. */
export type PointKind = 'gauge' | 'sum' | 'histogram';
export type Temporality = 'cumulative' | 'delta';

/** One data point as decoded from OTLP, flattened with its resource. */
export interface OtlpPoint {
  metric: string;
  kind: PointKind;
  /** Sums: OTLP `is_monotonic` (a counter). Histograms are monotonic in their count. */
  monotonic: boolean;
  /** Gauges: always 'cumulative' (meaning "a level"). */
  temporality: Temporality;
  resource: Readonly<Record<string, string>>;
  attributes: Readonly<Record<string, string>>;
  /** `start_time_unix_nano` in ms; 0 when unset. */
  startMs: number;
  /** `time_unix_nano` in ms. */
  timeMs: number;
  /** Gauge/sum value; histogram count. */
  value: number;
  /** Histogram sum (of observed values), when reported. */
  sum?: number;
}

export interface Sample {
  /** When Updraft received it (ms, Updraft's clock): what windows and ageing use, immune to sender clock skew. */
  at: number;
  startMs: number;
  timeMs: number;
  value: number;
  sum?: number;
}

export interface Series {
  readonly metric: string;
  readonly kind: PointKind;
  readonly monotonic: boolean;
  readonly temporality: Temporality;
  readonly resource: Readonly<Record<string, string>>;
  readonly attributes: Readonly<Record<string, string>>;
  /** The reporting instance: its service.instance.id, or all its resource attributes when that is missing. */
  readonly instance: string;
  /** Oldest first. */
  readonly samples: readonly Sample[];
  readonly lastAt: number;
}

export interface IngestResult {
  accepted: number;
  rejected: number;
  /** One message per kind of rejection, for the OTLP partial-success error_message. */
  errors: string[];
}

export interface OtlpMetricStoreOptions {
  now?: () => number;
  /** Keep samples this long (default 10 min: the longest trigger window allowed). */
  retentionMs?: number;
  /** Per metric, at most this many series (default 10 000); points of new series beyond it are rejected. */
  maxSeriesPerMetric?: number;
  /** Per series, at most this many samples (default 2 000, oldest dropped first). */
  maxSamplesPerSeries?: number;
}

interface MutableSeries extends Series {
  samples: Sample[];
  lastAt: number;
}

export const MAX_WINDOW_MS = 600_000;

export class OtlpMetricStore {
  private readonly metrics = new Map<string, Map<string, MutableSeries>>();
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly now: () => number;
  private readonly retentionMs: number;
  private readonly maxSeries: number;
  private readonly maxSamples: number;
  private lastSweep = 0;

  constructor(opts: OtlpMetricStoreOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.retentionMs = opts.retentionMs ?? MAX_WINDOW_MS;
    this.maxSeries = opts.maxSeriesPerMetric ?? 10_000;
    this.maxSamples = opts.maxSamplesPerSeries ?? 2_000;
  }

  /** Add decoded points; then tell each subscriber of a touched metric once. */
  ingest(points: readonly OtlpPoint[]): IngestResult {
    const at = this.now();
    const touched = new Set<string>();
    const errors = new Set<string>();
    let rejected = 0;
    for (const p of points) {
      let byKey = this.metrics.get(p.metric);
      if (!byKey) {
        byKey = new Map();
        this.metrics.set(p.metric, byKey);
      }
      const key = seriesKey(p);
      let s = byKey.get(key);
      if (s && (s.kind !== p.kind || s.temporality !== p.temporality)) {
        // The instrument changed type (e.g. a redeploy switched to delta): start the series over.
        byKey.delete(key);
        s = undefined;
      }
      if (!s) {
        if (byKey.size >= this.maxSeries) {
          rejected++;
          errors.add(`metric ${p.metric} has ${this.maxSeries} series, the most Updraft keeps; drop high-cardinality attributes`);
          continue;
        }
        s = {
          metric: p.metric,
          kind: p.kind,
          monotonic: p.monotonic,
          temporality: p.temporality,
          resource: p.resource,
          attributes: p.attributes,
          instance: instanceOf(p.resource),
          samples: [],
          lastAt: at,
        };
        byKey.set(key, s);
      }
      const sample: Sample = { at, startMs: p.startMs, timeMs: p.timeMs, value: p.value };
      if (p.sum !== undefined) sample.sum = p.sum;
      insertByTime(s.samples, sample);
      if (s.samples.length > this.maxSamples) s.samples.splice(0, s.samples.length - this.maxSamples);
      s.lastAt = at;
      touched.add(p.metric);
    }
    if (at - this.lastSweep >= 1000) this.sweep(at);
    for (const m of touched) for (const l of this.listeners.get(m) ?? []) l();
    return { accepted: points.length - rejected, rejected, errors: [...errors] };
  }

  /** Series of `metric` that reported within `windowMs` (all retained ones when omitted). */
  series(metric: string, windowMs?: number): Series[] {
    const byKey = this.metrics.get(metric);
    if (!byKey) return [];
    const since = this.now() - (windowMs ?? this.retentionMs);
    return [...byKey.values()].filter((s) => s.lastAt > since);
  }

  metricNames(): string[] {
    return [...this.metrics.keys()];
  }

  /** `listener` runs after each ingest that carried points of `metric`. */
  subscribe(metric: string, listener: () => void): () => void {
    let set = this.listeners.get(metric);
    if (!set) {
      set = new Set();
      this.listeners.set(metric, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(metric);
    };
  }

  /** Drop samples past the retention and series with none left. */
  sweep(at = this.now()): void {
    this.lastSweep = at;
    const cutoff = at - this.retentionMs;
    for (const [metric, byKey] of this.metrics) {
      for (const [key, s] of byKey) {
        // Keep one sample older than the cutoff: it is the baseline a rate over a full window starts from.
        let drop = 0;
        while (drop + 1 < s.samples.length && s.samples[drop + 1].at <= cutoff) drop++;
        if (drop > 0) s.samples.splice(0, drop);
        if (s.lastAt <= cutoff) byKey.delete(key);
      }
      if (byKey.size === 0) this.metrics.delete(metric);
    }
  }
}

/** Samples arrive nearly in order; keep them sorted by the sender's timestamp. */
function insertByTime(samples: Sample[], s: Sample): void {
  let i = samples.length;
  while (i > 0 && samples[i - 1].timeMs > s.timeMs) i--;
  if (i > 0 && samples[i - 1].timeMs === s.timeMs && samples[i - 1].startMs === s.startMs) {
    samples[i - 1] = s; // the same point sent again (an exporter retry)
    return;
  }
  samples.splice(i, 0, s);
}

function stableKey(attrs: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.keys(attrs)
      .sort()
      .map((k) => [k, attrs[k]]),
  );
}

function instanceOf(resource: Readonly<Record<string, string>>): string {
  const id = resource['service.instance.id'];
  return id !== undefined ? `${resource['service.name'] ?? ''}/${id}` : stableKey(resource);
}

function seriesKey(p: OtlpPoint): string {
  return `${stableKey(p.resource)}|${stableKey(p.attributes)}`;
}

let shared: OtlpMetricStore | undefined;

/**
 * The store of this Updraft process: the OTLP receiver writes here and the registered `opentelemetry` scaler
 * factory reads here (one receiver per process, like one metrics API server).
 */
export function sharedOtlpMetricStore(): OtlpMetricStore {
  shared ??= new OtlpMetricStore();
  return shared;
}
