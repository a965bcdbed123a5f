import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { metricNameWithIndex, normalizeString } from './metric-name.ts';

describe('metric names: s<index>-<NormalizeString> (KEDA pkg/util/normalize_string.go, pkg/scalers/scaler.go)', () => {
  const rows: Array<[number, string, string]> = [
    [0, 'prometheus', 's0-prometheus'],
    [2, 'rate(x)%', 's2-rate-x--'],
    [2, 'aws-sqs-my.queue:1/(a)%', 's2-aws-sqs-my-queue-1--a--'],
    [1, 'aws-sqs-https://sqs.us-west-2.amazonaws.com/1/q.fifo', 's1-aws-sqs-https---sqs-us-west-2-amazonaws-com-1-q-fifo'],
    [3, 'already_fine-Name', 's3-already_fine-Name'],
  ];
  for (const [index, part, want] of rows) test(`${index}, ${JSON.stringify(part)} → ${want}`, () => assert.equal(metricNameWithIndex(index, part), want));
  test('normalizeString replaces only / . : % ( )', () => assert.equal(normalizeString('a/b.c:d%e(f)g h'), 'a-b-c-d-e-f-g h'));
});
