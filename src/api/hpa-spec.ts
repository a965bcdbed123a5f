// Name and replica bounds of the HPA generated for a ScaledObject (KEDA `controllers/keda/hpa.go`,
// `scaledobject_types.go` `GetHPAMinReplicas`/`GetHPAMaxReplicas`).
import type { ScaledObject } from './types.ts';

/** `advanced.horizontalPodAutoscalerConfig.name`, or `keda-hpa-<name>`. */
export function hpaName(so: Pick<ScaledObject, 'metadata' | 'spec'>): string {
  return so.spec.advanced.horizontalPodAutoscalerConfig?.name || `keda-hpa-${so.metadata.name}`;
}

/** The HPA's minReplicas: minReplicaCount when > 0, else 1 (an HPA never has minReplicas 0; KEDA does 0 itself). */
export function hpaMinReplicas(so: Pick<ScaledObject, 'spec'>): number {
  return so.spec.minReplicaCount > 0 ? so.spec.minReplicaCount : 1;
}

/** The HPA's maxReplicas: maxReplicaCount (default 100). */
export function hpaMaxReplicas(so: Pick<ScaledObject, 'spec'>): number {
  return so.spec.maxReplicaCount;
}
