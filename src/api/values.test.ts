import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseDurationMs,
  parseGoBool,
  parseGoDuration,
  parseGoFloat,
  parseGoInt,
  parseJsonFloat,
  parseJsonInt,
  parseKeyValueMap,
  parseQuantity,
} from './values.ts';

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));
const close = (got: number | undefined, want: number | undefined): boolean =>
  got === want || (got !== undefined && want !== undefined && (Number.isNaN(want) ? Number.isNaN(got) : Math.abs(got - want) <= Math.abs(want) * 1e-12));

describe('parseQuantity: k8s.io/apimachinery/pkg/api/resource/quantity.go ParseQuantity (+ UnmarshalJSON trim)', () => {
  const rows: Array<[string, number | undefined]> = [
    ['5', 5],
    ['0', 0],
    ['-2', -2],
    ['+3', 3],
    ['1500m', 1.5],
    ['100500m', 100.5],
    ['2k', 2000],
    ['1M', 1e6],
    ['1Mi', 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1e-3', 0.001],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['250u', 0.00025],
    ['3n', 3e-9],
    ['007', 7],
    // the grammar allows "<digits>." and ignores an empty denominator ("1.G" is a known quirk)
    ['5.', 5],
    ['1.G', 1e9],
    // "E" alone is the exa suffix, not an exponent
    ['1E', 1e18],
    // UnmarshalJSON trims the value first
    [' 5 ', 5],
    // disagreements with the old engine/metric-value.ts parser: an exponent and a suffix never combine; n and u are valid
    ['1e3k', undefined],
    ['2.5e1m', undefined],
    ['five', undefined],
    ['', undefined],
    ['1K', undefined],
    ['0x10', undefined],
    ['1 k', undefined],
    ['1e', undefined],
    ['1e1.5', undefined],
    ['1_000', undefined],
    ['Infinity', undefined],
    ['NaN', undefined],
    ['1.5.5', undefined],
    // capped at 2^63-1 like ParseQuantity
    ['100E', 2 ** 63 - 1],
  ];
  for (const [text, want] of rows) test(`${show(text)} → ${show(want)}`, () => assert.ok(close(parseQuantity(text), want), `got ${parseQuantity(text)}`));
});

describe('parseGoBool: Go strconv.ParseBool', () => {
  const rows: Array<[string, boolean | undefined]> = [
    ['1', true],
    ['t', true],
    ['T', true],
    ['true', true],
    ['TRUE', true],
    ['True', true],
    ['0', false],
    ['f', false],
    ['F', false],
    ['false', false],
    ['FALSE', false],
    ['False', false],
    ['yes', undefined],
    ['tRUE', undefined],
    [' true', undefined],
    ['', undefined],
    ['on', undefined],
  ];
  for (const [text, want] of rows) test(`${show(text)} → ${show(want)}`, () => assert.equal(parseGoBool(text), want));
});

describe('parseGoInt: Go strconv.ParseInt(s, 10, bitSize)', () => {
  const rows: Array<[string, 32 | 64, number | undefined]> = [
    ['5', 64, 5],
    ['-2', 64, -2],
    ['+5', 64, 5],
    ['05', 64, 5],
    ['0', 32, 0],
    ['2147483647', 32, 2147483647],
    ['2147483648', 32, undefined],
    ['-2147483648', 32, -2147483648],
    ['-2147483649', 32, undefined],
    ['9223372036854775807', 64, 9223372036854775807],
    ['9223372036854775808', 64, undefined],
    ['5.0', 64, undefined],
    ['1e3', 64, undefined],
    [' 5', 64, undefined],
    ['1_000', 64, undefined],
    ['0x10', 64, undefined],
    ['', 64, undefined],
    ['+', 64, undefined],
  ];
  for (const [text, bits, want] of rows) test(`${show(text)} (int${bits}) → ${show(want)}`, () => assert.equal(parseGoInt(text, bits), want));
});

describe('parseGoFloat: Go strconv.ParseFloat(s, 64)', () => {
  const rows: Array<[string, number | undefined]> = [
    ['5', 5],
    ['-2.5', -2.5],
    ['+1', 1],
    ['1e3', 1000],
    ['.5', 0.5],
    ['5.', 5],
    ['05', 5],
    ['inf', Infinity],
    ['+Inf', Infinity],
    ['-Infinity', -Infinity],
    ['NaN', NaN],
    ['nan', NaN],
    ['0x1p-2', 0.25],
    ['0x1.8p1', 3],
    ['0x_1p0', 1],
    ['0x1__0p0', undefined],
    // disagreements with Number(): no spaces, no hex integers without p, no underscores in decimals, no empty string
    [' 5', undefined],
    ['5 ', undefined],
    ['0x10', undefined],
    ['1_000', undefined],
    ['', undefined],
    ['+nan', undefined],
    // out of the float64 range is ErrRange
    ['1e400', undefined],
    ['2k', undefined],
    ['five', undefined],
    ['infinit', undefined],
  ];
  for (const [text, want] of rows) test(`${show(text)} → ${show(want)}`, () => assert.ok(close(parseGoFloat(text), want), `got ${parseGoFloat(text)}`));
});

describe('parseGoDuration: Go time.ParseDuration, in ms', () => {
  const rows: Array<[string, number | undefined]> = [
    ['15s', 15_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['.5s', 500],
    ['5.s', 5000],
    ['1us', 0.001],
    ['1µs', 0.001],
    ['1μs', 0.001],
    ['1000000ns', 1],
    ['-2m', -120_000],
    ['+3s', 3000],
    ['0', 0],
    ['-0', 0],
    ['1h2m3s4ms', 3_723_004],
    ['15', undefined],
    ['', undefined],
    ['s', undefined],
    ['.s', undefined],
    ['1sec', undefined],
    ['1m5', undefined],
    [' 1s', undefined],
    ['1d', undefined],
    ['3000000h', undefined],
  ];
  for (const [text, want] of rows) test(`${show(text)} → ${show(want)}`, () => assert.ok(close(parseGoDuration(text), want), `got ${parseGoDuration(text)}`));
});

describe('parseJsonInt / parseJsonFloat: KEDA pkg/scalers/scalersconfig/typed_config.go (json.Unmarshal)', () => {
  const ints: Array<[string, number | undefined]> = [
    ['5', 5],
    ['-2', -2],
    ['0', 0],
    ['5.0', undefined],
    ['05', undefined],
    ['+5', undefined],
    ['1e3', undefined],
    ['0x10', undefined],
    ['', undefined],
  ];
  for (const [text, want] of ints) test(`int ${show(text)} → ${show(want)}`, () => assert.equal(parseJsonInt(text), want));
  const floats: Array<[string, number | undefined]> = [
    ['5', 5],
    ['0.25', 0.25],
    ['1e3', 1000],
    ['-1.5E-2', -0.015],
    ['NaN', undefined],
    ['.5', undefined],
    ['5.', undefined],
    ['+1', undefined],
    ['05', undefined],
    ['Infinity', undefined],
  ];
  for (const [text, want] of floats) test(`float ${show(text)} → ${show(want)}`, () => assert.equal(parseJsonFloat(text), want));
});

describe('parseDurationMs: KEDA typed_config.go durations (ParseDuration, else ParseInt milliseconds; never negative)', () => {
  const rows: Array<[string, number | undefined]> = [
    ['3s', 3000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['3000', 3000],
    ['3', 3],
    ['0', 0],
    // disagreements with the old scalers/common/go-values.ts parser: ParseInt takes a sign and leading zeros
    ['+5', 5],
    ['05', 5],
    ['-0s', 0],
    ['-1s', undefined],
    ['-5', undefined],
    ['x', undefined],
    ['5.5', undefined],
    ['', undefined],
  ];
  for (const [text, want] of rows) test(`${show(text)} → ${show(want)}`, () => assert.equal(parseDurationMs(text), want));
});

describe('parseKeyValueMap: KEDA typed_config.go setConfigValueMap', () => {
  const rows: Array<[string, Record<string, string> | string]> = [
    ['a=1', { a: '1' }],
    ['a=1, b = 2', { a: '1', b: '2' }],
    ['a=', { a: '' }],
    ['a=1,b', "'b' is not key=value"],
    ['a=1=2', "'a=1=2' is not key=value"],
    // disagreement with the old parser, which skipped empty elements: strings.Split keeps them and "" is not k=v
    ['a=1,', "'' is not key=value"],
    ['a=1,,b=2', "'' is not key=value"],
  ];
  for (const [text, want] of rows) {
    test(`${show(text)} → ${JSON.stringify(want)}`, () => assert.deepEqual(parseKeyValueMap(text), typeof want === 'string' ? { error: want } : { map: want }));
  }
});
