// How `updraft simulate` reads a trigger's target and activation threshold from its metadata, without building the
// real scaler (no clients, no auth). The metadata keys and defaults are KEDA's (keda-spec §5); the metric names
// follow each scaler's `s<i>-<part>` naming where the part is cheap to derive, else `s<i>-<type>`.
import type { ScaledObject, Trigger } from '../api/types.ts';
import type { EngineTrigger } from '../engine/object-step.ts';
import { metricNameWithIndex, parseQuantity } from '../engine/metric-value.ts';

interface TypeRule {
  target: string;
  /** Default target when the key is absent (undefined = required). */
  targetDefault?: number;
  activation: string;
  part?: (md: Record<string, string>) => string;
}

const RULES: Record<string, TypeRule> = {
  'aws-sqs-queue': { target: 'queueLength', targetDefault: 5, activation: 'activationQueueLength', part: (md) => `aws-sqs-${(md.queueURL ?? md.queueURLFromEnv ?? 'queue').split('/').pop()}` },
  prometheus: { target: 'threshold', activation: 'activationThreshold' },
  'aws-cloudwatch': { target: 'targetMetricValue', activation: 'activationTargetMetricValue' },
  redis: { target: 'listLength', targetDefault: 5, activation: 'activationListLength', part: (md) => `redis-${md.listName ?? 'list'}` },
  rabbitmq: { target: 'value', targetDefault: 20, activation: 'activationValue', part: (md) => `rabbitmq-${md.queueName ?? 'queue'}` },
  kafka: { target: 'lagThreshold', targetDefault: 10, activation: 'activationLagThreshold', part: (md) => `kafka-${md.topic ?? 'topics'}` },
  postgresql: { target: 'targetQueryValue', activation: 'activationTargetQueryValue' },
  mysql: { target: 'queryValue', activation: 'activationQueryValue' },
  'metrics-api': { target: 'targetValue', activation: 'activationTargetValue' },
  'nats-jetstream': { target: 'lagThreshold', targetDefault: 10, activation: 'activationLagThreshold' },
  'redis-streams': { target: 'pendingEntriesCount', targetDefault: 5, activation: 'activationLagCount' },
};
const GENERIC_TARGET_KEYS = ['threshold', 'targetValue', 'value', 'queueLength', 'listLength', 'lagThreshold', 'targetMetricValue', 'targetQueryValue', 'desiredReplicas'];

export class SimulationSetupError extends Error {
  override name = 'SimulationSetupError';
}

function num(so: ScaledObject, index: number, key: string, text: string): number {
  const v = parseQuantity(text);
  if (v === undefined || !Number.isFinite(v)) {
    throw new SimulationSetupError(`ScaledObject ${so.metadata.namespace}/${so.metadata.name}: spec.triggers[${index}].metadata.${key} must be a number, got '${text}'`);
  }
  return v;
}

/** The engine's view of each trigger of a ScaledObject, for simulation. */
export function simulatedTriggers(so: ScaledObject): EngineTrigger[] {
  return so.spec.triggers.map((t: Trigger, i: number): EngineTrigger => {
    const md = t.metadata ?? {};
    if (t.type === 'cpu' || t.type === 'memory') {
      if (md.value === undefined) throw new SimulationSetupError(`ScaledObject ${so.metadata.namespace}/${so.metadata.name}: spec.triggers[${i}].metadata.value is required for a ${t.type} trigger`);
      const targetType = t.metricType === 'AverageValue' ? 'AverageValue' : 'Utilization';
      return { triggerIndex: i, name: t.name, type: t.type, metricName: t.type, kind: 'Resource', targetType, target: num(so, i, 'value', md.value) };
    }
    const rule = RULES[t.type];
    let targetKey: string | undefined = rule?.target;
    let target = rule?.targetDefault;
    if (targetKey && md[targetKey] !== undefined) target = num(so, i, targetKey, md[targetKey]);
    if (!rule) {
      targetKey = GENERIC_TARGET_KEYS.find((k) => md[k] !== undefined) ?? targetKey;
      if (targetKey) target = num(so, i, targetKey, md[targetKey]);
    }
    if (target === undefined) {
      throw new SimulationSetupError(
        `ScaledObject ${so.metadata.namespace}/${so.metadata.name}: cannot tell the target of spec.triggers[${i}] (type ${t.type}); set metadata.${targetKey ?? 'threshold'}`,
      );
    }
    const activationKey = rule?.activation ?? (targetKey ? `activation${targetKey[0].toUpperCase()}${targetKey.slice(1)}` : 'activationThreshold');
    const activation = md[activationKey] !== undefined ? num(so, i, activationKey, md[activationKey]) : 0;
    const part = rule?.part ? rule.part(md) : t.type;
    return {
      triggerIndex: i,
      name: t.name,
      type: t.type,
      metricName: metricNameWithIndex(i, part),
      kind: 'External',
      targetType: t.metricType ?? 'AverageValue',
      target,
      activationThreshold: activation,
    };
  });
}
