import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  attributeValue,
  descriptor,
  parse,
  parseAttributeNames,
  parseAttributeValues,
  queryCount,
  queryInput,
  readQuery,
  type DynamodbLike,
} from './aws-dynamodb.ts';
import { ReadError } from './scaler.ts';

interface KedaRow {
  name: string;
  metadata: Record<string, string>;
  authParams: Record<string, string>;
  /** A valid row: parsed values that must match. */
  want?: Record<string, unknown>;
  /** An invalid row: the ConfigError's field and a pattern its message must match (KEDA's ErrorContains text). */
  error?: { field: string; message: RegExp };
}

const parseRow = (r: KedaRow) => parse({ metadata: r.metadata, authParams: r.authParams, resolvedEnv: {} });

function checkRow(r: KedaRow): void {
  if (r.error) {
    const { field, message } = r.error;
    assert.throws(
      () => parseRow(r),
      (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.equal(e.name, 'ConfigError');
        assert.equal((e as { field?: string }).field, field);
        assert.match(e.message, message);
        assert.ok(e.message.includes(field), `the message names ${field}: ${e.message}`);
        return true;
      },
    );
    return;
  }
  const c = parseRow(r) as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(r.want ?? {})) assert.deepEqual(c[k], v, k);
}

// ---------------------------------------------------------------------------------------------------------------
// KEDA's metadata table (pkg/scalers/aws_dynamodb_scaler_test.go, dynamoTestCases), one subtest per row, in KEDA's
// order. KEDA asserts that the error contains a text (or the whole parsed struct); each row here matches KEDA's
// text and checks the field the ConfigError names, or the parsed values the row is about.

const keys = { awsAccessKeyId: 'none', awsSecretAccessKey: 'none' };
const keysIdentity = { kind: 'keys', accessKeyId: 'none', secretAccessKey: 'none' };
const base = { tableName: 'test', awsRegion: 'eu-west-1', keyConditionExpression: '#yr = :yyyy' };
const names = '{ "#yr" : "year" }';
const values = '{":yyyy": {"N": "1994"}}';
const full = { ...base, expressionAttributeNames: names, expressionAttributeValues: values, targetValue: '3' };
const parsedQuery = {
  tableName: 'test',
  awsRegion: 'eu-west-1',
  keyConditionExpression: '#yr = :yyyy',
  expressionAttributeNames: { '#yr': 'year' },
  expressionAttributeValues: { ':yyyy': { N: '1994' } },
  targetValue: 3,
};

const kedaRows: KedaRow[] = [
  { name: 'no tableName given', metadata: {}, authParams: {}, error: { field: 'tableName', message: /missing required parameter "tableName"/ } },
  {
    name: 'no awsRegion given',
    metadata: { tableName: 'test' },
    authParams: {},
    error: { field: 'awsRegion', message: /missing required parameter "awsRegion"/ },
  },
  {
    name: 'no keyConditionExpression given',
    metadata: { tableName: 'test', awsRegion: 'eu-west-1' },
    authParams: {},
    error: { field: 'keyConditionExpression', message: /missing required parameter "keyConditionExpression"/ },
  },
  {
    name: 'no expressionAttributeNames given',
    metadata: base,
    authParams: {},
    error: { field: 'expressionAttributeNames', message: /missing required parameter "expressionAttributeNames"/ },
  },
  {
    name: 'no expressionAttributeValues given',
    metadata: { ...base, expressionAttributeNames: names },
    authParams: {},
    error: { field: 'expressionAttributeValues', message: /missing required parameter "expressionAttributeValues"/ },
  },
  // Differs on purpose: KEDA waives targetValue for a ScaledObject with scalingModifiers (AsMetricSource); the
  // parse input here carries no such flag, so Updraft always asks for it (docs/scalers.md).
  {
    name: 'no targetValue given',
    metadata: { ...base, expressionAttributeNames: names, expressionAttributeValues: values },
    authParams: {},
    error: { field: 'targetValue', message: /no targetValue given/ },
  },
  // KEDA: `unable to set param "targetValue" value`; Updraft's typed config says what is valid instead.
  {
    name: 'invalid targetValue given',
    metadata: { ...full, targetValue: 'no-valid' },
    authParams: {},
    error: { field: 'targetValue', message: /^aws-dynamodb: targetValue must be a whole number, got 'no-valid'$/ },
  },
  {
    name: 'invalid activationTargetValue given',
    metadata: { ...full, targetValue: '1', activationTargetValue: 'no-valid' },
    authParams: {},
    error: { field: 'activationTargetValue', message: /^aws-dynamodb: activationTargetValue must be a whole number, got 'no-valid'$/ },
  },
  {
    name: 'malformed expressionAttributeNames',
    metadata: { ...full, expressionAttributeNames: '{ "malformed" }' },
    authParams: {},
    error: { field: 'expressionAttributeNames', message: /error parsing expressionAttributeNames: invalid expressionAttributeNames/ },
  },
  {
    name: 'empty expressionAttributeNames',
    metadata: { ...full, expressionAttributeNames: '{}' },
    authParams: {},
    error: { field: 'expressionAttributeNames', message: /error parsing expressionAttributeNames: empty map/ },
  },
  {
    name: 'malformed expressionAttributeValues (N given as a JSON number)',
    metadata: { ...full, expressionAttributeValues: '{":yyyy": {"N": 1994 }}' },
    authParams: {},
    error: { field: 'expressionAttributeValues', message: /invalid expressionAttributeValues/ },
  },
  { name: 'no aws given', metadata: full, authParams: {}, error: { field: 'awsAccessKeyID', message: /awsAccessKeyID not found/ } },
  {
    name: 'authentication provided',
    metadata: full,
    authParams: keys,
    want: { ...parsedQuery, activationTargetValue: 0, identity: keysIdentity, awsEndpoint: undefined, indexName: undefined },
  },
  {
    name: 'properly formed dynamo name and region with custom endpoint',
    metadata: { ...full, awsEndpoint: 'http://localhost:4566' },
    authParams: keys,
    want: { ...parsedQuery, awsEndpoint: 'http://localhost:4566', identity: keysIdentity },
  },
  {
    name: 'properly formed dynamo name and region with activationTargetValue',
    metadata: { ...full, activationTargetValue: '1' },
    authParams: keys,
    want: { ...parsedQuery, activationTargetValue: 1, identity: keysIdentity },
  },
  {
    name: 'properly formed dynamo name and region with index name',
    metadata: { ...full, indexName: 'test-index' },
    authParams: keys,
    want: { ...parsedQuery, indexName: 'test-index', identity: keysIdentity },
  },
  {
    name: 'with AWS static credentials from TriggerAuthentication, missing Secret Access Key',
    metadata: full,
    authParams: { awsAccessKeyId: 'none' },
    error: { field: 'awsSecretAccessKey', message: /awsSecretAccessKey not found/ },
  },
  {
    name: 'with AWS temporary credentials from TriggerAuthentication, missing Secret Access Key',
    metadata: full,
    authParams: { awsAccessKeyId: 'none', awsSessionToken: 'none' },
    error: { field: 'awsSecretAccessKey', message: /awsSecretAccessKey not found/ },
  },
  {
    name: 'with AWS static credentials from TriggerAuthentication, missing Access Key Id',
    metadata: full,
    authParams: { awsSecretAccessKey: 'none' },
    error: { field: 'awsAccessKeyID', message: /awsAccessKeyID not found/ },
  },
  {
    name: 'with AWS temporary credentials from TriggerAuthentication, missing Access Key Id',
    metadata: full,
    authParams: { awsSecretAccessKey: 'none', awsSessionToken: 'none' },
    error: { field: 'awsAccessKeyID', message: /awsAccessKeyID not found/ },
  },
];

describe("KEDA's metadata table (pkg/scalers/aws_dynamodb_scaler_test.go)", () => {
  for (const [i, r] of kedaRows.entries()) test(`KEDA row ${i}: ${r.name}`, () => checkRow(r));
  test('KEDA row 12 also names its metric s1-aws-dynamodb-test at trigger index 1, target 3', () => {
    assert.deepEqual(descriptor.metricSpecs(parseRow(kedaRows[12]), 1), [
      { metricName: 's1-aws-dynamodb-test', kind: 'External', targetType: 'AverageValue', target: 3 },
    ]);
  });
});

// awsDynamoDBGetMetricTestData (TestDynamoGetMetrics / TestDynamoGetQueryMetrics / TestDynamoIsActive) against
// KEDA's mock: a table Count of 4, 0 for NoValue, 2 through an index, an error for Error.
const mockDb: DynamodbLike = {
  async send(command) {
    const i = command.input;
    if (i.TableName === 'Error') throw new Error('error');
    if (i.TableName === 'NoValue') return { Count: 0 };
    return { Count: i.IndexName ? 2 : 4 };
  },
};
const signal = AbortSignal.timeout(5000);
const cfg = (md: Record<string, string>) => parse({ metadata: { ...full, identityOwner: 'operator', ...md }, authParams: {}, resolvedEnv: {} });
const metricRows: Array<{ name: string; md: Record<string, string>; value?: number; active?: boolean; error?: { message: string } }> = [
  { name: 'ValidTable reads the Count 4, active above activation 0', md: { tableName: 'ValidTable' }, value: 4, active: true },
  { name: 'a DynamoDB API error fails the read', md: { tableName: 'Error' }, error: { message: 'error' } },
  { name: 'NoValue: an empty result is 0 and no error', md: { tableName: 'NoValue' }, value: 0, active: false },
  {
    name: 'Index: the index Query reads 2, not active at activationTargetValue 3',
    md: { tableName: 'Index', indexName: 'test-index', activationTargetValue: '3' },
    value: 2,
    active: false,
  },
];
describe("KEDA's GetMetrics tables (TestDynamoGetMetrics, TestDynamoGetQueryMetrics, TestDynamoIsActive)", () => {
  for (const r of metricRows) {
    test(`KEDA GetMetrics row ${r.md.tableName}: ${r.name}`, async () => {
      const c = cfg(r.md);
      if (r.error) return assert.rejects(readQuery(c, mockDb, 'm', signal), r.error);
      const reading = await readQuery(c, mockDb, 'm', signal);
      assert.deepEqual(reading, { metrics: [{ name: 'm', value: r.value }] });
      assert.equal(reading.metrics[0].value > descriptor.activationThreshold(c), r.active);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// The JSON maps: KEDA's json2Map / json2DynamoMap / attributeValueFromInterface.

const valueRows: Array<[string, string, Record<string, unknown>]> = [
  ['S', '{":v": {"S": "queued"}}', { ':v': { S: 'queued' } }],
  ['N as a string', '{":v": {"N": "-1.5e3"}}', { ':v': { N: '-1.5e3' } }],
  ['BOOL', '{":v": {"BOOL": false}}', { ':v': { BOOL: false } }],
  ["B: the string's own bytes, not base64-decoded (as KEDA)", '{":v": {"B": "aGk="}}', { ':v': { B: new TextEncoder().encode('aGk=') } }],
  ['NULL (whatever its value)', '{":v": {"NULL": "anything"}}', { ':v': { NULL: true } }],
  ['L of typed values', '{":v": {"L": [{"S": "a"}, {"N": "1"}]}}', { ':v': { L: [{ S: 'a' }, { N: '1' }] } }],
  ['M of typed values, nested', '{":v": {"M": {"k": {"M": {"j": {"BOOL": true}}}}}}', { ':v': { M: { k: { M: { j: { BOOL: true } } } } } }],
  ['several placeholders', '{":a": {"S": "x"}, ":b": {"N": "2"}}', { ':a': { S: 'x' }, ':b': { N: '2' } }],
  ['an empty object (KEDA accepts it; DynamoDB then refuses a query that uses a placeholder)', '{}', {}],
  ['null, which Go decodes to an empty map', 'null', {}],
];
for (const [name, raw, want] of valueRows) {
  test(`aws-dynamodb expressionAttributeValues: ${name}`, () => assert.deepEqual(parseAttributeValues(raw), want));
}

const badValueRows: Array<[string, string, RegExp]> = [
  ['not JSON', '{":v": ', /error parsing expressionAttributeValues: .*JSON/],
  ['an array', '[1]', /expected a JSON object/],
  ['a bare string value', '{":v": "queued"}', /unsupported data type for attribute value at :v/],
  ['an unknown type key', '{":v": {"SS": ["a"]}}', /unsupported data type for attribute value: SS/],
  ['N as a JSON number (KEDA ErrAwsDynamoInvalidExpressionAttributeValues)', '{":v": {"N": 5}}', /invalid expressionAttributeValues: :v\.N must be a string/],
  // Differs on purpose: KEDA panics on a wrongly typed S/BOOL/B/L/M value (a Go type assertion); Updraft refuses it.
  ['S that is not a string', '{":v": {"S": 1}}', /:v\.S must be a string/],
  ['BOOL that is not a boolean', '{":v": {"BOOL": "true"}}', /:v\.BOOL must be true or false/],
  ['B that is not a string', '{":v": {"B": 1}}', /:v\.B must be a string/],
  ['L that is not an array', '{":v": {"L": {}}}', /:v\.L must be a JSON array/],
  ['M that is not an object', '{":v": {"M": []}}', /:v\.M must be a JSON object/],
  ['a bad value deep in a list', '{":v": {"L": [{"S": "a"}, {"N": 1}]}}', /:v\.L\[1\]\.N must be a string/],
  ['a bad value deep in a map', '{":v": {"M": {"k": {"X": 1}}}}', /unsupported data type for attribute value: X at :v\.M\.k/],
  // Differs on purpose: KEDA takes whichever key Go's map iteration gives first (or none, a nil value).
  ['two type keys', '{":v": {"S": "a", "N": "1"}}', /must have exactly one type key, got 2/],
  ['no type key', '{":v": {}}', /must have exactly one type key, got 0/],
];
for (const [name, raw, message] of badValueRows) {
  test(`aws-dynamodb expressionAttributeValues error: ${name}`, () => {
    assert.throws(
      () => parseAttributeValues(raw),
      (e: unknown) => {
        assert.ok(e instanceof Error && e.name === 'ConfigError');
        assert.equal((e as { field?: string }).field, 'expressionAttributeValues');
        assert.match(e.message, message);
        return true;
      },
    );
  });
}

const nameRows: Array<[string, string, Record<string, string> | RegExp]> = [
  ['one placeholder', '{"#yr": "year"}', { '#yr': 'year' }],
  ['two placeholders', '{"#a": "status", "#b": "owner"}', { '#a': 'status', '#b': 'owner' }],
  ['not JSON', '{ "malformed" }', /invalid expressionAttributeNames: .*got '\{ "malformed" \}'/],
  ['a non-string value', '{"#yr": 5}', /invalid expressionAttributeNames: expected a JSON object of "#placeholder": "attribute name" strings/],
  ['an array', '["#yr"]', /invalid expressionAttributeNames/],
  ['null', 'null', /invalid expressionAttributeNames/],
  ['an empty object', '{}', /empty map/],
];
for (const [name, raw, want] of nameRows) {
  test(`aws-dynamodb expressionAttributeNames: ${name}`, () => {
    if (want instanceof RegExp) {
      assert.throws(
        () => parseAttributeNames(raw),
        (e: unknown) => e instanceof Error && (e as { field?: string }).field === 'expressionAttributeNames' && want.test(e.message),
      );
    } else {
      assert.deepEqual(parseAttributeNames(raw), want);
    }
  });
}

test('aws-dynamodb: attributeValue names where a bad value sits', () => {
  assert.throws(() => attributeValue(7, ':x'), /unsupported data type for attribute value at :x/);
});

// ---------------------------------------------------------------------------------------------------------------
// The rest of parse, and the Query a read sends.

const op = { identityOwner: 'operator' };
const badRows: Array<[string, Record<string, string>, string, RegExp]> = [
  // Differs on purpose: KEDA accepts 0 and the HPA then refuses the target; Updraft says so at parse time.
  [
    'targetValue 0 is refused (the HPA needs a positive target)',
    { ...full, targetValue: '0', ...op },
    'targetValue',
    /targetValue must be a positive number, got '0'/,
  ],
  [
    'targetValue -1 (KEDA\'s "not given" sentinel) is refused',
    { ...full, targetValue: '-1', ...op },
    'targetValue',
    /targetValue must be a positive number, got '-1'/,
  ],
  ['awsEndpoint must be http(s)', { ...full, awsEndpoint: 'file:///etc/passwd', ...op }, 'awsEndpoint', /awsEndpoint/],
];
for (const [name, md, field, message] of badRows) {
  test(`aws-dynamodb parse error: ${name}`, () => {
    assert.throws(
      () => parse({ metadata: md, authParams: {}, resolvedEnv: {} }),
      (e: unknown) => {
        assert.ok(e instanceof Error && e.name === 'ConfigError');
        assert.equal((e as { field?: string }).field, field);
        assert.match(e.message, message);
        return true;
      },
    );
  });
}

test("aws-dynamodb: the Query asks for COUNT with KEDA's expression, names and values", () => {
  assert.deepEqual(queryInput(cfg({})), {
    TableName: 'test',
    KeyConditionExpression: '#yr = :yyyy',
    ExpressionAttributeNames: { '#yr': 'year' },
    ExpressionAttributeValues: { ':yyyy': { N: '1994' } },
    Select: 'COUNT',
  });
});

test('aws-dynamodb: indexName and filterExpression are sent when set', () => {
  const q = queryInput(cfg({ indexName: 'by-status', filterExpression: 'attribute_exists(#yr)' }));
  assert.equal(q.IndexName, 'by-status');
  assert.equal(q.FilterExpression, 'attribute_exists(#yr)');
});

test('aws-dynamodb: a response without Count is a ReadError', () => {
  assert.throws(
    () => queryCount({}, 't'),
    (e: unknown) => e instanceof ReadError && /Query on table t returned no Count/.test(e.message),
  );
});

test('aws-dynamodb: the read passes the abort signal', async () => {
  let seen: AbortSignal | undefined;
  await readQuery(
    cfg({}),
    {
      async send(_c, o) {
        seen = o?.abortSignal;
        return { Count: 1 };
      },
    },
    'm',
    signal,
  );
  assert.equal(seen, signal);
});
