// Objects the e2e tests apply: a Deployment whose pods kwok runs (the image is never pulled).

export function deploymentObject(name: string, replicas: number, opts: { namespace?: string; env?: Array<{ name: string; value: string }> } = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: opts.namespace ?? 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'registry.invalid/never-pulled:1', ...(opts.env ? { env: opts.env } : {}) }] },
      },
    },
  };
}
