import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Trigger, TriggerAuthentication, TriggerAuthenticationSpec } from '../api/types.ts';
import { describeAwsIdentity, resolveAwsIdentity } from './aws-credentials.ts';
import { expandEnvValue } from './container-env.ts';
import { InMemoryObjectSource, resolveTriggerAuth, type ResolveTriggerAuthInput } from './resolve-trigger-auth.ts';

function ta(name: string, spec: TriggerAuthenticationSpec, kind: TriggerAuthentication['kind'] = 'TriggerAuthentication'): TriggerAuthentication {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind,
    metadata: { name, namespace: kind === 'TriggerAuthentication' ? 'app' : '', labels: {}, annotations: {} },
    spec,
    status: {},
  };
}
const trigger = (ref?: Trigger['authenticationRef']): Trigger => ({
  type: 'aws-sqs-queue',
  metadata: {},
  useCachedMetrics: false,
  ...(ref ? { authenticationRef: ref } : {}),
});

function source() {
  return new InMemoryObjectSource()
    .addSecret('app', 'aws', { id: 'AKIA-FROM-SECRET', secret: 'shh' })
    .addSecret('keda', 'cluster-aws', { id: 'AKIA-CLUSTER' })
    .addConfigMap('app', 'cfg', { region: 'eu-west-1', queue: 'q-from-cm' })
    .addTriggerAuthentication(
      ta('keys', {
        secretTargetRef: [
          { parameter: 'awsAccessKeyID', name: 'aws', key: 'id' },
          { parameter: 'awsSecretAccessKey', name: 'aws', key: 'secret' },
        ],
      }),
    )
    .addTriggerAuthentication(
      ta('order', {
        env: [{ parameter: 'p', name: 'FROM_ENV' }],
        configMapTargetRef: [{ parameter: 'p', name: 'cfg', key: 'region' }],
        secretTargetRef: [
          { parameter: 'p', name: 'aws', key: 'id' },
          { parameter: 'missing', name: 'aws', key: 'nope' },
        ],
      }),
    )
    .addTriggerAuthentication(ta('envonly', { env: [{ parameter: 'queue', name: 'QUEUE' }] }))
    .addTriggerAuthentication(
      ta('cluster', { secretTargetRef: [{ parameter: 'awsAccessKeyID', name: 'cluster-aws', key: 'id' }] }, 'ClusterTriggerAuthentication'),
    )
    .addTriggerAuthentication(ta('pi-role', { podIdentity: { provider: 'aws', roleArn: 'arn:aws:iam::1:role/r', externalID: 'x' } }))
    .addTriggerAuthentication(ta('pi-workload', { podIdentity: { provider: 'aws', identityOwner: 'workload' } }))
    .addTriggerAuthentication(ta('pi-both', { podIdentity: { provider: 'aws', identityOwner: 'workload', roleArn: 'arn:aws:iam::1:role/r' } }))
    .addTriggerAuthentication(ta('pi-eks', { podIdentity: { provider: 'aws-eks' } }))
    .addTriggerAuthentication(
      ta('bound', {
        boundServiceAccountToken: [
          { parameter: 'bearerToken', serviceAccountName: 'reader' },
          { parameter: 'ghostToken', serviceAccountName: 'ghost' },
        ],
      }),
    )
    .addTriggerAuthentication(
      ta('cluster-bound', { boundServiceAccountToken: [{ parameter: 'bearerToken', serviceAccountName: 'reader' }] }, 'ClusterTriggerAuthentication'),
    )
    .addServiceAccount('app', 'default')
    .addServiceAccount('app', 'wl-sa', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/from-sa' })
    .addServiceAccount('app', 'reader')
    .addServiceAccount('keda', 'reader');
}
const wlPod = { serviceAccountName: 'wl-sa', containers: [{ name: 'main' }] };
const input = (t: Trigger, extra: Partial<ResolveTriggerAuthInput> = {}): ResolveTriggerAuthInput => ({
  namespace: 'app',
  objectName: 'so',
  objectKind: 'ScaledObject',
  trigger: t,
  triggerIndex: 0,
  ...extra,
});
const pod = {
  containers: [
    {
      name: 'main',
      envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CM_' }, { secretRef: { name: 'absent', optional: true } }],
      env: [
        { name: 'FROM_ENV', value: 'literal' },
        { name: 'QUEUE', value: '$(CM_queue)-x-$$(CM_queue)-$(UNKNOWN)' },
        { name: 'KEY', valueFrom: { secretKeyRef: { name: 'aws', key: 'id' } } },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ],
    },
    { name: 'sidecar', env: [{ name: 'QUEUE', value: 'sidecar-q' }] },
  ],
};

const cases: Array<[string, ResolveTriggerAuthInput, Record<string, string>]> = [
  [
    'secretTargetRef fills parameters from the Secret',
    input(trigger({ name: 'keys', kind: 'TriggerAuthentication' })),
    { awsAccessKeyID: 'AKIA-FROM-SECRET', awsSecretAccessKey: 'shh' },
  ],
  [
    'later sources win (env → configMap → secret); an unreadable key becomes ""',
    input(trigger({ name: 'order', kind: 'TriggerAuthentication' }), { podSpec: pod }),
    { p: 'AKIA-FROM-SECRET', missing: '' },
  ],
  [
    'env parameters read the target container, with $(VAR) expansion and $$ escapes',
    input(trigger({ name: 'envonly', kind: 'TriggerAuthentication' }), { podSpec: pod }),
    { queue: 'q-from-cm-x-$(CM_queue)-$(UNKNOWN)' },
  ],
  [
    'envSourceContainerName picks the container',
    input(trigger({ name: 'envonly', kind: 'TriggerAuthentication' }), { podSpec: pod, envSourceContainerName: 'sidecar' }),
    { queue: 'sidecar-q' },
  ],
  [
    'a ClusterTriggerAuthentication reads secrets from the cluster object namespace',
    input(trigger({ name: 'cluster', kind: 'ClusterTriggerAuthentication' })),
    { awsAccessKeyID: 'AKIA-CLUSTER' },
  ],
  ['podIdentity aws roleArn becomes awsRoleArn', input(trigger({ name: 'pi-role', kind: 'TriggerAuthentication' })), { awsRoleArn: 'arn:aws:iam::1:role/r' }],
  [
    'identityOwner workload takes the ServiceAccount annotation',
    input(trigger({ name: 'pi-workload', kind: 'TriggerAuthentication' }), { workloadRoleArn: 'arn:aws:iam::1:role/wl' }),
    { awsRoleArn: 'arn:aws:iam::1:role/wl' },
  ],
  [
    "identityOwner workload reads the pod template's ServiceAccount",
    input(trigger({ name: 'pi-workload', kind: 'TriggerAuthentication' }), { podSpec: wlPod }),
    { awsRoleArn: 'arn:aws:iam::1:role/from-sa' },
  ],
  [
    "aws-eks uses the workload's role, not the operator's",
    input(trigger({ name: 'pi-eks', kind: 'TriggerAuthentication' }), { podSpec: wlPod }),
    { awsRoleArn: 'arn:aws:iam::1:role/from-sa' },
  ],
  [
    'boundServiceAccountToken: a TokenRequest per parameter; a missing ServiceAccount gives ""',
    input(trigger({ name: 'bound', kind: 'TriggerAuthentication' })),
    { bearerToken: 'token:app/reader:1', ghostToken: '' },
  ],
  [
    'boundServiceAccountToken of a ClusterTriggerAuthentication: the cluster object namespace',
    input(trigger({ name: 'cluster-bound', kind: 'ClusterTriggerAuthentication' })),
    { bearerToken: 'token:keda/reader:1' },
  ],
];
for (const [name, inp, want] of cases) {
  test(`auth resolution: ${name}`, async () => assert.deepEqual((await resolveTriggerAuth(source(), inp)).authParams, want));
}

test('auth resolution: the container env resolves envFrom prefixes, secretKeyRef, and skips fieldRef', async () => {
  const r = await resolveTriggerAuth(source(), input(trigger(), { podSpec: pod }));
  assert.deepEqual(r.resolvedEnv, {
    CM_region: 'eu-west-1',
    CM_queue: 'q-from-cm',
    FROM_ENV: 'literal',
    QUEUE: 'q-from-cm-x-$(CM_queue)-$(UNKNOWN)',
    KEY: 'AKIA-FROM-SECRET',
  });
});

const errors: Array<[string, ResolveTriggerAuthInput, RegExp]> = [
  [
    'a missing TriggerAuthentication names it and the object (Updraft: not silent)',
    input(trigger({ name: 'ghost', kind: 'TriggerAuthentication' })),
    /ScaledObject app\/so trigger 0 \(aws-sqs-queue\): authenticationRef names TriggerAuthentication app\/ghost, which does not exist/,
  ],
  [
    'a missing ClusterTriggerAuthentication',
    input(trigger({ name: 'ghost', kind: 'ClusterTriggerAuthentication' })),
    /ClusterTriggerAuthentication ghost, which does not exist/,
  ],
  [
    'identityOwner workload without the annotation',
    input(trigger({ name: 'pi-workload', kind: 'TriggerAuthentication' })),
    /needs the annotation eks.amazonaws.com\/role-arn/,
  ],
  [
    'identityOwner workload with a ServiceAccount that does not exist',
    input(trigger({ name: 'pi-workload', kind: 'TriggerAuthentication' }), { podSpec: { serviceAccountName: 'nope', containers: [{ name: 'main' }] } }),
    /error getting service account: 'nope' in namespace app: it does not exist/,
  ],
  [
    'aws-eks without the annotation says so (KEDA: "awsAccessKeyID not found" later)',
    input(trigger({ name: 'pi-eks', kind: 'TriggerAuthentication' })),
    /aws-eks uses the workload's role, but ServiceAccount default has no annotation eks.amazonaws.com\/role-arn/,
  ],
  [
    'roleArn with identityOwner workload',
    input(trigger({ name: 'pi-both', kind: 'TriggerAuthentication' })),
    /roleArn cannot be used with identityOwner: workload/,
  ],
  [
    'a missing non-optional env secret',
    input(trigger(), { podSpec: { containers: [{ name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }] }] } }),
    /error resolving secrets for ScaleTarget: container c: env X refers to key "k" of Secret app\/nope, which does not exist/,
  ],
];
for (const [name, inp, message] of errors) {
  test(`auth resolution error: ${name}`, async () => assert.rejects(resolveTriggerAuth(source(), inp), { name: 'AuthResolutionError', message }));
}

test('$(VAR) expansion follows Kubernetes', () => {
  assert.equal(expandEnvValue('a$(X)b$$(X)c$(Y)$', { X: '1' }), 'a1b$(X)c$(Y)$');
});

const identities: Array<[string, Parameters<typeof resolveAwsIdentity>[0], string]> = [
  [
    'podIdentity aws without a role → the operator',
    { podIdentity: { provider: 'aws' }, authParams: {}, metadata: {}, resolvedEnv: {} },
    "the operator's own AWS credentials (identityOwner: operator)",
  ],
  [
    'podIdentity aws with roleArn → the role',
    { podIdentity: { provider: 'aws', roleArn: 'arn:r' }, authParams: {}, metadata: {}, resolvedEnv: {} },
    'role arn:r',
  ],
  [
    'identityOwner operator',
    { authParams: {}, metadata: { identityOwner: 'operator' }, resolvedEnv: {} },
    "the operator's own AWS credentials (identityOwner: operator)",
  ],
  ['pod + awsRoleArn', { authParams: { awsRoleArn: 'arn:p' }, metadata: { identityOwner: 'pod' }, resolvedEnv: {} }, 'role arn:p'],
  [
    "aws-eks with the workload role → that role (assumed from the operator's credentials)",
    { podIdentity: { provider: 'aws-eks' }, authParams: { awsRoleArn: 'arn:wl' }, metadata: {}, resolvedEnv: {} },
    'role arn:wl',
  ],
  [
    'aws-eks with identityOwner operator → the operator',
    { podIdentity: { provider: 'aws-eks' }, authParams: { awsRoleArn: 'arn:wl' }, metadata: { identityOwner: 'operator' }, resolvedEnv: {} },
    "the operator's own AWS credentials (identityOwner: operator)",
  ],
  [
    'awsRoleArn + awsExternalID params chain a role with an external id',
    { authParams: { awsRoleArn: 'arn:p', awsExternalID: 'ext' }, metadata: {}, resolvedEnv: {} },
    'role arn:p',
  ],
  [
    'keys from metadata/env',
    { authParams: {}, metadata: { awsAccessKeyIDFromEnv: 'K', awsSecretAccessKeyFromEnv: 'S' }, resolvedEnv: { K: 'AKIAENV123', S: 's' } },
    'access key AKIA…',
  ],
];
for (const [name, inp, want] of identities) {
  test(`AWS identity: ${name}`, () => assert.equal(describeAwsIdentity(resolveAwsIdentity(inp)), want));
}

test('boundServiceAccountToken: the token lifetime is KEDA_BOUND_SERVICE_ACCOUNT_TOKEN_EXPIRY (default 1h)', async () => {
  const src = source();
  await resolveTriggerAuth(src, input(trigger({ name: 'bound', kind: 'TriggerAuthentication' })));
  assert.deepEqual(src.tokenRequests, [{ namespace: 'app', name: 'reader', expirationSeconds: 3600 }]);
});

test('boundServiceAccountToken: a missing ServiceAccount is a warning naming it', async () => {
  const r = await resolveTriggerAuth(source(), input(trigger({ name: 'bound', kind: 'TriggerAuthentication' })));
  assert.match(r.warnings.join('\n'), /boundServiceAccountToken ghostToken: ServiceAccount app\/ghost does not exist/);
});

test("filePath reads below the source's --filepath-auth-root-path", async () => {
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'fp-'));
  await writeFile(join(dir, 'aws.json'), JSON.stringify({ awsRoleArn: 'arn:from-file' }));
  const src = source().addTriggerAuthentication(ta('file', { filePath: 'aws.json' }, 'ClusterTriggerAuthentication'));
  src.filePathAuthRoot = dir;
  assert.deepEqual((await resolveTriggerAuth(src, input(trigger({ name: 'file', kind: 'ClusterTriggerAuthentication' })))).authParams, {
    awsRoleArn: 'arn:from-file',
  });
});
