// hashiCorpVault `authentication: kubernetes` end to end: the operator's ClusterObjectSource asks the real API server
// for a bound token of credential.serviceAccountName (TokenRequest), a real Vault dev server (test/support/vault.ts)
// checks it with the API server's TokenReview (its kubernetes auth method, reviewer ServiceAccount bound to
// system:auth-delegator) and hands out a client token whose policy reads the KV v2 secret.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readHashiCorpVault, type HashiCorpVaultSpec } from '../../src/auth/secret-sources.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { ClusterObjectSource } from '../../src/operator/cluster-object-source.ts';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { installCrds } from '../support/metrics-api-registration.ts';
import { startVault, vaultBinary, type LocalVault } from '../support/vault.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const built = vaultBinary();

describe('hashiCorpVault kubernetes auth with the real API server TokenReview', { skip: built.why, timeout: 300_000 }, () => {
  let cp: ControlPlane;
  let vault: LocalVault;
  let source: ClusterObjectSource;
  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const spec = (serviceAccountName: string, role = 'updraft'): HashiCorpVaultSpec => ({
    address: vault.address,
    authentication: 'kubernetes',
    mount: 'kubernetes',
    role,
    credential: { serviceAccountName },
    secrets: [{ parameter: 'password', path: 'secret/data/orders', key: 'password', type: 'secretV2' }],
  });

  before(async () => {
    cp = await startControlPlane();
    await installCrds(cp, root);
    vault = await startVault(built.bin!);
    await kubectl(['create', 'namespace', 'app']);
    for (const sa of ['vault-auth', 'stranger', 'vault-reviewer']) await kubectl(['create', 'serviceaccount', sa, '-n', 'app']);
    await kubectl(['create', 'clusterrolebinding', 'vault-reviewer', '--clusterrole=system:auth-delegator', '--serviceaccount=app:vault-reviewer']);
    const reviewer = (await kubectl(['create', 'token', 'vault-reviewer', '-n', 'app', '--duration=1h'])).trim();
    await vault.api('POST', 'secret/data/orders', { data: { password: 'from-vault' } });
    await vault.api('PUT', 'sys/policies/acl/orders-reader', { policy: 'path "secret/data/orders" { capabilities = ["read"] }' });
    await vault.api('POST', 'sys/auth/kubernetes', { type: 'kubernetes' });
    await vault.api('POST', 'auth/kubernetes/config', {
      kubernetes_host: cp.server,
      kubernetes_ca_cert: readFileSync(cp.caFile, 'utf8'),
      token_reviewer_jwt: reviewer,
    });
    await vault.api('POST', 'auth/kubernetes/role/updraft', {
      bound_service_account_names: ['vault-auth'],
      bound_service_account_namespaces: ['app'],
      policies: ['orders-reader'],
      ttl: '10m',
    });
    source = new ClusterObjectSource(await KubeClient.fromEnvironment({ kubeconfig: cp.kubeconfig }));
  });
  after(async () => {
    await vault?.stop();
    await cp?.stop();
  });

  test('a bound token of credential.serviceAccountName logs in (TokenReview) and reads the KV v2 secret with the client token', async () => {
    const out = await readHashiCorpVault(spec('vault-auth'), { source, namespace: 'app' });
    assert.deepEqual(out, { values: { password: 'from-vault' }, problems: [] });
  });

  test('a ServiceAccount the Vault role does not bind is refused at login, and the error says so without a token', async () => {
    await assert.rejects(
      readHashiCorpVault(spec('stranger'), { source, namespace: 'app' }),
      (e: Error) => /error authenticating to Vault .*auth\/kubernetes\/login: Code: 403/.test(e.message) && !/eyJ/.test(e.message),
    );
  });

  test('a ServiceAccount that does not exist: no TokenRequest is made, the error names it', async () => {
    await assert.rejects(readHashiCorpVault(spec('nobody'), { source, namespace: 'app' }), /ServiceAccount app\/nobody does not exist/);
  });
});
