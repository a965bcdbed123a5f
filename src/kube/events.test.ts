import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { redactSecrets } from './events.ts';

describe('event messages never carry secret values', () => {
  const cases: Array<[string, string]> = [
    ['error connecting to amqp://guest:hunter2@rabbit:5672/vhost', 'error connecting to amqp://guest:REDACTED@rabbit:5672/vhost'],
    ['request failed: Authorization: Bearer eyJhbGciOi.abc.def', 'request failed: Authorization: Bearer REDACTED'],
    ['bad config password=s3cret host=db', 'bad config password=REDACTED host=db'],
    ['awsSecretAccessKey: "abc/def+ghi"', 'awsSecretAccessKey: REDACTED'],
    ['key AKIAABCDEFGHIJKLMNOP was refused', 'key AKIAREDACTED was refused'],
    ['GET https://bucket.s3.amazonaws.com/x?X-Amz-Signature=deadbeef&a=1', 'GET https://bucket.s3.amazonaws.com/x?X-Amz-Signature=REDACTED&a=1'],
    ['scale 0→1: trigger s0-aws-sqs-queue active, 3 > 0', 'scale 0→1: trigger s0-aws-sqs-queue active, 3 > 0'],
    ['queueLength=5 queueURL=https://sqs.eu-west-1.amazonaws.com/1/q', 'queueLength=5 queueURL=https://sqs.eu-west-1.amazonaws.com/1/q'],
  ];
  for (const [input, want] of cases) test(`${JSON.stringify(input)} is sent as ${JSON.stringify(want)}`, () => assert.equal(redactSecrets(input), want, input));
});
