import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildScaler } from '../scalers/index.ts';
import type { ScalerContext } from '../scalers/scaler.ts';

const ctx = (over: { metadata?: Record<string, string>; authParams?: Record<string, string>; namespace?: string; type?: string; objectName?: string } = {}) =>
  ({
    trigger: { type: over.type ?? 'prometheus', metadata: over.metadata ?? { serverAddress: 'http://127.0.0.1:9', query: 'up', threshold: '10' } },
    triggerIndex: 0,
    namespace: over.namespace ?? 'default',
    objectName: over.objectName ?? 'a',
    objectKind: 'ScaledObject',
    authParams: over.authParams ?? {},
    resolvedEnv: {},
    httpTimeoutMs: 3000,
  }) as unknown as ScalerContext;

const key = (c: ScalerContext) => buildScaler(c).shareKey;

test('which triggers share reads: the same query, credentials and namespace, whatever the object', async (t) => {
  const base = key(ctx());
  const rows: Array<[string, ScalerContext, boolean]> = [
    ['another ScaledObject with the identical trigger', ctx({ objectName: 'b' }), true],
    ['another query', ctx({ metadata: { serverAddress: 'http://127.0.0.1:9', query: 'up2', threshold: '10' } }), false],
    ['another threshold', ctx({ metadata: { serverAddress: 'http://127.0.0.1:9', query: 'up', threshold: '20' } }), false],
    ['other credentials', ctx({ authParams: { bearerToken: 'x' } }), false],
    ['another namespace', ctx({ namespace: 'other' }), false],
  ];
  for (const [name, c, same] of rows) await t.test(name, () => assert.equal(key(c) === base, same));
  await t.test('the key is a hash: no metadata or secret in it', () => {
    const k = key(ctx({ authParams: { bearerToken: 'very-secret' } }));
    assert.match(k ?? '', /^[0-9a-f]{64}$/);
  });
  await t.test('external scalers are never shared (each request names its ScaledObject)', () => {
    assert.equal(key(ctx({ type: 'external', metadata: { scalerAddress: '127.0.0.1:9' } })), undefined);
  });
});
