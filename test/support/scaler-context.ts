// Builds a ScalerContext for a single trigger the way the operator would after auth resolution, and reads a scaler
// built from one once.
import assert from 'node:assert/strict';
import type { Trigger } from '../../src/api/types.ts';
import { buildScaler } from '../../src/scalers/index.ts';
import { ReadError, type ScalerContext } from '../../src/scalers/scaler.ts';

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

/** Builds the scaler for `ctx`, reads it once and closes it: the reading and its first metric spec. */
export async function readScalerOnce(ctx: ScalerContext, timeoutMs = 15_000) {
  const scaler = buildScaler(ctx);
  try {
    return { reading: await scaler.read(AbortSignal.timeout(timeoutMs)), spec: scaler.metricSpecs[0] };
  } finally {
    await scaler.close();
  }
}

/** The ReadError `read` rejects with; resolving, or rejecting with anything else, fails the test. */
export async function readErrorOf(read: Promise<unknown>): Promise<ReadError> {
  try {
    await read;
  } catch (e) {
    assert.ok(e instanceof ReadError, `expected ReadError, got ${String(e)}`);
    return e;
  }
  throw new Error('expected the read to fail');
}
