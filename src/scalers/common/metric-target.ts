// Which HPA target type an external trigger uses (keda-spec §5 conventions, KEDA `GetMetricTargetType`).
import type { MetricTargetType, Trigger } from '../../api/types.ts';
import { ConfigError, type MetricSpec, type ScalerContext } from '../scaler.ts';
import { metricName } from './metric-name.ts';

/** Unset means AverageValue; Utilization is only for cpu/memory. */
export function externalTargetType(trigger: Trigger): Exclude<MetricTargetType, 'Utilization'> {
  const t = trigger.metricType ?? 'AverageValue';
  if (t === 'Utilization') {
    throw new ConfigError(trigger.type, 'metricType', `metricType Utilization is only supported by cpu and memory triggers; use AverageValue or Value`);
  }
  return t;
}

/** The one External metric most triggers contribute: `s<index>-<scalerPart>` against `target`. */
export function externalMetricSpec(ctx: ScalerContext, scalerPart: string, target: number): MetricSpec[] {
  return [{ metricName: metricName(ctx.triggerIndex, scalerPart), kind: 'External', targetType: externalTargetType(ctx.trigger), target }];
}
