// Metric values and names as KEDA hands them to the HPA (KEDA `pkg/scalers/scaler.go`, `pkg/util/normalize_string.go`).

/**
 * A value as the external metrics API reports it: a milli-quantity. KEDA (since 2.20.2, `quantityFromFloat64`)
 * sends NaN, ±Inf and negative values as 0; scaler values are rounded to 3 decimals (`%.3f`).
 * Activation is decided on the raw value, never on this one.
 */
export function metricValueForHpa(raw: number): number {
  if (!Number.isFinite(raw) || raw < 0) return 0;
  return Math.round(raw * 1000) / 1000;
}

/** Formula and fallback values are truncated (not rounded) to milli units (KEDA `pkg/scaling/modifiers/formula.go`, `pkg/fallback/fallback.go`). */
export function truncateToMilli(raw: number): number {
  if (!Number.isFinite(raw) || raw < 0) return 0;
  return Math.trunc(raw * 1000) / 1000;
}

// Quantity parsing lives in api/values.ts, quantity writing in kube/quantity.ts, metric names in api/metric-name.ts.

/** A short number for reasons and tables: up to 3 decimals, no trailing zeros. */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(Math.round(v * 1000) / 1000);
}
