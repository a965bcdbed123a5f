// The OTLP receiver's bearer-token authentication and its standby refusal (as `updraft operator` runs it).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OtlpMetricStore } from '../../src/scalers/common/otlp-metric-store.ts';
import { OtlpReceiver } from '../../src/servers/otlp-receiver.ts';

let store: OtlpMetricStore;
let receiver: OtlpReceiver;
let url: string;
let token: string | undefined = 's3cret-token';
let refusing: string | undefined;

const body = (value: number) =>
  JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.instance.id', value: { stringValue: 'a' } }] },
        scopeMetrics: [{ metrics: [{ name: 'queue.depth', gauge: { dataPoints: [{ asDouble: value, timeUnixNano: String(Date.now() * 1e6) }] } }] }],
      },
    ],
  });
const push = (headers: Record<string, string>, value = 1) =>
  fetch(`${url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: body(value) });

before(async () => {
  store = new OtlpMetricStore();
  receiver = new OtlpReceiver({ store, port: 0, token: () => token, refusing: () => refusing });
  url = (await receiver.start()).url;
});
after(() => receiver.close());

describe('OTLP receiver authentication', () => {
  const rows = [
    { name: 'no Authorization header: 401', headers: {} as Record<string, string>, status: 401, says: /requires Authorization: Bearer/ },
    { name: 'a wrong token: 401', headers: { authorization: 'Bearer nope' }, status: 401, says: /not the one/ },
    { name: 'Basic instead of Bearer: 401', headers: { authorization: 'Basic czNjcmV0LXRva2Vu' }, status: 401, says: /not the one/ },
    { name: 'the token: 200', headers: { authorization: 'Bearer s3cret-token' }, status: 200, says: /./ },
  ];
  for (const r of rows) {
    test(r.name, async () => {
      const res = await push(r.headers);
      const text = await res.text();
      assert.equal(res.status, r.status, text);
      if (r.status === 401) {
        assert.match(text, r.says);
        assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="updraft-otlp"');
      }
    });
  }

  test('a refused push stores nothing; an accepted one does', async () => {
    const before = store.series('queue.depth', 600_000).length;
    await (await push({ authorization: 'Bearer wrong' }, 99)).text();
    assert.equal(
      store
        .series('queue.depth', 600_000)
        .flatMap((s) => s.samples)
        .some((x) => x.value === 99),
      false,
    );
    assert.ok(before >= 1);
  });

  test('a rotated token applies on the next push', async () => {
    token = 'rotated';
    try {
      assert.equal((await push({ authorization: 'Bearer s3cret-token' })).status, 401);
      assert.equal((await push({ authorization: 'Bearer rotated' })).status, 200);
    } finally {
      token = 's3cret-token';
    }
  });

  test('no token configured: pushes are not authenticated', async () => {
    token = undefined;
    try {
      assert.equal((await push({})).status, 200);
    } finally {
      token = 's3cret-token';
    }
  });

  test('a standby replica answers 503 with the reason and Retry-After, after checking the token', async () => {
    refusing = 'this Updraft replica is a standby (not the leader); the exporter retries and reaches the leader';
    try {
      assert.equal((await push({})).status, 401);
      const res = await push({ authorization: 'Bearer s3cret-token' });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '1');
      assert.match(await res.text(), /standby \(not the leader\)/);
    } finally {
      refusing = undefined;
    }
  });
});
