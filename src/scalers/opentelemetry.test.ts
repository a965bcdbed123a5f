import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OtlpMetricStore, type OtlpPoint } from './common/otlp-metric-store.ts';
import { buildScaler } from './index.ts';
import { compute, parse, seriesValue } from './opentelemetry.ts';
import { ConfigError, ReadError, type Reading, type ScalerContext } from './scaler.ts';

describe('opentelemetry trigger metadata', () => {
  const cases: Array<{ name: string; metadata: Record<string, string>; want?: Partial<ReturnType<typeof parse>>; error?: RegExp }> = [
    {
      name: 'defaults: sum, no rate, 30s window, activation 0, no filter',
      metadata: { metricName: 'http.server.active_requests', threshold: '5' },
      want: {
        metricName: 'http.server.active_requests',
        threshold: 5,
        aggregation: 'sum',
        rate: false,
        window: 30_000,
        activationThreshold: 0,
        attributes: {},
      },
    },
    {
      name: 'every field set',
      metadata: {
        metricName: 'm',
        threshold: '2.5',
        aggregation: 'avg',
        rate: 'true',
        window: '1m',
        activationThreshold: '1',
        attributes: 'route=/api, method=GET',
      },
      want: { aggregation: 'avg', rate: true, window: 60_000, activationThreshold: 1, threshold: 2.5, attributes: { route: '/api', method: 'GET' } },
    },
    { name: 'metricName is required', metadata: { threshold: '5' }, error: /missing required parameter "metricName"/ },
    { name: 'threshold is required', metadata: { metricName: 'm' }, error: /missing required parameter "threshold"/ },
    { name: 'threshold must be positive', metadata: { metricName: 'm', threshold: '0' }, error: /threshold must be a number > 0, got '0'/ },
    { name: 'threshold must be a number', metadata: { metricName: 'm', threshold: 'five' }, error: /threshold must be a number, got 'five'/ },
    {
      name: 'aggregation is one of four',
      metadata: { metricName: 'm', threshold: '1', aggregation: 'median' },
      error: /aggregation must be one of sum, avg, max, min, got 'median'/,
    },
    { name: 'rate is a Go bool', metadata: { metricName: 'm', threshold: '1', rate: 'yes' }, error: /rate must be true or false, got 'yes'/ },
    { name: 'window is a duration', metadata: { metricName: 'm', threshold: '1', window: 'soon' }, error: /window must be a duration/ },
    { name: 'window at most 10m', metadata: { metricName: 'm', threshold: '1', window: '1h' }, error: /window must be between 1s and 10m, got '1h'/ },
    {
      name: 'attributes are key=value pairs',
      metadata: { metricName: 'm', threshold: '1', attributes: 'route' },
      error: /attributes must be a list of key=value pairs/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.error) {
        assert.throws(
          () => parse(c.metadata),
          (e: unknown) => e instanceof ConfigError && c.error!.test(e.message) && e.message.startsWith('opentelemetry: '),
        );
      } else {
        const got = parse(c.metadata);
        for (const [k, v] of Object.entries(c.want!)) assert.deepEqual(got[k as keyof typeof got], v, k);
      }
    });
  }
});

// Points as an exporter sends them; `at` is when the store receives them (the test clock).
type P = Partial<OtlpPoint> & { at: number; timeMs: number; value: number };
function storeWith(points: P[]) {
  let clock = 0;
  const store = new OtlpMetricStore({ now: () => clock });
  for (const p of [...points].sort((a, b) => a.at - b.at)) {
    clock = p.at;
    const { at: _at, ...rest } = p;
    store.ingest([
      { metric: 'm', kind: 'sum', monotonic: true, temporality: 'cumulative', resource: { 'service.instance.id': 'a' }, attributes: {}, startMs: 0, ...rest },
    ]);
  }
  return { store, setNow: (n: number) => (clock = n) };
}
/** A sample per second from `t0` for each value, timestamps equal to receive times. */
function every(t0: number, values: number[], extra: Partial<OtlpPoint> = {}): P[] {
  return values.map((value, i) => ({ at: t0 + i * 1000, timeMs: t0 + i * 1000, value, ...extra }));
}

describe('opentelemetry value of one series', () => {
  const cases: Array<{ name: string; points: P[]; now: number; rate?: boolean; window?: number; want: number | 'skip' }> = [
    { name: 'gauge: the latest value', points: every(0, [3, 5, 4], { kind: 'gauge', monotonic: false }), now: 2500, want: 4 },
    { name: 'cumulative counter with rate: increase per second', points: every(0, [0, 10, 20, 30]), now: 3000, rate: true, want: 10 },
    { name: 'cumulative counter without rate: the running total', points: every(0, [0, 10, 20, 30]), now: 3000, want: 30 },
    { name: 'a drop in a counter is a reset: the new value is the increase', points: every(0, [10, 20, 5, 15]), now: 3000, rate: true, want: 25 / 3 },
    {
      name: 'a new start time is a reset even when the value grew',
      points: [...every(0, [10, 20], { startMs: 1 }), ...every(2000, [30], { startMs: 1900 })],
      now: 2000,
      rate: true,
      want: 40 / 2,
    },
    {
      name: 'one sample of a series that started inside the window: increase since its start',
      points: [{ at: 2000, timeMs: 2000, value: 20, startMs: 1 }],
      now: 2000,
      rate: true,
      window: 10_000,
      want: 20 / 1.999,
    },
    {
      name: 'one sample of a series that started before the window: not known yet',
      points: [{ at: 60_000, timeMs: 60_000, value: 20, startMs: 1 }],
      now: 60_000,
      rate: true,
      window: 10_000,
      want: 'skip',
    },
    {
      name: 'the last sample before the window is the baseline of the rate',
      points: [
        { at: 0, timeMs: 0, value: 0 },
        { at: 20_000, timeMs: 20_000, value: 100 },
      ],
      now: 25_000,
      rate: true,
      window: 10_000,
      want: 5,
    },
    {
      name: 'delta sum with rate: deltas per second covered',
      points: [2, 3, 4].map((s) => ({ at: s * 1000, timeMs: s * 1000, startMs: (s - 1) * 1000, value: 10, temporality: 'delta' as const })),
      now: 4000,
      rate: true,
      want: 10,
    },
    {
      name: 'delta sum without rate: total in the window',
      points: [2, 3, 4].map((s) => ({ at: s * 1000, timeMs: s * 1000, startMs: (s - 1) * 1000, value: 10, temporality: 'delta' as const })),
      now: 4000,
      want: 30,
    },
    { name: 'up-down counter with rate: decreases are negative, not resets', points: every(0, [5, 3], { monotonic: false }), now: 1000, rate: true, want: -2 },
    { name: 'histogram with rate: observations per second', points: every(0, [0, 10, 30], { kind: 'histogram', sum: 0 }), now: 2000, rate: true, want: 15 },
    {
      name: 'histogram without rate: mean observed value in the window',
      points: [
        { at: 0, timeMs: 0, value: 0, sum: 0, kind: 'histogram' },
        { at: 1000, timeMs: 1000, value: 10, sum: 500, kind: 'histogram' },
      ],
      now: 1000,
      want: 50,
    },
    {
      name: 'a series silent for longer than the window is gone',
      points: every(0, [1, 2], { kind: 'gauge', monotonic: false }),
      now: 40_000,
      window: 30_000,
      want: 'skip',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { store, setNow } = storeWith(c.points);
      setNow(c.now);
      const [s] = store.series('m');
      const got = seriesValue(s, { rate: c.rate ?? false, window: c.window ?? 30_000 }, c.now);
      if (c.want === 'skip') assert.ok('skip' in got, JSON.stringify(got));
      else assert.ok('value' in got && Math.abs(got.value - c.want) < 1e-9, `got ${JSON.stringify(got)}, want ${c.want}`);
    });
  }

  it('rate on a gauge is an error that says what to change', () => {
    const { store } = storeWith(every(0, [1], { kind: 'gauge', monotonic: false }));
    assert.throws(
      () => seriesValue(store.series('m')[0], { rate: true, window: 30_000 }, 0),
      (e: unknown) => e instanceof ReadError && /is a gauge; rate needs a counter/.test(e.message),
    );
  });
});

describe('opentelemetry value across instances', () => {
  // Three instances reporting a gauge; instance b has two series (two routes) that are summed first.
  const gauge = (instance: string, route: string, value: number, resource: Record<string, string> = {}): P => ({
    at: 0,
    timeMs: 0,
    value,
    kind: 'gauge',
    monotonic: false,
    resource: { 'service.instance.id': instance, ...resource },
    attributes: { route },
  });
  const points = [gauge('a', '/x', 2, { zone: 'z1' }), gauge('b', '/x', 1), gauge('b', '/y', 3), gauge('c', '/x', 9)];
  const cases: Array<{ aggregation: 'sum' | 'avg' | 'max' | 'min'; attributes?: Record<string, string>; want: number; instances: number }> = [
    { aggregation: 'sum', want: 15, instances: 3 },
    { aggregation: 'avg', want: 5, instances: 3 },
    { aggregation: 'max', want: 9, instances: 3 },
    { aggregation: 'min', want: 2, instances: 3 },
    { aggregation: 'sum', attributes: { route: '/x' }, want: 12, instances: 3 },
    { aggregation: 'sum', attributes: { zone: 'z1' }, want: 2, instances: 1 },
    { aggregation: 'sum', attributes: { route: '/none' }, want: 0, instances: 0 },
  ];
  for (const c of cases) {
    it(`${c.aggregation}${c.attributes ? ` of series with ${JSON.stringify(c.attributes)}` : ''} is ${c.want}`, () => {
      const { store } = storeWith(points);
      const got = compute(store.series('m'), { rate: false, window: 30_000, aggregation: c.aggregation, attributes: c.attributes ?? {} }, 0);
      assert.deepEqual(got, { value: c.want, instances: c.instances });
    });
  }

  it('combines histogram means of one instance weighted by their counts', () => {
    const h = (route: string, count: number, sum: number): P[] => [
      { at: 0, timeMs: 0, value: 0, sum: 0, kind: 'histogram', attributes: { route } },
      { at: 1000, timeMs: 1000, value: count, sum, kind: 'histogram', attributes: { route } },
    ];
    const { store } = storeWith([...h('/x', 1, 100), ...h('/y', 3, 60)]);
    const got = compute(store.series('m'), { rate: false, window: 30_000, aggregation: 'avg', attributes: {} }, 1000);
    assert.deepEqual(got, { value: 40, instances: 1 });
  });
});

describe('opentelemetry metric store', () => {
  it('treats a point sent twice (an exporter retry) as one sample', () => {
    const { store } = storeWith([
      { at: 0, timeMs: 0, value: 1 },
      { at: 10, timeMs: 0, value: 1 },
    ]);
    assert.equal(store.series('m')[0].samples.length, 1);
  });

  it('rejects points of new series beyond the per-metric limit, naming the metric', () => {
    const store = new OtlpMetricStore({ maxSeriesPerMetric: 2 });
    const p = (id: string): OtlpPoint => ({
      metric: 'm',
      kind: 'gauge',
      monotonic: false,
      temporality: 'cumulative',
      resource: {},
      attributes: { id },
      startMs: 0,
      timeMs: 1,
      value: 1,
    });
    const r = store.ingest([p('1'), p('2'), p('3'), p('1')]);
    assert.equal(r.accepted, 3);
    assert.equal(r.rejected, 1);
    assert.match(r.errors[0], /metric m has 2 series/);
  });

  it('forgets series after the retention, keeping one sample before it as a baseline', () => {
    let now = 0;
    const store = new OtlpMetricStore({ now: () => now, retentionMs: 10_000 });
    const p = (timeMs: number, id = 'a'): OtlpPoint => ({
      metric: 'm',
      kind: 'sum',
      monotonic: true,
      temporality: 'cumulative',
      resource: { 'service.instance.id': id },
      attributes: {},
      startMs: 0,
      timeMs,
      value: timeMs,
    });
    for (now = 0; now <= 20_000; now += 1000) store.ingest([p(now)]);
    now = 20_000;
    store.ingest([p(0, 'b')]);
    store.sweep();
    const a = store.series('m').find((s) => s.instance === '/a')!;
    assert.equal(a.samples[0].at, 10_000);
    now = 31_000;
    store.sweep();
    assert.deepEqual(store.metricNames(), []);
  });
});

describe('opentelemetry scaler', () => {
  const ctx = (metadata: Record<string, string>, metricType?: 'Value' | 'Utilization'): ScalerContext => ({
    trigger: { type: 'opentelemetry', metadata, useCachedMetrics: false, ...(metricType ? { metricType } : {}) },
    triggerIndex: 1,
    namespace: 'default',
    objectName: 'web',
    objectKind: 'ScaledObject',
    authParams: {},
    resolvedEnv: {},
    httpTimeoutMs: 3000,
  });

  it('names its metric s<index>-opentelemetry-<metricName> normalized, AverageValue by default', () => {
    const scaler = buildScaler(ctx({ metricName: 'http.server.request.count', threshold: '5' }));
    assert.deepEqual(scaler.metricSpecs, [
      { metricName: 's1-opentelemetry-http-server-request-count', kind: 'External', targetType: 'AverageValue', target: 5 },
    ]);
  });

  it('refuses metricType Utilization', () => {
    assert.throws(
      () => buildScaler(ctx({ metricName: 'm', threshold: '5' }, 'Utilization')),
      /metricType Utilization is only supported by cpu and memory triggers/,
    );
  });

  it('pushes a reading as soon as data for its metric arrives, active only above activationThreshold', async () => {
    let now = 1000;
    const store = new OtlpMetricStore({ now: () => now });
    const scaler = buildScaler({ ...ctx({ metricName: 'q', threshold: '5', activationThreshold: '3' }), otlpStore: store, now: () => now });
    const pushed: Reading[] = [];
    const off = scaler.subscribe!((r) => pushed.push(r));
    const g = (value: number): OtlpPoint => ({
      metric: 'q',
      kind: 'gauge',
      monotonic: false,
      temporality: 'cumulative',
      resource: {},
      attributes: {},
      startMs: 0,
      timeMs: now,
      value,
    });
    store.ingest([g(3)]);
    store.ingest([{ ...g(1), metric: 'other' }]);
    now = 2000;
    store.ingest([g(4)]);
    assert.deepEqual(pushed, [
      { metrics: [{ name: 's1-opentelemetry-q', value: 3 }], active: false },
      { metrics: [{ name: 's1-opentelemetry-q', value: 4 }], active: true },
    ]);
    off();
    store.ingest([g(9)]);
    assert.equal(pushed.length, 2);
    assert.deepEqual(await scaler.read(new AbortController().signal), { metrics: [{ name: 's1-opentelemetry-q', value: 9 }], active: true });
    now = 40_000; // the only series aged out of the 30 s window
    assert.deepEqual(await scaler.read(new AbortController().signal), { metrics: [{ name: 's1-opentelemetry-q', value: 0 }], active: false });
    await scaler.close();
  });
});
