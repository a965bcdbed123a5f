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

/**
 * Kubernetes quantity text for a value: integers as plain numbers ("5"), anything else in milli units ("100500m"),
 * like `resource.NewQuantity` / `NewMilliQuantity` in KEDA's metric targets.
 */
export function formatQuantity(value: number): string {
  const v = metricValueForHpa(value);
  if (Number.isInteger(v)) return String(v);
  return `${Math.round(v * 1000)}m`;
}

/** Parse a Kubernetes quantity ("5", "100500m", "1.5", "2k", "512Mi") into a number; undefined when invalid. */
export function parseQuantity(text: string): number | undefined {
  const m = /^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const suffix: Record<string, number> = {
    m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  };
  return m[2] ? n * suffix[m[2]] : n;
}

/** KEDA `NormalizeString` (pkg/util/normalize_string.go): `/ . : % ( )` become `-`. */
export function normalizeString(s: string): string {
  return s.replace(/[/.:%()]/g, '-');
}

/** KEDA `GenerateMetricNameWithIndex`: `s<triggerIndex>-<normalized scaler part>`. */
export function metricNameWithIndex(triggerIndex: number, scalerPart: string): string {
  return `s${triggerIndex}-${normalizeString(scalerPart)}`;
}

/** A short number for reasons and tables: up to 3 decimals, no trailing zeros. */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(Math.round(v * 1000) / 1000);
}
