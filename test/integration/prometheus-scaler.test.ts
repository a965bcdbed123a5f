// The prometheus scaler against a real Prometheus scraping a local exporter, and against a recording server for
// what only headers/URLs can show (tenancy parameters, auth headers, SigV4 for Amazon Managed Prometheus).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AwsCredentialCache } from '../../src/auth/aws-credentials.ts';
import { buildScaler } from '../../src/scalers/index.ts';
import { ReadError } from '../../src/scalers/scaler.ts';
import { startCaptureServer, type CaptureServer } from '../support/capture-server.ts';
import { freePort } from '../support/free-port.ts';
import { startPrometheus, type LocalPrometheus } from '../support/prometheus.ts';
import { contextFor } from '../support/scaler-context.ts';
import { verifySigV4 } from '../support/sigv4-verify.ts';

const signal = () => AbortSignal.timeout(10_000);

async function readOnce(metadata: Record<string, string>, extra = {}) {
  const scaler = buildScaler(contextFor('prometheus', metadata, extra));
  try {
    return { reading: await scaler.read(signal()), spec: scaler.metricSpecs[0] };
  } finally {
    await scaler.close();
  }
}

async function readError(metadata: Record<string, string>, extra = {}): Promise<ReadError> {
  try {
    await readOnce(metadata, extra);
  } catch (e) {
    assert.ok(e instanceof ReadError, `expected ReadError, got ${String(e)}`);
    return e;
  }
  throw new Error('expected the read to fail');
}

describe('prometheus scaler against a real Prometheus', () => {
  let prom: LocalPrometheus;
  before(async () => {
    prom = await startPrometheus({
      counters: { adot_app_request_count_total: { perSecond: 12 }, ho11y_total: { perSecond: 0.5 } },
      gauges: { active_requests: { value: 7 } },
    });
    // rate() extrapolates only within the samples it has, so windows here are short: the test need not wait a minute.
    await prom.waitForValue('sum(rate(adot_app_request_count_total[5s]))', (v) => Math.abs(v - 12) < 0.5);
    // Both counters started together, but a late scrape on a busy machine skews a 5 s window; wait until it settles.
    await prom.waitForValue('rate(ho11y_total[5s])', (v) => Math.abs(v - 0.5) < 0.05);
  });
  after(async () => prom?.stop());

  const cases: Array<{ name: string; query: string; threshold: string; extra?: Record<string, string>; value: (v: number) => boolean; active: boolean }> = [
    {
      name: 'vector(100) reads 100 against threshold 25 (the AMP walkthrough: 4 replicas)',
      query: 'vector(100)',
      threshold: '25',
      value: (v) => v === 100,
      active: true,
    },
    {
      name: 'sum(rate(counter[5s])) reads the request rate of real samples',
      query: 'sum(rate(adot_app_request_count_total[5s]))',
      threshold: '10',
      value: (v) => Math.abs(v - 12) < 3,
      active: true,
    },
    {
      name: 'rate(ho11y_total[5s]) reads a single series rate',
      query: 'rate(ho11y_total[5s])',
      threshold: '0.25',
      value: (v) => Math.abs(v - 0.5) < 0.15,
      active: true,
    },
    {
      name: 'a gauge below activationThreshold is read but not active',
      query: 'active_requests',
      threshold: '2',
      extra: { activationThreshold: '7' },
      value: (v) => v === 7,
      active: false,
    },
    { name: 'an empty result reads as 0 with the default ignoreNullValues', query: 'no_such_metric_xyz', threshold: '1', value: (v) => v === 0, active: false },
    { name: 'NaN reads as 0 with the default ignoreNullValues', query: 'vector(NaN)', threshold: '1', value: (v) => v === 0, active: false },
    {
      name: 'namespace and queryParameters are accepted by a plain Prometheus',
      query: 'vector(3)',
      threshold: '1',
      extra: { namespace: 'team-a', queryParameters: 'stats=all' },
      value: (v) => v === 3,
      active: true,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { reading, spec } = await readOnce({ serverAddress: prom.url, query: c.query, threshold: c.threshold, ...c.extra });
      assert.equal(spec.metricName, 's0-prometheus');
      assert.equal(spec.target, Number(c.threshold));
      assert.equal(spec.targetType, 'AverageValue');
      assert.ok(c.value(reading.metrics[0].value), `value ${reading.metrics[0].value}`);
      assert.equal(reading.metrics[0].name, 's0-prometheus');
      assert.equal(reading.active, c.active);
    });
  }

  const errors: Array<{ name: string; query: string; extra?: Record<string, string>; kind: ReadError['kind']; message: RegExp }> = [
    {
      name: 'a query returning two series is an error naming the query',
      query: 'vector(1) or label_replace(vector(2), "x", "y", "", "")',
      kind: 'bad-query',
      message: /returned multiple elements/,
    },
    {
      name: 'an empty result is an error with ignoreNullValues false',
      query: 'no_such_metric_xyz',
      extra: { ignoreNullValues: 'false' },
      kind: 'empty',
      message: /target may be lost, the result is empty/,
    },
    { name: 'NaN is an error with ignoreNullValues false', query: 'vector(NaN)', extra: { ignoreNullValues: 'false' }, kind: 'empty', message: /NaN/ },
    { name: "a syntax error is reported as a bad query with Prometheus's own message", query: 'sum(', kind: 'bad-query', message: /status: 400: bad_data/ },
    { name: 'a scalar result is refused with how to fix it', query: 'scalar(vector(1))', kind: 'bad-query', message: /returned a scalar result.*vector\(/ },
  ];
  for (const c of errors) {
    test(c.name, async () => {
      const e = await readError({ serverAddress: prom.url, query: c.query, threshold: '1', ...c.extra });
      assert.equal(e.kind, c.kind);
      assert.match(e.message, c.message);
    });
  }
});

describe('prometheus scaler failures and request shape', () => {
  let capture: CaptureServer;
  before(async () => {
    capture = await startCaptureServer((req) =>
      req.url.includes('hang')
        ? 'hang'
        : { body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '42'] }] } }) },
    );
  });
  after(async () => capture?.stop());

  test('an unreachable server is reported as unreachable with its address', async () => {
    const port = await freePort();
    const e = await readError({ serverAddress: `http://127.0.0.1:${port}`, query: 'up', threshold: '1' });
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, new RegExp(`cannot reach http://127.0.0.1:${port}/api/v1/query`));
  });

  test('timeout bounds a read against a server that never answers', async () => {
    const e = await readError({ serverAddress: `${capture.url}/hang`, query: 'up', threshold: '1', timeout: '200ms' });
    assert.equal(e.kind, 'timeout');
    assert.match(e.message, /within 200 ms/);
  });

  test('the instant query URL carries query, an RFC3339 UTC time with milliseconds, namespace and queryParameters', async () => {
    capture.requests.length = 0;
    const before = Date.now();
    const { reading } = await readOnce({
      serverAddress: `${capture.url}/prom/`,
      query: 'sum(rate(x{a="b c"}[1m]))',
      threshold: '1',
      namespace: 'tenant-1',
      queryParameters: 'dedup=true,partial_response=false',
      customHeaders: 'X-Scope-OrgID=acme,X-Other=1',
    });
    assert.equal(reading.metrics[0].value, 42);
    const req = capture.requests[0];
    const url = new URL(req.url, capture.url);
    assert.equal(url.pathname, '/prom/api/v1/query');
    assert.equal(url.searchParams.get('query'), 'sum(rate(x{a="b c"}[1m]))');
    const time = url.searchParams.get('time') ?? '';
    assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, `time=${time}: RFC 3339 UTC with milliseconds (KEDA drops them)`);
    assert.ok(Math.abs(Date.parse(time) - before) < 5000);
    assert.equal(url.searchParams.get('namespace'), 'tenant-1');
    assert.equal(url.searchParams.get('dedup'), 'true');
    assert.equal(url.searchParams.get('partial_response'), 'false');
    assert.equal(req.headers['x-scope-orgid'], 'acme');
    assert.equal(req.headers['x-other'], '1');
  });

  const authCases = [
    { name: 'bearer', authParams: { authModes: 'bearer', bearerToken: 'tok-123' }, header: 'authorization', value: 'Bearer tok-123' },
    { name: 'bearer via the token alias', authParams: { authModes: 'bearer', token: 'tok-456' }, header: 'authorization', value: 'Bearer tok-456' },
    {
      name: 'basic',
      authParams: { authModes: 'basic', username: 'u', password: 'p' },
      header: 'authorization',
      value: `Basic ${Buffer.from('u:p').toString('base64')}`,
    },
    { name: 'custom', authParams: { authModes: 'custom', customAuthHeader: 'X-Api-Key', customAuthValue: 'k1' }, header: 'x-api-key', value: 'k1' },
  ];
  for (const c of authCases) {
    test(`authModes ${c.name} sends the credentials from the TriggerAuthentication`, async () => {
      capture.requests.length = 0;
      await readOnce({ serverAddress: capture.url, query: 'up', threshold: '1' }, { authParams: c.authParams });
      assert.equal(capture.requests[0].headers[c.header], c.value);
    });
  }

  test('a 401 is reported as auth refused without echoing the token', async () => {
    const denied = await startCaptureServer(() => ({ status: 401, body: 'no' }));
    try {
      const e = await readError(
        { serverAddress: denied.url, query: 'up', threshold: '1' },
        { authParams: { authModes: 'bearer', bearerToken: 'very-secret-token' } },
      );
      assert.equal(e.kind, 'auth');
      assert.doesNotMatch(e.message, /very-secret-token/);
    } finally {
      await denied.stop();
    }
  });
});

describe("a refusal's own words reach the error", () => {
  const rows = [
    {
      name: 'Amazon Managed Prometheus 403 {"message"} names the missing aps:QueryMetrics',
      status: 403,
      body: '{"message":"User: arn:aws:sts::111122223333:assumed-role/app/x is not authorized to perform: aps:QueryMetrics on resource: arn:aws:aps:us-east-1:111122223333:workspace/ws-1"}',
      kind: 'auth',
      message: /status: 403: User: arn:aws:sts::111122223333:assumed-role\/app\/x is not authorized to perform: aps:QueryMetrics/,
    },
    {
      name: 'Prometheus 400 {"error"} keeps errorType and error',
      status: 400,
      body: '{"status":"error","errorType":"bad_data","error":"parse error"}',
      kind: 'bad-query',
      message: /status: 400: bad_data: parse error/,
    },
    { name: 'a proxy page that is not JSON: the status only', status: 502, body: '<html>bad gateway</html>', kind: 'other', message: /status: 502 \(/ },
  ];
  for (const row of rows)
    test(row.name, async () => {
      const server = await startCaptureServer(() => ({ status: row.status, body: row.body }));
      try {
        const e = await readError({ serverAddress: server.url, query: 'up', threshold: '1' });
        assert.equal(e.kind, row.kind);
        assert.match(e.message, row.message);
      } finally {
        await server.stop();
      }
    });
});

describe('Amazon Managed Prometheus SigV4 signing', () => {
  const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  let capture: CaptureServer;
  before(async () => {
    capture = await startCaptureServer(() => ({
      body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '100'] }] } }),
    }));
  });
  after(async () => capture?.stop());

  async function signedRequest(metadata: Record<string, string>, authParams: Record<string, string> = {}) {
    capture.requests.length = 0;
    const awsCredentials = new AwsCredentialCache({ operatorCredentials: () => async () => creds });
    await readOnce(
      { serverAddress: `${capture.url}/workspaces/ws-1`, query: 'sum(rate(ho11y_total[30s]))', threshold: '25', ...metadata },
      { awsCredentials, authParams },
    );
    return capture.requests[0];
  }

  test('awsRegion + identityOwner operator signs for service aps, and an independent verifier accepts it', async () => {
    const req = await signedRequest({ awsRegion: 'us-east-1', identityOwner: 'operator' });
    assert.match(req.headers.authorization ?? '', /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/aps\/aws4_request/);
    const check = verifySigV4(req, capture.url, creds);
    assert.deepEqual({ ok: check.ok, service: check.service, region: check.region }, { ok: true, service: 'aps', region: 'us-east-1' });
  });

  test('a tampered query no longer matches its signature', async () => {
    const req = await signedRequest({ awsRegion: 'us-east-1', identityOwner: 'operator' });
    const tampered = { ...req, url: req.url.replace('ho11y_total', 'other_total') };
    assert.equal(verifySigV4(tampered, capture.url, creds).ok, false);
    assert.equal(verifySigV4(req, capture.url, { ...creds, secretAccessKey: 'wrong' }).ok, false);
  });

  test('static keys from a TriggerAuthentication sign with that key', async () => {
    const keys = { awsAccessKeyID: 'AKIAKEYS', awsSecretAccessKey: 'keys-secret' };
    const req = await signedRequest({ awsRegion: 'eu-west-1' }, keys);
    const check = verifySigV4(req, capture.url, { accessKeyId: 'AKIAKEYS', secretAccessKey: 'keys-secret' });
    assert.deepEqual({ ok: check.ok, region: check.region, accessKeyId: check.accessKeyId }, { ok: true, region: 'eu-west-1', accessKeyId: 'AKIAKEYS' });
  });

  test('without awsRegion or AWS auth a plain server gets no signature', async () => {
    const req = await signedRequest({});
    assert.equal(req.headers.authorization, undefined);
  });
});
