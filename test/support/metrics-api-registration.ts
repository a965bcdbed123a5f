// Registers Updraft's external metrics API with a local control plane the way the Helm chart does in a cluster:
// an APIService for v1beta1.external.metrics.k8s.io trusting a serving certificate from the cluster CA, and a
// Service in front of it. The apiserver refuses loopback Endpoints, so the Service is an ExternalName for
// 127.0.0.1, which the aggregator dials. Returns the port the operator must serve on and its certificate.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ControlPlane, ServingCert } from './control-plane.ts';
import { freePort } from './free-port.ts';

export interface MetricsApiRegistration {
  port: number;
  cert: ServingCert;
  /** The `externalMetrics` option of startOperator for this registration. */
  serverOptions: { port: number; host: string; certFile: string; keyFile: string };
}

export async function registerMetricsApi(cp: ControlPlane, namespace = 'default'): Promise<MetricsApiRegistration> {
  const port = await freePort();
  const cert = await cp.issueServingCert('updraft-metrics-apiserver', [`updraft-metrics-apiserver.${namespace}.svc`, '127.0.0.1']);
  await cp.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'updraft-metrics-apiserver', namespace },
          spec: { type: 'ExternalName', externalName: '127.0.0.1', ports: [{ name: 'https', port, protocol: 'TCP' }] },
        },
        {
          apiVersion: 'apiregistration.k8s.io/v1',
          kind: 'APIService',
          metadata: { name: 'v1beta1.external.metrics.k8s.io' },
          spec: {
            group: 'external.metrics.k8s.io',
            version: 'v1beta1',
            service: { namespace, name: 'updraft-metrics-apiserver', port },
            caBundle: (await readFile(cert.caFile)).toString('base64'),
            groupPriorityMinimum: 100,
            versionPriority: 100,
          },
        },
      ],
    }),
  });
  return { port, cert, serverOptions: { port, host: '127.0.0.1', certFile: cert.certFile, keyFile: cert.keyFile } };
}

/** Applies every CRD in deploy/crds and waits until the ScaledObject CRD is served. */
export async function installCrds(cp: ControlPlane, root: string): Promise<void> {
  const dir = join(root, 'deploy', 'crds');
  for (const f of (await readdir(dir)).filter((x) => x.endsWith('.yaml'))) await cp.kubectl(['apply', '-f', join(dir, f)]);
  await cp.kubectl(['wait', '--for=condition=Established', 'crd/scaledobjects.keda.sh', '--timeout=60s']);
}
