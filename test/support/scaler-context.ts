// Builds a ScalerContext for a single trigger the way the operator would after auth resolution.
import type { Trigger } from '../../src/api/types.ts';
import type { ScalerContext } from '../../src/scalers/scaler.ts';

export function contextFor(type: string, metadata: Record<string, string>, extra: Partial<ScalerContext> = {}, trigger: Partial<Trigger> = {}): ScalerContext {
  return {
    trigger: { type, metadata, useCachedMetrics: false, ...trigger },
    triggerIndex: 0,
    namespace: 'default',
    objectName: 'test-so',
    objectKind: 'ScaledObject',
    authParams: {},
    resolvedEnv: {},
    httpTimeoutMs: 3000,
    ...extra,
  };
}
