import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { descriptor, parse, queueValue } from './aws-sqs-queue.ts';

const Q = 'https://sqs.eu-west-1.amazonaws.com/111122223333/orders';
const p = (metadata: Record<string, string>, authParams: Record<string, string> = {}) => parse({ metadata, authParams, resolvedEnv: { QURL: Q } });
const op = { identityOwner: 'operator' };

const ok: Array<[string, Record<string, string>, Record<string, unknown>]> = [
  [
    'defaults: queueLength 5, activation 0, in-flight counted, delayed not',
    { queueURL: Q, awsRegion: 'eu-west-1', ...op },
    {
      queueLength: 5,
      activationQueueLength: 0,
      scaleOnInFlight: true,
      scaleOnDelayed: false,
      queueName: 'orders',
      attributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    },
  ],
  [
    'scaleOnDelayed adds the delayed attribute',
    { queueURL: Q, awsRegion: 'eu-west-1', scaleOnInFlight: 'false', scaleOnDelayed: 'true', ...op },
    { attributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed'] },
  ],
  ['awsRegion is derived from a standard SQS URL when absent (Updraft)', { queueURL: Q, ...op }, { awsRegion: 'eu-west-1', regionSource: 'queueURL' }],
  ['an explicit awsRegion wins over the URL', { queueURL: Q, awsRegion: 'us-east-1', ...op }, { awsRegion: 'us-east-1', regionSource: 'configured' }],
  ['a bare name is a queue name', { queueURL: 'orders', awsRegion: 'eu-west-1', ...op }, { queueName: 'orders', queueURL: 'orders' }],
  ['queueURLFromEnv', { queueURLFromEnv: 'QURL', awsRegion: 'eu-west-1', ...op }, { queueURL: Q }],
  ['awsEndpoint', { queueURL: Q, awsEndpoint: 'http://127.0.0.1:5000', ...op }, { awsEndpoint: 'http://127.0.0.1:5000' }],
  ['identityOwner operator uses the operator identity', { queueURL: Q, ...op }, { identity: { kind: 'operator' } }],
];
for (const [name, md, want] of ok) {
  test(`aws-sqs-queue parse: ${name}`, () => {
    const c = p(md) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(want)) assert.deepEqual(c[k], v, k);
  });
}

test('aws-sqs-queue parse: access keys from the TriggerAuthentication', () => {
  assert.deepEqual(p({ queueURL: Q }, { awsAccessKeyId: 'AKIA1', awsSecretAccessKey: 's', awsSessionToken: 't' }).identity, {
    kind: 'keys',
    accessKeyId: 'AKIA1',
    secretAccessKey: 's',
    sessionToken: 't',
  });
  assert.deepEqual(p({ queueURL: Q }, { awsRoleArn: 'arn:aws:iam::1:role/r' }).identity, { kind: 'role', roleArn: 'arn:aws:iam::1:role/r' });
});

const bad: Array<[string, Record<string, string>, RegExp]> = [
  ['queueURL is required', { awsRegion: 'eu-west-1', ...op }, /^aws-sqs-queue: missing required parameter "queueURL"/],
  ['a URL needs /<account>/<name>', { queueURL: 'https://sqs.eu-west-1.amazonaws.com/1', ...op }, /cannot get queueName from queueURL/],
  ['queueLength must be a number', { queueURL: Q, queueLength: 'five', ...op }, /^aws-sqs-queue: queueLength must be a whole number, got 'five'$/],
  ['queueLength must be positive', { queueURL: Q, queueLength: '0', ...op }, /queueLength must be a positive number, got '0'/],
  ['a non-AWS URL needs awsRegion', { queueURL: 'http://localhost:4566/000000000000/q', ...op }, /missing required parameter "awsRegion"/],
  ['without identityOwner, keys are needed (KEDA text)', { queueURL: Q }, /awsAccessKeyID not found/],
  ['a bad identityOwner', { queueURL: Q, identityOwner: 'me' }, /identityOwner must be pod or operator, got 'me'/],
];
for (const [name, md, message] of bad) {
  test(`aws-sqs-queue parse error: ${name}`, () => assert.throws(() => p(md), { name: 'ConfigError', message }));
}

test('aws-sqs-queue: a key id without a secret is an error that never shows the key', () => {
  assert.throws(
    () => p({ queueURL: Q }, { awsAccessKeyID: 'AKIASECRETID' }),
    (e: Error) => /awsSecretAccessKey not found/.test(e.message) && !e.message.includes('AKIASECRETID'),
  );
});

test('aws-sqs-queue value is the sum of the asked attributes; a missing one is an error', () => {
  assert.equal(
    queueValue({ ApproximateNumberOfMessages: '3', ApproximateNumberOfMessagesNotVisible: '4' }, [
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesNotVisible',
    ]),
    7,
  );
  assert.throws(
    () => queueValue({ ApproximateNumberOfMessages: '3' }, ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed']),
    /metric ApproximateNumberOfMessagesDelayed not found in SQS queue attributes/,
  );
});

// ---------------------------------------------------------------------------------------------------------------
// KEDA's metadata table (pkg/scalers/aws_sqs_queue_scaler_test.go)
//
// `testAWSSQSMetadata` (TestSQSParseMetadata), the cases of TestQueueURLFromEnvResolution and
// `awsSQSMetricIdentifiers` (TestAWSSQSGetMetricSpecForScaling), one subtest per row, in KEDA's order. KEDA checks only
// "parses / does not" (and the queue URL); a valid row here also checks the values
// the row is about, an invalid row the field its ConfigError names.

type PodIdentity = NonNullable<Parameters<typeof parse>[0]['podIdentity']>;

interface KedaRow {
  /** What the row shows, as a sentence (the subtest's name). */
  name: string;
  metadata: Record<string, string>;
  authParams?: Record<string, string>;
  resolvedEnv?: Record<string, string>;
  podIdentity?: PodIdentity;
  /** A valid row: parsed values that must match. */
  want?: Record<string, unknown>;
  /** An invalid row: the ConfigError's field and a pattern its message must match (naming that field). */
  error?: { field: string; message: RegExp };
}

const KEDA_QUEUE = 'https://sqs.eu-west-1.amazonaws.com/account_id/DeleteArtifactQ';
const kedaKeys = { awsAccessKeyId: 'none', awsSecretAccessKey: 'none' };
const noPodIdentity: PodIdentity = { provider: 'none' };
const kedaQueue = { queueURL: KEDA_QUEUE, queueLength: '1', awsRegion: 'eu-west-1' };
const keysIdentity = { kind: 'keys', accessKeyId: 'none', secretAccessKey: 'none' };

const kedaRows: KedaRow[] = [
  {
    name: 'an empty metadata map is rejected because queueURL is missing',
    metadata: {},
    authParams: kedaKeys,
    podIdentity: noPodIdentity,
    error: { field: 'queueURL', message: /missing required parameter "queueURL"/ },
  },
  {
    name: 'a properly formed queue URL and region parse, the queue name being the last path segment',
    metadata: kedaQueue,
    authParams: kedaKeys,
    podIdentity: noPodIdentity,
    want: { queueURL: KEDA_QUEUE, queueName: 'DeleteArtifactQ', queueLength: 1, awsRegion: 'eu-west-1', regionSource: 'configured', identity: keysIdentity },
  },
  {
    name: 'a custom awsEndpoint is kept for the SQS client',
    metadata: { ...kedaQueue, awsEndpoint: 'http://localhost:4566' },
    authParams: kedaKeys,
    podIdentity: noPodIdentity,
    want: { awsEndpoint: 'http://localhost:4566', queueName: 'DeleteArtifactQ' },
  },
  {
    name: 'a queue URL whose path lacks the queue name is rejected',
    metadata: { ...kedaQueue, queueURL: 'https://sqs.eu-west-1.amazonaws.com/account_id' },
    authParams: kedaKeys,
    podIdentity: noPodIdentity,
    error: { field: 'queueURL', message: /cannot get queueName from queueURL/ },
  },
  {
    name: 'a queue URL without any path is rejected',
    metadata: { ...kedaQueue, queueURL: 'https://sqs.eu-west-1.amazonaws.com' },
    authParams: kedaKeys,
    podIdentity: noPodIdentity,
    error: { field: 'queueURL', message: /cannot get queueName from queueURL/ },
  },
  // Differs on purpose: KEDA rejects an empty awsRegion. A standard https://sqs.<region>.amazonaws.com/ URL can only
  // be served by that region, so Updraft takes the region from it (a non-AWS URL still needs awsRegion).
  {
    name: 'an empty awsRegion is taken from the host of a standard SQS queue URL',
    metadata: { ...kedaQueue, awsRegion: '' },
    authParams: kedaKeys,
    podIdentity: noPodIdentity,
    want: { awsRegion: 'eu-west-1', regionSource: 'queueURL' },
  },
  { name: 'an integer queueLength parses', metadata: kedaQueue, authParams: kedaKeys, podIdentity: noPodIdentity, want: { queueLength: 1 } },
  {
    name: 'a queueLength that is not an integer is rejected',
    metadata: { ...kedaQueue, queueLength: 'a' },
    authParams: kedaKeys,
    podIdentity: noPodIdentity,
    error: { field: 'queueLength', message: /queueLength must be a whole number, got 'a'/ },
  },
  {
    name: 'an integer activationQueueLength parses',
    metadata: { ...kedaQueue, activationQueueLength: '1' },
    authParams: kedaKeys,
    podIdentity: noPodIdentity,
    want: { activationQueueLength: 1 },
  },
  {
    name: 'an activationQueueLength that is not an integer is rejected',
    metadata: { ...kedaQueue, activationQueueLength: 'a' },
    authParams: kedaKeys,
    podIdentity: noPodIdentity,
    error: { field: 'activationQueueLength', message: /activationQueueLength must be a whole number, got 'a'/ },
  },
  {
    name: 'static access keys from the TriggerAuthentication are the identity',
    metadata: kedaQueue,
    authParams: { awsAccessKeyId: 'none', awsSecretAccessKey: 'none' },
    podIdentity: noPodIdentity,
    want: { identity: keysIdentity },
  },
  {
    name: 'temporary credentials from the TriggerAuthentication keep their session token',
    metadata: kedaQueue,
    authParams: { awsAccessKeyId: 'none', awsSecretAccessKey: 'none', awsSessionToken: 'none' },
    podIdentity: noPodIdentity,
    want: { identity: { ...keysIdentity, sessionToken: 'none' } },
  },
  {
    name: 'an empty access key id next to a secret is rejected',
    metadata: kedaQueue,
    authParams: { awsAccessKeyId: '', awsSecretAccessKey: 'none' },
    podIdentity: noPodIdentity,
    error: { field: 'awsAccessKeyID', message: /awsAccessKeyID not found/ },
  },
  {
    name: 'an access key id with an empty secret is rejected',
    metadata: kedaQueue,
    authParams: { awsAccessKeyId: 'none', awsSecretAccessKey: '' },
    podIdentity: noPodIdentity,
    error: { field: 'awsSecretAccessKey', message: /awsSecretAccessKey not found/ },
  },
  {
    name: 'an empty access key id is rejected also when a session token is given',
    metadata: kedaQueue,
    authParams: { awsAccessKeyId: '', awsSecretAccessKey: 'none', awsSessionToken: 'none' },
    podIdentity: noPodIdentity,
    error: { field: 'awsAccessKeyID', message: /awsAccessKeyID not found/ },
  },
  {
    name: 'an empty secret is rejected also when a session token is given',
    metadata: kedaQueue,
    authParams: { awsAccessKeyId: 'none', awsSecretAccessKey: '', awsSessionToken: 'none' },
    podIdentity: noPodIdentity,
    error: { field: 'awsSecretAccessKey', message: /awsSecretAccessKey not found/ },
  },
  {
    name: 'pod identity provider aws with a roleArn assumes that role',
    metadata: kedaQueue,
    authParams: {},
    podIdentity: { provider: 'aws', roleArn: 'none' },
    want: { identity: { kind: 'role', roleArn: 'none' } },
  },
  {
    name: 'pod identity provider aws with a roleArn and an externalID assumes the role with that external id',
    metadata: kedaQueue,
    authParams: {},
    podIdentity: { provider: 'aws', roleArn: 'none', externalID: 'test-external-id' },
    want: { identity: { kind: 'role', roleArn: 'none', externalId: 'test-external-id' } },
  },
  {
    name: "identityOwner operator uses the operator's own credentials and ignores empty keys",
    metadata: { ...kedaQueue, identityOwner: 'operator' },
    authParams: { awsAccessKeyId: '', awsSecretAccessKey: '' },
    podIdentity: noPodIdentity,
    want: { identity: { kind: 'operator' } },
  },
  {
    name: 'identityOwner operator also ignores an awsRoleArn (the deprecated path)',
    metadata: { ...kedaQueue, identityOwner: 'operator' },
    authParams: { awsRoleArn: 'none', awsAccessKeyId: '', awsSecretAccessKey: '' },
    podIdentity: noPodIdentity,
    want: { identity: { kind: 'operator' } },
  },
  {
    name: 'a bare queue name that is not a URL is the queue name',
    metadata: { ...kedaQueue, queueURL: 'my-queue' },
    authParams: kedaKeys,
    podIdentity: noPodIdentity,
    want: { queueURL: 'my-queue', queueName: 'my-queue', awsRegion: 'eu-west-1' },
  },
  {
    name: 'scaleOnInFlight false asks for the visible messages only',
    metadata: { ...kedaQueue, queueURL: 'my-queue', scaleOnInFlight: 'false' },
    authParams: kedaKeys,
    podIdentity: noPodIdentity,
    want: { scaleOnInFlight: false, attributeNames: ['ApproximateNumberOfMessages'] },
  },
  {
    name: 'scaleOnInFlight true also asks for the in-flight messages',
    metadata: { ...kedaQueue, queueURL: 'my-queue', scaleOnInFlight: 'true' },
    authParams: kedaKeys,
    podIdentity: noPodIdentity,
    want: { scaleOnInFlight: true, attributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] },
  },
  {
    name: 'queueURLFromEnv reads the queue URL from the container env',
    metadata: { queueURLFromEnv: 'QUEUE_URL', queueLength: '1', awsRegion: 'eu-west-1' },
    authParams: kedaKeys,
    resolvedEnv: { QUEUE_URL: KEDA_QUEUE },
    podIdentity: noPodIdentity,
    want: { queueURL: KEDA_QUEUE, queueName: 'DeleteArtifactQ' },
  },
  {
    name: 'neither queueURL nor queueURLFromEnv is rejected',
    metadata: { queueLength: '1', awsRegion: 'eu-west-1' },
    authParams: kedaKeys,
    podIdentity: noPodIdentity,
    error: { field: 'queueURL', message: /missing required parameter "queueURL"/ },
  },
  {
    name: 'a queueURLFromEnv naming an empty env var is rejected',
    metadata: { queueURLFromEnv: 'QUEUE_URL', queueLength: '1', awsRegion: 'eu-west-1' },
    authParams: kedaKeys,
    resolvedEnv: { QUEUE_URL: '' },
    podIdentity: noPodIdentity,
    error: { field: 'queueURL', message: /missing required parameter "queueURL"/ },
  },
  {
    name: "pod identity provider aws with an externalID but no roleArn uses the operator's credentials, without the external id",
    metadata: kedaQueue,
    authParams: {},
    podIdentity: { provider: 'aws', externalID: 'test-external-id' },
    want: { identity: { kind: 'operator' } },
  },
];

// TestQueueURLFromEnvResolution: where queueURL comes from, always with KEDA's static keys.
const kedaQueueURLRows = withKedaKeys([
  {
    name: 'queueURL in the metadata is used as given',
    metadata: { queueURL: KEDA_QUEUE, awsRegion: 'eu-west-1' },
    resolvedEnv: {},
    want: { queueURL: KEDA_QUEUE },
  },
  {
    name: 'queueURLFromEnv takes the queue URL from the named env var',
    metadata: { queueURLFromEnv: 'QUEUE_URL', awsRegion: 'eu-west-1' },
    resolvedEnv: { QUEUE_URL: KEDA_QUEUE },
    want: { queueURL: KEDA_QUEUE },
  },
  {
    name: 'queueURLFromEnv naming an env var the container does not have is rejected',
    metadata: { queueURLFromEnv: 'MISSING_ENV_VAR', awsRegion: 'eu-west-1' },
    resolvedEnv: { QUEUE_URL: KEDA_QUEUE },
    error: { field: 'queueURL', message: /missing required parameter "queueURL"/ },
  },
  {
    name: 'queueURLFromEnv naming an env var with an empty value is rejected',
    metadata: { queueURLFromEnv: 'EMPTY_ENV_VAR', awsRegion: 'eu-west-1' },
    resolvedEnv: { EMPTY_ENV_VAR: '' },
    error: { field: 'queueURL', message: /missing required parameter "queueURL"/ },
  },
]);

function withKedaKeys(rows: KedaRow[]): KedaRow[] {
  return rows.map((r) => ({ ...r, authParams: kedaKeys, podIdentity: noPodIdentity }));
}

const parseRow = (r: KedaRow) =>
  parse({ metadata: r.metadata, authParams: r.authParams ?? {}, resolvedEnv: r.resolvedEnv ?? {}, ...(r.podIdentity ? { podIdentity: r.podIdentity } : {}) });

describe("KEDA's metadata table (pkg/scalers/aws_sqs_queue_scaler_test.go)", () => {
  for (const [i, r] of kedaRows.entries()) test(`KEDA row ${i}: ${r.name}`, () => checkRow(r));
  for (const [i, r] of kedaQueueURLRows.entries()) test(`KEDA queueURL case ${i}: ${r.name}`, () => checkRow(r));
  // awsSQSMetricIdentifiers: KEDA row 1 at two trigger indexes; the name is s<index>-aws-sqs-<queue name>.
  for (const [triggerIndex, name] of [
    [0, 's0-aws-sqs-DeleteArtifactQ'],
    [1, 's1-aws-sqs-DeleteArtifactQ'],
  ] as const) {
    test(`KEDA metric name: trigger ${triggerIndex} on the properly formed queue URL is named ${name}`, () => {
      assert.equal(descriptor.metricSpecs(parseRow(kedaRows[1]), triggerIndex)[0].metricName, name);
    });
  }
});

function checkRow(r: KedaRow): void {
  if (r.error) return assertConfigError(() => parseRow(r), r.error.field, r.error.message);
  const c = parseRow(r) as unknown as Record<string, unknown>;
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
