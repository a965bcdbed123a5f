import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { combineActivity, type TriggerResult } from './activity.ts';

const r = (metricName: string, extra: Partial<TriggerResult> = {}): TriggerResult => ({ metricName, active: false, ...extra });

describe('activity across triggers (scale_handler.go getScaledObjectState)', () => {
  const cases: Array<[string, TriggerResult[], Parameters<typeof combineActivity>[1], { isActive: boolean; isError: boolean; active: string[] }]> = [
    [
      'any active trigger activates (OR)',
      [r('s0-a', { active: true, value: 3 }), r('s1-b', { value: 0 })],
      undefined,
      { isActive: true, isError: false, active: ['s0-a'] },
    ],
    ['none active', [r('s0-a', { value: 0 }), r('s1-b', { value: 0 })], undefined, { isActive: false, isError: false, active: [] }],
    ['an erroring trigger is never active', [r('s0-a', { active: true, error: 'boom' })], undefined, { isActive: false, isError: true, active: [] }],
    [
      'error on one, activity on another: active with error',
      [r('s0-a', { error: 'boom' }), r('s1-b', { active: true })],
      undefined,
      { isActive: true, isError: true, active: ['s1-b'] },
    ],
    ['fallback-active counts as active', [r('s0-a', { fallbackActive: true, active: true })], undefined, { isActive: true, isError: false, active: ['s0-a'] }],
    [
      'only cpu/memory: always active',
      [r('cpu', { resource: true }), r('memory', { resource: true })],
      undefined,
      { isActive: true, isError: false, active: [] },
    ],
    ['cpu plus an inactive external trigger: inactive', [r('cpu', { resource: true }), r('s1-b')], undefined, { isActive: false, isError: false, active: [] }],
    [
      'scalingModifiers: composite > activationTarget',
      [r('s0-a'), r('s1-b')],
      { value: 5, activationTarget: 2 },
      { isActive: true, isError: false, active: ['composite-metric'] },
    ],
    [
      'scalingModifiers: composite equal to activationTarget is inactive (strict)',
      [r('s0-a', { active: true })],
      { value: 2, activationTarget: 2 },
      { isActive: false, isError: false, active: [] },
    ],
    [
      'scalingModifiers: an error forces inactive',
      [r('s0-a', { error: 'x' }), r('s1-b', { active: true })],
      { value: 50, activationTarget: 0 },
      { isActive: false, isError: true, active: [] },
    ],
    [
      'scalingModifiers: a formula error is an error',
      [r('s0-a', { active: true })],
      { value: undefined, activationTarget: 0, error: 'bad' },
      { isActive: false, isError: true, active: [] },
    ],
  ];
  for (const [name, results, composite, want] of cases) {
    test(name, () => {
      const a = combineActivity(results, composite);
      assert.equal(a.isActive, want.isActive, `${name}: isActive (${a.reason})`);
      assert.equal(a.isError, want.isError, `${name}: isError`);
      assert.deepEqual(a.activeTriggers, want.active, `${name}: activeTriggers`);
    });
  }
});

test('the activity reason shows the value against the activation threshold', () => {
  assert.equal(combineActivity([r('s0-aws-sqs-queue', { active: true, value: 3, activationThreshold: 0 })]).reason, 'trigger s0-aws-sqs-queue active, 3 > 0');
  assert.equal(combineActivity([r('s0-prometheus', { value: 0, activationThreshold: 0 })]).reason, 'no trigger active: s0-prometheus inactive, 0 <= 0');
});
