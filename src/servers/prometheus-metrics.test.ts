import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Gauge } from 'prom-client';
import { createRegistry, renderMetrics } from './prometheus-metrics.ts';

test('the /metrics page is what prom-client writes, rendered one family at a time so timers due meanwhile run', async () => {
  const registry = createRegistry({ defaultMetrics: true });
  const g = new Gauge({ name: 'many_series', help: 'h', labelNames: ['i'], registers: [registry] });
  const c = new Counter({ name: 'other_total', help: 'h', labelNames: ['i'], registers: [registry] });
  for (let i = 0; i < 5000; i++) {
    g.set({ i: String(i) }, i);
    c.inc({ i: String(i) });
  }
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const page = await renderMetrics(registry);
  clearInterval(timer);
  assert.ok(ticks > 0, 'the event loop turned while the page was rendered');
  // Default metrics change between two renders (CPU, memory): compare the families this test controls, and the shape.
  const whole = await registry.metrics();
  const family = (text: string, name: string) => text.split('\n\n').find((f) => f.includes(`# TYPE ${name} `));
  assert.equal(family(page, 'many_series'), family(whole, 'many_series'));
  assert.equal(family(page, 'other_total'), family(whole, 'other_total'));
  assert.equal(page.split('\n\n').length, whole.split('\n\n').length);
  assert.ok(page.endsWith('\n') && !page.endsWith('\n\n'));
});
