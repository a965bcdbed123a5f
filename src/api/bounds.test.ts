// Hostile and broken manifests at the edge (src/api/bounds.ts, parse.ts): one bad document never hides the next,
// bounds are checked by design and quickly, prototype keys never reach a prototype, and no message echoes a
// multi-megabyte value.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findDeepDocuments, MAX_DEPTH, measure } from './bounds.ts';
import { parseKedaObject, parseManifests } from './parse.ts';
import { MAX_ECHO, quote, truncate } from './problem.ts';
import type { ScaledObject } from './types.ts';

const so = (name = 'orders', extra = '') => `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: ${name}
  namespace: shop
spec:
  scaleTargetRef:
    name: worker
${extra}  triggers:
    - type: cron
      metadata: {}
`;

/** "Billion laughs": 9 levels of 9 aliases each, 9^9 strings if expanded. */
function aliasBomb(): string {
  let t = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    t += `${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
  }
  return t;
}

function timed<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

const HANG_GUARD_MS = 30_000;

describe('parseManifests: one broken or hostile document never hides the next', () => {
  const rows: Array<{ name: string; bad: string; message: RegExp; line: number }> = [
    { name: 'a YAML syntax error is a problem at its line', bad: 'kind: a: b\n', message: /^YAML syntax error/, line: 1 },
    { name: 'a duplicate key is a problem that names the key', bad: 'kind: A\nspec: {}\nkind: B\n', message: /^duplicate key "kind"/, line: 3 },
    { name: 'an alias bomb is refused quickly without expanding it', bad: aliasBomb(), message: /YAML aliases expand too much.*billion laughs/, line: 1 },
    {
      name: 'a document nested deeper than the bound is refused without parsing it (3 MiB of "[")',
      bad: '['.repeat(3 * 1024 * 1024),
      message: new RegExp(`more than ${MAX_DEPTH} levels deep`),
      line: 1,
    },
    { name: 'deep block nesting ("- - - ...") is refused the same way', bad: '- '.repeat(500_000) + 'x\n', message: /levels deep/, line: 1 },
    {
      name: 'aliases that each expand a large node are refused by the expanded size',
      bad: `a: &a "${'x'.repeat(1024 * 1024)}"\nb: [${Array(20).fill('*a').join(', ')}]\n`,
      message: /expands to more than 8 MiB/,
      line: 1,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const text = `${so('before')}---\n${row.bad}${row.bad.endsWith('\n') ? '' : '\n'}---\n${so('after')}`;
      const firstLine = so('before').split('\n').length + 1; // the line of the bad document's first line, after `---`
      const { value: r, ms } = timed(() => parseManifests(text, 'h.yaml'));
      // A hang guard, not a timing goal (the figures are printed by bench/, not asserted on a loaded machine).
      assert.ok(ms < HANG_GUARD_MS, `took ${Math.round(ms)} ms`);
      assert.deepEqual(
        r.objects.map((o) => o.metadata.name),
        ['before', 'after'],
      );
      const errors = r.problems.filter((p) => p.severity === 'error');
      assert.ok(errors.length >= 1, JSON.stringify(r.problems));
      assert.equal(errors[0].object, 'document 2');
      assert.match(errors[0].message, row.message);
      assert.equal(errors[0].source, `h.yaml:${firstLine + row.line - 1}`);
      assert.ok(errors[0].fix);
    });
  }

  it('a too-deep first document with no --- marker is still reported, and the documents after it are read', () => {
    const r = parseManifests(`${'{a: '.repeat(200)}\n---\n${so('after')}`, 'd.yaml');
    assert.deepEqual(
      r.objects.map((o) => o.metadata.name),
      ['after'],
    );
    assert.equal(r.problems[0].object, 'document 1');
    assert.equal(r.problems[0].source, 'd.yaml:1');
  });

  it('nesting up to the bound is accepted', () => {
    const r = parseManifests(`a: ${'['.repeat(MAX_DEPTH - 1)}${']'.repeat(MAX_DEPTH - 1)}\n`);
    assert.deepEqual(r.problems, []);
  });
});

describe('findDeepDocuments: the lexer scan counts nesting as the parsed value has it', () => {
  const rows: Array<[string, string, number]> = [
    ['a flat map is 1 level', 'a: 1\nb: 2\n', 1],
    ["a sequence at its parent key's column is one more level", 'a:\n- b\n- c\nd: 1\n', 2],
    ['mixed block and flow collections add up', 'a:\n  b:\n    c:\n    - - x\n      - y\n    - {d: [1, [2]]}\n', 7],
    ['compact sequences ("- - -") count each "-"', '- - - - x\n', 4],
    ['brackets and dashes inside a block scalar are text', 'a: |\n  [[[[[[\n  - - - - -\nb: 1\n', 1],
    ['brackets inside quoted scalars are text', 'a: "[[[[" \nb: \'{{{{\'\n', 1],
  ];
  for (const [name, text, depth] of rows) {
    it(name, () => {
      assert.equal(findDeepDocuments(text, depth).length, 0);
      assert.equal(findDeepDocuments(text, depth - 1).length, 1);
    });
  }
});

describe('prototype keys never reach a prototype', () => {
  it('spec.__proto__.scaleTargetRef does not satisfy the required spec.scaleTargetRef', () => {
    const r = parseManifests(
      `apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: p\nspec:\n  __proto__:\n    scaleTargetRef:\n      name: w\n  triggers:\n    - type: cron\n      metadata: {}\n`,
      'p.yaml',
    );
    assert.equal(r.objects.length, 0);
    assert.deepEqual(
      r.problems.map((p) => [p.severity, p.path, p.source]),
      [
        ['error', 'spec.__proto__', 'p.yaml:7'],
        ['error', 'spec.scaleTargetRef', 'p.yaml:6'],
      ],
    );
    assert.match(r.problems[0].message, /the key __proto__ is refused/);
  });

  it("a JSON object with __proto__ (the admission webhook's input) is refused at that path", () => {
    const raw = JSON.parse(
      '{"apiVersion":"keda.sh/v1alpha1","kind":"ScaledObject","metadata":{"name":"p"},"spec":{"scaleTargetRef":{"name":"w"},"triggers":[{"type":"cron","metadata":{"__proto__":{"x":"y"}}}]}}',
    );
    const r = parseKedaObject(raw);
    assert.ok(r && !r.ok);
    assert.deepEqual(
      r.problems.map((p) => p.path),
      ['spec.triggers[0].metadata.__proto__'],
    );
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });

  const ordinary: Array<[string, string]> = [
    ['a constructor key in spec is an unknown field (warning), not a crash', '  constructor: 1\n'],
    ['a prototype key in spec is an unknown field (warning)', '  prototype: {a: 1}\n'],
  ];
  for (const [name, extra] of ordinary) {
    it(name, () => {
      const r = parseManifests(so('o', extra));
      assert.equal(r.objects.length, 1);
      assert.deepEqual(
        r.problems.map((p) => [p.severity, p.path]),
        [['warning', `spec.${extra.trim().split(':')[0]}`]],
      );
    });
  }

  it('constructor, prototype and hasOwnProperty are ordinary trigger metadata keys', () => {
    const r = parseManifests(so('o').replace('metadata: {}', 'metadata: {constructor: "a", prototype: "b", hasOwnProperty: "c"}'));
    assert.deepEqual(r.problems, []);
    const md = (r.objects[0] as ScaledObject).spec.triggers[0].metadata;
    assert.deepEqual(Object.entries(md), [
      ['constructor', 'a'],
      ['prototype', 'b'],
      ['hasOwnProperty', 'c'],
    ]);
  });
});

describe('what the API server refuses later is refused offline', () => {
  const rows: Array<{ name: string; text: string; object: string; path: string; message: RegExp; fix: RegExp }> = [
    {
      name: 'a kind typo in keda.sh/v1alpha1 is an error naming the known kinds',
      text: so().replace('kind: ScaledObject', 'kind: ScaledObjekt'),
      object: 'ScaledObjekt shop/orders',
      path: 'kind',
      message: /kind "ScaledObjekt" is not served by keda\.sh\/v1alpha1.*ScaledObject, ScaledJob, TriggerAuthentication, ClusterTriggerAuthentication/,
      fix: /did you mean kind: ScaledObject\?/,
    },
    {
      name: 'a missing kind in keda.sh/v1alpha1 is an error',
      text: so().replace('kind: ScaledObject\n', ''),
      object: '<no kind> shop/orders',
      path: 'kind',
      message: /kind is required/,
      fix: /kind: ScaledObject/,
    },
    {
      name: 'a CloudEventSource under keda.sh is pointed to eventing.keda.sh',
      text: so().replace('kind: ScaledObject', 'kind: CloudEventSource'),
      object: 'CloudEventSource shop/orders',
      path: 'kind',
      message: /not served/,
      fix: /eventing\.keda\.sh\/v1alpha1/,
    },
    {
      name: 'a namespace that is not a DNS-1123 label is an error',
      text: so().replace('namespace: shop', 'namespace: Shop_1'),
      object: 'ScaledObject Shop_1/orders',
      path: 'metadata.namespace',
      message: /namespace "Shop_1" is not a valid namespace name: it must be an RFC 1123 label/,
      fix: /lowercase/,
    },
    {
      name: 'a namespace longer than 63 characters is an error',
      text: so().replace('namespace: shop', `namespace: ${'n'.repeat(64)}`),
      object: `ScaledObject ${'n'.repeat(64)}/orders`,
      path: 'metadata.namespace',
      message: /and it has 64/,
      fix: /namespace/,
    },
    {
      name: 'a name that is not a DNS-1123 subdomain is an error',
      text: so('Orders_1'),
      object: 'ScaledObject shop/Orders_1',
      path: 'metadata.name',
      message: /RFC 1123 subdomain/,
      fix: /lowercase/,
    },
    {
      name: 'an object over the 1.5 MiB etcd stores is an error',
      text: so('big', `  fallback: {failureThreshold: 3, replicas: 1}\n`).replace('metadata: {}', `metadata: {blob: "${'x'.repeat(1600 * 1024)}"}`),
      object: 'ScaledObject shop/big',
      path: '',
      message: /larger than 1\.5 MiB as JSON; etcd refuses/,
      fix: /Secret or ConfigMap/,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const r = parseManifests(row.text, 'k.yaml');
      assert.equal(r.objects.length, 0);
      assert.equal(r.others.length, 0);
      const p = r.problems.find((x) => x.severity === 'error');
      assert.ok(p, JSON.stringify(r.problems));
      assert.deepEqual([p.object, p.path], [row.object, row.path]);
      assert.match(p.message, row.message);
      assert.match(p.fix ?? '', row.fix);
    });
  }

  it('ScaledObjectList and CloudEventSource under eventing.keda.sh are still other objects', () => {
    const r = parseManifests(
      'apiVersion: keda.sh/v1alpha1\nkind: ScaledObjectList\nmetadata: {}\n---\napiVersion: eventing.keda.sh/v1alpha1\nkind: CloudEventSource\nmetadata: {name: e}\n',
    );
    assert.deepEqual(r.problems, []);
    assert.deepEqual(
      r.others.map((o) => o.kind),
      ['ScaledObjectList', 'CloudEventSource'],
    );
  });
});

describe('no message echoes a huge value', () => {
  const huge = 'A'.repeat(2 * 1024 * 1024);
  const rows: Array<[string, string]> = [
    ['a huge invalid name', so(huge)],
    ['a huge kind typo', so().replace('kind: ScaledObject', `kind: ${huge}`)],
    ['a huge invalid namespace', so().replace('namespace: shop', `namespace: ${huge}`)],
    ['a huge metadata key given a number', so().replace('metadata: {}', `metadata: {${huge.slice(0, 1024 * 1024)}: 5}`)],
    ['a huge int32 given as a string', so('o', `  minReplicaCount: "${'1'.repeat(1024 * 1024)}"\n`)],
    ['a huge duplicate key', `${huge}: 1\n${huge}: 2\n`],
    [
      'a huge metricType that is not one of the allowed values',
      so().replace('    - type: cron\n', `    - type: cron\n      metricType: ${huge.slice(0, 1024 * 1024)}\n`),
    ],
  ];
  for (const [name, text] of rows) {
    it(`${name} is cut to ${MAX_ECHO} characters with an ellipsis and its length`, () => {
      const r = parseManifests(text, 'x.yaml');
      assert.ok(r.problems.length > 0);
      for (const p of r.problems) {
        for (const s of [p.object, p.path, p.message, p.fix ?? '']) assert.ok(s.length < 700, `${s.length} characters: ${s.slice(0, 300)}`);
      }
      assert.ok(
        r.problems.some((p) => /…"? \(\d+ characters\)/.test(`${p.object} ${p.message} ${p.fix}`)),
        JSON.stringify(r.problems).slice(0, 500),
      );
    });
  }

  it('truncate and quote keep short values and mark cut ones with the original length', () => {
    assert.equal(truncate('short'), 'short');
    assert.equal(truncate('x'.repeat(100)), `${'x'.repeat(80)}… (100 characters)`);
    assert.equal(quote('x'.repeat(100)), `"${'x'.repeat(80)}…" (100 characters)`);
  });
});

describe('measure: an iterative walk, bounded by size', () => {
  it('stops at the byte bound on a value that shares a large part many times', () => {
    const big = 'x'.repeat(1024 * 1024);
    const { value: m, ms } = timed(() => measure({ a: Array(1000).fill(big) }, { maxBytes: 8 * 1024 * 1024 }));
    assert.equal(m.overBytes, true);
    assert.ok(ms < 200, `${ms} ms`);
  });

  it('reports the path where the nesting crosses the bound', () => {
    let v: unknown = 1;
    for (let i = 0; i < 5; i++) v = { k: v };
    assert.equal(measure({ spec: v }, { maxDepth: 3 }).tooDeep, 'spec.k.k');
  });
});
