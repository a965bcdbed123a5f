import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse, queueValue } from './aws-sqs-queue.ts';

const Q = 'https://sqs.eu-west-1.amazonaws.com/111122223333/orders';
const p = (metadata: Record<string, string>, authParams: Record<string, string> = {}) => parse({ metadata, authParams, resolvedEnv: { QURL: Q } });
const op = { identityOwner: 'operator' };

const ok: Array<[string, Record<string, string>, Record<string, unknown>]> = [
  ['defaults: queueLength 5, activation 0, in-flight counted, delayed not', { queueURL: Q, awsRegion: 'eu-west-1', ...op },
    { queueLength: 5, activationQueueLength: 0, scaleOnInFlight: true, scaleOnDelayed: false, queueName: 'orders', attributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }],
  ['scaleOnDelayed adds the delayed attribute', { queueURL: Q, awsRegion: 'eu-west-1', scaleOnInFlight: 'false', scaleOnDelayed: 'true', ...op },
    { attributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed'] }],
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
  assert.deepEqual(p({ queueURL: Q }, { awsAccessKeyId: 'AKIA1', awsSecretAccessKey: 's', awsSessionToken: 't' }).identity,
    { kind: 'keys', accessKeyId: 'AKIA1', secretAccessKey: 's', sessionToken: 't' });
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
  assert.throws(() => p({ queueURL: Q }, { awsAccessKeyID: 'AKIASECRETID' }), (e: Error) => /awsSecretAccessKey not found/.test(e.message) && !e.message.includes('AKIASECRETID'));
});

test('aws-sqs-queue value is the sum of the asked attributes; a missing one is an error', () => {
  assert.equal(queueValue({ ApproximateNumberOfMessages: '3', ApproximateNumberOfMessagesNotVisible: '4' }, ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible']), 7);
  assert.throws(() => queueValue({ ApproximateNumberOfMessages: '3' }, ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed']),
    /metric ApproximateNumberOfMessagesDelayed not found in SQS queue attributes/);
});
