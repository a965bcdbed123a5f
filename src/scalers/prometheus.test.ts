import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse, queryURL, valueFromResponse } from './prometheus.ts';

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
  ['awsRegion + identityOwner operator signs with the operator identity', { awsRegion: 'us-west-2', identityOwner: 'operator' }, {}, { region: 'us-west-2', identity: { kind: 'operator' } }],
  ['an AMP workspace URL signs with its region even without awsRegion (Updraft)', { serverAddress: 'https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1' }, {}, { region: 'us-east-1', identity: { kind: 'operator' } }],
  ['awsRegion + keys sign with the keys', { awsRegion: 'eu-west-1' }, { awsAccessKeyID: 'AK', awsSecretAccessKey: 'S' }, { region: 'eu-west-1', identity: { kind: 'keys', accessKeyId: 'AK', secretAccessKey: 'S' } }],
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
  ['pod identity excludes authModes', { ...base, authModes: 'bearer' }, { bearerToken: 't' }, /pod identity cannot be enabled with other auth types/, { provider: 'aws' }],
  ['customHeaders elements need one =', { ...base, customHeaders: 'a' }, {}, /customHeaders must be a list of key=value pairs/],
];
for (const [name, md, auth, message, pi] of bad) {
  test(`prometheus parse error: ${name}`, () => assert.throws(() => p(md, auth, pi), { name: 'ConfigError', message }));
}

test('prometheus query URL: query escaped RFC 3986, time RFC3339 UTC without fractions, namespace, extra parameters', () => {
  const c = p({ ...base, serverAddress: 'http://prom:9090/sub/', query: 'sum(rate(x{a="b c"}[1m]))', namespace: 'ns', queryParameters: 'k=v w' });
  assert.equal(queryURL(c, new Date('2026-01-02T03:04:05.678Z')).href,
    'http://prom:9090/sub/api/v1/query?query=sum%28rate%28x%7Ba%3D%22b%20c%22%7D%5B1m%5D%29%29&time=2026-01-02T03%3A04%3A05Z&namespace=ns&k=v%20w');
});

test('prometheus value: one element, empty and NaN handling', () => {
  const v = (result: unknown[], ignoreNullValues = true) => valueFromResponse(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }), { query: 'q', ignoreNullValues });
  assert.equal(v([{ value: [1, '12.5'] }]), 12.5);
  assert.equal(v([]), 0);
  assert.equal(v([{ value: [1, 'NaN'] }]), 0);
  assert.equal(v([{ value: [1, '+Inf'] }]), 0);
  assert.throws(() => v([], false), /target may be lost, the result is empty/);
  assert.throws(() => v([{ value: [1, '-Inf'] }], false), /ignoreNullValues is false/);
  assert.throws(() => v([{ value: [1, '1'] }, { value: [1, '2'] }]), /returned multiple elements/);
});
