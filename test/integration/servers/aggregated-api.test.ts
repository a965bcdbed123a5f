// The external metrics API behind the real API aggregator, and the admission webhook called by the real API
// server (scripts/control-plane).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane, type ControlPlane } from '../../support/control-plane.ts';
import { waitFor } from '../../support/wait.ts';
import { GVR, KubeClient, type KubeObject } from '../../../src/kube/client.ts';
import { startExternalMetricsServer, type RunningServer } from '../../../src/servers/external-metrics.ts';
import { loadRequestHeaderConfig, subjectAccessReviewAuthorizer } from '../../../src/servers/request-header-auth.ts';
import { startAdmissionWebhookServer } from '../../../src/servers/admission-webhook.ts';
import { clusterLookups, KedaAdmissionValidator } from '../../../src/operator/admission-validator.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
let cp: ControlPlane;
let client: KubeClient;

before(async () => {
  cp = await startControlPlane({ hpaSyncSeconds: 1 });
  client = await KubeClient.fromEnvironment({ kubeconfig: cp.kubeconfig });
});
after(async () => {
  client?.close();
  await cp?.stop();
});

describe('external metrics API through the aggregator', () => {
  let server: RunningServer | undefined;
  const asked: Array<[string, string, string]> = [];

  before(async () => {
    // The aggregator verifies the serving certificate for <service>.<namespace>.svc.
    const cert = await cp.issueServingCert('updraft-metrics', ['updraft-metrics.default.svc', '127.0.0.1']);
    server = await startExternalMetricsServer({
      port: 0,
      host: '127.0.0.1',
      certificate: { certFile: cert.certFile, keyFile: cert.keyFile },
      // Who may call comes from the API server itself (kube-system/extension-apiserver-authentication).
      requestHeader: await loadRequestHeaderConfig(client),
      authorize: subjectAccessReviewAuthorizer(client),
      provider: {
        async getMetric(namespace, so, metric) {
          asked.push([namespace, so, metric]);
          return [{ metricName: metric, value: 23 }];
        },
      },
    });
    // Loopback endpoints are refused in EndpointSlices; an ExternalName Service works with the aggregator's
    // ClusterIP resolver (docs/control-plane.md). The APIService port is the port dialled.
    await client.create(
      { group: '', version: 'v1', resource: 'services' },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'updraft-metrics', namespace: 'default' },
        spec: { type: 'ExternalName', externalName: '127.0.0.1', ports: [{ name: 'https', port: server.port }] },
      },
    );
    await client.create(GVR.apiServices, {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.external.metrics.k8s.io' },
      spec: {
        group: 'external.metrics.k8s.io',
        version: 'v1beta1',
        groupPriorityMinimum: 100,
        versionPriority: 100,
        service: { name: 'updraft-metrics', namespace: 'default', port: server.port },
        caBundle: readFileSync(cp.caFile).toString('base64'),
      },
    } as unknown as KubeObject);
    await waitFor(
      'APIService Available',
      async () => {
        const svc = await client.get<KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } }>(
          GVR.apiServices,
          undefined,
          'v1beta1.external.metrics.k8s.io',
        );
        return svc.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ?? false;
      },
      60_000,
      250,
    );
  });
  after(async () => {
    await server?.close();
  });

  test('kubectl get --raw reaches the server through the aggregator with the front-proxy identity', async () => {
    asked.length = 0;
    const out = JSON.parse(
      await cp.kubectl(['get', '--raw', '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/s0-x?labelSelector=scaledobject.keda.sh%2Fname%3Dworker']),
    ) as { kind: string; items: Array<{ metricName: string; value: string }> };
    assert.equal(out.kind, 'ExternalMetricValueList');
    assert.deepEqual(
      out.items.map((i) => [i.metricName, i.value]),
      [['s0-x', '23']],
    );
    assert.deepEqual(asked, [['default', 'worker', 's0-x']]);
    const resources = JSON.parse(await cp.kubectl(['get', '--raw', '/apis/external.metrics.k8s.io/v1beta1'])) as { kind: string };
    assert.equal(resources.kind, 'APIResourceList');
  });

  test('a direct call without the front-proxy certificate is refused', async () => {
    const code = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: server!.port,
          path: '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/s0-x?labelSelector=scaledobject.keda.sh%2Fname%3Dworker',
          ca: readFileSync(cp.caFile),
          headers: { 'X-Remote-User': 'system:admin', 'X-Remote-Group': 'system:masters' },
          agent: false,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(code, 401);
  });

  test('the HPA controller reads the metric and computes replicas from it', async () => {
    await client.create(GVR.deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'worker', namespace: 'default' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'worker' } },
        template: { metadata: { labels: { app: 'worker' } }, spec: { containers: [{ name: 'c', image: 'worker' }] } },
      },
    });
    await client.create(GVR.hpas, {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'keda-hpa-worker', namespace: 'default' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker' },
        minReplicas: 1,
        maxReplicas: 10,
        metrics: [
          {
            type: 'External',
            external: {
              metric: { name: 's0-x', selector: { matchLabels: { 'scaledobject.keda.sh/name': 'worker' } } },
              target: { type: 'AverageValue', averageValue: '5' },
            },
          },
        ],
      },
    });
    // 23 / 5 → ceil = 5 replicas (Kubernetes replica_calculator.go, AverageValue).
    await waitFor(
      'HPA scaled the Deployment to 5',
      async () =>
        (await client.get<KubeObject & { status?: { desiredReplicas?: number } }>(GVR.hpas, 'default', 'keda-hpa-worker')).status?.desiredReplicas === 5,
      60_000,
      500,
    );
  });
});

describe('admission webhook called by the API server', () => {
  let close: (() => Promise<void>) | undefined;

  before(async () => {
    for (const f of readdirSync(join(root, 'deploy', 'crds'))) await cp.kubectl(['apply', '-f', join(root, 'deploy', 'crds', f)]);
    await waitFor('ScaledObject CRD served', async () => {
      await client.list({ group: 'keda.sh', version: 'v1alpha1', resource: 'scaledobjects' }, { namespace: 'default' });
      return true;
    });
    const cert = await cp.issueServingCert('updraft-webhook', ['127.0.0.1']);
    const s = await startAdmissionWebhookServer({
      port: 0,
      host: '127.0.0.1',
      certificate: { certFile: cert.certFile, keyFile: cert.keyFile },
      validator: new KedaAdmissionValidator(clusterLookups(client)),
    });
    close = s.close;
    await client.create(GVR.validatingWebhookConfigurations, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'updraft-admission' },
      webhooks: [
        {
          name: 'vscaledobject.kb.io',
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          timeoutSeconds: 10,
          clientConfig: { url: `https://127.0.0.1:${s.port}/validate-keda-sh-v1alpha1-scaledobject`, caBundle: readFileSync(cert.caFile).toString('base64') },
          rules: [{ apiGroups: ['keda.sh'], apiVersions: ['v1alpha1'], operations: ['CREATE', 'UPDATE'], resources: ['scaledobjects'] }],
        },
      ],
    } as unknown as KubeObject);
  });
  after(async () => {
    await close?.();
  });

  const so = (name: string, triggers: unknown[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name, namespace: 'default' },
      spec: { scaleTargetRef: { name: 'web' }, triggers, ...extra },
    });
  const cron = (name: string) => ({ type: 'cron', name, metadata: { timezone: 'UTC', start: '0 8 * * *', end: '0 18 * * *', desiredReplicas: '2' } });

  test('an invalid ScaledObject is rejected with the validator message; a valid one is admitted with warnings', async () => {
    // The webhook configuration takes a moment to be picked up by the API server.
    await waitFor(
      'webhook active',
      async () => {
        try {
          await cp.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: so('probe', [cron('a'), cron('a')]) });
          return false;
        } catch (err) {
          return /denied the request/.test((err as Error).message);
        }
      },
      30_000,
      250,
    );
    const denied = await cp.kubectl(['apply', '-f', '-'], { input: so('dup', [cron('a'), cron('a')]) }).catch((e: Error) => e.message);
    assert.match(
      denied,
      /admission webhook "vscaledobject.kb.io" denied the request: ScaledObject default\/dup: spec.triggers\[1\].name: triggerName "a" is defined multiple times/,
    );
    const admitted = await cp.kubectl(['apply', '-f', '-'], { input: so('good', [cron('a')], { minReplicaCount: 1, pollingInterval: 10 }) });
    assert.match(admitted, /scaledobject.keda.sh\/good created/);
    // Warnings reach the client as Warning headers (kubectl prints them on stderr).
    const warnings: string[] = [];
    const watcher = await KubeClient.fromEnvironment({ kubeconfig: cp.kubeconfig, onWarning: (w) => warnings.push(w) });
    await watcher.mergePatch({ group: 'keda.sh', version: 'v1alpha1', resource: 'scaledobjects' }, 'default', 'good', { spec: { pollingInterval: 15 } });
    watcher.close();
    assert.ok(
      warnings.some((w) => /pollingInterval/i.test(w)),
      `warnings: ${JSON.stringify(warnings)}`,
    );
  });

  test('trigger metadata the operator would refuse is admitted with a Warning naming the field (strictTriggers off, as KEDA admits it)', async () => {
    const warnings: string[] = [];
    const c = await KubeClient.fromEnvironment({ kubeconfig: cp.kubeconfig, onWarning: (w) => warnings.push(w) });
    try {
      await c.create(
        { group: 'keda.sh', version: 'v1alpha1', resource: 'scaledobjects' },
        JSON.parse(
          so(
            'typo',
            [
              {
                type: 'aws-sqs-queue',
                metadata: { queueURL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/orders', queuLength: '5', identityOwner: 'operator' },
              },
            ],
            { scaleTargetRef: { name: 'typo-target' } },
          ),
        ) as KubeObject,
      );
    } finally {
      c.close();
    }
    assert.ok(
      warnings.some((w) => /spec\.triggers\[0\]\.metadata\.queuLength: aws-sqs-queue has no parameter 'queuLength'; did you mean 'queueLength'\?/.test(w)),
      `warnings: ${JSON.stringify(warnings)}`,
    );
  });
});
