// KEDA's scaler HTTP and empty-answer metrics on a real prom-client registry: keda_scaler_http_requests_total,
// keda_scaler_http_request_duration_seconds (label set switched by --enable-high-cardinality-metrics-labels) and
// keda_scaler_empty_upstream_responses_total. Rows translated from KEDA pkg/metricscollector/prommetrics_test.go
// (TestPromMetrics_RecordHTTPClientRequest, TestNewPromMetrics_DisablesHighCardinalityLabels) and
// opentelemetry_test.go (TestRecordHTTPClientRequest).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { bindTelemetry, httpStatusCodeLabel, type TriggerAttribution } from '../scalers/common/scaler-telemetry.ts';
import { FAMILIES, HTTP_DURATION_BUCKETS, httpDurationFamily, OperatorMetrics } from './keda-metrics.ts';
import { prometheusBackend } from './metric-families.ts';

const who: TriggerAttribution = {
  namespace: 'default',
  scaledResource: 'my-so',
  resourceType: 'ScaledObject',
  scaler: 'prometheus',
  triggerName: 'my-trigger',
  metricName: 's0-prometheus',
};

function setup(highCardinalityLabels = false) {
  const registry = new Registry();
  const m = new OperatorMetrics(prometheusBackend(registry), { version: '2.21.0', highCardinalityLabels });
  const values = async (name: string) =>
    ((await registry.getMetricsAsJSON()).find((x) => x.name === name)?.values ?? []) as Array<{
      labels: Record<string, string | number>;
      value: number;
      metricName?: string;
    }>;
  const labelNames = (name: string) => [...(registry.getSingleMetric(name) as unknown as { labelNames: string[] }).labelNames].sort();
  return { m, values, labelNames };
}

describe('keda_scaler_http_* label rules', () => {
  // KEDA httpStatusCodeLabel: the response's code as a string; `error` when the round trip returned an error.
  const rows: Array<[string, number | undefined, string]> = [
    ['a 200 is "200"', 200, '200'],
    ['a 404 is "404" (an answer, not an error)', 404, '404'],
    ['a 500 is "500"', 500, '500'],
    ['no response (connection refused, timeout) is "error"', undefined, 'error'],
  ];
  for (const [name, code, label] of rows) {
    test(`status_code: ${name}`, async () => {
      assert.equal(httpStatusCodeLabel(code), label);
      const { m, values } = setup();
      m.httpRequest(who, 0.05, code);
      const counter = await values('keda_scaler_http_requests_total');
      assert.deepEqual(
        counter.map((v) => [v.labels, v.value]),
        [
          [
            {
              namespace: 'default',
              scaled_resource: 'my-so',
              scaler: 'prometheus',
              trigger_name: 'my-trigger',
              metric_name: 's0-prometheus',
              status_code: label,
            },
            1,
          ],
        ],
      );
      const count = (await values('keda_scaler_http_request_duration_seconds')).find((v) => String(v.metricName).endsWith('_count'));
      assert.deepEqual(count?.labels, { scaler: 'prometheus', status_code: label });
      assert.equal(count?.value, 1);
    });
  }

  test('the counter always carries the six labels; the histogram by scaler and status_code only, by default', () => {
    const { labelNames } = setup(false);
    assert.deepEqual(labelNames('keda_scaler_http_requests_total'), ['metric_name', 'namespace', 'scaled_resource', 'scaler', 'status_code', 'trigger_name']);
    assert.deepEqual(labelNames('keda_scaler_http_request_duration_seconds'), ['scaler', 'status_code']);
  });

  test('--enable-high-cardinality-metrics-labels: the histogram by namespace, scaled_resource, scaler, trigger_name, metric_name and status_code', async () => {
    const { m, values, labelNames } = setup(true);
    assert.deepEqual(labelNames('keda_scaler_http_request_duration_seconds'), [
      'metric_name',
      'namespace',
      'scaled_resource',
      'scaler',
      'status_code',
      'trigger_name',
    ]);
    m.httpRequest(who, 0.05, 200);
    const h = await values('keda_scaler_http_request_duration_seconds');
    const sum = h.find((v) => String(v.metricName).endsWith('_sum'));
    assert.deepEqual(sum?.labels, {
      namespace: 'default',
      scaled_resource: 'my-so',
      scaler: 'prometheus',
      trigger_name: 'my-trigger',
      metric_name: 's0-prometheus',
      status_code: '200',
    });
    assert.ok(Math.abs(Number(sum?.value) - 0.05) < 0.001);
  });

  test("KEDA's buckets: 5 ms to 10 s", async () => {
    assert.deepEqual(HTTP_DURATION_BUCKETS, [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    const { m, values } = setup();
    m.httpRequest(who, 0.3, 200);
    const buckets = (await values('keda_scaler_http_request_duration_seconds')).filter((v) => String(v.metricName).endsWith('_bucket'));
    assert.deepEqual(
      buckets.map((b) => [b.labels.le, b.value]),
      [...HTTP_DURATION_BUCKETS, '+Inf'].map((le) => [le, typeof le === 'number' && le < 0.3 ? 0 : 1]),
    );
  });

  test('a trigger without a name has trigger_name ""', async () => {
    const { m, values } = setup();
    m.httpRequest({ ...who, triggerName: '' }, 0.01, 200);
    assert.equal((await values('keda_scaler_http_requests_total'))[0]?.labels.trigger_name, '');
  });

  test('OpenTelemetry: keda.scaler.http.requests.count and keda.scaler.http.request.duration.seconds (seconds, the SDK buckets)', () => {
    assert.equal(FAMILIES.httpRequests.otel, 'keda.scaler.http.requests.count');
    const d = httpDurationFamily(false);
    assert.equal(d.otel, 'keda.scaler.http.request.duration.seconds');
    assert.equal(d.otelUnit, 's');
    assert.equal(d.otelSdkBuckets, true);
  });

  test('a bound telemetry never throws into a read', () => {
    const t = bindTelemetry(
      {
        httpRequest: () => {
          throw new Error('boom');
        },
        emptyUpstreamResponse: () => {
          throw new Error('boom');
        },
      },
      who,
    );
    t.httpRequest(0.1, 200);
    t.emptyUpstreamResponse(true);
  });
});

describe('keda_scaler_empty_upstream_responses_total', () => {
  const rows: Array<[string, TriggerAttribution, boolean, Record<string, string>, Record<string, string | boolean>]> = [
    [
      'a ScaledObject trigger with ignoreNullValues false',
      who,
      false,
      {
        namespace: 'default',
        scaledResource: 'my-so',
        triggerName: 'my-trigger',
        metricName: 's0-prometheus',
        resourceType: 'ScaledObject',
        ignoreNullValues: 'false',
      },
      { namespace: 'default', scaledResource: 'my-so', triggerName: 'my-trigger', metricName: 's0-prometheus', isScaledObject: true, ignoreNullValues: false },
    ],
    [
      'a ScaledJob trigger with ignoreNullValues true (the default: still counted)',
      { ...who, scaledResource: 'my-job', resourceType: 'ScaledJob', triggerName: '' },
      true,
      { namespace: 'default', scaledResource: 'my-job', triggerName: '', metricName: 's0-prometheus', resourceType: 'ScaledJob', ignoreNullValues: 'true' },
      { namespace: 'default', scaledResource: 'my-job', triggerName: '', metricName: 's0-prometheus', isScaledObject: false, ignoreNullValues: true },
    ],
  ];
  for (const [name, attribution, ignoreNullValues, labels, otel] of rows) {
    test(name, async () => {
      const { m, values } = setup();
      m.emptyUpstreamResponse(attribution, ignoreNullValues);
      m.emptyUpstreamResponse(attribution, ignoreNullValues);
      assert.deepEqual(
        (await values('keda_scaler_empty_upstream_responses_total')).map((v) => [v.labels, v.value]),
        [[labels, 2]],
      );
      assert.equal(FAMILIES.emptyUpstream.otel, 'keda.scaler.empty.upstream.responses');
      assert.deepEqual(FAMILIES.emptyUpstream.otelAttributes(labels), otel);
    });
  }
});
