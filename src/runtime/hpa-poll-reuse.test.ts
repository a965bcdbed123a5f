import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scaledObject, trigger } from '../engine/scaled-object-fixture.ts';
import { hpaPollReusesReads, type ScalingMode } from './object-runner.ts';

test("which polls reuse the HPA's reads: only where the poll decides nothing from the triggers", async (t) => {
  const rows: Array<[string, ScalingMode, { minReplicaCount: number; idleReplicaCount?: number }, boolean]> = [
    ['hpa mode, minReplicaCount 1: the HPA owns 1..max', 'hpa', { minReplicaCount: 1 }, true],
    ['hpa mode, minReplicaCount 0: the poll decides 0↔1', 'hpa', { minReplicaCount: 0 }, false],
    ['hpa mode, idleReplicaCount 0 below minReplicaCount 2: the poll decides idle↔min', 'hpa', { minReplicaCount: 2, idleReplicaCount: 0 }, false],
    ['direct mode, minReplicaCount 1: the poll decides every count', 'direct', { minReplicaCount: 1 }, false],
  ];
  for (const [name, mode, spec, want] of rows) {
    await t.test(name, () => {
      const so = scaledObject({ ...spec, triggers: [trigger('prometheus', { serverAddress: 'http://p:9090', query: 'q', threshold: '1' })] });
      assert.equal(hpaPollReusesReads(so, mode), want);
    });
  }
});
