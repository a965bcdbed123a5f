// Which HPA target type an external trigger uses (KEDA `GetMetricTargetType`, pkg/scalers/scaler.go).
import type { MetricTargetType } from '../../api/types.ts';
import { ConfigError, type MetricSpec } from '../scaler.ts';
import { metricNameWithIndex } from '../../api/metric-name.ts';

/** Unset means AverageValue; Utilization is only for cpu/memory. */
export function externalTargetType(type: string, metricType: MetricTargetType | undefined): Exclude<MetricTargetType, 'Utilization'> {
  const t = metricType ?? 'AverageValue';
  if (t === 'Utilization') {
    throw new ConfigError(type, 'metricType', `metricType Utilization is only supported by cpu and memory triggers; use AverageValue or Value`);
  }
  return t;
}

/** The one External metric most triggers contribute: `s<index>-<scalerPart>` against `target`. */
export function externalMetricSpec(
  triggerIndex: number,
  scalerPart: string,
  target: number,
  type: string,
  metricType: MetricTargetType | undefined,
): MetricSpec[] {
  return [{ metricName: metricNameWithIndex(triggerIndex, scalerPart), kind: 'External', targetType: externalTargetType(type, metricType), target }];
}
