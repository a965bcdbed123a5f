// The dashboard's API on real HTTP: a real ObjectRunner (direct mode) polled on a virtual clock against a fake
// queue and a recording target feeds the history through the recorder hook; the server answers the overview, an
// object's timeline and cost, the what-if replay (compared with the simulator called directly), the SSE stream,
// and per-namespace authorization. Secrets in the trigger metadata never appear in any answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import type { ScaledObject } from '../api/types.ts';
import { scaledObject, trigger } from '../engine/scaled-object-fixture.ts';
import { ObjectRunner } from '../runtime/object-runner.ts';
import { ReadingsCache } from '../runtime/readings-cache.ts';
import { Scheduler } from '../runtime/scheduler.ts';
import type { Reading, Scaler } from '../scalers/scaler.ts';
import { simulate } from '../simulate/simulator.ts';
import type { ReplicaCounts, ScaleTarget } from '../targets/scale-target.ts';
import { DashboardHistory, ObjectHistory } from './dashboard-history.ts';
import { startDashboardServer, type DashboardAuth, type DashboardObject, type RunningDashboard } from './dashboard-server.ts';
import { costView, editedScaledObject, recordedSeries, replicaHours } from './dashboard-whatif.ts';
import { stripUserinfo } from './dashboard-redact.ts';

class Queue implements Scaler {
  readonly type = 'aws-sqs-queue';
  readonly metricSpecs = [{ metricName: 's0-aws-sqs-jobs', kind: 'External' as const, targetType: 'AverageValue' as const, target: 5 }];
  readonly activationThreshold = 0;
  value = 0;
  async read(): Promise<Reading> {
    return { metrics: [{ name: 's0-aws-sqs-jobs', value: this.value }], active: this.value > 0 };
  }
  async close(): Promise<void> {}
}

class Target implements ScaleTarget {
  readonly description = 'Deployment default/worker';
  replicas = 0;
  async get(): Promise<ReplicaCounts> {
    return { replicas: this.replicas, readyReplicas: this.replicas };
  }
  async set(n: number): Promise<void> {
    this.replicas = n;
  }
}

const SECRET = 'hunter2-secret';
const so: ScaledObject = scaledObject({
  pollingInterval: 10,
  cooldownPeriod: 60,
  minReplicaCount: 0,
  maxReplicaCount: 20,
  triggers: [
    trigger('aws-sqs-queue', {
      queueURL: `https://ops:${SECRET}@sqs.eu-west-1.amazonaws.com/123/jobs`,
      queueLength: '5',
      awsRegion: 'eu-west-1',
      identityOwner: 'operator',
      awsSecretAccessKey: SECRET,
    }),
  ],
});
so.metadata.name = 'worker';
so.metadata.namespace = 'default';

const clock = { t: Date.UTC(2026, 0, 5, 12) };
const START = clock.t;
const history = new DashboardHistory({ now: () => clock.t });
const queue = new Queue();
const target = new Target();
const runner: ObjectRunner = new ObjectRunner({
  so,
  scalers: [queue],
  target,
  mode: 'direct',
  scheduler: new Scheduler(),
  cache: new ReadingsCache(),
  now: () => clock.t,
  hooks: { onPoll: (r) => history.recordPoll(so, runner.plan.triggers, r, 'direct') },
});
/** Queue depth per poll, every 10 s: idle, a burst, idle again (cooldown, then scale to zero). */
const DEPTHS = [0, 0, 0, 0, 0, 40, 40, 60, 60, 30, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

const objects = (): DashboardObject[] => [
  {
    kind: 'ScaledObject',
    namespace: 'default',
    name: 'worker',
    so,
    mode: 'direct',
    conditions: [{ type: 'Ready', status: 'True' }],
    minReplicaCount: 0,
    maxReplicaCount: 20,
    triggers: so.spec.triggers,
  },
  { kind: 'ScaledObject', namespace: 'team-b', name: 'other', mode: 'direct', conditions: [], minReplicaCount: 1, maxReplicaCount: 3, triggers: [] },
];

/** alice may get ScaledObjects in default; bob may get nothing. Tokens: the user's name. */
const auth: DashboardAuth = {
  async authenticate(req) {
    const m = /^Bearer (\w+)$/.exec(req.headers.authorization ?? '');
    return m ? { ok: true, user: { username: m[1], groups: [], extra: {} } } : { ok: false, message: 'Unauthorized' };
  },
  async mayGet(user, _kind, namespace) {
    return user.username === 'alice' && namespace === 'default';
  },
};

describe('dashboard server', () => {
  let open: RunningDashboard;
  let secured: RunningDashboard;
  const bodies: string[] = [];
  const get = async (base: RunningDashboard, path: string, token?: string) => {
    const res = await fetch(new URL(path, base.url), { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, body: JSON.parse(text) as Record<string, any> };
  };
  const post = async (path: string, body: unknown) => {
    const res = await fetch(new URL(path, open.url), { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, body: JSON.parse(text) as Record<string, any> };
  };

  before(async () => {
    for (const d of DEPTHS) {
      queue.value = d;
      await runner.poll();
      clock.t += 10_000;
    }
    open = await startDashboardServer({ port: 0, source: { list: objects }, history, now: () => clock.t });
    secured = await startDashboardServer({ port: 0, source: { list: objects }, history, auth, now: () => clock.t });
  });
  after(async () => {
    await open.close();
    await secured.close();
  });

  test('the overview lists every object with its trigger value against target and activation, replicas and last decision', async () => {
    const { status, body } = await get(open, '/api/overview');
    assert.equal(status, 200);
    assert.equal(body.objects.length, 2);
    const w = body.objects[0];
    assert.deepEqual([w.namespace, w.name, w.mode, w.ready, w.active], ['default', 'worker', 'direct', true, false]);
    assert.deepEqual(w.replicas, { current: 0, desired: 0, ready: 0, min: 0, max: 20 });
    assert.deepEqual(
      { value: w.triggers[0].value, target: w.triggers[0].target, activation: w.triggers[0].activationThreshold },
      { value: 0, target: 5, activation: 0 },
    );
    assert.match(w.lastDecision.reason, /./);
  });

  test("an object's detail holds the last hour: one point per poll, markers for activation and deactivation, cooldown spans", async () => {
    const { body } = await get(open, '/api/objects/ScaledObject/default/worker');
    const tl = body.timeline;
    assert.equal(tl.t.length, DEPTHS.length);
    assert.deepEqual(tl.values[0].slice(0, 8), DEPTHS.slice(0, 8));
    assert.ok(
      tl.flags.some((f: number) => f & tl.flagBits.activated),
      'an activation marker',
    );
    assert.ok(
      tl.flags.some((f: number) => f & tl.flagBits.deactivated),
      'a deactivation marker',
    );
    assert.ok(
      tl.flags.some((f: number) => f & tl.flagBits.cooldown),
      'a cooldown span',
    );
    assert.ok(Math.max(...tl.replicas) >= 8, `scaled out to ceil(60/5)=12 bounded by behavior, got ${Math.max(...tl.replicas)}`);
    assert.deepEqual(body.tunables[0], {
      index: 0,
      type: 'aws-sqs-queue',
      target: 5,
      activationThreshold: 0,
      targetKey: 'queueLength',
      activationKey: 'activationQueueLength',
    });
  });

  test('cost: replica-hours over the window against running at maxReplicaCount and at minReplicaCount-or-1', async () => {
    const { body } = await get(open, '/api/objects/ScaledObject/default/worker');
    const h = history.get('ScaledObject', 'default', 'worker')!;
    const points = h.points();
    const hours = (clock.t - START) / 3_600_000;
    assert.equal(body.cost.replicaHours, Math.round(replicaHours(points, START, clock.t) * 10_000) / 10_000);
    assert.equal(body.cost.atMax, Math.round(20 * hours * 10_000) / 10_000);
    assert.equal(body.cost.atMin, Math.round(1 * hours * 10_000) / 10_000);
    // By hand: Σ replicas × 10 s over the polls.
    const byHand = points.reduce((a, p) => a + p.replicas * 10, 0) / 3600;
    assert.ok(Math.abs(body.cost.replicaHours - byHand) < 1e-3, `${body.cost.replicaHours} vs ${byHand}`);
  });

  test('what-if returns the engine replay of the recorded hour with the edited parameters, and the edited YAML', async () => {
    const edits = { cooldownPeriod: 300, triggers: [{ index: 0, target: 20 }] };
    const { status, body } = await post('/api/objects/ScaledObject/default/worker/whatif', edits);
    assert.equal(status, 200, JSON.stringify(body));
    // The same replay, straight through the simulator.
    const h = history.get('ScaledObject', 'default', 'worker')!;
    const points = h.points(clock.t - 3_600_000);
    const { so: edited } = editedScaledObject(so, edits);
    const direct = simulate(edited, recordedSeries(h, points), {
      mode: 'direct',
      startReplicas: points[0].replicas,
      durationSeconds: (clock.t - points[0].t) / 1000,
      hpaSyncSeconds: 15,
      readyDelaySeconds: 0,
    });
    assert.equal(body.replay.replicaHours, Math.round(direct.summary.replicaHours * 10_000) / 10_000);
    assert.equal(body.replay.maxReplicas, direct.summary.maxReplicas);
    assert.equal(body.replay.maxReplicas, 3, 'ceil(60/20)');
    assert.ok(body.replay.replicaHours !== body.actual.replicaHours);
    const yaml = parse(body.yaml) as { spec: { cooldownPeriod: number; triggers: Array<{ metadata: Record<string, string> }> } };
    assert.equal(yaml.spec.cooldownPeriod, 300);
    assert.equal(yaml.spec.triggers[0].metadata.queueLength, '20');
  });

  test('what-if with the parameters unchanged replays close to the recorded curve', async () => {
    const { body } = await post('/api/objects/ScaledObject/default/worker/whatif', {});
    assert.equal(body.replay.replicaHours, body.baseline.replicaHours);
    assert.ok(Math.abs(body.replay.replicaHours - body.actual.replicaHours) < 0.01, `${body.replay.replicaHours} vs ${body.actual.replicaHours}`);
  });

  test('what-if refuses an invalid edit with the parser problem', async () => {
    const { status, body } = await post('/api/objects/ScaledObject/default/worker/whatif', { minReplicaCount: 30 });
    assert.equal(status, 400);
    assert.match(body.error, /invalid|min/i);
  });

  test('the SSE stream sends each new poll of the object', async () => {
    const ctrl = new AbortController();
    const res = await fetch(new URL('/api/stream', open.url), { signal: ctrl.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    queue.value = 25;
    const polled = (async () => {
      // the stream is registered once its first bytes arrive
      while (!text.includes('retry:')) text += (await reader.read()).value ?? '';
      await runner.poll();
      clock.t += 10_000;
    })();
    while (!text.includes('event: poll')) text += (await reader.read()).value ?? '';
    await polled;
    while (!/event: poll\ndata: .*\n\n/.test(text)) text += (await reader.read()).value ?? '';
    ctrl.abort();
    const data = JSON.parse(/event: poll\ndata: (.*)\n\n/.exec(text)![1]) as {
      row: { name: string; active: boolean; triggers: Array<{ value: number }> };
      point: { values: number[] };
    };
    assert.deepEqual([data.row.name, data.row.active, data.row.triggers[0].value, data.point.values[0]], ['worker', true, 25, 25]);
  });

  test('no answer carries the secret metadata values or URL userinfo', async () => {
    const { body } = await get(open, '/api/objects/ScaledObject/default/worker');
    assert.equal(body.metadata[0].metadata.awsSecretAccessKey, '(redacted)');
    assert.equal(body.metadata[0].metadata.queueURL, 'https://sqs.eu-west-1.amazonaws.com/123/jobs');
    for (const b of bodies) assert.ok(!b.includes(SECRET) && !b.includes('ops:'), b.slice(0, 300));
    assert.equal(stripUserinfo('amqp://guest:guest@rabbit:5672/vhost and redis user:pw@cache:6379'), 'amqp://rabbit:5672/vhost and redis cache:6379');
  });

  test('without a token the API answers 401', async () => {
    assert.equal((await get(secured, '/api/overview')).status, 401);
  });

  test('a user sees only the namespaces where they may get the objects', async () => {
    const alice = await get(secured, '/api/overview', 'alice');
    assert.deepEqual(
      alice.body.objects.map((o: { name: string }) => o.name),
      ['worker'],
    );
    assert.equal((await get(secured, '/api/objects/ScaledObject/default/worker', 'alice')).status, 200);
  });

  test('a user without get sees nothing, and an object they may not read answers 404', async () => {
    const bob = await get(secured, '/api/overview', 'bob');
    assert.deepEqual(bob.body.objects, []);
    assert.equal((await get(secured, '/api/objects/ScaledObject/default/worker', 'bob')).status, 404);
  });

  test('the history ring keeps a fixed number of points and reports its memory', () => {
    const h = new ObjectHistory(
      'ScaledObject',
      'ns',
      'x',
      [{ index: 0, type: 't', metricName: 'm', kind: 'External', targetType: 'AverageValue', target: 1 }],
      'direct',
      4,
    );
    for (let i = 0; i < 10; i++) h.push({ t: i, replicas: i, desired: i, ready: i, flags: 0, values: [i] });
    assert.deepEqual(
      h.points().map((p) => p.t),
      [6, 7, 8, 9],
    );
    assert.equal(h.bytes, 4 * (21 + 8));
    assert.equal(costView(h, { min: 0, max: 10 }, 10)?.replicaHours, Math.round(((6 + 7 + 8 + 9) / 3_600_000) * 10_000) / 10_000);
  });
});
