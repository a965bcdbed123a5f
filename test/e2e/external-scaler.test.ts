// external and external-push on a real control plane (operator in direct mode) against a real gRPC external
// scaler process (test/support/external-scaler-harness): a polled ScaledObject goes 0→N→0 on the server's values and
// IsActive, and a StreamIsActive event reaches /scale long before the next poll could.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { externalScalerBinary, startExternalScaler, type ExternalScalerServer } from '../support/external-scaler.ts';
import { deploymentObject } from '../support/manifests.ts';
import { installCrds } from '../support/metrics-api-registration.ts';
import { startTestOperator, type TestOperator } from '../support/test-operator.ts';
import { eventually } from '../support/wait.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const skip = externalScalerBinary() ? false : 'the external scaler harness is not built (scripts/deps/external-scaler.sh needs go)';

describe('external scalers on a real control plane', { skip, timeout: 600_000 }, () => {
  let cp: ControlPlane;
  let op: TestOperator;
  let srv: ExternalScalerServer;
  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const replicas = async (name: string) =>
    (JSON.parse(await kubectl(['get', 'deployment', name, '-o', 'json'])) as { spec: { replicas: number } }).spec.replicas;
  const apply = (o: unknown) => kubectl(['apply', '-f', '-'], JSON.stringify(o));
  const scaledObject = (name: string, type: string, spec: Record<string, unknown>, metadata: Record<string, string>) => ({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, namespace: 'default' },
    spec: {
      scaleTargetRef: { name },
      minReplicaCount: 0,
      maxReplicaCount: 10,
      ...spec,
      triggers: [{ type, metadata: { scalerAddress: srv.address, ...metadata } }],
    },
  });

  before(async () => {
    cp = await startControlPlane();
    await installCrds(cp, root);
    srv = await startExternalScaler();
    op = await startTestOperator(cp);
  });
  after(async () => {
    await op?.stop();
    await srv?.stop();
    await cp?.stop();
  });

  test('external: 0 → 3 (value 12, target 5 from GetMetricSpec) → 0 when IsActive turns false', async () => {
    await srv.setValue('orders', 0);
    await apply(deploymentObject('orders', 0));
    await apply(scaledObject('orders', 'external', { pollingInterval: 1, cooldownPeriod: 3 }, { key: 'orders', target: '5' }));
    await eventually(
      "the ScaledObject Ready with the server's metric",
      async () => {
        const so = JSON.parse(await kubectl(['get', 'scaledobject', 'orders', '-o', 'json'])) as {
          status?: { conditions?: Array<{ type: string; status: string }>; externalMetricNames?: string[] };
        };
        return so.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? so.status : undefined;
      },
      60_000,
      200,
    );
    assert.deepEqual(
      op.op.controller.runner('default', 'orders')?.plan.triggers.map((t) => [t.metricName, t.target]),
      [['s0-harness-orders', 5]],
    );
    await srv.setValue('orders', 12);
    await eventually('orders at 3 replicas', async () => ((await replicas('orders')) === 3 ? true : undefined), 60_000, 200);
    await srv.setValue('orders', 0);
    await eventually('orders back at 0 after the cooldown', async () => ((await replicas('orders')) === 0 ? true : undefined), 60_000, 200);
  });

  test('external-push: an active event reaches /scale at once (the object polls every 300 s)', async () => {
    await srv.setValue('jobs', 0);
    await apply(deploymentObject('jobs', 0));
    await apply(scaledObject('jobs', 'external-push', { pollingInterval: 300, cooldownPeriod: 300 }, { key: 'jobs', target: '1' }));
    await eventually('the push stream open', async () => ((await srv.stats()).streams >= 1 ? true : undefined), 60_000, 100);
    // The first poll ran at start (value 0: stays at 0); the next is 300 s away.
    await eventually('the first poll', async () => (op.op.controller.runner('default', 'jobs')?.last ? true : undefined), 60_000, 100);
    assert.equal(await replicas('jobs'), 0);
    await srv.setValue('jobs', 4);
    const t0 = Date.now();
    assert.equal(await srv.push('jobs', true), 1);
    await eventually('jobs at 4 replicas', async () => ((await replicas('jobs')) === 4 ? true : undefined), 30_000, 20);
    const ms = Date.now() - t0;
    console.log(`# external-push: event → /scale at 4 replicas in ${ms} ms`);
    assert.ok(ms < 30_000);
  });
});
