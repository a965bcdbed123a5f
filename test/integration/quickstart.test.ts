// The quickstart's sample app and manifest: the app reports its requests over OTLP to Updraft's receiver and to
// Prometheus, answers /healthz, drains on SIGTERM; the manifest parses into what `updraft up` runs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { waitFor } from '../support/wait.ts';
import { planUp } from '../../src/cli/up.ts';
import { OtlpMetricStore } from '../../src/scalers/common/otlp-metric-store.ts';
import { compute } from '../../src/scalers/opentelemetry.ts';
import { OtlpReceiver } from '../../src/servers/otlp-receiver.ts';

const dir = fileURLToPath(new URL('../../examples/quickstart/', import.meta.url));

it('the quickstart manifest pairs its ScaledObject with its ProcessGroup', async () => {
  const plan = await planUp([dir]);
  assert.deepEqual(plan.problems, []);
  assert.equal(plan.groups[0].group.spec.service?.port, 8080);
  assert.deepEqual(
    plan.scaledObjects[0].spec.triggers.map((t) => t.metadata.metricName),
    ['http.server.request.count', 'updraft.service.pending_requests'],
  );
});

it('the quickstart app reports its request count over OTLP and Prometheus, and drains on SIGTERM', { timeout: 60_000 }, async () => {
  const store = new OtlpMetricStore();
  const receiver = new OtlpReceiver({ store, port: 0 });
  const { url } = await receiver.start();
  const port = 28000 + (process.pid % 1000);
  const app = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PORT: String(port), OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_METRIC_EXPORT_INTERVAL: '300', UPDRAFT_INSTANCE: 'qs-0', WORK_MS: '5' },
  });
  try {
    await waitFor(
      'the app to answer /healthz',
      async () => {
        if (app.exitCode !== null) throw new Error(`the app exited with ${app.exitCode}`);
        return fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
      },
      20_000,
      100,
    );
    for (let i = 0; i < 20; i++) assert.equal((await fetch(`http://127.0.0.1:${port}/work`)).status, 200);
    const prom = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(prom, /http_server_requests_total\{method="GET",route="\/work",status="200"\} 20/);
    // The OTLP counter arrives with the instance id as its resource, and adds up to the 20 requests.
    const otlpCount = () =>
      compute(store.series('http.server.request.count'), { rate: false, window: 30_000, aggregation: 'sum', attributes: { 'http.route': '/work' } }, Date.now())
        .value;
    await waitFor('the OTLP count to reach 20', async () => otlpCount() === 20, 10_000, 100).catch(() => {
      throw new Error(`OTLP count is ${otlpCount()}, want 20`);
    });
    assert.equal(store.series('http.server.request.count')[0].resource['service.instance.id'], 'qs-0');
    assert.equal(store.series('http.server.request.duration')[0].kind, 'histogram');
    assert.equal(store.series('http.server.active_requests')[0].monotonic, false);
    app.kill('SIGTERM');
    const [code] = await once(app, 'exit');
    assert.equal(code, 0);
  } finally {
    if (app.exitCode === null) app.kill('SIGKILL');
    await receiver.close();
  }
});
