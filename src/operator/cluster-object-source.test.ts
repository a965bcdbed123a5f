// ClusterObjectSource with KEDA_RESTRICT_SECRET_ACCESS: every Secret is read from the operator's namespace
// (KEDA pkg/scaling/resolver/scale_resolvers.go resolveAuthSecret: secretsLister.Secrets(kedaNamespace)).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeClient } from '../kube/client.ts';
import { ClusterObjectSource } from './cluster-object-source.ts';

function client(reads: string[]): KubeClient {
  return {
    get: async (_gvr: unknown, namespace: string | undefined, name: string) => {
      reads.push(`${namespace}/${name}`);
      return { metadata: { name, namespace }, data: { token: Buffer.from(`from-${namespace}`).toString('base64') } };
    },
  } as unknown as KubeClient;
}

test('unrestricted: a Secret is read from the namespace the TriggerAuthentication names', async () => {
  const reads: string[] = [];
  const src = new ClusterObjectSource(client(reads));
  assert.deepEqual(await src.getSecret('team-a', 'db'), { token: 'from-team-a' });
  assert.deepEqual(reads, ['team-a/db']);
});

test('KEDA_RESTRICT_SECRET_ACCESS: every Secret comes from the operator namespace', async () => {
  const reads: string[] = [];
  const src = new ClusterObjectSource(client(reads), { restrictSecretsToNamespace: 'keda' });
  assert.deepEqual(await src.getSecret('team-a', 'db'), { token: 'from-keda' });
  assert.deepEqual(reads, ['keda/db']);
});
