// Triggers on one HTTP server share one keep-alive agent (src/scalers/common/http-get.ts): 200 prometheus triggers
// against a real Prometheus open at most the agent's MAX_SOCKETS, not 200, and the last close frees them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MAX_SOCKETS } from '../../src/scalers/common/http-get.ts';
import { buildScaler } from '../../src/scalers/index.ts';
import type { ScalerContext } from '../../src/scalers/scaler.ts';
import { startCountingProxy, type CountingProxy } from '../support/counting-proxy.ts';
import { startPrometheus, type LocalPrometheus } from '../support/prometheus.ts';
import { waitFor } from '../support/wait.ts';

let prom: LocalPrometheus;
let proxy: CountingProxy;
before(async () => {
  prom = await startPrometheus({ gauges: { queue: { value: 7 } } });
  proxy = await startCountingProxy(prom.url);
  // Samples scraped before the scalers' query time.
  await prom.waitForScrapes('queue', 4);
});
after(async () => {
  await proxy?.stop();
  await prom?.stop();
});

test(`200 prometheus triggers with their own queries share one agent: at most ${MAX_SOCKETS} connections, closed with the last trigger`, async () => {
  const scalers = Array.from({ length: 200 }, (_, i) =>
    buildScaler({
      trigger: { type: 'prometheus', metadata: { serverAddress: proxy.url, query: `queue + 0 * ${i}`, threshold: '5' } },
      triggerIndex: 0,
      namespace: 'default',
      objectName: `so-${i}`,
      objectKind: 'ScaledObject',
      authParams: {},
      resolvedEnv: {},
      httpTimeoutMs: 3000,
    } as unknown as ScalerContext),
  );
  const readings = await Promise.all(scalers.map((s) => s.read(AbortSignal.timeout(10_000))));
  assert.deepEqual(new Set(readings.map((r) => r.metrics[0]?.value)), new Set([7]), 'every trigger read its value');
  assert.ok(proxy.accepted() <= MAX_SOCKETS, `${proxy.accepted()} connections for 200 triggers (agent maxSockets ${MAX_SOCKETS})`);
  await Promise.all(scalers.slice(1).map((s) => s.close()));
  assert.ok(proxy.open() > 0, 'one trigger still holds the agent');
  await scalers[0].close();
  await waitFor('sockets closed', async () => proxy.open() === 0, 10_000);
});
