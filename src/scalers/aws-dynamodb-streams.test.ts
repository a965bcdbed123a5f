import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  countShards,
  descriptor,
  latestStreamArn,
  loadClients,
  MAX_PAGES,
  parse,
  streamsClients,
  streamsReader,
  type StreamsClients,
} from './aws-dynamodb-streams.ts';
import { ReadError } from './scaler.ts';

interface KedaRow {
  name: string;
  metadata: Record<string, string>;
  authParams: Record<string, string>;
  want?: Record<string, unknown>;
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
// KEDA's metadata table (pkg/scalers/aws_dynamodb_streams_scaler_test.go, testAwsDynamoDBStreamMetadata), one
// subtest per row in KEDA's order (KEDA's rows use the Kinesis test's keys, awsAccessKeyID / awsSecretAccessKey).

const keys = { awsAccessKeyID: 'none', awsSecretAccessKey: 'none' };
const keysIdentity = { kind: 'keys', accessKeyId: 'none', secretAccessKey: 'none' };
const REGION = 'ap-northeast-1';
const table = { tableName: 'smalltable', shardCount: '2', awsRegion: REGION };

const kedaRows: KedaRow[] = [
  { name: 'metadata empty', metadata: {}, authParams: keys, error: { field: 'tableName', message: /missing required parameter "tableName"/ } },
  {
    name: 'properly formed dynamodb table name and region',
    metadata: { ...table, activationShardCount: '1' },
    authParams: keys,
    want: { shardCount: 2, activationShardCount: 1, tableName: 'smalltable', awsRegion: REGION, identity: keysIdentity },
  },
  {
    name: 'properly formed dynamodb table name and region, with a custom endpoint',
    metadata: { ...table, activationShardCount: '1', awsEndpoint: 'http://localhost:4566' },
    authParams: keys,
    want: { shardCount: 2, activationShardCount: 1, awsEndpoint: 'http://localhost:4566', identity: keysIdentity },
  },
  {
    name: 'missing dynamodb table name',
    metadata: { ...table, tableName: '' },
    authParams: keys,
    error: { field: 'tableName', message: /missing required parameter "tableName"/ },
  },
  {
    name: 'properly formed dynamodb table name, empty region',
    metadata: { ...table, awsRegion: '' },
    authParams: keys,
    error: { field: 'awsRegion', message: /missing required parameter "awsRegion" in \[triggerMetadata authParams\]/ },
  },
  {
    name: 'properly formed table name and region, empty shard count: the defaults 2 and 0',
    metadata: { ...table, shardCount: '' },
    authParams: keys,
    want: { shardCount: 2, activationShardCount: 0 },
  },
  {
    name: 'invalid value - should cause error',
    metadata: { ...table, shardCount: 'a' },
    authParams: keys,
    error: { field: 'shardCount', message: /^aws-dynamodb-streams: shardCount must be a whole number, got 'a'$/ },
  },
  {
    name: 'with AWS static credentials from TriggerAuthentication, missing Access Key Id',
    metadata: table,
    authParams: { awsAccessKeyID: '', awsSecretAccessKey: 'none' },
    error: { field: 'awsAccessKeyID', message: /awsAccessKeyID not found/ },
  },
  {
    name: 'with AWS static credentials from TriggerAuthentication, missing Secret Access Key',
    metadata: table,
    authParams: { awsAccessKeyID: 'none', awsSecretAccessKey: '' },
    error: { field: 'awsSecretAccessKey', message: /awsSecretAccessKey not found/ },
  },
  {
    name: 'with AWS temporary credentials from TriggerAuthentication',
    metadata: table,
    authParams: { ...keys, awsSessionToken: 'none' },
    want: { shardCount: 2, identity: { ...keysIdentity, sessionToken: 'none' } },
  },
  {
    name: 'with AWS temporary credentials from TriggerAuthentication, missing Access Key Id',
    metadata: table,
    authParams: { awsAccessKeyID: '', awsSecretAccessKey: 'none', awsSessionToken: 'none' },
    error: { field: 'awsAccessKeyID', message: /awsAccessKeyID not found/ },
  },
  {
    name: 'with AWS temporary credentials from TriggerAuthentication, missing Secret Access Key',
    metadata: table,
    authParams: { awsAccessKeyID: 'none', awsSecretAccessKey: '', awsSessionToken: 'none' },
    error: { field: 'awsSecretAccessKey', message: /awsSecretAccessKey not found/ },
  },
  {
    name: 'with AWS Role from TriggerAuthentication',
    metadata: table,
    authParams: { awsRoleArn: 'none' },
    want: { identity: { kind: 'role', roleArn: 'none' } },
  },
  {
    name: 'with AWS Role assigned on KEDA operator itself',
    metadata: { ...table, identityOwner: 'operator' },
    authParams: {},
    want: { identity: { kind: 'operator' } },
  },
];

describe("KEDA's metadata table (pkg/scalers/aws_dynamodb_streams_scaler_test.go)", () => {
  for (const [i, r] of kedaRows.entries()) test(`KEDA row ${i}: ${r.name}`, () => checkRow(r));
  // awsDynamoDBStreamMetricIdentifiers: row 1 at trigger indexes 0 and 1.
  for (const [triggerIndex, name] of [
    [0, 's0-aws-dynamodb-streams-smalltable'],
    [1, 's1-aws-dynamodb-streams-smalltable'],
  ] as const) {
    test(`KEDA metric name: trigger ${triggerIndex} on smalltable is named ${name}`, () => {
      assert.deepEqual(descriptor.metricSpecs(parseRow(kedaRows[1]), triggerIndex), [
        { metricName: name, kind: 'External', targetType: 'AverageValue', target: 2 },
      ]);
    });
  }
});

// KEDA's mocks: smalltable's stream has 5 shards on one page; bigtable's has 100 + 5 on two pages (the second asked
// for with ExclusiveStartShardId); errortable's DescribeStream fails; invalidtable's DescribeTable fails.
function kedaMock(calls: Array<{ op: string; input: Record<string, unknown> }> = []): StreamsClients {
  const shards = (n: number) => Array.from({ length: n }, (_, i) => ({ ShardId: `shard-${i}` }));
  return {
    db: {
      async send(command) {
        const t = command.input.TableName;
        calls.push({ op: 'DescribeTable', input: { ...command.input } });
        if (t === 'invalidtable') throw new Error('DynamoDB Stream Arn is invalid');
        const arn = t === 'errortable' ? 'errorarn' : t === 'bigtable' ? 'bigstreamarn' : t === 'nostream' ? undefined : 'smallstreamarn';
        return { Table: arn ? { LatestStreamArn: arn } : {} };
      },
    },
    streams: {
      async send(command) {
        const i = command.input;
        calls.push({ op: 'DescribeStream', input: { ...i } });
        if (i.StreamArn === 'errorarn') throw new Error('Error dynamodbstream DescribeStream');
        if (i.StreamArn === 'bigstreamarn') {
          return i.ExclusiveStartShardId
            ? { StreamDescription: { Shards: shards(5) } }
            : { StreamDescription: { Shards: shards(100), LastEvaluatedShardId: 'testid' } };
        }
        return { StreamDescription: { Shards: shards(5) } };
      },
    },
    destroy() {},
  };
}

const signal = AbortSignal.timeout(5000);
const cfg = (tableName: string, md: Record<string, string> = {}) =>
  parse({ metadata: { ...table, tableName, identityOwner: 'operator', ...md }, authParams: {}, resolvedEnv: {} });
const metricRows: Array<{ table: string; name: string; value?: number; error?: RegExp }> = [
  { table: 'bigtable', name: 'two pages of shards (100 + 5) count 105', value: 105 },
  { table: 'smalltable', name: 'one page of 5 shards counts 5', value: 5 },
  { table: 'errortable', name: 'a DynamoDB Streams API error fails the read', error: /Error dynamodbstream DescribeStream/ },
  { table: 'invalidtable', name: 'a DynamoDB API error (DescribeTable) fails the read', error: /DynamoDB Stream Arn is invalid/ },
];
describe("KEDA's GetMetrics / IsActive tables (TestAwsDynamoDBStreamsScalerGetMetrics, TestAwsDynamoDBStreamsScalerIsActive)", () => {
  for (const r of metricRows) {
    test(`KEDA GetMetrics row ${r.table}: ${r.name}`, async () => {
      const c = cfg(r.table);
      const read = streamsReader(c, 'm');
      if (r.error) return assert.rejects(read(kedaMock(), signal), r.error);
      const reading = await read(kedaMock(), signal);
      assert.deepEqual(reading, { metrics: [{ name: 'm', value: r.value }] });
      assert.ok(reading.metrics[0].value > descriptor.activationThreshold(c), 'active (KEDA IsActive: true)');
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Updraft's own rows: the requests, the ARN cache, the page guard.

test("aws-dynamodb-streams: the second page is asked for with ExclusiveStartShardId = the first page's LastEvaluatedShardId", async () => {
  const calls: Array<{ op: string; input: Record<string, unknown> }> = [];
  await streamsReader(cfg('bigtable'), 'm')(kedaMock(calls), signal);
  assert.deepEqual(calls, [
    { op: 'DescribeTable', input: { TableName: 'bigtable' } },
    { op: 'DescribeStream', input: { StreamArn: 'bigstreamarn' } },
    { op: 'DescribeStream', input: { StreamArn: 'bigstreamarn', ExclusiveStartShardId: 'testid' } },
  ]);
});

test('aws-dynamodb-streams: the stream ARN is looked up once and kept across reads', async () => {
  const calls: Array<{ op: string; input: Record<string, unknown> }> = [];
  const read = streamsReader(cfg('smalltable'), 'm');
  const clients = kedaMock(calls);
  await read(clients, signal);
  await read(clients, signal);
  assert.deepEqual(
    calls.map((c) => c.op),
    ['DescribeTable', 'DescribeStream', 'DescribeStream'],
  );
});

test('aws-dynamodb-streams: after a failed read the ARN is looked up again (KEDA rebuilds a failing scaler)', async () => {
  const calls: Array<{ op: string; input: Record<string, unknown> }> = [];
  const clients = kedaMock(calls);
  let fail = true;
  const flaky: StreamsClients = {
    ...clients,
    streams: {
      send: async (c, o) => {
        if (fail) throw new Error('ResourceNotFound');
        return clients.streams.send(c, o);
      },
    },
  };
  const read = streamsReader(cfg('smalltable'), 'm');
  await assert.rejects(read(flaky, signal), /ResourceNotFound/);
  fail = false;
  assert.equal((await read(flaky, signal)).metrics[0].value, 5);
  assert.deepEqual(
    calls.map((c) => c.op),
    ['DescribeTable', 'DescribeTable', 'DescribeStream'],
  );
});

test("aws-dynamodb-streams: a table without a stream is a bad-query ReadError with KEDA's wording", async () => {
  await assert.rejects(
    latestStreamArn(kedaMock(), 'nostream', signal),
    (e: unknown) =>
      e instanceof ReadError && e.kind === 'bad-query' && /dynamodb stream arn for the table nostream is empty; enable DynamoDB Streams/.test(e.message),
  );
});

test('aws-dynamodb-streams: a stream that repeats its LastEvaluatedShardId is an error, not a loop', async () => {
  const clients = { streams: { send: async () => ({ StreamDescription: { Shards: [{}], LastEvaluatedShardId: 'same' } }) } };
  await assert.rejects(countShards(clients, 'arn', signal), /returned the same LastEvaluatedShardId same twice/);
});

test(`aws-dynamodb-streams: paging stops with an error after ${MAX_PAGES} pages`, async () => {
  let n = 0;
  const clients = { streams: { send: async () => ({ StreamDescription: { Shards: [{}], LastEvaluatedShardId: `s${n++}` } }) } };
  await assert.rejects(countShards(clients, 'arn', signal), /still had more shards after 1000 pages/);
  assert.equal(n, MAX_PAGES);
});

test('aws-dynamodb-streams: a page without shards counts 0', async () => {
  assert.equal(await countShards({ streams: { send: async () => ({ StreamDescription: {} }) } }, 'arn', signal), 0);
});

const bad: Array<[string, Record<string, string>, string, RegExp]> = [
  // Differs on purpose: KEDA accepts 0 and the HPA then refuses the target; Updraft says so at parse time.
  [
    'shardCount 0 is refused (the HPA needs a positive target)',
    { ...table, shardCount: '0', identityOwner: 'operator' },
    'shardCount',
    /shardCount must be a positive number, got '0'/,
  ],
  [
    'activationShardCount must be a whole number',
    { ...table, activationShardCount: '1.5', identityOwner: 'operator' },
    'activationShardCount',
    /activationShardCount must be a whole number, got '1\.5'/,
  ],
  [
    'awsEndpoint may not be a cloud metadata address',
    { ...table, awsEndpoint: 'http://169.254.169.254/', identityOwner: 'operator' },
    'awsEndpoint',
    /awsEndpoint/,
  ],
];
for (const [name, md, field, message] of bad) {
  test(`aws-dynamodb-streams parse error: ${name}`, () => {
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

test('aws-dynamodb-streams: one shared entry holds a DynamoDB and a DynamoDB Streams client, destroyed together', async () => {
  const lookup = (() => undefined) as never;
  await loadClients();
  const c = streamsClients({
    region: REGION,
    credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
    requestHandler: { httpAgent: { lookup }, httpsAgent: { lookup } },
  });
  const both = c as unknown as { db: { config: { maxAttempts(): Promise<number> } }; streams: { config: { maxAttempts(): Promise<number> } } };
  assert.equal(await both.db.config.maxAttempts(), 1);
  assert.equal(await both.streams.config.maxAttempts(), 1);
  c.destroy();
});
