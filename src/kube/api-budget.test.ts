import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startCaptureServer } from '../../test/support/capture-server.ts';
import { ApiBudget, priorityOf, type ApiPriority } from './api-budget.ts';
import { GVR, KubeClient } from './client.ts';

test('priority of a request from what it writes', async (t) => {
  const rows: Array<[string, string, ApiPriority]> = [
    ['PATCH', '/apis/apps/v1/namespaces/a/deployments/web/scale', 'scale'],
    ['GET', '/apis/apps/v1/namespaces/a/deployments/web/scale', 'normal'],
    ['POST', '/apis/autoscaling/v2/namespaces/a/horizontalpodautoscalers', 'scale'],
    ['PUT', '/apis/autoscaling/v2/namespaces/a/horizontalpodautoscalers/keda-hpa-web', 'scale'],
    ['PATCH', '/apis/keda.sh/v1alpha1/namespaces/a/scaledobjects/web/status', 'status'],
    ['POST', '/api/v1/namespaces/a/events', 'event'],
    ['PATCH', '/api/v1/namespaces/a/events/web.1', 'event'],
    ['PATCH', '/apis/keda.sh/v1alpha1/namespaces/a/scaledobjects/web', 'normal'],
    ['GET', '/apis/keda.sh/v1alpha1/scaledobjects', 'normal'],
  ];
  for (const [method, path, want] of rows) await t.test(`${method} ${path} → ${want}`, () => assert.equal(priorityOf(method, path), want));
});

test('requests within the burst go at once; the next waits for a token', async () => {
  const b = new ApiBudget({ qps: 20, burst: 3 });
  const t0 = Date.now();
  await Promise.all([b.take('normal'), b.take('normal'), b.take('normal')]);
  assert.equal(b.waited.normal, 0);
  await b.take('normal');
  assert.equal(b.waited.normal, 1);
  assert.ok(Date.now() - t0 >= 40, 'one token every 50 ms at 20 qps');
});

test('waiting requests are served scale, normal, status, event — whatever order they came in', async () => {
  const b = new ApiBudget({ qps: 100, burst: 1 });
  await b.take('normal'); // the bucket is empty now
  const order: string[] = [];
  const asked: Array<[ApiPriority, string]> = [
    ['event', 'event-1'],
    ['status', 'status-1'],
    ['normal', 'get-1'],
    ['status', 'status-2'],
    ['scale', 'scale-1'],
    ['event', 'event-2'],
    ['scale', 'scale-2'],
  ];
  await Promise.all(asked.map(([p, name]) => b.take(p).then(() => order.push(name))));
  assert.deepEqual(order, ['scale-1', 'scale-2', 'get-1', 'status-1', 'status-2', 'event-1', 'event-2']);
});

test('an aborted wait leaves the queue and rejects with the reason', async () => {
  const b = new ApiBudget({ qps: 5, burst: 1 });
  await b.take('normal');
  const ac = new AbortController();
  const waiting = b.take('status', ac.signal);
  assert.equal(b.queued, 1);
  ac.abort(new Error('stopped'));
  await assert.rejects(waiting, /stopped/);
  assert.equal(b.queued, 0);
});

test('a bad qps or burst is refused naming the flag', async (t) => {
  const rows: Array<[number, number, RegExp]> = [
    [0, 10, /--kube-api-qps must be a number > 0, got 0/],
    [Number.NaN, 10, /--kube-api-qps/],
    [10, 0, /--kube-api-burst must be an integer ≥ 1, got 0/],
    [10, 1.5, /--kube-api-burst/],
  ];
  for (const [qps, burst, re] of rows) await t.test(`qps ${qps}, burst ${burst}`, () => assert.throws(() => new ApiBudget({ qps, burst }), re));
});

test('under its budget the client sends a /scale write before status writes and Events asked for earlier', async () => {
  const server = await startCaptureServer(() => ({ body: JSON.stringify({ metadata: { name: 'x' }, spec: { replicas: 1 }, status: { replicas: 1 } }) }));
  try {
    const dir = mkdtempSync(join(tmpdir(), 'updraft-budget-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: server.url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { token: 'not-a-secret' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    const client = await KubeClient.fromEnvironment({ kubeconfig, budget: { qps: 10, burst: 1 } });
    // Asked for in one go: the GET spends the burst's one token, everything after it waits for the next tokens.
    const sent = [
      client.get(GVR.deployments, 'a', 'first'),
      client.patchStatus(GVR.scaledObjects, 'a', 'so-1', { conditions: [] }),
      client.create(GVR.events, { metadata: { name: 'e', namespace: 'a' } }),
      client.patchStatus(GVR.scaledObjects, 'a', 'so-2', { conditions: [] }),
      client.patchScale(GVR.deployments, 'a', 'web', 3),
    ];
    await Promise.all(sent);
    const paths = server.requests.slice(1).map((r) => `${r.method} ${r.url.split('?')[0]}`);
    assert.deepEqual(paths, [
      'PATCH /apis/apps/v1/namespaces/a/deployments/web/scale',
      'PATCH /apis/keda.sh/v1alpha1/namespaces/a/scaledobjects/so-1/status',
      'PATCH /apis/keda.sh/v1alpha1/namespaces/a/scaledobjects/so-2/status',
      'POST /api/v1/namespaces/a/events',
    ]);
    assert.deepEqual(client.budget?.waited, { scale: 1, normal: 0, status: 2, event: 1 });
    client.close();
  } finally {
    await server.stop();
  }
});

test('beyond maxInFlight unanswered requests, the next wait for a slot and are served by priority', async () => {
  const b = new ApiBudget({ qps: 1e6, burst: 1000, maxInFlight: 2 });
  const r1 = await b.acquire('normal');
  const r2 = await b.acquire('normal');
  assert.equal(b.inFlight, 2, 'two slots taken');
  const order: string[] = [];
  const asked: Array<[ApiPriority, string]> = [
    ['event', 'event-1'],
    ['status', 'status-1'],
    ['scale', 'scale-1'],
    ['normal', 'get-1'],
  ];
  const served = asked.map(([p, name]) => b.acquire(p).then((release) => (order.push(name), release)));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [], 'no slot free: all wait although tokens are plenty');
  assert.equal(b.queued, 4, 'four waiting');
  r1();
  r1(); // a second release of the same slot is ignored
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, ['scale-1'], 'the freed slot goes to the /scale write');
  r2();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, ['scale-1', 'get-1'], 'then the read');
  for (const release of await Promise.all(served.slice(2))) release();
  await Promise.all(served).then((rs) => rs.forEach((release) => release()));
  assert.deepEqual(order, ['scale-1', 'get-1', 'status-1', 'event-1'], 'then status, then the Event');
  assert.equal(b.inFlight, 0, 'every slot released');
});

test('a watch takes a token but no slot: it starts while every slot is taken', async () => {
  const b = new ApiBudget({ qps: 1e6, burst: 1000, maxInFlight: 1 });
  const release = await b.acquire('normal');
  const blocked = b.acquire('status');
  let started = false;
  await b.take('normal').then(() => (started = true));
  assert.ok(started, 'the watch went');
  assert.equal(b.queued, 1, 'the status write still waits');
  release();
  (await blocked)();
  assert.equal(b.inFlight, 0, 'released');
});

test('a bad maxInFlight is refused naming the flag', () => {
  assert.throws(() => new ApiBudget({ qps: 10, burst: 1, maxInFlight: 0 }), /--kube-api-max-in-flight must be an integer ≥ 1, got 0/);
});
