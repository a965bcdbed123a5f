// Updraft's OTLP/gRPC receiver fed by the real OpenTelemetry JS SDK gRPC exporter (plain, gzip, bearer token, TLS
// and mTLS), raw gRPC calls for the protocol's edges (standby, malformed message), and the real OpenTelemetry
// Collector (scripts/deps/otelcol.sh) forwarding to it with its `otlp` exporter, read by an `opentelemetry` trigger.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { OtlpMetricStore } from '../../src/scalers/common/otlp-metric-store.ts';
import { buildScaler } from '../../src/scalers/index.ts';
import { MetricsServiceDefinition, OtlpGrpcReceiver } from '../../src/servers/otlp-grpc-receiver.ts';
import { freePort } from '../support/free-port.ts';
import { certFactory, type CertFactory } from '../support/openssl-certs.ts';
import { eventually } from '../support/wait.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

function sdk(exporter: PushMetricExporter, instance: string) {
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop', 'service.instance.id': instance }),
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
  });
  return { meter: provider.getMeter('test'), flush: () => provider.forceFlush(), shutdown: () => provider.shutdown() };
}

/** One export through the SDK; resolves with the export's error (undefined on success). */
async function exportOnce(exporter: PushMetricExporter, metric: string, value: number): Promise<Error | undefined> {
  const errors: Error[] = [];
  const wrapped: PushMetricExporter = {
    export: (metrics, done) => exporter.export(metrics, (r) => (r.error && errors.push(r.error), done(r))),
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
    selectAggregationTemporality: exporter.selectAggregationTemporality?.bind(exporter),
  };
  const m = sdk(wrapped, metric);
  m.meter.createGauge(metric).record(value);
  await m.flush().catch((e: Error) => errors.push(e));
  await m.shutdown().catch(() => undefined);
  return errors[0];
}

const lastValue = (store: OtlpMetricStore, metric: string) => store.series(metric)[0]?.samples.at(-1)?.value;

/** A raw client for MetricsService/Export (bytes in, bytes out), for what the SDK exporter hides. */
const RawClient = grpc.makeGenericClientConstructor(MetricsServiceDefinition, 'MetricsService');
function rawExport(address: string, body: Buffer, metadata = new grpc.Metadata()): Promise<{ code: number; details: string }> {
  const client = new RawClient(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    Export(b: Buffer, m: grpc.Metadata, cb: (err: grpc.ServiceError | null) => void): void;
  };
  return new Promise((resolve) =>
    client.Export(body, metadata, (err) => {
      client.close();
      resolve({ code: err?.code ?? grpc.status.OK, details: err?.details ?? '' });
    }),
  );
}

describe('OTLP/gRPC receiver with the OpenTelemetry SDK gRPC exporter', () => {
  const store = new OtlpMetricStore();
  let token: string | undefined;
  let refusing: string | undefined;
  const receiver = new OtlpGrpcReceiver({ store, port: 0, token: () => token, refusing: () => refusing });
  let address: string;
  before(async () => {
    address = (await receiver.start()).address;
  });
  after(() => receiver.close());

  for (const compression of [CompressionAlgorithm.NONE, CompressionAlgorithm.GZIP]) {
    it(`stores counters, gauges and histograms the gRPC exporter sends (compression ${compression})`, async () => {
      const id = `grpc-${compression}`;
      const m = sdk(new GrpcExporter({ url: `http://${address}`, compression }), id);
      m.meter.createCounter(`${id}.requests`).add(5, { route: '/a' });
      m.meter.createGauge(`${id}.temperature`).record(21.5);
      const latency = m.meter.createHistogram(`${id}.latency`);
      latency.record(10);
      latency.record(30);
      await m.flush();
      await m.shutdown();
      const requests = store.series(`${id}.requests`);
      assert.equal(requests.length, 1);
      assert.deepEqual([requests[0].kind, requests[0].monotonic, requests[0].samples.at(-1)?.value], ['sum', true, 5]);
      assert.deepEqual(requests[0].attributes, { route: '/a' });
      assert.equal(requests[0].resource['service.instance.id'], id);
      assert.equal(lastValue(store, `${id}.temperature`), 21.5);
      assert.deepEqual([store.series(`${id}.latency`)[0].kind, store.series(`${id}.latency`)[0].samples.at(-1)?.sum], ['histogram', 40]);
    });
  }

  const authRows = [
    { name: 'no authorization metadata', metadata: undefined, stored: false, error: /UNAUTHENTICATED|requires the metadata authorization/ },
    { name: 'another token', metadata: 'Bearer wrong', stored: false, error: /not the one this receiver is configured with/ },
    { name: 'the configured token', metadata: 'Bearer s3cret', stored: true, error: undefined },
  ];
  for (const row of authRows) {
    it(`with a bearer token configured, an export carrying ${row.name} is ${row.stored ? 'stored' : 'refused with UNAUTHENTICATED'}`, async () => {
      token = 's3cret';
      try {
        const metadata = new grpc.Metadata();
        if (row.metadata) metadata.set('authorization', row.metadata);
        const metric = `auth.${row.name.replaceAll(' ', '-')}`;
        const err = await exportOnce(new GrpcExporter({ url: `http://${address}`, metadata }), metric, 7);
        if (row.error) {
          assert.match(String(err?.message), row.error);
          assert.equal(store.series(metric).length, 0);
        } else {
          assert.equal(err, undefined);
          assert.equal(lastValue(store, metric), 7);
        }
      } finally {
        token = undefined;
      }
    });
  }

  it('a refusing (standby) receiver answers UNAVAILABLE with its reason, and takes the export again once it stops refusing', async () => {
    refusing = 'this Updraft replica is a standby (not the leader); retry';
    const before = receiver.stats.unavailable;
    const r = await rawExport(address, Buffer.alloc(0));
    assert.equal(r.code, grpc.status.UNAVAILABLE);
    assert.match(r.details, /standby \(not the leader\)/);
    assert.equal(receiver.stats.unavailable, before + 1);
    refusing = undefined;
    // The drained connection is gone; the exporter reconnects.
    assert.equal(await exportOnce(new GrpcExporter({ url: `http://${address}` }), 'after.standby', 3), undefined);
    assert.equal(lastValue(store, 'after.standby'), 3);
  });

  it('a message that is not an ExportMetricsServiceRequest is INVALID_ARGUMENT with the decoder’s reason', async () => {
    const r = await rawExport(address, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]));
    assert.equal(r.code, grpc.status.INVALID_ARGUMENT);
    assert.ok(r.details.length > 0, 'a reason');
  });

  it('an empty request is accepted (OK, nothing stored)', async () => {
    assert.deepEqual(await rawExport(address, Buffer.alloc(0)), { code: grpc.status.OK, details: '' });
  });

  it('a push wakes a subscribed opentelemetry trigger with the pushed value', async () => {
    const scaler = buildScaler({
      trigger: { type: 'opentelemetry', metadata: { metricName: 'grpc.queue', threshold: '10' }, useCachedMetrics: false },
      triggerIndex: 0,
      namespace: 'default',
      objectName: 'worker',
      objectKind: 'ScaledObject',
      authParams: {},
      resolvedEnv: {},
      httpTimeoutMs: 3000,
      otlpStore: store,
    });
    const pushed: unknown[] = [];
    scaler.subscribe!((r) => pushed.push(r));
    assert.equal(await exportOnce(new GrpcExporter({ url: `http://${address}` }), 'grpc.queue', 42), undefined);
    // flush and shutdown both export: the trigger is woken by each, with the same value.
    assert.ok(pushed.length >= 1);
    for (const r of pushed) assert.deepEqual(r, { metrics: [{ name: 's0-opentelemetry-grpc-queue', value: 42 }], active: true });
    await scaler.close();
  });
});

describe('OTLP/gRPC receiver over TLS', () => {
  let certs: CertFactory;
  const store = new OtlpMetricStore();
  const receivers: OtlpGrpcReceiver[] = [];
  before(() => {
    certs = certFactory();
  });
  after(async () => {
    for (const r of receivers) await r.close();
    certs.cleanup();
  });

  const start = async (mtls: boolean) => {
    const ca = certs.ca(`ca-${mtls}`);
    const server = certs.leaf(`server-${mtls}`, ca, { cn: 'updraft-otlp', usage: 'server', hosts: ['127.0.0.1', 'localhost'] });
    const r = new OtlpGrpcReceiver({ store, port: 0, tls: { certFile: server.certFile, keyFile: server.keyFile, ...(mtls ? { caFile: ca.certFile } : {}) } });
    receivers.push(r);
    return { ca, port: (await r.start()).port };
  };

  it('TLS: an exporter trusting the CA is stored; a plaintext exporter fails', async () => {
    const { ca, port } = await start(false);
    const ok = await exportOnce(
      new GrpcExporter({ url: `https://localhost:${port}`, credentials: grpc.credentials.createSsl(Buffer.from(ca.cert)) }),
      'tls.ok',
      1,
    );
    assert.equal(ok, undefined);
    assert.equal(lastValue(store, 'tls.ok'), 1);
    const plain = await exportOnce(new GrpcExporter({ url: `http://localhost:${port}`, timeoutMillis: 3000 }), 'tls.plain', 1);
    assert.ok(plain, 'a plaintext export fails');
    assert.equal(store.series('tls.plain').length, 0);
  });

  it('mTLS (caFile): an exporter with a client certificate from the CA is stored; one without is refused', async () => {
    const { ca, port } = await start(true);
    const client = certs.leaf('client-mtls', ca, { cn: 'collector', usage: 'client' });
    const withCert = await exportOnce(
      new GrpcExporter({
        url: `https://localhost:${port}`,
        credentials: grpc.credentials.createSsl(Buffer.from(ca.cert), Buffer.from(client.key), Buffer.from(client.cert)),
      }),
      'mtls.ok',
      2,
    );
    assert.equal(withCert, undefined);
    assert.equal(lastValue(store, 'mtls.ok'), 2);
    const without = await exportOnce(
      new GrpcExporter({ url: `https://localhost:${port}`, credentials: grpc.credentials.createSsl(Buffer.from(ca.cert)), timeoutMillis: 3000 }),
      'mtls.none',
      2,
    );
    assert.ok(without, 'an export without a client certificate fails');
    assert.equal(store.series('mtls.none').length, 0);
  });
});

function buildCollector(): { bin?: string; why?: string } {
  const r = spawnSync('bash', [join(root, 'scripts/deps/otelcol.sh')], { encoding: 'utf8', timeout: 1_800_000 });
  if (r.status === 0) return { bin: r.stdout.trim().split('\n').pop() };
  return { why: `scripts/deps/otelcol.sh failed (${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}` };
}

describe('the OpenTelemetry Collector forwards to the OTLP/gRPC receiver (its otlp exporter, bearer token)', () => {
  const built = buildCollector();
  const store = new OtlpMetricStore();
  const receiver = new OtlpGrpcReceiver({ store, port: 0, token: () => 'collector-token' });
  let dir: string;
  let collector: ChildProcess | undefined;
  let stderr = '';
  let collectorHttpPort: number;

  before(async () => {
    assert.ok(built.bin, built.why);
    const { address } = await receiver.start();
    dir = mkdtempSync(join(tmpdir(), 'updraft-otelcol-grpc-'));
    collectorHttpPort = await freePort();
    writeFileSync(
      join(dir, 'config.yaml'),
      [
        'receivers:',
        '  otlp:',
        '    protocols:',
        '      http:',
        `        endpoint: 127.0.0.1:${collectorHttpPort}`,
        'exporters:',
        '  otlp:',
        `    endpoint: ${address}`,
        '    tls:',
        '      insecure: true',
        '    headers:',
        '      authorization: Bearer collector-token',
        '    sending_queue:',
        '      enabled: false',
        'service:',
        '  telemetry:',
        '    metrics:',
        '      level: none',
        '  pipelines:',
        '    metrics:',
        '      receivers: [otlp]',
        '      exporters: [otlp]',
      ].join('\n'),
    );
    collector = spawn(built.bin as string, ['--config', `file:${join(dir, 'config.yaml')}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    collector.stderr?.on('data', (c: Buffer) => void (stderr = (stderr + c.toString()).slice(-8000)));
    await eventually(
      'the collector to listen (or exit)',
      async () => {
        if (collector?.exitCode !== null) return true;
        const r = await fetch(`http://127.0.0.1:${collectorHttpPort}/v1/metrics`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }).catch(() => undefined);
        return r?.ok ? true : undefined;
      },
      60_000,
      200,
    );
    assert.equal(collector.exitCode, null, `the collector exited: ${stderr}`);
  });

  after(async () => {
    if (collector && collector.exitCode === null) {
      await new Promise<void>((resolve) => {
        collector?.once('exit', () => resolve());
        collector?.kill('SIGTERM');
      });
    }
    await receiver.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('an app pushes to the Collector over OTLP/HTTP; the Collector exports over gRPC to Updraft; the trigger reads the value', async () => {
    const scaler = buildScaler({
      trigger: { type: 'opentelemetry', metadata: { metricName: 'gateway.queue', threshold: '10' }, useCachedMetrics: false },
      triggerIndex: 0,
      namespace: 'default',
      objectName: 'worker',
      objectKind: 'ScaledObject',
      authParams: {},
      resolvedEnv: {},
      httpTimeoutMs: 3000,
      otlpStore: store,
    });
    assert.equal(await exportOnce(new ProtoExporter({ url: `http://127.0.0.1:${collectorHttpPort}/v1/metrics` }), 'gateway.queue', 37), undefined);
    const reading = await eventually(
      'the trigger to read the forwarded value',
      async () => {
        const r = await scaler.read(AbortSignal.timeout(3000)).catch(() => undefined);
        if (!r) return undefined;
        return r.metrics[0]?.value === 37 ? r : undefined;
      },
      30_000,
      100,
    );
    assert.deepEqual(reading, { metrics: [{ name: 's0-opentelemetry-gateway-queue', value: 37 }], active: true });
    assert.ok(receiver.stats.dataPoints >= 1);
    assert.equal(receiver.stats.unauthorized, 0, stderr);
    await scaler.close();
  });
});
