import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decideScale, pauseState, type ScaleDecisionInput } from './scale-decision.ts';
import { scaledObject } from './scaled-object-fixture.ts';
import type { ScaledObjectSpec } from '../api/types.ts';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const S = 1000;

function input(over: Partial<ScaleDecisionInput> & { spec?: Partial<ScaledObjectSpec>; annotations?: Record<string, string> } = {}): ScaleDecisionInput {
  const { spec, annotations, ...rest } = over;
  return {
    so: scaledObject(spec, annotations),
    currentReplicas: 0,
    isActive: false,
    isError: false,
    activeTriggers: [],
    creationTimestamp: T0,
    now: T0 + 1000 * S,
    ...rest,
  };
}

describe('scale decision table (KEDA RequestScale, pkg/scaling/executor/scale_scaledobjects.go)', () => {
  const now = T0 + 1000 * S;
  const cases: Array<[string, ScaleDecisionInput, { action: string; replicas?: number; active?: string; ready?: string; event?: string }]> = [
    [
      'activates 0→1 when a trigger is active',
      input({ isActive: true, activeTriggers: ['s0-aws-sqs-queue'] }),
      { action: 'activate', replicas: 1, active: 'ScalerActive', event: 'KEDAScaleTargetActivated' },
    ],
    [
      'activates 0→min when minReplicaCount > 0',
      input({ isActive: true, activeTriggers: ['s0'], spec: { minReplicaCount: 3 } }),
      { action: 'activate', replicas: 3 },
    ],
    [
      'activates from idle to min',
      input({ isActive: true, currentReplicas: 0, activeTriggers: ['s0'], spec: { minReplicaCount: 2, idleReplicaCount: 0 } }),
      { action: 'activate', replicas: 2 },
    ],
    ['activation wins over a partial error', input({ isActive: true, isError: true, activeTriggers: ['s0'] }), { action: 'activate', replicas: 1 }],
    [
      'active at N refreshes lastActiveTime only',
      input({ isActive: true, currentReplicas: 4, activeTriggers: ['s0'] }),
      { action: 'none', active: 'ScalerActive', ready: 'ScaledObjectReady' },
    ],
    [
      'active with errors at N: PartialTriggerError',
      input({ isActive: true, isError: true, currentReplicas: 4, activeTriggers: ['s0'] }),
      { action: 'none', ready: 'PartialTriggerError' },
    ],
    [
      'force-activation activates with no active trigger',
      input({ annotations: { 'autoscaling.keda.sh/force-activation': 'true' } }),
      { action: 'activate', replicas: 1, event: 'KEDAScaleTargetActivated' },
    ],
    [
      'paused-scale-out blocks activation',
      input({ isActive: true, activeTriggers: ['s0'], annotations: { 'autoscaling.keda.sh/paused-scale-out': 'true' } }),
      { action: 'none' },
    ],
    [
      'inactive past cooldown deactivates from any N straight to 0',
      input({ currentReplicas: 7, lastActiveTime: now - 301 * S }),
      { action: 'deactivate', replicas: 0, event: 'KEDAScaleTargetDeactivated' },
    ],
    [
      'inactive within cooldown waits (ScalerCooldown)',
      input({ currentReplicas: 7, lastActiveTime: now - 299 * S }),
      { action: 'none', active: 'ScalerCooldown' },
    ],
    [
      'cooldown boundary: exactly cooldownPeriod is not yet past',
      input({ currentReplicas: 1, lastActiveTime: now - 300 * S }),
      { action: 'none', active: 'ScalerCooldown' },
    ],
    [
      'never active: initialCooldownPeriod counts from creation',
      input({ currentReplicas: 2, now: T0 + 100 * S, spec: { initialCooldownPeriod: 120 } }),
      { action: 'none', active: 'ScalerCooldown' },
    ],
    [
      'never active: deactivates once initialCooldownPeriod passed',
      input({ currentReplicas: 2, now: T0 + 121 * S, spec: { initialCooldownPeriod: 120 } }),
      { action: 'deactivate', replicas: 0 },
    ],
    [
      'idle: deactivates to idleReplicaCount',
      input({ currentReplicas: 5, lastActiveTime: now - 400 * S, spec: { minReplicaCount: 2, idleReplicaCount: 0 } }),
      { action: 'deactivate', replicas: 0 },
    ],
    [
      'paused-scale-in blocks deactivation',
      input({ currentReplicas: 5, lastActiveTime: now - 400 * S, annotations: { 'autoscaling.keda.sh/paused-scale-in': 'true' } }),
      { action: 'none' },
    ],
    [
      'inactive with min > 0 never goes below min',
      input({ currentReplicas: 3, lastActiveTime: now - 400 * S, spec: { minReplicaCount: 3 } }),
      { action: 'none', active: 'ScalerNotActive' },
    ],
    [
      'below min while inactive: floor to min, no cooldown',
      input({ currentReplicas: 1, lastActiveTime: now - 1 * S, spec: { minReplicaCount: 3 } }),
      { action: 'floor', replicas: 3 },
    ],
    [
      'errors with fallback (replicas≠0): keep replicas',
      input({ isError: true, currentReplicas: 4, lastActiveTime: now - 999 * S, spec: { fallback: { failureThreshold: 3, replicas: 6, behavior: 'static' } } }),
      { action: 'none' },
    ],
    [
      'errors without fallback: TriggerError, keep replicas',
      input({ isError: true, currentReplicas: 4, lastActiveTime: now - 999 * S }),
      { action: 'none', ready: 'TriggerError' },
    ],
    [
      'errors with fallback.replicas 0: still deactivates',
      input({ isError: true, currentReplicas: 4, lastActiveTime: now - 999 * S, spec: { fallback: { failureThreshold: 3, replicas: 0, behavior: 'static' } } }),
      { action: 'deactivate', replicas: 0 },
    ],
    ['paused: nothing moves', input({ isActive: true, activeTriggers: ['s0'], annotations: { 'autoscaling.keda.sh/paused': 'true' } }), { action: 'paused' }],
    [
      'paused with a non-bool value pauses',
      input({ isActive: true, activeTriggers: ['s0'], annotations: { 'autoscaling.keda.sh/paused': 'yes' } }),
      { action: 'paused' },
    ],
    [
      'paused: "false" does not pause',
      input({ isActive: true, activeTriggers: ['s0'], annotations: { 'autoscaling.keda.sh/paused': 'false' } }),
      { action: 'activate', replicas: 1 },
    ],
    [
      'paused-replicas scales to its value',
      input({ currentReplicas: 5, annotations: { 'autoscaling.keda.sh/paused-replicas': '2' } }),
      { action: 'paused', replicas: 2 },
    ],
    [
      'paused-replicas wins over paused',
      input({ currentReplicas: 5, annotations: { 'autoscaling.keda.sh/paused-replicas': '2', 'autoscaling.keda.sh/paused': 'false' } }),
      { action: 'paused', replicas: 2 },
    ],
  ];
  for (const [name, inp, want] of cases) {
    test(name, () => {
      const d = decideScale(inp);
      assert.equal(d.action, want.action, `${name}: action (${d.reason})`);
      if ('replicas' in want) assert.equal(d.replicas, want.replicas, `${name}: replicas`);
      if (want.active) assert.equal(d.conditions.find((c) => c.type === 'Active')?.reason, want.active, `${name}: Active`);
      if (want.ready) assert.equal(d.conditions.find((c) => c.type === 'Ready')?.reason, want.ready, `${name}: Ready`);
      if (want.event) assert.equal(d.event?.reason, want.event, `${name}: event`);
      assert.ok(d.reason.length > 0, `${name}: has a reason`);
    });
  }
});

test('the activation reason and event name the trigger and the numbers', () => {
  const d = decideScale(input({ isActive: true, activeTriggers: ['s0-aws-sqs-queue'], activityReason: 'trigger s0-aws-sqs-queue active, 3 > 0' }));
  assert.equal(d.reason, 'scale 0→1: trigger s0-aws-sqs-queue active, 3 > 0');
  assert.equal(d.event?.message, 'Scaled Deployment default/worker from 0 to 1, triggered by s0-aws-sqs-queue');
  assert.equal(d.lastActiveTime, T0 + 1000 * S);
});

test('partial errors while active do not refresh lastActiveTime', () => {
  assert.equal(decideScale(input({ isActive: true, isError: true, currentReplicas: 3, activeTriggers: ['s0'] })).lastActiveTime, undefined);
  assert.equal(decideScale(input({ isActive: true, currentReplicas: 3, activeTriggers: ['s0'] })).lastActiveTime, T0 + 1000 * S);
});

describe('pause annotations parse like KEDA (strconv.ParseBool, non-bool ⇒ true; paused-replicas by presence)', () => {
  const cases: Array<[Record<string, string>, Partial<ReturnType<typeof pauseState>>]> = [
    [{}, { paused: false, scaleInPaused: false, scaleOutPaused: false, forceActivation: false }],
    [{ 'autoscaling.keda.sh/paused': 'True' }, { paused: true }],
    [{ 'autoscaling.keda.sh/paused': '0' }, { paused: false }],
    [{ 'autoscaling.keda.sh/paused': 'banana' }, { paused: true }],
    [{ 'autoscaling.keda.sh/paused-replicas': 'x' }, { paused: true, pausedReplicas: undefined }],
    [{ 'autoscaling.keda.sh/paused-replicas': '4' }, { paused: true, pausedReplicas: 4 }],
    [{ 'autoscaling.keda.sh/paused-scale-in': 'maybe' }, { scaleInPaused: true }],
    [{ 'autoscaling.keda.sh/paused-scale-out': 'false' }, { scaleOutPaused: false }],
    [{ 'autoscaling.keda.sh/force-activation': 'sure' }, { forceActivation: true }],
    [{ 'autoscaling.keda.sh/force-activation': 'false' }, { forceActivation: false }],
  ];
  for (const [ann, want] of cases) {
    test(`annotations ${JSON.stringify(ann)} give ${JSON.stringify(want)}`, () => {
      const got = pauseState(ann);
      for (const [k, v] of Object.entries(want)) assert.equal(got[k as keyof typeof got], v, `${JSON.stringify(ann)} ${k}`);
    });
  }
});
