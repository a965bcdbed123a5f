// ScaledJob parsing and validation: defaults and CRD constraints of KEDA apis/keda/v1alpha1/scaledjob_types.go, webhook rules of
// scaledjob_webhook.go.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseScaledJob } from './parse.ts';
import type { ScaledJob } from './types.ts';
import { validateScaledJob } from './validate.ts';

const jobTargetRef = { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'worker', image: 'worker:1' }] } } };

function manifest(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledJob',
    metadata: { name: 'thumbnails', namespace: 'media' },
    spec: { jobTargetRef, triggers: [{ type: 'aws-sqs-queue', metadata: { queueLength: '1' } }], ...spec },
  };
}

function parsed(spec?: Record<string, unknown>): ScaledJob {
  const r = parseScaledJob(manifest(spec));
  assert.ok(r.ok, `expected valid, got ${JSON.stringify(!r.ok && r.problems)}`);
  return r.value;
}

describe('ScaledJob defaults (scaledjob_types.go)', () => {
  const cases: Array<[string, (sj: ScaledJob) => unknown, unknown]> = [
    ['pollingInterval defaults to 30 s', (sj) => sj.spec.pollingInterval, 30],
    ['successfulJobsHistoryLimit defaults to 100', (sj) => sj.spec.successfulJobsHistoryLimit, 100],
    ['failedJobsHistoryLimit defaults to 100', (sj) => sj.spec.failedJobsHistoryLimit, 100],
    ['minReplicaCount defaults to 0', (sj) => sj.spec.minReplicaCount, 0],
    ['maxReplicaCount stays unset (effective max 100)', (sj) => sj.spec.maxReplicaCount, undefined],
    ['rolloutStrategy stays unset', (sj) => sj.spec.rolloutStrategy, undefined],
    [
      'rollout.strategy stays unset (delete old jobs) and propagationPolicy defaults to background',
      (sj) => sj.spec.rollout,
      { propagationPolicy: 'background' },
    ],
    [
      'scalingStrategy defaults to default with multipleScalersCalculation max',
      (sj) => sj.spec.scalingStrategy,
      { strategy: 'default', multipleScalersCalculation: 'max' },
    ],
    ['envSourceContainerName stays unset (first container)', (sj) => sj.spec.envSourceContainerName, undefined],
    ['jobTargetRef is kept verbatim', (sj) => sj.spec.jobTargetRef, jobTargetRef],
    ['status defaults to {}', (sj) => sj.status, {}],
  ];
  for (const [name, get, want] of cases) it(name, () => assert.deepEqual(get(parsed()), want));

  it('keeps given scaling strategy fields', () => {
    const sj = parsed({
      scalingStrategy: {
        strategy: 'custom',
        customScalingQueueLengthDeduction: 1,
        customScalingRunningJobPercentage: '0.5',
        pendingPodConditions: ['Ready'],
        multipleScalersCalculation: 'sum',
      },
    });
    assert.deepEqual(sj.spec.scalingStrategy, {
      strategy: 'custom',
      customScalingQueueLengthDeduction: 1,
      customScalingRunningJobPercentage: '0.5',
      pendingPodConditions: ['Ready'],
      multipleScalersCalculation: 'sum',
    });
  });

  it('keeps unknown fields inside jobTargetRef (the Job API validates them, not the CRD)', () => {
    const r = parseScaledJob(manifest({ jobTargetRef: { ...jobTargetRef, backoffLimit: 2, ttlSecondsAfterFinished: 60 } }));
    assert.ok(r.ok);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.value.spec.jobTargetRef.backoffLimit, 2);
  });
});

describe('ScaledJob CRD-level rejections (scaledjob_types.go)', () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['jobTargetRef is required', { jobTargetRef: undefined }, 'spec.jobTargetRef', /ScaledJob.spec.jobTargetRef not found/],
    ['jobTargetRef.template is required (batch/v1 JobSpec)', { jobTargetRef: { parallelism: 1 } }, 'spec.jobTargetRef.template', /template is required/],
    ['pollingInterval minimum is 1', { pollingInterval: 0 }, 'spec.pollingInterval', /greater than or equal to 1/],
    ['successfulJobsHistoryLimit minimum is 0', { successfulJobsHistoryLimit: -1 }, 'spec.successfulJobsHistoryLimit', /greater than or equal to 0/],
    ['failedJobsHistoryLimit minimum is 0', { failedJobsHistoryLimit: -1 }, 'spec.failedJobsHistoryLimit', /greater than or equal to 0/],
    ['maxReplicaCount minimum is 1', { maxReplicaCount: 0 }, 'spec.maxReplicaCount', /greater than or equal to 1/],
    [
      'rollout.strategy is gradual|immediate (not the docs\' "default")',
      { rollout: { strategy: 'default' } },
      'spec.rollout.strategy',
      /"gradual", "immediate"/,
    ],
    [
      'rollout.propagationPolicy is foreground|background',
      { rollout: { propagationPolicy: 'orphan' } },
      'spec.rollout.propagationPolicy',
      /"foreground", "background"/,
    ],
    [
      'scalingStrategy.strategy is an enum',
      { scalingStrategy: { strategy: 'fast' } },
      'spec.scalingStrategy.strategy',
      /"default", "custom", "accurate", "eager"/,
    ],
    [
      'multipleScalersCalculation is an enum',
      { scalingStrategy: { multipleScalersCalculation: 'median' } },
      'spec.scalingStrategy.multipleScalersCalculation',
      /"min", "avg", "sum", "max"/,
    ],
    ['triggers has MinItems 1', { triggers: [] }, 'spec.triggers', /no triggers defined in the ScaledJob/],
  ];
  for (const [name, spec, path, message] of cases) {
    it(name, () => {
      const r = parseScaledJob(manifest(spec));
      assert.ok(!r.ok);
      const hit = r.problems.find((p) => p.path === path);
      assert.ok(hit, `no problem at ${path}: ${JSON.stringify(r.problems)}`);
      assert.match(hit.message, message);
    });
  }
});

describe('ScaledJob validation (scaledjob_webhook.go: only verifyTriggers; plus Job-creation failures)', () => {
  const cases: Array<{ name: string; spec: Record<string, unknown>; severity: 'error' | 'warning'; path: string; message: RegExp }> = [
    {
      name: 'metricType is forbidden on ScaledJob triggers',
      spec: { triggers: [{ type: 'aws-sqs-queue', metadata: {}, metricType: 'AverageValue' }] },
      severity: 'error',
      path: 'spec.triggers[0].metricType',
      message: /^Cannot set metricType in ScaledJob triggers$/,
    },
    {
      name: 'useCachedMetrics is ignored on ScaledJobs (warning)',
      spec: { triggers: [{ type: 'aws-sqs-queue', metadata: {}, useCachedMetrics: true }] },
      severity: 'warning',
      path: 'spec.triggers[0].useCachedMetrics',
      message: /ignored on ScaledJob/,
    },
    {
      name: 'useCachedMetrics is rejected for cron even on a ScaledJob',
      spec: { triggers: [{ type: 'cron', metadata: {}, useCachedMetrics: true }] },
      severity: 'error',
      path: 'spec.triggers[0].useCachedMetrics',
      message: /property "useCachedMetrics" is not supported for "cron" scaler/,
    },
    {
      name: 'trigger names must be unique',
      spec: {
        triggers: [
          { type: 'cron', name: 'a', metadata: {} },
          { type: 'cron', name: 'a', metadata: {} },
        ],
      },
      severity: 'error',
      path: 'spec.triggers[1].name',
      message: /triggerName "a" is defined multiple times in the ScaledJob, but it must be unique/,
    },
    {
      name: 'min > max is clamped by KEDA (warning)',
      spec: { minReplicaCount: 5, maxReplicaCount: 2 },
      severity: 'warning',
      path: 'spec.minReplicaCount',
      message: /KEDA clamps it to 2/,
    },
    {
      name: 'rolloutStrategy is deprecated and overrides rollout.strategy',
      spec: { rolloutStrategy: 'gradual', rollout: { strategy: 'immediate' } },
      severity: 'warning',
      path: 'spec.rolloutStrategy',
      message: /deprecated and overrides rollout.strategy \(immediate\)/,
    },
    {
      name: 'a Job template without restartPolicy Never/OnFailure can never be created',
      spec: { jobTargetRef: { template: { spec: { containers: [] } } } },
      severity: 'error',
      path: 'spec.jobTargetRef.template.spec.restartPolicy',
      message: /Never or OnFailure.*Pod default is Always/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const problems = validateScaledJob(parsed(c.spec));
      const hit = problems.find((p) => p.path === c.path && p.severity === c.severity);
      assert.ok(hit, `no ${c.severity} at ${c.path}: ${JSON.stringify(problems)}`);
      assert.match(hit.message, c.message);
      assert.equal(hit.object, 'ScaledJob media/thumbnails');
    });
  }

  it('a plain ScaledJob has no problems', () => assert.deepEqual(validateScaledJob(parsed()), []));
});
