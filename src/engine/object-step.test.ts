// Properties of the composed steps (operator poll + HPA sync) over many generated scenarios, plus the 0↔N handoff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { directStep, fetchMetrics, hpaSync, initialState, operatorPoll, planObject, type EngineTrigger, type ObjectState, type TriggerRead } from './object-step.ts';
import { scaledObject } from './scaled-object-fixture.ts';
import type { ScaledObject } from '../api/types.ts';

// Deterministic generator (mulberry32) so every run checks the same scenarios.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const trig: EngineTrigger = { triggerIndex: 0, type: 'aws-sqs-queue', metricName: 's0-aws-sqs-queue', kind: 'External', targetType: 'AverageValue', target: 5, activationThreshold: 0 };

interface Trace { t: number; replicas: number; active: boolean; loop: string }

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

function scenario(r: () => number): { so: ScaledObject; values: Array<number | 'error'>; start: number } {
  const min = r() < 0.5 ? 0 : Math.floor(r() * 4);
  const max = min + 1 + Math.floor(r() * 30);
  const spec = {
    minReplicaCount: min,
    maxReplicaCount: max,
    pollingInterval: [5, 10, 30][Math.floor(r() * 3)],
    cooldownPeriod: [0, 10, 60, 300][Math.floor(r() * 4)],
    initialCooldownPeriod: [0, 60][Math.floor(r() * 2)],
    ...(r() < 0.3 ? { fallback: { failureThreshold: Math.floor(r() * 4), replicas: Math.floor(r() * 5), behavior: 'static' as const } } : {}),
  };
  const values: Array<number | 'error'> = [];
  let level = 0;
  for (let i = 0; i < 400; i++) {
    if (r() < 0.08) level = r() < 0.4 ? 0 : Math.floor(r() * 300);
    values.push(r() < 0.03 ? 'error' : level);
  }
  return { so: scaledObject(spec), values, start: Math.min(max, Math.floor(r() * (max + 1))) };
}

test('property: replicas always stay within [0, maxReplicaCount], and ≥ minReplicaCount after the first poll', () => {
  const r = rng(42);
  for (let n = 0; n < 150; n++) {
    const { so, values, start } = scenario(r);
    for (const mode of ['hpa', 'direct'] as const) {
      for (const s of drive(so, values, start, mode)) {
        assert.ok(s.replicas >= 0 && s.replicas <= so.spec.maxReplicaCount, `${mode} #${n}: ${s.replicas} outside [0, ${so.spec.maxReplicaCount}] at ${s.t}`);
        if (so.spec.minReplicaCount > 0) assert.ok(s.replicas >= so.spec.minReplicaCount, `${mode} #${n}: ${s.replicas} < min ${so.spec.minReplicaCount} at ${s.t}`);
      }
    }
  }
});

test('property: never scales to zero before cooldownPeriod has passed since the last active poll', () => {
  const r = rng(7);
  for (let n = 0; n < 150; n++) {
    const { so, values, start } = scenario(r);
    for (const mode of ['hpa', 'direct'] as const) {
      const trace = drive(so, values, start, mode);
      let lastActive: number | undefined;
      let prev = start;
      for (const s of trace) {
        if (s.loop === 'operator' && s.active) lastActive = s.t;
        if (prev > 0 && s.replicas === 0) {
          if (lastActive === undefined) assert.ok(s.t > so.spec.initialCooldownPeriod * 1000, `${mode} #${n}: zero at ${s.t} before initialCooldownPeriod`);
          else assert.ok(s.t - lastActive > so.spec.cooldownPeriod * 1000, `${mode} #${n}: zero at ${s.t}, last active ${lastActive}, cooldown ${so.spec.cooldownPeriod}s`);
        }
        prev = s.replicas;
      }
    }
  }
});

test('property: a paused ScaledObject never moves', () => {
  const r = rng(99);
  for (let n = 0; n < 50; n++) {
    const { so, values, start } = scenario(r);
    so.metadata.annotations['autoscaling.keda.sh/paused'] = 'true';
    for (const mode of ['hpa', 'direct'] as const) for (const s of drive(so, values, start, mode)) assert.equal(s.replicas, start, `${mode} #${n}`);
  }
});

test('property: the same input gives the same output', () => {
  for (let n = 0; n < 20; n++) {
    const a = scenario(rng(1000 + n));
    const b = scenario(rng(1000 + n));
    assert.deepEqual(drive(a.so, a.values, a.start, 'hpa'), drive(b.so, b.values, b.start, 'hpa'));
  }
});

test('0↔N handoff: the HPA is disabled at 0 replicas and uses minReplicas = max(min, 1)', () => {
  const so = scaledObject({ minReplicaCount: 0 });
  const plan = planObject(so, [trig], { creationTimestamp: 0 });
  assert.equal(plan.hpaMinReplicas, 1);
  const at0 = hpaSync(plan, initialState(0), fetchMetrics(plan, initialState(0), [{ value: 100, active: true }], 0), { now: 0, statusReplicas: 0, readyPods: 0 });
  assert.equal(at0.kind, 'disabled');
  assert.equal(at0.state.replicas, 0, 'only the operator activates from 0');
  const at1 = hpaSync(plan, initialState(1), fetchMetrics(plan, initialState(1), [{ value: 0, active: false }], 1), { now: 0, statusReplicas: 1, readyPods: 1 });
  assert.equal(at1.state.replicas, 1, 'the HPA never goes below 1; 1→0 is the operator after cooldown');
});

test('scalingModifiers: the composite metric drives activity and the HPA', () => {
  const so = scaledObject({
    triggers: [
      { type: 'prometheus', name: 'a', metadata: { threshold: '1' }, useCachedMetrics: false },
      { type: 'prometheus', name: 'b', metadata: { threshold: '1' }, useCachedMetrics: false },
    ],
    advanced: { restoreToOriginalReplicaCount: false, scalingModifiers: { formula: '(a + b) / 2', target: '10', activationTarget: '4', metricType: 'AverageValue' } },
  });
  const triggers: EngineTrigger[] = [0, 1].map((i) => ({ triggerIndex: i, name: i ? 'b' : 'a', type: 'prometheus', metricName: `s${i}-prometheus`, kind: 'External', targetType: 'AverageValue', target: 1 }));
  const plan = planObject(so, triggers, { creationTimestamp: 0 });
  const low = operatorPoll(plan, initialState(0), fetchMetrics(plan, initialState(0), [{ value: 2, active: true }, { value: 6, active: true }], 0), 1000);
  assert.equal(low.activity.isActive, false, 'composite 4 is not > activationTarget 4');
  const high = fetchMetrics(plan, initialState(1), [{ value: 30, active: true }, { value: 50, active: true }], 1);
  assert.deepEqual(high.metrics.map((m) => m.name), ['composite-metric']);
  const h = hpaSync(plan, initialState(1), high, { now: 0, statusReplicas: 1, readyPods: 1 });
  assert.equal(h.desired, 4, 'composite 40 / target 10');
});
