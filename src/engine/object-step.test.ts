// Properties of the composed steps (operator poll + HPA sync) over many generated scenarios, plus the 0↔N handoff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  directStep,
  fetchMetrics,
  hpaSync,
  initialState,
  operatorPoll,
  planObject,
  type EngineTrigger,
  type ObjectState,
  type TriggerRead,
} from './object-step.ts';
import { scaledObject } from './scaled-object-fixture.ts';
import type { ScaledObject } from '../api/types.ts';

const trig: EngineTrigger = {
  triggerIndex: 0,
  type: 'aws-sqs-queue',
  metricName: 's0-aws-sqs-queue',
  kind: 'External',
  targetType: 'AverageValue',
  target: 5,
  activationThreshold: 0,
};

interface Trace {
  t: number;
  replicas: number;
  active: boolean;
  loop: string;
}

function drive(so: ScaledObject, values: Array<number | 'error'>, start: number, mode: 'hpa' | 'direct'): Trace[] {
  const plan = planObject(so, [trig], { creationTimestamp: 0 });
  let state: ObjectState = initialState(start);
  const trace: Trace[] = [];
  const poll = so.spec.pollingInterval * 1000;
  for (let i = 0; i < values.length; i++) {
    const now = i * 5000; // one value per 5 s
    const v = values[i];
    const reads: TriggerRead[] = [v === 'error' ? { error: 'x' } : { value: v, active: v > 0 }];
    const ctx = { now, statusReplicas: state.replicas, readyPods: state.replicas };
    if (now % poll === 0) {
      if (mode === 'direct') {
        const r = directStep(plan, state, reads, ctx);
        state = r.state;
        trace.push({ t: now, replicas: state.replicas, active: r.poll.activity.isActive, loop: 'operator' });
        continue;
      }
      const p = operatorPoll(plan, state, fetchMetrics(plan, state, reads, state.replicas), now);
      state = p.state;
      trace.push({ t: now, replicas: state.replicas, active: p.activity.isActive, loop: 'operator' });
    }
    if (mode === 'hpa' && now % 15000 === 0) {
      const h = hpaSync(plan, state, fetchMetrics(plan, state, reads, state.replicas), ctx);
      state = h.state;
      trace.push({ t: now, replicas: state.replicas, active: trace.at(-1)?.active ?? false, loop: 'hpa' });
    }
  }
  return trace;
}

interface Scenario {
  so: ScaledObject;
  values: Array<number | 'error'>;
  start: number;
}

// Generated scenarios (fast-check): bounds, polling and cooldown settings, an optional static fallback, and a
// series of up to 400 reads made of level segments (often 0, else 0..299) with the odd failed read.
const scenarios: fc.Arbitrary<Scenario> = fc
  .record({
    min: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 })),
    span: fc.integer({ min: 1, max: 30 }),
    pollingInterval: fc.constantFrom(5, 10, 30),
    cooldownPeriod: fc.constantFrom(0, 10, 60, 300),
    initialCooldownPeriod: fc.constantFrom(0, 60),
    fallback: fc.option(fc.record({ failureThreshold: fc.integer({ min: 0, max: 3 }), replicas: fc.integer({ min: 0, max: 4 }) }), { freq: 3 }),
    segments: fc.array(
      fc.oneof(
        { weight: 12, arbitrary: fc.record({ level: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 299 })), length: fc.integer({ min: 1, max: 40 }) }) },
        { weight: 1, arbitrary: fc.record({ level: fc.constant<'error'>('error'), length: fc.integer({ min: 1, max: 2 }) }) },
      ),
      { minLength: 1, maxLength: 25 },
    ),
    startSeed: fc.nat(),
  })
  .map(({ min, span, pollingInterval, cooldownPeriod, initialCooldownPeriod, fallback, segments, startSeed }) => {
    const max = min + span;
    const spec = {
      minReplicaCount: min,
      maxReplicaCount: max,
      pollingInterval,
      cooldownPeriod,
      initialCooldownPeriod,
      ...(fallback ? { fallback: { ...fallback, behavior: 'static' as const } } : {}),
    };
    const values = segments.flatMap((s) => Array<number | 'error'>(s.length).fill(s.level)).slice(0, 400);
    return { so: scaledObject(spec), values, start: startSeed % (max + 1) };
  });

const modes = ['hpa', 'direct'] as const;

for (const mode of modes) {
  test(`property (${mode} mode): replicas always stay within [0, maxReplicaCount], and never drop below minReplicaCount once they reached it`, () => {
    fc.assert(
      fc.property(scenarios, ({ so, values, start }) => {
        // A start below min may stay there for a while: an active first poll only refreshes lastActiveTime (the
        // HPA raises it to min, as in KEDA) and a failing read without fallback keeps the replicas.
        let reachedMin = start >= so.spec.minReplicaCount;
        for (const s of drive(so, values, start, mode)) {
          assert.ok(s.replicas >= 0 && s.replicas <= so.spec.maxReplicaCount, `${s.replicas} outside [0, ${so.spec.maxReplicaCount}] at ${s.t}`);
          if (reachedMin) assert.ok(s.replicas >= so.spec.minReplicaCount, `${s.replicas} < min ${so.spec.minReplicaCount} at ${s.t} (${s.loop})`);
          reachedMin ||= s.replicas >= so.spec.minReplicaCount;
        }
      }),
      { numRuns: 150 },
    );
  });

  test(`property (${mode} mode): never scales to zero before cooldownPeriod has passed since the last active poll`, () => {
    fc.assert(
      fc.property(scenarios, ({ so, values, start }) => {
        let lastActive: number | undefined;
        let prev = start;
        for (const s of drive(so, values, start, mode)) {
          if (s.loop === 'operator' && s.active) lastActive = s.t;
          if (prev > 0 && s.replicas === 0) {
            if (lastActive === undefined) assert.ok(s.t > so.spec.initialCooldownPeriod * 1000, `zero at ${s.t} before initialCooldownPeriod`);
            else assert.ok(s.t - lastActive > so.spec.cooldownPeriod * 1000, `zero at ${s.t}, last active ${lastActive}, cooldown ${so.spec.cooldownPeriod}s`);
          }
          prev = s.replicas;
        }
      }),
      { numRuns: 150 },
    );
  });

  test(`property (${mode} mode): a paused ScaledObject never moves`, () => {
    fc.assert(
      fc.property(scenarios, ({ so, values, start }) => {
        so.metadata.annotations['autoscaling.keda.sh/paused'] = 'true';
        for (const s of drive(so, values, start, mode)) assert.equal(s.replicas, start, `moved to ${s.replicas} at ${s.t}`);
      }),
      { numRuns: 50 },
    );
  });

  test(`property (${mode} mode): the same input gives the same output`, () => {
    fc.assert(
      fc.property(scenarios, ({ so, values, start }) => {
        assert.deepEqual(drive(structuredClone(so), values, start, mode), drive(structuredClone(so), values, start, mode));
      }),
      { numRuns: 20 },
    );
  });
}

test('0↔N handoff: the HPA is disabled at 0 replicas and uses minReplicas = max(min, 1)', () => {
  const so = scaledObject({ minReplicaCount: 0 });
  const plan = planObject(so, [trig], { creationTimestamp: 0 });
  assert.equal(plan.hpaMinReplicas, 1);
  const at0 = hpaSync(plan, initialState(0), fetchMetrics(plan, initialState(0), [{ value: 100, active: true }], 0), {
    now: 0,
    statusReplicas: 0,
    readyPods: 0,
  });
  assert.equal(at0.kind, 'disabled');
  assert.equal(at0.state.replicas, 0, 'only the operator activates from 0');
  const at1 = hpaSync(plan, initialState(1), fetchMetrics(plan, initialState(1), [{ value: 0, active: false }], 1), {
    now: 0,
    statusReplicas: 1,
    readyPods: 1,
  });
  assert.equal(at1.state.replicas, 1, 'the HPA never goes below 1; 1→0 is the operator after cooldown');
});

test('scalingModifiers: the composite metric drives activity and the HPA', () => {
  const so = scaledObject({
    triggers: [
      { type: 'prometheus', name: 'a', metadata: { threshold: '1' }, useCachedMetrics: false },
      { type: 'prometheus', name: 'b', metadata: { threshold: '1' }, useCachedMetrics: false },
    ],
    advanced: {
      restoreToOriginalReplicaCount: false,
      scalingModifiers: { formula: '(a + b) / 2', target: '10', activationTarget: '4', metricType: 'AverageValue' },
    },
  });
  const triggers: EngineTrigger[] = [0, 1].map((i) => ({
    triggerIndex: i,
    name: i ? 'b' : 'a',
    type: 'prometheus',
    metricName: `s${i}-prometheus`,
    kind: 'External',
    targetType: 'AverageValue',
    target: 1,
  }));
  const plan = planObject(so, triggers, { creationTimestamp: 0 });
  const low = operatorPoll(
    plan,
    initialState(0),
    fetchMetrics(
      plan,
      initialState(0),
      [
        { value: 2, active: true },
        { value: 6, active: true },
      ],
      0,
    ),
    1000,
  );
  assert.equal(low.activity.isActive, false, 'composite 4 is not > activationTarget 4');
  const high = fetchMetrics(
    plan,
    initialState(1),
    [
      { value: 30, active: true },
      { value: 50, active: true },
    ],
    1,
  );
  assert.deepEqual(
    high.metrics.map((m) => m.name),
    ['composite-metric'],
  );
  const h = hpaSync(plan, initialState(1), high, { now: 0, statusReplicas: 1, readyPods: 1 });
  assert.equal(h.desired, 4, 'composite 40 / target 10');
});
