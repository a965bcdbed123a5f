// explainReport on a stub cluster: the report's shape for an hpa-mode and a direct-mode ScaledObject, the
// updraft.dev/LastScale condition read back as lastScale, and the text cli/explain.ts renders from it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LAST_SCALE_CONDITION, LAST_SCALE_MESSAGE_MAX, lastScaleCondition, parseLastScaleMessage } from '../api/keda-reasons.ts';
import { renderExplanation } from '../cli/explain.ts';
import { KubeApiError, type KubeClient, type KubeObject } from '../kube/client.ts';
import { explainReport, ScaledObjectNotFound } from './explain.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const iso = (secondsAgo: number) => new Date(NOW - secondsAgo * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function scaledObject(opts: { hpa: boolean; annotations?: Record<string, string> }): KubeObject {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'consumer', namespace: 'q', generation: 1, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      scaleTargetRef: { name: 'backend' },
      minReplicaCount: 0,
      maxReplicaCount: 100,
      pollingInterval: 10,
      cooldownPeriod: 10,
      triggers: [
        {
          type: 'aws-sqs-queue',
          metadata: {
            queueURL: 'https://sqs.us-west-2.amazonaws.com/111122223333/app-queue',
            activationQueueLength: '0',
            queueLength: '5',
            awsRegion: 'us-west-2',
            identityOwner: 'operator',
          },
        },
        { type: 'nope', name: 'broken', metadata: {} },
      ],
    },
    status: {
      ...(opts.hpa ? { hpaName: 'keda-hpa-consumer' } : {}),
      scaleTargetGVKR: { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments' },
      originalReplicaCount: 1,
      lastActiveTime: iso(30),
      externalMetricNames: ['s0-aws-sqs-app-queue', 's1-nope'],
      triggersActivity: { 's0-aws-sqs-app-queue': { isActive: true } },
      conditions: [
        { type: 'Ready', status: 'True', reason: 'ScaledObjectReady', message: 'ScaledObject is defined correctly and is ready for scaling' },
        { type: 'Active', status: 'True', reason: 'ScalerActive', message: 'Scaling is performed because triggers are active' },
        { type: 'Fallback', status: 'False', reason: 'NoFallbackFound', message: 'No fallbacks are active on this scaled object' },
        { type: 'Paused', status: 'False' },
        lastScaleCondition(0, 5, NOW - 150_000, 'scale 0→1: trigger s0-aws-sqs-app-queue active; then scale 1→5: 23/5'),
      ],
    },
  } as KubeObject;
}

const hpaObject = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'keda-hpa-consumer', namespace: 'q' },
  spec: {
    minReplicas: 1,
    maxReplicas: 100,
    metrics: [{ type: 'External', external: { metric: { name: 's0-aws-sqs-app-queue' }, target: { type: 'AverageValue', averageValue: '5' } } }],
  },
  status: {
    currentReplicas: 5,
    desiredReplicas: 5,
    lastScaleTime: iso(140),
    currentMetrics: [{ type: 'External', external: { metric: { name: 's0-aws-sqs-app-queue' }, current: { averageValue: '4600m' } } }],
    conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' }],
  },
};

const events = [
  {
    metadata: { name: 'e1' },
    type: 'Normal',
    reason: 'KEDAScaleTargetActivated',
    message: 'Scaled apps/v1.Deployment q/backend from 0 to 1',
    count: 1,
    lastTimestamp: iso(150),
    involvedObject: { kind: 'ScaledObject', name: 'consumer' },
  },
  {
    metadata: { name: 'e2' },
    type: 'Normal',
    reason: 'SuccessfulRescale',
    message: 'New size: 5',
    count: 2,
    lastTimestamp: iso(140),
    involvedObject: { kind: 'HorizontalPodAutoscaler', name: 'keda-hpa-consumer' },
  },
];

function stubClient(so: KubeObject | undefined, hpa: unknown = hpaObject): KubeClient {
  const notFound = () => new KubeApiError(404, 'NotFound', 'not found', 'GET', '/stub');
  return {
    get: async (gvr: { resource: string }) => {
      if (gvr.resource === 'scaledobjects') {
        if (!so) throw notFound();
        return so;
      }
      if (gvr.resource === 'horizontalpodautoscalers') {
        if (!hpa) throw notFound();
        return hpa;
      }
      throw new Error(`unexpected get ${gvr.resource}`);
    },
    getScale: async () => ({ spec: { replicas: 5 }, status: { replicas: 5 } }),
    listAll: async (_gvr: unknown, opts: { fieldSelector?: string }) => ({
      items: events.filter((e) => opts.fieldSelector?.includes(`involvedObject.kind=${e.involvedObject.kind},`)),
    }),
  } as unknown as KubeClient;
}

describe('explainReport', () => {
  it('hpa mode: identity, bounds, /scale, triggers as the operator parses them, the HPA maths, the last scale, Events', async () => {
    const r = await explainReport(stubClient(scaledObject({ hpa: true })), 'q', 'consumer', NOW);
    assert.equal(r.valid, true);
    if (!r.valid) return;
    assert.deepEqual([r.mode, r.hpaName, r.target], ['hpa', 'keda-hpa-consumer', { apiVersion: 'apps/v1', kind: 'Deployment', name: 'backend' }]);
    assert.deepEqual(r.bounds, { minReplicaCount: 0, maxReplicaCount: 100, pollingIntervalSeconds: 10, cooldownPeriodSeconds: 10 });
    assert.deepEqual(r.scale, { ok: true, specReplicas: 5, statusReplicas: 5, originalReplicaCount: 1 });
    assert.deepEqual(r.triggers[0], {
      index: 0,
      type: 'aws-sqs-queue',
      metricName: 's0-aws-sqs-app-queue',
      target: 5,
      targetType: 'AverageValue',
      activationThreshold: 0,
      active: true,
    });
    assert.equal(r.triggers[1].metricName, 's1-nope');
    assert.match(r.triggers[1].invalid ?? '', /./);
    assert.equal(r.triggers[1].active, undefined);
    assert.deepEqual(r.lastScale, { from: 0, to: 5, at: iso(150), reason: 'scale 0→1: trigger s0-aws-sqs-app-queue active; then scale 1→5: 23/5' });
    assert.ok(r.hpa?.found);
    if (!r.hpa?.found) return;
    const cur = r.hpa.metrics[0].current;
    assert.ok(cur?.type === 'AverageValue' && Math.abs(cur.perPod - 4.6) < 1e-9 && Math.abs(cur.total - 23) < 1e-9, JSON.stringify(cur));
    assert.deepEqual(r.hpa.metrics[0].result && r.hpa.metrics[0].result.ok && r.hpa.metrics[0].result.replicas, 5);
    assert.deepEqual(
      r.events.map((e) => [e.reason, e.involvedKind]),
      [
        ['KEDAScaleTargetActivated', 'ScaledObject'],
        ['SuccessfulRescale', 'HorizontalPodAutoscaler'],
      ],
    );
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r, 'the report is plain JSON');

    const text = renderExplanation(r, NOW);
    assert.match(text, /ScaledObject q\/consumer → Deployment q\/backend {2}\(mode hpa, HPA keda-hpa-consumer\)/);
    assert.match(text, /replicas: 5 wanted, 5 existing \(before Updraft: 1\)/);
    assert.match(text, /\n {2}last scale: 0→5 3m ago: scale 0→1: trigger s0-aws-sqs-app-queue active; then scale 1→5: 23\/5\n/);
    assert.match(text, /s0-aws-sqs-app-queue: 4\.6 per pod \(total 23\) vs target 5 per pod → 5 replicas/);
    assert.match(text, /\[0\] aws-sqs-queue {2}metric s0-aws-sqs-app-queue {2}target 5 \(AverageValue\), active above 0 {2}active/);
    assert.match(text, /\[1\] nope "broken" {2}metric s1-nope {2}invalid: .* {2}activity unknown/);
    assert.match(text, /Active +True +ScalerActive/);
    assert.doesNotMatch(text, /conditions:[\s\S]*updraft\.dev\/LastScale[\s\S]*triggers:/, 'LastScale is the "last scale" line, not a condition row');
    assert.match(text, /2m ago +Normal +HPA SuccessfulRescale \(x2\): New size: 5/);
  });

  it('direct mode: no HPA, the last scale named as the last step', async () => {
    const r = await explainReport(
      stubClient(scaledObject({ hpa: false, annotations: { 'autoscaling.keda.sh/paused-scale-in': 'true' } })),
      'q',
      'consumer',
      NOW,
    );
    assert.ok(r.valid);
    if (!r.valid) return;
    assert.equal(r.mode, 'direct');
    assert.equal(r.hpa, undefined);
    assert.deepEqual(r.pause, { paused: false, scaleIn: true, scaleOut: false });
    const text = renderExplanation(r, NOW);
    assert.match(text, /annotations: paused-scale-in/);
    assert.match(text, /no HPA: in direct mode Updraft applies the HPA algorithm itself; "last scale" above is its last step/);
  });

  describe('the mode shown: the annotation, else the recorded HPA, else Ready without an HPA is direct, else unknown', () => {
    const rows: Array<{ name: string; hpa: boolean; annotation?: string; ready: boolean; want: string }> = [
      { name: 'HPA recorded', hpa: true, ready: true, want: 'hpa' },
      { name: 'Ready, no HPA', hpa: false, ready: true, want: 'direct' },
      { name: 'not Ready, no HPA, no annotation', hpa: false, ready: false, want: 'unknown' },
      { name: 'not Ready, annotation hpa', hpa: false, annotation: 'hpa', ready: false, want: 'hpa' },
      { name: 'not Ready, annotation direct', hpa: false, annotation: 'direct', ready: false, want: 'direct' },
    ];
    for (const row of rows)
      it(row.name, async () => {
        const so = scaledObject({ hpa: row.hpa, ...(row.annotation ? { annotations: { 'updraft.dev/mode': row.annotation } } : {}) }) as KubeObject & {
          status: { conditions: Array<{ type: string; status: string }> };
        };
        if (!row.ready) so.status.conditions = so.status.conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c));
        const r = await explainReport(stubClient(so), 'q', 'consumer', NOW);
        assert.ok(r.valid);
        if (!r.valid) return;
        assert.equal(r.mode, row.want);
        if (row.want === 'unknown') assert.match(renderExplanation(r, NOW), /no HPA recorded and the object is not Ready/);
      });
  });

  it('an invalid ScaledObject: its problems only; a missing one: how to list them', async () => {
    const bad = scaledObject({ hpa: false }) as KubeObject & { spec: { maxReplicaCount: number } };
    bad.spec.maxReplicaCount = -1;
    const r = await explainReport(stubClient(bad), 'q', 'consumer', NOW);
    assert.equal(r.valid, false);
    assert.match(renderExplanation(r, NOW), /^ScaledObject q\/consumer is not valid:\n {2}spec\.maxReplicaCount: /);
    await assert.rejects(
      explainReport(stubClient(undefined), 'q', 'gone', NOW),
      (err: Error) => err instanceof ScaledObjectNotFound && /kubectl get scaledobjects -n q/.test(err.message),
    );
  });

  it('the updraft.dev/LastScale condition: from→to, the time, the reason, at most 1000 characters, read back', () => {
    const c = lastScaleCondition(3, 0, NOW, 'scale 3→0: cooldownPeriod 10s passed since last activity');
    assert.deepEqual(c, {
      type: LAST_SCALE_CONDITION,
      status: 'True',
      reason: 'Scaled',
      message: '3→0 at 2026-01-01T12:00:00Z: scale 3→0: cooldownPeriod 10s passed since last activity',
    });
    assert.deepEqual(parseLastScaleMessage(c.message), {
      from: 3,
      to: 0,
      at: '2026-01-01T12:00:00Z',
      reason: 'scale 3→0: cooldownPeriod 10s passed since last activity',
    });
    const long = lastScaleCondition(1, 2, NOW, 'x'.repeat(5000));
    assert.equal(long.message?.length, LAST_SCALE_MESSAGE_MAX);
    assert.ok(long.message?.endsWith('…'));
    assert.equal(parseLastScaleMessage(long.message)?.to, 2);
    assert.equal(parseLastScaleMessage('something else'), undefined);
  });
});
