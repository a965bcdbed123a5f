// The `cpu` and `memory` triggers (KEDA pkg/scalers/cpu_memory_scaler.go): not read by the operator at all. They
// become HPA `Resource` (or, with containerName, `ContainerResource`) metrics that the HPA controller reads from
// metrics.k8s.io; in Updraft's direct mode the runtime reads the same pod metrics itself (targets/kube-scale.ts)
// and applies the HPA's replica rules (engine/hpa-replicas.ts). They never make an object active or inactive,
// except that an object whose triggers are all cpu/memory is always active (KEDA pkg/scaling/scale_handler.go).
import type { MetricTargetType } from '../../api/types.ts';
import { parseGoInt } from '../../api/values.ts';
import { formatKubeQuantity, parseKubeQuantity, quantityNumber } from '../../api/quantity.ts';
import { truncate } from '../../api/problem.ts';
import { ConfigError, defineScaler, type MetricSpec, type ParseInput, type ScalerDescriptor } from '../scaler.ts';
import { resolveConfig, str } from './typed-config.ts';

export type ResourceName = 'cpu' | 'memory';

const fields = {
  /** Utilization: percent of the pods' requests (Go ParseInt, 32 bits). AverageValue: a quantity per pod ("500m", "256Mi"). */
  value: str(),
  /** Scale on one container's usage (HPA ContainerResource) instead of the whole pod's. */
  containerName: str({ optional: true }),
};

/** KEDA's `type` metadata key: `deprecated=` in its typed config, so setting it is an error since KEDA 2.18. */
export const LEGACY_TYPE_KEY = 'type';

export interface ResourceTriggerConfig {
  resource: ResourceName;
  metricType: 'Utilization' | 'AverageValue';
  /** Percent (Utilization) or base units per pod: cores, bytes (AverageValue). */
  target: number;
  /** AverageValue: the quantity as KEDA writes it into the HPA (resource.MustParse(value).String()). */
  targetQuantity?: string;
  containerName?: string;
}

function parseResource(resource: ResourceName, input: ParseInput): ResourceTriggerConfig {
  if (Object.hasOwn(input.metadata, LEGACY_TYPE_KEY)) {
    // KEDA: `scaler <type> info: The 'type' setting is DEPRECATED and is removed in v2.18 - Use 'metricType' instead.`
    const legacy = input.metadata[LEGACY_TYPE_KEY];
    throw new ConfigError(
      resource,
      'metricType',
      `the 'type' setting is DEPRECATED and is removed in v2.18 - use 'metricType' instead: move metadata.type${legacy ? ` ('${truncate(legacy)}')` : ''} to the trigger's metricType`,
    );
  }
  const c = resolveConfig(resource, fields, input);
  const containerName = c.containerName;
  const metricType = input.metricType;
  if (metricType === 'AverageValue') {
    const q = parseKubeQuantity(c.value);
    // KEDA calls resource.MustParse, which panics on a bad quantity; Updraft refuses the trigger instead.
    if (!q)
      throw new ConfigError(
        resource,
        'value',
        `value must be a Kubernetes quantity such as ${resource === 'cpu' ? "'500m' or '2'" : "'256Mi' or '1Gi'"} for metricType AverageValue, got '${truncate(c.value)}'`,
      );
    const target = quantityNumber(q);
    // The API server refuses the HPA otherwise (spec.metrics[].target.averageValue: must be positive).
    if (!(target > 0))
      throw new ConfigError(
        resource,
        'value',
        `value must be a positive quantity for metricType AverageValue (the HPA refuses others), got '${truncate(c.value)}'`,
      );
    return { resource, metricType, target, targetQuantity: formatKubeQuantity(q), ...(containerName ? { containerName } : {}) };
  }
  if (metricType === 'Utilization') {
    const n = parseGoInt(c.value, 32);
    if (n === undefined)
      throw new ConfigError(resource, 'value', `value must be a whole number (percent of the request) for metricType Utilization, got '${truncate(c.value)}'`);
    // The API server refuses the HPA otherwise (averageUtilization: must be greater than 0).
    if (n < 1)
      throw new ConfigError(resource, 'value', `value must be a utilization percent greater than 0 (the HPA refuses others), got '${truncate(c.value)}'`);
    return { resource, metricType, target: n, ...(containerName ? { containerName } : {}) };
  }
  throw new ConfigError(
    resource,
    'metricType',
    `unknown metric type: ${metricType ?? ''}, allowed values are 'Utilization' or 'AverageValue' (set metricType on the trigger)`,
  );
}

/** The HPA metric, as KEDA's GetMetricSpecForScaling writes it. */
export function resourceMetricSpecs(config: ResourceTriggerConfig): MetricSpec[] {
  const spec: MetricSpec = {
    metricName: config.resource,
    kind: config.containerName ? 'ContainerResource' : 'Resource',
    targetType: config.metricType,
    target: config.target,
    resourceName: config.resource,
    ...(config.containerName ? { containerName: config.containerName } : {}),
    ...(config.targetQuantity ? { targetQuantity: config.targetQuantity } : {}),
  };
  return [spec];
}

export function resourceDescriptor(resource: ResourceName): ScalerDescriptor<ResourceTriggerConfig> {
  return defineScaler<ResourceTriggerConfig>({
    type: resource,
    fields,
    otherKeys: [LEGACY_TYPE_KEY],
    example: { metadata: { value: '50' }, metricType: 'Utilization' as MetricTargetType },
    parse: (input) => parseResource(resource, input),
    metricSpecs: (config) => resourceMetricSpecs(config),
    // Never compared: cpu/memory do not take part in activity (KEDA GetMetricsAndActivity returns active, no value).
    activationThreshold: () => 0,
    createReader: () => ({
      // KEDA: "no need for cpu/memory scaler and always active". The runtime never calls this for Resource
      // metrics (they are read as pod metrics); `probe` does, and gets KEDA's answer.
      read: async () => ({ metrics: [], active: true }),
      close: async () => undefined,
    }),
  });
}
