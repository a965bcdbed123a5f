// Lease election between candidates against a real kube-apiserver. Durations are shortened (lease 3 s, renew
// deadline 2 s, retry 0.5 s) so failover happens within a test; the rules are the same as with the defaults.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../support/control-plane.ts';
import { waitFor } from '../../support/wait.ts';
import { GVR, KubeClient } from '../../../src/kube/client.ts';
import { LeaderElector, type Lease } from '../../../src/kube/leader-election.ts';

let cp: ControlPlane;
const timing = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };

before(async () => {
  cp = await startControlPlane();
});
after(async () => {
  await cp?.stop();
});

/** A TCP relay to the API server that can be cut, as a network partition of one candidate. */
async function partitionableProxy(target: URL): Promise<{ url: string; cut(): void; close(): void }> {
  let cut = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    if (cut) return inbound.destroy();
    const outbound = net.connect(Number(target.port), target.hostname);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    cut() {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

async function clientVia(server?: string): Promise<KubeClient> {
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfig);
  if (server) {
    const cluster = kc.getCurrentCluster()!;
    kc.loadFromOptions({ clusters: [{ ...cluster, server }], users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext });
  }
  return KubeClient.fromKubeConfig(kc);
}

function candidate(client: KubeClient, identity: string, log: string[]): LeaderElector {
  return new LeaderElector(client, {
    namespace: 'default',
    name: 'updraft-test-leader',
    identity,
    ...timing,
    onStartedLeading: () => log.push(`${identity} started ${Date.now()}`),
    onStoppedLeading: () => log.push(`${identity} stopped ${Date.now()}`),
  });
}

/** Sample both candidates every 20 ms; record every instant at which both believed they lead. */
function sampleOverlap(electors: LeaderElector[]): { stop(): number } {
  let overlaps = 0;
  const t = setInterval(() => {
    if (electors.filter((e) => e.isLeader()).length > 1) overlaps++;
  }, 20);
  return {
    stop() {
      clearInterval(t);
      return overlaps;
    },
  };
}

test('exactly one of two candidates leads; on graceful stop the other takes over at once', async () => {
  const log: string[] = [];
  const [ca, cb] = [await clientVia(), await clientVia()];
  const a = candidate(ca, 'a', log).start();
  await waitFor('a leads', async () => a.isLeader(), 10_000, 20);
  const b = candidate(cb, 'b', log).start();
  const bStartedAt = Date.now();
  const sampler = sampleOverlap([a, b]);
  // Proof that b had its chances: a renewed the Lease past two lease durations after b started.
  await waitFor(
    'a to renew past 2 lease durations',
    async () => {
      const l = await cb.get<Lease>(GVR.leases, 'default', 'updraft-test-leader');
      return Date.parse(l.spec?.renewTime ?? '') > bStartedAt + 2 * timing.leaseDurationMs;
    },
    4 * timing.leaseDurationMs + 10_000,
    50,
  );
  assert.equal(b.isLeader(), false, 'b must not lead while a renews');
  assert.equal(b.leader, 'a');

  const stoppedAt = Date.now();
  await a.stop();
  await waitFor('b leads', async () => b.isLeader(), 10_000, 20);
  const takeover = Date.now() - stoppedAt;
  assert.ok(takeover < timing.leaseDurationMs, `released lease taken over in ${takeover} ms`);
  const lease = await ca.get<Lease>(GVR.leases, 'default', 'updraft-test-leader');
  assert.equal(lease.spec?.holderIdentity, 'b');
  assert.equal(lease.spec?.leaseTransitions, 1);
  await b.stop();
  assert.equal(sampler.stop(), 0, 'never two leaders at once');
  console.log(`# graceful handover: ${takeover} ms`);
  ca.close();
  cb.close();
});

test('a leader cut off from the API server steps down before the other takes over, within the lease duration', async () => {
  const log: string[] = [];
  const proxy = await partitionableProxy(new URL(cp.server));
  const [ca, cb] = [await clientVia(proxy.url), await clientVia()];
  await cb.delete(GVR.leases, 'default', 'updraft-test-leader');
  const a = candidate(ca, 'a', log).start();
  await waitFor('a leads', async () => a.isLeader(), 10_000, 20);
  const b = candidate(cb, 'b', log).start();
  const sampler = sampleOverlap([a, b]);
  await waitFor('b to see a as the leader', async () => b.leader === 'a', 10_000, 20);

  const cutAt = Date.now();
  proxy.cut();
  await waitFor('a steps down', async () => !a.isLeader(), 10_000, 20);
  const steppedDown = Date.now() - cutAt;
  await waitFor('b leads', async () => b.isLeader(), 15_000, 20);
  const takeover = Date.now() - cutAt;
  assert.ok(steppedDown <= timing.renewDeadlineMs + timing.retryPeriodMs + 500, `a stepped down after ${steppedDown} ms`);
  assert.ok(takeover <= timing.leaseDurationMs + timing.renewDeadlineMs + 2 * timing.retryPeriodMs, `b took over after ${takeover} ms`);
  assert.ok(takeover > steppedDown, 'the old leader stopped before the new one started');
  assert.equal(sampler.stop(), 0, 'never two leaders at once');
  console.log(`# partition: old leader stepped down after ${steppedDown} ms, new leader after ${takeover} ms`);
  await a.stop({ release: false });
  await b.stop();
  proxy.close();
  ca.close();
  cb.close();
});

test('a crashed leader (no release) is replaced once its lease expires', async () => {
  const log: string[] = [];
  const [ca, cb] = [await clientVia(), await clientVia()];
  await cb.delete(GVR.leases, 'default', 'updraft-test-leader');
  const a = candidate(ca, 'a', log).start();
  await waitFor('a leads', async () => a.isLeader(), 10_000, 20);
  const b = candidate(cb, 'b', log).start();
  await waitFor('b to see a as the leader', async () => b.leader === 'a', 10_000, 20);
  const crashedAt = Date.now();
  await a.stop({ release: false });
  await waitFor('b leads', async () => b.isLeader(), 15_000, 20);
  const takeover = Date.now() - crashedAt;
  assert.ok(takeover >= timing.leaseDurationMs - timing.retryPeriodMs, `b waited for expiry (${takeover} ms)`);
  assert.ok(takeover <= timing.leaseDurationMs + 3 * timing.retryPeriodMs, `b took over after ${takeover} ms`);
  console.log(`# crash: new leader after ${takeover} ms (lease ${timing.leaseDurationMs} ms)`);
  await b.stop();
  ca.close();
  cb.close();
});
