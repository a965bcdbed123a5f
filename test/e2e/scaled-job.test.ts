// ScaledJobs on a real control plane, reading a real Prometheus: Jobs are created per the default strategy
// (maxScale − running), carry KEDA's labels, annotations and owner, a spec change rolls old-generation Jobs out,
// pause stops creation, and deleting the ScaledJob removes its finalizer and, through the garbage collector, its Jobs.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { startTestOperator, type TestOperator } from '../support/test-operator.ts';
import { waitFor } from '../support/wait.ts';
import { installCrds } from '../support/metrics-api-registration.ts';
import { startPrometheus, type LocalPrometheus } from '../support/prometheus.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

interface Job {
  metadata: {
    name: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    ownerReferences?: Array<{ kind: string; name: string; controller?: boolean }>;
  };
  spec: { template: { metadata: { labels: Record<string, string> }; spec: { restartPolicy: string } } };
}

describe('ScaledJob on a real control plane', { timeout: 600_000 }, () => {
  let cp: ControlPlane;
  let prom: LocalPrometheus;
  let op: TestOperator;
  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const jobs = async () => (JSON.parse(await kubectl(['get', 'jobs', '-l', 'scaledjob.keda.sh/name=worker', '-o', 'json'])) as { items: Job[] }).items;
  const jobCount = async () => (await jobs()).length;
  const waitJobs = (n: number, timeoutMs = 30_000) => waitFor(`${n} jobs`, async () => (await jobCount()) === n, timeoutMs, 250);
  const condition = async (type: string) =>
    JSON.parse((await kubectl(['get', 'scaledjob', 'worker', '-o', `jsonpath={.status.conditions[?(@.type=="${type}")]}`])) || '{}') as {
      status?: string;
      reason?: string;
    };
  const events = async () =>
    await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=worker,involvedObject.kind=ScaledJob', '-o', 'jsonpath={.items[*].reason}']);
  const setQueue = (v: number) => {
    prom.series.gauges = { queue_jobs: { value: v } };
  };
  const scaledJob = (pollingInterval: number) =>
    JSON.stringify({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledJob',
      metadata: { name: 'worker', namespace: 'default', labels: { team: 'batch' } },
      spec: {
        pollingInterval,
        maxReplicaCount: 10,
        successfulJobsHistoryLimit: 2,
        failedJobsHistoryLimit: 2,
        jobTargetRef: { backoffLimit: 0, template: { spec: { containers: [{ name: 'work', image: 'registry.invalid/never-pulled:1' }] } } },
        triggers: [{ type: 'prometheus', metadata: { serverAddress: prom.url, query: 'queue_jobs', threshold: '1' } }],
      },
    });

  before(async () => {
    cp = await startControlPlane();
    await installCrds(cp, root);
    prom = await startPrometheus({ gauges: { queue_jobs: { value: 0 } } });
    op = await startTestOperator(cp);
  });

  after(async () => {
    await op?.stop();
    await prom?.stop();
    await cp?.stop();
  });

  // kwok completes a Job's pods at once (its default pod-complete stage), so Jobs here finish within a second or
  // two: while the queue still reads N, each poll creates more (finished Jobs do not count as running), and the
  // history limits keep only the newest finished Jobs.
  const isFinished = (j: Job) =>
    (j as { status?: { conditions?: Array<{ type: string; status: string }> } }).status?.conditions?.some(
      (c) => c.type === 'Complete' && c.status === 'True',
    ) === true;
  const finishedCount = async () => (await jobs()).filter(isFinished).length;
  // From one listing: two listings race the history limit deleting finished Jobs in between.
  const unfinishedCount = async () => (await jobs()).filter((j) => !isFinished(j)).length;
  const settle = () =>
    waitFor(
      'only the 2 newest finished Jobs kept (successfulJobsHistoryLimit)',
      async () => (await jobCount()) === 2 && (await finishedCount()) === 2,
      60_000,
      500,
    );

  test('an empty queue creates nothing; 3 messages create Jobs shaped as KEDA makes them; the history limit keeps 2', async () => {
    await kubectl(['apply', '-f', '-'], scaledJob(1));
    await waitFor('Ready=True', async () => (await condition('Ready')).status === 'True', 30_000, 250);
    assert.deepEqual(JSON.parse(await kubectl(['get', 'scaledjob', 'worker', '-o', 'jsonpath={.metadata.finalizers}'])), ['finalizer.keda.sh']);
    await prom.waitForScrapes('queue_jobs', 5); // 2.5 s: two polls at least, each seeing an empty queue
    assert.equal(await jobCount(), 0);
    assert.equal((await condition('Active')).status, 'False');

    setQueue(3);
    await waitFor('Jobs created', async () => (await jobCount()) >= 3, 30_000, 100);
    const [job] = await jobs();
    assert.match(job.metadata.name, /^worker-[a-z0-9]{5}$/);
    assert.equal(job.metadata.labels['app.kubernetes.io/managed-by'], 'keda-operator');
    assert.equal(job.metadata.labels['scaledjob.keda.sh/name'], 'worker');
    assert.equal(job.metadata.labels.team, 'batch', 'the ScaledJob labels are copied');
    assert.equal(job.metadata.annotations['scaledjob.keda.sh/generation'], '1');
    assert.deepEqual(
      job.metadata.ownerReferences?.map((r) => `${r.kind}/${r.name}/${r.controller}`),
      ['ScaledJob/worker/true'],
    );
    assert.equal(job.spec.template.metadata.labels['scaledjob.keda.sh/name'], 'worker');
    assert.equal(job.spec.template.spec.restartPolicy, 'OnFailure', 'an empty restartPolicy becomes OnFailure');
    assert.equal((await condition('Active')).status, 'True');
    assert.match(await events(), /KEDAJobsCreated/);
    // The operator never runs more than maxScale (3) unfinished Jobs at once.
    for (let i = 0; i < 10; i++) {
      const unfinished = await unfinishedCount();
      assert.ok(unfinished <= 3, `${unfinished} unfinished Jobs for a queue of 3`);
      await new Promise((r) => setTimeout(r, 300)); // hygiene: allow-sleep sampling period of the at-most-maxScale check
    }
    setQueue(0);
    await settle();
    await waitFor('Active=False', async () => (await condition('Active')).status === 'False', 30_000, 250);
  });

  test('a spec change deletes the Jobs of the old generation (rollout); new Jobs carry the new generation', async () => {
    await kubectl(['apply', '-f', '-'], scaledJob(2));
    await waitFor('old-generation Jobs deleted', async () => (await jobCount()) === 0, 60_000, 250);
    assert.match(await events(), /ScaledJobRolloutCleanupStarted/);
    setQueue(2);
    await waitFor('new Jobs', async () => (await jobCount()) >= 2, 30_000, 250);
    assert.ok((await jobs()).every((j) => j.metadata.annotations['scaledjob.keda.sh/generation'] === '2'));
    setQueue(0);
    await settle();
  });

  test('pause stops Job creation; unpausing resumes it', async () => {
    await kubectl(['annotate', 'scaledjob', 'worker', 'autoscaling.keda.sh/paused=true']);
    await waitFor('Paused=True', async () => (await condition('Paused')).status === 'True', 30_000, 250);
    const names = new Set((await jobs()).map((j) => j.metadata.name));
    setQueue(4);
    await prom.waitForScrapes('queue_jobs', 10); // 5 s of a queue of 4 while paused
    assert.deepEqual(new Set((await jobs()).map((j) => j.metadata.name)), names, 'no Job created while paused');
    await kubectl(['annotate', 'scaledjob', 'worker', 'autoscaling.keda.sh/paused-']);
    await waitFor('new Jobs after unpausing', async () => (await jobs()).some((j) => !names.has(j.metadata.name)), 30_000, 250);
    assert.equal((await condition('Paused')).status, 'False');
    assert.match(await events(), /KEDAScalersStopped/, 'pausing stopped the poll loop (KEDA: KEDAScalersStopped)');
    setQueue(0);
  });

  test('deleting the ScaledJob clears its finalizer; the garbage collector removes its Jobs', async () => {
    await kubectl(['delete', 'scaledjob', 'worker', '--wait=true', '--timeout=60s']);
    await waitJobs(0, 90_000);
    await waitFor('a ScaledJobDeleted Event', async () => /ScaledJobDeleted/.test(await events()), 30_000, 250);
  });

  test('scaledjob.keda.sh/job-excluded-labels: the labels it names are not copied onto the Jobs, the others are', async () => {
    setQueue(0);
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledJob',
        metadata: {
          name: 'labelled',
          namespace: 'default',
          labels: { team: 'batch', 'foo.bar/environment': 'prod', 'foo.bar/version': '1' },
          annotations: { 'scaledjob.keda.sh/job-excluded-labels': 'foo.bar/environment,foo.bar/version' },
        },
        spec: {
          pollingInterval: 1,
          maxReplicaCount: 1,
          jobTargetRef: { backoffLimit: 0, template: { spec: { containers: [{ name: 'work', image: 'registry.invalid/never-pulled:1' }] } } },
          triggers: [{ type: 'prometheus', metadata: { serverAddress: prom.url, query: 'queue_jobs', threshold: '1' } }],
        },
      }),
    );
    setQueue(1);
    const labelled = async () => (JSON.parse(await kubectl(['get', 'jobs', '-l', 'scaledjob.keda.sh/name=labelled', '-o', 'json'])) as { items: Job[] }).items;
    await waitFor('a Job of labelled', async () => (await labelled()).length >= 1, 30_000, 250);
    const [job] = await labelled();
    assert.equal(job.metadata.labels.team, 'batch');
    assert.equal(job.metadata.labels['foo.bar/environment'], undefined);
    assert.equal(job.metadata.labels['foo.bar/version'], undefined);
    assert.equal(job.metadata.labels['scaledjob.keda.sh/name'], 'labelled');
    setQueue(0);
    await kubectl(['delete', 'scaledjob', 'labelled', '--wait=true', '--timeout=60s']);
  });
});
