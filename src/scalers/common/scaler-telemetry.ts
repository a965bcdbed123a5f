// What a scaler's reads tell the operator's metrics besides the value: each outbound HTTP request of a metric read
// (KEDA pkg/metricscollector/http_roundtripper.go: keda_scaler_http_requests_total and
// keda_scaler_http_request_duration_seconds) and each query that came back with no series (KEDA
// pkg/scalers/prometheus_scaler.go: keda_scaler_empty_upstream_responses_total). KEDA carries the trigger's identity
// to its round tripper in the request's context.Context (BuildScalerRequestCtx, pkg/scaling/cache/scalers_cache.go);
// here it is bound once per trigger when the scaler is built and handed to the reader in its ReaderContext, so a
// pooled HTTP client shared by several triggers still attributes each request to the trigger that made it.

/** Who a request or an empty answer is for: KEDA's five context keys, plus the resource kind. */
export interface TriggerAttribution {
  namespace: string;
  /** The ScaledObject's or ScaledJob's name (KEDA ScalableObjectName). */
  scaledResource: string;
  /** KEDA ScalableObjectType. */
  resourceType: 'ScaledObject' | 'ScaledJob';
  /** The trigger type, e.g. `prometheus` (KEDA ScalerConfig.TriggerType). */
  scaler: string;
  /** The trigger's `name`, '' when it has none (KEDA ScalerConfig.TriggerName). */
  triggerName: string;
  /** The HPA metric name the read is for, e.g. `s0-prometheus`. */
  metricName: string;
}

/** Where the samples go: the operator's metrics (servers/keda-metrics.ts). Implementations never throw. */
export interface ScalerTelemetrySink {
  /** One outbound request of a metric read: `statusCode` undefined when it got no response (connection error, timeout). */
  httpRequest(who: TriggerAttribution, seconds: number, statusCode: number | undefined): void;
  emptyUpstreamResponse(who: TriggerAttribution, ignoreNullValues: boolean): void;
}

/** The sink bound to one trigger: what a reader gets as `ctx.telemetry`. */
export interface TriggerTelemetry {
  httpRequest(seconds: number, statusCode: number | undefined): void;
  emptyUpstreamResponse(ignoreNullValues: boolean): void;
}

export function bindTelemetry(sink: ScalerTelemetrySink, who: TriggerAttribution): TriggerTelemetry {
  const safe = (f: () => void) => {
    try {
      f();
    } catch {
      // Metrics never fail a read.
    }
  };
  return {
    httpRequest: (seconds, statusCode) => safe(() => sink.httpRequest(who, seconds, statusCode)),
    emptyUpstreamResponse: (ignoreNullValues) => safe(() => sink.emptyUpstreamResponse(who, ignoreNullValues)),
  };
}

/** KEDA's `status_code` label (pkg/metricscollector/metricscollectors.go httpStatusCodeLabel): the code, or `error` without a response. */
export function httpStatusCodeLabel(statusCode: number | undefined): string {
  return statusCode === undefined ? 'error' : String(statusCode);
}
