// Updraft's OTLP/HTTP receiver fed by the real OpenTelemetry JS SDK exporters (protobuf and JSON), plus raw
// requests for the protocol's edges (gzip, partial success, malformed bodies).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { AggregationTemporalityPreference, OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { OtlpMetricStore } from '../../src/scalers/common/otlp-metric-store.ts';
import { buildScaler } from '../../src/scalers/index.ts';
import type { Reading } from '../../src/scalers/scaler.ts';
import { OtlpReceiver } from '../../src/servers/otlp-receiver.ts';

let store: OtlpMetricStore;
let receiver: OtlpReceiver;
let url: string;

before(async () => {
  store = new OtlpMetricStore();
  receiver = new OtlpReceiver({ store, port: 0, maxBodyBytes: 1024 * 1024 });
  url = (await receiver.start()).url;
});
after(() => receiver.close());

function sdk(exporter: PushMetricExporter, instance: string) {
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop', 'service.instance.id': instance }),
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
  });
  return { meter: provider.getMeter('test'), flush: () => provider.forceFlush(), shutdown: () => provider.shutdown() };
}

const exporters = [
  { name: 'protobuf', make: (opts: object) => new ProtoExporter({ url: `${url}/v1/metrics`, ...opts }) },
  { name: 'JSON', make: (opts: object) => new JsonExporter({ url: `${url}/v1/metrics`, ...opts }) },
];

describe('OTLP receiver with the OpenTelemetry SDK exporters', () => {
  for (const e of exporters) {
    for (const compression of [CompressionAlgorithm.NONE, CompressionAlgorithm.GZIP]) {
      it(`stores counters, gauges, up-down counters and histograms sent by the ${e.name} exporter (compression ${compression})`, async () => {
        const id = `${e.name}-${compression}`;
        const m = sdk(e.make({ compression }), id);
        m.meter.createCounter(`${id}.requests`).add(5, { route: '/a' });
        m.meter.createGauge(`${id}.temperature`).record(21.5);
        const active = m.meter.createUpDownCounter(`${id}.active`);
        active.add(3);
        active.add(-1);
        const latency = m.meter.createHistogram(`${id}.latency`);
        latency.record(10);
        latency.record(30);
        await m.flush();
        await m.shutdown();

        const one = (name: string) => {
          const s = store.series(`${id}.${name}`);
          assert.equal(s.length, 1, name);
          assert.equal(s[0].resource['service.instance.id'], id);
          // flush and shutdown both export; cumulative values repeat.
          return { s: s[0], sample: s[0].samples[s[0].samples.length - 1] };
        };
        const requests = one('requests');
        assert.deepEqual([requests.s.kind, requests.s.monotonic, requests.s.temporality, requests.sample.value], ['sum', true, 'cumulative', 5]);
        assert.deepEqual(requests.s.attributes, { route: '/a' });
        assert.ok(requests.sample.startMs > 0 && requests.sample.timeMs >= requests.sample.startMs);
        assert.deepEqual([one('temperature').s.kind, one('temperature').sample.value], ['gauge', 21.5]);
        const act = one('active');
        assert.deepEqual([act.s.kind, act.s.monotonic, act.sample.value], ['sum', false, 2]);
        const lat = one('latency');
        assert.deepEqual([lat.s.kind, lat.sample.value, lat.sample.sum], ['histogram', 2, 40]);
      });
    }

    it(`keeps delta temporality from the ${e.name} exporter: each export is the increase since the last`, async () => {
      const id = `delta-${e.name}`;
      const m = sdk(e.make({ temporalityPreference: AggregationTemporalityPreference.DELTA }), id);
      const c = m.meter.createCounter(`${id}.requests`);
      c.add(5);
      await m.flush();
      c.add(3);
      await m.flush();
      await m.shutdown();
      const [s] = store.series(`${id}.requests`);
      assert.equal(s.temporality, 'delta');
      assert.deepEqual(
        s.samples.map((x) => x.value),
        [5, 3],
      );
      assert.equal(s.samples[1].startMs, s.samples[0].timeMs, 'the second delta starts where the first ended');
    });
  }

  it('wakes a subscribed opentelemetry trigger within the export request, before any poll', async () => {
    const scaler = buildScaler({
      trigger: { type: 'opentelemetry', metadata: { metricName: 'push.queue', threshold: '10' }, useCachedMetrics: false },
      triggerIndex: 0,
      namespace: 'default',
      objectName: 'worker',
      objectKind: 'ScaledObject',
      authParams: {},
      resolvedEnv: {},
      httpTimeoutMs: 3000,
      otlpStore: store,
    });
    const pushed: Reading[] = [];
    scaler.subscribe!((r) => pushed.push(r));
    const m = sdk(exporters[0].make({}), 'push');
    m.meter.createGauge('push.queue').record(42);
    await m.flush();
    assert.deepEqual(pushed, [{ metrics: [{ name: 's0-opentelemetry-push-queue', value: 42 }], active: true }]);
    await m.shutdown();
    await scaler.close();
  });
});

describe('OTLP receiver protocol edges', () => {
  const post = (body: Uint8Array | string, headers: Record<string, string>, path = '/v1/metrics', method = 'POST') =>
    fetch(`${url}${path}`, { method, headers, body: method === 'GET' ? undefined : typeof body === 'string' ? body : new Uint8Array(body) });
  const json = { 'content-type': 'application/json' };
  const proto = { 'content-type': 'application/x-protobuf' };
  const gauge = (name: string, point: object) =>
    JSON.stringify({
      resourceMetrics: [
        { resource: { attributes: [{ key: 'service.instance.id', value: { stringValue: 'raw' } }] }, scopeMetrics: [{ metrics: [{ name, ...point }] }] },
      ],
    });

  it('accepts gzip-compressed OTLP JSON with int64 values written as strings', async () => {
    const body = gzipSync(gauge('raw.gauge', { gauge: { dataPoints: [{ timeUnixNano: '1700000000000000000', asInt: '7' }] } }));
    const res = await post(body, { ...json, 'content-encoding': 'gzip' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {});
    assert.equal(store.series('raw.gauge')[0].samples[0].value, 7);
    assert.equal(store.series('raw.gauge')[0].samples[0].timeMs, 1_700_000_000_000);
  });

  it('answers partial success for points it cannot use and keeps the rest', async () => {
    const body = gauge('raw.sum', { sum: { dataPoints: [{ asInt: '1' }, { asInt: '2' }] } });
    const res = await post(body, json);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { partialSuccess: { rejectedDataPoints: '2', errorMessage: 'raw.sum: sum with AGGREGATION_TEMPORALITY_UNSPECIFIED' } });
  });

  const bad: Array<{
    name: string;
    body: Uint8Array | string;
    headers: Record<string, string>;
    path?: string;
    method?: string;
    status: number;
    message: RegExp;
  }> = [
    {
      name: 'a protobuf body that is not an ExportMetricsServiceRequest',
      body: new Uint8Array([0x0a, 0xff, 0xff, 0xff]),
      headers: proto,
      status: 400,
      message: /not a protobuf ExportMetricsServiceRequest/,
    },
    { name: 'a JSON body that does not parse', body: '{"resourceMetrics": [', headers: json, status: 400, message: /body is not JSON/ },
    { name: 'a JSON array', body: '[]', headers: json, status: 400, message: /must be a JSON object/ },
    {
      name: 'a metric without a name',
      body: gauge('', { gauge: { dataPoints: [] } }),
      headers: json,
      status: 400,
      message: /at resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.name: must not be empty/,
    },
    {
      name: 'a value of the wrong type',
      body: gauge('x', { gauge: { dataPoints: [{ asInt: 'seven' }] } }),
      headers: json,
      status: 400,
      message: /dataPoints\[0\]\.asInt/,
    },
    { name: 'gzip that is not gzip', body: 'plain', headers: { ...json, 'content-encoding': 'gzip' }, status: 400, message: /not valid gzip data/ },
    {
      name: 'an unsupported Content-Encoding',
      body: '{}',
      headers: { ...json, 'content-encoding': 'br' },
      status: 415,
      message: /Content-Encoding br is not supported/,
    },
    {
      name: 'an unsupported Content-Type',
      body: 'x',
      headers: { 'content-type': 'text/plain' },
      status: 415,
      message: /Content-Type text\/plain is not supported/,
    },
    { name: 'a body over the size limit', body: new Uint8Array(1024 * 1024 + 1), headers: proto, status: 413, message: /body larger than/ },
    {
      name: 'a gzip bomb over the size limit once inflated',
      body: gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20)),
      headers: { ...json, 'content-encoding': 'gzip' },
      status: 413,
      message: /decompressed body larger/,
    },
    { name: 'GET', body: '', headers: json, method: 'GET', status: 405, message: /GET is not supported/ },
    { name: 'traces', body: '{}', headers: json, path: '/v1/traces', status: 404, message: /Updraft receives metrics only/ },
  ];
  for (const c of bad) {
    it(`rejects ${c.name} with ${c.status} and a clear message`, async () => {
      const res = await post(c.body, c.headers, c.path, c.method);
      assert.equal(res.status, c.status);
      const text = Buffer.from(await res.arrayBuffer()).toString('utf8');
      assert.match(text, c.message);
      if (res.headers.get('content-type') === 'application/json') {
        const status = JSON.parse(text) as { code: number; message: string };
        assert.equal(typeof status.code, 'number');
      }
    });
  }
});
