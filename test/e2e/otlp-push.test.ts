// Push in the cluster: the OpenTelemetry SDK's OTLP/HTTP exporter pushes to the operator's own receiver
// (`updraft operator --otlp-http-bind-address :4318 --otlp-token-file …`), and an `opentelemetry` trigger scales a
// real Deployment through /scale (direct mode) on a real control plane. A push without the token, or with a wrong
// one, is refused with 401; while a KEDA operator holds its Lease the operator scales nothing and its receiver
// answers 503 naming why. In hpa mode the generated HPA reads the pushed value through the external metrics API.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { sharedOtlpMetricStore } from '../../src/scalers/common/otlp-metric-store.ts';
import { MetricsServiceDefinition } from '../../src/servers/otlp-grpc-receiver.ts';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { deploymentObject } from '../support/manifests.ts';
import { eventually as poll } from '../support/wait.ts';
import { startTestOperator, type TestOperator } from '../support/test-operator.ts';
import { installCrds, registerMetricsApi } from '../support/metrics-api-registration.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const TOKEN = 'e2e-otlp-token';
const eventually = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000) => poll(what, check, timeoutMs, 100);

describe('OTLP push to the operator on a real control plane', { timeout: 300_000 }, () => {
  let cp: ControlPlane;
  let op: TestOperator;
  let url: string;
  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const replicas = async (name: string) =>
    (JSON.parse(await kubectl(['get', 'deployment', name, '-o', 'json'])) as { spec: { replicas: number } }).spec.replicas;

  before(async () => {
    cp = await startControlPlane();
    await installCrds(cp, root);
    op = await startTestOperator(cp, {
      otlpReceiver: { port: 0, host: '127.0.0.1', token: () => TOKEN },
      otlpGrpcReceiver: { port: 0, host: '127.0.0.1', token: () => TOKEN },
    });
    assert.ok(op.op.otlpReceiverPort);
    assert.ok(op.op.otlpGrpcReceiverPort);
    url = `http://127.0.0.1:${op.op.otlpReceiverPort}`;
  });
  after(async () => {
    await op?.stop();
    await cp?.stop();
  });

  test('an SDK exporter with the token scales a Deployment 0→4→0 (direct mode)', async () => {
    await kubectl(['apply', '-f', '-'], JSON.stringify(deploymentObject('shop', 0)));
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'shop', namespace: 'default' },
        spec: {
          scaleTargetRef: { name: 'shop' },
          pollingInterval: 5,
          cooldownPeriod: 2,
          minReplicaCount: 0,
          maxReplicaCount: 10,
          triggers: [{ type: 'opentelemetry', metadata: { metricName: 'shop.queue.depth', aggregation: 'max', window: '5s', threshold: '5' } }],
        },
      }),
    );
    await eventually('the scale loop of shop', async () => op.op.controller.runner('default', 'shop'));
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'shop', 'service.instance.id': 'collector-gateway-0' }),
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({ url: `${url}/v1/metrics`, headers: { Authorization: `Bearer ${TOKEN}` } }),
          exportIntervalMillis: 3_600_000,
        }),
      ],
    });
    try {
      const depth = provider.getMeter('e2e').createGauge('shop.queue.depth');
      depth.record(20);
      await provider.forceFlush();
      await eventually('replicas = 4 (20 / threshold 5)', async () => ((await replicas('shop')) === 4 ? true : undefined));
      depth.record(0);
      await provider.forceFlush();
      await eventually('replicas back to 0 after cooldown', async () => ((await replicas('shop')) === 0 ? true : undefined));
    } finally {
      await provider.shutdown();
    }
  });

  test('an SDK gRPC exporter (OTLP/gRPC, the token in metadata) scales a Deployment 0→3→0 (direct mode)', async () => {
    await kubectl(['apply', '-f', '-'], JSON.stringify(deploymentObject('cart', 0)));
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'cart', namespace: 'default' },
        spec: {
          scaleTargetRef: { name: 'cart' },
          pollingInterval: 5,
          cooldownPeriod: 2,
          minReplicaCount: 0,
          maxReplicaCount: 10,
          triggers: [{ type: 'opentelemetry', metadata: { metricName: 'cart.queue.depth', aggregation: 'max', window: '5s', threshold: '5' } }],
        },
      }),
    );
    await eventually('the scale loop of cart', async () => op.op.controller.runner('default', 'cart'));
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${TOKEN}`);
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'cart', 'service.instance.id': 'collector-gateway-0' }),
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new GrpcExporter({ url: `http://127.0.0.1:${op.op.otlpGrpcReceiverPort}`, metadata }),
          exportIntervalMillis: 3_600_000,
        }),
      ],
    });
    try {
      const depth = provider.getMeter('e2e').createGauge('cart.queue.depth');
      depth.record(15);
      await provider.forceFlush();
      await eventually('replicas = 3 (15 / threshold 5)', async () => ((await replicas('cart')) === 3 ? true : undefined));
      depth.record(0);
      await provider.forceFlush();
      await eventually('replicas back to 0 after cooldown', async () => ((await replicas('cart')) === 0 ? true : undefined));
    } finally {
      await provider.shutdown();
    }
  });

  const refused = [
    { name: 'no Authorization header', headers: {} as Record<string, string> },
    { name: 'a wrong bearer token', headers: { Authorization: 'Bearer not-the-token' } },
  ];
  for (const r of refused) {
    test(`a push with ${r.name} is refused with 401 and changes nothing`, async () => {
      const before = await replicas('shop');
      const res = await fetch(`${url}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...r.headers },
        body: JSON.stringify({
          resourceMetrics: [
            {
              resource: { attributes: [] },
              scopeMetrics: [{ metrics: [{ name: 'shop.queue.depth', gauge: { dataPoints: [{ asDouble: 45, timeUnixNano: String(Date.now() * 1e6) }] } }] }],
            },
          ],
        }),
      });
      assert.equal(res.status, 401);
      assert.match(await res.text(), /bearer/i);
      assert.equal(
        sharedOtlpMetricStore()
          .series('shop.queue.depth', 600_000)
          .flatMap((s) => s.samples)
          .some((x) => x.value === 45),
        false,
      );
      assert.equal(await replicas('shop'), before);
    });
  }

  test('while a KEDA operator holds and renews operator.keda.sh, a second operator waits and its receiver answers 503; it starts once the Lease is released', async () => {
    await kubectl(['create', 'namespace', 'keda']);
    const lease = (holder: string) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'operator.keda.sh', namespace: 'keda' },
      spec: {
        holderIdentity: holder,
        leaseDurationSeconds: 60,
        renewTime: new Date().toISOString().replace('Z', '000Z'),
        acquireTime: new Date().toISOString().replace('Z', '000Z'),
      },
    });
    await kubectl(['apply', '-f', '-'], JSON.stringify(lease('keda-operator-5d8f7b_0a1b')));
    const second = await startTestOperator(cp, {
      watchNamespaces: ['keda'],
      kedaLease: { namespace: 'keda', retryMs: 200 },
      otlpReceiver: { port: 0, host: '127.0.0.1', token: () => TOKEN },
      otlpGrpcReceiver: { port: 0, host: '127.0.0.1', token: () => TOKEN },
    });
    try {
      assert.equal(second.op.waitingForKeda(), true);
      assert.equal(second.op.isLeader(), false);
      assert.ok(
        second.logs.some((l) => /keda-operator-5d8f7b_0a1b.*--take-over-from-keda/.test(l)),
        second.logs.join('\n'),
      );
      const res = await fetch(`http://127.0.0.1:${second.op.otlpReceiverPort}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: '{}',
      });
      assert.equal(res.status, 503);
      assert.match(await res.text(), /KEDA operator holds Lease keda\/operator.keda.sh/);
      // The gRPC receiver refuses the same way: UNAVAILABLE (retried by exporters) naming why.
      const Client = grpc.makeGenericClientConstructor(MetricsServiceDefinition, 'MetricsService');
      const client = new Client(`127.0.0.1:${second.op.otlpGrpcReceiverPort}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
        Export(b: Buffer, m: grpc.Metadata, cb: (err: grpc.ServiceError | null) => void): void;
      };
      const md = new grpc.Metadata();
      md.set('authorization', `Bearer ${TOKEN}`);
      const grpcErr = await new Promise<grpc.ServiceError | null>((resolve) => client.Export(Buffer.alloc(0), md, resolve));
      client.close();
      assert.equal(grpcErr?.code, grpc.status.UNAVAILABLE);
      assert.match(grpcErr?.details ?? '', /KEDA operator holds Lease keda\/operator.keda.sh/);
      const events = await eventually('a KEDAOperatorActive Event on the Lease', async () => {
        const out = await kubectl(['get', 'events', '-n', 'keda', '--field-selector', 'involvedObject.name=operator.keda.sh', '-o', 'json']);
        const items = (JSON.parse(out) as { items: Array<{ reason: string }> }).items;
        return items.some((e) => e.reason === 'KEDAOperatorActive') ? items : undefined;
      });
      assert.ok(events.length > 0);
      // A released Lease (no holder). KEDA itself does not release on stop (cmd/operator/main.go sets no
      // LeaderElectionReleaseOnCancel): its Lease expires after leaseDurationSeconds, the same verdict (table-tested).
      await kubectl(['apply', '-f', '-'], JSON.stringify(lease('')));
      await eventually('the second operator to start', async () => (second.op.waitingForKeda() ? undefined : true));
      assert.equal(second.op.isLeader(), true);
    } finally {
      await second.stop();
    }
  });
});

describe('OTLP push to the operator in hpa mode (the real HPA controller reads the pushed value)', { timeout: 300_000 }, () => {
  let cp: ControlPlane;
  let op: TestOperator;
  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const replicas = async (name: string) =>
    (JSON.parse(await kubectl(['get', 'deployment', name, '-o', 'json'])) as { spec: { replicas: number } }).spec.replicas;

  before(async () => {
    cp = await startControlPlane({ hpaSyncSeconds: 1 });
    await installCrds(cp, root);
    const reg = await registerMetricsApi(cp);
    op = await startTestOperator(cp, {
      defaultMode: 'hpa',
      externalMetrics: { port: reg.port, host: '127.0.0.1', certFile: reg.cert.certFile, keyFile: reg.cert.keyFile },
      otlpReceiver: { port: 0, host: '127.0.0.1', token: () => TOKEN },
    });
  });
  after(async () => {
    await op?.stop();
    await cp?.stop();
  });

  test('an SDK exporter pushes 20 with threshold 5: the HPA keda-hpa-checkout drives the Deployment to 4', async () => {
    await kubectl(['apply', '-f', '-'], JSON.stringify(deploymentObject('checkout', 1)));
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'checkout', namespace: 'default' },
        spec: {
          scaleTargetRef: { name: 'checkout' },
          pollingInterval: 5,
          minReplicaCount: 1,
          maxReplicaCount: 10,
          triggers: [{ type: 'opentelemetry', metadata: { metricName: 'checkout.queue.depth', aggregation: 'max', window: '60s', threshold: '5' } }],
        },
      }),
    );
    await eventually('HPA keda-hpa-checkout', async () => ((await kubectl(['get', 'hpa', '-o', 'name'])).includes('keda-hpa-checkout') ? true : undefined));
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.instance.id': 'gateway-0' }),
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({ url: `http://127.0.0.1:${op.op.otlpReceiverPort}/v1/metrics`, headers: { Authorization: `Bearer ${TOKEN}` } }),
          exportIntervalMillis: 3_600_000,
        }),
      ],
    });
    try {
      provider.getMeter('e2e').createGauge('checkout.queue.depth').record(20);
      await provider.forceFlush();
      await eventually('replicas = 4 through the HPA', async () => ((await replicas('checkout')) === 4 ? true : undefined), 120_000);
    } finally {
      await provider.shutdown();
    }
  });
});
