// The chart's legend stays inside the canvas: it wraps onto more rows (growing the canvas) instead of running off
// the right edge when trigger names are long or many.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateTextWidth, renderChart } from './chart.ts';
import type { Series } from './series.ts';
import type { SimStep, SimulationResult } from './simulator.ts';

function chartFor(columns: string[], fallback = false): string {
  const steps: SimStep[] = [0, 30, 60, 90].map((t, i) => ({
    t,
    loop: 'operator',
    values: {},
    active: i > 0,
    desired: i,
    replicas: i,
    ready: i,
    reason: 'test',
    cooldown: false,
    stabilized: false,
    fallback: fallback && i === 2,
  }));
  const result: SimulationResult = {
    summary: {
      object: 'default/test',
      mode: 'hpa',
      durationSeconds: 120,
      steps: steps.length,
      startReplicas: 0,
      finalReplicas: 3,
      maxReplicas: 3,
      activations: 1,
      deactivations: 0,
      scaleChanges: 3,
      replicaHours: 0.05,
    },
    steps,
    triggers: [],
    columns,
  };
  const series: Series = {
    columns,
    points: new Map(
      columns.map((c, i) => [
        c,
        [
          { t: 0, v: i },
          { t: 60, v: 10 + i },
        ],
      ]),
    ),
    end: 120,
  };
  return renderChart(result, series, 'legend test');
}

const unescape = (s: string): string =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

function legendOf(svg: string): Array<{ x: number; y: number; label: string }> {
  return [...svg.matchAll(/<text class="legend" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
    label: unescape(m[3]),
  }));
}

const long = (s: string) => `${s}-${'very-long-trigger-name-'.repeat(3)}end`;
const cases: Array<{ name: string; columns: string[]; fallback?: boolean; rows: 'one' | 'several' }> = [
  { name: 'short names', columns: ['queue', 'rps'], rows: 'one' },
  { name: 'long names', columns: [long('sqs-orders'), long('cloudwatch-requests-per-second'), long('prometheus')], fallback: true, rows: 'several' },
  { name: 'many triggers', columns: Array.from({ length: 14 }, (_, i) => `trigger-${i}`), rows: 'several' },
  { name: 'one name longer than the canvas (shortened, the rest wraps)', columns: ['x'.repeat(300)], rows: 'several' },
];

describe('chart legend fits the canvas', () => {
  for (const c of cases) {
    it(c.name, () => {
      const svg = chartFor(c.columns, c.fallback);
      const width = Number(/<svg[^>]* width="(\d+)"/.exec(svg)?.[1]);
      const height = Number(/<svg[^>]* height="(\d+)"/.exec(svg)?.[1]);
      const entries = legendOf(svg);
      const expected = c.columns.length + 5 + (c.fallback ? 1 : 0);
      assert.equal(entries.length, expected, 'every legend entry is drawn');
      for (const e of entries) {
        assert.ok(e.x >= 0, `${e.label} starts inside the canvas`);
        assert.ok(e.x + estimateTextWidth(e.label) <= width, `${e.label} (x ${e.x}) ends inside the ${width} px canvas`);
      }
      // The plot frame starts below the last legend row and ends inside the (grown) canvas.
      const frame = /<rect x="70" y="([\d.]+)" width="820" height="([\d.]+)" fill="none"/.exec(svg);
      assert.ok(frame, 'plot frame drawn');
      const top = Number(frame[1]);
      assert.ok(Math.max(...entries.map((e) => e.y)) + 10 < top, 'legend rows are above the plot');
      assert.ok(top + Number(frame[2]) < height, 'plot inside the canvas');
      const rows = new Set(entries.map((e) => e.y)).size;
      if (c.rows === 'one') assert.equal(rows, 1);
      else assert.ok(rows > 1, 'the legend wrapped');
      assert.equal(height, 500 + (rows - 1) * 20, 'the canvas grows by one row height per extra row');
      for (const col of c.columns) {
        const shown = entries.find((e) => e.label === col || (e.label.endsWith('…') && col.startsWith(e.label.slice(0, -1))));
        assert.ok(shown, `${col.slice(0, 40)} has a legend entry`);
      }
    });
  }
});

describe('estimateTextWidth', () => {
  it('counts wide letters wider than narrow ones, and bounds the common sans fonts', () => {
    assert.ok(estimateTextWidth('WWWW') > estimateTextWidth('iiii') * 3);
    // At least Helvetica's and DejaVu Sans' advance widths (W: 944 and 989 per 1000 em; x: 500 and 592).
    assert.ok(estimateTextWidth('W'.repeat(10)) >= 10 * 0.989 * 12);
    assert.ok(estimateTextWidth('x'.repeat(10)) >= 10 * 0.592 * 12);
  });
});
