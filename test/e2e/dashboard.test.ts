// The dashboards keep working after a switch from KEDA: a real Prometheus scrapes the operator (in this process, on
// a real control plane) with target labels as in a cluster (so the series' `namespace` becomes
// `exported_namespace`, which KEDA's dashboard filters on) and kube-state-metrics (test/support/kube-state-metrics.ts,
// its own `namespace` labels kept, as kube-prometheus scrapes it with honorLabels), a few ScaledObjects (direct
// mode, hpa mode, one whose trigger fails, one whose query has no series) and a ScaledJob run, and every PromQL
// expression of KEDA's published Grafana dashboard (test/e2e/fixtures/keda-dashboard-queries.json) and of
// deploy/grafana/updraft-dashboard.json must return series.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { deploymentObject } from '../support/manifests.ts';
import { startKubeStateMetrics, type KubeStateMetrics } from '../support/kube-state-metrics.ts';
import { installCrds } from '../support/metrics-api-registration.ts';
import { startPrometheus, type LocalPrometheus } from '../support/prometheus.ts';
import { startTestOperator, type TestOperator } from '../support/test-operator.ts';
import { eventually } from '../support/wait.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

interface Query {
  panel: string;
  refId: string;
  expr: string;
}
const keda = JSON.parse(readFileSync(join(root, 'test/e2e/fixtures/keda-dashboard-queries.json'), 'utf8')) as { queries: Query[] };
interface Panel {
  title?: string;
  panels?: Panel[];
  targets?: Array<{ refId: string; expr: string }>;
}
const ours = JSON.parse(readFileSync(join(root, 'deploy/grafana/updraft-dashboard.json'), 'utf8')) as {
  panels: Panel[];
  templating: { list: Array<{ name: string }> };
};
const ourQueries: Query[] = [];
const walk = (ps: Panel[]) => {
  for (const p of ps) {
    if (p.panels) walk(p.panels);
    for (const t of p.targets ?? []) ourQueries.push({ panel: p.title ?? '', refId: t.refId, expr: t.expr });
  }
};
walk(ours.panels);

function substitute(expr: string, vars: Record<string, string>): string {
  return expr.replace(/\$\{?(\w+)\}?/g, (m, name: string) => vars[name] ?? m);
}

describe('Grafana dashboards against the operator scraped by a real Prometheus', { timeout: 600_000 }, () => {
  let cp: ControlPlane;
  let prom: LocalPrometheus;
  let op: TestOperator;
  let ksm: KubeStateMetrics;

  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const apply = (obj: unknown) => kubectl(['apply', '-f', '-'], JSON.stringify(obj));
  const series = async (expr: string): Promise<number> => {
    const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { result?: unknown[] } };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    return body.data?.result?.length ?? 0;
  };
  const hasSeries = (expr: string) => eventually(`series for ${expr}`, async () => ((await series(expr)) > 0 ? true : undefined), 90_000, 500);

  // A trigger `name` becomes KEDA's `scaler` label (keda-scaler-names.ts), so only the objects KEDA's dashboard
  // variables do not select (scaler=prometheusScaler) get one: dash-empty, for trigger_name/triggerName.
  const scaledObject = (name: string, mode: 'direct' | 'hpa', serverAddress: string, query = 'dash_depth', triggerName?: string) => ({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, namespace: 'default', annotations: { 'updraft.dev/mode': mode } },
    spec: {
      scaleTargetRef: { name },
      pollingInterval: 1,
      cooldownPeriod: 5,
      minReplicaCount: 0,
      maxReplicaCount: 5,
      triggers: [{ type: 'prometheus', ...(triggerName ? { name: triggerName } : {}), metadata: { serverAddress, query, threshold: '5' } }],
    },
  });

  before(async () => {
    cp = await startControlPlane();
    await installCrds(cp, root);
    op = await startTestOperator(cp, { metricsPort: 0, metricsHost: '127.0.0.1' });
    assert.ok(op.op.metricsPort, 'the operator serves /metrics');
    ksm = await startKubeStateMetrics(cp);
    prom = await startPrometheus(
      { gauges: { dash_depth: { value: 12 } } },
      {
        targets: [
          { job: 'keda-operator', target: `127.0.0.1:${op.op.metricsPort}`, labels: { namespace: 'keda' } },
          { job: 'kube-state-metrics', target: ksm.target },
        ],
      },
    );
    for (const name of ['dash-direct', 'dash-hpa', 'dash-failing', 'dash-empty']) await apply(deploymentObject(name, 0));
    await apply(scaledObject('dash-direct', 'direct', prom.url));
    await apply(scaledObject('dash-hpa', 'hpa', prom.url));
    await apply(scaledObject('dash-failing', 'direct', 'http://127.0.0.1:1'));
    await apply(scaledObject('dash-empty', 'direct', prom.url, 'dash_no_such_series', 'dash-empty-trigger'));
    await apply({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledJob',
      metadata: { name: 'dash-job', namespace: 'default' },
      spec: {
        pollingInterval: 1,
        maxReplicaCount: 2,
        jobTargetRef: { backoffLimit: 0, template: { spec: { containers: [{ name: 'work', image: 'registry.invalid/never-pulled:1' }] } } },
        triggers: [{ type: 'prometheus', metadata: { serverAddress: prom.url, query: 'dash_depth', threshold: '5' } }],
      },
    });
    // Every object polled and Prometheus took at least three scrapes of the failing trigger's error counter
    // (rate() needs two samples in its window).
    await hasSeries('keda_scaler_active{exported_namespace="default", scaledObject="dash-hpa"}');
    await hasSeries('keda_scaler_active{exported_namespace="default", scaledObject="dash-job", type="scaledjob"}');
    await hasSeries('updraft_direct_replicas{scaledObject="dash-direct", kind="current"}');
    await hasSeries('keda_scaler_empty_upstream_responses_total{scaledResource="dash-empty"}');
    // The HPA Updraft made for dash-hpa, as kube-state-metrics lists it.
    await hasSeries('kube_horizontalpodautoscaler_spec_max_replicas{namespace="default", horizontalpodautoscaler="keda-hpa-dash-hpa"}');
    await eventually(
      'three scrapes of the failing trigger',
      async () => ((await series('count_over_time(keda_scaler_detail_errors_total{scaledObject="dash-failing"}[5m]) >= 3')) > 0 ? true : undefined),
      90_000,
      500,
    );
  });

  after(async () => {
    await prom?.stop();
    await op?.stop();
    await ksm?.stop();
    await cp?.stop();
  });

  test("the operator's series carry KEDA's labels, the scrape's namespace moved to exported_namespace", async () => {
    assert.ok(
      (await series(
        'keda_scaler_metrics_value{exported_namespace="default", namespace="keda", scaledObject="dash-direct", scaler="prometheusScaler", triggerIndex="0", metric="s0-prometheus", type="scaledobject"} == 12',
      )) > 0,
    );
    assert.ok((await series('keda_scaler_detail_errors_total{scaledObject="dash-failing"} > 0')) > 0);
    assert.ok((await series('keda_resource_registered_total{type="scaled_object", exported_namespace="default"} == 4')) > 0);
    assert.ok((await series('keda_trigger_registered_total{type="prometheus"} == 5')) > 0);
    assert.ok(
      (await series(
        'keda_scaler_http_requests_total{exported_namespace="default", scaled_resource="dash-direct", scaler="prometheus", trigger_name="", metric_name="s0-prometheus", status_code="200"} > 0',
      )) > 0,
    );
    assert.ok((await series('keda_scaler_http_requests_total{scaled_resource="dash-failing", status_code="error"} > 0')) > 0);
    assert.ok((await series('keda_scaler_http_requests_total{scaled_resource="dash-empty", trigger_name="dash-empty-trigger", status_code="200"} > 0')) > 0);
    assert.ok((await series('keda_scaler_http_request_duration_seconds_count{scaler="prometheus", status_code="200"} > 0')) > 0);
    assert.ok(
      (await series(
        'keda_scaler_empty_upstream_responses_total{exported_namespace="default", scaledResource="dash-empty", triggerName="dash-empty-trigger", metricName="s0-prometheus", resourceType="ScaledObject", ignoreNullValues="true"} > 0',
      )) > 0,
    );
  });

  // The CLI reads the same cluster: `updraft explain -o json` is the report as data (src/operator/explain.ts).
  for (const [name, mode] of [
    ['dash-hpa', 'hpa'],
    ['dash-direct', 'direct'],
  ] as const) {
    test(`updraft explain -o json default/${name}: the report as JSON on stdout (mode ${mode})`, async () => {
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          [join(root, 'bin', 'updraft.js'), 'explain', `default/${name}`, '--kubeconfig', cp.kubeconfig, '-o', 'json'],
          { cwd: root },
          (err, out, errOut) => (err ? reject(new Error(`${err.message}: ${errOut}`)) : resolve(out)),
        ),
      );
      const report = JSON.parse(stdout) as { kind: string; namespace: string; name: string; valid: boolean; mode?: string };
      assert.deepEqual([report.kind, report.namespace, report.name, report.valid, report.mode], ['ScaledObject', 'default', name, true, mode]);
    });
  }

  describe("KEDA's dashboard (config/grafana/keda-dashboard.json)", () => {
    const vars = { namespace: 'default', scaledObject: 'dash-hpa', scaler: 'prometheusScaler', metric: 's0-prometheus' };
    for (const q of keda.queries) {
      test(`${q.panel} [${q.refId}]: ${q.expr}`, async () => {
        await hasSeries(substitute(q.expr, vars));
      });
    }
  });

  describe("Updraft's dashboard (deploy/grafana/updraft-dashboard.json)", () => {
    const vars = { namespace: 'default', scaledObject: 'dash-direct|dash-hpa|dash-failing|dash-empty', scaler: '.*', metric: '.*' };
    test('its variables are the ones substituted here', () => {
      assert.deepEqual(
        ours.templating.list
          .map((v) => v.name)
          .filter((n) => n !== 'datasource')
          .sort(),
        Object.keys(vars).sort(),
      );
    });
    for (const q of ourQueries) {
      test(`${q.panel} [${q.refId}]: ${q.expr}`, async () => {
        await hasSeries(substitute(q.expr, vars));
      });
    }
  });
});
