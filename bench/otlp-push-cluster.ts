// OTLP push reaction time in the cluster: the OpenTelemetry SDK's OTLP/HTTP exporter (JSON, with the bearer
// token, as a Collector gateway's otlphttp exporter sends) pushes a gauge to the operator's own receiver
// (--otlp-http-bind-address) → the `opentelemetry` trigger's subscription wakes the scale loop → the operator
// (direct mode) writes the Deployment's /scale on a real control plane. The ScaledObject polls every 300 s, so only
// the push explains a change. Each push flips the gauge between 10 and 20 (threshold 1, no stabilization), so every
// push must move spec.replicas; we time forceFlush start → the replica count seen through /scale (polled every 5 ms).
// `grpc`: the SDK's OTLP/gRPC exporter to the gRPC receiver (--otlp-grpc-bind-address, the token in metadata), as
// a Collector gateway's `otlp` exporter sends.
//
// usage: node --import tsx bench/otlp-push-cluster.ts [pushes=60] [http|grpc]
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Metadata } from '@grpc/grpc-js';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { GVR } from '../src/kube/client.ts';
import { startControlPlane } from '../test/support/control-plane.ts';
import { deploymentObject } from '../test/support/manifests.ts';
import { installCrds } from '../test/support/metrics-api-registration.ts';
import { startTestOperator } from '../test/support/test-operator.ts';

const pushes = Math.max(50, Number(process.argv[2] ?? 60));
const protocol = process.argv[3] === 'grpc' ? 'grpc' : 'http';
const root = join(fileURLToPath(import.meta.url), '..', '..');
const TOKEN = 'bench-token';

const cp = await startControlPlane();
let stop: (() => Promise<void>) | undefined;
try {
  await installCrds(cp, root);
  const op = await startTestOperator(cp, {
    otlpReceiver: { port: 0, host: '127.0.0.1', token: () => TOKEN },
    otlpGrpcReceiver: { port: 0, host: '127.0.0.1', token: () => TOKEN },
  });
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${TOKEN}`);
  stop = () => op.stop();
  await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(deploymentObject('pushed', 0)) });
  await cp.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'pushed', namespace: 'default' },
      spec: {
        scaleTargetRef: { name: 'pushed' },
        pollingInterval: 300,
        cooldownPeriod: 300,
        minReplicaCount: 1,
        maxReplicaCount: 50,
        advanced: {
          horizontalPodAutoscalerConfig: {
            behavior: {
              scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 1000, periodSeconds: 1 }] },
              scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 1 }] },
            },
          },
        },
        triggers: [{ type: 'opentelemetry', metadata: { metricName: 'bench.queue.depth', aggregation: 'max', window: '60s', threshold: '1' } }],
      },
    }),
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench', 'service.instance.id': 'gateway-0' }),
    readers: [
      new PeriodicExportingMetricReader({
        exporter:
          protocol === 'grpc'
            ? new GrpcExporter({ url: `http://127.0.0.1:${op.op.otlpGrpcReceiverPort}`, metadata })
            : new OTLPMetricExporter({ url: `http://127.0.0.1:${op.op.otlpReceiverPort}/v1/metrics`, headers: { Authorization: `Bearer ${TOKEN}` } }),
        exportIntervalMillis: 3_600_000,
      }),
    ],
  });
  const gauge = provider.getMeter('bench').createGauge('bench.queue.depth');
  const replicas = async () => (await op.client.getScale(GVR.deployments, 'default', 'pushed')).spec.replicas;
  const until = async (what: string, ok: (n: number) => boolean, timeoutMs = 60_000): Promise<number> => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (ok(await replicas().catch(() => -1))) return performance.now();
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${what} (replicas ${await replicas().catch(() => -1)})`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  for (const deadline = Date.now() + 60_000; !op.op.controller.runner('default', 'pushed'); ) {
    if (Date.now() > deadline) throw new Error('the scale loop never started');
    await new Promise((r) => setTimeout(r, 20));
  }
  gauge.record(10);
  await provider.forceFlush();
  await until('the first push to scale to 10', (n) => n === 10, 120_000);
  // Past the behavior's 1 s policy period, so the start's scale-up does not cap the first push's.
  await new Promise((r) => setTimeout(r, 1500));
  const took: number[] = [];
  let value = 10;
  for (let i = 0; i < pushes; i++) {
    value = value === 10 ? 20 : 10;
    gauge.record(value);
    const t0 = performance.now();
    await provider.forceFlush();
    const t1 = await until(`replicas ${value}`, (n) => n === value);
    took.push(t1 - t0);
  }
  await provider.shutdown();
  const s = [...took].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  console.log(`OTLP/${protocol} push (SDK exporter → operator receiver) → /scale written (${pushes} pushes, operator direct mode, real control plane):`);
  console.log(
    `  p50 ${q(0.5).toFixed(1)} ms   p90 ${q(0.9).toFixed(1)} ms   p99 ${q(0.99).toFixed(1)} ms   min ${s[0].toFixed(1)}   max ${s.at(-1)!.toFixed(1)}   (goal p99 < 500 ms: ${q(0.99) < 500 ? 'met' : 'NOT met'})`,
  );
} finally {
  await stop?.();
  await cp.stop();
}
