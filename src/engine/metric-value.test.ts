import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatQuantity, metricNameWithIndex, metricValueForHpa, normalizeString, parseQuantity, truncateToMilli } from './metric-value.ts';

test('values sent to the HPA: NaN/±Inf/negative become 0, 3 decimals (keda-spec §2.6)', () => {
  const cases: Array<[number, number]> = [[NaN, 0], [Infinity, 0], [-Infinity, 0], [-3, 0], [1.23456, 1.235], [0.4, 0.4], [23, 23]];
  for (const [raw, want] of cases) assert.equal(metricValueForHpa(raw), want, String(raw));
  assert.equal(truncateToMilli(1.23456), 1.234, 'formula and fallback values are truncated');
});

test('quantities: integers plain, floats in milli units', () => {
  assert.equal(formatQuantity(5), '5');
  assert.equal(formatQuantity(100.5), '100500m');
  assert.equal(formatQuantity(0.25), '250m');
  assert.equal(parseQuantity('100500m'), 100.5);
  assert.equal(parseQuantity('2k'), 2000);
  assert.equal(parseQuantity('1Mi'), 1048576);
  assert.equal(parseQuantity('five'), undefined);
});

test('metric names: s<index>-<NormalizeString>', () => {
  assert.equal(normalizeString('aws-sqs-https://sqs.us-west-2.amazonaws.com/1/q.fifo'), 'aws-sqs-https---sqs-us-west-2-amazonaws-com-1-q-fifo');
  assert.equal(metricNameWithIndex(0, 'prometheus'), 's0-prometheus');
  assert.equal(metricNameWithIndex(2, 'rate(x)%'), 's2-rate-x--');
});
