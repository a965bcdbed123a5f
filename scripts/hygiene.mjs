#!/usr/bin/env node
// Test hygiene gate, run by `npm test` before the suites. It parses every *.test.ts under src/ and test/
// with the TypeScript compiler (syntax only, no type checking) and fails on two patterns:
//
// 1. A table of cases run as ONE test. Inside the body of a test(...) / it(...) call (not descending into
//    nested test/it/t.test calls, which are subtests of their own), a loop
//      for (const ... of ITER) { ... }      or      ITER.forEach((...) => { ... })
//    counts as a table loop when
//      - ITER is "a const array of cases": rows written out in place, or an identifier declared anywhere in
//        the file as `const X = [ rows ]` (with or without `as const`, `satisfies`, a type annotation), or
//        X.entries() of such an identifier. Rows written out means 2 or more elements, each a literal
//        (string, number, template, regex, boolean, null), an array literal or an object literal; a list
//        of variables ([leader, follower]), of computed values or with a spread is not a table; and
//      - the loop body calls assert / assert.xxx / t.assert.xxx with an argument that mentions one of the
//        loop's bound names (the row), i.e. what is asserted depends on the row.
//    Loops over computed values (Object.keys(...), a fixture's items, for (let i ...)) are not tables.
//    The fix is one test()/it() per row: `for (const row of rows) test(name(row), () => ...)`, at the top
//    level or in a describe(). A loop that is not a table of cases (several checks of ONE result) may be
//    kept with a comment `// hygiene: allow-table <why>` on the loop's line or the line above it.
//
// 2. Sleep-then-assert. In a *.test.ts file, an awaited sleep: `await sleep(...)`, `await delay(...)`,
//    `await setTimeout(...)` (node:timers/promises) or `await new Promise(... setTimeout ...)`. Wait on a
//    condition instead (test/support/wait.ts: waitFor / eventually). A sleep that is the scenario itself
//    (simulated slow work, mocked timers) may be kept with `// hygiene: allow-sleep <why>` (a reason is
//    required) on its line or the line above it.
//
// It prints counts (test files, test/it calls written, tables run one test per row, allowed exceptions)
// and every violation as file:line, and exits 1 when there is any.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const dirs = ['src', 'test'];

function find(dir) {
  const out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const unwrap = (e) => {
  while (
    e &&
    (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression?.(e) || ts.isTypeAssertionExpression(e) || ts.isNonNullExpression(e))
  )
    e = e.expression;
  return e;
};

/** test(...), it(...), test.only(...), it.skip(...), t.test(...): a call whose function argument is a test body. */
function isTestCall(node) {
  if (!ts.isCallExpression(node)) return false;
  const c = node.expression;
  if (ts.isIdentifier(c)) return c.text === 'test' || c.text === 'it';
  if (ts.isPropertyAccessExpression(c)) {
    const name = c.name.text;
    const obj = c.expression;
    if (ts.isIdentifier(obj) && (obj.text === 'test' || obj.text === 'it') && ['only', 'skip', 'todo'].includes(name)) return true;
    if (name === 'test') return true; // t.test(...) subtests
  }
  return false;
}

const testBody = (call) => call.arguments.find((a) => ts.isArrowFunction(a) || ts.isFunctionExpression(a));

function bindingNames(name, out = new Set()) {
  if (!name) return out;
  if (ts.isIdentifier(name)) out.add(name.text);
  else if (ts.isObjectBindingPattern(name) || ts.isArrayBindingPattern(name)) {
    for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindingNames(el.name, out);
  }
  return out;
}

function isAssertCall(node) {
  if (!ts.isCallExpression(node)) return false;
  let c = node.expression;
  if (ts.isIdentifier(c)) return c.text === 'assert';
  while (ts.isPropertyAccessExpression(c)) {
    if (ts.isIdentifier(c.expression) && c.expression.text === 'assert') return true;
    if (ts.isPropertyAccessExpression(c.expression) && c.expression.name.text === 'assert') return true; // t.assert.x
    c = c.expression;
  }
  return false;
}

function mentions(node, names) {
  let hit = false;
  const visit = (n) => {
    if (hit) return;
    if (ts.isIdentifier(n) && names.has(n.text)) {
      hit = true;
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return hit;
}

/** Does `body` assert on something that depends on `names`, outside nested tests? */
function assertsOnRow(body, names) {
  let hit = false;
  const visit = (n) => {
    if (hit) return;
    if (isTestCall(n)) return;
    if (isAssertCall(n) && n.arguments.some((a) => mentions(a, names))) {
      hit = true;
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return hit;
}

function lineOf(sf, node) {
  return sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
}

function marked(lines, line, tag) {
  const re = new RegExp(`//\\s*hygiene:\\s*${tag}\\s+\\S`);
  return re.test(lines[line] ?? '') || re.test(lines[line - 1] ?? '');
}

function checkFile(file) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const constArrays = new Set();
  const collect = (n) => {
    if (ts.isVariableDeclarationList(n) && n.flags & ts.NodeFlags.Const) {
      for (const d of n.declarations) {
        const init = unwrap(d.initializer);
        if (ts.isIdentifier(d.name) && init && ts.isArrayLiteralExpression(init) && isRows(init)) constArrays.add(d.name.text);
      }
    }
    ts.forEachChild(n, collect);
  };
  collect(sf);

  const isCaseArray = (e) => {
    e = unwrap(e);
    if (!e) return false;
    if (ts.isArrayLiteralExpression(e)) return isRows(e);
    if (ts.isIdentifier(e)) return constArrays.has(e.text);
    if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'entries' && e.arguments.length === 0)
      return isCaseArray(e.expression.expression);
    return false;
  };

  const r = { tests: 0, perRow: 0, tables: [], sleeps: [], allowedTables: 0, allowedSleeps: 0 };

  // A loop, outside any test body, whose body declares a test per row.
  const declaresTests = (n) => {
    let hit = false;
    const v = (x) => {
      if (hit) return;
      if (isTestCall(x)) {
        hit = true;
        return;
      }
      ts.forEachChild(x, v);
    };
    v(n);
    return hit;
  };

  const visit = (n, inTest) => {
    if (isTestCall(n)) {
      r.tests++;
      const body = testBody(n);
      for (const a of n.arguments) if (a !== body) visit(a, inTest);
      if (body) visit(body, true);
      return;
    }
    let iter;
    let names;
    let loopBody;
    if (ts.isForOfStatement(n)) {
      iter = n.expression;
      names = ts.isVariableDeclarationList(n.initializer) ? bindingNames(n.initializer.declarations[0]?.name) : new Set();
      loopBody = n.statement;
    } else if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'forEach') {
      const cb = n.arguments[0];
      if (cb && (ts.isArrowFunction(cb) || ts.isFunctionExpression(cb))) {
        iter = n.expression.expression;
        names = new Set();
        for (const p of cb.parameters) bindingNames(p.name, names);
        loopBody = cb.body;
      }
    }
    if (iter && isCaseArray(iter)) {
      if (!inTest && declaresTests(loopBody)) r.perRow++;
      if (inTest && names.size > 0 && assertsOnRow(loopBody, names)) {
        const line = lineOf(sf, n);
        if (marked(lines, line, 'allow-table')) r.allowedTables++;
        else r.tables.push(line + 1);
      }
    }
    if (ts.isAwaitExpression(n) && isSleep(n.expression)) {
      const line = lineOf(sf, n);
      if (marked(lines, line, 'allow-sleep')) r.allowedSleeps++;
      else r.sleeps.push(line + 1);
    }
    ts.forEachChild(n, (c) => visit(c, inTest));
  };
  visit(sf, false);
  return r;
}

/** Rows written out: 2+ elements, each a literal (string, number, template, regex, boolean, null), an array or an object literal. */
function isRows(arr) {
  const literal = (e) => {
    e = unwrap(e);
    return (
      ts.isStringLiteral(e) ||
      ts.isNumericLiteral(e) ||
      ts.isNoSubstitutionTemplateLiteral(e) ||
      ts.isTemplateExpression(e) ||
      ts.isRegularExpressionLiteral(e) ||
      ts.isArrayLiteralExpression(e) ||
      ts.isObjectLiteralExpression(e) ||
      e.kind === ts.SyntaxKind.TrueKeyword ||
      e.kind === ts.SyntaxKind.FalseKeyword ||
      e.kind === ts.SyntaxKind.NullKeyword ||
      (ts.isPrefixUnaryExpression(e) && ts.isNumericLiteral(e.operand))
    );
  };
  return arr.elements.length >= 2 && arr.elements.every(literal);
}

function isSleep(e) {
  e = unwrap(e);
  if (!ts.isCallExpression(e) && !ts.isNewExpression(e)) return false;
  const c = e.expression;
  if (ts.isCallExpression(e) && ts.isIdentifier(c) && ['sleep', 'delay', 'setTimeout'].includes(c.text)) return true;
  if (ts.isNewExpression(e) && ts.isIdentifier(c) && c.text === 'Promise') {
    let hit = false;
    const v = (x) => {
      if (hit) return;
      if (ts.isCallExpression(x) && ts.isIdentifier(x.expression) && x.expression.text === 'setTimeout') {
        hit = true;
        return;
      }
      ts.forEachChild(x, v);
    };
    for (const a of e.arguments ?? []) v(a);
    return hit;
  }
  return false;
}

const files = dirs.flatMap((d) => find(join(root, d))).sort();
let tests = 0,
  perRow = 0,
  allowedTables = 0,
  allowedSleeps = 0;
const problems = [];
for (const f of files) {
  const r = checkFile(f);
  const rel = relative(root, f);
  tests += r.tests;
  perRow += r.perRow;
  allowedTables += r.allowedTables;
  allowedSleeps += r.allowedSleeps;
  for (const l of r.tables) problems.push(`${rel}:${l}: a table of cases runs as one test; declare one test() per row`);
  for (const l of r.sleeps) problems.push(`${rel}:${l}: sleep in a test; wait on a condition (test/support/wait.ts) or mark it // hygiene: allow-sleep <why>`);
}
const tables = problems.filter((p) => p.includes('table of cases')).length;
const sleeps = problems.length - tables;
console.log(
  `hygiene: ${files.length} test files, ${tests} test/it calls written, ${perRow} tables run one test per row, ${tables} tables run as one test, ${sleeps} sleeps (${allowedTables} table and ${allowedSleeps} sleep exceptions marked)`,
);
for (const p of problems) console.log(`  ${p}`);
if (problems.length > 0) {
  console.log(`hygiene: FAILED (${problems.length} problems)`);
  process.exit(1);
}
console.log('hygiene: ok');
