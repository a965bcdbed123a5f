// test/support/keda.ts on its own: the real KEDA operator and metrics adapter start against the local control
// plane, take KEDA's Lease, serve the external metrics API through the aggregation layer, expose their Prometheus
// endpoints, and stop cleanly. bench/vs-keda/ builds on this launcher.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { kedaBuilt, KEDA_VERSION, startKeda, type KedaRun } from '../support/keda.ts';

const skip = kedaBuilt() ? false : `KEDA ${KEDA_VERSION} is not built: run \`bash scripts/slow/keda.sh\` (npm run test:slow does it first)`;

describe(`the KEDA ${KEDA_VERSION} launcher`, { skip, timeout: 300_000 }, () => {
  let cp: ControlPlane;
  let keda: KedaRun;

  before(async () => {
    cp = await startControlPlane();
    keda = await startKeda(cp);
  });
  after(async () => {
    await keda?.stop();
    await cp?.stop();
  });

  test('the operator holds Lease keda/operator.keda.sh', async () => {
    const lease = JSON.parse(await cp.kubectl(['-n', 'keda', 'get', 'lease', 'operator.keda.sh', '-o', 'json'])) as { spec: { holderIdentity?: string } };
    assert.match(lease.spec.holderIdentity ?? '', /.+/);
  });

  test('the APIService v1beta1.external.metrics.k8s.io is served by the adapter', async () => {
    const raw = JSON.parse(await cp.kubectl(['get', '--raw', '/apis/external.metrics.k8s.io/v1beta1'])) as { groupVersion: string };
    assert.equal(raw.groupVersion, 'external.metrics.k8s.io/v1beta1');
  });

  test('the operator’s Prometheus endpoint answers with keda_build_info', async () => {
    const text = await (await fetch(keda.operatorMetricsUrl)).text();
    assert.match(text, /keda_build_info\{/);
  });

  test('stop() ends both processes', async () => {
    await keda.stop();
    for (const pid of [keda.operatorPid, keda.adapterPid]) assert.throws(() => process.kill(pid, 0), /ESRCH/);
  });
});
