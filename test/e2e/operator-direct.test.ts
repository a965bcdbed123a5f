// The operator on a real control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok),
// reading a real Prometheus: ScaledObjects drive real Deployments through /scale. This file covers the
// controller paths in `direct` mode (no HPA object, Updraft applies the HPA algorithm itself) — the paths that do
// not depend on the aggregation layer: 0→N→0, pause annotations, deletion with and without restore, a missing
// target, an invalid trigger, status conditions and Events.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { deploymentObject } from '../support/manifests.ts';
import { eventually as poll } from '../support/wait.ts';
import { startTestOperator, type TestOperator } from '../support/test-operator.ts';
import { installCrds } from '../support/metrics-api-registration.ts';
import { startPrometheus, type LocalPrometheus } from '../support/prometheus.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

interface Cond {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** This file's polling: up to 60 s, every 200 ms. */
const eventually = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000) => poll(what, check, timeoutMs, 200);

describe('operator (direct mode) on a real control plane', { timeout: 600_000 }, () => {
  let cp: ControlPlane;
  let prom: LocalPrometheus;
  let op: TestOperator;

  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
  const replicas = async (name: string) => (await getJson<{ spec: { replicas: number } }>(['get', 'deployment', name])).spec.replicas;
  const conditions = async (so: string) => (await getJson<{ status?: { conditions?: Cond[] } }>(['get', 'scaledobject', so])).status?.conditions ?? [];
  const condition = async (so: string, type: string) => (await conditions(so)).find((c) => c.type === type);
  const eventReasons = async (so: string) =>
    (
      await getJson<{ items: Array<{ reason: string; message: string; involvedObject: { name: string } }> }>([
        'get',
        'events',
        '--field-selector',
        `involvedObject.name=${so}`,
      ])
    ).items.map((e) => e.reason);
  const deployment = (name: string, n: number) =>
    kubectl(['apply', '-f', '-'], JSON.stringify(deploymentObject(name, n, { env: [{ name: 'PROM_URL', value: prom.url }] })));
  const scaledObject = (
    name: string,
    target: string,
    extra: { annotations?: Record<string, string>; spec?: Record<string, unknown>; metadata?: Record<string, string> } = {},
  ) =>
    kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name, namespace: 'default', annotations: extra.annotations ?? {} },
        spec: {
          scaleTargetRef: { name: target },
          pollingInterval: 1,
          cooldownPeriod: 3,
          minReplicaCount: 0,
          maxReplicaCount: 10,
          triggers: [
            { type: 'prometheus', metadata: { serverAddress: prom.url, query: `depth_${name.replace(/-/g, '_')}`, threshold: '5', ...(extra.metadata ?? {}) } },
          ],
          ...(extra.spec ?? {}),
        },
      }),
    );
  const setDepth = (queue: string, value: number) => {
    prom.series.gauges ??= {};
    prom.series.gauges[`depth_${queue.replace(/-/g, '_')}`] = { value };
  };
  // Positive proof that time passed with the metric in place (instead of a sleep): Prometheus stored `n` more
  // samples of depth_<queue> with value `value` (it scrapes every 500 ms; the ScaledObjects poll every 1 s).
  const promQuery = async (q: string) =>
    Number(
      ((await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: Array<{ value: [number, string] }> } }).data
        .result[0]?.value[1] ?? 0,
    );
  const scrapedAtLeast = async (queue: string, value: number, n: number) => {
    const metric = `depth_${queue.replace(/-/g, '_')}`;
    await eventually(`Prometheus to hold ${metric} = ${value}`, async () => ((await promQuery(metric)) === value ? true : undefined));
    const base = await promQuery(`count_over_time(${metric}[10m])`);
    await eventually(`${n} more scrapes of ${metric}`, async () => ((await promQuery(`count_over_time(${metric}[10m])`)) >= base + n ? true : undefined));
  };
  // Positive proof that the object's loop had its chances: `n` polls after now that read `value`.
  const pollsReading = async (so: string, value: number, n: number) => {
    const seen = new Set<number>();
    const since = Date.now();
    await eventually(`${n} polls of ${so} reading ${value}`, async () => {
      const last = op.op.controller.runner('default', so)?.last;
      if (last && last.at > since && last.readings[0]?.metrics[0]?.value === value) seen.add(last.at);
      return seen.size >= n ? true : undefined;
    });
  };

  before(async () => {
    cp = await startControlPlane();
    await installCrds(cp, root);
    prom = await startPrometheus({ gauges: {} });
    op = await startTestOperator(cp);
  });

  after(async () => {
    await op?.stop();
    await prom?.stop();
    await cp?.stop();
  });

  test('scales a Deployment 0→N with the metric and back to 0 after cooldownPeriod, with KEDA conditions and Events', async () => {
    setDepth('orders', 0);
    await deployment('orders', 0);
    await scaledObject('orders', 'orders');
    const ready = await eventually('Ready=True', async () => ((await condition('orders', 'Ready'))?.status === 'True' ? true : undefined));
    assert.ok(ready);
    const so = await getJson<{ metadata: { finalizers?: string[]; labels?: Record<string, string> }; status: Record<string, unknown> }>([
      'get',
      'scaledobject',
      'orders',
    ]);
    assert.deepEqual(so.metadata.finalizers, ['finalizer.keda.sh']);
    assert.equal(so.metadata.labels?.['scaledobject.keda.sh/name'], 'orders');
    assert.equal(so.status.scaleTargetKind, 'apps/v1.Deployment');
    assert.equal(so.status.originalReplicaCount, 0);
    assert.deepEqual(so.status.externalMetricNames, ['s0-prometheus']);
    assert.equal(so.status.triggersTypes, 'prometheus');
    // Direct mode: no HPA object at all.
    assert.equal((await getJson<{ items: unknown[] }>(['get', 'hpa'])).items.length, 0);

    setDepth('orders', 23);
    await eventually('replicas = 5 (23 / threshold 5)', async () => ((await replicas('orders')) === 5 ? true : undefined));
    assert.equal((await condition('orders', 'Active'))?.status, 'True');
    assert.ok((await eventReasons('orders')).includes('KEDAScaleTargetActivated'));

    setDepth('orders', 0);
    await eventually('replicas back to 0 after cooldown', async () => ((await replicas('orders')) === 0 ? true : undefined));
    assert.ok((await eventReasons('orders')).includes('KEDAScaleTargetDeactivated'));
    const active = await condition('orders', 'Active');
    assert.equal(active?.status, 'False');
    const status = (
      await getJson<{ status: { lastActiveTime?: string; triggersActivity?: Record<string, { isActive: boolean }> } }>(['get', 'scaledobject', 'orders'])
    ).status;
    assert.ok(status.lastActiveTime, 'lastActiveTime recorded');
    assert.deepEqual(status.triggersActivity, { 's0-prometheus': { isActive: false } });
  });

  test('paused-replicas scales to its value and freezes; removing it resumes scaling', async () => {
    setDepth('billing', 12);
    await deployment('billing', 0);
    await scaledObject('billing', 'billing', { annotations: { 'autoscaling.keda.sh/paused-replicas': '2' } });
    await eventually('replicas = 2 (paused-replicas)', async () => ((await replicas('billing')) === 2 ? true : undefined));
    const paused = await eventually('Paused=True', async () => ((await condition('billing', 'Paused'))?.status === 'True' ? true : undefined));
    assert.ok(paused);
    // The metric wants 3; paused holds 2 while 6 scrapes (3 pollingIntervals) pass with it.
    await scrapedAtLeast('billing', 12, 6);
    assert.equal(await replicas('billing'), 2);
    await kubectl(['annotate', 'scaledobject', 'billing', 'autoscaling.keda.sh/paused-replicas-']);
    await eventually('replicas = 3 after unpausing (12 / 5)', async () => ((await replicas('billing')) === 3 ? true : undefined));
    const c = await condition('billing', 'Paused');
    assert.equal(c?.status, 'False');
    assert.equal(c?.reason, 'ScaledObjectUnpaused');
    assert.ok((await eventReasons('billing')).includes('ScaledObjectPaused'));
  });

  test('paused: "true" freezes the replica count while the metric changes', async () => {
    setDepth('frozen', 10);
    await deployment('frozen', 0);
    await scaledObject('frozen', 'frozen');
    await eventually('replicas = 2', async () => ((await replicas('frozen')) === 2 ? true : undefined));
    await kubectl(['annotate', 'scaledobject', 'frozen', 'autoscaling.keda.sh/paused=true']);
    await eventually('Paused=True', async () => ((await condition('frozen', 'Paused'))?.status === 'True' ? true : undefined));
    setDepth('frozen', 40);
    await scrapedAtLeast('frozen', 40, 6);
    assert.equal(await replicas('frozen'), 2);
    // KEDA pkg/scaling/scale_handler.go: stopping the scale loop is a KEDAScalersStopped Event.
    await eventually('a KEDAScalersStopped Event', async () => ((await eventReasons('frozen')).includes('KEDAScalersStopped') ? true : undefined));
  });

  test('force-activation scales from zero with no load, says why, and lets go when removed', async () => {
    setDepth('forced', 0);
    await deployment('forced', 0);
    await scaledObject('forced', 'forced', { annotations: { 'autoscaling.keda.sh/force-activation': 'true' } });
    await eventually('replicas = 1 (forced)', async () => ((await replicas('forced')) === 1 ? true : undefined));
    const active = await eventually('Active=True', async () => {
      const c = await condition('forced', 'Active');
      return c?.status === 'True' ? c : undefined;
    });
    assert.equal(active.message, 'Scaling is performed because activation is being forced by annotation');
    const events = await getJson<{ items: Array<{ reason: string; message: string }> }>(['get', 'events', '--field-selector', 'involvedObject.name=forced']);
    assert.ok(
      events.items.some((e) => e.reason === 'KEDAScaleTargetActivated' && /forced activation annotation/.test(e.message)),
      JSON.stringify(events.items.map((e) => e.message)),
    );
    await kubectl(['annotate', 'scaledobject', 'forced', 'autoscaling.keda.sh/force-activation-']);
    await eventually('replicas back to 0 after cooldown once the annotation is gone', async () => ((await replicas('forced')) === 0 ? true : undefined));
  });

  test('paused-scale-in holds replicas when the metric drops; scale-out still follows the metric', async () => {
    setDepth('ratchet', 20);
    await deployment('ratchet', 0);
    await scaledObject('ratchet', 'ratchet', { spec: { minReplicaCount: 1 }, annotations: { 'autoscaling.keda.sh/paused-scale-in': 'true' } });
    await eventually('replicas = 4 (20 / 5)', async () => ((await replicas('ratchet')) === 4 ? true : undefined));
    setDepth('ratchet', 5);
    // The loop keeps running under paused-scale-in: 4 polls see the drop (5 / 5 wants 1) and hold 4.
    await scrapedAtLeast('ratchet', 5, 1);
    await pollsReading('ratchet', 5, 4);
    assert.equal(await replicas('ratchet'), 4, 'no scale-in while paused-scale-in');
    setDepth('ratchet', 30);
    await eventually('replicas = 6 (30 / 5): scale-out is not paused', async () => ((await replicas('ratchet')) === 6 ? true : undefined));
  });

  test('deleting with restoreToOriginalReplicaCount puts the original count back; without it the count stays', async () => {
    setDepth('restore', 30);
    await deployment('restore', 3);
    await scaledObject('restore', 'restore', { spec: { advanced: { restoreToOriginalReplicaCount: true } } });
    await eventually('replicas = 6', async () => ((await replicas('restore')) === 6 ? true : undefined));
    await kubectl(['delete', 'scaledobject', 'restore', '--wait=true', '--timeout=60s']);
    assert.equal(await replicas('restore'), 3);

    setDepth('keep', 30);
    await deployment('keep', 3);
    await scaledObject('keep', 'keep');
    await eventually('replicas = 6', async () => ((await replicas('keep')) === 6 ? true : undefined));
    await kubectl(['delete', 'scaledobject', 'keep', '--wait=true', '--timeout=60s']);
    assert.equal(await replicas('keep'), 6);
    await eventually('KEDAScalersStopped and ScaledObjectDeleted Events', async () => {
      const reasons = await eventReasons('keep');
      return reasons.includes('KEDAScalersStopped') && reasons.includes('ScaledObjectDeleted') ? true : undefined;
    });
  });

  test('with scalingModifiers, a trigger whose source fails is a KEDAMetricSourceFailed Event, not KEDAScalerFailed (as KEDA)', async () => {
    await deployment('modsrc', 1);
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'modsrc', namespace: 'default' },
        spec: {
          scaleTargetRef: { name: 'modsrc' },
          pollingInterval: 1,
          minReplicaCount: 1,
          advanced: { scalingModifiers: { formula: 'queue * 2', target: '5' } },
          // Nothing listens on port 1: every read fails.
          triggers: [{ type: 'prometheus', name: 'queue', metadata: { serverAddress: 'http://127.0.0.1:1', query: 'depth_modsrc', threshold: '5' } }],
        },
      }),
    );
    await eventually('a KEDAMetricSourceFailed Event', async () => ((await eventReasons('modsrc')).includes('KEDAMetricSourceFailed') ? true : undefined));
    assert.ok(!(await eventReasons('modsrc')).includes('KEDAScalerFailed'));
    await kubectl(['delete', 'scaledobject', 'modsrc', '--wait=true', '--timeout=60s']);
  });

  test('a status write the API server refuses is a ScaledObjectUpdateFailed Event; once allowed, the object becomes Ready', async () => {
    // A ValidatingAdmissionPolicy that denies status writes of ScaledObjects labelled block-status (a real refusal).
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'admissionregistration.k8s.io/v1',
            kind: 'ValidatingAdmissionPolicy',
            metadata: { name: 'block-scaledobject-status' },
            spec: {
              failurePolicy: 'Fail',
              matchConstraints: {
                resourceRules: [{ apiGroups: ['keda.sh'], apiVersions: ['*'], operations: ['UPDATE'], resources: ['scaledobjects/status'] }],
              },
              matchConditions: [{ name: 'labelled', expression: "has(object.metadata.labels) && 'block-status' in object.metadata.labels" }],
              validations: [{ expression: 'false', message: 'status writes of this ScaledObject are blocked by the test' }],
            },
          },
          {
            apiVersion: 'admissionregistration.k8s.io/v1',
            kind: 'ValidatingAdmissionPolicyBinding',
            metadata: { name: 'block-scaledobject-status' },
            spec: { policyName: 'block-scaledobject-status', validationActions: ['Deny'] },
          },
        ],
      }),
    );
    // The policy applies once the API server has loaded it: probe with a status write of our own.
    await deployment('blocked', 1);
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'vap-probe', namespace: 'default', labels: { 'block-status': 'yes' }, annotations: { 'autoscaling.keda.sh/paused': 'true' } },
        spec: { scaleTargetRef: { name: 'blocked' }, triggers: [{ type: 'prometheus', metadata: { serverAddress: prom.url, query: 'x', threshold: '5' } }] },
      }),
    );
    await eventually('the policy to deny a status write', async () => {
      const denied = await kubectl(['patch', 'scaledobject', 'vap-probe', '--subresource=status', '--type=merge', '-p', '{"status":{"hpaName":"probe"}}']).then(
        () => false,
        (err: Error) => /blocked by the test/.test(err.message),
      );
      return denied ? true : undefined;
    });
    await kubectl(['delete', 'scaledobject', 'vap-probe', '--wait=true', '--timeout=60s']);

    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'blocked', namespace: 'default', labels: { 'block-status': 'yes' } },
        spec: {
          scaleTargetRef: { name: 'blocked' },
          pollingInterval: 1,
          minReplicaCount: 1,
          triggers: [{ type: 'prometheus', metadata: { serverAddress: prom.url, query: 'depth_blocked', threshold: '5' } }],
        },
      }),
    );
    await eventually('a ScaledObjectUpdateFailed Event', async () => ((await eventReasons('blocked')).includes('ScaledObjectUpdateFailed') ? true : undefined));
    await kubectl(['label', 'scaledobject', 'blocked', 'block-status-']);
    await eventually('Ready=True once the status can be written', async () => ((await condition('blocked', 'Ready'))?.status === 'True' ? true : undefined));
    await kubectl(['delete', 'validatingadmissionpolicybinding,validatingadmissionpolicy', 'block-scaledobject-status']);
  });

  test('a target that does not exist makes the ScaledObject not Ready with a clear message, and it recovers once created', async () => {
    setDepth('ghost', 8);
    await scaledObject('ghost', 'ghost');
    const c = await eventually('Ready=False', async () => {
      const r = await condition('ghost', 'Ready');
      return r?.status === 'False' ? r : undefined;
    });
    assert.equal(c.reason, 'ScaledObjectCheckFailed');
    assert.match(c.message ?? '', /Deployment default\/ghost not found/);
    assert.ok((await eventReasons('ghost')).includes('ScaledObjectCheckFailed'));
    // Nothing touches the ScaledObject: the failed reconcile is retried with backoff, as KEDA's is.
    await deployment('ghost', 0);
    await eventually('replicas = 2 once the target exists', async () => ((await replicas('ghost')) === 2 ? true : undefined));
    assert.equal((await condition('ghost', 'Ready'))?.status, 'True');
  });

  test('an invalid trigger is reported on the object and in an Event, without touching replicas', async () => {
    await deployment('broken', 1);
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'broken', namespace: 'default' },
        spec: {
          scaleTargetRef: { name: 'broken' },
          pollingInterval: 1,
          triggers: [{ type: 'prometheus', metadata: { serverAddress: prom.url, threshold: '5' } }],
        },
      }),
    );
    const c = await eventually('Ready=False', async () => {
      const r = await condition('broken', 'Ready');
      return r?.status === 'False' ? r : undefined;
    });
    assert.match(c.message ?? '', /query/);
    assert.ok((await eventReasons('broken')).includes('KEDAScalerFailed'));
    assert.equal(await replicas('broken'), 1);
  });

  test('a port that is already taken stops the operator with an error naming the server, instead of running on without it', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as AddressInfo).port;
    try {
      await assert.rejects(
        startTestOperator(cp, { metricsPort: port, metricsHost: '127.0.0.1' }),
        new RegExp(`^Error: cannot start the /metrics server \\(port ${port}\\): listen EADDRINUSE`),
      );
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  });

  test('with no webhook, a broken scalingModifiers formula is Ready=False with a ScaledObjectCheckFailed Event', async () => {
    await deployment('formula', 1);
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'formula', namespace: 'default' },
        spec: {
          scaleTargetRef: { name: 'formula' },
          pollingInterval: 1,
          advanced: { scalingModifiers: { formula: 'queue + missing', target: '5' } },
          triggers: [{ type: 'prometheus', name: 'queue', metadata: { serverAddress: prom.url, query: 'depth_formula', threshold: '5' } }],
        },
      }),
    );
    const c = await eventually('Ready=False', async () => {
      const r = await condition('formula', 'Ready');
      return r?.status === 'False' ? r : undefined;
    });
    assert.equal(c.reason, 'ScaledObjectCheckFailed');
    assert.match(c.message ?? '', /spec\.advanced\.scalingModifiers\.formula.*missing/);
    assert.ok((await eventReasons('formula')).includes('ScaledObjectCheckFailed'));
    assert.equal(await replicas('formula'), 1);
  });

  test('a steady ScaledObject writes no status: its resourceVersion holds over five polls', async () => {
    setDepth('steady', 0);
    await deployment('steady', 0);
    await scaledObject('steady', 'steady');
    await eventually('Ready=True and Active=False', async () => {
      const cs = await conditions('steady');
      return cs.some((x) => x.type === 'Ready' && x.status === 'True') && cs.some((x) => x.type === 'Active' && x.status === 'False') ? true : undefined;
    });
    const rv = async () => (await getJson<{ metadata: { resourceVersion: string } }>(['get', 'scaledobject', 'steady'])).metadata.resourceVersion;
    const before = await rv();
    // Five polls of the object's loop (each poll stamps its report), observed, not slept through.
    const runner = () => op.op.controller.runner('default', 'steady');
    const seen = new Set<number>();
    await eventually('five polls', async () => {
      const at = runner()?.last?.at;
      if (at !== undefined) seen.add(at);
      return seen.size >= 6 ? true : undefined;
    });
    assert.equal(await rv(), before, 'no write to the ScaledObject while nothing changed');
  });
});
