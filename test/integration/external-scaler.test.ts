// external and external-push against a real gRPC external scaler process (test/support/external-scaler-harness:
// KEDA's generated externalscaler package and grpc-go, built by scripts/deps/external-scaler.sh): metric specs
// from GetMetricSpec at build, exact values and activity, each error kind, reconnect after a restart, the push
// stream and its reconnect, TLS and mTLS, and one channel for many triggers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseManifests } from '../../src/api/parse.ts';
import type { ScaledObject } from '../../src/api/types.ts';
import { InMemoryObjectSource } from '../../src/auth/resolve-trigger-auth.ts';
import { buildObjectScalers } from '../../src/runtime/build-scalers.ts';
import { externalChannelCount, STREAM_RETRY } from '../../src/scalers/common/external-scaler.ts';
import { buildScaler } from '../../src/scalers/index.ts';
import { ReadError, type Reading, type Scaler } from '../../src/scalers/scaler.ts';
import { externalScalerBinary, startExternalScaler, type ExternalScalerServer } from '../support/external-scaler.ts';
import { certFactory, type CertFactory } from '../support/openssl-certs.ts';
import { contextFor } from '../support/scaler-context.ts';
import { eventually, waitFor } from '../support/wait.ts';

const skip = externalScalerBinary() ? false : 'the external scaler harness is not built (scripts/deps/external-scaler.sh needs go)';
const signal = () => AbortSignal.timeout(5000);

function scaler(type: 'external' | 'external-push', metadata: Record<string, string>, authParams: Record<string, string> = {}, triggerIndex = 0): Scaler {
  return buildScaler({ ...contextFor(type, metadata, { authParams }), triggerIndex });
}

async function readError(s: Scaler): Promise<ReadError> {
  try {
    await s.read(signal());
  } catch (e) {
    assert.ok(e instanceof ReadError, `expected a ReadError, got ${String(e)}`);
    return e;
  }
  throw new Error('expected the read to fail');
}

describe('external scaler against a real gRPC external scaler', { skip }, () => {
  let srv: ExternalScalerServer;
  before(async () => {
    STREAM_RETRY.initialMs = 200;
    STREAM_RETRY.maxMs = 1000;
    srv = await startExternalScaler();
    await srv.setValue('orders', 12);
  });
  after(async () => {
    STREAM_RETRY.initialMs = 2000;
    STREAM_RETRY.maxMs = 60_000;
    await srv?.stop();
  });

  test('the build takes the metric name and target from GetMetricSpec (targetSizeFloat, else targetSize)', async () => {
    const yaml = `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: orders, namespace: shop}
spec:
  scaleTargetRef: {name: worker}
  triggers:
  - type: external
    metadata: {scalerAddress: "${srv.address}", key: orders, target: "2.5"}
  - type: external
    metadata: {scalerAddress: "${srv.address}", key: orders, metricName: backlog, targetSize: "7"}
`;
    const so = parseManifests(yaml, 'so.yaml').objects[0] as ScaledObject;
    const built = await buildObjectScalers(so, { source: new InMemoryObjectSource() });
    assert.ok(built.ok, JSON.stringify(built));
    assert.deepEqual(
      built.scalers.map((s) => s.metricSpecs),
      [
        [{ metricName: 's0-harness-orders', kind: 'External', targetType: 'AverageValue', target: 2.5 }],
        [{ metricName: 's1-backlog', kind: 'External', targetType: 'AverageValue', target: 7 }],
      ],
    );
    assert.deepEqual(await built.scalers[1].read(signal()), { metrics: [{ name: 's1-backlog', value: 12 }], active: true });
    await Promise.all(built.scalers.map((s) => s.close()));
  });

  test("values and activity are the server's: GetMetrics and IsActive", async () => {
    await srv.setValue('depth', 7.5);
    const s = scaler('external', { scalerAddress: srv.address, key: 'depth' });
    const calls = (await srv.stats()).calls;
    assert.deepEqual(await s.read(signal()), { metrics: [{ name: 's0-harness-depth', value: 7.5 }], active: true });
    await srv.setValue('depth', 0);
    assert.deepEqual(await s.read(signal()), { metrics: [{ name: 's0-harness-depth', value: 0 }], active: false });
    const after = (await srv.stats()).calls;
    assert.equal(after.GetMetricSpec - (calls.GetMetricSpec ?? 0), 1, 'specs asked once');
    assert.equal(after.GetMetrics - (calls.GetMetrics ?? 0), 2);
    assert.equal(after.IsActive - (calls.IsActive ?? 0), 2);
    await s.close();
    const high = scaler('external', { scalerAddress: srv.address, key: 'orders', activation: '20' });
    assert.deepEqual(
      await high.read(signal()),
      { metrics: [{ name: 's0-harness-orders', value: 12 }], active: false },
      "the server's own activation rule decides",
    );
    await high.close();
  });

  test('a key the server does not know is bad-query (NOT_FOUND), missing metadata is bad-query (INVALID_ARGUMENT)', async () => {
    const unknown = scaler('external', { scalerAddress: srv.address, key: 'no-such-queue' });
    const e1 = await readError(unknown);
    assert.equal(e1.kind, 'bad-query');
    assert.match(
      e1.message,
      /^external: (?:GetMetrics|IsActive) on the external scaler at 127\.0\.0\.1:\d+ failed: NOT_FOUND: no value for key "no-such-queue" \(check the trigger's metadata/,
    );
    await unknown.close();
    const missing = scaler('external', { scalerAddress: srv.address });
    try {
      const e2 = await readError(missing);
      assert.equal(e2.kind, 'bad-query');
      // A read sends GetMetricSpec (first read) and IsActive at once, as KEDA's GetMetricsAndActivity: either refusal may come first.
      assert.match(e2.message, /(?:GetMetricSpec|IsActive) .* failed: INVALID_ARGUMENT: scalerMetadata.key is required/);
    } finally {
      await missing.close();
    }
  });

  test('a closed port is unreachable, and so is a build against it', async () => {
    const s = scaler('external', { scalerAddress: '127.0.0.1:1', key: 'orders' });
    const e = await readError(s);
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, /UNAVAILABLE/);
    await s.close();
    const so = parseManifests(
      `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: down, namespace: shop}
spec:
  scaleTargetRef: {name: worker}
  triggers:
  - {type: external, metadata: {scalerAddress: "127.0.0.1:1", key: orders}}
`,
      'so.yaml',
    ).objects[0] as ScaledObject;
    const built = await buildObjectScalers(so, { source: new InMemoryObjectSource() });
    assert.ok(!built.ok);
    assert.match(built.errors[0].message, /^external: GetMetricSpec on the external scaler at 127\.0\.0\.1:1 failed: UNAVAILABLE/);
  });

  test('the server stops: reads fail as unreachable; it comes back: reads recover on the same channel', async () => {
    const s = scaler('external', { scalerAddress: srv.address, key: 'orders' });
    assert.equal((await s.read(signal())).metrics[0].value, 12);
    await srv.stop();
    assert.equal((await readError(s)).kind, 'unreachable');
    await srv.start();
    await srv.setValue('orders', 12);
    const started = Date.now();
    const r = await eventually('a read after the restart', async () => s.read(signal()), 20_000, 100);
    const recoveredMs = Date.now() - started;
    assert.deepEqual(r, { metrics: [{ name: 's0-harness-orders', value: 12 }], active: true });
    console.log(`# external: reads recovered ${recoveredMs} ms after the server came back`);
    await s.close();
  });

  test('500 triggers on one scaler address hold one channel and one TCP connection', async () => {
    const before = externalChannelCount();
    const connectionsBefore = (await srv.stats()).connections;
    for (let i = 0; i < 20; i++) await srv.setValue(`q${i}`, i);
    const scalers = Array.from({ length: 500 }, (_, i) => scaler('external', { scalerAddress: srv.address, key: `q${i % 20}` }, {}, i % 7));
    const readings = await Promise.all(scalers.map((s) => s.read(AbortSignal.timeout(20_000))));
    assert.equal(readings[13].metrics[0].value, 13);
    assert.equal(externalChannelCount(), before + 1);
    const stats = await srv.stats();
    assert.equal(stats.connections - connectionsBefore, 1, `connections accepted: ${stats.connections - connectionsBefore}`);
    console.log(`# external: 500 triggers on one server → ${externalChannelCount() - before} channel, ${stats.connections - connectionsBefore} TCP connection`);
    await Promise.all(scalers.map((s) => s.close()));
    assert.equal(externalChannelCount(), before);
  });

  test("external-push: the stream's current state and each active event deliver fresh values; inactive events are ignored", async () => {
    await srv.setValue('jobs', 3);
    const s = scaler('external-push', { scalerAddress: srv.address, key: 'jobs' });
    const got: Reading[] = [];
    const off = s.subscribe!((r) => got.push(r));
    await waitFor('the first state from StreamIsActive', async () => got.length === 1, 10_000, 20);
    assert.deepEqual(got[0], { metrics: [{ name: 's0-harness-jobs', value: 3 }], active: true });
    await srv.setValue('jobs', 8);
    assert.equal(await srv.push('jobs', false), 1);
    assert.equal(await srv.push('jobs', true), 1);
    await waitFor('the pushed event', async () => got.length === 2, 10_000, 20);
    assert.deepEqual(got[1], { metrics: [{ name: 's0-harness-jobs', value: 8 }], active: true });
    assert.equal(got.length, 2, 'the inactive event delivered nothing');

    // The server goes away and comes back: the stream is opened again (backoff shortened for the test).
    await srv.stop();
    await srv.start();
    await srv.setValue('jobs', 5);
    await waitFor('the stream reopened', async () => (await srv.stats()).streams === 1, 15_000, 50);
    await waitFor("the reopened stream's first state", async () => got.length === 3, 10_000, 20);
    assert.equal(await srv.push('jobs', true), 1);
    await waitFor('an event after the restart', async () => got.length === 4, 10_000, 20);
    assert.deepEqual(got[3], { metrics: [{ name: 's0-harness-jobs', value: 5 }], active: true });
    off();
    await waitFor('the stream closed by unsubscribe', async () => (await srv.stats()).streams === 0, 10_000, 50);
    await s.close();
  });
});

describe('external scaler with an API key the server checks', { skip }, () => {
  let srv: ExternalScalerServer;
  before(async () => {
    srv = await startExternalScaler({ apiKey: 'k-123' });
    await srv.setValue('orders', 4);
  });
  after(async () => srv?.stop());

  test('a wrong key (UNAUTHENTICATED) is auth; the right one reads', async () => {
    const bad = scaler('external', { scalerAddress: srv.address, key: 'orders', apiKey: 'nope' });
    assert.equal((await readError(bad)).kind, 'auth');
    await bad.close();
    const good = scaler('external', { scalerAddress: srv.address, key: 'orders', apiKey: 'k-123' });
    assert.equal((await good.read(signal())).metrics[0].value, 4);
    await good.close();
  });
});

describe('external scaler over TLS and mTLS', { skip }, () => {
  let certs: CertFactory;
  let tlsSrv: ExternalScalerServer;
  let mtlsSrv: ExternalScalerServer;
  let ca: ReturnType<CertFactory['ca']>;
  let client: ReturnType<CertFactory['leaf']>;
  before(async () => {
    certs = certFactory();
    ca = certs.ca('scaler-ca');
    const serverCert = certs.leaf('scaler', ca, { cn: 'scaler', usage: 'server', hosts: ['127.0.0.1', 'localhost'] });
    client = certs.leaf('updraft', ca, { cn: 'updraft', usage: 'client' });
    tlsSrv = await startExternalScaler({ tls: { certFile: serverCert.certFile, keyFile: serverCert.keyFile } });
    mtlsSrv = await startExternalScaler({ tls: { certFile: serverCert.certFile, keyFile: serverCert.keyFile, clientCaFile: ca.certFile } });
    await tlsSrv.setValue('orders', 6);
    await mtlsSrv.setValue('orders', 9);
  });
  after(async () => {
    await tlsSrv?.stop();
    await mtlsSrv?.stop();
    certs?.cleanup();
  });

  test('caCert (from the TriggerAuthentication) verifies the server', async () => {
    const s = scaler('external', { scalerAddress: tlsSrv.address, key: 'orders' }, { caCert: ca.cert });
    assert.equal((await s.read(signal())).metrics[0].value, 6);
    await s.close();
  });

  test('enableTLS without the CA: the server is not trusted (auth); unsafeSsl skips the check', async () => {
    const untrusted = scaler('external', { scalerAddress: tlsSrv.address, key: 'orders', enableTLS: 'true' });
    const e = await readError(untrusted);
    assert.equal(e.kind, 'auth', e.message);
    await untrusted.close();
    const unsafe = scaler('external', { scalerAddress: tlsSrv.address, key: 'orders', enableTLS: 'true', unsafeSsl: 'true' });
    assert.equal((await unsafe.read(signal())).metrics[0].value, 6);
    await unsafe.close();
  });

  test('plaintext against a TLS server fails', async () => {
    const plain = scaler('external', { scalerAddress: tlsSrv.address, key: 'orders' });
    const e = await readError(plain);
    assert.ok(e.kind === 'unreachable' || e.kind === 'auth', `${e.kind}: ${e.message}`);
    await plain.close();
  });

  test('mTLS: without a client certificate the server refuses (auth); with tlsClientCert and tlsClientKey it reads', async () => {
    const noCert = scaler('external', { scalerAddress: mtlsSrv.address, key: 'orders' }, { caCert: ca.cert });
    const e = await readError(noCert);
    assert.ok(e.kind === 'auth' || e.kind === 'unreachable', `${e.kind}: ${e.message}`);
    assert.ok(!e.message.includes('PRIVATE KEY'));
    await noCert.close();
    const withCert = scaler(
      'external',
      { scalerAddress: mtlsSrv.address, key: 'orders' },
      { caCert: ca.cert, tlsClientCert: client.cert, tlsClientKey: client.key },
    );
    assert.equal((await withCert.read(signal())).metrics[0].value, 9);
    await withCert.close();
  });
});
