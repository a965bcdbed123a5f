// The OpenTelemetry backend of the operator's metrics: KEDA's `--enable-opentelemetry-metrics` (KEDA
// pkg/metricscollector/opentelemetry.go). Same instrument names and attributes as KEDA's (keda.scaler.active, …),
// pushed over OTLP/HTTP to the endpoint the standard OTEL_EXPORTER_OTLP_* variables name, every
// OTEL_METRIC_EXPORT_INTERVAL ms (60 s by default, as the Go SDK's periodic reader).
import { ValueType, type Attributes, type Meter } from '@opentelemetry/api';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { labelKey, type FamilySpec, type GaugeFamily, type Labels, type MetricsBackend } from './metric-families.ts';

/** KEDA's meter name (pkg/metricscollector/opentelemetry.go `meterName`). */
export const OTEL_METER_NAME = 'keda-open-telemetry-metrics';

/** A backend writing to an OpenTelemetry meter; gauges keep their last value and are observed at each export. */
export function otelBackend(meter: Meter): MetricsBackend {
  const attrs = (s: FamilySpec, l: Labels): Attributes => (s.otelAttributes ? s.otelAttributes(l) : l);
  // Counts are integers, as KEDA's Int64 instruments; values and seconds are doubles.
  const observed = (
    s: FamilySpec,
    make: (name: string, description: string, unit?: string) => { addCallback(cb: (o: { observe(v: number, a?: Attributes): void }) => void): void },
  ): GaugeFamily => {
    const values = new Map<string, { labels: Labels; value: number }>();
    if (s.otel) {
      make(s.otel, s.help, s.otelUnit).addCallback((o) => {
        for (const v of values.values()) o.observe(v.value, attrs(s, v.labels));
      });
    }
    for (const also of s.otelAlso ?? []) {
      make(also.name, also.help).addCallback((o) => {
        for (const v of values.values()) o.observe(v.value * also.factor, attrs(s, v.labels));
      });
    }
    return {
      set: (labels, value) => void values.set(labelKey(labels), { labels, value }),
      remove: (labels) => void values.delete(labelKey(labels)),
    };
  };
  const none = { set() {}, remove() {}, inc() {}, touch() {}, observe() {} };
  return {
    gauge: (s) =>
      s.otel
        ? observed(s, (n, description, unit) => meter.createObservableGauge(n, { description, unit, valueType: s.otelInt ? ValueType.INT : ValueType.DOUBLE }))
        : none,
    upDown: (s) =>
      s.otel ? observed(s, (n, description, unit) => meter.createObservableUpDownCounter(n, { description, unit, valueType: ValueType.INT })) : none,
    counter: (s) => {
      if (!s.otel) return none;
      const counters = [
        meter.createCounter(s.otel, { description: s.help, unit: s.otelUnit, valueType: ValueType.INT }),
        ...(s.otelAlso ?? []).map((a) => meter.createCounter(a.name, { description: a.help, valueType: ValueType.INT })),
      ];
      return {
        inc: (l, by = 1) => counters.forEach((c) => c.add(by, attrs(s, l))),
        touch: (l) => counters.forEach((c) => c.add(0, attrs(s, l))),
        // A cumulative OTLP sum cannot be withdrawn; the series simply stops changing.
        remove: () => undefined,
      };
    },
    histogram: (s) => {
      if (!s.otel) return none;
      const h = meter.createHistogram(s.otel, {
        description: s.help,
        unit: s.otelUnit,
        advice: s.buckets && !s.otelSdkBuckets ? { explicitBucketBoundaries: s.buckets } : undefined,
      });
      return { observe: (l, v) => h.record(v, attrs(s, l)) };
    },
  };
}

export interface OtelMetricsOptions {
  /** The environment to read OTEL_* from (default process.env). */
  env?: Record<string, string | undefined>;
  version: string;
  /** Replace the OTLP exporter (tests). */
  exporter?: PushMetricExporter;
}

export interface OtelMetrics {
  backend: MetricsBackend;
  /** Where metrics go and how, for the startup log line. */
  endpoint: string;
  protocol: 'http/protobuf' | 'http/json';
  intervalMs: number;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

function parseList(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (value ?? '').split(',')) {
    const i = part.indexOf('=');
    if (i > 0) out[decodeURIComponent(part.slice(0, i).trim())] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

const positive = (v: string | undefined, fallback: number) => (v && Number(v) > 0 ? Number(v) : fallback);

/**
 * The OTLP exporter as the OpenTelemetry specification's variables configure it: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT
 * (used as is) or OTEL_EXPORTER_OTLP_ENDPOINT (+ `/v1/metrics`), OTEL_EXPORTER_OTLP_[METRICS_]PROTOCOL
 * (`http/protobuf`, the default, or `http/json`), OTEL_EXPORTER_OTLP_[METRICS_]HEADERS, OTEL_METRIC_EXPORT_INTERVAL
 * and _TIMEOUT, OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES. KEDA also speaks gRPC (`grpc`); this build has no
 * gRPC exporter, so that protocol is refused at startup with the fix, rather than sending to nowhere.
 */
export function startOtelMetrics(o: OtelMetricsOptions): OtelMetrics {
  const env = o.env ?? process.env;
  const protocol = env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new Error(
      `--enable-opentelemetry-metrics: OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported; use http/protobuf (the collector's OTLP/HTTP port, usually 4318) or http/json`,
    );
  }
  const base = (env.OTEL_EXPORTER_OTLP_ENDPOINT || 'http://localhost:4318').replace(/\/+$/, '');
  const endpoint = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT || `${base}/v1/metrics`;
  const headers = { ...parseList(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseList(env.OTEL_EXPORTER_OTLP_METRICS_HEADERS) };
  const timeoutMillis = positive(env.OTEL_EXPORTER_OTLP_METRICS_TIMEOUT ?? env.OTEL_EXPORTER_OTLP_TIMEOUT, 10_000);
  const exporter =
    o.exporter ??
    (protocol === 'http/json' ? new JsonExporter({ url: endpoint, headers, timeoutMillis }) : new ProtoExporter({ url: endpoint, headers, timeoutMillis }));
  const intervalMs = positive(env.OTEL_METRIC_EXPORT_INTERVAL, 60_000);
  const provider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': env.OTEL_SERVICE_NAME || 'keda-operator',
      'service.version': o.version,
      ...parseList(env.OTEL_RESOURCE_ATTRIBUTES),
    }),
    readers: [
      new PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis: intervalMs,
        exportTimeoutMillis: Math.min(intervalMs, positive(env.OTEL_METRIC_EXPORT_TIMEOUT, 30_000)),
      }),
    ],
  });
  return {
    backend: otelBackend(provider.getMeter(OTEL_METER_NAME, o.version)),
    endpoint,
    protocol,
    intervalMs,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
