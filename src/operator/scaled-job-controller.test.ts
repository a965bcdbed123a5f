import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScaledJob } from '../api/parse.ts';
import type { ScaledJobControllerOptions } from './scaled-job-controller.ts';
import { ScaledJobController } from './scaled-job-controller.ts';

// jobFor is pure: the controller's I/O collaborators are not touched, so they are left out.
const controller = new ScaledJobController({ version: '2.20.2' } as ScaledJobControllerOptions);

function sj(extra: Record<string, unknown> = {}) {
  const r = parseScaledJob({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledJob',
    metadata: {
      name: 'worker',
      namespace: 'batch',
      uid: 'u-1',
      generation: 3,
      labels: { team: 'a' },
      annotations: { note: 'x', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    },
    spec: {
      jobTargetRef: { parallelism: 1, template: { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'c', image: 'i' }], ...extra } } },
      triggers: [{ type: 'prometheus', metadata: { serverAddress: 'http://p', query: 'q', threshold: '1' } }],
    },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.value;
}

test('a Job as KEDA creates it (pkg/scaling/executor/scale_jobs.go): generateName, labels, generation annotation, owner, template label', () => {
  const job = controller.jobFor(sj()) as unknown as { metadata: Record<string, any>; spec: Record<string, any> };
  assert.equal(job.metadata.generateName, 'worker-');
  assert.equal(job.metadata.namespace, 'batch');
  assert.deepEqual(job.metadata.labels, {
    team: 'a',
    'app.kubernetes.io/name': 'worker',
    'app.kubernetes.io/version': '2.20.2',
    'app.kubernetes.io/part-of': 'worker',
    'app.kubernetes.io/managed-by': 'keda-operator',
    'scaledjob.keda.sh/name': 'worker',
  });
  assert.deepEqual(job.metadata.annotations, { note: 'x', 'scaledjob.keda.sh/generation': '3' });
  assert.deepEqual(job.metadata.ownerReferences, [
    { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledJob', name: 'worker', uid: 'u-1', controller: true, blockOwnerDeletion: true },
  ]);
  assert.equal(job.spec.parallelism, 1);
  assert.deepEqual(job.spec.template.metadata.labels, { app: 'w', 'scaledjob.keda.sh/name': 'worker' });
  assert.equal(job.spec.template.spec.restartPolicy, 'OnFailure');
});

test('a restartPolicy given in the template is kept, and the ScaledJob itself is not modified', () => {
  const obj = sj({ restartPolicy: 'Never' });
  const job = controller.jobFor(obj) as unknown as { spec: Record<string, any> };
  assert.equal(job.spec.template.spec.restartPolicy, 'Never');
  assert.equal((obj.spec.jobTargetRef as any).template.metadata.labels['scaledjob.keda.sh/name'], undefined);
});
