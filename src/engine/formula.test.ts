import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileFormula, evaluateFormula, FormulaError, validateScalingModifiers } from './formula.ts';
import { scaledObject, trigger } from './scaled-object-fixture.ts';

const run = (f: string, vars: Record<string, number | null>): number | null => evaluateFormula(compileFormula(f), vars);

describe('evaluates the formulas from the KEDA scalingModifiers documentation', () => {
  const cases: Array<[string, Record<string, number | null>, number | null]> = [
    ['(trig_one + trig_two)/2', { trig_one: 3, trig_two: 4 }, 3.5],
    ['trig_one > 2 ? trig_one + trig_two : 1', { trig_one: 3, trig_two: 4 }, 7],
    ['trig_one > 2 ? trig_one + trig_two : 1', { trig_one: 2, trig_two: 4 }, 1],
    ['trig_one < 2 ? trig_one+trig_two >= 2 ? 5 : 10 : 0', { trig_one: 1, trig_two: 1 }, 5],
    ['trig_one < 2 ? trig_one+trig_two >= 2 ? 5 : 10 : 0', { trig_one: 0.5, trig_two: 1 }, 10],
    ['trig_one < 2 ? trig_one+trig_two >= 2 ? 5 : 10 : 0', { trig_one: 3, trig_two: 1 }, 0],
    ['best ?? slower ?? backup ?? 8', { best: 1, slower: 2, backup: 3 }, 1],
    ['best ?? slower ?? backup ?? 8', { best: null, slower: 2, backup: 3 }, 2],
    ['best ?? slower ?? backup ?? 8', { best: null, slower: null, backup: null }, 8],
    ['count([a,b,c],{#>1}) > 1 ? 5 : 0', { a: 2, b: 3, c: 0 }, 5],
    ['count([a,b,c],{#>1}) > 1 ? 5 : 0', { a: 2, b: 0, c: 0 }, 0],
  ];
  for (const [f, vars, want] of cases)
    test(`${f} with ${JSON.stringify(vars)} is ${want}`, () => assert.equal(run(f, vars), want, `${f} with ${JSON.stringify(vars)}`));
});

describe('implements expr-lang operators, precedence and builtins', () => {
  const cases: Array<[string, number]> = [
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['2 ** 3 ** 2', 512], // right-associative
    ['2 ^ 3', 8],
    ['-2 ** 2', -4], // unary minus binds looser than **
    ['7 % 4', 3],
    ['7 / 2', 3.5], // float division
    ['!(1 > 2) && true ? 1 : 0', 1],
    ['not (1 > 2) and 2 >= 2 or false ? 1 : 0', 1],
    ['1 == 1 && 1 != 2 ? 1 : 0', 1],
    ['x ?? 1 * 3', 6], // ?? binds tighter than *: (x ?? 1) * 3
    ['min(4, 2, 9)', 2],
    ['max([4, 2, 9])', 9],
    ['abs(-3) + ceil(1.2) + floor(1.8) + round(2.5)', 3 + 2 + 1 + 3],
    ['round(-2.5)', -3], // Go math.Round: half away from zero
    ['int(3.9) + float(1)', 4],
    ['sum([1, 2, 3])', 6],
    ['sum(map([1, 2, 3], {# * 2}))', 12],
    ['len(filter([1, 5, 7], {# > 2}))', 2],
    ['all([2, 3], {# > 1}) && any([0, 3], {# > 1}) && none([0, 1], {# > 1}) ? 1 : 0', 1],
    ['count([1, 5, 7], # > 2)', 2], // bare predicate
    ['1_000 + .5', 1000.5],
  ];
  for (const [f, want] of cases) test(`${f} is ${want} (x = 2)`, () => assert.equal(run(f, { x: 2 }), want, f));
});

describe('rejects injection attempts and anything outside the allowed subset at compile time', () => {
  const bad = ['constructor.constructor("return process")()', '__proto__', 'a.b', 'process()', 'eval(1)', '"text"', 'a[0]', '(1 + 2', '1 +', '#', 'x ? 1', ''];
  for (const f of bad) {
    test(`${JSON.stringify(f)} does not compile`, () => assert.throws(() => compileFormula(f), FormulaError, f));
  }
});

test('reports the position of a syntax error', () => {
  try {
    compileFormula('a + * b');
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof FormulaError);
    assert.equal(e.position, 4);
    assert.match(e.message, /position 4/);
  }
});

describe('runtime errors: unknown names, arithmetic on nil, non-bool conditions, non-number results', () => {
  const cases: Array<[string, Record<string, number | null>, RegExp]> = [
    ['a + b', { a: 1 }, /unknown name 'b'/],
    ['a + 1', { a: null }, /needs a number, got nil/],
    ['a ? 1 : 2', { a: 1 }, /needs a bool/],
    ['a > 1', { a: 2 }, /must return a number, got bool/],
    ['a', { a: null }, /returned nil/],
    ['toString', {}, /unknown name/],
  ];
  for (const [f, vars, re] of cases) test(`${f} with ${JSON.stringify(vars)} fails with ${re}`, () => assert.throws(() => run(f, vars), re, f));
});

// Generated formulas: token soup from the expr-lang subset (mostly invalid, some valid), and arbitrary text.
const token = fc.constantFrom(
  'a',
  'b',
  'c',
  '1',
  '2.5',
  '0',
  '-',
  '+',
  '*',
  '/',
  '%',
  '**',
  '^',
  '(',
  ')',
  '?',
  ':',
  '??',
  '>',
  '<=',
  '==',
  '!=',
  '!',
  '&&',
  '||',
  'not',
  'and',
  'or',
  'true',
  '[',
  ']',
  ',',
  '{',
  '}',
  '#',
  'min',
  'max',
  'count',
  'sum',
  'abs',
  'len',
  'map',
  'filter',
  'round',
  'int',
  'constructor',
  '__proto__',
  '.',
  '"x"',
  ' ',
);
const formulas = fc.oneof(
  { weight: 3, arbitrary: fc.array(token, { maxLength: 30 }).map((t) => t.join(' ')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);
const varValue = fc.option(fc.oneof(fc.double(), fc.integer({ min: -10, max: 10 })), { freq: 5 });

test('property: compiling and evaluating any formula returns a number, nil or a FormulaError, never another exception', () => {
  fc.assert(
    fc.property(formulas, fc.record({ a: varValue, b: varValue, c: varValue }), (f, vars) => {
      try {
        const v = evaluateFormula(compileFormula(f), vars);
        assert.ok(v === null || typeof v === 'number', `${JSON.stringify(f)} returned ${typeof v}`);
      } catch (e) {
        if (!(e instanceof FormulaError)) throw new Error(`${JSON.stringify(f)} threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
      }
    }),
    { numRuns: 2000 },
  );
});

test('property: sums and products of variables evaluate like JavaScript arithmetic', () => {
  const n = fc.integer({ min: -1000, max: 1000 });
  fc.assert(
    fc.property(n, n, n, (a, b, c) => {
      assert.equal(run('a + b * c', { a, b, c }), a + b * c);
      assert.equal(run('(a - b) * c', { a, b, c }), (a - b) * c);
      assert.equal(run('max(a, b, c) >= min(a, b, c) ? 1 : 0', { a, b, c }), 1);
    }),
  );
});

test('a prototype property is never read as a variable', () => {
  const vars = Object.create({ inherited: 5 }) as Record<string, number>;
  assert.throws(() => run('inherited', vars), /unknown name 'inherited'/);
  assert.throws(() => run('hasOwnProperty', {}), /unknown name/);
});

test('a formula with ?? may return nil (the fallback then applies)', () => {
  assert.equal(run('a ?? b', { a: null, b: null }), null);
});

describe('validateScalingModifiers applies the webhook rules', () => {
  const named = [
    trigger('prometheus', { threshold: '1' }, { name: 'a' }),
    trigger('aws-sqs-queue', { queueLength: '5' }, { name: 'b' }),
    trigger('cpu', { value: '50' }, { name: 'c', metricType: 'Utilization' }),
  ];
  const withSm = (sm: Record<string, string | undefined>, extra: Record<string, unknown> = {}) =>
    scaledObject({ triggers: named, advanced: { restoreToOriginalReplicaCount: false, scalingModifiers: { metricType: 'AverageValue', ...sm } }, ...extra });
  const cases: Array<[string, ReturnType<typeof scaledObject>, string[]]> = [
    ['valid formula over named triggers', withSm({ formula: '(a + b) / 2', target: '5' }), []],
    ['formula mandatory', withSm({ target: '5' }), ['spec.advanced.scalingModifiers.formula']],
    ['target mandatory', withSm({ formula: 'a' }), ['spec.advanced.scalingModifiers.target']],
    ['target must be > 0', withSm({ formula: 'a', target: '0' }), ['spec.advanced.scalingModifiers.target']],
    ['target must be a float', withSm({ formula: 'a', target: 'five' }), ['spec.advanced.scalingModifiers.target']],
    ['unknown identifier fails', withSm({ formula: 'a + zzz', target: '5' }), ['spec.advanced.scalingModifiers.formula']],
    ['cpu/memory triggers are not variables', withSm({ formula: 'a + c', target: '5' }), ['spec.advanced.scalingModifiers.formula']],
    ['syntax error', withSm({ formula: 'a +', target: '5' }), ['spec.advanced.scalingModifiers.formula']],
    ['runs with every trigger at -1 (bool result fails)', withSm({ formula: 'a > 0', target: '5' }), ['spec.advanced.scalingModifiers.formula']],
  ];
  for (const [name, so, paths] of cases) {
    test(name, () =>
      assert.deepEqual(
        validateScalingModifiers(so).map((p) => p.path),
        paths,
        name,
      ),
    );
  }
  test('metricType Utilization is refused', () => {
    const util = withSm({ formula: 'a', target: '5' });
    util.spec.advanced.scalingModifiers!.metricType = 'Utilization';
    assert.deepEqual(
      validateScalingModifiers(util).map((p) => p.path),
      ['spec.advanced.scalingModifiers.metricType'],
    );
  });
  test('fallback behavior scalingModifiers needs a formula', () => {
    const fbNoFormula = scaledObject({ fallback: { failureThreshold: 3, replicas: 2, behavior: 'scalingModifiers' } });
    assert.deepEqual(
      validateScalingModifiers(fbNoFormula).map((p) => p.path),
      ['spec.fallback.behavior'],
    );
  });
  test('no scalingModifiers: nothing to check', () => assert.deepEqual(validateScalingModifiers(scaledObject()), [], 'no scalingModifiers: nothing to check'));
});
