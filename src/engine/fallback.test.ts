import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fallbackCondition, fallbackEnabled, fallbackMetricValue, fallbackReplicas, fetchWithFallback, nextHealth } from './fallback.ts';
import { scaledObject } from './scaled-object-fixture.ts';
import type { Fallback, HealthStatus } from '../api/types.ts';

const fb = (behavior: Fallback['behavior'], replicas = 6, failureThreshold = 3): Fallback => ({ behavior, replicas, failureThreshold });

describe('the five fallback behaviors pick their replica count (pkg/fallback/fallback.go doFallback)', () => {
  const cases: Array<[Fallback['behavior'], number, number]> = [
    ['static', 2, 6],
    ['currentReplicas', 2, 2],
    ['currentReplicasIfHigher', 2, 6],
    ['currentReplicasIfHigher', 9, 9],
    ['currentReplicasIfLower', 2, 2],
    ['currentReplicasIfLower', 9, 6],
    ['scalingModifiers', 2, 6],
  ];
  for (const [behavior, current, want] of cases) {
    test(`${behavior} at ${current} current replicas gives ${want}`, () =>
      assert.equal(fallbackReplicas(fb(behavior), current), want, `${behavior} at ${current}`));
  }
});

test('the fallback metric value makes the HPA compute exactly the fallback replicas', () => {
  const avg = fallbackMetricValue({ fallback: fb('static'), currentReplicas: 2, target: 5, targetType: 'AverageValue', readyReplicas: 2 });
  assert.deepEqual(avg.ok && avg.value, 30); // 6 × 5 = 30 → ceil(30/5) = 6
  const val = fallbackMetricValue({ fallback: fb('static'), currentReplicas: 2, target: 5, targetType: 'Value', readyReplicas: 3 });
  assert.deepEqual(val.ok && val.value, 10); // 5 × 6 / 3 ready → ceil(10/5 × 3) = 6
  const none = fallbackMetricValue({ fallback: fb('static'), currentReplicas: 2, target: 5, targetType: 'Value', readyReplicas: 0 });
  assert.equal(none.ok, false, '0 ready replicas: the fallback itself fails');
});

test('fallback starts only when failures are strictly greater than failureThreshold, counted per fetch', () => {
  let health: HealthStatus | undefined;
  const seen: Array<boolean> = [];
  for (let i = 0; i < 5; i++) {
    const out = fetchWithFallback({
      enabled: true,
      fallback: fb('static', 6, 3),
      previous: health,
      read: { error: 'timeout' },
      currentReplicas: 1,
      target: 5,
      targetType: 'AverageValue',
      readyReplicas: 1,
    });
    health = out.health;
    seen.push(out.fallbackActive);
  }
  assert.deepEqual(seen, [false, false, false, true, true]);
  assert.deepEqual(health, { numberOfFailures: 5, status: 'Failing' });
  assert.deepEqual(nextHealth(health, true), { numberOfFailures: 0, status: 'Happy' }, 'one success resets');
});

test('fallback is enabled only for a valid block; with scalingModifiers the target must be an integer', () => {
  assert.equal(fallbackEnabled(scaledObject()), false);
  assert.equal(fallbackEnabled(scaledObject({ fallback: fb('static') })), true);
  assert.equal(fallbackEnabled(scaledObject({ fallback: fb('static', -1) })), false);
  const sm = (target: string) =>
    scaledObject({
      fallback: fb('static'),
      advanced: { restoreToOriginalReplicaCount: false, scalingModifiers: { formula: 'a', target, metricType: 'AverageValue' } },
    });
  assert.equal(fallbackEnabled(sm('2')), true);
  assert.equal(fallbackEnabled(sm('2.5')), false, 'KEDA uses ParseInt: 2.5 silently disables fallback');
});

test('the Fallback condition is True iff some metric is past the threshold', () => {
  assert.equal(fallbackCondition({ a: { numberOfFailures: 4, status: 'Failing' } }, fb('static', 6, 3), true).reason, 'FallbackExists');
  assert.equal(fallbackCondition({ a: { numberOfFailures: 3, status: 'Failing' } }, fb('static', 6, 3), true).reason, 'NoFallbackFound');
  assert.equal(fallbackCondition({}, undefined, false).status, 'False');
});
