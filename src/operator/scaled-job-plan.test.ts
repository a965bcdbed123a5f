// The ScaledJob reconcile plan as a table: one subtest per row, conditions (type, status, reason), Event reasons,
// the loop action, rollout cleanup and retry asserted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseScaledJob } from '../api/parse.ts';
import type { Condition, ScaledJob } from '../api/types.ts';
import { jobLabels, jobLoopIdentity, planScaledJob, type ScaledJobFacts } from './scaled-job-plan.ts';

function sj(annotations: Record<string, string> = {}, rollout?: Record<string, string>): ScaledJob {
  const r = parseScaledJob({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledJob',
    metadata: { name: 'worker', namespace: 'batch', uid: 'u-1', generation: 3, annotations },
    spec: {
      jobTargetRef: { template: { spec: { containers: [{ name: 'c', image: 'i' }], restartPolicy: 'Never' } } },
      ...(rollout ? { rollout } : {}),
      triggers: [{ type: 'prometheus', metadata: { serverAddress: 'http://p:9090', query: 'q', threshold: '1' }, authenticationRef: { name: 'prom-auth' } }],
    },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.value;
}

const ok: ScaledJobFacts['build'] = { ok: true, scalerTypes: ['prometheus'], metricSpecs: [], warnings: [] };
const READY: Condition = { type: 'Ready', status: 'True', reason: 'ScaledJobReady', message: 'ScaledJob is defined correctly and is ready to scaling' };
const PAUSED: Condition = { type: 'Paused', status: 'True', reason: 'ScaledJobPaused', message: 'ScaledJob is paused' };

interface Want {
  conditions?: Array<[string, string, string?]>;
  events: string[];
  loop: 'keep' | 'start' | 'stop';
  cleanup?: boolean;
  retry?: RegExp;
  noWrite?: boolean;
}

const rows: Array<{ name: string; facts: ScaledJobFacts; want: Want }> = [
  {
    name: 'a spec that does not parse: Ready=False ScaledJobCheckFailed, an Event, no loop, retried',
    facts: { parsed: { ok: false, message: 'spec.jobTargetRef: Required' }, status: {} },
    want: { conditions: [['Ready', 'False', 'ScaledJobCheckFailed']], events: ['ScaledJobCheckFailed'], loop: 'stop', retry: /jobTargetRef/ },
  },
  {
    name: 'paused: the running loop stops (KEDAScalersStopped), Paused=True with one Event, Jobs are left alone',
    facts: { parsed: { ok: true, sj: sj({ 'autoscaling.keda.sh/paused': 'true' }) }, status: {}, loop: jobLoopIdentity(sj()) },
    want: { conditions: [['Paused', 'True', 'ScaledJobPaused']], events: ['KEDAScalersStopped', 'ScaledJobPaused'], loop: 'stop', cleanup: false },
  },
  {
    name: 'a new spec whose scalers fail to build stops the running loop: KEDAScalersStopped, then the failure Events',
    facts: {
      parsed: { ok: true, sj: { ...sj(), metadata: { ...sj().metadata, generation: 4 } } },
      status: {},
      loop: jobLoopIdentity(sj()),
      build: { ok: false, errors: [{ triggerIndex: 0, type: 'prometheus', message: 'serverAddress is required' }], warnings: [] },
    },
    want: {
      conditions: [['Ready', 'False', 'ScaledJobCheckFailed']],
      events: ['KEDAScalersStopped', 'KEDAScalerFailed', 'ScaledJobCheckFailed'],
      loop: 'stop',
      retry: /serverAddress/,
    },
  },
  {
    name: 'still paused: no Event again',
    facts: { parsed: { ok: true, sj: sj({ 'autoscaling.keda.sh/paused': 'true' }) }, status: { conditions: [PAUSED] } },
    want: { events: [], loop: 'stop' },
  },
  {
    name: 'the first reconcile: the loop starts, Ready=True ScaledJobReady, one Event, older generations cleaned up',
    facts: { parsed: { ok: true, sj: sj() }, status: {}, build: ok },
    want: {
      conditions: [
        ['Ready', 'True', 'ScaledJobReady'],
        ['Paused', 'False'],
      ],
      events: ['ScaledJobReady'],
      loop: 'start',
      cleanup: true,
    },
  },
  {
    name: 'rollout strategy gradual keeps the running Jobs of older generations',
    facts: { parsed: { ok: true, sj: sj({}, { strategy: 'gradual' }) }, status: {}, build: ok },
    want: { events: ['ScaledJobReady'], loop: 'start', cleanup: false },
  },
  {
    name: 'unchanged with its loop running: nothing to do, nothing to write',
    facts: {
      parsed: { ok: true, sj: sj() },
      status: {
        conditions: [READY, { type: 'Active', status: 'Unknown' }, { type: 'Fallback', status: 'Unknown' }, { type: 'Paused', status: 'False' }],
        triggersTypes: 'prometheus',
        authenticationsTypes: 'prom-auth',
      },
      loop: jobLoopIdentity(sj()),
    },
    want: { events: [], loop: 'keep', noWrite: true },
  },
  {
    name: 'the pause annotation removed: Paused=False ScaledJobUnpaused, the loop starts again',
    facts: { parsed: { ok: true, sj: sj() }, status: { conditions: [READY, PAUSED] }, build: ok },
    want: { conditions: [['Paused', 'False', 'ScaledJobUnpaused']], events: ['ScaledJobUnpaused'], loop: 'start', cleanup: true },
  },
  {
    name: 'a trigger that does not build: KEDAScalerInfo and KEDAScalerFailed Events, then Ready=False, retried',
    facts: {
      parsed: { ok: true, sj: sj() },
      status: {},
      build: {
        ok: false,
        errors: [{ triggerIndex: 0, type: 'prometheus', message: 'prometheus: missing required parameter "query"' }],
        warnings: ['a warning'],
      },
    },
    want: {
      conditions: [['Ready', 'False', 'ScaledJobCheckFailed']],
      events: ['KEDAScalerInfo', 'KEDAScalerFailed', 'ScaledJobCheckFailed'],
      loop: 'stop',
      retry: /error building scalers: trigger 0 \(prometheus\)/,
    },
  },
  {
    name: 'a new generation rebuilds the loop; already Ready means no second Ready Event',
    facts: { parsed: { ok: true, sj: sj() }, status: { conditions: [READY] }, loop: { ...jobLoopIdentity(sj()), generation: 2 }, build: ok },
    want: { events: [], loop: 'start', cleanup: true },
  },
];

describe('ScaledJob reconcile plan', () => {
  for (const r of rows) {
    it(r.name, () => {
      const plan = planScaledJob(r.facts);
      const status = JSON.parse(JSON.stringify(plan.status(structuredClone(r.facts.status))));
      for (const [type, st, reason] of r.want.conditions ?? []) {
        const c = (status.conditions as Condition[] | undefined)?.find((x) => x.type === type);
        assert.ok(c, `condition ${type}`);
        assert.equal(c.status, st);
        if (reason) assert.equal(c.reason, reason);
      }
      assert.deepEqual(
        plan.events.map((e) => e.reason),
        r.want.events,
      );
      assert.equal(plan.loop, r.want.loop);
      if (r.want.cleanup !== undefined) assert.equal(plan.cleanupOldGenerations, r.want.cleanup);
      if (r.want.retry) assert.match(plan.retry ?? '', r.want.retry);
      else assert.equal(plan.retry, undefined);
      if (r.want.noWrite) assert.deepEqual(status, JSON.parse(JSON.stringify(r.facts.status)));
    });
  }
});

// scaledjob.keda.sh/job-excluded-labels (KEDA pkg/scaling/executor/scale_jobs.go generateJobs and
// tests/internals/scaled_job_validation): which of the ScaledJob's labels its Jobs get.
const KEDA_LABELS = {
  'app.kubernetes.io/name': 'worker',
  'app.kubernetes.io/version': '2.20.2',
  'app.kubernetes.io/part-of': 'worker',
  'app.kubernetes.io/managed-by': 'keda-operator',
  'scaledjob.keda.sh/name': 'worker',
};
const LABEL_ROWS: Array<{ name: string; labels: Record<string, string>; annotation?: string; want: Record<string, string> }> = [
  {
    name: 'no annotation: every label of the ScaledJob is copied beside KEDA’s',
    labels: { team: 'a', 'foo.bar/environment': 'prod' },
    want: { ...KEDA_LABELS, team: 'a', 'foo.bar/environment': 'prod' },
  },
  {
    name: 'the labels the annotation names are not copied (KEDA’s e2e: foo.bar/environment,foo.bar/version)',
    labels: { team: 'a', 'foo.bar/environment': 'prod', 'foo.bar/version': '1' },
    annotation: 'foo.bar/environment,foo.bar/version',
    want: { ...KEDA_LABELS, team: 'a' },
  },
  {
    name: 'entries are trimmed and empty ones ignored (Updraft; KEDA splits on "," only)',
    labels: { team: 'a', env: 'prod', tier: 'web' },
    annotation: ' env , ,tier',
    want: { ...KEDA_LABELS, team: 'a' },
  },
  {
    name: 'a name that is not a label of the ScaledJob excludes nothing',
    labels: { team: 'a' },
    annotation: 'absent',
    want: { ...KEDA_LABELS, team: 'a' },
  },
  {
    name: 'a ScaledJob label overrides KEDA’s app.kubernetes.io/* one, as in KEDA; excluded, KEDA’s stays',
    labels: { 'app.kubernetes.io/name': 'custom', 'app.kubernetes.io/part-of': 'shop' },
    annotation: 'app.kubernetes.io/part-of',
    want: { ...KEDA_LABELS, 'app.kubernetes.io/name': 'custom' },
  },
  {
    name: 'scaledjob.keda.sh/name is always the ScaledJob’s name (Updraft counts its Jobs by it)',
    labels: { 'scaledjob.keda.sh/name': 'other' },
    annotation: 'scaledjob.keda.sh/name',
    want: KEDA_LABELS,
  },
];

describe('Job labels and scaledjob.keda.sh/job-excluded-labels', () => {
  for (const r of LABEL_ROWS) {
    it(r.name, () => {
      const o = sj(r.annotation === undefined ? {} : { 'scaledjob.keda.sh/job-excluded-labels': r.annotation });
      assert.deepEqual(jobLabels({ metadata: { ...o.metadata, labels: r.labels } }, '2.20.2'), r.want);
    });
  }
});
