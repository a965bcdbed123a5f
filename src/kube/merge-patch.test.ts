import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deepEqual, mergePatchDiff } from './merge-patch.ts';

describe('a merge-patch diff carries only changes: new values, removed keys as null, arrays whole', () => {
  const cases: Array<[string, unknown, unknown, unknown]> = [
    ['equal', { a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2] } }, undefined],
    ['changed scalar', { a: 1, b: 2 }, { a: 1, b: 3 }, { b: 3 }],
    ['removed key', { a: 1, b: 2 }, { a: 1 }, { b: null }],
    ['nested change', { health: { s0: { n: 1 }, s1: { n: 0 } } }, { health: { s0: { n: 2 }, s1: { n: 0 } } }, { health: { s0: { n: 2 } } }],
    [
      'array replaced',
      { conditions: [{ type: 'Ready', status: 'True' }] },
      { conditions: [{ type: 'Ready', status: 'False' }] },
      { conditions: [{ type: 'Ready', status: 'False' }] },
    ],
    ['undefined counts as absent', { a: 1, b: undefined }, { a: 1 }, undefined],
  ];
  for (const [name, from, to, want] of cases) {
    test(`${name}: the diff is ${JSON.stringify(want)}`, () => {
      assert.deepEqual(mergePatchDiff(from, to), want, name);
      assert.equal(deepEqual(from, to), want === undefined, name);
    });
  }
});
