// OTLP receiver throughput on this machine: data points per second it decodes and stores, for protobuf and JSON
// bodies built by the OpenTelemetry SDK's own serializers (what exporters send), over HTTP with keep-alive, and
// the decode step alone. Run: node --import tsx bench/otlp-receiver.ts
import { ProtobufMetricsSerializer, JsonMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Pool } from 'undici';
import { OtlpMetricStore } from '../src/scalers/common/otlp-metric-store.ts';
import { decodeJson, decodeProtobuf } from '../src/servers/otlp-codec.ts';
import { OtlpReceiver } from '../src/servers/otlp-receiver.ts';

class ManualReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

/** One export of `instruments` counters with `series` attribute sets each, as an app's exporter would send it. */
async function body(instruments: number, series: number): Promise<{ proto: Uint8Array; json: Uint8Array; points: number }> {
  const reader = new ManualReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'bench', 'service.instance.id': 'i-1' }), readers: [reader] });
  const meter = provider.getMeter('bench');
  for (let i = 0; i < instruments; i++) {
    const c = meter.createCounter(`bench.counter.${i}`);
    for (let s = 0; s < series; s++) c.add(s + 1, { route: `/r${s}`, method: 'GET', status: 200 });
  }
  const { resourceMetrics } = await reader.collect();
  const proto = ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!;
  const json = JsonMetricsSerializer.serializeRequest(resourceMetrics)!;
  await provider.shutdown();
  return { proto, json, points: instruments * series };
}

async function overHttp(url: string, payload: Uint8Array, contentType: string, points: number, seconds: number, concurrency: number): Promise<number> {
  const pool = new Pool(url, { connections: concurrency });
  const end = performance.now() + seconds * 1000;
  let requests = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const res = await pool.request({ path: '/v1/metrics', method: 'POST', body: payload, headers: { 'content-type': contentType } });
        await res.body.dump();
        if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
        requests++;
      }
    }),
  );
  await pool.close();
  return (requests * points) / seconds;
}

function decodeOnly(fn: () => unknown, points: number, seconds: number): number {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    fn();
    n++;
  }
  return (n * points) / seconds;
}

const store = new OtlpMetricStore();
const receiver = new OtlpReceiver({ store, port: 0 });
const { url } = await receiver.start();
const fmt = (n: number) => `${Math.round(n).toLocaleString('en-US')} points/s`;
console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
for (const [instruments, series] of [
  [10, 10],
  [50, 20],
] as const) {
  const b = await body(instruments, series);
  console.log(`\nbody: ${b.points} data points (${instruments} counters × ${series} series) — protobuf ${b.proto.byteLength} B, JSON ${b.json.byteLength} B`);
  console.log(
    `  decode only   protobuf ${fmt(decodeOnly(() => decodeProtobuf(b.proto), b.points, 2))}   JSON ${fmt(decodeOnly(() => decodeJson(b.json), b.points, 2))}`,
  );
  console.log(
    `  HTTP, 8 conns protobuf ${fmt(await overHttp(url, b.proto, 'application/x-protobuf', b.points, 3, 8))}   JSON ${fmt(await overHttp(url, b.json, 'application/json', b.points, 3, 8))}`,
  );
}
await receiver.close();
