// The metrics-api scaler against a real local HTTP(S) API (test/support/metrics-api-server.ts): each format, each
// auth mode (basic, bearer, apiKey in a header and in the query, mutual TLS), each error kind, and one keep-alive
// client shared by many triggers on one server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildScaler } from '../../src/scalers/index.ts';
import { MAX_SOCKETS } from '../../src/scalers/common/http-get.ts';
import { httpClients } from '../../src/scalers/metrics-api.ts';
import { ReadError, type Scaler } from '../../src/scalers/scaler.ts';
import { freePort } from '../support/free-port.ts';
import { CREDENTIALS, startMetricsApiServer, type MetricsApiServer } from '../support/metrics-api-server.ts';
import { certFactory, type CertFactory, type Pem } from '../support/openssl-certs.ts';
import { contextFor } from '../support/scaler-context.ts';

const signal = () => AbortSignal.timeout(10_000);

function scaler(metadata: Record<string, string>, authParams: Record<string, string> = {}): Scaler {
  return buildScaler(contextFor('metrics-api', { targetValue: '5', ...metadata }, { authParams }));
}

async function readOnce(metadata: Record<string, string>, authParams: Record<string, string> = {}) {
  const s = scaler(metadata, authParams);
  try {
    return await s.read(signal());
  } finally {
    await s.close();
  }
}

async function readError(metadata: Record<string, string>, authParams: Record<string, string> = {}): Promise<ReadError> {
  try {
    await readOnce(metadata, authParams);
  } catch (e) {
    assert.ok(e instanceof ReadError, `expected ReadError, got ${String(e)}`);
    return e;
  }
  throw new Error('expected the read to fail');
}

describe('metrics-api scaler against a real HTTP API', () => {
  let api: MetricsApiServer;
  before(async () => {
    api = await startMetricsApiServer();
  });
  after(() => api.stop());

  const formats: Array<[string, string, string]> = [
    ['json', 'json', 'components.worker.tasks'],
    ['json (GJSON query)', 'json', 'items.#(name=="a").depth'],
    ['yaml', 'yaml', 'components.worker.tasks'],
    ['xml', 'xml', 'stats.worker.tasks'],
    ['prometheus', 'prom', 'queue_depth{queue="orders"}'],
  ];
  for (const [name, path, valueLocation] of formats) {
    test(`${name}: the exact value and activation (strictly above activationTargetValue)`, async () => {
      const format = path === 'prom' ? 'prometheus' : path;
      api.value = 17;
      const r = await readOnce({ url: `${api.url}/open/${path}`, format, valueLocation, activationTargetValue: '16.5' });
      assert.equal(r.metrics[0].value, 17);
      assert.equal(r.active, true);
      api.value = 16.5;
      const r2 = await readOnce({ url: `${api.url}/open/${path}`, format, valueLocation, activationTargetValue: '16.5' });
      assert.deepEqual([r2.metrics[0].value, r2.active], [16.5, false]);
    });
  }

  const auths: Array<[string, string, Record<string, string>, Record<string, string>, Record<string, string>]> = [
    [
      'basic',
      'basic',
      { authMode: 'basic' },
      { username: CREDENTIALS.username, password: CREDENTIALS.password },
      { username: CREDENTIALS.username, password: 'wrong' },
    ],
    ['bearer', 'bearer', { authMode: 'bearer' }, { token: CREDENTIALS.token }, { token: 'wrong' }],
    ['apiKey in the X-API-KEY header', 'apikey-header', { authMode: 'apiKey' }, { apiKey: CREDENTIALS.apiKey }, { apiKey: 'wrong' }],
    ['apiKey in the api_key query parameter', 'apikey-query', { authMode: 'apiKey', method: 'query' }, { apiKey: CREDENTIALS.apiKey }, { apiKey: 'wrong' }],
  ];
  for (const [name, path, md, good, bad] of auths) {
    test(`${name}: the right credentials read, wrong ones are an auth error that does not echo them`, async () => {
      api.value = 3;
      const url = `${api.url}/${path}/json`;
      const r = await readOnce({ url, valueLocation: 'components.worker.tasks', ...md }, good);
      assert.equal(r.metrics[0].value, 3);
      const e = await readError({ url, valueLocation: 'components.worker.tasks', ...md }, bad);
      assert.equal(e.kind, 'auth');
      assert.match(e.message, /api returned 401/);
      for (const secret of Object.values(good)) assert.ok(!e.message.includes(secret), e.message);
    });
  }

  test('unreachable: a closed port', async () => {
    const port = await freePort();
    const e = await readError({ url: `http://127.0.0.1:${port}/open/json`, valueLocation: 'a' });
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, /cannot reach http:\/\/127\.0\.0\.1:\d+\/open\/json \(ECONNREFUSED\)/);
  });

  test('timeout: an API that does not answer within timeout', async () => {
    const e = await readError({ url: `${api.url}/hang`, valueLocation: 'a', timeout: '200ms' });
    assert.equal(e.kind, 'timeout');
    assert.match(e.message, /within 200 ms/);
  });

  test('bad query: a valueLocation with nothing there, a missing path (404), a string that is no quantity', async () => {
    const missing = await readError({ url: `${api.url}/open/json`, valueLocation: 'components.nope' });
    assert.equal(missing.kind, 'bad-query');
    assert.match(missing.message, /valueLocation "components.nope" must point to a numeric value .* got Null \(json from http:/);
    const notFound = await readError({ url: `${api.url}/missing`, valueLocation: 'a' });
    assert.equal(notFound.kind, 'bad-query');
    assert.match(notFound.message, /\/missing: api returned 404/);
    const prom = await readError({ url: `${api.url}/open/prom`, format: 'prometheus', valueLocation: 'queue_depth{queue="none"}' });
    assert.equal(prom.kind, 'bad-query');
  });

  test('a body in another format than `format` is an error of its own (other)', async () => {
    const e = await readError({ url: `${api.url}/open/prom`, format: 'json', valueLocation: 'a' });
    assert.equal(e.kind, 'other');
    assert.match(e.message, /not valid JSON/);
  });

  test('200 triggers on one API share one client (pool size 1) and a few keep-alive connections; the last close frees it', async () => {
    const before = api.connections;
    const scalers = Array.from({ length: 200 }, (_, i) => scaler({ url: `${api.url}/open/json?i=${i}`, valueLocation: 'components.worker.tasks' }));
    assert.equal(httpClients.size, 1);
    api.value = 9;
    const readings = await Promise.all(scalers.map((s) => s.read(signal())));
    assert.ok(readings.every((r) => r.metrics[0].value === 9));
    assert.ok(api.connections - before <= MAX_SOCKETS, `${api.connections - before} connections for 200 parallel reads (agent maxSockets ${MAX_SOCKETS})`);
    await Promise.all(scalers.map((s) => s.close()));
    assert.equal(httpClients.size, 0);
  });
});

describe('metrics-api scaler over mutual TLS', () => {
  let certs: CertFactory;
  let api: MetricsApiServer;
  let ca: Pem;
  let client: Pem;
  before(async () => {
    certs = certFactory();
    ca = certs.ca('api-ca');
    const server = certs.leaf('api-server', ca, { cn: '127.0.0.1', usage: 'server', hosts: ['127.0.0.1'] });
    client = certs.leaf('api-client', ca, { cn: 'updraft', usage: 'client' });
    api = await startMetricsApiServer({ tls: { cert: server.cert, key: server.key, clientCa: ca.cert } });
  });
  after(async () => {
    await api?.stop();
    certs?.cleanup();
  });

  test('authMode tls with cert, key and ca reads the value', async () => {
    api.value = 42;
    const r = await readOnce(
      { url: `${api.url}/open/json`, valueLocation: 'components.worker.tasks', authMode: 'tls' },
      { cert: client.cert, key: client.key, ca: ca.cert },
    );
    assert.equal(r.metrics[0].value, 42);
  });

  test('without ca the server certificate is not trusted: a TLS error naming the fix', async () => {
    const e = await readError(
      { url: `${api.url}/open/json`, valueLocation: 'components.worker.tasks', authMode: 'tls' },
      { cert: client.cert, key: client.key },
    );
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, /TLS handshake .* failed .*set ca, or unsafeSsl/);
  });

  test('unsafeSsl without a client certificate: the server refuses the handshake', async () => {
    const e = await readError({ url: `${api.url}/open/json`, valueLocation: 'components.worker.tasks', unsafeSsl: 'true' });
    assert.ok(['unreachable', 'other'].includes(e.kind), `${e.kind}: ${e.message}`);
  });

  test('unsafeSsl with the client certificate but no ca reads the value', async () => {
    api.value = 7;
    const r = await readOnce(
      { url: `${api.url}/open/json`, valueLocation: 'components.worker.tasks', authMode: 'tls', unsafeSsl: 'true' },
      { cert: client.cert, key: client.key },
    );
    assert.equal(r.metrics[0].value, 7);
  });
});
