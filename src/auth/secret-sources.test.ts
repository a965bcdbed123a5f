// The Vault client against a local server answering with responses in the shape a Vault 1.x dev server gives
// (KV v1 read, KV v2 read with data.data + metadata, kubernetes login auth.client_token, lookup-self, 403 errors),
// the value extraction of KEDA `hashicorpvault_handler.go` `getSecretValue`, and the bound token expiry setting.
// The same cases against a real Vault (built by scripts/slow/vault.sh): test/slow/vault.test.ts and
// test/slow/vault-kubernetes-auth.test.ts; these run on every checkout, those once the binary is built.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { InMemoryObjectSource } from './object-source.ts';
import { boundTokenExpirySeconds, readHashiCorpVault, vaultSecretValue, type VaultSecretSpec } from './secret-sources.ts';

const KV2 = {
  request_id: 'r',
  lease_id: '',
  renewable: false,
  lease_duration: 0,
  data: { data: { password: 'kv2-pass', n: 3 }, metadata: { created_time: '2024-01-01T00:00:00Z', deletion_time: '', destroyed: false, version: 1 } },
  wrap_info: null,
  warnings: null,
  auth: null,
};
const KV1 = {
  request_id: 'r',
  lease_id: '',
  renewable: false,
  lease_duration: 2764800,
  data: { password: 'kv1-pass' },
  wrap_info: null,
  warnings: null,
  auth: null,
};
const LOGIN = {
  request_id: 'r',
  lease_id: '',
  renewable: false,
  lease_duration: 0,
  data: null,
  wrap_info: null,
  warnings: null,
  auth: {
    client_token: 'hvs.login-token',
    accessor: 'a',
    policies: ['default', 'reader'],
    token_policies: ['default', 'reader'],
    metadata: { role: 'updraft' },
    lease_duration: 3600,
    renewable: true,
    entity_id: 'e',
    token_type: 'service',
    orphan: true,
  },
};
const SELF = { request_id: 'r', data: { accessor: 'a', renewable: false, ttl: 0, type: 'service' } };
const seen: Array<{ method: string; url: string; token?: string; namespace?: string; body: string }> = [];
let address = '';
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', () => {
    seen.push({
      method: req.method!,
      url: req.url!,
      token: req.headers['x-vault-token'] as string | undefined,
      namespace: req.headers['x-vault-namespace'] as string | undefined,
      body,
    });
    const token = req.headers['x-vault-token'];
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    if (req.url === '/v1/auth/kubernetes/login')
      return JSON.parse(body).jwt === 'token:app/vault-auth:1' ? send(200, LOGIN) : send(403, { errors: ['permission denied'] });
    if (token !== 'root-token' && token !== 'hvs.login-token') return send(403, { errors: ['permission denied'] });
    if (req.url === '/v1/auth/token/lookup-self') return send(200, SELF);
    if (req.url === '/v1/secret/data/app') return send(200, KV2);
    if (req.url === '/v1/kv1/app') return send(200, KV1);
    return send(404, { errors: [] });
  });
});
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  address = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

const secrets = [
  { parameter: 'v2', path: 'secret/data/app', key: 'password', type: 'secretV2' as const },
  { parameter: 'auto', path: 'secret/data/app', key: 'password' },
  { parameter: 'v1', path: 'kv1/app', key: 'password', type: 'secret' as const },
  { parameter: 'gone', path: 'secret/data/nothing', key: 'password', type: 'secretV2' as const },
];

test('Vault token auth: KV v2, auto-detected v2, KV v1; a missing path gives "" and a problem', async () => {
  seen.length = 0;
  const r = await readHashiCorpVault(
    { address, authentication: 'token', namespace: 'team-a', credential: { token: 'root-token' }, secrets },
    { source: new InMemoryObjectSource(), namespace: 'app', env: {} },
  );
  assert.deepEqual(r.values, { v2: 'kv2-pass', auto: 'kv2-pass', v1: 'kv1-pass', gone: '' });
  assert.match(r.problems.join('\n'), /secret\/data\/nothing: no secret there/);
  // KEDA groups by (type, path, pkiData): secretV2 and "" on one path are two groups, so two reads.
  assert.equal(seen.filter((s) => s.url === '/v1/secret/data/app').length, 2);
  assert.ok(seen.every((s) => s.namespace === 'team-a'));
});

test('Vault kubernetes auth: logs in with a bound token of credential.serviceAccountName, then reads with the client token', async () => {
  seen.length = 0;
  const source = new InMemoryObjectSource().addServiceAccount('app', 'vault-auth');
  const r = await readHashiCorpVault(
    { address, authentication: 'kubernetes', mount: 'kubernetes', role: 'updraft', credential: { serviceAccountName: 'vault-auth' }, secrets: [secrets[0]] },
    { source, namespace: 'app', env: {} },
  );
  assert.deepEqual(r.values, { v2: 'kv2-pass' });
  assert.deepEqual(JSON.parse(seen[0].body), { jwt: 'token:app/vault-auth:1', role: 'updraft' });
  assert.equal(seen.at(-1)!.token, 'hvs.login-token');
});

test('Vault: a refused token fails the resolution (KEDA aborts) without printing the token', async () => {
  await assert.rejects(
    readHashiCorpVault(
      { address, authentication: 'token', credential: { token: 'wrong-token-value' }, secrets },
      { source: new InMemoryObjectSource(), namespace: 'app', env: {} },
    ),
    (e: Error) => /error authenticating to Vault .*Code: 403\. Errors: permission denied/.test(e.message) && !e.message.includes('wrong-token-value'),
  );
});

const values: Array<[string, VaultSecretSpec, Record<string, unknown>, string]> = [
  ['KV v2', { parameter: 'p', path: 'x', key: 'password', type: 'secretV2' }, KV2.data, 'kv2-pass'],
  ['"" with data.data is v2', { parameter: 'p', path: 'x', key: 'password' }, KV2.data, 'kv2-pass'],
  ['KV v1', { parameter: 'p', path: 'x', key: 'password', type: 'secret' }, KV1.data, 'kv1-pass'],
  ['pki ca_chain is joined by newlines', { parameter: 'p', path: 'pki/issue/r', key: 'ca_chain', type: 'pki' }, { ca_chain: ['A', 'B'] }, 'A\nB'],
];
for (const [name, secret, data, want] of values) {
  test(`vault value: ${name}`, () => assert.equal(vaultSecretValue(secret, data), want));
}

const valueErrors: Array<[string, VaultSecretSpec, Record<string, unknown>, RegExp]> = [
  ['a missing key', { parameter: 'p', path: 'x', key: 'nope', type: 'secretV2' }, KV2.data, /key 'nope' not found/],
  ['a non-string value', { parameter: 'p', path: 'x', key: 'n', type: 'secretV2' }, KV2.data, /key 'n' is not castable to string/],
];
for (const [name, secret, data, message] of valueErrors) {
  test(`vault value error: ${name}`, () => assert.throws(() => vaultSecretValue(secret, data), message));
}

const expiries: Array<[string, string | undefined, number | RegExp]> = [
  ['default 1h', undefined, 3600],
  ['2h30m', '2h30m', 9000],
  ['below 1h refused', '30m', /must be between 1h and 6h/],
  ['above 6h refused', '7h', /must be between 1h and 6h/],
];
for (const [name, raw, want] of expiries) {
  test(`KEDA_BOUND_SERVICE_ACCOUNT_TOKEN_EXPIRY: ${name}`, () => {
    const env = raw === undefined ? {} : { KEDA_BOUND_SERVICE_ACCOUNT_TOKEN_EXPIRY: raw };
    if (typeof want === 'number') assert.equal(boundTokenExpirySeconds(env), want);
    else assert.throws(() => boundTokenExpirySeconds(env), want);
  });
}
