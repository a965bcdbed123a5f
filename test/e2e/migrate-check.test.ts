// `updraft migrate check` on a real control plane against a simulated KEDA install: the keda.sh CRDs annotated
// as KEDA's Helm chart leaves them (release `keda`, one kept), a keda-operator Deployment with the chart's labels,
// a Lease operator.keda.sh held by a live keda-operator, a keda-hpa-<name> HPA owned by its ScaledObject, and the
// external metrics APIService pointing at KEDA's metrics Service. One subtest per finding, plus the CLI's JSON.
// (A real KEDA build is out of scope here: these are the objects a KEDA install leaves, applied by hand.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { checkMigration, renderMigrationReport, type MigrationReport } from '../../src/cli/migrate.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { deploymentObject } from '../support/manifests.ts';
import { installCrds } from '../support/metrics-api-registration.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const micro = (d: Date) => d.toISOString().replace('Z', '000Z');

describe('updraft migrate check against a simulated KEDA install', { timeout: 300_000 }, () => {
  let cp: ControlPlane;
  let report: MigrationReport;
  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const apply = (obj: unknown) => kubectl(['apply', '-f', '-'], JSON.stringify(obj));
  const finding = (id: string) => {
    const f = report.findings.find((x) => x.id === id);
    assert.ok(f, `finding ${id} in ${JSON.stringify(report.findings)}`);
    return f;
  };

  before(async () => {
    cp = await startControlPlane();
    await installCrds(cp, root);
    // The CRDs as KEDA's chart leaves them: owned by release keda/keda; only clustertriggerauthentications kept.
    for (const crd of ['scaledobjects.keda.sh', 'scaledjobs.keda.sh', 'triggerauthentications.keda.sh', 'clustertriggerauthentications.keda.sh']) {
      await kubectl(['label', 'crd', crd, 'app.kubernetes.io/managed-by=Helm', '--overwrite']);
      await kubectl(['annotate', 'crd', crd, 'meta.helm.sh/release-name=keda', 'meta.helm.sh/release-namespace=keda', '--overwrite']);
    }
    await kubectl(['annotate', 'crd', 'clustertriggerauthentications.keda.sh', 'helm.sh/resource-policy=keep', '--overwrite']);
    await kubectl(['create', 'namespace', 'keda']);
    const op = deploymentObject('keda-operator', 1, { namespace: 'keda' }) as ReturnType<typeof deploymentObject> & { metadata: Record<string, unknown> };
    op.metadata = {
      ...op.metadata,
      labels: {
        'app.kubernetes.io/name': 'keda-operator',
        'app.kubernetes.io/version': '2.16.1',
        'app.kubernetes.io/instance': 'keda',
        'app.kubernetes.io/managed-by': 'Helm',
        'helm.sh/chart': 'keda-2.16.1',
      },
      annotations: { 'meta.helm.sh/release-name': 'keda', 'meta.helm.sh/release-namespace': 'keda' },
    };
    await apply(op);
    await apply({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'operator.keda.sh', namespace: 'keda' },
      spec: { holderIdentity: 'keda-operator-6f9b8c_4d2e', leaseDurationSeconds: 3600, renewTime: micro(new Date()), acquireTime: micro(new Date()) },
    });
    await apply(deploymentObject('orders', 2));
    await apply({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'orders', namespace: 'default', finalizers: ['finalizer.keda.sh'] },
      spec: { scaleTargetRef: { name: 'orders' }, triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } }] },
    });
    const uid = (await kubectl(['get', 'scaledobject', 'orders', '-o', 'jsonpath={.metadata.uid}'])).trim();
    await apply({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: {
        name: 'keda-hpa-orders',
        namespace: 'default',
        labels: { 'app.kubernetes.io/managed-by': 'keda-operator' },
        ownerReferences: [{ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'orders', uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'orders' },
        minReplicas: 1,
        maxReplicas: 10,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
      },
    });
    await apply({
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: {
        name: 'v1beta1.external.metrics.k8s.io',
        labels: { 'app.kubernetes.io/managed-by': 'Helm' },
        annotations: { 'meta.helm.sh/release-name': 'keda', 'meta.helm.sh/release-namespace': 'keda' },
      },
      spec: {
        group: 'external.metrics.k8s.io',
        version: 'v1beta1',
        groupPriorityMinimum: 100,
        versionPriority: 100,
        insecureSkipTLSVerify: true,
        service: { namespace: 'keda', name: 'keda-operator-metrics-apiserver', port: 443 },
      },
    });
    report = await checkMigration(await KubeClient.fromEnvironment({ kubeconfig: cp.kubeconfig }));
  });
  after(async () => {
    await cp?.stop();
  });

  test('keda-operator: version, Helm release and replicas', () => {
    const f = finding('keda-operator');
    assert.equal(f.severity, 'action');
    assert.match(f.summary, /KEDA 2\.16\.1 runs as Deployment keda\/keda-operator \(1 replica\), Helm release keda\/keda \(chart keda-2\.16\.1\)/);
    assert.deepEqual(
      { ...report.keda },
      {
        namespace: 'keda',
        deployment: 'keda-operator',
        version: '2.16.1',
        helmRelease: 'keda',
        helmReleaseNamespace: 'keda',
        chart: 'keda-2.16.1',
        replicas: 1,
      },
    );
  });

  test('crds: three of four would be deleted by helm uninstall; the step pins the keep policy through the release', () => {
    const f = finding('crds');
    assert.equal(f.severity, 'action');
    assert.match(f.summary, /3 of 4 keda\.sh CRDs belong to Helm release keda without helm\.sh\/resource-policy: keep/);
    assert.ok(f.details.includes('clustertriggerauthentications.keda.sh: Helm release keda/keda, resource-policy keep'), f.details.join('\n'));
    assert.match(
      report.steps[0],
      /helm upgrade keda kedacore\/keda -n keda --version 2\.16\.1 --reuse-values --set-string 'crds\.additionalAnnotations\.helm\\\.sh\/resource-policy=keep'/,
    );
  });

  test('finalizers: the ScaledObject carrying finalizer.keda.sh is listed', () => {
    const f = finding('finalizers');
    assert.match(f.summary, /^1 of 1 ScaledObjects carry finalizer\.keda\.sh/);
    assert.deepEqual(f.details, ['default/orders']);
  });

  test('hpas: keda-hpa-orders owned by its live ScaledObject is adopted as it is', () => {
    const f = finding('hpas');
    assert.equal(f.severity, 'ok');
    assert.match(f.summary, /1 keda-hpa-\* HPA, 1 owned by a live ScaledObject: Updraft \(mode hpa\) adopts them/);
    assert.deepEqual(f.details, ['default/keda-hpa-orders → Deployment/orders, owner ScaledObject/orders, managed-by keda-operator']);
  });

  test("apiservice: points at KEDA's metrics Service, owned by the keda release; a step repoints it", () => {
    const f = finding('apiservice');
    assert.equal(f.severity, 'action');
    assert.match(f.summary, /points at Service keda\/keda-operator-metrics-apiserver, owned by Helm release keda\/keda/);
    assert.ok(
      report.steps.some((s) =>
        s.includes(
          `kubectl patch apiservice v1beta1.external.metrics.k8s.io --type merge -p '{"spec":{"service":{"namespace":"updraft","name":"updraft-operator-metrics-apiserver"}}}'`,
        ),
      ),
      report.steps.join('\n'),
    );
  });

  test('lease: held by a live keda-operator; Updraft would wait', () => {
    const f = finding('lease');
    assert.equal(f.severity, 'action');
    assert.match(
      f.summary,
      /Lease keda\/operator\.keda\.sh: holder keda-operator-6f9b8c_4d2e, renewed .* live: Updraft waits until KEDA stops \(or --take-over-from-keda\)/,
    );
    assert.ok(report.steps.some((s) => s.includes('kubectl -n keda scale deployment/keda-operator --replicas=0')));
  });

  test('the steps are in order: keep CRDs, install, repoint the APIService, stop KEDA, check, uninstall, roll back', () => {
    const order = [
      'helm upgrade keda',
      'helm install updraft',
      'kubectl patch apiservice',
      'scale deployment/keda-operator --replicas=0',
      'updraft explain',
      'helm uninstall keda',
      'Roll back',
    ];
    const at = order.map((s) => report.steps.findIndex((x) => x.includes(s)));
    assert.deepEqual(at, [0, 1, 2, 3, 4, 5, 6], renderMigrationReport(report));
  });

  test('the CLI prints the same report as JSON (updraft migrate check --output json)', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'migrate', 'check', '--kubeconfig', cp.kubeconfig, '--output', 'json'],
      { cwd: root },
    );
    const printed = JSON.parse(stdout) as MigrationReport;
    assert.deepEqual(
      printed.findings.map((f) => [f.id, f.severity]),
      report.findings.map((f) => [f.id, f.severity]),
    );
    assert.deepEqual(printed.keda, report.keda);
  });
});
