// HPA metric names of external triggers (KEDA `pkg/scalers/scaler.go` `GenerateMetricNameWithIndex`, `pkg/util/normalize_string.go`): `s<triggerIndex>-<NormalizeString(part)>`.

/** KEDA `NormalizeString`: `/ . : % ( )` become `-` so the name is a valid metric/URL path segment. */
export function normalizeString(s: string): string {
  return s.replace(/[/.:%()]/g, '-');
}

/** KEDA `GenerateMetricNameWithIndex`. The index is the trigger's position, so reordering triggers renames metrics. */
export function metricName(triggerIndex: number, part: string): string {
  return `s${triggerIndex}-${normalizeString(part)}`;
}
