// One metric, two exporters: a family is declared once (Prometheus name, labels and help; OpenTelemetry name,
// attributes and kind) and written through a small interface, so the operator's collector (keda-metrics.ts) records
// a value once and both the Prometheus registry (`/metrics`) and the OTLP exporter (keda-otel-metrics.ts) see it.
// KEDA does the same with one MetricsCollector per backend (KEDA pkg/metricscollector/metricscollectors.go).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type Labels = Record<string, string>;

export interface FamilySpec {
  /** Prometheus name, e.g. `keda_scaler_active`. */
  name: string;
  help: string;
  labels: readonly string[];
  /** OpenTelemetry instrument name (KEDA's, where KEDA exports one); undefined: Prometheus only. */
  otel?: string;
  otelUnit?: string;
  /** An integer gauge in OpenTelemetry (KEDA's Int64ObservableGauge). */
  otelInt?: boolean;
  /** Prometheus labels → OpenTelemetry attributes (KEDA names some of them differently there, and types a few as booleans). */
  otelAttributes?: (labels: Labels) => Record<string, string | boolean>;
  /** More OpenTelemetry names for the same values (KEDA's deprecated instruments), with a unit factor. */
  otelAlso?: ReadonlyArray<{ name: string; help: string; factor: number }>;
  buckets?: number[];
  /** The OpenTelemetry histogram keeps the SDK's default boundaries (KEDA sets `buckets` on the Prometheus one only). */
  otelSdkBuckets?: boolean;
}

export interface GaugeFamily {
  set(labels: Labels, value: number): void;
  remove(labels: Labels): void;
}

export interface CounterFamily {
  inc(labels: Labels, by?: number): void;
  /** Make the series exist at 0 (KEDA initialises its error counters on a successful read). */
  touch(labels: Labels): void;
  remove(labels: Labels): void;
}

export interface HistogramFamily {
  observe(labels: Labels, value: number): void;
}

/** A backend the collector writes to: the Prometheus registry, the OpenTelemetry meter. */
export interface MetricsBackend {
  gauge(spec: FamilySpec): GaugeFamily;
  counter(spec: FamilySpec): CounterFamily;
  /** A sum that goes up and down, kept as absolute values (KEDA: a Prometheus gauge, an OTel up-down counter). */
  upDown(spec: FamilySpec): GaugeFamily;
  histogram(spec: FamilySpec): HistogramFamily;
}

/** Writes to several backends at once. */
export function fanOut(backends: readonly MetricsBackend[]): MetricsBackend {
  return {
    gauge: (s) => {
      const fs = backends.map((b) => b.gauge(s));
      return { set: (l, v) => fs.forEach((f) => f.set(l, v)), remove: (l) => fs.forEach((f) => f.remove(l)) };
    },
    upDown: (s) => {
      const fs = backends.map((b) => b.upDown(s));
      return { set: (l, v) => fs.forEach((f) => f.set(l, v)), remove: (l) => fs.forEach((f) => f.remove(l)) };
    },
    counter: (s) => {
      const fs = backends.map((b) => b.counter(s));
      return { inc: (l, by) => fs.forEach((f) => f.inc(l, by)), touch: (l) => fs.forEach((f) => f.touch(l)), remove: (l) => fs.forEach((f) => f.remove(l)) };
    },
    histogram: (s) => {
      const fs = backends.map((b) => b.histogram(s));
      return { observe: (l, v) => fs.forEach((f) => f.observe(l, v)) };
    },
  };
}

/** The Prometheus backend: prom-client metrics on the operator's registry (reused when already registered). */
export function prometheusBackend(registry: Registry): MetricsBackend {
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  const gauge = (s: FamilySpec): GaugeFamily => {
    const g = existing<Gauge<string>>(s.name) ?? new Gauge({ name: s.name, help: s.help, labelNames: [...s.labels], registers: [registry] });
    return { set: (l, v) => g.set(l, v), remove: (l) => void g.remove(l) };
  };
  return {
    gauge,
    upDown: gauge,
    counter: (s) => {
      const c = existing<Counter<string>>(s.name) ?? new Counter({ name: s.name, help: s.help, labelNames: [...s.labels], registers: [registry] });
      return { inc: (l, by = 1) => c.inc(l, by), touch: (l) => c.inc(l, 0), remove: (l) => void c.remove(l) };
    },
    histogram: (s) => {
      const h =
        existing<Histogram<string>>(s.name) ??
        new Histogram({ name: s.name, help: s.help, labelNames: [...s.labels], buckets: s.buckets, registers: [registry] });
      return { observe: (l, v) => h.observe(l, v) };
    },
  };
}

/** A stable key for a label set (sorted), for the backends that keep their own maps. */
export function labelKey(labels: Labels): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}
