import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createRegistry, renderMetrics } from './prometheus-metrics.ts';

const family = (text: string, name: string) => text.split('\n\n').find((f) => f.includes(`# TYPE ${name} `));

async function pages() {
  const registry = createRegistry({ defaultMetrics: true, labels: { pod: 'operator-0' } });
  const g = new Gauge({ name: 'many_series', help: 'h with \\ and\nnewline', labelNames: ['i', 'q'], registers: [registry] });
  const c = new Counter({ name: 'other_total', help: 'h', labelNames: ['i'], registers: [registry] });
  const h = new Histogram({ name: 'took_seconds', help: 'h', labelNames: ['i'], buckets: [0.1, 1], registers: [registry] });
  for (let i = 0; i < 5000; i++) {
    g.set({ i: String(i), q: i % 2 ? 'a "quoted" \\ value\nnext' : 'plain' }, i % 3 ? i / 7 : Infinity);
    c.inc({ i: String(i) });
    if (i < 2500) h.observe({ i: String(i) }, i / 1000);
  }
  const page = await renderMetrics(registry);
  return { page, whole: await registry.metrics() };
}

// Default metrics change between two renders (CPU, memory): each row compares one family this test controls.
describe('the /metrics page is what prom-client writes (escaping and default labels included)', () => {
  const rendered = pages();
  const rows: Array<[family: string, what: string]> = [
    ['many_series', 'a gauge with escaped HELP and label values, +Inf values'],
    ['other_total', 'a counter'],
    ['took_seconds', 'a histogram (buckets, sum, count)'],
  ];
  for (const [name, what] of rows) {
    test(what, async () => {
      const { page, whole } = await rendered;
      assert.ok(family(whole, name));
      assert.equal(family(page, name), family(whole, name));
    });
  }
  test('the same families in the same shape', async () => {
    const { page, whole } = await rendered;
    assert.equal(page.split('\n\n').length, whole.split('\n\n').length);
    assert.ok(page.endsWith('\n') && !page.endsWith('\n\n'));
  });
});

test('one family of 20,000 series is written in slices: timers due meanwhile run during it', async () => {
  const registry = createRegistry({ defaultMetrics: false });
  const g = new Gauge({ name: 'one_big_family', help: 'h', labelNames: ['namespace', 'scaledObject'], registers: [registry] });
  for (let i = 0; i < 20_000; i++) g.set({ namespace: 'bench', scaledObject: `w-${i}` }, i);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const page = await renderMetrics(registry);
  clearInterval(timer);
  // A family written in one synchronous pass would let a timer run at most once, after it.
  assert.ok(ticks >= 3, `timers ran ${ticks} times while the family was written`);
  assert.equal(page, await registry.metrics());
});

test('another content type (OpenMetrics) is written by prom-client itself', async () => {
  const registry = createRegistry({ defaultMetrics: false });
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as typeof Registry.PROMETHEUS_CONTENT_TYPE);
  new Counter({ name: 'requests', help: 'h', registers: [registry] }).inc();
  assert.equal(await renderMetrics(registry), await registry.metrics());
});
