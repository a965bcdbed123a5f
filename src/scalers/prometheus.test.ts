import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { descriptor, parse, queryURL, valueFromResponse } from './prometheus.ts';

const base = { serverAddress: 'http://prom:9090', query: 'up', threshold: '10' };
const p = (md: Record<string, string>, authParams: Record<string, string> = {}, podIdentity?: { provider: 'aws' | 'none' }) =>
  parse({ metadata: md, authParams, resolvedEnv: {}, ...(podIdentity ? { podIdentity } : {}) }, 3000);

test('prometheus parse: defaults (activation 0, ignoreNullValues true, verify TLS, timeout from KEDA_HTTP_DEFAULT_TIMEOUT, no signing)', () => {
  const c = p(base);
  assert.equal(c.activationThreshold, 0);
  assert.equal(c.ignoreNullValues, true);
  assert.equal(c.tls.rejectUnauthorized, true);
  assert.equal(c.timeoutMs, 3000);
  assert.equal(c.sigv4, undefined);
});

const sig: Array<[string, Record<string, string>, Record<string, string>, unknown]> = [
  [
    'awsRegion + identityOwner operator signs with the operator identity',
    { awsRegion: 'us-west-2', identityOwner: 'operator' },
    {},
    { region: 'us-west-2', identity: { kind: 'operator' } },
  ],
  [
    'an AMP workspace URL signs with its region even without awsRegion (Updraft)',
    { serverAddress: 'https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1' },
    {},
    { region: 'us-east-1', identity: { kind: 'operator' } },
  ],
  [
    'awsRegion + keys sign with the keys',
    { awsRegion: 'eu-west-1' },
    { awsAccessKeyID: 'AK', awsSecretAccessKey: 'S' },
    { region: 'eu-west-1', identity: { kind: 'keys', accessKeyId: 'AK', secretAccessKey: 'S' } },
  ],
  ['awsRegion alone (no AWS identity) does not sign', { awsRegion: 'eu-west-1' }, {}, undefined],
  ['authModes turn SigV4 off', { awsRegion: 'eu-west-1', identityOwner: 'operator', authModes: 'bearer' }, { bearerToken: 't' }, undefined],
];
for (const [name, md, auth, want] of sig) {
  test(`prometheus SigV4: ${name}`, () => assert.deepEqual(p({ ...base, ...md }, auth).sigv4, want));
}

test('prometheus parse: timeout, unsafeSsl, tls + ca (ca only with an authMode)', () => {
  const c = p({ ...base, timeout: '500ms', unsafeSsl: 'true', authModes: 'tls' }, { cert: 'C', key: 'K', ca: 'CA' });
  assert.deepEqual([c.timeoutMs, c.tls], [500, { rejectUnauthorized: false, cert: 'C', key: 'K', ca: 'CA' }]);
  assert.equal(p(base, { ca: 'CA' }).tls.ca, undefined);
});

const bad: Array<[string, Record<string, string>, Record<string, string>, RegExp, { provider: 'aws' }?]> = [
  ['serverAddress is required', { query: 'up', threshold: '1' }, {}, /missing required parameter "serverAddress"/],
  ['query is required', { serverAddress: 'http://p', threshold: '1' }, {}, /missing required parameter "query"/],
  ['threshold is required', { serverAddress: 'http://p', query: 'up' }, {}, /missing required parameter "threshold"/],
  ['threshold must be a number', { ...base, threshold: 'ten' }, {}, /threshold must be a number, got 'ten'/],
  ['serverAddress must be http(s)', { ...base, serverAddress: 'prom:9090' }, {}, /serverAddress must be an http\(s\) URL/],
  ['unknown authMode', { ...base, authModes: 'kerberos' }, {}, /authModes must be a comma-separated list of basic, bearer/],
  ['basic and bearer together', { ...base, authModes: 'basic,bearer' }, { username: 'u', bearerToken: 't' }, /only one of basic, bearer, oauth/],
  ['basic needs username', { ...base, authModes: 'basic' }, {}, /authModes basic needs .*"username"/],
  ['bearer needs a token', { ...base, authModes: 'bearer' }, {}, /authModes bearer needs .*"bearerToken"/],
  ['tls needs cert and key', { ...base, authModes: 'tls' }, { cert: 'C' }, /authModes tls needs/],
  [
    'pod identity excludes authModes',
    { ...base, authModes: 'bearer' },
    { bearerToken: 't' },
    /pod identity cannot be enabled with other auth types/,
    { provider: 'aws' },
  ],
  ['customHeaders elements need one =', { ...base, customHeaders: 'a' }, {}, /customHeaders must be a list of key=value pairs/],
];
for (const [name, md, auth, message, pi] of bad) {
  test(`prometheus parse error: ${name}`, () => assert.throws(() => p(md, auth, pi), { name: 'ConfigError', message }));
}

test('prometheus query URL: query escaped RFC 3986, time RFC3339 UTC with its milliseconds (KEDA drops them), namespace, extra parameters', () => {
  const c = p({ ...base, serverAddress: 'http://prom:9090/sub/', query: 'sum(rate(x{a="b c"}[1m]))', namespace: 'ns', queryParameters: 'k=v w' });
  assert.equal(
    queryURL(c, new Date('2026-01-02T03:04:05.678Z')).href,
    'http://prom:9090/sub/api/v1/query?query=sum%28rate%28x%7Ba%3D%22b%20c%22%7D%5B1m%5D%29%29&time=2026-01-02T03%3A04%3A05.678Z&namespace=ns&k=v%20w',
  );
});

test('prometheus value: one element, empty and NaN handling', () => {
  const v = (result: unknown[], ignoreNullValues = true) =>
    valueFromResponse(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }), { query: 'q', ignoreNullValues });
  assert.equal(v([{ value: [1, '12.5'] }]), 12.5);
  assert.equal(v([]), 0);
  assert.equal(v([{ value: [1, 'NaN'] }]), 0);
  assert.equal(v([{ value: [1, '+Inf'] }]), 0);
  assert.throws(() => v([], false), /target may be lost, the result is empty/);
  assert.throws(() => v([{ value: [1, '-Inf'] }], false), /ignoreNullValues is false/);
  assert.throws(() => v([{ value: [1, '1'] }, { value: [1, '2'] }]), /returned multiple elements/);
});

// ---------------------------------------------------------------------------------------------------------------
// KEDA's metadata table (pkg/scalers/prometheus_scaler_test.go)
//
// `testPromMetadata` (TestPrometheusParseMetadata), `prometheusMetricIdentifiers` (TestPrometheusGetMetricSpecForScaling)
// and `testPrometheusAuthMetadata` (TestPrometheusScalerAuthParams), one subtest per row, in KEDA's order. KEDA checks
// "parses / does not" and, for the auth rows, that only the
// listed authModes are enabled; a valid row here checks the parsed values the row is about (the auth header, the
// TLS material), an invalid row the field its ConfigError names.

type PodIdentity = NonNullable<Parameters<typeof parse>[0]['podIdentity']>;

interface KedaRow {
  /** What the row shows, as a sentence (the subtest's name). */
  name: string;
  metadata: Record<string, string>;
  authParams?: Record<string, string>;
  podIdentity?: PodIdentity;
  /** A valid row: parsed values that must match (serverAddress compared as its href). */
  want?: Record<string, unknown>;
  /** An invalid row: the ConfigError's field and a pattern its message must match (naming that field). */
  error?: { field: string; message: RegExp };
}

const kedaBase = { serverAddress: 'http://localhost:9090', metricName: 'http_requests_total', threshold: '100', query: 'up' };
const basicUserPass = `Basic ${Buffer.from('user:pass').toString('base64')}`;
const verify = { rejectUnauthorized: true };

const kedaMetadataRows: KedaRow[] = [
  {
    name: 'an empty metadata map is rejected because serverAddress is missing',
    metadata: {},
    error: { field: 'serverAddress', message: /missing required parameter "serverAddress"/ },
  },
  // metricName is deprecated in KEDA and ignored by both.
  {
    name: 'a properly formed trigger parses and ignores metricName',
    metadata: kedaBase,
    want: { serverAddress: 'http://localhost:9090/', query: 'up', threshold: 100, activationThreshold: 0, ignoreNullValues: true, headers: {}, tls: verify },
  },
  {
    name: 'a namespace is kept for the namespace query parameter',
    metadata: { serverAddress: 'http://localhost:9090', threshold: '100', query: 'up', namespace: 'foo' },
    want: { namespace: 'foo' },
  },
  { name: 'ignoreNullValues false parses', metadata: { ...kedaBase, ignoreNullValues: 'false' }, want: { ignoreNullValues: false } },
  { name: 'an activationThreshold parses', metadata: { ...kedaBase, activationThreshold: '50' }, want: { activationThreshold: 50 } },
  {
    name: 'an empty serverAddress is rejected',
    metadata: { ...kedaBase, serverAddress: '' },
    error: { field: 'serverAddress', message: /missing required parameter "serverAddress"/ },
  },
  {
    name: 'a missing threshold is rejected',
    metadata: { serverAddress: 'http://localhost:9090', metricName: 'http_requests_total', query: 'up' },
    error: { field: 'threshold', message: /missing required parameter "threshold"/ },
  },
  {
    name: 'a threshold that is not a number is rejected',
    metadata: { ...kedaBase, threshold: 'one' },
    error: { field: 'threshold', message: /threshold must be a number, got 'one'/ },
  },
  {
    name: 'an activationThreshold that is not a number is rejected',
    metadata: { ...kedaBase, activationThreshold: 'one' },
    error: { field: 'activationThreshold', message: /activationThreshold must be a number, got 'one'/ },
  },
  { name: 'an empty query is rejected', metadata: { ...kedaBase, query: '' }, error: { field: 'query', message: /missing required parameter "query"/ } },
  {
    name: 'an ignoreNullValues that is not a boolean is rejected',
    metadata: { ...kedaBase, ignoreNullValues: 'xxxx' },
    error: { field: 'ignoreNullValues', message: /ignoreNullValues must be true or false, got 'xxxx'/ },
  },
  {
    name: 'unsafeSsl true turns certificate verification off',
    metadata: { ...kedaBase, serverAddress: 'https://localhost:9090', unsafeSsl: 'true' },
    want: { serverAddress: 'https://localhost:9090/', tls: { rejectUnauthorized: false } },
  },
  {
    name: 'customHeaders become request headers',
    metadata: { ...kedaBase, customHeaders: 'key1=value1,key2=value2' },
    want: { headers: { key1: 'value1', key2: 'value2' } },
  },
  {
    name: 'customHeaders with an element that is not key=value are rejected',
    metadata: { ...kedaBase, customHeaders: 'key1=value1,key2' },
    error: { field: 'customHeaders', message: /customHeaders must be a list of key=value pairs .*'key2' is not key=value/ },
  },
  {
    name: 'queryParameters become extra query parameters',
    metadata: { ...kedaBase, queryParameters: 'key1=value1,key2=value2' },
    want: { queryParameters: { key1: 'value1', key2: 'value2' } },
  },
  {
    name: 'queryParameters with an element that is not key=value are rejected',
    metadata: { ...kedaBase, queryParameters: 'key1=value1,key2' },
    error: { field: 'queryParameters', message: /queryParameters must be a list of key=value pairs .*'key2' is not key=value/ },
  },
  { name: 'a timeout given as a bare number is milliseconds', metadata: { ...kedaBase, timeout: '1000' }, want: { timeoutMs: 1000 } },
  {
    name: 'a negative timeout is rejected',
    metadata: { ...kedaBase, timeout: '-1' },
    error: { field: 'timeout', message: /timeout must be a duration .*got '-1'/ },
  },
  {
    name: 'a timeout that is neither a duration nor a number is rejected',
    metadata: { ...kedaBase, timeout: 'a' },
    error: { field: 'timeout', message: /timeout must be a duration .*got 'a'/ },
  },
];

const kedaAuthRows: KedaRow[] = [
  {
    name: 'authModes tls with cert, key and ca uses all three',
    metadata: { ...kedaBase, authModes: 'tls' },
    authParams: { ca: 'caaa', cert: 'ceert', key: 'keey' },
    want: { tls: { ...verify, cert: 'ceert', key: 'keey', ca: 'caaa' }, headers: {} },
  },
  {
    name: 'authModes tls without ca parses, ca being optional',
    metadata: { ...kedaBase, authModes: 'tls' },
    authParams: { cert: 'ceert', key: 'keey' },
    want: { tls: { ...verify, cert: 'ceert', key: 'keey' } },
  },
  {
    name: 'authModes tls without key is rejected',
    metadata: { ...kedaBase, authModes: 'tls' },
    authParams: { ca: 'caaa', cert: 'ceert' },
    error: { field: 'key', message: /authModes tls needs .*"key" is not set/ },
  },
  {
    name: 'authModes tls without cert is rejected',
    metadata: { ...kedaBase, authModes: 'tls' },
    authParams: { ca: 'caaa', key: 'keey' },
    error: { field: 'cert', message: /authModes tls needs .*"cert" is not set/ },
  },
  {
    name: 'authModes bearer sends the bearerToken as an Authorization header',
    metadata: { ...kedaBase, authModes: 'bearer' },
    authParams: { bearerToken: 'tooooken' },
    want: { headers: { Authorization: 'Bearer tooooken' } },
  },
  {
    name: 'authModes bearer without a token is rejected',
    metadata: { ...kedaBase, authModes: 'bearer' },
    authParams: {},
    error: { field: 'bearerToken', message: /authModes bearer needs .*"bearerToken"/ },
  },
  {
    name: 'authModes basic sends username and password as basic auth',
    metadata: { ...kedaBase, authModes: 'basic' },
    authParams: { username: 'user', password: 'pass' },
    want: { headers: { Authorization: basicUserPass } },
  },
  {
    name: 'authModes basic without a username is rejected',
    metadata: { ...kedaBase, authModes: 'basic' },
    authParams: {},
    error: { field: 'username', message: /authModes basic needs .*"username"/ },
  },
  {
    name: 'authModes "tls, basic" (with a space) enables both',
    metadata: { ...kedaBase, authModes: 'tls, basic' },
    authParams: { ca: 'caaa', cert: 'ceert', key: 'keey', username: 'user', password: 'pass' },
    want: { tls: { ...verify, cert: 'ceert', key: 'keey', ca: 'caaa' }, headers: { Authorization: basicUserPass } },
  },
  {
    name: 'authModes tls,basic with only the basic parameters is rejected for the missing cert',
    metadata: { ...kedaBase, authModes: 'tls,basic' },
    authParams: { username: 'user', password: 'pass' },
    error: { field: 'cert', message: /authModes tls needs .*"cert" and "key" are not set/ },
  },
  {
    name: 'authModes custom sends customAuthValue in the customAuthHeader header',
    metadata: { ...kedaBase, authModes: 'custom' },
    authParams: { customAuthHeader: 'header', customAuthValue: 'value' },
    want: { headers: { header: 'value' } },
  },
  // KEDA's row also lacks customAuthValue; the first missing parameter is the field.
  {
    name: 'authModes custom with an empty customAuthHeader is rejected',
    metadata: { ...kedaBase, authModes: 'custom' },
    authParams: { customAuthHeader: '' },
    error: { field: 'customAuthHeader', message: /authModes custom needs .*"customAuthHeader" and "customAuthValue" are not set/ },
  },
  // KEDA's row also lacks customAuthHeader, so the message names both.
  {
    name: 'authModes custom with an empty customAuthValue is rejected',
    metadata: { ...kedaBase, authModes: 'custom' },
    authParams: { customAuthValue: '' },
    error: { field: 'customAuthHeader', message: /authModes custom needs .*"customAuthValue" are not set/ },
  },
  // Differs on purpose: Updraft trims every parameter value (a Secret written with a trailing newline is common), so
  // the header is `header: value`; KEDA keeps the newlines and the request then fails with an invalid header name.
  {
    name: 'authModes custom trims newlines from customAuthHeader and customAuthValue',
    metadata: { ...kedaBase, authModes: 'custom' },
    authParams: { customAuthHeader: 'header\n', customAuthValue: 'value\n' },
    want: { headers: { header: 'value' } },
  },
  {
    name: 'authModes tls,basic with only the basic parameters is rejected (KEDA lists this row twice)',
    metadata: { ...kedaBase, authModes: 'tls,basic' },
    authParams: { username: 'user', password: 'pass' },
    error: { field: 'cert', message: /authModes tls needs .*"cert" and "key" are not set/ },
  },
  {
    name: 'authModes together with a pod identity are rejected',
    metadata: { ...kedaBase, authModes: 'basic' },
    authParams: { username: 'user', password: 'pass' },
    podIdentity: { provider: 'azure-workload' },
    error: { field: 'authModes', message: /pod identity cannot be enabled with other auth types; remove authModes/ },
  },
  // Not supported: KEDA signs the queries for Azure Managed Prometheus with the workload identity; Updraft cannot yet,
  // and says so instead of sending the queries unauthenticated.
  {
    name: 'pod identity azure-workload (Azure Managed Prometheus) is rejected as not supported',
    metadata: kedaBase,
    podIdentity: { provider: 'azure-workload' },
    error: { field: 'podIdentity', message: /podIdentity provider azure-workload is not supported by Updraft/ },
  },
  // KEDA no longer has an `azure` (AAD pod identity) provider and ignores the unknown value; so does this parse
  // (Updraft's TriggerAuthentication schema already rejects the value before a trigger is built).
  {
    name: 'the removed pod identity provider azure is ignored',
    metadata: kedaBase,
    podIdentity: { provider: 'azure' } as unknown as PodIdentity,
    want: { headers: {}, sigv4: undefined },
  },
];

const parseConfig = (r: KedaRow) =>
  parse({ metadata: r.metadata, authParams: r.authParams ?? {}, resolvedEnv: {}, ...(r.podIdentity ? { podIdentity: r.podIdentity } : {}) }, 3000);
const parseRow = (r: KedaRow) => {
  const c = parseConfig(r);
  return { ...c, serverAddress: c.serverAddress.href } as Record<string, unknown>;
};

describe("KEDA's metadata table (pkg/scalers/prometheus_scaler_test.go)", () => {
  for (const [i, r] of kedaMetadataRows.entries()) test(`KEDA metadata row ${i}: ${r.name}`, () => checkRow(r));
  // prometheusMetricIdentifiers: metadata row 1 at two trigger indexes; the name is s<index>-prometheus.
  for (const [triggerIndex, name] of [
    [0, 's0-prometheus'],
    [1, 's1-prometheus'],
  ] as const) {
    test(`KEDA metric name: trigger ${triggerIndex} of the properly formed trigger is named ${name}`, () => {
      assert.equal(descriptor.metricSpecs(parseConfig(kedaMetadataRows[1]), triggerIndex)[0].metricName, name);
    });
  }
  for (const [i, r] of kedaAuthRows.entries()) test(`KEDA auth row ${i}: ${r.name}`, () => checkRow(r));
});

function checkRow(r: KedaRow): void {
  if (r.error) return assertConfigError(() => parseRow(r), r.error.field, r.error.message);
  const c = parseRow(r);
  for (const [k, v] of Object.entries(r.want ?? {})) assert.deepEqual(c[k], v, k);
}

/** A ConfigError for `field`, whose message matches `message` and names the field. */
function assertConfigError(fn: () => unknown, field: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'ConfigError');
    assert.equal((e as { field?: string }).field, field);
    assert.match(e.message, message);
    assert.ok(e.message.includes(field), `the message names ${field}: ${e.message}`);
    return true;
  });
}
