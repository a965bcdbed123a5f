import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decideJobScale, scaledJobBounds, scaledJobMetrics, type JobTriggerMetrics } from './scaledjob.ts';
import type { ScaledJobSpec } from '../api/types.ts';

type Spec = Pick<ScaledJobSpec, 'minReplicaCount' | 'maxReplicaCount' | 'scalingStrategy'>;
const spec = (over: Partial<Spec> & { strategy?: ScaledJobSpec['scalingStrategy'] } = {}): Spec => ({
  minReplicaCount: over.minReplicaCount ?? 0,
  maxReplicaCount: 'maxReplicaCount' in over ? over.maxReplicaCount : 10,
  scalingStrategy: over.scalingStrategy ?? { strategy: 'default', multipleScalersCalculation: 'max' },
});

test('effective bounds (scaledjob_types.go MaxReplicaCount): max is reduced by min only when max is set', () => {
  assert.deepEqual(scaledJobBounds({ minReplicaCount: 2, maxReplicaCount: 10 }), { min: 2, max: 8 });
  assert.deepEqual(scaledJobBounds({ minReplicaCount: 2, maxReplicaCount: undefined }), { min: 2, max: 100 });
  assert.deepEqual(scaledJobBounds({ minReplicaCount: 12, maxReplicaCount: 10 }), { min: 10, max: 10 });
});

describe('multipleScalersCalculation over active triggers (pkg/scaling/scaledjob/metrics.go)', () => {
  const t = (name: string, queueLength: number, target: number, active = true): JobTriggerMetrics => ({
    name,
    queueLength,
    targetAverageValue: target,
    active,
  });
  const triggers = [t('a', 10, 2), t('b', 4, 1), t('c', 100, 1, false)];
  const cases: Array<['min' | 'avg' | 'sum' | 'max', number, number]> = [
    ['max', 10, 5],
    ['min', 4, 4],
    ['avg', 7, 5], // queue (10+4)/2, maxValue (5+4)/2 = 4.5 → 5
    ['sum', 14, 9],
  ];
  for (const [calc, scaleTo, maxScale] of cases) {
    test(`${calc}: scaleTo ${scaleTo}, maxScale ${maxScale}`, () => {
      const m = scaledJobMetrics(spec({ scalingStrategy: { strategy: 'default', multipleScalersCalculation: calc } }), triggers);
      assert.equal(m.scaleTo, scaleTo, `${calc} scaleTo`);
      assert.equal(m.maxScale, maxScale, `${calc} maxScale`);
    });
  }
  test('no active trigger is inactive, unless min > 0 forces activity', () => {
    assert.equal(scaledJobMetrics(spec(), [t('a', 0, 1, false)]).isActive, false);
    assert.equal(scaledJobMetrics(spec({ minReplicaCount: 1 }), [t('a', 0, 1, false)]).isActive, true, 'min > 0 forces activity');
  });
  test('maxScale is capped at Max()', () => assert.equal(scaledJobMetrics(spec(), [t('a', 1000, 1)]).maxScale, 10, 'maxScale capped at Max()'));
});

describe('the four strategies decide how many jobs to create (pkg/scaling/executor/scale_jobs.go, source over docs)', () => {
  const active = (scaleTo: number, maxScale: number) => ({ isActive: true, scaleTo, maxScale });
  const cases: Array<[string, Spec, ReturnType<typeof active>, number, number, number]> = [
    ['default: maxScale − running', spec(), active(7, 7), 3, 0, 4],
    ['default: no room', spec(), active(3, 3), 5, 0, 0],
    [
      'custom: min(maxScale − deduction − int(running × pct), max)',
      spec({
        scalingStrategy: {
          strategy: 'custom',
          customScalingQueueLengthDeduction: 1,
          customScalingRunningJobPercentage: '0.5',
          multipleScalersCalculation: 'max',
        },
      }),
      active(8, 8),
      4,
      0,
      5,
    ],
    [
      'custom with an unparsable percentage falls back to default',
      spec({ scalingStrategy: { strategy: 'custom', customScalingRunningJobPercentage: 'half', multipleScalersCalculation: 'max' } }),
      active(8, 8),
      4,
      0,
      4,
    ],
    ['accurate: maxScale − pending when it fits', spec(), active(5, 5), 3, 2, 3],
    ['accurate: max − running when it would overflow', spec(), active(9, 9), 6, 1, 4],
    [
      'eager: fills up to max minus running and pending',
      spec({ scalingStrategy: { strategy: 'eager', multipleScalersCalculation: 'max' } }),
      active(3, 3),
      2,
      1,
      3,
    ],
    ['below min: create min − running', spec({ minReplicaCount: 3 }), active(0, 0), 1, 0, 2],
  ];
  for (const [name, s, metrics, running, pending, want] of cases) {
    test(name, () => {
      const strategySpec = name.startsWith('accurate')
        ? { ...s, scalingStrategy: { strategy: 'accurate' as const, multipleScalersCalculation: 'max' as const } }
        : s;
      const d = decideJobScale({ spec: strategySpec, metrics, running, pending });
      assert.equal(d.create, want, `${name}: ${d.reason}`);
    });
  }
  test('jobs are created only while active', () =>
    assert.equal(
      decideJobScale({ spec: spec(), metrics: { isActive: false, scaleTo: 5, maxScale: 5 }, running: 0, pending: 0 }).create,
      0,
      'jobs are created only while active',
    ));
});
