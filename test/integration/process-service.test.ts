// A ProcessGroup's service: one port in front of real instances that holds requests while none is ready.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '../support/wait.ts';
import { fileURLToPath } from 'node:url';
import { parseProcessGroup } from '../../src/api/process-group.ts';
import { OtlpMetricStore } from '../../src/scalers/common/otlp-metric-store.ts';
import { ProcessPool } from '../../src/targets/process-pool.ts';
import { PENDING_REQUESTS_METRIC, ProcessService } from '../../src/targets/process-service.ts';

const fixture = fileURLToPath(new URL('./fixtures/process-pool/instance.mjs', import.meta.url));
let nextPort = 27000 + (process.pid % 100) * 25;

function setup(holdTimeoutSeconds = 30) {
  const from = nextPort;
  nextPort += 12;
  const r = parseProcessGroup({
    apiVersion: 'updraft.dev/v1alpha1',
    kind: 'ProcessGroup',
    metadata: { name: 'svc' },
    spec: {
      command: process.execPath,
      args: [fixture, '--port', '$(PORT)'],
      ports: { from, to: from + 9 },
      service: { port: from + 10, holdTimeoutSeconds },
      readinessProbe: { httpGet: { path: '/healthz' }, periodSeconds: 1 },
      terminationGracePeriodSeconds: 2,
    },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  const store = new OtlpMetricStore();
  const pool = new ProcessPool(r.value, { output: () => undefined });
  const service = new ProcessService(pool, store);
  return { pool, service, store };
}

const pendingGauge = (store: OtlpMetricStore) => store.series(PENDING_REQUESTS_METRIC)[0]?.samples.at(-1)?.value;

describe('process service', () => {
  it('holds a request while no instance is ready, reports it as pending, and forwards it once one is', async (t) => {
    const { pool, service, store } = setup();
    t.after(async () => {
      await service.close();
      await pool.close();
    });
    const { url } = await service.start();
    const answer = fetch(`${url}/hello`);
    await waitFor('the request to be held', async () => service.pending() === 1, 5_000, 10);
    assert.equal(service.pending(), 1);
    assert.equal(pendingGauge(store), 1);
    assert.deepEqual(store.series(PENDING_REQUESTS_METRIC)[0].resource, { 'service.name': 'updraft', 'updraft.process_group': 'svc' });
    await pool.setReplicas(1);
    const res = await answer;
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'ok svc-0');
    assert.equal(service.pending(), 0);
    assert.equal(pendingGauge(store), 0);
  });

  it('spreads requests over every ready instance', async (t) => {
    const { pool, service } = setup();
    t.after(async () => {
      await service.close();
      await pool.close();
    });
    const { url } = await service.start();
    await pool.setReplicas(3);
    await pool.whenReady(3);
    const bodies = await Promise.all(Array.from({ length: 30 }, () => fetch(`${url}/`).then((r) => r.text())));
    const perInstance = new Map<string, number>();
    for (const b of bodies) perInstance.set(b, (perInstance.get(b) ?? 0) + 1);
    assert.deepEqual([...perInstance.keys()].sort(), ['ok svc-0', 'ok svc-1', 'ok svc-2']);
    for (const [instance, n] of perInstance) assert.ok(n >= 5, `${instance} got only ${n} of 30`);
  });

  it('stops counting a waiting request as pending when its client hangs up', async (t) => {
    const { pool, service, store } = setup();
    t.after(async () => {
      await service.close();
      await pool.close();
    });
    const { url } = await service.start();
    const ac = new AbortController();
    const answer = fetch(`${url}/`, { signal: ac.signal }).catch(() => 'aborted');
    await waitFor('the request to be held', async () => service.pending() === 1, 5_000, 10);
    assert.equal(service.pending(), 1);
    ac.abort();
    assert.equal(await answer, 'aborted');
    await waitFor('the aborted request to leave the queue', async () => service.pending() === 0, 1_000, 20).catch(() => undefined);
    assert.equal(service.pending(), 0);
    assert.equal(pendingGauge(store), 0);
  });

  it('answers 503 when no instance becomes ready within holdTimeoutSeconds', async (t) => {
    const { pool, service } = setup(1);
    t.after(async () => {
      await service.close();
      await pool.close();
    });
    const { url } = await service.start();
    const res = await fetch(`${url}/`);
    assert.equal(res.status, 503);
    assert.match(await res.text(), /no ready instance of ProcessGroup svc within 1s/);
    assert.equal(service.pending(), 0);
  });
});
