// HPA metric names of external triggers: `s<triggerIndex>-<NormalizeString(part)>`, the one implementation
// (scalers build them, the engine and the operator read them).

/** KEDA `NormalizeString` (pkg/util/normalize_string.go): `/ . : % ( )` become `-`. */
export function normalizeString(s: string): string {
  return s.replace(/[/.:%()]/g, '-');
}

/**
 * KEDA `GenerateMetricNameWithIndex` (pkg/scalers/scaler.go): `s<triggerIndex>-<normalized scaler part>`. The index
 * is the trigger's position, so reordering triggers renames metrics.
 */
export function metricNameWithIndex(triggerIndex: number, scalerPart: string): string {
  return `s${triggerIndex}-${normalizeString(scalerPart)}`;
}
