import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { descriptor, kinesisClient, loadClients, openShardCount, parse, readStream, type KinesisLike } from './aws-kinesis-stream.ts';
import { ReadError } from './scaler.ts';

type PodIdentity = NonNullable<Parameters<typeof parse>[0]['podIdentity']>;

interface KedaRow {
  /** What the row shows, as a sentence (the subtest's name). */
  name: string;
  metadata: Record<string, string>;
  authParams?: Record<string, string>;
  podIdentity?: PodIdentity;
  /** A valid row: parsed values that must match. */
  want?: Record<string, unknown>;
  /** An invalid row: the ConfigError's field and a pattern its message must match (naming that field). */
  error?: { field: string; message: RegExp };
}

const parseRow = (r: KedaRow) =>
  parse({ metadata: r.metadata, authParams: r.authParams ?? {}, resolvedEnv: {}, ...(r.podIdentity ? { podIdentity: r.podIdentity } : {}) });

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
// KEDA's metadata table (pkg/scalers/aws_kinesis_stream_scaler_test.go, testAWSKinesisMetadata), one subtest per
// row in KEDA's order. KEDA checks "parses / does not" and the whole struct; a valid row here checks the values
// the row is about, an invalid row the field its ConfigError names.

const keys = { awsAccessKeyID: 'none', awsSecretAccessKey: 'none' };
const keysIdentity = { kind: 'keys', accessKeyId: 'none', secretAccessKey: 'none' };
const stream = { streamName: 'test', shardCount: '2', awsRegion: 'eu-west-1' };

const kedaRows: KedaRow[] = [
  { name: 'metadata empty', metadata: {}, authParams: keys, error: { field: 'streamName', message: /missing required parameter "streamName"/ } },
  {
    name: 'properly formed stream name and region',
    metadata: { ...stream, activationShardCount: '1' },
    authParams: keys,
    want: { shardCount: 2, activationShardCount: 1, streamName: 'test', awsRegion: 'eu-west-1', identity: keysIdentity },
  },
  {
    name: 'properly formed stream name and region with custom endpoint',
    metadata: { ...stream, activationShardCount: '1', awsEndpoint: 'http://localhost:4566' },
    authParams: keys,
    want: { shardCount: 2, activationShardCount: 1, awsEndpoint: 'http://localhost:4566', identity: keysIdentity },
  },
  {
    name: 'missing stream name',
    metadata: { ...stream, streamName: '' },
    authParams: keys,
    error: { field: 'streamName', message: /missing required parameter "streamName"/ },
  },
  {
    name: 'properly formed stream name, empty region',
    metadata: { ...stream, awsRegion: '' },
    authParams: keys,
    error: { field: 'awsRegion', message: /missing required parameter "awsRegion" in \[triggerMetadata authParams\]/ },
  },
  {
    name: 'properly formed stream name and region, empty shard count: the defaults 2 and 0',
    metadata: { ...stream, shardCount: '', activationShardCount: '' },
    authParams: keys,
    want: { shardCount: 2, activationShardCount: 0, identity: keysIdentity },
  },
  {
    name: 'invalid shardCount value',
    metadata: { ...stream, shardCount: 'a' },
    authParams: keys,
    error: { field: 'shardCount', message: /^aws-kinesis-stream: shardCount must be a whole number, got 'a'$/ },
  },
  {
    name: 'with AWS static credentials from TriggerAuthentication, missing Access Key Id',
    metadata: stream,
    authParams: { awsAccessKeyID: '', awsSecretAccessKey: 'none' },
    error: { field: 'awsAccessKeyID', message: /awsAccessKeyID not found/ },
  },
  {
    name: 'with AWS static credentials from TriggerAuthentication, missing Secret Access Key',
    metadata: stream,
    authParams: { awsAccessKeyID: 'none', awsSecretAccessKey: '' },
    error: { field: 'awsSecretAccessKey', message: /awsSecretAccessKey not found/ },
  },
  {
    name: 'with AWS temporary credentials from TriggerAuthentication',
    metadata: stream,
    authParams: { ...keys, awsSessionToken: 'none' },
    want: { shardCount: 2, activationShardCount: 0, identity: { ...keysIdentity, sessionToken: 'none' } },
  },
  {
    name: 'with AWS temporary credentials from TriggerAuthentication, missing Access Key Id',
    metadata: stream,
    authParams: { awsAccessKeyID: '', awsSecretAccessKey: 'none', awsSessionToken: 'none' },
    error: { field: 'awsAccessKeyID', message: /awsAccessKeyID not found/ },
  },
  {
    name: 'with AWS temporary credentials from TriggerAuthentication, missing Secret Access Key',
    metadata: stream,
    authParams: { awsAccessKeyID: 'none', awsSecretAccessKey: '', awsSessionToken: 'none' },
    error: { field: 'awsSecretAccessKey', message: /awsSecretAccessKey not found/ },
  },
  {
    name: 'with AWS Role from TriggerAuthentication',
    metadata: stream,
    authParams: { awsRoleArn: 'none' },
    want: { identity: { kind: 'role', roleArn: 'none' } },
  },
  {
    name: 'with AWS Role assigned on KEDA operator itself',
    metadata: { ...stream, identityOwner: 'operator' },
    authParams: {},
    want: { identity: { kind: 'operator' } },
  },
];

describe("KEDA's metadata table (pkg/scalers/aws_kinesis_stream_scaler_test.go)", () => {
  for (const [i, r] of kedaRows.entries()) test(`KEDA row ${i}: ${r.name}`, () => checkRow(r));
  // awsKinesisMetricIdentifiers: row 1 at trigger indexes 0 and 1.
  for (const [triggerIndex, name] of [
    [0, 's0-aws-kinesis-test'],
    [1, 's1-aws-kinesis-test'],
  ] as const) {
    test(`KEDA metric name: trigger ${triggerIndex} on stream test is named ${name}`, () => {
      const specs = descriptor.metricSpecs(parseRow(kedaRows[1]), triggerIndex);
      assert.deepEqual(specs, [{ metricName: name, kind: 'External', targetType: 'AverageValue', target: 2 }]);
    });
  }
});

// awsKinesisGetMetricTestData (TestAWSKinesisStreamScalerGetMetrics): a summary of 100 open shards reads 100; an
// API error fails the read.
const mock: KinesisLike = {
  async send(command) {
    if (command.input.StreamName === 'Error') throw new Error('some error');
    return { StreamDescriptionSummary: { OpenShardCount: 100 } as never };
  },
};
const signal = AbortSignal.timeout(5000);

describe("KEDA's GetMetrics table (TestAWSKinesisStreamScalerGetMetrics)", () => {
  test('KEDA GetMetrics row 0: stream Good reads its OpenShardCount, 100', async () => {
    const c = parse({ metadata: { ...stream, streamName: 'Good', identityOwner: 'operator' }, authParams: {}, resolvedEnv: {} });
    assert.deepEqual(await readStream(c, mock, 's0-aws-kinesis-Good', signal), { metrics: [{ name: 's0-aws-kinesis-Good', value: 100 }] });
  });
  test('KEDA GetMetrics row 1: a Kinesis API error fails the read', async () => {
    const c = parse({ metadata: { ...stream, streamName: 'Error', identityOwner: 'operator' }, authParams: {}, resolvedEnv: {} });
    await assert.rejects(readStream(c, mock, 'm', signal), /some error/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Updraft's own rows.

const op = { identityOwner: 'operator' };
const bad: Array<[string, Record<string, string>, string, RegExp]> = [
  // Differs on purpose: KEDA accepts 0 and the HPA then refuses the target; Updraft says so at parse time.
  [
    'shardCount 0 is refused (the HPA needs a positive target)',
    { ...stream, shardCount: '0', ...op },
    'shardCount',
    /shardCount must be a positive number, got '0'/,
  ],
  ['a negative shardCount is refused', { ...stream, shardCount: '-1', ...op }, 'shardCount', /shardCount must be a positive number/],
  ['shardCount 2.5 is not a whole number (KEDA int64)', { ...stream, shardCount: '2.5', ...op }, 'shardCount', /shardCount must be a whole number, got '2\.5'/],
  [
    'activationShardCount must be a whole number',
    { ...stream, activationShardCount: 'x', ...op },
    'activationShardCount',
    /activationShardCount must be a whole number, got 'x'/,
  ],
  ['awsEndpoint must be http(s)', { ...stream, awsEndpoint: 'ftp://x', ...op }, 'awsEndpoint', /awsEndpoint/],
  ['awsEndpoint may not be a cloud metadata address', { ...stream, awsEndpoint: 'http://169.254.169.254', ...op }, 'awsEndpoint', /awsEndpoint/],
  ['a bad identityOwner', { ...stream, identityOwner: 'me' }, 'identityOwner', /identityOwner must be pod or operator, got 'me'/],
];
for (const [name, md, field, message] of bad) {
  test(`aws-kinesis-stream parse error: ${name}`, () => {
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

test('aws-kinesis-stream: awsRegion may come from the TriggerAuthentication', () => {
  const c = parse({ metadata: { streamName: 's', ...op }, authParams: { awsRegion: 'us-east-2' }, resolvedEnv: {} });
  assert.equal(c.awsRegion, 'us-east-2');
});

test('aws-kinesis-stream: the metric name is normalized (dots and colons become dashes)', () => {
  const c = parse({ metadata: { ...stream, streamName: 'orders.v2:eu', ...op }, authParams: {}, resolvedEnv: {} });
  assert.equal(descriptor.metricSpecs(c, 0)[0].metricName, 's0-aws-kinesis-orders-v2-eu');
});

test('aws-kinesis-stream: the read sends DescribeStreamSummary with the stream name and the abort signal', async () => {
  const sent: Array<{ input: unknown; signal: unknown }> = [];
  const k: KinesisLike = {
    async send(command, options) {
      sent.push({ input: command.input, signal: options?.abortSignal });
      return { StreamDescriptionSummary: { OpenShardCount: 3 } as never };
    },
  };
  const c = parse({ metadata: { ...stream, ...op }, authParams: {}, resolvedEnv: {} });
  const r = await readStream(c, k, 'm', signal);
  assert.equal(r.metrics[0].value, 3);
  assert.ok(sent.length === 1 && sent[0].signal === signal);
  assert.deepEqual(sent[0].input, { StreamName: 'test' });
});

test('aws-kinesis-stream: a summary without OpenShardCount is a ReadError, 0 open shards is a value', () => {
  assert.throws(
    () => openShardCount({ StreamDescriptionSummary: undefined }, 's'),
    (e: unknown) => e instanceof ReadError && /returned no OpenShardCount/.test(e.message),
  );
  assert.equal(openShardCount({ StreamDescriptionSummary: { OpenShardCount: 0 } as never }, 's'), 0);
});

test('aws-kinesis-stream: the client speaks HTTP/1.1 through the guarded agents, one attempt per read', async () => {
  const lookup = (() => undefined) as never;
  await loadClients();
  const client = kinesisClient({
    region: 'eu-west-1',
    credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
    requestHandler: { httpAgent: { lookup }, httpsAgent: { lookup } },
  });
  try {
    assert.equal(client.config.requestHandler.constructor.name, 'NodeHttpHandler');
    assert.equal(await client.config.maxAttempts(), 1);
  } finally {
    client.destroy();
  }
});
