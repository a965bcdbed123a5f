import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arrivalsBy, constantRate, parseStages, rateAt, totalDurationMs } from './stages.ts';

describe('load stages', () => {
  it('parses k6-style stages with units', () => {
    assert.deepEqual(parseStages('30s:20, 1m:200,500ms:0'), [
      { durationMs: 30_000, target: 20 },
      { durationMs: 60_000, target: 200 },
      { durationMs: 500, target: 0 },
    ]);
  });
  for (const bad of ['30:20', '30s', '30s:-1', '30s:many', 'x:1', '0s:5', '', '30s:']) {
    it(`rejects '${bad}' with the expected form`, () => {
      assert.throws(() => parseStages(bad), /<duration>:<(requests per second|rate)>/);
    });
  }

  const stages = parseStages('10s:20,10s:20,10s:0');
  const cases: Array<[number, number, number]> = [
    // t (ms), rate at t, requests due by t
    [0, 0, 0],
    [5_000, 10, 25], // ramping 0→20: half way, 10/s; area 5 s × 5/s average
    [10_000, 20, 100],
    [15_000, 20, 200], // constant 20/s
    [25_000, 10, 375], // ramping down
    [30_000, 0, 400],
    [40_000, 0, 400], // after the end
  ];
  for (const [t, rate, due] of cases) {
    it(`at ${t / 1000}s the target rate is ${rate}/s and ${due} requests are due`, () => {
      assert.equal(rateAt(stages, t), rate);
      assert.equal(arrivalsBy(stages, t), due);
    });
  }

  it('a constant rate applies from the first second', () => {
    const c = constantRate(50, 2000);
    assert.equal(totalDurationMs(c), 2000);
    assert.equal(rateAt(c, 0), 50);
    assert.equal(arrivalsBy(c, 1000), 50);
    assert.equal(arrivalsBy(c, 2000), 100);
  });
});
