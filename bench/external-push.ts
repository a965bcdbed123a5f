// external-push reaction time on a real control plane: an IsActive event on the external scaler's StreamIsActive →
// the operator (direct mode) reads the new value, decides and writes the Deployment's /scale. The ScaledObject
// polls every 300 s, so only pushed events can explain a change. Each event flips the scaler's value between 10
// and 20 (target 1 per replica, no stabilization), so every event must move spec.replicas; we time push → the
// replica count seen through /scale (polled every 5 ms).
//
// usage: node --import tsx bench/external-push.ts [events=60]      (needs scripts/deps/external-scaler.sh)
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GVR } from '../src/kube/client.ts';
import { startControlPlane } from '../test/support/control-plane.ts';
import { startExternalScaler } from '../test/support/external-scaler.ts';
import { deploymentObject } from '../test/support/manifests.ts';
import { installCrds } from '../test/support/metrics-api-registration.ts';
import { startTestOperator } from '../test/support/test-operator.ts';

const events = Math.max(50, Number(process.argv[2] ?? 60));
const root = join(fileURLToPath(import.meta.url), '..', '..');

const cp = await startControlPlane();
const scaler = await startExternalScaler();
let stop: (() => Promise<void>) | undefined;
try {
  await installCrds(cp, root);
  const op = await startTestOperator(cp);
  stop = () => op.stop();
  await scaler.setValue('bench', 10);
  await cp.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        deploymentObject('pushed', 0),
        {
          apiVersion: 'keda.sh/v1alpha1',
          kind: 'ScaledObject',
          metadata: { name: 'pushed', namespace: 'default' },
          spec: {
            scaleTargetRef: { name: 'pushed' },
            pollingInterval: 300,
            cooldownPeriod: 300,
            minReplicaCount: 0,
            maxReplicaCount: 50,
            advanced: {
              horizontalPodAutoscalerConfig: {
                behavior: {
                  scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 1000, periodSeconds: 1 }] },
                  scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 1 }] },
                },
              },
            },
            triggers: [{ type: 'external-push', metadata: { scalerAddress: scaler.address, key: 'bench', target: '1' } }],
          },
        },
      ],
    }),
  });
  const replicas = async () => (await op.client.getScale(GVR.deployments, 'default', 'pushed')).spec.replicas;
  const until = async (what: string, ok: (n: number) => boolean, timeoutMs = 60_000): Promise<number> => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (ok(await replicas().catch(() => -1))) return performance.now();
      if (performance.now() > deadline) {
        const last = op.op.controller.runner('default', 'pushed')?.last;
        throw new Error(
          `timed out waiting for ${what} (replicas ${await replicas().catch(() => -1)}); last poll: ${JSON.stringify({ readings: last?.readings, poll: last?.poll }).slice(0, 3000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  // The first poll (at start) reads 10 → 10 replicas; then wait until the stream is open.
  await until('the first poll to scale to 10', (n) => n === 10, 120_000);
  for (const deadline = Date.now() + 30_000; (await scaler.stats()).streams < 1; ) {
    if (Date.now() > deadline) throw new Error('StreamIsActive never opened');
    await new Promise((r) => setTimeout(r, 20));
  }

  // Past the behavior's 1 s policy period, so the start's scale-up does not cap the first event's.
  await new Promise((r) => setTimeout(r, 1500));
  const took: number[] = [];
  let value = 10;
  for (let i = 0; i < events; i++) {
    value = value === 10 ? 20 : 10;
    await scaler.setValue('bench', value);
    const t0 = performance.now();
    if ((await scaler.push('bench', true)) !== 1) throw new Error('the push reached no stream');
    const t1 = await until(`replicas ${value}`, (n) => n === value);
    took.push(t1 - t0);
  }
  const s = [...took].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  console.log(`external-push event → /scale written (${events} events, operator direct mode, real control plane):`);
  console.log(
    `  p50 ${q(0.5).toFixed(1)} ms   p90 ${q(0.9).toFixed(1)} ms   p99 ${q(0.99).toFixed(1)} ms   min ${s[0].toFixed(1)}   max ${s.at(-1)!.toFixed(1)}   (goal p99 < 500 ms: ${q(0.99) < 500 ? 'met' : 'NOT met'})`,
  );
  const stats = await scaler.stats();
  console.log(`  scaler calls: ${JSON.stringify(stats.calls)}; TCP connections accepted ${stats.connections}`);
} finally {
  await stop?.();
  await scaler.stop();
  await cp.stop();
}
