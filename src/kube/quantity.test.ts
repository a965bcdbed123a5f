import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMilliQuantity, metricValueQuantity, targetQuantity } from './quantity.ts';

describe('milli quantities are written in the canonical form the API server stores', () => {
  const cases: Array<[number, string]> = [
    [0, '0'],
    [5000, '5'],
    [1500, '1500m'],
    [100500, '100500m'],
    [1_000_000, '1k'],
    [1_200_000, '1200'],
    [5_000_000_000, '5M'],
    [-2000, '-2'],
  ];
  for (const [milli, want] of cases) test(`${milli} milli is written ${want}`, () => assert.equal(formatMilliQuantity(milli), want, String(milli)));
});

describe('metric targets: integers whole, fractions truncated to milli units (KEDA GetMetricTargetMili)', () => {
  const cases: Array<[number, string]> = [
    [5, '5'],
    [100.5, '100500m'],
    [0.4, '400m'],
    [1.0005, '1'],
    [2000, '2k'],
  ];
  for (const [v, want] of cases) test(`a target of ${v} is written ${want}`, () => assert.equal(targetQuantity(v), want, String(v)));
});

describe('metric values sent to the HPA: milli-rounded; NaN, infinities and negatives become 0', () => {
  const cases: Array<[number, string]> = [
    [23, '23'],
    [0.4, '400m'],
    [0.0004, '0'],
    [1.23456, '1235m'],
    [Number.NaN, '0'],
    [Number.POSITIVE_INFINITY, '0'],
    [-3, '0'],
  ];
  for (const [v, want] of cases) test(`a value of ${v} is sent as ${want}`, () => assert.equal(metricValueQuantity(v), want, String(v)));
});
