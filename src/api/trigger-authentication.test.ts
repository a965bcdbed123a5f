// TriggerAuthentication / ClusterTriggerAuthentication: the spec of KEDA triggerauthentication_types.go and the
// webhook rules of triggerauthentication_webhook.go.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTriggerAuthentication } from './parse.ts';
import type { TriggerAuthentication } from './types.ts';
import { validateTriggerAuthentication } from './validate.ts';

function manifest(spec: Record<string, unknown>, kind = 'TriggerAuthentication', metadata: Record<string, unknown> = { name: 'aws', namespace: 'shop' }) {
  return { apiVersion: 'keda.sh/v1alpha1', kind, metadata, spec };
}

function parsed(spec: Record<string, unknown>, kind = 'TriggerAuthentication'): TriggerAuthentication {
  const r = parseTriggerAuthentication(manifest(spec, kind, kind === 'TriggerAuthentication' ? { name: 'aws', namespace: 'shop' } : { name: 'aws' }));
  assert.ok(r.ok, `expected valid, got ${JSON.stringify(!r.ok && r.problems)}`);
  return r.value;
}

describe('TriggerAuthentication spec (triggerauthentication_types.go)', () => {
  it('reads every source kind and keeps the values', () => {
    const spec = {
      podIdentity: { provider: 'aws', roleArn: 'arn:aws:iam::111122223333:role/keda' },
      secretTargetRef: [{ parameter: 'password', name: 'db', key: 'pw' }],
      configMapTargetRef: [{ parameter: 'host', name: 'cfg', key: 'host' }],
      env: [{ parameter: 'region', name: 'AWS_REGION', containerName: 'app' }],
      hashiCorpVault: {
        address: 'https://vault:8200',
        authentication: 'kubernetes',
        role: 'keda',
        mount: 'kubernetes',
        secrets: [{ parameter: 'token', path: 'secret/data/x', key: 'token', type: 'secretV2' }],
      },
      azureKeyVault: { vaultUri: 'https://v.vault.azure.net', secrets: [{ parameter: 'conn', name: 'conn' }], podIdentity: { provider: 'azure-workload' } },
      gcpSecretManager: { secrets: [{ parameter: 'key', id: 'k' }], podIdentity: { provider: 'gcp' } },
      awsSecretManager: {
        secrets: [{ parameter: 'pw', name: 'db', secretKey: 'password' }],
        region: 'us-east-1',
        credentials: {
          accessKey: { valueFrom: { secretKeyRef: { name: 's', key: 'id' } } },
          accessSecretKey: { valueFrom: { secretKeyRef: { name: 's', key: 'secret' } } },
        },
      },
      boundServiceAccountToken: [{ parameter: 'token', serviceAccountName: 'reader' }],
      oauth2: { clientId: 'c', tokenUrl: 'https://idp.example.com/token', scopes: ['read'], tokenUrlParams: { audience: 'api' } },
    };
    const ta = parsed(spec);
    assert.deepEqual(ta.spec.secretTargetRef, spec.secretTargetRef);
    assert.deepEqual(ta.spec.env, spec.env);
    assert.deepEqual(ta.spec.hashiCorpVault, spec.hashiCorpVault);
    assert.deepEqual(ta.spec.awsSecretManager, spec.awsSecretManager);
    assert.deepEqual(ta.spec.oauth2, { type: 'clientCredentials', ...spec.oauth2 });
    assert.deepEqual(validateTriggerAuthentication(ta), []);
  });

  it('podIdentity.identityOwner defaults to keda (not workload)', () => {
    assert.equal(parsed({ podIdentity: { provider: 'aws' } }).spec.podIdentity?.identityOwner, 'keda');
  });

  it('oauth2.type defaults to clientCredentials', () => {
    assert.equal(parsed({ oauth2: { clientId: 'c', tokenUrl: 'https://x/t' } }).spec.oauth2?.type, 'clientCredentials');
  });

  it('a ClusterTriggerAuthentication is cluster-scoped: namespace "" and a given namespace is ignored with a warning', () => {
    const r = parseTriggerAuthentication(manifest({ podIdentity: { provider: 'aws' } }, 'ClusterTriggerAuthentication', { name: 'aws', namespace: 'shop' }));
    assert.ok(r.ok);
    assert.equal(r.value.kind, 'ClusterTriggerAuthentication');
    assert.equal(r.value.metadata.namespace, '');
    assert.deepEqual(
      r.warnings.map((w) => [w.object, w.path]),
      [['ClusterTriggerAuthentication aws', 'metadata.namespace']],
    );
  });

  const rejections: Array<[string, Record<string, unknown>, string, RegExp]> = [
    [
      'podIdentity.provider is an enum',
      { podIdentity: { provider: 'azure' } },
      'spec.podIdentity.provider',
      /"azure-workload", "gcp", "aws", "aws-eks", "none"/,
    ],
    [
      'identityOwner is keda|workload (the docs\' "operator" is a trigger metadata value, not this field)',
      { podIdentity: { provider: 'aws', identityOwner: 'operator' } },
      'spec.podIdentity.identityOwner',
      /"keda", "workload"/,
    ],
    [
      'secretTargetRef entries need parameter, name and key',
      { secretTargetRef: [{ parameter: 'p', name: 'n' }] },
      'spec.secretTargetRef[0].key',
      /key is required/,
    ],
    [
      'hashiCorpVault.secrets has MinItems 1',
      { hashiCorpVault: { address: 'a', authentication: 'token', secrets: [] } },
      'spec.hashiCorpVault.secrets',
      /at least 1/,
    ],
    [
      'hashiCorpVault.authentication is token|kubernetes',
      { hashiCorpVault: { address: 'a', authentication: 'aws', secrets: [{ parameter: 'p', path: 'x', key: 'k' }] } },
      'spec.hashiCorpVault.authentication',
      /"token", "kubernetes"/,
    ],
    ["filePath is a single string, not the docs' list", { filePath: [{ parameter: 'p', path: 'x' }] }, 'spec.filePath', /must be a string/],
    [
      'oauth2.type must be clientCredentials',
      { oauth2: { type: 'password', clientId: 'c', tokenUrl: 'https://x/t' } },
      'spec.oauth2.type',
      /"clientCredentials"/,
    ],
  ];
  for (const [name, spec, path, message] of rejections) {
    it(name, () => {
      const r = parseTriggerAuthentication(manifest(spec));
      assert.ok(!r.ok);
      const hit = r.problems.find((p) => p.path === path);
      assert.ok(hit, `no problem at ${path}: ${JSON.stringify(r.problems)}`);
      assert.match(hit.message, message);
    });
  }
});

describe('TriggerAuthentication webhook rules (triggerauthentication_webhook.go)', () => {
  const cases: Array<{ name: string; spec: Record<string, unknown>; kind?: string; severity: 'error' | 'warning'; path: string; message: RegExp }> = [
    {
      name: 'azure-workload identityId set but empty is rejected',
      spec: { podIdentity: { provider: 'azure-workload', identityId: '' } },
      severity: 'error',
      path: 'spec.podIdentity.identityId',
      message: /identityId of PodIdentity should not be empty/,
    },
    {
      name: 'azure-workload identityTenantId set but empty is rejected',
      spec: { podIdentity: { provider: 'azure-workload', identityId: 'i', identityTenantId: '' } },
      severity: 'error',
      path: 'spec.podIdentity.identityTenantId',
      message: /identityTenantId of PodIdentity should not be empty/,
    },
    {
      name: 'azure-workload identityAuthorityHost requires identityTenantId',
      spec: { podIdentity: { provider: 'azure-workload', identityId: 'i', identityAuthorityHost: 'https://login' } },
      severity: 'error',
      path: 'spec.podIdentity.identityAuthorityHost',
      message: /identityTenantId .* must be set when identityAuthorityHost is set/,
    },
    {
      name: 'aws roleArn with identityOwner workload is rejected',
      spec: { podIdentity: { provider: 'aws', roleArn: 'arn', identityOwner: 'workload' } },
      severity: 'error',
      path: 'spec.podIdentity.roleArn',
      message: /roleArn of PodIdentity can't be set if KEDA isn't identityOwner/,
    },
    {
      name: 'aws externalID requires roleArn',
      spec: { podIdentity: { provider: 'aws', externalID: 'x' } },
      severity: 'error',
      path: 'spec.podIdentity.externalID',
      message: /externalID of PodIdentity requires roleArn/,
    },
    {
      name: 'aws-eks is deprecated (warning)',
      spec: { podIdentity: { provider: 'aws-eks' } },
      severity: 'warning',
      path: 'spec.podIdentity.provider',
      message: /deprecated/,
    },
    {
      name: 'oauth2 requires clientId',
      spec: { oauth2: { tokenUrl: 'https://x/t' } },
      severity: 'error',
      path: 'spec.oauth2.clientId',
      message: /clientId is required/,
    },
    { name: 'oauth2 requires tokenUrl', spec: { oauth2: { clientId: 'c' } }, severity: 'error', path: 'spec.oauth2.tokenUrl', message: /tokenUrl is required/ },
    {
      name: 'oauth2 tokenUrl must be http(s) with a host',
      spec: { oauth2: { clientId: 'c', tokenUrl: 'ftp://x/t' } },
      severity: 'error',
      path: 'spec.oauth2.tokenUrl',
      message: /http\(s\) URL with a host/,
    },
    {
      name: 'filePath on a (namespaced) TriggerAuthentication is ignored (warning)',
      spec: { filePath: 'creds.json' },
      severity: 'warning',
      path: 'spec.filePath',
      message: /only read from a ClusterTriggerAuthentication/,
    },
    {
      name: 'filePath must not be absolute',
      spec: { filePath: '/etc/creds.json' },
      kind: 'ClusterTriggerAuthentication',
      severity: 'error',
      path: 'spec.filePath',
      message: /must be relative/,
    },
    {
      name: 'filePath must not contain ..',
      spec: { filePath: 'a/../../b.json' },
      kind: 'ClusterTriggerAuthentication',
      severity: 'error',
      path: 'spec.filePath',
      message: /must not contain "\.\."/,
    },
    { name: 'an empty spec adds no parameters (warning)', spec: {}, severity: 'warning', path: 'spec', message: /no authentication source/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const problems = validateTriggerAuthentication(parsed(c.spec, c.kind));
      const hit = problems.find((p) => p.path === c.path && p.severity === c.severity);
      assert.ok(hit, `no ${c.severity} at ${c.path}: ${JSON.stringify(problems)}`);
      assert.match(hit.message, c.message);
    });
  }

  it('a relative filePath on a ClusterTriggerAuthentication is fine', () => {
    assert.deepEqual(validateTriggerAuthentication(parsed({ filePath: 'keda/creds.json' }, 'ClusterTriggerAuthentication')), []);
  });
});
