// The operator as a user runs it (`updraft operator`, a separate process with leader election) killed with SIGKILL
// mid-run: nothing scales while it is gone, the restarted process waits out the dead leader's Lease, keeps the
// ScaledObject's history (originalReplicaCount, lastActiveTime) and carries on — no wrong replica count at any
// moment (sampled every 100 ms).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { deploymentObject } from '../support/manifests.ts';
import { freePort } from '../support/free-port.ts';
import { waitFor } from '../support/wait.ts';
import { installCrds } from '../support/metrics-api-registration.ts';
import { startPrometheus, type LocalPrometheus } from '../support/prometheus.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

describe('operator process killed with SIGKILL and restarted', { timeout: 300_000 }, () => {
  let cp: ControlPlane;
  let prom: LocalPrometheus;
  const children: ChildProcess[] = [];
  let output = '';
  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const replicas = async () => Number(await kubectl(['get', 'deployment', 'orders', '-o', 'jsonpath={.spec.replicas}']));
  const status = async () =>
    JSON.parse(await kubectl(['get', 'scaledobject', 'orders', '-o', 'jsonpath={.status}'])) as { originalReplicaCount?: number; lastActiveTime?: string };

  const operator = async (name: string) => {
    const probes = await freePort();
    const child = spawn(
      process.execPath,
      [
        join(root, 'bin', 'updraft.js'),
        'operator',
        '--kubeconfig',
        cp.kubeconfig,
        '--namespace',
        'default',
        '--mode',
        'direct',
        '--metrics-api-bind-address',
        '0',
        '--metrics-bind-address',
        '0',
        '--health-probe-bind-address',
        `127.0.0.1:${probes}`,
        '--log-level',
        'info',
      ],
      {
        env: {
          ...process.env,
          POD_NAME: name,
          KEDA_OPERATOR_LEADER_ELECTION_LEASE_DURATION: '4s',
          KEDA_OPERATOR_LEADER_ELECTION_RENEW_DEADLINE: '3s',
          KEDA_OPERATOR_LEADER_ELECTION_RETRY_PERIOD: '500ms',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    children.push(child);
    await waitFor(`${name} ready`, async () => (await fetch(`http://127.0.0.1:${probes}/readyz`)).status === 200, 60_000, 250);
    return child;
  };

  before(async () => {
    cp = await startControlPlane();
    await installCrds(cp, root);
    prom = await startPrometheus({ gauges: { depth_orders: { value: 23 } } });
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          deploymentObject('orders', 0),
          {
            apiVersion: 'keda.sh/v1alpha1',
            kind: 'ScaledObject',
            metadata: { name: 'orders', namespace: 'default' },
            spec: {
              scaleTargetRef: { name: 'orders' },
              pollingInterval: 1,
              cooldownPeriod: 8,
              maxReplicaCount: 10,
              triggers: [{ type: 'prometheus', metadata: { serverAddress: prom.url, query: 'depth_orders', threshold: '5' } }],
            },
          },
        ],
      }),
    );
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await prom?.stop();
    await cp?.stop();
    if (process.env.UPDRAFT_E2E_LOGS === '1') console.log(output);
  });

  test('SIGKILL mid-run loses nothing and causes no wrong scaling', async () => {
    const first = await operator('operator-a');
    await waitFor('orders at 5 (23 / 5)', async () => (await replicas()) === 5, 60_000, 200);
    const before = await status();
    assert.equal(before.originalReplicaCount, 0);
    assert.ok(before.lastActiveTime);

    // Sample replicas for the rest of the test: only 5 (held) and then 0 (after cooldown) may ever be seen.
    const seen = new Set<number>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        seen.add(await replicas().catch(() => -1));
        await new Promise((r) => setTimeout(r, 100)); // hygiene: allow-sleep the sampler's 100 ms period, not a wait before an assertion
      }
    })();

    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    prom.series.gauges = { depth_orders: { value: 0 } };
    // While no operator runs nothing may scale, even once the cooldown (8 s) has passed since the last active
    // poll, when anything still polling (a leftover child, a timer that outlived the kill) would scale to 0.
    // Proof that the time passed: the dead leader's Lease, unrenewed for cooldown + 2 polling intervals.
    const lease = async () =>
      (JSON.parse(await kubectl(['get', 'lease', 'operator.updraft.dev', '-o', 'json'])) as { spec: { holderIdentity?: string; renewTime?: string } }).spec;
    await waitFor(
      "the dead leader's Lease to go unrenewed for longer than cooldown + 2 polls",
      async () => {
        const l = await lease();
        assert.equal(l.holderIdentity, 'operator-a', 'no one else took the Lease');
        return Date.now() - Date.parse(l.renewTime ?? '') > 8_000 + 2 * 1_000;
      },
      60_000,
      250,
    );
    assert.equal(await replicas(), 5, 'nothing scales while no operator runs, even past the cooldown');
    assert.deepEqual(
      [...seen].filter((n) => n !== -1),
      [5],
      `replica counts seen with no operator: ${[...seen].join(', ')}`,
    );

    await operator('operator-b');
    await waitFor('orders back to 0 after the cooldown', async () => (await replicas()) === 0, 90_000, 200);
    const after = await status();
    assert.equal(after.originalReplicaCount, 0, 'originalReplicaCount survives the restart (not the 5 found at restart)');
    sampling = false;
    await sampler;
    seen.delete(-1);
    assert.deepEqual([...seen].sort(), [0, 5], `replica counts seen: ${[...seen].join(', ')}`);
    assert.match(output, /became leader/);

    // And it keeps scaling.
    prom.series.gauges = { depth_orders: { value: 12 } };
    await waitFor('orders at 3 (12 / 5)', async () => (await replicas()) === 3, 60_000, 200);
  });
});
