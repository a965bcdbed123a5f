// keda_scaler_http_requests_total, keda_scaler_http_request_duration_seconds and
// keda_scaler_empty_upstream_responses_total count the real requests of real reads: the prometheus scaler against
// a real Prometheus (a 200, a 400 for a bad query, a query with no series), the metrics-api scaler against a real
// HTTP API (200, 404, 500, a hang past the timeout) and a closed port (connection refused). The collector is the
// operator's (servers/keda-metrics.ts) on a real prom-client registry; each trigger's attribution reaches the shared,
// pooled HTTP client through its reader's context (KEDA: BuildScalerRequestCtx → InstrumentedRoundTripper).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { buildScaler } from '../../src/scalers/index.ts';
import { OperatorMetrics } from '../../src/servers/keda-metrics.ts';
import { prometheusBackend } from '../../src/servers/metric-families.ts';
import { freePort } from '../support/free-port.ts';
import { startMetricsApiServer, type MetricsApiServer } from '../support/metrics-api-server.ts';
import { startPrometheus, type LocalPrometheus } from '../support/prometheus.ts';
import { contextFor } from '../support/scaler-context.ts';

type Values = Array<{ labels: Record<string, string | number>; value: number; metricName?: string }>;

function collector(highCardinalityLabels = false) {
  const registry = new Registry();
  const metrics = new OperatorMetrics(prometheusBackend(registry), { version: '2.21.0', highCardinalityLabels });
  const values = async (name: string): Promise<Values> => ((await registry.getMetricsAsJSON()).find((x) => x.name === name)?.values ?? []) as Values;
  /** `name`'s series whose labels include `match`. */
  const find = async (name: string, match: Record<string, string>) =>
    (await values(name)).filter((v) => Object.entries(match).every(([k, want]) => String(v.labels[k]) === want));
  return { metrics, values, find };
}

describe('scaler HTTP metrics from real requests', () => {
  let prom: LocalPrometheus;
  let api: MetricsApiServer;
  let closedPort: number;
  const c = collector();

  /** Read `type`'s trigger `times` times as ScaledObject `object` (trigger `triggerName`); errors are the point of some rows. */
  const read = async (object: string, type: string, metadata: Record<string, string>, times = 1, triggerName?: string) => {
    const scaler = buildScaler(
      contextFor(type, metadata, { objectName: object, telemetry: c.metrics }, triggerName === undefined ? {} : { name: triggerName }),
    );
    const outcomes: string[] = [];
    try {
      for (let i = 0; i < times; i++) {
        try {
          await scaler.read(AbortSignal.timeout(10_000));
          outcomes.push('ok');
        } catch (e) {
          outcomes.push((e as Error).message);
        }
      }
    } finally {
      await scaler.close();
    }
    return outcomes;
  };

  before(async () => {
    prom = await startPrometheus({ gauges: { http_metrics_depth: { value: 3 } } });
    await prom.waitForValue('http_metrics_depth', (v) => v === 3);
    // The scaler queries at now truncated to the second (KEDA: time.Now().Format(time.RFC3339)); with samples a few
    // seconds old that instant has one, so a good query is not an empty answer.
    await prom.waitForValue('count_over_time(http_metrics_depth[1m])', (v) => v >= 6);
    api = await startMetricsApiServer();
    api.value = 4;
    closedPort = await freePort();
  });
  after(async () => {
    await prom?.stop();
    await api?.stop();
  });

  const rows: Array<{
    name: string;
    object: string;
    type: string;
    metadata: () => Record<string, string>;
    times: number;
    metricName: string;
    status: string;
    triggerName?: string;
  }> = [
    {
      name: 'prometheus: three good queries are three 200s',
      object: 'prom-ok',
      type: 'prometheus',
      metadata: () => ({ serverAddress: prom.url, query: 'http_metrics_depth', threshold: '1' }),
      times: 3,
      metricName: 's0-prometheus',
      status: '200',
      triggerName: 'depth',
    },
    {
      name: 'prometheus: a query Prometheus cannot parse is its 400 (the read fails, the request still counts)',
      object: 'prom-bad',
      type: 'prometheus',
      metadata: () => ({ serverAddress: prom.url, query: 'sum(', threshold: '1' }),
      times: 1,
      metricName: 's0-prometheus',
      status: '400',
    },
    {
      name: 'prometheus: a closed port is status_code "error"',
      object: 'prom-refused',
      type: 'prometheus',
      metadata: () => ({ serverAddress: `http://127.0.0.1:${closedPort}`, query: 'up', threshold: '1' }),
      times: 2,
      metricName: 's0-prometheus',
      status: 'error',
    },
    {
      name: 'metrics-api: a good read is a 200',
      object: 'api-ok',
      type: 'metrics-api',
      metadata: () => ({ url: `${api.url}/open/json`, valueLocation: 'components.worker.tasks', targetValue: '5' }),
      times: 2,
      metricName: 's0-metric-api-components-worker-tasks',
      status: '200',
    },
    {
      name: 'metrics-api: a missing path is its 404',
      object: 'api-404',
      type: 'metrics-api',
      metadata: () => ({ url: `${api.url}/missing`, valueLocation: 'a', targetValue: '5' }),
      times: 1,
      metricName: 's0-metric-api-a',
      status: '404',
    },
    {
      name: 'metrics-api: a broken API is its 500',
      object: 'api-500',
      type: 'metrics-api',
      metadata: () => ({ url: `${api.url}/error`, valueLocation: 'a', targetValue: '5' }),
      times: 1,
      metricName: 's0-metric-api-a',
      status: '500',
    },
    {
      name: 'metrics-api: no answer within the timeout is status_code "error"',
      object: 'api-hang',
      type: 'metrics-api',
      metadata: () => ({ url: `${api.url}/hang`, valueLocation: 'a', targetValue: '5', timeout: '200ms' }),
      times: 1,
      metricName: 's0-metric-api-a',
      status: 'error',
    },
  ];
  for (const r of rows) {
    test(r.name, async () => {
      const outcomes = await read(r.object, r.type, r.metadata(), r.times, r.triggerName);
      assert.equal(outcomes.filter((o) => o === 'ok').length, r.status === '200' ? r.times : 0, outcomes.join('; '));
      const counter = await c.find('keda_scaler_http_requests_total', { scaled_resource: r.object });
      assert.deepEqual(
        counter.map((v) => [v.labels, v.value]),
        [
          [
            {
              namespace: 'default',
              scaled_resource: r.object,
              scaler: r.type,
              trigger_name: r.triggerName ?? '',
              metric_name: r.metricName,
              status_code: r.status,
            },
            r.times,
          ],
        ],
      );
    });
  }

  test('the duration histogram counts every request by scaler and status_code, with real durations', async () => {
    const count = async (scaler: string, status: string) =>
      (await c.find('keda_scaler_http_request_duration_seconds', { scaler, status_code: status })).find((v) => String(v.metricName).endsWith('_count'))?.value;
    assert.equal(await count('prometheus', '200'), 3);
    assert.equal(await count('prometheus', '400'), 1);
    assert.equal(await count('prometheus', 'error'), 2);
    assert.equal(await count('metrics-api', '200'), 2);
    assert.equal(await count('metrics-api', '404'), 1);
    assert.equal(await count('metrics-api', '500'), 1);
    assert.equal(await count('metrics-api', 'error'), 1);
    // The hang row waited for its 200 ms timeout: its one observation is at least that long.
    const hangSum = (await c.find('keda_scaler_http_request_duration_seconds', { scaler: 'metrics-api', status_code: 'error' })).find((v) =>
      String(v.metricName).endsWith('_sum'),
    )?.value;
    assert.ok(hangSum !== undefined && hangSum >= 0.19, `hang observed ${hangSum} s`);
  });

  test('two triggers sharing one pooled HTTP client are each counted as themselves', async () => {
    const metadata = { url: `${api.url}/open/json`, valueLocation: 'components.worker.tasks', targetValue: '5' };
    const a = buildScaler(contextFor('metrics-api', metadata, { objectName: 'shared-a', telemetry: c.metrics }));
    const b = buildScaler(contextFor('metrics-api', metadata, { objectName: 'shared-b', telemetry: c.metrics, triggerIndex: 1 }));
    try {
      await a.read(AbortSignal.timeout(10_000));
      await b.read(AbortSignal.timeout(10_000));
      await b.read(AbortSignal.timeout(10_000));
    } finally {
      await a.close();
      await b.close();
    }
    assert.equal(
      (await c.find('keda_scaler_http_requests_total', { scaled_resource: 'shared-a', metric_name: 's0-metric-api-components-worker-tasks' }))[0]?.value,
      1,
    );
    assert.equal(
      (await c.find('keda_scaler_http_requests_total', { scaled_resource: 'shared-b', metric_name: 's1-metric-api-components-worker-tasks' }))[0]?.value,
      2,
    );
  });

  describe('keda_scaler_empty_upstream_responses_total: a query that returns no series', () => {
    const emptyRows: Array<{ name: string; object: string; ignoreNullValues: string; readOk: boolean }> = [
      { name: 'ignoreNullValues false: counted, and the read fails', object: 'empty-strict', ignoreNullValues: 'false', readOk: false },
      { name: 'ignoreNullValues true: counted, and the read is 0', object: 'empty-lenient', ignoreNullValues: 'true', readOk: true },
    ];
    for (const r of emptyRows) {
      test(r.name, async () => {
        const outcomes = await read(
          r.object,
          'prometheus',
          { serverAddress: prom.url, query: 'no_such_series_empty_upstream', threshold: '1', ignoreNullValues: r.ignoreNullValues },
          2,
          'empty-upstream-trigger',
        );
        assert.deepEqual(
          outcomes.map((o) => o === 'ok'),
          [r.readOk, r.readOk],
        );
        assert.deepEqual(
          (await c.find('keda_scaler_empty_upstream_responses_total', { scaledResource: r.object })).map((v) => [v.labels, v.value]),
          [
            [
              {
                namespace: 'default',
                scaledResource: r.object,
                triggerName: 'empty-upstream-trigger',
                metricName: 's0-prometheus',
                resourceType: 'ScaledObject',
                ignoreNullValues: r.ignoreNullValues,
              },
              2,
            ],
          ],
        );
        // The answer itself was a 200.
        assert.equal((await c.find('keda_scaler_http_requests_total', { scaled_resource: r.object, status_code: '200' }))[0]?.value, 2);
      });
    }
    test('a query with a series is not counted', async () => {
      assert.deepEqual(await c.find('keda_scaler_empty_upstream_responses_total', { scaledResource: 'prom-ok' }), []);
    });
  });

  test('--enable-high-cardinality-metrics-labels: the histogram of a real request carries the object, trigger and metric', async () => {
    const hc = collector(true);
    const scaler = buildScaler(
      contextFor(
        'prometheus',
        { serverAddress: prom.url, query: 'http_metrics_depth', threshold: '1' },
        { objectName: 'hc', telemetry: hc.metrics },
        { name: 'depth' },
      ),
    );
    try {
      await scaler.read(AbortSignal.timeout(10_000));
    } finally {
      await scaler.close();
    }
    const count = (await hc.values('keda_scaler_http_request_duration_seconds')).find((v) => String(v.metricName).endsWith('_count'));
    assert.deepEqual(count?.labels, {
      namespace: 'default',
      scaled_resource: 'hc',
      scaler: 'prometheus',
      trigger_name: 'depth',
      metric_name: 's0-prometheus',
      status_code: '200',
    });
    assert.equal(count?.value, 1);
  });
});
