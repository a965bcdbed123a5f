// resource.MustParse(x).String() and MilliValue(), as k8s.io/apimachinery pkg/api/resource/quantity_test.go
// (TestQuantityParse / TestQuantityCanonicalize rows that apply to the forms KEDA users write), one subtest per row.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalQuantity, parseKubeQuantity, quantityMilliValue, quantityNumber } from './quantity.ts';

const rows: Array<[string, string | undefined]> = [
  ['0', '0'],
  ['0m', '0'],
  ['0Ki', '0'],
  ['500m', '500m'],
  ['0.5', '500m'],
  ['.5', '500m'],
  ['1', '1'],
  ['50', '50'],
  ['1000', '1k'],
  ['1500', '1500'],
  ['2000m', '2'],
  ['1.5', '1500m'],
  ['100m', '100m'],
  ['0.1', '100m'],
  ['1.1', '1100m'],
  ['256Mi', '256Mi'],
  ['1Gi', '1Gi'],
  ['1024Mi', '1Gi'],
  ['1.5Gi', '1536Mi'],
  ['0.5Gi', '512Mi'],
  ['1536Ki', '1536Ki'],
  ['1Ki', '1Ki'],
  ['1023', '1023'],
  ['512Ki', '512Ki'],
  ['0.5Ki', '512'],
  ['1.1Ki', '1126400m'],
  ['128974848', '128974848'],
  ['129e6', '129e6'],
  ['123Mi', '123Mi'],
  ['1e3', '1e3'],
  ['1E6', '1e6'],
  ['1e-3', '1e-3'],
  ['100e-3', '100e-3'],
  ['12e2', '1200'],
  ['1n', '1n'],
  ['1u', '1u'],
  ['0.0000000001', '1n'],
  ['1.0000000001', '1000000001n'],
  ['5k', '5k'],
  ['5M', '5M'],
  ['-500m', '-500m'],
  ['+1', '1'],
  ['1.G', '1G'],
  ['1.0', '1'],
  ['07', '7'],
  ['', undefined],
  ['abc', undefined],
  ['5x', undefined],
  ['5 ', undefined],
  [' 5', undefined],
  ['1KB', undefined],
  ['1ki', undefined],
  ['5e', undefined],
];

describe('Kubernetes quantity canonical form (resource.MustParse(x).String())', () => {
  for (const [input, want] of rows) {
    test(`${JSON.stringify(input)} → ${want ?? 'invalid'}`, () => assert.equal(canonicalQuantity(input), want));
  }
});

describe('quantity values', () => {
  const values: Array<[string, number, bigint]> = [
    ['500m', 0.5, 500n],
    ['256Mi', 268435456, 268435456000n],
    ['1.5', 1.5, 1500n],
    ['1n', 1e-9, 1n],
    ['2', 2, 2000n],
  ];
  for (const [input, n, milli] of values) {
    test(`${input} = ${n}, MilliValue ${milli} (rounded up)`, () => {
      const q = parseKubeQuantity(input)!;
      assert.equal(quantityNumber(q), n);
      assert.equal(quantityMilliValue(q), milli);
    });
  }
});
