import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gjsonGet, parseMetricSelector, parsePrometheusText, valueByPath, valueFromResponse, type ApiFormat } from './common/response-value.ts';
import { clientKey, descriptor, parse, requestURL, statusError } from './metrics-api.ts';

const p = (metadata: Record<string, string>, authParams: Record<string, string> = {}) => parse({ metadata, authParams, resolvedEnv: {} });
const URL_ = 'http://dummy:1230/api/v1/';

// ---------------------------------------------------------------------------------------------------------------
// KEDA's tables (pkg/scalers/metrics_api_scaler_test.go), one subtest per row, in order.

const metadataRows: Array<{ name: string; metadata: Record<string, string>; error?: { field: string; message: RegExp } }> = [
  { name: 'no metadata', metadata: {}, error: { field: 'url', message: /missing required parameter "url"/ } },
  { name: 'OK', metadata: { url: URL_, valueLocation: 'metric.test', targetValue: '42' } },
  {
    name: 'target not a number',
    metadata: { url: URL_, valueLocation: 'metric', targetValue: 'aa' },
    error: { field: 'targetValue', message: /targetValue must be a number, got 'aa'/ },
  },
  {
    name: 'activation target not a number',
    metadata: { url: URL_, valueLocation: 'metric', targetValue: '1', activationTargetValue: 'aa' },
    error: { field: 'activationTargetValue', message: /activationTargetValue must be a number, got 'aa'/ },
  },
  {
    name: 'missing valueLocation',
    metadata: { url: URL_, targetValue: 'aa' },
    error: { field: 'valueLocation', message: /missing required parameter "valueLocation"/ },
  },
  { name: 'missing url', metadata: { valueLocation: 'metric', targetValue: 'aa' }, error: { field: 'url', message: /missing required parameter "url"/ } },
  {
    name: 'missing targetValue',
    metadata: { url: URL_, valueLocation: 'metric' },
    error: { field: 'targetValue', message: /no targetValue given in metadata/ },
  },
  { name: 'valid HTTP timeout (1000 = milliseconds)', metadata: { url: URL_, valueLocation: 'metric', targetValue: '42', timeout: '1000' } },
  {
    name: 'negative HTTP timeout',
    metadata: { url: URL_, valueLocation: 'metric', targetValue: '42', timeout: '-1' },
    error: { field: 'timeout', message: /timeout must be a duration/ },
  },
  {
    name: 'HTTP timeout not a number',
    metadata: { url: URL_, valueLocation: 'metric', targetValue: '42', timeout: 'a' },
    error: { field: 'timeout', message: /timeout must be a duration/ },
  },
];
describe('KEDA testMetricsAPIMetadata', () => {
  for (const row of metadataRows) {
    test(row.name, () => {
      if (row.error) assert.throws(() => p(row.metadata), { name: 'ConfigError', field: row.error.field, message: row.error.message });
      else assert.doesNotThrow(() => p(row.metadata));
    });
  }
});

const md = (extra: Record<string, string> = {}) => ({ url: URL_, valueLocation: 'metric', targetValue: '42', ...extra });
const authRows: Array<{
  name: string;
  metadata: Record<string, string>;
  auth: Record<string, string>;
  error?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  tls?: Record<string, unknown>;
}> = [
  {
    name: 'success TLS',
    metadata: md({ authMode: 'tls' }),
    auth: { ca: 'caaa', cert: 'ceert', key: 'keey' },
    tls: { rejectUnauthorized: true, cert: 'ceert', key: 'keey', ca: 'caaa' },
  },
  {
    name: 'TLS without ca parses',
    metadata: md({ authMode: 'tls' }),
    auth: { cert: 'ceert', key: 'keey' },
    tls: { rejectUnauthorized: true, cert: 'ceert', key: 'keey' },
  },
  { name: 'fail TLS, key not given', metadata: md({ authMode: 'tls' }), auth: { ca: 'caaa', cert: 'ceert' }, error: 'key' },
  { name: 'fail TLS, cert not given', metadata: md({ authMode: 'tls' }), auth: { ca: 'caaa', key: 'keey' }, error: 'cert' },
  {
    name: 'success apiKey default (X-API-KEY header)',
    metadata: md({ authMode: 'apiKey' }),
    auth: { apiKey: 'apiikey' },
    headers: { 'X-API-KEY': 'apiikey' },
    query: {},
  },
  {
    name: 'success apiKey as query param (api_key)',
    metadata: md({ authMode: 'apiKey' }),
    auth: { apiKey: 'apiikey', method: 'query' },
    headers: {},
    query: { api_key: 'apiikey' },
  },
  {
    name: 'success apiKey header with custom key name',
    metadata: md({ authMode: 'apiKey' }),
    auth: { apiKey: 'apiikey', method: 'header', keyParamName: 'custom' },
    headers: { custom: 'apiikey' },
  },
  {
    name: 'success apiKey query with custom key name',
    metadata: md({ authMode: 'apiKey' }),
    auth: { apiKey: 'apiikey', method: 'query', keyParamName: 'custom' },
    query: { custom: 'apiikey' },
  },
  { name: 'fail apiKey without a key', metadata: md({ authMode: 'apiKey' }), auth: {}, error: 'apiKey' },
  {
    name: 'success basic',
    metadata: md({ authMode: 'basic' }),
    auth: { username: 'user', password: 'pass' },
    headers: { Authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` },
  },
  { name: 'fail basic without username', metadata: md({ authMode: 'basic' }), auth: {}, error: 'username' },
  {
    name: 'success bearer (token)',
    metadata: md({ authMode: 'bearer' }),
    auth: { token: 'bearerTokenValue' },
    headers: { Authorization: 'Bearer bearerTokenValue' },
  },
  { name: 'fail bearer without token', metadata: md({ authMode: 'bearer' }), auth: {}, error: 'bearerToken' },
  { name: 'unsafeSsl true', metadata: md({ unsafeSsl: 'true' }), auth: {}, tls: { rejectUnauthorized: false } },
  { name: 'unsafeSsl false', metadata: md({ unsafeSsl: 'false' }), auth: {}, tls: { rejectUnauthorized: true } },
  { name: 'unsafeSsl not a boolean', metadata: md({ unsafeSsl: 'yes' }), auth: {}, error: 'unsafeSsl' },
  {
    name: 'apiKey and TLS together',
    metadata: md({ authMode: 'apiKey,tls' }),
    auth: { apiKey: 'apiikey', ca: 'caaa', cert: 'ceert', key: 'keey' },
    headers: { 'X-API-KEY': 'apiikey' },
    tls: { rejectUnauthorized: true, cert: 'ceert', key: 'keey', ca: 'caaa' },
  },
];
describe('KEDA testMetricsAPIAuthMetadata', () => {
  for (const row of authRows) {
    test(row.name, () => {
      if (row.error) {
        assert.throws(() => p(row.metadata, row.auth), { name: 'ConfigError', field: row.error });
        return;
      }
      const c = p(row.metadata, row.auth);
      if (row.headers) assert.deepEqual(c.headers, row.headers);
      if (row.query) assert.deepEqual(c.query, row.query);
      if (row.tls) assert.deepEqual(c.tls, row.tls);
    });
  }
});

test('KEDA metricsAPIMetricIdentifiers: s1-metric-api-metric-test', () => {
  assert.equal(descriptor.metricSpecs(p(metadataRows[1].metadata), 1)[0].metricName, 's1-metric-api-metric-test');
});

// TestGetValueFromResponse
const inputJSON = '{"components":[{"id": "82328e93e", "tasks": 32, "str": "64", "k":"1k","wrong":"NaN"}],"count":2.43}';
const inputYAML = "{components: [{id: 82328e93e, tasks: 32, str: '64', k: 1k, wrong: NaN}], count: 2.43}";
// No final newline, as in KEDA (kedacore/keda#6559); lines indented as KEDA's raw string is.
const inputPrometheus = `# HELP backend_queue_size Total number of items
	# TYPE backend_queue_size counter
	backend_queue_size{queueName="zero"} 0
	backend_queue_size{queueName="one"} 1
	backend_queue_size{queueName="two", instance="random"} 2
	backend_queue_size{queueName="two", instance="zero"} 20
	# HELP random_metric Random metric generate to include noise
	# TYPE random_metric counter
	random_metric 10`;
const valueRows: Array<[string, string, string, ApiFormat, number | 'error']> = [
  ['integer', inputJSON, 'count', 'json', 2.43],
  ['string', inputJSON, 'components.0.str', 'json', 64],
  ['{}.[].{}', inputJSON, 'components.0.tasks', 'json', 32],
  ['invalid data', inputJSON, 'components.0.wrong', 'json', 'error'],
  ['integer', inputYAML, 'count', 'yaml', 2.43],
  ['string', inputYAML, 'components.0.str', 'yaml', 64],
  ['{}.[].{}', inputYAML, 'components.0.tasks', 'yaml', 32],
  ['invalid data', inputYAML, 'components.0.wrong', 'yaml', 'error'],
  ['no labels', inputPrometheus, 'random_metric', 'prometheus', 10],
  ['one label', inputPrometheus, 'backend_queue_size{queueName="one"}', 'prometheus', 1],
  ['multiple labels not queried', inputPrometheus, 'backend_queue_size{queueName="two"}', 'prometheus', 2],
  ['multiple labels queried', inputPrometheus, 'backend_queue_size{queueName="two", instance="zero"}', 'prometheus', 20],
  ['invalid data', inputPrometheus, 'backend_queue_size{invalid=test}', 'prometheus', 'error'],
];
describe('KEDA TestGetValueFromResponse', () => {
  for (const [name, body, loc, format, want] of valueRows) {
    test(`${format}: ${name}`, () => {
      if (want === 'error') assert.throws(() => valueFromResponse(body, loc, format), { name: 'ValueError' });
      else assert.equal(valueFromResponse(body, loc, format), want);
    });
  }
});

test('KEDA TestGetMetricValueErrorMessage: "<path>: api returned 418"', () => {
  const e = statusError(418, new URL(URL_));
  assert.equal(e.message, 'metrics-api: /api/v1/: api returned 418 (http://dummy:1230/api/v1/)');
  assert.equal(statusError(401, new URL(URL_)).kind, 'auth');
});

// ---------------------------------------------------------------------------------------------------------------
// GJSON paths (the subset Updraft implements; github.com/tidwall/gjson SYNTAX.md)

const doc = {
  name: { first: 'Tom', last: 'Anderson' },
  age: 37,
  children: ['Sara', 'Alex', 'Jack'],
  'fav.movie': 'Deer Hunter',
  friends: [
    { first: 'Dale', age: 44, nets: ['ig', 'fb'] },
    { first: 'Roger', age: 68 },
    { first: 'Jane', age: 47 },
  ],
  stats: { 'queue-depth': 12, queue_depth_2: '3k' },
};
const gjsonRows: Array<[string, unknown]> = [
  ['age', 37],
  ['name.last', 'Anderson'],
  ['children.1', 'Alex'],
  ['children.#', 3],
  ['friends.#', 3],
  ['friends.1.age', 68],
  ['friends.#.age', [44, 68, 47]],
  ['fav\\.movie', 'Deer Hunter'],
  ['a?e', 37],
  ['stat*.queue-depth', 12],
  ['friends.#(first=="Jane").age', 47],
  ['friends.#(age>45)#.first', ['Roger', 'Jane']],
  ['friends.#(age<=44).first', 'Dale'],
  ['friends.#(nets).first', 'Dale'],
  ['missing.path', undefined],
  ['children.7', undefined],
];
describe('GJSON paths', () => {
  for (const [path, want] of gjsonRows) test(`${path}`, () => assert.deepEqual(gjsonGet(doc, path), want));
});

const jsonValueRows: Array<[string, number | RegExp]> = [
  ['friends.#(first=="Jane").age', 47],
  ['stats.queue_depth_2', 3000],
  ['children.#', 3],
  ['name', /must point to a numeric value or a string parseable as a Quantity, got JSON/],
  ['missing', /got Null/],
  ['children.0', /points to a string that is not parseable as a Quantity/],
  ['friends.#.age', /got JSON/],
  ['children|@reverse', /GJSON modifiers .* are not supported by Updraft/],
  ['@this.age', /GJSON modifiers/],
];
describe('json values', () => {
  for (const [path, want] of jsonValueRows) {
    test(`${path} → ${want}`, () => {
      if (typeof want === 'number') assert.equal(valueFromResponse(JSON.stringify(doc), path, 'json'), want);
      else assert.throws(() => valueFromResponse(JSON.stringify(doc), path, 'json'), { message: want });
    });
  }
});

test('invalid JSON is an error that says so', () => {
  assert.throws(() => valueFromResponse('{not json', 'a', 'json'), { name: 'ValueError', kind: 'other', message: /not valid JSON/ });
});

// ---------------------------------------------------------------------------------------------------------------
// yaml / xml dot paths (pkg/util/value_by_path.go) and prometheus parsing

const pathRows: Array<[string, unknown, string, unknown]> = [
  ['nested maps', { foo: { bar: 42 } }, 'foo.bar', 42],
  ['array element', { foo: [{ bar: 42 }] }, 'foo.0.bar', 42],
  ['a scalar before the path ends is the value (KEDA)', { foo: 7 }, 'foo.bar', 7],
];
describe('dot paths', () => {
  for (const [name, data, path, want] of pathRows) test(name, () => assert.equal(valueByPath(data, path), want));
});
test('dot paths: a missing key and a path ending on a map are errors (KEDA wording)', () => {
  assert.throws(() => valueByPath({ foo: {} }, 'foo.bar'), /key 'bar' not found in path 'foo.bar'/);
  assert.throws(() => valueByPath({ foo: { bar: {} } }, 'foo.bar'), /path 'foo.bar' does not lead to a value/);
});

const xml = '<?xml version="1.0"?><stats><queue name="a"><length>5</length></queue><queue name="b"><length>1k</length></queue><ok>true</ok></stats>';
const xmlRows: Array<[string, number | RegExp]> = [
  ['stats.queue.0.length', 5],
  ['stats.queue.1.length', 1000],
  ['stats.ok', /points to a string that is not parseable as a Quantity/],
  ['stats.nope', /key 'nope' not found/],
];
describe('xml values (the path starts at the root element)', () => {
  for (const [path, want] of xmlRows) {
    test(path, () => {
      if (typeof want === 'number') assert.equal(valueFromResponse(xml, path, 'xml'), want);
      else assert.throws(() => valueFromResponse(xml, path, 'xml'), { message: want });
    });
  }
});
test('malformed XML and YAML are errors', () => {
  assert.throws(() => valueFromResponse('<a><b></a>', 'a.b', 'xml'), { name: 'ValueError', kind: 'other' });
  assert.throws(() => valueFromResponse('a: [1', 'a', 'yaml'), { name: 'ValueError', kind: 'other' });
  assert.throws(() => valueFromResponse('- 1\n- 2', '0', 'yaml'), /mapping at the top/);
  assert.equal(valueFromResponse('a:\n  b: true\n  c: 3', 'a.c', 'yaml'), 3);
  assert.throws(() => valueFromResponse('a:\n  b: true', 'a.b', 'yaml'), /got bool/);
});

const selectorRows: Array<[string, { name: string; labels: Array<[string, string]> } | RegExp]> = [
  ['up', { name: 'up', labels: [] }],
  ['q{a="x"}', { name: 'q', labels: [['a', 'x']] }],
  [
    'q{ a = "x" , b="y\\"z" }',
    {
      name: 'q',
      labels: [
        ['a', 'x'],
        ['b', 'y"z'],
      ],
    },
  ],
  ['{__name__="q",a="x"}', { name: 'q', labels: [['a', 'x']] }],
  ['q{a!="x"}', /only label="value" matchers are supported/],
  ['q{a=~"x.*"}', /only label="value" matchers are supported/],
  ['q{a=x}', /values must be "quoted"/],
  ['{}', /no metric name/],
  ['1bad', /expected a metric name/],
];
describe('prometheus metric selectors', () => {
  for (const [sel, want] of selectorRows) {
    test(sel, () => {
      if (want instanceof RegExp) assert.throws(() => parseMetricSelector(sel), { message: want });
      else assert.deepEqual(parseMetricSelector(sel), want);
    });
  }
});

test('prometheus text: timestamps, +Inf, CRLF, escaped label values; histograms are not selectable (KEDA: untyped, counter, gauge)', () => {
  const body = '# TYPE h histogram\r\nh_bucket{le="+Inf"} 3\r\nh_count 3\r\ng{path="a\\"b"} +Inf 1700000000000\r\nh 4\r\n';
  const { samples } = parsePrometheusText(body);
  assert.equal(samples.length, 4);
  assert.equal(valueFromResponse(body, 'g{path="a\\"b"}', 'prometheus'), Infinity);
  assert.throws(() => valueFromResponse(body, 'h', 'prometheus'), /metric 'h' not found/);
  assert.equal(valueFromResponse(body, 'h_count', 'prometheus'), 3);
  assert.throws(() => valueFromResponse('x{a="1"} 1\ny nope', 'x', 'prometheus'), /prometheus format parsing error: line 2/);
  assert.throws(() => valueFromResponse('x{a="1"} 1', 'x{a="2"}', 'prometheus'), /value x\{a="2"\} not found/);
});

// ---------------------------------------------------------------------------------------------------------------
// Request shape and pooling

test('apiKey in the query replaces a parameter of the same name; headers carry the other modes', () => {
  const c = p({ url: 'http://api:8080/stats?api_key=old&x=1', valueLocation: 'v', targetValue: '1', authMode: 'apiKey', method: 'query' }, { apiKey: 'k&y' });
  assert.equal(requestURL(c).href, 'http://api:8080/stats?api_key=k%26y&x=1');
  const custom = p(md({ authModes: 'custom' }), { customAuthHeader: 'X-Auth', customAuthValue: 'v' });
  assert.deepEqual(custom.headers, { 'X-Auth': 'v' });
});

test('parse refusals: bearer with basic, oauth, aggregateFromKubeServiceEndpoints, a file:// url, an unknown format', () => {
  assert.throws(() => p(md({ authModes: 'basic,bearer' }), { username: 'u', token: 't' }), { field: 'authModes', message: /only one of bearer, basic, oauth/ });
  assert.throws(() => p(md({ authModes: 'oauth' })), { field: 'authModes', message: /oauth is not supported by Updraft/ });
  assert.throws(() => p(md({ aggregateFromKubeServiceEndpoints: 'true' })), { field: 'aggregateFromKubeServiceEndpoints' });
  assert.throws(() => p(md({ url: 'file:///etc/passwd' })), { field: 'url', message: /must be an http\(s\) URL/ });
  assert.throws(() => p(md({ url: 'http://169.254.169.254/latest' })), { field: 'url', message: /cloud metadata/ });
  assert.throws(() => p(md({ format: 'csv' })), { field: 'format', message: /format must be one of json, yaml, xml, prometheus, got 'csv'/ });
  assert.throws(() => p(md({ authModes: 'custom' }), { customAuthHeader: 'X' }), { field: 'customAuthValue' });
});

test('timeout: metadata wins over KEDA_HTTP_DEFAULT_TIMEOUT; defaults activation 0, format json', () => {
  assert.equal(p(md({ timeout: '250ms' })).timeoutMs, 250);
  const c = parse({ metadata: md(), authParams: {}, resolvedEnv: {}, httpTimeoutMs: 4000 });
  assert.deepEqual([c.timeoutMs, c.activationTargetValue, c.format], [4000, 0, 'json']);
});

test('one pool key per scheme://host:port and TLS settings; paths, headers and query keys do not split it; secrets only hashed', () => {
  const a = p({ url: 'http://api:8080/a', valueLocation: 'v', targetValue: '1' });
  const b = p({ url: 'http://api:8080/b?x=1', valueLocation: 'w', targetValue: '2', authMode: 'bearer' }, { token: 'S3CR3T' });
  const c = p({ url: 'https://api:8080/a', valueLocation: 'v', targetValue: '1', authMode: 'tls' }, { cert: 'C-S3CR3T', key: 'K' });
  assert.equal(clientKey(a), clientKey(b));
  assert.notEqual(clientKey(a), clientKey(c));
  assert.ok(!clientKey(c).includes('S3CR3T'));
});
