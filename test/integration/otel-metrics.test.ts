// The operator's OpenTelemetry metrics (KEDA's --enable-opentelemetry-metrics) sent to a real OpenTelemetry
// Collector (scripts/deps/otelcol.sh: the core otelcol library, its OTLP receiver, the contrib file exporter),
// configured only through the OTEL_EXPORTER_OTLP_* variables: KEDA's instrument names and attributes arrive, over
// http/protobuf and http/json.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseScaledObject } from '../../src/api/parse.ts';
import { parseScaledJob } from '../../src/api/parse.ts';
import { initialState } from '../../src/engine/object-step.ts';
import type { KubeObject } from '../../src/kube/client.ts';
import type { PollReport } from '../../src/runtime/object-runner.ts';
import { OperatorMetrics } from '../../src/servers/keda-metrics.ts';
import { startOtelMetrics } from '../../src/servers/keda-otel-metrics.ts';
import { freePort } from '../support/free-port.ts';
import { eventually } from '../support/wait.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

/** KEDA's instruments (pkg/metricscollector/opentelemetry.go `initMeters`) that a poll, a registration and a lateness produce. */
const KEDA_INSTRUMENTS = [
  'keda.build.info',
  'keda.scaler.metrics.value',
  'keda.scaler.metrics.latency.seconds',
  'keda.scaler.metrics.latency',
  'keda.scaler.active',
  'keda.scaler.errors',
  'keda.scaledobject.errors',
  'keda.scaledjob.errors',
  'keda.scaled.object.paused',
  'keda.internal.scale.loop.latency.seconds',
  'keda.internal.scale.loop.latency',
  'keda.trigger.registered.count',
  'keda.trigger.totals',
  'keda.resource.registered.count',
  'keda.resource.totals',
  'keda.scaler.http.requests.count',
  'keda.scaler.http.request.duration.seconds',
  'keda.scaler.empty.upstream.responses',
];
const UPDRAFT_INSTRUMENTS = [
  'updraft.scale.decisions',
  'updraft.source.queries',
  'updraft.source.query.duration',
  'updraft.direct.replicas',
  'updraft.poll.lateness',
];

interface OtlpMetric {
  name: string;
  gauge?: { dataPoints: DataPoint[] };
  sum?: { dataPoints: DataPoint[] };
  histogram?: { dataPoints: DataPoint[] };
}
interface DataPoint {
  attributes?: Array<{ key: string; value: { stringValue?: string; boolValue?: boolean } }>;
  asDouble?: number;
  asInt?: string;
}

function build(): { bin?: string; why?: string } {
  const r = spawnSync('bash', [join(root, 'scripts/deps/otelcol.sh')], { encoding: 'utf8', timeout: 1_800_000 });
  if (r.status === 0) return { bin: r.stdout.trim().split('\n').pop() };
  return { why: `scripts/deps/otelcol.sh failed (${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}` };
}

const built = build();

const parsedSo = parseScaledObject({
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'ScaledObject',
  metadata: { name: 'orders', namespace: 'shop', uid: 'u', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { scaleTargetRef: { name: 'orders' }, triggers: [{ type: 'prometheus', metadata: { serverAddress: 'http://p:9090', query: 'q', threshold: '5' } }] },
});
const parsedSj = parseScaledJob({
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'ScaledJob',
  metadata: { name: 'export', namespace: 'shop', uid: 'j', generation: 1 },
  spec: {
    jobTargetRef: { template: { spec: { containers: [{ name: 'w', image: 'x' }] } } },
    triggers: [{ type: 'aws-sqs-queue', metadata: { queueURL: 'https://sqs.eu-west-1.amazonaws.com/1/q', queueLength: '5', awsRegion: 'eu-west-1' } }],
  },
});
assert.ok(parsedSo.ok && parsedSj.ok);
const so = parsedSo.value;
const sj = parsedSj.value;
const specs = [{ metricSpecs: [{ metricName: 's0-prometheus', kind: 'External' as const, targetType: 'AverageValue' as const, target: 5 }] }];

/** Feed the collector what one operator cycle produces: registrations, a poll, a failing job read, a lateness, a source read. */
function feed(m: OperatorMetrics): void {
  m.resourceChanged('scaled_object', {
    metadata: { name: 'orders', namespace: 'shop' },
    spec: { triggers: [{ type: 'prometheus' }] },
    status: { conditions: [{ type: 'Paused', status: 'False' }] },
  } as unknown as KubeObject);
  m.resourceChanged('scaled_job', {
    metadata: { name: 'export', namespace: 'shop' },
    spec: { triggers: [{ type: 'aws-sqs-queue' }] },
  } as unknown as KubeObject);
  const report = {
    at: 1,
    counts: { replicas: 1, readyReplicas: 1 },
    readings: [{ metrics: [{ name: 's0-prometheus', value: 12 }], active: true, at: 1, durationMs: 30, source: 'poll' }],
    poll: {
      state: initialState(3),
      activity: { isActive: true, isError: false, activeTriggers: [], triggersActivity: {}, reason: '' },
      decision: { action: 'none', conditions: [{ type: 'Active', status: 'True', reason: 'ScalerActive', message: '' }], reason: '' },
      fallbackActive: false,
    },
    hpa: { state: initialState(3), changed: true, kind: 'metrics', desired: 3, reason: '' },
    scaled: { from: 1, to: 3 },
  } as unknown as PollReport;
  m.scaledObjectPolled(so, specs, report, 'direct');
  m.scaledJobPolled(
    sj,
    [{ metricSpecs: [{ metricName: 's0-aws-sqs-queue', kind: 'External', targetType: 'AverageValue', target: 5 }] }],
    [{ metrics: [], active: false, error: 'denied', at: 2, durationMs: 5, source: 'poll' }],
  );
  m.loopLateness('scaledobject.shop.orders', 40);
  m.sourceRead('scaledobject.shop.orders/0', { metrics: [{ name: 's0-prometheus', value: 12 }], active: true, at: 1, durationMs: 30, source: 'poll' });
  const who = {
    namespace: 'shop',
    scaledResource: 'orders',
    resourceType: 'ScaledObject' as const,
    scaler: 'prometheus',
    triggerName: 'depth',
    metricName: 's0-prometheus',
  };
  m.httpRequest(who, 0.02, 200);
  m.httpRequest(who, 0.5, undefined);
  m.emptyUpstreamResponse(who, false);
}

describe('OpenTelemetry metrics into a real OpenTelemetry Collector', { skip: built.bin ? false : built.why, timeout: 300_000 }, () => {
  let dir: string;
  let port: number;
  let collector: ChildProcess;
  let stderr = '';
  const out = () => join(dir, 'metrics.jsonl');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'updraft-otelcol-'));
    port = await freePort();
    writeFileSync(
      join(dir, 'config.yaml'),
      [
        'receivers:',
        '  otlp:',
        '    protocols:',
        '      http:',
        `        endpoint: 127.0.0.1:${port}`,
        'exporters:',
        '  file:',
        `    path: ${out()}`,
        '    flush_interval: 100ms',
        'service:',
        '  telemetry:',
        '    metrics:',
        '      level: none',
        '  pipelines:',
        '    metrics:',
        '      receivers: [otlp]',
        '      exporters: [file]',
      ].join('\n'),
    );
    collector = spawn(built.bin as string, ['--config', `file:${join(dir, 'config.yaml')}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    collector.stderr?.on('data', (c: Buffer) => void (stderr = (stderr + c.toString()).slice(-8000)));
    await eventually(
      'the collector to listen (or exit)',
      async () => {
        if (collector.exitCode !== null) return true;
        const r = await fetch(`http://127.0.0.1:${port}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).catch(
          () => undefined,
        );
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
        collector.once('exit', () => resolve());
        collector.kill('SIGTERM');
      });
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Every metric the file exporter wrote for this service.name: name → data points. */
  const received = (service: string): Map<string, DataPoint[]> => {
    const byName = new Map<string, DataPoint[]>();
    if (!existsSync(out())) return byName;
    for (const line of readFileSync(out(), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const doc = JSON.parse(line) as {
        resourceMetrics?: Array<{
          resource?: { attributes?: DataPoint['attributes'] };
          scopeMetrics?: Array<{ scope?: { name?: string }; metrics?: OtlpMetric[] }>;
        }>;
      };
      for (const rm of doc.resourceMetrics ?? []) {
        if (!rm.resource?.attributes?.some((a) => a.key === 'service.name' && a.value.stringValue === service)) continue;
        for (const sm of rm.scopeMetrics ?? []) {
          for (const m of sm.metrics ?? []) byName.set(m.name, [...(byName.get(m.name) ?? []), ...((m.gauge ?? m.sum ?? m.histogram)?.dataPoints ?? [])]);
        }
      }
    }
    return byName;
  };
  const attrs = (p: DataPoint) => Object.fromEntries((p.attributes ?? []).map((a) => [a.key, a.value.stringValue]));

  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    describe(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol}`, () => {
      const service = `updraft-test-${protocol.replace('/', '-')}`;
      let got: Map<string, DataPoint[]>;
      before(async () => {
        const otel = startOtelMetrics({
          version: '2.20.2',
          env: {
            OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
            OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
            OTEL_SERVICE_NAME: service,
            OTEL_METRIC_EXPORT_INTERVAL: '3600000',
          },
        });
        assert.equal(otel.endpoint, `http://127.0.0.1:${port}/v1/metrics`);
        feed(new OperatorMetrics(otel.backend, { version: '2.20.2' }));
        await otel.flush();
        got = await eventually(
          'the file exporter to write our metrics',
          async () => {
            const m = received(service);
            return m.has('keda.build.info') && m.has('updraft.poll.lateness') ? m : undefined;
          },
          30_000,
          200,
        );
        await otel.shutdown();
      });
      for (const name of [...KEDA_INSTRUMENTS, ...UPDRAFT_INSTRUMENTS]) {
        test(`${name} arrives`, () => assert.ok((got.get(name) ?? []).length > 0, `${name} not in ${[...got.keys()].join(', ')}`));
      }
      test("keda.scaler.metrics.value has KEDA's attributes (scalerIndex for ScaledObjects) and the value", () => {
        const p = (got.get('keda.scaler.metrics.value') ?? []).find((x) => attrs(x).scaledObject === 'orders');
        assert.ok(p);
        assert.deepEqual(attrs(p), { namespace: 'shop', scaledObject: 'orders', scaler: 'prometheusScaler', scalerIndex: '0', metric: 's0-prometheus' });
        assert.equal(p.asDouble, 12);
      });
      test("keda.scaler.http.requests.count has KEDA's six attributes; the duration histogram scaler and status_code only", () => {
        const ok = (got.get('keda.scaler.http.requests.count') ?? []).find((x) => attrs(x).status_code === '200');
        assert.deepEqual(ok && attrs(ok), {
          namespace: 'shop',
          scaled_resource: 'orders',
          scaler: 'prometheus',
          trigger_name: 'depth',
          metric_name: 's0-prometheus',
          status_code: '200',
        });
        assert.ok((got.get('keda.scaler.http.requests.count') ?? []).some((x) => attrs(x).status_code === 'error'));
        assert.deepEqual(
          (got.get('keda.scaler.http.request.duration.seconds') ?? []).map(attrs).sort((a, b) => String(a.status_code).localeCompare(String(b.status_code))),
          [
            { scaler: 'prometheus', status_code: '200' },
            { scaler: 'prometheus', status_code: 'error' },
          ],
        );
      });
      test('keda.scaler.empty.upstream.responses carries isScaledObject and ignoreNullValues as booleans', () => {
        const p = (got.get('keda.scaler.empty.upstream.responses') ?? [])[0];
        assert.ok(p);
        const a = Object.fromEntries((p.attributes ?? []).map((x) => [x.key, x.value.stringValue ?? x.value.boolValue]));
        assert.deepEqual(a, {
          namespace: 'shop',
          scaledResource: 'orders',
          triggerName: 'depth',
          metricName: 's0-prometheus',
          isScaledObject: true,
          ignoreNullValues: false,
        });
        assert.equal(Number(p.asInt), 1);
      });
      test('keda.scaler.errors counts the failed ScaledJob read with scaledJob and triggerIndex', () => {
        const p = (got.get('keda.scaler.errors') ?? []).find((x) => attrs(x).scaledJob === 'export');
        assert.ok(p);
        assert.equal(attrs(p).triggerIndex, '0');
        assert.equal(attrs(p).scaler, 'awsSqsQueueScaler');
        assert.equal(Number(p.asInt), 1);
      });
    });
  }
});

describe('OpenTelemetry exporter configuration', () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['the default endpoint', {}, 'http://localhost:4318/v1/metrics'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/metrics', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 'http://collector:4318/v1/metrics'],
    [
      'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is used as is',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:1', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://b:2/custom' },
      'http://b:2/custom',
    ],
  ];
  for (const [name, env, endpoint] of cases) {
    test(name, async () => {
      // A no-op exporter: nothing listens on these endpoints, and the shutdown's last export must not wait on them.
      const otel = startOtelMetrics({
        version: 'x',
        env,
        exporter: { export: (_m, done) => done({ code: 0 }), forceFlush: async () => undefined, shutdown: async () => undefined },
      });
      assert.equal(otel.endpoint, endpoint);
      await otel.shutdown();
    });
  }
  test('grpc is refused with the fix', () => {
    assert.throws(() => startOtelMetrics({ version: 'x', env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' } }), /grpc is not supported; use http\/protobuf/);
  });
});
