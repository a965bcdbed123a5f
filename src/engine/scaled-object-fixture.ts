// Test fixture: a defaulted ScaledObject value (as api/ would produce it) with overrides. Used by engine tests only.
import type { ScaledObject, ScaledObjectSpec, Trigger } from '../api/types.ts';

export function trigger(type: string, metadata: Record<string, string> = {}, extra: Partial<Trigger> = {}): Trigger {
  return { type, metadata, useCachedMetrics: false, ...extra };
}

export function scaledObject(spec: Partial<ScaledObjectSpec> = {}, annotations: Record<string, string> = {}): ScaledObject {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'worker', namespace: 'default', labels: {}, annotations, creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: {
      scaleTargetRef: { name: 'worker', apiVersion: 'apps/v1', kind: 'Deployment' },
      pollingInterval: 30,
      cooldownPeriod: 300,
      initialCooldownPeriod: 0,
      minReplicaCount: 0,
      maxReplicaCount: 100,
      advanced: { restoreToOriginalReplicaCount: false },
      triggers: [trigger('aws-sqs-queue', { queueLength: '5' })],
      explicit: { pollingInterval: false, cooldownPeriod: false, minReplicaCount: false, maxReplicaCount: false },
      ...spec,
    },
    status: {},
  };
}
