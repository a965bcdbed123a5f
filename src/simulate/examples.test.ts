// The examples in examples/simulate/ reproduce the walkthroughs' numbers (docs/simulate.md, examples table).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScenario, scenarioChart, scenarioJson, scenarioTimeline, type Scenario } from './scenario.ts';
import type { SimulationOptions } from './simulator.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const file = (p: string) => ({ name: p, text: readFileSync(join(root, p), 'utf8') });
const scenario = (manifest: string, series: string, options: Partial<SimulationOptions> = {}, scaledObject?: string): Scenario => ({
  manifest: file(manifest),
  series: file(series),
  scaledObject,
  options: { mode: 'hpa', startReplicas: 0, hpaSyncSeconds: 15, readyDelaySeconds: 0, ...options },
});

test('seed 01 (SQS): 23 messages with queueLength 5 at 2 replicas → 5 replicas', () => {
  const out = runScenario(
    scenario('examples/seed-manifests/01-sqs-scaledobject.yaml', 'examples/simulate/01-sqs-23-messages.csv', { startReplicas: 2, durationSeconds: 60 }),
  );
  const firstHpa = out.result.steps.find((s) => s.loop === 'hpa')!;
  assert.equal(firstHpa.desired, 5, 'the HPA computes ceil(23/5) = 5');
  assert.equal(out.result.summary.finalReplicas, 5);
});

test('seed 01 (SQS): 0→N on 500 messages, back to 0 only after cooldownPeriod', () => {
  const out = runScenario(scenario('examples/seed-manifests/01-sqs-scaledobject.yaml', 'examples/simulate/01-sqs-burst.csv'));
  const steps = out.result.steps;
  const activation = steps.find((s) => s.event === 'KEDAScaleTargetActivated')!;
  assert.equal(activation.t, 20, 'the first poll that sees the messages (polling every 10 s) activates');
  assert.equal(activation.replicas, 1);
  assert.ok(out.result.summary.maxReplicas > 1, 'the HPA then scales out');
  const deactivation = steps.find((s) => s.event === 'KEDAScaleTargetDeactivated')!;
  const lastActive = Math.max(...steps.filter((s) => s.loop === 'operator' && s.active).map((s) => s.t));
  assert.ok(deactivation.t - lastActive > 10, 'deactivation waits for cooldownPeriod 10 s after the last active poll');
  assert.equal(deactivation.replicas, 0, 'straight to 0 from any replica count');
  assert.equal(out.result.summary.finalReplicas, 0);
});

test('seed 02 (CloudWatch RPS): an average of 5.5 against target 2 grows the Deployment to 3 pods', () => {
  const out = runScenario(
    scenario('examples/seed-manifests/02-cloudwatch-rps-scaledobject.yaml', 'examples/simulate/02-cloudwatch-rps.csv', { startReplicas: 1 }),
  );
  assert.equal(out.result.summary.maxReplicas, 3);
  assert.equal(out.result.summary.finalReplicas, 1);
});

test('seed 03 (CloudWatch via OTel): 11.5 active requests per pod against target 2 → 6 pods', () => {
  const out = runScenario(
    scenario('examples/seed-manifests/03-cloudwatch-otel-scaledobject.yaml', 'examples/simulate/03-cloudwatch-otel.csv', { startReplicas: 1 }),
  );
  assert.equal(out.result.summary.maxReplicas, 6);
});

test('seed 04 (AMP Prometheus, minReplicaCount 1): scale-down waits for the 300 s HPA stabilization, not cooldownPeriod', () => {
  const out = runScenario(
    scenario('examples/seed-manifests/04-amp-prometheus-scaledobject.yaml', 'examples/simulate/04-amp-prometheus-scale-down.csv', { startReplicas: 1 }),
  );
  assert.equal(out.result.summary.maxReplicas, 4, 'ceil(35/10) = 4');
  const down = out.result.steps.find((s) => s.t > 120 && s.replicas < 4)!;
  assert.equal(down.replicas, 1);
  assert.ok(down.t >= 120 + 300, `dropped at ${down.t}s: not before the load ended (120 s) + 300 s`);
  assert.ok(
    out.result.steps.some((s) => s.t > 120 && s.t < 420 && s.stabilized),
    'the chart shades the stabilization span',
  );
});

test('seed 05 (nginx-scaledobj): vector(100) with threshold 25 → exactly 4 replicas', () => {
  const out = runScenario(
    scenario(
      'examples/seed-manifests/05-amp-direct-scaledobjects.yaml',
      'examples/simulate/05-vector-100.csv',
      { startReplicas: 1, durationSeconds: 120 },
      'nginx-scaledobj',
    ),
  );
  assert.equal(out.result.summary.finalReplicas, 4);
  assert.equal(out.result.summary.maxReplicas, 4);
});

test('a static fallback of 6 scales to 6 once reads fail more than failureThreshold times', () => {
  const out = runScenario(scenario('examples/simulate/sqs-fallback.yaml', 'examples/simulate/sqs-fallback.csv', { startReplicas: 1, durationSeconds: 200 }));
  const beforeFailure = out.result.steps.filter((s) => s.t < 60).at(-1)!;
  assert.equal(beforeFailure.replicas, 2, 'ceil(8/5) = 2 while reads succeed');
  assert.equal(out.result.summary.finalReplicas, 6);
  assert.ok(out.result.steps.some((s) => s.fallback));
});

test('direct mode reaches the same replica counts without an HPA sync period', () => {
  const out = runScenario(
    scenario(
      'examples/seed-manifests/05-amp-direct-scaledobjects.yaml',
      'examples/simulate/05-vector-100.csv',
      { startReplicas: 1, durationSeconds: 60, mode: 'direct' },
      'nginx-scaledobj',
    ),
  );
  assert.equal(out.result.steps[0].replicas, 4, 'the first poll already applies the HPA maths');
});

test('the demo runs and the same input gives the same output, byte for byte', () => {
  const s = scenario('examples/simulate/sqs-burst.yaml', 'examples/simulate/sqs-burst.csv');
  const a = runScenario(s);
  const b = runScenario(s);
  assert.equal(scenarioTimeline(a), scenarioTimeline(b));
  assert.equal(scenarioJson(a), scenarioJson(b));
  assert.equal(scenarioChart(a), scenarioChart(b));
  const svg = scenarioChart(a);
  assert.match(svg, /^<svg /);
  // One check of the whole legend, so every missing label is reported at once.
  assert.deepEqual(
    ['replicas', 'activation', 'deactivation', 'cooldown', 'HPA stabilization', 'queue'].filter((label) => !svg.includes(`>${label}</text>`)),
    [],
    'labels missing from the legend',
  );
  assert.ok(a.result.summary.activations === 1 && a.result.summary.deactivations === 1);
});

test('json output has one object per step with t, values, active, desired, replicas and reason', () => {
  const out = runScenario(scenario('examples/simulate/sqs-burst.yaml', 'examples/simulate/sqs-burst.csv'));
  const lines = scenarioJson(out)
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, out.result.steps.length + 1);
  assert.deepEqual(
    ['t', 'values', 'active', 'desired', 'replicas', 'reason'].filter((key) => !(key in lines[0])),
    [],
    'keys missing from the first step',
  );
  assert.ok('summary' in lines.at(-1));
});

// A cron trigger needs no series: its column is computed from the virtual clock (src/simulate/clock-series.ts).
const cronScenario = (startMs?: number): Scenario => ({
  manifest: file('examples/simulate/cron-business-hours.yaml'),
  ...(startMs !== undefined ? { startMs } : {}),
  options: { mode: 'hpa', startReplicas: 0, hpaSyncSeconds: 15, readyDelaySeconds: 0 },
});

test('cron (no series): a day from Monday 2026-01-05 00:00Z, 5 replicas from 08:00 to 18:00 Berlin (07:00-17:00Z), 0 after cooldown', () => {
  const out = runScenario(cronScenario());
  assert.equal(out.result.summary.durationSeconds, 86_400, 'a day');
  assert.deepEqual(out.series.points.get('office'), [
    { t: 0, v: 0 },
    { t: 7 * 3600, v: 5 },
    { t: 17 * 3600, v: 0 },
  ]);
  const activation = out.result.steps.find((s) => s.event === 'KEDAScaleTargetActivated')!;
  assert.equal(activation.t, 7 * 3600);
  assert.equal(out.result.summary.maxReplicas, 5);
  const deactivation = out.result.steps.find((s) => s.event === 'KEDAScaleTargetDeactivated')!;
  assert.equal(deactivation.t, 17 * 3600 + 300, 'cooldownPeriod 300 s after the window closed');
  assert.match(out.header, /t=0 at 2026-01-05T00:00:00\.000Z \(office computed from the clock\)/);
});

test('cron (no series) after the spring-forward change: the window opens at 08:00 CEST, 06:00Z', () => {
  const out = runScenario(cronScenario(Date.parse('2026-03-30T00:00:00Z')));
  assert.equal(out.result.steps.find((s) => s.event === 'KEDAScaleTargetActivated')!.t, 6 * 3600);
});

test('cron: a series column named after the trigger overrides the clock', () => {
  const out = runScenario({
    ...cronScenario(),
    series: { name: 'office.csv', text: 't,office\n0,2\n' },
    options: { mode: 'hpa', startReplicas: 0, hpaSyncSeconds: 15, readyDelaySeconds: 0, durationSeconds: 60 },
  });
  assert.equal(out.result.summary.finalReplicas, 2);
});
