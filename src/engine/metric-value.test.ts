import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { metricValueForHpa, truncateToMilli } from './metric-value.ts';

describe('values sent to the HPA: NaN/±Inf/negative become 0, 3 decimals (pkg/scalers/scaler.go quantityFromFloat64)', () => {
  const cases: Array<[number, number]> = [
    [NaN, 0],
    [Infinity, 0],
    [-Infinity, 0],
    [-3, 0],
    [1.23456, 1.235],
    [0.4, 0.4],
    [23, 23],
  ];
  for (const [raw, want] of cases) test(`a raw value of ${raw} is sent as ${want}`, () => assert.equal(metricValueForHpa(raw), want, String(raw)));
  test('formula and fallback values are truncated, not rounded', () =>
    assert.equal(truncateToMilli(1.23456), 1.234, 'formula and fallback values are truncated'));
});

// Quantity parsing and metric names are tested in src/api/values.test.ts and src/api/metric-name.test.ts.
