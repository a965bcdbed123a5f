// scalingModifiers.formula (KEDA `pkg/scaling/modifiers/formula.go`): a small, safe parser and evaluator for the subset of expr-lang
// (github.com/expr-lang/expr) that KEDA's documentation uses. No eval/Function, no property access, no strings,
// no calls except an allow-list of builtins, variables looked up in a Map (never on an object's prototype chain).
import type { ScaledObject } from '../api/types.ts';
import { parseGoFloat } from '../api/values.ts';

/** A formula that does not parse or cannot be evaluated. `position` is a 0-based index into the formula. */
export class FormulaError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'FormulaError';
  }
}

type Node =
  | { k: 'num'; v: number; pos: number }
  | { k: 'bool'; v: boolean; pos: number }
  | { k: 'nil'; pos: number }
  | { k: 'var'; name: string; pos: number }
  | { k: 'elem'; pos: number }
  | { k: 'unary'; op: string; arg: Node; pos: number }
  | { k: 'binary'; op: string; left: Node; right: Node; pos: number }
  | { k: 'cond'; test: Node; then: Node; else: Node; pos: number }
  | { k: 'array'; items: Node[]; pos: number }
  | { k: 'call'; fn: string; args: Node[]; pos: number }
  | { k: 'closure'; body: Node; pos: number };

export interface CompiledFormula {
  readonly source: string;
  /** Trigger names the formula reads. */
  readonly identifiers: readonly string[];
  /** KEDA wraps formulas containing `??` so that a nil result is allowed (the fallback then applies). */
  readonly allowsNil: boolean;
  readonly ast: Node;
}

type Value = number | boolean | null | Value[];

// ---------------------------------------------------------------------------------------------------------------
// Lexer

type Tok = { t: 'num'; v: number; pos: number } | { t: 'id'; v: string; pos: number } | { t: 'op'; v: string; pos: number } | { t: 'eof'; pos: number };

// Longest first, so `**` wins over `*` and `??` over `?`.
const OPERATORS = [
  '**',
  '??',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '<',
  '>',
  '!',
  '?',
  ':',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  '#',
];
const RESERVED = new Set(['__proto__', 'prototype', 'constructor']);

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i))!;
      out.push({ t: 'num', v: Number(m[0].replace(/_/g, '')), pos: i });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i))!;
      out.push({ t: 'id', v: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') throw new FormulaError(`strings are not supported in a formula (at position ${i})`, i);
    if (c === '.') throw new FormulaError(`member access ('.') is not supported in a formula (at position ${i})`, i);
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new FormulaError(`unexpected character '${c}' at position ${i}`, i);
    out.push({ t: 'op', v: op, pos: i });
    i += op.length;
  }
  out.push({ t: 'eof', pos: src.length });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Parser (precedence climbing with expr-lang's operator precedences)

const BINARY: Record<string, { prec: number; right?: boolean }> = {
  '||': { prec: 10 },
  or: { prec: 10 },
  '&&': { prec: 15 },
  and: { prec: 15 },
  '==': { prec: 20 },
  '!=': { prec: 20 },
  '<': { prec: 20 },
  '>': { prec: 20 },
  '<=': { prec: 20 },
  '>=': { prec: 20 },
  '+': { prec: 30 },
  '-': { prec: 30 },
  '*': { prec: 60 },
  '/': { prec: 60 },
  '%': { prec: 60 },
  '**': { prec: 100, right: true },
  '^': { prec: 100, right: true },
  '??': { prec: 500 },
};
const UNARY: Record<string, number> = { '!': 50, not: 50, '-': 90, '+': 90 };

/** Builtins: name → [min args, max args, takes a predicate/closure as 2nd argument]. */
const BUILTINS: Record<string, [number, number, boolean]> = {
  abs: [1, 1, false],
  ceil: [1, 1, false],
  floor: [1, 1, false],
  round: [1, 1, false],
  float: [1, 1, false],
  int: [1, 1, false],
  min: [1, Infinity, false],
  max: [1, Infinity, false],
  sum: [1, 1, false],
  mean: [1, 1, false],
  median: [1, 1, false],
  len: [1, 1, false],
  count: [1, 2, true],
  all: [2, 2, true],
  any: [2, 2, true],
  none: [2, 2, true],
  one: [2, 2, true],
  filter: [2, 2, true],
  map: [2, 2, true],
};

class Parser {
  private i = 0;
  private closureDepth = 0;
  readonly identifiers = new Set<string>();
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.i];
  }
  private next(): Tok {
    return this.toks[this.i++];
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private expect(v: string): Tok {
    const t = this.next();
    if (t.t !== 'op' || t.v !== v) throw new FormulaError(`expected '${v}' at position ${t.pos}, found ${describe(t)}`, t.pos);
    return t;
  }

  parse(): Node {
    const n = this.expression();
    const t = this.peek();
    if (t.t !== 'eof') throw new FormulaError(`unexpected ${describe(t)} at position ${t.pos}`, t.pos);
    return n;
  }

  /** expr-lang: the ternary binds loosest; both branches are full expressions (so ternaries nest). */
  expression(): Node {
    const test = this.binary(0);
    if (this.isOp('?')) {
      const q = this.next();
      const then = this.expression();
      this.expect(':');
      const otherwise = this.expression();
      return { k: 'cond', test, then, else: otherwise, pos: q.pos };
    }
    return test;
  }

  private binaryOp(): { op: string; prec: number; right?: boolean; pos: number } | undefined {
    const t = this.peek();
    const key = t.t === 'op' ? t.v : t.t === 'id' && (t.v === 'and' || t.v === 'or') ? t.v : undefined;
    if (key === undefined || !BINARY[key]) return undefined;
    return { op: key === 'and' ? '&&' : key === 'or' ? '||' : key, ...BINARY[key], pos: t.pos };
  }

  private binary(minPrec: number): Node {
    let left = this.unary();
    for (;;) {
      const op = this.binaryOp();
      if (!op || op.prec <= minPrec) break;
      this.next();
      // Right-associative operators (`**`, `^`) let the same operator bind again on their right.
      const right = this.binary(op.right ? op.prec - 1 : op.prec);
      left = { k: 'binary', op: op.op, left, right, pos: op.pos };
    }
    return left;
  }

  private unary(): Node {
    const t = this.peek();
    const key = t.t === 'op' ? t.v : t.t === 'id' && t.v === 'not' ? 'not' : undefined;
    if (key !== undefined && UNARY[key] !== undefined) {
      this.next();
      const arg = this.binary(UNARY[key]);
      return { k: 'unary', op: key === 'not' ? '!' : key, arg, pos: t.pos };
    }
    return this.primary();
  }

  private primary(): Node {
    const t = this.next();
    if (t.t === 'num') return { k: 'num', v: t.v, pos: t.pos };
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { k: 'bool', v: t.v === 'true', pos: t.pos };
      if (t.v === 'nil') return { k: 'nil', pos: t.pos };
      if (RESERVED.has(t.v)) throw new FormulaError(`'${t.v}' is not allowed in a formula (at position ${t.pos})`, t.pos);
      if (this.isOp('(')) return this.call(t.v, t.pos);
      this.identifiers.add(t.v);
      return { k: 'var', name: t.v, pos: t.pos };
    }
    if (t.t === 'op') {
      if (t.v === '(') {
        const e = this.expression();
        this.expect(')');
        return e;
      }
      if (t.v === '[') {
        const items: Node[] = [];
        if (!this.isOp(']')) {
          do {
            items.push(this.expression());
          } while (this.isOp(',') && this.next());
        }
        this.expect(']');
        return { k: 'array', items, pos: t.pos };
      }
      if (t.v === '{') {
        this.closureDepth++;
        const body = this.expression();
        this.closureDepth--;
        this.expect('}');
        return { k: 'closure', body, pos: t.pos };
      }
      if (t.v === '#') {
        if (this.closureDepth === 0) throw new FormulaError(`'#' can only be used inside a predicate like {# > 1} (at position ${t.pos})`, t.pos);
        return { k: 'elem', pos: t.pos };
      }
    }
    throw new FormulaError(`unexpected ${describe(t)} at position ${t.pos}`, t.pos);
  }

  private call(fn: string, pos: number): Node {
    const spec = BUILTINS[fn];
    if (!spec) throw new FormulaError(`unknown function '${fn}' at position ${pos}; allowed: ${Object.keys(BUILTINS).join(', ')}`, pos);
    this.expect('(');
    const args: Node[] = [];
    if (!this.isOp(')')) {
      let index = 0;
      do {
        // expr-lang accepts a bare predicate (`count(xs, # > 1)`) as well as `{# > 1}`.
        const closureArg = spec[2] && index === 1 && !this.isOp('{');
        if (closureArg) this.closureDepth++;
        const arg = this.expression();
        if (closureArg) this.closureDepth--;
        args.push(closureArg ? { k: 'closure', body: arg, pos: arg.pos } : arg);
        index++;
      } while (this.isOp(',') && this.next());
    }
    this.expect(')');
    if (args.length < spec[0] || args.length > spec[1]) {
      throw new FormulaError(
        `${fn}() takes ${spec[0] === spec[1] ? spec[0] : `${spec[0]}..${spec[1]}`} argument(s), got ${args.length} (at position ${pos})`,
        pos,
      );
    }
    return { k: 'call', fn, args, pos };
  }
}

function describe(t: Tok): string {
  if (t.t === 'eof') return 'end of formula';
  if (t.t === 'num') return `number ${t.v}`;
  return `'${t.v}'`;
}

/** Parse a formula once; throws FormulaError (with position) on a syntax error or a disallowed construct. */
export function compileFormula(formula: string): CompiledFormula {
  if (formula.trim() === '') throw new FormulaError('formula is empty', 0);
  const parser = new Parser(lex(formula));
  const ast = parser.parse();
  return { source: formula, identifiers: [...parser.identifiers], allowsNil: formula.includes('??'), ast };
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluator

function typeName(v: Value): string {
  if (v === null) return 'nil';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'boolean' ? 'bool' : 'float';
}

function num(v: Value, pos: number, what: string): number {
  if (typeof v !== 'number') throw new FormulaError(`${what} needs a number, got ${typeName(v)} (at position ${pos})`, pos);
  return v;
}
function bool(v: Value, pos: number, what: string): boolean {
  if (typeof v !== 'boolean') throw new FormulaError(`${what} needs a bool, got ${typeName(v)} (at position ${pos})`, pos);
  return v;
}
function arr(v: Value, pos: number, fn: string): Value[] {
  if (!Array.isArray(v)) throw new FormulaError(`${fn}() needs an array, got ${typeName(v)} (at position ${pos})`, pos);
  return v;
}

function equal(a: Value, b: Value): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => equal(x, b[i]));
  }
  return a === b;
}

/** Go's math.Round: half away from zero. */
function goRound(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

function evalNode(n: Node, vars: Map<string, number | null>, elem: Value | undefined): Value {
  switch (n.k) {
    case 'num':
      return n.v;
    case 'bool':
      return n.v;
    case 'nil':
      return null;
    case 'elem':
      if (elem === undefined) throw new FormulaError(`'#' outside a predicate (at position ${n.pos})`, n.pos);
      return elem;
    case 'var': {
      if (!vars.has(n.name)) throw new FormulaError(`unknown name '${n.name}' at position ${n.pos}: it must be the name of a trigger`, n.pos);
      return vars.get(n.name) ?? null;
    }
    case 'array':
      return n.items.map((x) => evalNode(x, vars, elem));
    case 'closure':
      throw new FormulaError(`a predicate {…} can only be an argument of count/all/any/none/one/filter/map (at position ${n.pos})`, n.pos);
    case 'unary': {
      const v = evalNode(n.arg, vars, elem);
      if (n.op === '!') return !bool(v, n.pos, "'!'");
      const x = num(v, n.pos, `unary '${n.op}'`);
      return n.op === '-' ? -x : x;
    }
    case 'cond': {
      const t = bool(evalNode(n.test, vars, elem), n.pos, "the condition of '?:'");
      return evalNode(t ? n.then : n.else, vars, elem);
    }
    case 'binary':
      return evalBinary(n, vars, elem);
    case 'call':
      return evalCall(n, vars, elem);
  }
}

function evalBinary(n: Extract<Node, { k: 'binary' }>, vars: Map<string, number | null>, elem: Value | undefined): Value {
  const { op, pos } = n;
  if (op === '??') {
    const l = evalNode(n.left, vars, elem);
    return l === null ? evalNode(n.right, vars, elem) : l;
  }
  if (op === '&&' || op === '||') {
    const l = bool(evalNode(n.left, vars, elem), pos, `'${op}'`);
    if (op === '&&' && !l) return false;
    if (op === '||' && l) return true;
    return bool(evalNode(n.right, vars, elem), pos, `'${op}'`);
  }
  const l = evalNode(n.left, vars, elem);
  const r = evalNode(n.right, vars, elem);
  if (op === '==') return equal(l, r);
  if (op === '!=') return !equal(l, r);
  const a = num(l, pos, `'${op}'`);
  const b = num(r, pos, `'${op}'`);
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b; // expr-lang: `/` is float division; x/0 is ±Inf like Go floats.
    case '%':
      if (b === 0) throw new FormulaError(`modulo by zero (at position ${pos})`, pos);
      return a % b;
    case '**':
    case '^':
      return a ** b;
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
  }
  throw new FormulaError(`unknown operator '${op}' (at position ${pos})`, pos);
}

function evalCall(n: Extract<Node, { k: 'call' }>, vars: Map<string, number | null>, elem: Value | undefined): Value {
  const { fn, pos } = n;
  const spec = BUILTINS[fn];
  if (spec[2]) {
    const list = arr(evalNode(n.args[0], vars, elem), pos, fn);
    const pred = n.args[1];
    const body = pred ? (pred.k === 'closure' ? pred.body : pred) : undefined;
    const apply = (x: Value): Value => evalNode(body!, vars, x);
    const test = (x: Value): boolean => bool(apply(x), pos, `the predicate of ${fn}()`);
    switch (fn) {
      case 'count':
        return body ? list.filter(test).length : list.filter((x) => x === true).length;
      case 'all':
        return list.every(test);
      case 'any':
        return list.some(test);
      case 'none':
        return !list.some(test);
      case 'one':
        return list.filter(test).length === 1;
      case 'filter':
        return list.filter(test);
      case 'map':
        return list.map(apply);
    }
  }
  const args = n.args.map((a) => evalNode(a, vars, elem));
  const one = (): number => num(args[0], pos, `${fn}()`);
  const numbers = (what: Value[]): number[] => what.map((x) => num(x, pos, `${fn}()`));
  switch (fn) {
    case 'abs':
      return Math.abs(one());
    case 'ceil':
      return Math.ceil(one());
    case 'floor':
      return Math.floor(one());
    case 'round':
      return goRound(one());
    case 'float':
      return one();
    case 'int':
      return Math.trunc(one());
    case 'min':
    case 'max': {
      const xs = numbers(args.length === 1 && Array.isArray(args[0]) ? args[0] : args);
      if (xs.length === 0) throw new FormulaError(`${fn}() of an empty array (at position ${pos})`, pos);
      return fn === 'min' ? Math.min(...xs) : Math.max(...xs);
    }
    case 'len':
      return arr(args[0], pos, fn).length;
    case 'sum':
      return numbers(arr(args[0], pos, fn)).reduce((s, x) => s + x, 0);
    case 'mean': {
      const xs = numbers(arr(args[0], pos, fn));
      return xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length;
    }
    case 'median': {
      const xs = numbers(arr(args[0], pos, fn)).sort((a, b) => a - b);
      if (xs.length === 0) return 0;
      const mid = Math.floor(xs.length / 2);
      return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
    }
  }
  throw new FormulaError(`unknown function '${fn}' (at position ${pos})`, pos);
}

/**
 * Evaluate a compiled formula. Each variable is a trigger's metric value, or null (nil) for a trigger in fallback
 * under `fallback.behavior: scalingModifiers`. Returns the composite value, or null when a formula using `??` ends in
 * nil. Throws FormulaError for unknown names, type errors (arithmetic on nil, non-bool condition) or a non-number
 * result (KEDA wraps the formula in `float(...)`).
 */
export function evaluateFormula(compiled: CompiledFormula, vars: Record<string, number | null>): number | null {
  const map = new Map<string, number | null>();
  for (const key of Object.keys(vars)) map.set(key, vars[key]);
  const v = evalNode(compiled.ast, map, undefined);
  if (v === null) {
    if (compiled.allowsNil) return null;
    throw new FormulaError('formula returned nil; use ?? to give failing triggers a default', 0);
  }
  if (typeof v !== 'number') throw new FormulaError(`formula must return a number, got ${typeName(v)}`, 0);
  return v;
}

const RESOURCE_TRIGGERS = new Set(['cpu', 'memory']);

/**
 * The admission webhook's scalingModifiers checks (KEDA `scaledobject_webhook.go` `ValidateAndCompileScalingModifiers`, [scaling-modifiers],
 * [scaling-modifiers-fallback]): formula and target mandatory, target a float > 0, metricType not Utilization,
 * the formula compiles and runs with every named non-cpu/memory trigger bound to -1.
 */
export function validateScalingModifiers(so: ScaledObject): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const sm = so.spec.advanced?.scalingModifiers;
  const base = 'spec.advanced.scalingModifiers';
  const hasModifiers = sm !== undefined && (sm.formula !== undefined || sm.target !== undefined || sm.activationTarget !== undefined);
  if (so.spec.fallback?.behavior === 'scalingModifiers' && !(sm?.formula ?? '').trim()) {
    problems.push({
      path: 'spec.fallback.behavior',
      message:
        'scalingModifiers fallback behavior requires scalingModifiers.formula to be defined; add advanced.scalingModifiers.formula or use another fallback behavior',
    });
  }
  if (!hasModifiers || !sm) return problems;
  const formula = (sm.formula ?? '').trim();
  if (!formula) {
    problems.push({
      path: `${base}.formula`,
      message: 'error ScalingModifiers.Formula is mandatory: set a formula over the trigger names, e.g. "(a + b) / 2"',
    });
    return problems;
  }
  const targetText = (sm.target ?? '').trim();
  if (!targetText) {
    problems.push({
      path: `${base}.target`,
      message: 'formula is given but target is empty: set scalingModifiers.target to the composite value one replica handles, e.g. "10"',
    });
  } else {
    // KEDA webhook verifyScalingModifiers (apis/keda/v1alpha1/scaledobject_webhook.go): strconv.ParseFloat.
    const t = parseGoFloat(sm.target ?? '') ?? NaN;
    if (!Number.isFinite(t))
      problems.push({
        path: `${base}.target`,
        message: `error converting target for scalingModifiers (string->float) to valid target: '${targetText}' is not a number`,
      });
    else if (t <= 0) problems.push({ path: `${base}.target`, message: `target must be greater than 0, got ${targetText}` });
  }
  if (sm.activationTarget !== undefined && sm.activationTarget !== '' && !Number.isFinite(parseGoFloat(sm.activationTarget) ?? NaN)) {
    problems.push({ path: `${base}.activationTarget`, message: `activationTarget must be a number, got '${sm.activationTarget}'` });
  }
  if (sm.metricType === 'Utilization') {
    problems.push({
      path: `${base}.metricType`,
      message: "error metricType 'Utilization' is not supported for the composite metric; use AverageValue or Value",
    });
  }
  let compiled: CompiledFormula;
  try {
    compiled = compileFormula(formula);
  } catch (e) {
    const fe = e as FormulaError;
    problems.push({ path: `${base}.formula`, message: `error compiling formula '${formula}': ${fe.message}` });
    return problems;
  }
  const vars: Record<string, number | null> = {};
  for (const t of so.spec.triggers) {
    if (t.name && !RESOURCE_TRIGGERS.has(t.type)) vars[t.name] = -1;
  }
  try {
    evaluateFormula(compiled, vars);
  } catch (e) {
    const fe = e as FormulaError;
    const known = Object.keys(vars);
    problems.push({
      path: `${base}.formula`,
      message: `error running formula '${formula}' with every trigger set to -1: ${fe.message}${known.length ? ` (trigger names: ${known.join(', ')})` : ' (no trigger has a name; give triggers a name to use them in the formula)'}`,
    });
  }
  return problems;
}

/**
 * A scalingModifiers number (target, activationTarget): KEDA reads them with strconv.ParseFloat
 * (pkg/scaling/modifiers/formula.go), not as quantities, so "2k" is NaN here.
 */
export function parseModifierNumber(text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  return parseGoFloat(text) ?? NaN;
}
