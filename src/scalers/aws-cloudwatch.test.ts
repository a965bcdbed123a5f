import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { descriptor, metricDataQuery, parse, queryWindow, valueFromResults } from './aws-cloudwatch.ts';

const base = {
  namespace: 'NS',
  metricName: 'M',
  dimensionName: 'A;B',
  dimensionValue: '1;2',
  targetMetricValue: '2',
  awsRegion: 'us-east-2',
  identityOwner: 'operator',
};
const p = (md: Record<string, string>) => parse({ metadata: md, authParams: {}, resolvedEnv: {} });

test('aws-cloudwatch parse: defaults (stat Average, period 300, collection 300, offset 0, minMetricValue 0, ignoreNullValues true)', () => {
  const c = p(base);
  assert.deepEqual(
    { ...c, identity: undefined },
    {
      query: {
        kind: 'metric',
        namespace: 'NS',
        metricName: 'M',
        dimensions: [
          { Name: 'A', Value: '1' },
          { Name: 'B', Value: '2' },
        ],
        stat: 'Average',
      },
      targetMetricValue: 2,
      activationTargetMetricValue: 0,
      minMetricValue: 0,
      ignoreNullValues: true,
      metricCollectionTime: 300,
      metricStatPeriod: 300,
      metricEndTimeOffset: 0,
      awsRegion: 'us-east-2',
      identity: undefined,
    },
  );
});

test('aws-cloudwatch parse: an expression needs no namespace/metric/dimensions (seed manifest 02 shape)', () => {
  const c = p({ expression: 'SELECT AVG(RequestPerSecond) FROM MyApiNamespace', targetMetricValue: '2', awsRegion: 'us-east-2', identityOwner: 'operator' });
  assert.deepEqual(c.query, { kind: 'expression', expression: 'SELECT AVG(RequestPerSecond) FROM MyApiNamespace' });
  assert.deepEqual(metricDataQuery(c), { Id: 'q1', Expression: 'SELECT AVG(RequestPerSecond) FROM MyApiNamespace', Period: 300 });
});

test('aws-cloudwatch: the metric stat query carries unit and account id', () => {
  assert.deepEqual(
    metricDataQuery(p({ ...base, metricUnit: 'Count', awsAccountId: '123', metricStat: 'p95', metricStatPeriod: '60', metricCollectionTime: '120' })),
    {
      Id: 'c1',
      MetricStat: {
        Metric: {
          Namespace: 'NS',
          MetricName: 'M',
          Dimensions: [
            { Name: 'A', Value: '1' },
            { Name: 'B', Value: '2' },
          ],
        },
        Period: 60,
        Stat: 'p95',
        Unit: 'Count',
      },
      ReturnData: true,
      AccountId: '123',
    },
  );
});

const bad: Array<[string, Record<string, string>, RegExp]> = [
  ['targetMetricValue is required', { ...base, targetMetricValue: '' }, /missing required parameter "targetMetricValue"/],
  ['namespace is required without expression', { ...base, namespace: '' }, /namespace not given/],
  ['metricName is required without expression', { ...base, metricName: '' }, /metric name not given/],
  ['dimension lists must match', { ...base, dimensionValue: '1' }, /dimensionName and dimensionValue are not matching in size/],
  ['metricUnit must be a CloudWatch unit', { ...base, metricUnit: 'Parsecs' }, /metricUnit must be a CloudWatch unit.*got 'Parsecs'/],
  ['metricStatPeriod ≤ 60 must be 1/5/10/30/60', { ...base, metricStatPeriod: '15', metricCollectionTime: '30' }, /must be one of 1, 5, 10, 30, 60, got '15'/],
  ['metricStatPeriod > 60 must be a multiple of 60', { ...base, metricStatPeriod: '90' }, /multiple of 60, got '90'/],
  ['metricCollectionTime must be a multiple of the period', { ...base, metricCollectionTime: '400' }, /multiple of metricStatPeriod \(300\), got '400'/],
  ['awsRegion is required', { ...base, awsRegion: '' }, /missing required parameter "awsRegion"/],
  ['targetMetricValue must be a number', { ...base, targetMetricValue: 'two' }, /targetMetricValue must be a number, got 'two'/],
];
for (const [name, md, message] of bad) {
  test(`aws-cloudwatch parse error: ${name}`, () => assert.throws(() => p(md), { name: 'ConfigError', message }));
}

test('aws-cloudwatch window: end truncated to the period after the offset, start = end − collection time', () => {
  const now = Date.parse('2026-01-01T10:07:42Z');
  const w = queryWindow(now, { metricStatPeriod: 300, metricEndTimeOffset: 0, metricCollectionTime: 600 });
  assert.equal(w.end.toISOString(), '2026-01-01T10:05:00.000Z');
  assert.equal(w.start.toISOString(), '2026-01-01T09:55:00.000Z');
  const o = queryWindow(now, { metricStatPeriod: 60, metricEndTimeOffset: 120, metricCollectionTime: 60 });
  assert.equal(o.end.toISOString(), '2026-01-01T10:05:00.000Z');
});

test('aws-cloudwatch value: newest point; none → minMetricValue; empty values with ignoreNullValues false → error', () => {
  const cfg = { minMetricValue: 1.5, ignoreNullValues: true };
  assert.equal(valueFromResults([{ Values: [7, 3] }], cfg), 7);
  assert.equal(valueFromResults([], cfg), 1.5);
  assert.equal(valueFromResults([{ Values: [] }], cfg), 1.5);
  assert.throws(() => valueFromResults([{ Values: [] }], { ...cfg, ignoreNullValues: false }), /ignoreNullValues is false/);
});

// ---------------------------------------------------------------------------------------------------------------
// KEDA's metadata table (pkg/scalers/aws_cloudwatch_scaler_test.go)
//
// `testAWSCloudwatchMetadata` (TestCloudwatchParseMetadata) and `awsCloudwatchMetricIdentifiers`
// (TestAWSCloudwatchGetMetricSpecForScaling), one subtest per row, in KEDA's order, with KEDA's resolved env; the
// parsed values KEDA checks in TestAWSCloudwatchScalerMultipleDimensions and
// TestCreateCloudwatchMetricDataInput are checked on the rows with the same metadata. KEDA checks only "parses / does
// not"; a valid row here also checks the values the row is about, an invalid row the field its ConfigError names.

interface KedaRow {
  /** What the row shows, as a sentence (the subtest's name). */
  name: string;
  metadata: Record<string, string>;
  authParams: Record<string, string>;
  /** A valid row: parsed values that must match. */
  want?: Record<string, unknown>;
  /** An invalid row: the ConfigError's field and a pattern its message must match (naming that field). */
  error?: { field: string; message: RegExp };
}

const kedaEnv = { AWS_ACCESS_KEY: 'none', AWS_SECRET_ACCESS_KEY: 'none' };
const kedaKeys = { awsAccessKeyId: 'none', awsSecretAccessKey: 'none' };
const keysIdentity = { kind: 'keys', accessKeyId: 'none', secretAccessKey: 'none' };
const sqsMetric = { namespace: 'AWS/SQS', dimensionName: 'QueueName', dimensionValue: 'keda', metricName: 'ApproximateNumberOfMessagesVisible' };
const sqsQuery = {
  kind: 'metric',
  namespace: 'AWS/SQS',
  metricName: 'ApproximateNumberOfMessagesVisible',
  dimensions: [{ Name: 'QueueName', Value: 'keda' }],
  stat: 'Average',
};
const kedaTrigger = { ...sqsMetric, targetMetricValue: '2', activationTargetMetricValue: '0', minMetricValue: '0', awsRegion: 'eu-west-1' };
const kedaNoWindow = { ...sqsMetric, targetMetricValue: '2', minMetricValue: '0', awsRegion: 'eu-west-1' };
/** The metadata of KEDA's credential rows: the SQS metric with every optional window parameter spelled out. */
const kedaWindow = { ...kedaNoWindow, metricCollectionTime: '300', metricStat: 'Average', metricStatPeriod: '300' };
const kedaExpression = "SELECT MIN(MessageCount) FROM \"AWS/AmazonMQ\" WHERE Broker = 'production' and Queue = 'worker'";

const kedaRows: KedaRow[] = [
  // KEDA's error also lists minMetricValue as missing; Updraft requires only targetMetricValue and awsRegion (see
  // the minMetricValue field: it defaults to 0, as KEDA's docs say).
  {
    name: 'an empty metadata map is rejected because targetMetricValue is missing',
    metadata: {},
    authParams: kedaKeys,
    error: { field: 'targetMetricValue', message: /missing required parameter "targetMetricValue"/ },
  },
  {
    name: 'a properly formed metric query with awsRegion parses',
    metadata: kedaTrigger,
    authParams: kedaKeys,
    want: { query: sqsQuery, targetMetricValue: 2, activationTargetMetricValue: 0, minMetricValue: 0, awsRegion: 'eu-west-1', identity: keysIdentity },
  },
  {
    name: 'an expression query parses and wins over namespace and metricName',
    metadata: {
      namespace: 'AWS/SQS',
      expression: kedaExpression,
      metricName: 'ApproximateNumberOfMessagesVisible',
      targetMetricValue: '2',
      activationTargetMetricValue: '0',
      minMetricValue: '0',
      awsRegion: 'eu-west-1',
    },
    authParams: kedaKeys,
    want: { query: { kind: 'expression', expression: kedaExpression } },
  },
  {
    name: 'the optional window parameters and awsEndpoint parse',
    metadata: { ...kedaTrigger, metricCollectionTime: '300', metricStat: 'Average', metricStatPeriod: '300', awsEndpoint: 'http://localhost:4566' },
    authParams: kedaKeys,
    want: { metricCollectionTime: 300, metricStatPeriod: 300, query: sqsQuery, awsEndpoint: 'http://localhost:4566' },
  },
  {
    name: 'an empty awsRegion is rejected',
    metadata: { ...kedaTrigger, awsRegion: '' },
    authParams: kedaKeys,
    error: { field: 'awsRegion', message: /missing required parameter "awsRegion"/ },
  },
  {
    name: 'a metric query without namespace is rejected',
    metadata: {
      dimensionName: 'QueueName',
      dimensionValue: 'keda',
      metricName: 'ApproximateNumberOfMessagesVisible',
      targetMetricValue: '2',
      minMetricValue: '0',
      awsRegion: 'eu-west-1',
    },
    authParams: kedaKeys,
    error: { field: 'namespace', message: /namespace not given/ },
  },
  {
    name: 'a metric query without dimensionName is rejected',
    metadata: {
      namespace: 'AWS/SQS',
      dimensionValue: 'keda',
      metricName: 'ApproximateNumberOfMessagesVisible',
      targetMetricValue: '2',
      minMetricValue: '0',
      awsRegion: 'eu-west-1',
    },
    authParams: kedaKeys,
    error: { field: 'dimensionName', message: /dimension name not given; set metadata\.dimensionName/ },
  },
  {
    name: 'a metric query without dimensionValue is rejected',
    metadata: {
      namespace: 'AWS/SQS',
      dimensionName: 'QueueName',
      metricName: 'ApproximateNumberOfMessagesVisible',
      targetMetricValue: '2',
      minMetricValue: '0',
      awsRegion: 'eu-west-1',
    },
    authParams: kedaKeys,
    error: { field: 'dimensionValue', message: /dimension value not given; set metadata\.dimensionValue/ },
  },
  {
    name: 'a metric query without metricName is rejected',
    metadata: { namespace: 'AWS/SQS', dimensionName: 'QueueName', dimensionValue: 'keda', targetMetricValue: '2', minMetricValue: '0', awsRegion: 'eu-west-1' },
    authParams: kedaKeys,
    error: { field: 'metricName', message: /metric name not given; set metadata\.metricName/ },
  },
  {
    name: 'static access keys from the TriggerAuthentication are the identity',
    metadata: kedaWindow,
    authParams: { awsAccessKeyId: 'none', awsSecretAccessKey: 'none' },
    want: { identity: keysIdentity },
  },
  {
    name: 'temporary credentials from the TriggerAuthentication keep their session token',
    metadata: kedaWindow,
    authParams: { awsAccessKeyId: 'none', awsSecretAccessKey: 'none', awsSessionToken: 'none' },
    want: { identity: { ...keysIdentity, sessionToken: 'none' } },
  },
  {
    name: 'an awsRoleArn from the TriggerAuthentication is assumed',
    metadata: kedaWindow,
    authParams: { awsRoleArn: 'none' },
    want: { identity: { kind: 'role', roleArn: 'none' } },
  },
  {
    name: "identityOwner operator uses the operator's own credentials",
    metadata: { ...kedaWindow, identityOwner: 'operator' },
    authParams: {},
    want: { identity: { kind: 'operator' } },
  },
  {
    name: 'a metricCollectionTime that is not a number is rejected',
    metadata: { ...kedaWindow, metricCollectionTime: 'a', identityOwner: 'operator' },
    authParams: {},
    error: { field: 'metricCollectionTime', message: /metricCollectionTime must be a whole number, got 'a'/ },
  },
  {
    name: 'a metricStatPeriod that is not a number is rejected',
    metadata: { ...kedaWindow, metricStatPeriod: 'a', identityOwner: 'operator' },
    authParams: {},
    error: { field: 'metricStatPeriod', message: /metricStatPeriod must be a whole number, got 'a'/ },
  },
  {
    name: 'a missing metricCollectionTime defaults to 300 seconds',
    metadata: { ...kedaNoWindow, metricStat: 'Average', metricStatPeriod: '300' },
    authParams: kedaKeys,
    want: { metricCollectionTime: 300 },
  },
  {
    name: 'a missing metricStat defaults to Average',
    metadata: { ...kedaNoWindow, metricCollectionTime: '300', metricStatPeriod: '300' },
    authParams: kedaKeys,
    want: { query: sqsQuery },
  },
  {
    name: 'a missing metricStatPeriod defaults to 300 seconds',
    metadata: { ...kedaNoWindow, metricCollectionTime: '300', metricStat: 'Average' },
    authParams: kedaKeys,
    want: { metricStatPeriod: 300 },
  },
  {
    name: 'a supported metricUnit and a metricEndTimeOffset parse',
    metadata: { ...kedaNoWindow, metricStat: 'Average', metricUnit: 'Count', metricEndTimeOffset: '60' },
    authParams: kedaKeys,
    want: { query: { ...sqsQuery, unit: 'Count' }, metricEndTimeOffset: 60 },
  },
  {
    name: 'a metricCollectionTime smaller than (so not a multiple of) metricStatPeriod is rejected',
    metadata: { ...kedaNoWindow, metricStatPeriod: '300', metricCollectionTime: '100', metricStat: 'Average' },
    authParams: kedaKeys,
    error: { field: 'metricCollectionTime', message: /metricCollectionTime must be 0 or more and a multiple of metricStatPeriod \(300\), got '100'/ },
  },
  {
    name: 'a metricStatPeriod above 60 that is not a multiple of 60 is rejected',
    metadata: { ...kedaNoWindow, metricStatPeriod: '250', metricStat: 'Average' },
    authParams: kedaKeys,
    error: { field: 'metricStatPeriod', message: /metricStatPeriod above 60 must be a multiple of 60, got '250'/ },
  },
  {
    name: 'a metricStatPeriod up to 60 that CloudWatch does not store is rejected',
    metadata: { ...kedaNoWindow, metricStatPeriod: '25', metricStat: 'Average' },
    authParams: kedaKeys,
    error: { field: 'metricStatPeriod', message: /metricStatPeriod up to 60 must be one of 1, 5, 10, 30, 60, got '25'/ },
  },
  // The row's metricStatPeriod (25) is also invalid; like KEDA, the unit is checked first.
  {
    name: 'a metricUnit that is not a CloudWatch unit is rejected',
    metadata: { ...kedaNoWindow, metricStatPeriod: '25', metricStat: 'Average', metricUnit: 'Hour' },
    authParams: kedaKeys,
    error: { field: 'metricUnit', message: /metricUnit must be a CloudWatch unit .*got 'Hour'/ },
  },
  {
    name: 'ignoreNullValues false parses',
    metadata: { ...kedaNoWindow, metricStatPeriod: '60', metricStat: 'Average', ignoreNullValues: 'false' },
    authParams: kedaKeys,
    want: { ignoreNullValues: false, metricStatPeriod: 60, metricCollectionTime: 300 },
  },
  {
    name: 'ignoreNullValues true parses',
    metadata: { ...kedaNoWindow, metricStatPeriod: '60', metricStat: 'Average', ignoreNullValues: 'true' },
    authParams: kedaKeys,
    want: { ignoreNullValues: true },
  },
  {
    name: 'an ignoreNullValues that is not a boolean is rejected',
    metadata: { ...kedaNoWindow, metricStatPeriod: '60', metricStat: 'Average', ignoreNullValues: 'maybe' },
    authParams: kedaKeys,
    error: { field: 'ignoreNullValues', message: /ignoreNullValues must be true or false, got 'maybe'/ },
  },
  // TestAWSCloudwatchScalerMultipleDimensions checks these names and values on the same metadata.
  {
    name: 'dimensionName and dimensionValue separated by ; become one dimension per pair',
    metadata: {
      namespace: 'AWS/SQS',
      dimensionName: 'QueueName;Region',
      dimensionValue: 'queue1;us-west-2',
      metricName: 'ApproximateNumberOfMessagesVisible',
      targetMetricValue: '5',
      minMetricValue: '1',
      metricStat: 'Average',
      awsRegion: 'us-west-2',
    },
    authParams: kedaKeys,
    want: {
      query: {
        kind: 'metric',
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: [
          { Name: 'QueueName', Value: 'queue1' },
          { Name: 'Region', Value: 'us-west-2' },
        ],
        stat: 'Average',
      },
      targetMetricValue: 5,
      minMetricValue: 1,
      awsRegion: 'us-west-2',
    },
  },
  // TestCreateCloudwatchMetricDataInput checks awsAccountId on the same metadata.
  {
    name: 'an awsAccountId for a metric of another account is kept',
    metadata: { ...kedaTrigger, awsAccountId: '123456789012' },
    authParams: kedaKeys,
    want: { awsAccountId: '123456789012' },
  },
  {
    name: 'an access key id without a secret is rejected',
    metadata: kedaTrigger,
    authParams: { awsAccessKeyId: 'none' },
    error: { field: 'awsSecretAccessKey', message: /awsSecretAccessKey not found/ },
  },
  {
    name: 'an access key id with a session token but without a secret is rejected',
    metadata: kedaTrigger,
    authParams: { awsAccessKeyId: 'none', awsSessionToken: 'none' },
    error: { field: 'awsSecretAccessKey', message: /awsSecretAccessKey not found/ },
  },
  {
    name: 'a secret without an access key id is rejected',
    metadata: kedaTrigger,
    authParams: { awsSecretAccessKey: 'none' },
    error: { field: 'awsAccessKeyID', message: /awsAccessKeyID not found/ },
  },
  {
    name: 'a secret with a session token but without an access key id is rejected',
    metadata: kedaTrigger,
    authParams: { awsSecretAccessKey: 'none', awsSessionToken: 'none' },
    error: { field: 'awsAccessKeyID', message: /awsAccessKeyID not found/ },
  },
];

describe("KEDA's metadata table (pkg/scalers/aws_cloudwatch_scaler_test.go)", () => {
  for (const [i, r] of kedaRows.entries()) {
    test(`KEDA row ${i}: ${r.name}`, () => {
      if (r.error) return assertConfigError(() => parseRow(r), r.error.field, r.error.message);
      const c = parseRow(r) as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(r.want ?? {})) assert.deepEqual(c[k], v, k);
    });
  }
  // awsCloudwatchMetricIdentifiers: KEDA rows 1 (metric query) and 2 (expression); the name is s<index>-aws-cloudwatch.
  for (const [row, triggerIndex, name] of [
    [1, 0, 's0-aws-cloudwatch'],
    [1, 3, 's3-aws-cloudwatch'],
    [2, 5, 's5-aws-cloudwatch'],
  ] as const) {
    test(`KEDA metric name: KEDA row ${row} as trigger ${triggerIndex} is named ${name}`, () => {
      assert.equal(descriptor.metricSpecs(parseRow(kedaRows[row]), triggerIndex)[0].metricName, name);
    });
  }
});

function parseRow(r: KedaRow) {
  return parse({ metadata: r.metadata, authParams: r.authParams, resolvedEnv: kedaEnv });
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
