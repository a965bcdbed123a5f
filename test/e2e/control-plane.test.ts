// Proves the local control plane is the real thing the operator will run against: the
// scheduler places pods on kwok nodes, the controller-manager's HPA controller acts, /scale
// works, and the aggregation layer reaches a server on 127.0.0.1 with the front-proxy identity.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/wait.ts';

const conditionSchema = z.object({ type: z.string(), status: z.string(), reason: z.string().optional() });
const podListSchema = z.object({
  items: z.array(
    z.object({
      spec: z.object({ nodeName: z.string().optional() }),
      status: z.object({
        phase: z.string().optional(),
        podIP: z.string().optional(),
        conditions: z.array(conditionSchema).optional(),
      }),
    }),
  ),
});
const deploymentSchema = z.object({
  spec: z.object({ replicas: z.number() }),
  status: z.object({ readyReplicas: z.number().optional(), replicas: z.number().optional() }),
});
const scaleSchema = z.object({
  kind: z.literal('Scale'),
  spec: z.object({ replicas: z.number().optional() }),
  status: z.object({ replicas: z.number(), selector: z.string().optional() }),
});
const hpaSchema = z.object({
  status: z.object({ conditions: z.array(conditionSchema).optional(), desiredReplicas: z.number().optional() }),
});

function deployment(name: string, replicas: number): string {
  // kwok never pulls or runs the image; a name that cannot resolve makes that obvious.
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'app', image: 'registry.invalid/updraft/never-pulled:1', resources: { requests: { cpu: '100m' } } }],
        },
      },
    },
  });
}

interface SeenRequest {
  path: string;
  user: string | undefined;
  clientCertCN: string | undefined;
  clientCertVerified: boolean;
}

/** A throw-away aggregated API server: discovery for two groups and one external metric. */
async function startProbeServer(cp: ControlPlane, externalValue: string): Promise<{ server: Server; port: number; seen: SeenRequest[] }> {
  const cert = await cp.issueServingCert('probe-api', ['probe-api.default.svc']);
  const seen: SeenRequest[] = [];
  const server = createServer(
    {
      key: await readFile(cert.keyFile),
      cert: await readFile(cert.certFile),
      // The aggregator authenticates with the front-proxy client cert; trust only its CA.
      ca: await readFile(cp.frontProxy.caFile),
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      const url = new URL(req.url ?? '/', 'https://probe');
      seen.push({
        path: url.pathname,
        user: typeof req.headers['x-remote-user'] === 'string' ? req.headers['x-remote-user'] : undefined,
        clientCertCN: typeof peer.subject?.CN === 'string' ? peer.subject.CN : undefined,
        clientCertVerified: socket.authorized,
      });
      const send = (body: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === '/apis/probe.updraft.test/v1') {
        send({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'probe.updraft.test/v1', resources: [] });
      } else if (url.pathname === '/apis/external.metrics.k8s.io/v1beta1') {
        send({
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: 'external.metrics.k8s.io/v1beta1',
          resources: [{ name: 'externalmetrics', singularName: '', namespaced: true, kind: 'ExternalMetricValueList', verbs: ['get'] }],
        });
      } else if (/^\/apis\/external\.metrics\.k8s\.io\/v1beta1\/namespaces\/[^/]+\/queue-depth$/.test(url.pathname)) {
        send({
          kind: 'ExternalMetricValueList',
          apiVersion: 'external.metrics.k8s.io/v1beta1',
          metadata: {},
          items: [{ metricName: 'queue-depth', metricLabels: {}, timestamp: new Date().toISOString(), value: externalValue }],
        });
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
      }
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

/**
 * Routes APIService group/version to 127.0.0.1:port. The apiserver refuses loopback addresses
 * in Endpoints/EndpointSlices, so the Service is an ExternalName one, which the aggregator's
 * ClusterIP resolver (--enable-aggregator-routing=false) dials as externalName:port; it checks
 * the serving cert for the name <service>.<namespace>.svc against caBundle.
 */
function apiServiceManifests(group: string, version: string, port: number, caBundle: string): string {
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'probe-api', namespace: 'default' },
    spec: { type: 'ExternalName', externalName: '127.0.0.1', ports: [{ name: 'https', port, protocol: 'TCP' }] },
  };
  const apiService = {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: `${version}.${group}` },
    spec: {
      group,
      version,
      service: { namespace: 'default', name: 'probe-api', port },
      caBundle,
      groupPriorityMinimum: 100,
      versionPriority: 100,
    },
  };
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [service, apiService] });
}

describe('local control plane (real kube-apiserver, controller-manager, scheduler and kwok nodes)', { timeout: 600_000 }, () => {
  let cp: ControlPlane;
  let probe: Awaited<ReturnType<typeof startProbeServer>> | undefined;

  before(async () => {
    cp = await startControlPlane({ hpaSyncSeconds: 1 });
  });

  after(async () => {
    probe?.server.close();
    await cp?.stop();
  });

  const readyReplicas = async (name: string) =>
    deploymentSchema.parse(JSON.parse(await cp.kubectl(['get', 'deployment', name, '-o', 'json']))).status.readyReplicas ?? 0;

  test("a Deployment's pods are scheduled onto a kwok node and become Running and Ready", async () => {
    await cp.kubectl(['apply', '-f', '-'], { input: deployment('web', 2) });
    await eventually('deployment web to have 2 ready replicas', async () => ((await readyReplicas('web')) === 2 ? true : undefined));

    const pods = podListSchema.parse(JSON.parse(await cp.kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])));
    assert.equal(pods.items.length, 2);
    for (const pod of pods.items) {
      assert.match(pod.spec.nodeName ?? '', /^kwok-node-\d+$/);
      assert.equal(pod.status.phase, 'Running');
      assert.ok(pod.status.podIP, 'kwok assigns a pod IP');
      assert.equal(pod.status.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    }
  });

  test("the /scale subresource reports and changes a Deployment's replicas", async () => {
    await cp.kubectl(['apply', '-f', '-'], { input: deployment('scaled', 1) });
    const path = '/apis/apps/v1/namespaces/default/deployments/scaled/scale';
    const before = scaleSchema.parse(JSON.parse(await cp.kubectl(['get', '--raw', path])));
    assert.equal(before.spec.replicas, 1);

    await cp.kubectl(['patch', 'deployment', 'scaled', '--subresource=scale', '--type=merge', '-p', '{"spec":{"replicas":3}}']);
    await eventually('deployment scaled to have 3 ready replicas', async () => ((await readyReplicas('scaled')) === 3 ? true : undefined));
    const after = scaleSchema.parse(JSON.parse(await cp.kubectl(['get', '--raw', path])));
    assert.equal(after.spec.replicas, 3);
    assert.equal(after.status.replicas, 3);
    assert.equal(after.status.selector, 'app=scaled', 'the HPA finds pods through status.selector');
  });

  test('the HPA controller processes a CPU-utilization HPA and reports that no resource metrics API serves it', async () => {
    await cp.kubectl(['apply', '-f', '-'], { input: deployment('cpu-app', 1) });
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'cpu-app', namespace: 'default' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'cpu-app' },
        minReplicas: 1,
        maxReplicas: 4,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      },
    };
    await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(hpa) });

    // No metrics-server runs here, so the controller can read /scale (AbleToScale) but fails
    // on metrics.k8s.io (ScalingActive=False): proof that it ran its reconcile loop.
    const conditions = await eventually('HPA cpu-app conditions from the HPA controller', async () => {
      const status = hpaSchema.parse(JSON.parse(await cp.kubectl(['get', 'hpa', 'cpu-app', '-o', 'json']))).status;
      const active = status.conditions?.find((c) => c.type === 'ScalingActive');
      return active?.reason === 'FailedGetResourceMetric' ? status.conditions : undefined;
    });
    assert.equal(conditions?.find((c) => c.type === 'AbleToScale')?.status, 'True');
    assert.equal(conditions?.find((c) => c.type === 'ScalingActive')?.status, 'False');
  });

  test('an APIService routes through the aggregation layer to a server on 127.0.0.1, which sees the front-proxy client cert', async () => {
    probe = await startProbeServer(cp, '30');
    const caBundle = (await readFile(cp.caFile)).toString('base64');
    await cp.kubectl(['apply', '-f', '-'], { input: apiServiceManifests('probe.updraft.test', 'v1', probe.port, caBundle) });
    await cp.kubectl(['wait', '--for=condition=Available', 'apiservice/v1.probe.updraft.test', '--timeout=60s']);

    const discovery = z.object({ groupVersion: z.string() }).parse(JSON.parse(await cp.kubectl(['get', '--raw', '/apis/probe.updraft.test/v1'])));
    assert.equal(discovery.groupVersion, 'probe.updraft.test/v1');

    const fromKubectl = probe.seen.find((r) => r.path === '/apis/probe.updraft.test/v1' && r.user === 'updraft-admin');
    assert.ok(fromKubectl, `the probe server saw kubectl's request as X-Remote-User updraft-admin; saw ${JSON.stringify(probe.seen)}`);
    assert.equal(fromKubectl.clientCertCN, 'front-proxy-client');
    assert.ok(cp.frontProxy.allowedNames.includes(fromKubectl.clientCertCN));
    assert.equal(fromKubectl.clientCertVerified, true, 'the client cert chains to the front-proxy CA');
  });

  test('an admission webhook at https://127.0.0.1:<port> is called by the apiserver and can deny a request', async () => {
    const cert = await cp.issueServingCert('webhook', ['127.0.0.1']);
    const reviewed: string[] = [];
    const reviewSchema = z.object({
      request: z.object({
        uid: z.string(),
        name: z.string().optional(),
        object: z.object({ metadata: z.object({ labels: z.record(z.string(), z.string()).optional() }) }),
      }),
    });
    const webhook = createServer({ key: await readFile(cert.keyFile), cert: await readFile(cert.certFile) }, (req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d));
      req.on('end', () => {
        const review = reviewSchema.parse(JSON.parse(body)).request;
        reviewed.push(review.name ?? '');
        const allowed = review.object.metadata.labels?.['probe.updraft.test/deny'] !== 'true';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            apiVersion: 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            response: { uid: review.uid, allowed, status: allowed ? undefined : { code: 403, message: 'denied by the probe webhook' } },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    try {
      const port = (webhook.address() as AddressInfo).port;
      const config = {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name: 'probe-webhook' },
        webhooks: [
          {
            name: 'configmaps.probe.updraft.test',
            clientConfig: { url: `https://127.0.0.1:${port}/validate`, caBundle: (await readFile(cert.caFile)).toString('base64') },
            rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'default' } },
            sideEffects: 'None',
            admissionReviewVersions: ['v1'],
            failurePolicy: 'Fail',
            timeoutSeconds: 5,
          },
        ],
      };
      await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(config) });
      // The apiserver's webhook informer picks the configuration up asynchronously.
      let attempt = 0;
      await eventually(
        'the apiserver to call the webhook',
        async () => {
          const name = `allowed-${attempt++}`;
          await cp.kubectl(['create', 'configmap', name]);
          return reviewed.includes(name) ? true : undefined;
        },
        30_000,
      );
      await assert.rejects(
        cp.kubectl(['create', '-f', '-'], {
          input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'denied', labels: { 'probe.updraft.test/deny': 'true' } } }),
        }),
        /denied by the probe webhook/,
      );
    } finally {
      webhook.close();
      await cp.kubectl(['delete', 'validatingwebhookconfiguration', 'probe-webhook', '--ignore-not-found']);
    }
  });

  test('the HPA controller scales a Deployment on an external metric served through the aggregation layer', async () => {
    probe ??= await startProbeServer(cp, '30');
    const caBundle = (await readFile(cp.caFile)).toString('base64');
    await cp.kubectl(['apply', '-f', '-'], { input: apiServiceManifests('external.metrics.k8s.io', 'v1beta1', probe.port, caBundle) });
    await cp.kubectl(['wait', '--for=condition=Available', 'apiservice/v1beta1.external.metrics.k8s.io', '--timeout=60s']);

    await cp.kubectl(['apply', '-f', '-'], { input: deployment('consumer', 1) });
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'consumer', namespace: 'default' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'consumer' },
        minReplicas: 1,
        maxReplicas: 10,
        metrics: [{ type: 'External', external: { metric: { name: 'queue-depth' }, target: { type: 'AverageValue', averageValue: '10' } } }],
      },
    };
    await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(hpa) });

    // 30 / averageValue 10 = 3 replicas (HPA: desired = ceil(metric / target average)).
    await eventually('HPA to scale deployment consumer to 3', async () => {
      const d = deploymentSchema.parse(JSON.parse(await cp.kubectl(['get', 'deployment', 'consumer', '-o', 'json'])));
      return d.spec.replicas === 3 ? true : undefined;
    });
    const fromHpa = probe.seen.find((r) => r.path.endsWith('/namespaces/default/queue-depth'));
    assert.equal(fromHpa?.user, 'system:serviceaccount:kube-system:horizontal-pod-autoscaler');
    assert.equal(fromHpa?.clientCertVerified, true);
  });
});
