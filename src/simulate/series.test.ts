import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsvSeries, parseJsonSeries, SeriesCursor, SeriesError } from './series.ts';

test('CSV: values hold until the next row; empty cells and "error" are failed reads', () => {
  const s = parseCsvSeries('t,queue,lag\n0,1,5\n10,,error\n20,3,7\n');
  const q = new SeriesCursor(s.points.get('queue')!);
  assert.deepEqual(
    [0, 5, 10, 15, 20, 99].map((t) => q.at(t)),
    [1, 1, 'error', 'error', 3, 3],
  );
  assert.equal(s.end, 20);
  assert.deepEqual(s.columns, ['queue', 'lag']);
});

test('JSON: a series map or an array of rows give the same points', () => {
  const a = parseJsonSeries('{"series": {"q": [[0, 1], [10, null], [20, 3]]}}');
  const b = parseJsonSeries('[{"t": 0, "q": 1}, {"t": 10, "q": "error"}, {"t": 20, "q": 3}]');
  assert.deepEqual(a.points.get('q'), b.points.get('q'));
});

describe('bad series are rejected with the line and a fix', () => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => parseCsvSeries('time,q\n0,1'), /first column must be 't'/],
    [() => parseCsvSeries('t,q\n0,abc'), /series.csv:2 column q: 'abc' is not a number/],
    [() => parseCsvSeries('t,q\n10,1\n5,1'), /time order/],
    [() => parseJsonSeries('{"x": 1}'), /expected \{"series"/],
  ];
  for (const [f, re] of cases)
    test(`${f.toString().replace(/^\(\)\s*=>\s*/, '')} is refused with ${re}`, () =>
      assert.throws(f, (e: unknown) => e instanceof SeriesError && re.test((e as Error).message)));
});

test('before the first point there is no value', () => {
  const c = new SeriesCursor([{ t: 10, v: 1 }]);
  assert.equal(c.at(5), undefined);
  assert.equal(c.at(10), 1);
});
