// The hashiCorpVault secret source against a real Vault dev server (test/support/vault.ts; the binary from
// scripts/slow/vault.sh): token auth, KV v2 (`secretV2`, and `""` auto-detected as KEDA's getSecretValue
// does), KV v1 (`secret`), `pki` issuing a certificate, a missing path, a missing key and a refused token.
// Kubernetes auth against the real API server's TokenReview is in test/slow/vault-kubernetes-auth.test.ts.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { InMemoryObjectSource } from '../../src/auth/object-source.ts';
import { readHashiCorpVault, type HashiCorpVaultSpec } from '../../src/auth/secret-sources.ts';
import { startVault, vaultBinary, type LocalVault } from '../support/vault.ts';

const built = vaultBinary();

describe('hashiCorpVault against a real Vault dev server', { skip: built.why }, () => {
  let vault: LocalVault;
  const ctx = () => ({ source: new InMemoryObjectSource(), namespace: 'app', env: {} });
  const spec = (secrets: HashiCorpVaultSpec['secrets'], token = vault.rootToken): HashiCorpVaultSpec => ({
    address: vault.address,
    authentication: 'token',
    credential: { token },
    secrets,
  });

  before(async () => {
    vault = await startVault(built.bin!);
    // secret/ is KV v2 in dev mode; kv1/ is a KV v1 mount; pki/ a CA with a role.
    await vault.api('POST', 'secret/data/app', { data: { password: 'kv2-pass', user: 'orders' } });
    await vault.api('POST', 'sys/mounts/kv1', { type: 'kv', options: { version: '1' } });
    await vault.api('POST', 'kv1/app', { password: 'kv1-pass' });
    await vault.api('POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '24h' } });
    await vault.api('POST', 'pki/root/generate/internal', { common_name: 'updraft-test-ca', ttl: '24h' });
    await vault.api('POST', 'pki/roles/app', { allowed_domains: 'example.test', allow_subdomains: true, max_ttl: '1h' });
  });
  after(() => vault?.stop());

  const rows: Array<{ name: string; secret: HashiCorpVaultSpec['secrets'][number]; want: string; problem?: RegExp }> = [
    { name: 'KV v2 with type secretV2', secret: { parameter: 'p', path: 'secret/data/app', key: 'password', type: 'secretV2' }, want: 'kv2-pass' },
    { name: 'KV v2 with no type (data.data: detected as v2)', secret: { parameter: 'p', path: 'secret/data/app', key: 'user' }, want: 'orders' },
    { name: 'KV v1 with type secret', secret: { parameter: 'p', path: 'kv1/app', key: 'password', type: 'secret' }, want: 'kv1-pass' },
    { name: 'KV v1 with no type (detected as v1)', secret: { parameter: 'p', path: 'kv1/app', key: 'password' }, want: 'kv1-pass' },
    {
      name: 'a path with no secret: "" and a problem naming the path',
      secret: { parameter: 'p', path: 'secret/data/nothing', key: 'password', type: 'secretV2' },
      want: '',
      problem: /Vault path secret\/data\/nothing: no secret there/,
    },
    {
      name: 'a key the secret does not have: "" and a problem naming the key',
      secret: { parameter: 'p', path: 'secret/data/app', key: 'absent', type: 'secretV2' },
      want: '',
      problem: /key 'absent' not found/,
    },
  ];
  for (const r of rows) {
    test(`token auth: ${r.name}`, async () => {
      const out = await readHashiCorpVault(spec([r.secret]), ctx());
      assert.deepEqual(out.values, { p: r.want });
      if (r.problem) assert.match(out.problems.join('\n'), r.problem);
      else assert.deepEqual(out.problems, []);
    });
  }

  test('pki: one issue request per (path, pkiData) gives the certificate, its key and the CA chain of the same issue', async () => {
    const pkiData = { commonName: 'worker.example.test', ttl: '10m' };
    const out = await readHashiCorpVault(
      spec([
        { parameter: 'cert', path: 'pki/issue/app', key: 'certificate', type: 'pki', pkiData },
        { parameter: 'key', path: 'pki/issue/app', key: 'private_key', type: 'pki', pkiData },
        { parameter: 'ca', path: 'pki/issue/app', key: 'issuing_ca', type: 'pki', pkiData },
      ]),
      ctx(),
    );
    assert.deepEqual(out.problems, []);
    const cert = new X509Certificate(out.values.cert);
    assert.match(cert.subject, /CN=worker\.example\.test/);
    assert.ok(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(out.values.key)), 'the key belongs to the certificate (one issue)');
    assert.ok(cert.verify(new X509Certificate(out.values.ca).publicKey), 'signed by the issuing CA');
  });

  test('a token Vault refuses fails the resolution with Vault’s 403, without the token in the message', async () => {
    await assert.rejects(
      readHashiCorpVault(spec([rows[0].secret], 'hvs.not-a-real-token'), ctx()),
      (e: Error) => /error authenticating to Vault .*Code: 403/.test(e.message) && !e.message.includes('hvs.not-a-real-token'),
    );
  });

  test('a token whose policy does not cover the path: "" and the 403 as a problem (the login itself is fine)', async () => {
    await vault.api('PUT', 'sys/policies/acl/kv1-only', { policy: 'path "kv1/*" { capabilities = ["read"] }' });
    const created = (await vault.api('POST', 'auth/token/create', { policies: ['kv1-only'], ttl: '10m' })) as { auth: { client_token: string } };
    const out = await readHashiCorpVault(
      spec(
        [
          { parameter: 'ok', path: 'kv1/app', key: 'password', type: 'secret' },
          { parameter: 'denied', path: 'secret/data/app', key: 'password', type: 'secretV2' },
        ],
        created.auth.client_token,
      ),
      ctx(),
    );
    assert.deepEqual(out.values, { ok: 'kv1-pass', denied: '' });
    assert.match(out.problems.join('\n'), /Vault path secret\/data\/app: .*Code: 403/);
  });
});
