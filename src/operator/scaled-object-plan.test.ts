// The ScaledObject reconcile plan as a table: one subtest per row, each asserting the conditions (type, status,
// reason), the Events (reason), the HPA and runner actions, and whether the reconcile is retried.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Condition, ScaledObject, ScaledObjectStatus } from '../api/types.ts';
import { scaledObject, trigger } from '../engine/scaled-object-fixture.ts';
import type { MetricSpec } from '../scalers/scaler.ts';
import { lastActiveRefreshMs, lastActiveTimeToWrite, planScaledObject, runnerIdentity, type ScaledObjectFacts } from './scaled-object-plan.ts';

const GVKR = { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments' };
const SQS: MetricSpec = { metricName: 's0-aws-sqs-orders', kind: 'External', targetType: 'AverageValue', target: 5 };

function so(annotations: Record<string, string> = {}, spec: Partial<ScaledObject['spec']> = {}): ScaledObject {
  const o = scaledObject(spec, annotations);
  return { ...o, metadata: { ...o.metadata, uid: 'u-1', generation: 2 } };
}

const READY: Condition = { type: 'Ready', status: 'True', reason: 'ScaledObjectReady', message: 'ScaledObject is defined correctly and is ready for scaling' };
const TRIGGER_ERROR: Condition = {
  type: 'Ready',
  status: 'False',
  reason: 'TriggerError',
  message: 'Triggers defined in ScaledObject are not working correctly',
};
const PAUSED: Condition = { type: 'Paused', status: 'True', reason: 'ScaledObjectPaused', message: 'ScaledObject is paused' };

/** The status a healthy, running hpa-mode object has after a reconcile. */
function steadyStatus(extra: Partial<ScaledObjectStatus> = {}): ScaledObjectStatus {
  const f = facts(so(), { build: built() });
  return { ...planScaledObject(f).status({}), ...extra };
}

function built(specs: MetricSpec[] = [SQS], warnings: string[] = []): ScaledObjectFacts['build'] {
  return { ok: true, scalerTypes: specs.map(() => 'aws-sqs-queue'), metricSpecs: specs, warnings };
}

function facts(o: ScaledObject, over: Partial<ScaledObjectFacts> = {}): ScaledObjectFacts {
  return {
    parsed: { ok: true, so: o },
    status: {},
    target: { ok: true, gvkr: GVKR, scaleReplicas: 1 },
    runner: {},
    defaultMode: 'hpa',
    version: '2.20.2',
    ...over,
  };
}

/** A runner that runs for `o` as it is now. */
function running(o: ScaledObject, extra: Partial<ScaledObjectFacts['runner']> = {}): ScaledObjectFacts['runner'] {
  return { builtFor: runnerIdentity(o, 'hpa'), metricSpecs: [SQS], ...extra };
}

interface Want {
  conditions?: Array<[type: string, status: string, reason?: string]>;
  events: string[];
  hpa: 'none' | 'ensure' | 'delete';
  runner: 'keep' | 'start' | 'stop';
  retry?: RegExp;
  scaleTo?: number;
  /** The plan writes nothing (the status function returns the current status unchanged). */
  noWrite?: boolean;
  check?: (status: ScaledObjectStatus) => void;
}

const withSqs = (md: Record<string, string> = {}) => [trigger('aws-sqs-queue', { queueURL: 'q', ...md })];
const duplicate: MetricSpec[] = [SQS, { ...SQS }];

const rows: Array<{ name: string; facts: ScaledObjectFacts; want: Want }> = [
  {
    name: 'paused with a loop running: the loop stops with KEDAScalersStopped, then ScaledObjectPaused',
    facts: facts(so({ 'autoscaling.keda.sh/paused': 'true' }), { status: { hpaName: 'keda-hpa-worker' }, runner: running(so()) }),
    want: { conditions: [['Paused', 'True', 'ScaledObjectPaused']], events: ['KEDAScalersStopped', 'ScaledObjectPaused'], hpa: 'delete', runner: 'stop' },
  },
  {
    name: 'the target disappears under a running loop: KEDAScalersStopped, then ScaledObjectCheckFailed, retried',
    facts: facts(so(), {
      status: steadyStatus(),
      runner: running(so()),
      target: { ok: false, message: 'Deployment default/worker not found', eventMessage: "Target resource doesn't exist" },
    }),
    want: {
      conditions: [['Ready', 'False', 'ScaledObjectCheckFailed']],
      events: ['KEDAScalersStopped', 'ScaledObjectCheckFailed'],
      hpa: 'none',
      runner: 'stop',
      retry: /not found/,
    },
  },
  {
    name: 'a spec that does not parse: Ready=False ScaledObjectCheckFailed, Active Unknown, a Warning Event, no loop, no retry (an edit fixes it)',
    facts: { ...facts(so()), parsed: { ok: false, message: 'spec.triggers: Required' } },
    want: {
      conditions: [
        ['Ready', 'False', 'ScaledObjectCheckFailed'],
        ['Active', 'Unknown', 'UnknownState'],
      ],
      events: ['ScaledObjectCheckFailed'],
      hpa: 'none',
      runner: 'stop',
    },
  },
  {
    name: 'paused: the loop stops, the HPA is deleted, Paused=True and Ready=True "paused", one ScaledObjectPaused Event',
    facts: facts(so({ 'autoscaling.keda.sh/paused': 'true' }), { status: { hpaName: 'keda-hpa-worker' } }),
    want: {
      conditions: [
        ['Paused', 'True', 'ScaledObjectPaused'],
        ['Ready', 'True', 'ScaledObjectReady'],
      ],
      events: ['ScaledObjectPaused'],
      hpa: 'delete',
      runner: 'stop',
    },
  },
  {
    name: 'still paused: no Event again, nothing to write',
    facts: facts(so({ 'autoscaling.keda.sh/paused': 'true' }), {
      status: {
        conditions: [
          { type: 'Ready', status: 'True', reason: 'ScaledObjectReady', message: 'ScaledObject is paused' },
          { type: 'Active', status: 'Unknown' },
          { type: 'Fallback', status: 'Unknown' },
          PAUSED,
        ],
      },
    }),
    want: { events: [], hpa: 'none', runner: 'stop', noWrite: true },
  },
  {
    name: 'paused-replicas 3 with the target at 5: write 3 to /scale and record pausedReplicaCount',
    facts: facts(so({ 'autoscaling.keda.sh/paused-replicas': '3' }), { pausedTargetReplicas: 5 }),
    want: { events: ['ScaledObjectPaused'], hpa: 'none', runner: 'stop', scaleTo: 3, check: (s) => assert.equal(s.pausedReplicaCount, 3) },
  },
  {
    name: 'paused-replicas 3 with the target at 3: no write to /scale',
    facts: facts(so({ 'autoscaling.keda.sh/paused-replicas': '3' }), { pausedTargetReplicas: 3 }),
    want: { events: ['ScaledObjectPaused'], hpa: 'none', runner: 'stop' },
  },
  {
    name: 'paused-replicas that is not a number: Ready=False, a CheckFailed Event, retried',
    facts: facts(so({ 'autoscaling.keda.sh/paused-replicas': 'three' })),
    want: {
      conditions: [['Ready', 'False', 'ScaledObjectCheckFailed']],
      events: ['ScaledObjectCheckFailed'],
      hpa: 'none',
      runner: 'stop',
      retry: /paused-replicas/,
    },
  },
  {
    name: 'paused-scale-in: the loop keeps running, Paused=True with one Event',
    facts: facts(so({ 'autoscaling.keda.sh/paused-scale-in': 'true' }), { build: built() }),
    want: {
      conditions: [
        ['Paused', 'True', 'ScaledObjectPaused'],
        ['Ready', 'True', 'ScaledObjectReady'],
      ],
      events: ['ScaledObjectPaused', 'KEDAScalersStarted', 'ScaledObjectReady'],
      hpa: 'ensure',
      runner: 'start',
    },
  },
  {
    name: 'the pause annotation removed: Paused=False ScaledObjectUnpaused, pausedReplicaCount cleared, the loop starts',
    facts: facts(so(), { status: { pausedReplicaCount: 3, conditions: [PAUSED] }, build: built() }),
    want: {
      conditions: [
        ['Paused', 'False', 'ScaledObjectUnpaused'],
        ['Ready', 'True', 'ScaledObjectReady'],
      ],
      events: ['ScaledObjectUnpaused', 'KEDAScalersStarted', 'ScaledObjectReady'],
      hpa: 'ensure',
      runner: 'start',
      check: (s) => assert.equal(s.pausedReplicaCount, undefined),
    },
  },
  {
    name: "the target does not exist: Ready=False with KEDA's Event text, the loop stops, retried",
    facts: facts(so(), {
      target: {
        ok: false,
        message: "ScaledObject doesn't have correct scaleTargetRef specification: Deployment default/worker not found",
        eventMessage: "Target resource doesn't exist",
      },
    }),
    want: {
      conditions: [
        ['Ready', 'False', 'ScaledObjectCheckFailed'],
        ['Active', 'Unknown', 'UnknownState'],
      ],
      events: ['ScaledObjectCheckFailed'],
      hpa: 'none',
      runner: 'stop',
      retry: /not found/,
    },
  },
  {
    name: 'an invalid scalingModifiers formula: Ready=False and an Event even without the webhook, retried',
    facts: facts(
      so(
        {},
        {
          triggers: [trigger('aws-sqs-queue', { queueURL: 'q' }, { name: 'queue' })],
          advanced: { restoreToOriginalReplicaCount: false, scalingModifiers: { formula: 'queue + missing', target: '5', metricType: 'AverageValue' } },
        },
      ),
      { build: built() },
    ),
    want: {
      conditions: [['Ready', 'False', 'ScaledObjectCheckFailed']],
      events: ['ScaledObjectCheckFailed'],
      hpa: 'none',
      runner: 'stop',
      retry: /scalingModifiers\.formula.*missing/,
    },
  },
  {
    name: 'a trigger that does not build: a KEDAScalerFailed Event per trigger, then Ready=False, retried',
    facts: facts(so({}, { triggers: withSqs() }), {
      build: {
        ok: false,
        errors: [{ triggerIndex: 0, type: 'aws-sqs-queue', message: 'aws-sqs-queue: queueLength must be a whole number' }],
        warnings: ['TriggerAuthentication default/aws: secret s not found'],
      },
    }),
    want: {
      conditions: [['Ready', 'False', 'ScaledObjectCheckFailed']],
      events: ['KEDAScalerInfo', 'KEDAScalerFailed', 'ScaledObjectCheckFailed'],
      hpa: 'none',
      runner: 'stop',
      retry: /error building scalers: trigger 0 \(aws-sqs-queue\)/,
    },
  },
  {
    name: 'the first reconcile: the HPA is ensured, the loop starts, Ready=True, KEDAScalersStarted and ScaledObjectReady Events',
    facts: facts(so(), { build: built() }),
    want: {
      conditions: [
        ['Ready', 'True', 'ScaledObjectReady'],
        ['Fallback', 'False', 'NoFallbackFound'],
      ],
      events: ['KEDAScalersStarted', 'ScaledObjectReady'],
      hpa: 'ensure',
      runner: 'start',
      check: (s) =>
        assert.deepEqual(
          [s.hpaName, s.externalMetricNames, s.scaleTargetKind, s.originalReplicaCount],
          ['keda-hpa-worker', ['s0-aws-sqs-orders'], 'apps/v1.Deployment', 1],
        ),
    },
  },
  {
    name: 'build warnings become KEDAScalerInfo Events',
    facts: facts(so(), { build: built([SQS], ['trigger 0: awsRegion taken from the queue URL']) }),
    want: { events: ['KEDAScalerInfo', 'KEDAScalersStarted', 'ScaledObjectReady'], hpa: 'ensure', runner: 'start' },
  },
  {
    name: 'a steady object with its loop running: no Event, the loop is kept, nothing to write',
    facts: facts(so(), { status: steadyStatus(), runner: running(so()) }),
    want: { events: [], hpa: 'ensure', runner: 'keep', noWrite: true },
  },
  {
    name: 'the refresh after read errors keeps Ready=False TriggerError (no flap to True) and emits no Ready or Started Event',
    facts: facts(so(), {
      status: steadyStatus({
        conditions: [
          TRIGGER_ERROR,
          { type: 'Active', status: 'False' },
          { type: 'Fallback', status: 'False', reason: 'NoFallbackFound', message: 'No fallbacks are active on this scaled object' },
          { type: 'Paused', status: 'False' },
        ],
      }),
      runner: running(so(), { stale: 'read-errors' }),
      build: built(),
    }),
    want: { conditions: [['Ready', 'False', 'TriggerError']], events: [], hpa: 'ensure', runner: 'start', noWrite: true },
  },
  {
    name: 'a TriggerAuthentication change rebuilds the scalers quietly, as the refresh does',
    facts: facts(so(), { status: steadyStatus(), runner: running(so(), { stale: 'auth' }), build: built() }),
    want: { conditions: [['Ready', 'True', 'ScaledObjectReady']], events: [], hpa: 'ensure', runner: 'start', noWrite: true },
  },
  {
    name: "a new generation with a runtime TriggerError is ready again: the new loop's first poll decides",
    facts: facts(so(), {
      status: steadyStatus({ conditions: [TRIGGER_ERROR] }),
      runner: { ...running(so()), builtFor: { ...runnerIdentity(so(), 'hpa'), generation: 1 } },
      build: built(),
    }),
    want: { conditions: [['Ready', 'True', 'ScaledObjectReady']], events: ['KEDAScalersStarted', 'ScaledObjectReady'], hpa: 'ensure', runner: 'start' },
  },
  {
    name: 'direct mode: no HPA (the old one is deleted), hpaName cleared',
    facts: facts(so({ 'updraft.dev/mode': 'direct' }), { status: { hpaName: 'keda-hpa-worker' }, build: built() }),
    want: { events: ['KEDAScalersStarted', 'ScaledObjectReady'], hpa: 'delete', runner: 'start', check: (s) => assert.equal(s.hpaName, undefined) },
  },
  {
    name: 'direct mode without an HPA: nothing to delete',
    facts: facts(so({ 'updraft.dev/mode': 'direct' }), { build: built() }),
    want: { events: ['KEDAScalersStarted', 'ScaledObjectReady'], hpa: 'none', runner: 'start' },
  },
  {
    name: "two metrics with one name cannot make an HPA: Ready=False with the HPA builder's message, retried",
    facts: facts(so(), { build: built(duplicate) }),
    want: {
      conditions: [['Ready', 'False', 'ScaledObjectCheckFailed']],
      events: ['ScaledObjectCheckFailed'],
      hpa: 'none',
      runner: 'stop',
      retry: /defined multiple times/,
    },
  },
  {
    name: 'with a fallback the reconcile leaves the Fallback condition to the loop',
    facts: facts(so({}, { fallback: { failureThreshold: 3, replicas: 2, behavior: 'static' } }), { build: built() }),
    want: { conditions: [['Fallback', 'Unknown']], events: ['KEDAScalersStarted', 'ScaledObjectReady'], hpa: 'ensure', runner: 'start' },
  },
];

describe('ScaledObject reconcile plan', () => {
  for (const r of rows) {
    it(r.name, () => {
      const plan = planScaledObject(r.facts);
      const status = plan.status(structuredClone(r.facts.status));
      for (const [type, st, reason] of r.want.conditions ?? []) {
        const c = status.conditions?.find((x) => x.type === type);
        assert.ok(c, `condition ${type}`);
        assert.equal(c.status, st, `${type} status`);
        if (reason) assert.equal(c.reason, reason, `${type} reason`);
      }
      assert.deepEqual(
        plan.events.map((e) => e.reason),
        r.want.events,
      );
      assert.equal(plan.hpa.action, r.want.hpa);
      assert.equal(plan.runner, r.want.runner);
      if (r.want.retry) assert.match(plan.retry ?? '', r.want.retry);
      else assert.equal(plan.retry, undefined);
      assert.equal(plan.scaleTo, r.want.scaleTo);
      // The applier drops undefined fields before it compares (kube/status.ts writes only a real difference).
      if (r.want.noWrite) assert.deepEqual(JSON.parse(JSON.stringify(status)), JSON.parse(JSON.stringify(r.facts.status)));
      r.want.check?.(status);
    });
  }

  it('a renamed HPA deletes the previous one in the same ensure', () => {
    const plan = planScaledObject(facts(so(), { status: { hpaName: 'old-hpa' }, build: built() }));
    assert.equal(plan.hpa.action, 'ensure');
    assert.equal(plan.hpa.action === 'ensure' ? plan.hpa.deletePrevious : undefined, 'old-hpa');
  });
});

// HPAActive mirrors the HPA's ScalingActive condition (KEDA pkg/scaling/executor/scale_scaledobjects.go
// getHPAHealth and its tests): one row per ScalingActive state, each in hpa mode with a running loop.
const HPA_ACTIVE_ROWS: Array<{
  name: string;
  mode?: 'hpa' | 'direct';
  scalingActive?: ScaledObjectFacts['hpaScalingActive'];
  before?: Condition;
  want: Condition | undefined;
}> = [
  {
    name: 'ScalingActive=True: HPAActive=True HPAActive "HPA is actively scaling"',
    scalingActive: { status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count' },
    want: { type: 'HPAActive', status: 'True', reason: 'HPAActive', message: 'HPA is actively scaling' },
  },
  {
    name: 'ScalingActive=False ScalingDisabled (target at 0): HPAActive stays True, reason ScalingDisabled with the HPA’s message',
    scalingActive: { status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' },
    want: { type: 'HPAActive', status: 'True', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' },
  },
  {
    name: 'ScalingActive=False FailedGetExternalMetric: HPAActive=False with the HPA’s reason, message prefixed',
    scalingActive: { status: 'False', reason: 'FailedGetExternalMetric', message: 'unable to get external metric' },
    want: { type: 'HPAActive', status: 'False', reason: 'FailedGetExternalMetric', message: 'HPA is not actively scaling: unable to get external metric' },
  },
  {
    name: 'ScalingActive=False with no reason: HPAActive=False HPAMetricsUnavailable',
    scalingActive: { status: 'False', message: 'no metrics' },
    want: { type: 'HPAActive', status: 'False', reason: 'HPAMetricsUnavailable', message: 'HPA is not actively scaling: no metrics' },
  },
  {
    name: 'ScalingActive=Unknown with a reason: HPAActive=False with that reason (only True is healthy)',
    scalingActive: { status: 'Unknown', reason: 'FailedGetScale', message: 'cannot read /scale' },
    want: { type: 'HPAActive', status: 'False', reason: 'FailedGetScale', message: 'HPA is not actively scaling: cannot read /scale' },
  },
  {
    name: 'no ScalingActive observed (no HPA yet): no HPAActive condition is added',
    want: undefined,
  },
  {
    name: 'no ScalingActive observed after one was: the last HPAActive is kept',
    before: { type: 'HPAActive', status: 'True', reason: 'HPAActive', message: 'HPA is actively scaling' },
    want: { type: 'HPAActive', status: 'True', reason: 'HPAActive', message: 'HPA is actively scaling' },
  },
  {
    name: 'direct mode (no HPA): an HPAActive left from hpa mode is removed, and none is written',
    mode: 'direct',
    scalingActive: { status: 'True' },
    before: { type: 'HPAActive', status: 'True', reason: 'HPAActive', message: 'HPA is actively scaling' },
    want: undefined,
  },
];

describe('HPAActive condition', () => {
  for (const r of HPA_ACTIVE_ROWS) {
    it(r.name, () => {
      const o = so(r.mode === 'direct' ? { 'updraft.dev/mode': 'direct' } : {});
      const status = steadyStatus(r.before ? { conditions: [...(steadyStatus().conditions ?? []), r.before] } : {});
      const plan = planScaledObject(facts(o, { status, runner: { ...running(o), builtFor: runnerIdentity(o, 'hpa') }, hpaScalingActive: r.scalingActive }));
      assert.deepEqual(
        plan.status(structuredClone(status)).conditions?.find((c) => c.type === 'HPAActive'),
        r.want,
      );
      assert.deepEqual(plan.events, [], 'no Event: HPAActive changes are status only, as in KEDA');
    });
  }
});

describe('lastActiveTime writes', () => {
  const o = so({}, { pollingInterval: 30, cooldownPeriod: 300 });
  const t = Date.parse('2026-01-01T12:00:00Z');
  const rows: Array<[string, string | undefined, number | undefined, boolean, string | undefined]> = [
    ['never active: nothing to write', undefined, undefined, false, undefined],
    ['the first activity is written at once', undefined, t, true, '2026-01-01T12:00:00Z'],
    ['still active 30 s later: not rewritten (the refresh window is cooldown/4 = 60 s)', '2026-01-01T12:00:00Z', t + 30_000, true, undefined],
    ['still active 60 s later: refreshed', '2026-01-01T12:00:00Z', t + 60_000, true, '2026-01-01T12:01:00Z'],
    ['inactive now: the exact last active time is written once', '2026-01-01T12:00:00Z', t + 45_500, false, '2026-01-01T12:00:45Z'],
    ['inactive and already exact: nothing to write', '2026-01-01T12:00:45Z', t + 45_500, false, undefined],
  ];
  for (const [name, stored, last, active, want] of rows) {
    it(name, () => assert.equal(lastActiveTimeToWrite(o, stored, last, active), want));
  }

  it('the refresh window is at least pollingInterval and at most 60 s', () => {
    assert.equal(lastActiveRefreshMs(so({}, { pollingInterval: 1, cooldownPeriod: 20 })), 5_000);
    assert.equal(lastActiveRefreshMs(so({}, { pollingInterval: 30, cooldownPeriod: 20 })), 30_000);
    assert.equal(lastActiveRefreshMs(so({}, { pollingInterval: 1, cooldownPeriod: 3600 })), 60_000);
  });
});
