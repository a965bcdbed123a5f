import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  behaviorWithPauses,
  emptyBehaviorState,
  normalizeReplicas,
  recordScaleEvent,
  resolveBehavior,
  type BehaviorState,
  type ResolvedBehavior,
} from './hpa-behavior.ts';
import type { HPABehavior } from '../api/types.ts';

const S = 1000;

/** Drive normalize + recordScaleEvent like the HPA controller does, one sync per entry. */
function run(
  behavior: ResolvedBehavior | undefined,
  start: number,
  syncs: Array<[tSeconds: number, desired: number]>,
  bounds = { min: 1, max: 100 },
): number[] {
  let state: BehaviorState = emptyBehaviorState();
  let replicas = start;
  const out: number[] = [];
  for (const [t, desired] of syncs) {
    const r = normalizeReplicas({ behavior, state, now: t * S, currentReplicas: replicas, desired, minReplicas: bounds.min, maxReplicas: bounds.max });
    state = recordScaleEvent(r.state, behavior, replicas, r.replicas, t * S);
    replicas = r.replicas;
    out.push(replicas);
  }
  return out;
}

test('HPA docs "Scaling policies": 80 replicas down to 10 with Pods 4/60s and Percent 10/60s removes 8 per minute, then 4 per minute at 40 or fewer', () => {
  const b = resolveBehavior({
    scaleDown: {
      stabilizationWindowSeconds: 0,
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 60 },
        { type: 'Percent', value: 10, periodSeconds: 60 },
      ],
    },
  });
  // 80 → 72 (10% = 8); within the same minute no more; next minute 72 → 64 (10% of 72 = 7.2, 8 removed).
  assert.deepEqual(
    run(b, 80, [
      [0, 10],
      [15, 10],
      [45, 10],
      [61, 10],
    ]),
    [72, 72, 72, 64],
  );
  // With 40 or fewer replicas the Pods policy (4) allows the bigger change.
  assert.deepEqual(
    run(b, 30, [
      [0, 10],
      [61, 10],
    ]),
    [26, 22],
  );
});

test('HPA docs "Example: limit scale up rate": Percent 900 lets 1 replica become 10 in one period', () => {
  const b = resolveBehavior({ scaleUp: { policies: [{ type: 'Percent', value: 900, periodSeconds: 60 }] } });
  assert.deepEqual(
    run(b, 1, [
      [0, 50],
      [30, 50],
      [61, 50],
    ]),
    [10, 10, 50],
  );
});

test('HPA docs "Example: disable scale down": selectPolicy Disabled never removes pods', () => {
  const b = resolveBehavior({ scaleDown: { selectPolicy: 'Disabled' } });
  assert.deepEqual(
    run(b, 10, [
      [0, 1],
      [400, 1],
      [800, 1],
    ]),
    [10, 10, 10],
  );
});

test('HPA docs "Stabilization window": scale-down takes the highest recommendation of the last 300 s', () => {
  const b = resolveBehavior({});
  // desired drops to 3 at t=60, but the recommendation 10 from t=0 holds until it leaves the window
  // (a recommendation counts while strictly newer than now − 300 s).
  assert.deepEqual(
    run(b, 10, [
      [0, 10],
      [60, 3],
      [200, 3],
      [299, 3],
      [300, 3],
    ]),
    [10, 10, 10, 10, 3],
  );
});

test('HPA docs "Default behavior": an empty behavior scales up by max(4 pods, 100%) per 15 s', () => {
  const b = resolveBehavior({});
  assert.deepEqual(
    run(b, 1, [
      [0, 40],
      [15, 40],
      [16, 40],
      [30, 40],
      [45, 40],
    ]),
    [5, 10, 10, 20, 40],
  );
});

test('selectPolicy Min picks the smallest change', () => {
  const b = resolveBehavior({
    scaleUp: {
      selectPolicy: 'Min',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    },
  });
  assert.deepEqual(run(b, 10, [[0, 100]]), [14]);
});

test('scale-up stabilization window takes the lowest recent recommendation', () => {
  const b = resolveBehavior({ scaleUp: { stabilizationWindowSeconds: 60 } });
  // Once the low recommendation leaves the window, the default scale-up policy allows max(2+4, 2×2) = 6.
  assert.deepEqual(
    run(b, 2, [
      [0, 2],
      [15, 8],
      [30, 8],
      [61, 8],
    ]),
    [2, 2, 2, 6],
  );
});

test('absent behavior: legacy path — 300 s downscale window and scale-up capped at max(2×current, 4) per sync', () => {
  assert.deepEqual(
    run(undefined, 1, [
      [0, 40],
      [15, 40],
      [30, 40],
    ]),
    [4, 8, 16],
  );
  assert.deepEqual(
    run(undefined, 10, [
      [0, 10],
      [100, 2],
      [299, 2],
      [301, 2],
    ]),
    [10, 10, 10, 2],
  );
});

test('bounds: never below minReplicas or above maxReplicas', () => {
  assert.deepEqual(run(resolveBehavior({ scaleDown: { stabilizationWindowSeconds: 0 } }), 5, [[0, 0]], { min: 2, max: 10 }), [2]);
  assert.deepEqual(run(resolveBehavior({}), 8, [[0, 50]], { min: 2, max: 10 }), [10]);
});

test('state is a value: normalize does not mutate the state passed in', () => {
  const state = emptyBehaviorState();
  const frozen = JSON.stringify(state);
  normalizeReplicas({ behavior: resolveBehavior({}), state, now: 0, currentReplicas: 1, desired: 5, minReplicas: 1, maxReplicas: 10 });
  assert.equal(JSON.stringify(state), frozen);
});

test('paused-scale-in/out inject selectPolicy Disabled into the behavior (creating it)', () => {
  const b: HPABehavior | undefined = behaviorWithPauses(undefined, true, false);
  assert.deepEqual(b, { scaleDown: { selectPolicy: 'Disabled' } });
  assert.deepEqual(behaviorWithPauses({ scaleUp: { stabilizationWindowSeconds: 5 } }, false, true), {
    scaleUp: { stabilizationWindowSeconds: 5, selectPolicy: 'Disabled' },
  });
  assert.deepEqual(run(resolveBehavior(behaviorWithPauses(undefined, false, true)), 2, [[0, 9]]), [2]);
});
