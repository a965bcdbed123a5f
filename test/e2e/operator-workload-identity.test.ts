// EKS-style identities and secret sources through the cluster, against moto with request authentication on and
// every SQS call's SigV4 signature recomputed by botocore (test/support/sigv4-verify.ts):
// - `podIdentity: aws, identityOwner: workload`: the workload ServiceAccount's `eks.amazonaws.com/role-arn` is
//   assumed (moto STS AssumeRole, from the operator's credentials) and the SQS call is signed with THAT role's
//   temporary credentials; the deprecated `aws-eks` does the same; `identityOwner: keda` signs with the operator's;
// - awsSecretManager (moto Secrets Manager) as the source of an SQS trigger's keys;
// - boundServiceAccountToken: a TokenRequest on the real API server, checked with a TokenReview;
// - status.scaledobjects of the TriggerAuthentication and its TriggerAuthenticationAdded Event.
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AwsCredentialCache, setDefaultAwsCredentials } from '../../src/auth/aws-credentials.ts';
import { resolveTriggerAuth } from '../../src/auth/resolve-trigger-auth.ts';
import { SigV4Signer } from '../../src/auth/sigv4.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { ClusterObjectSource } from '../../src/operator/cluster-object-source.ts';
import type { CapturedRequest } from '../support/capture-server.ts';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { deploymentObject } from '../support/manifests.ts';
import { installCrds } from '../support/metrics-api-registration.ts';
import { createIamUserKeys, startMoto, type Moto } from '../support/moto.ts';
import { verifySigV4 } from '../support/sigv4-verify.ts';
import { startTestOperator, type TestOperator } from '../support/test-operator.ts';
import { eventually, waitFor } from '../support/wait.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const WORKLOAD_ROLE = 'arn:aws:iam::123456789012:role/workload-sqs';

interface Exchange {
  req: CapturedRequest;
  status: number;
  response: string;
}

/** A forwarding HTTP proxy in front of moto that keeps every request and the answer. */
async function startRecordingProxy(target: string): Promise<{ url: string; exchanges: Exchange[]; stop(): Promise<void> }> {
  const exchanges: Exchange[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', async () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const captured: CapturedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers, body };
      // node:http, not fetch: the Host header must reach moto as signed (the proxy's host), or SigV4 fails there.
      const to = new URL(target);
      const up = request({ host: to.hostname, port: Number(to.port), method: captured.method, path: captured.url, headers: req.headers }, (r) => {
        let text = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => {
          text += c;
        });
        r.on('end', () => {
          exchanges.push({ req: captured, status: r.statusCode ?? 0, response: text });
          res.writeHead(r.statusCode ?? 502, { 'content-type': r.headers['content-type'] ?? 'text/plain' });
          res.end(text);
        });
      });
      up.on('error', (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    exchanges,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('workload identity and secret sources through the cluster (moto, SigV4 checked)', { timeout: 600_000 }, () => {
  let cp: ControlPlane;
  let moto: Moto;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let op: TestOperator;
  let keys: { accessKeyId: string; secretAccessKey: string };
  const queues: Record<string, string> = {};
  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const apply = (...items: unknown[]) => kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  const replicas = async (name: string) => Number(await kubectl(['get', 'deployment', name, '-o', 'jsonpath={.spec.replicas}']));
  const waitReplicas = (name: string, n: number, timeoutMs = 60_000) =>
    waitFor(`${name} at ${n} replicas`, async () => (await replicas(name)) === n, timeoutMs, 250);
  const deployment = (name: string, serviceAccountName?: string) => {
    const d = deploymentObject(name, 0);
    if (serviceAccountName) (d.spec.template.spec as { serviceAccountName?: string }).serviceAccountName = serviceAccountName;
    return d;
  };
  const ta = (name: string, spec: unknown) => ({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'TriggerAuthentication',
    metadata: { name, namespace: 'default' },
    spec,
  });
  const sqsObject = (name: string, authName: string) => ({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, namespace: 'default' },
    spec: {
      scaleTargetRef: { name },
      pollingInterval: 1,
      cooldownPeriod: 5,
      maxReplicaCount: 10,
      triggers: [
        {
          type: 'aws-sqs-queue',
          metadata: { queueURL: queues[name], queueLength: '5', awsRegion: 'us-west-2', awsEndpoint: proxy.url },
          authenticationRef: { name: authName },
        },
      ],
    },
  });
  /** The SQS calls (JSON protocol, x-amz-target AmazonSQS.*) for one queue. */
  const sqsCalls = (name: string) =>
    proxy.exchanges.filter((e) => (e.req.headers['x-amz-target'] ?? '').startsWith('AmazonSQS.') && e.req.body.includes(`/${name}"`));
  /** Temporary credentials STS handed out for a role, from the AssumeRole answers moto gave. */
  const assumed = (roleArn: string) =>
    proxy.exchanges
      .filter((e) => /Action=AssumeRole(&|$)/.test(e.req.body) && e.req.body.includes(encodeURIComponent(roleArn)))
      .map((e) => ({
        accessKeyId: /<AccessKeyId>([^<]+)</.exec(e.response)?.[1] ?? '',
        secretAccessKey: /<SecretAccessKey>([^<]+)</.exec(e.response)?.[1] ?? '',
        sessionToken: /<SessionToken>([^<]+)</.exec(e.response)?.[1] ?? '',
        arn: /<Arn>([^<]+)</.exec(e.response)?.[1] ?? '',
        signedBy: /Credential=([^/]+)\//.exec(e.req.headers.authorization ?? '')?.[1] ?? '',
      }));

  before(async () => {
    cp = await startControlPlane();
    await installCrds(cp, root);
    moto = await startMoto({ auth: true });
    keys = await createIamUserKeys(moto, 'operator');
    // The workload's role in moto IAM (trusting the operator's IAM user: moto evaluates the trust policy on AssumeRole).
    const iamSigner = new SigV4Signer('iam', 'us-east-1', async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' }));
    const iam = async (params: Record<string, string>) => {
      const body = new URLSearchParams({ ...params, Version: '2010-05-08' }).toString();
      const url = new URL(`${moto.endpoint}/`);
      const res = await fetch(url, {
        method: 'POST',
        headers: await iamSigner.sign({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }),
        body,
      });
      if (!res.ok) throw new Error(`IAM ${params.Action}: ${res.status} ${await res.text()}`);
    };
    await iam({
      Action: 'CreateRole',
      RoleName: 'workload-sqs',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:user/operator' }, Action: 'sts:AssumeRole' }],
      }),
    });
    await iam({
      Action: 'PutRolePolicy',
      RoleName: 'workload-sqs',
      PolicyName: 'all',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    });
    const sqs = new SQSClient({ region: 'us-west-2', endpoint: moto.endpoint, credentials: keys });
    for (const name of ['as-workload', 'as-eks', 'as-operator', 'from-secrets-manager']) {
      queues[name] = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
      for (let i = 0; i < 12; i++) await sqs.send(new SendMessageCommand({ QueueUrl: queues[name], MessageBody: `m${i}` }));
    }
    sqs.destroy();
    // Secrets Manager: the SQS keys, as a JSON secret.
    const smSigner = new SigV4Signer('secretsmanager', 'us-west-2', async () => keys);
    const smBody = JSON.stringify({ Name: 'sqs-keys', SecretString: JSON.stringify({ id: keys.accessKeyId, secret: keys.secretAccessKey }) });
    const smUrl = new URL(`${moto.endpoint}/`);
    const sm = await fetch(smUrl, {
      method: 'POST',
      headers: await smSigner.sign({
        method: 'POST',
        url: smUrl,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.CreateSecret' },
        body: smBody,
      }),
      body: smBody,
    });
    assert.equal(sm.status, 200, await sm.text());
    await moto.resetAuth(0); // from now on every request must be signed by a known key
    proxy = await startRecordingProxy(moto.endpoint);
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = proxy.url;
    // The operator's own identity: the IAM user's keys (what IRSA / Pod Identity give it on EKS); STS through the proxy.
    setDefaultAwsCredentials(new AwsCredentialCache({ stsEndpoint: proxy.url, operatorCredentials: () => async () => keys }));
    op = await startTestOperator(cp, { namespace: 'default' });
  });

  after(async () => {
    await op?.stop();
    await proxy?.stop();
    await moto?.stop();
    await cp?.stop();
    delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
  });

  test("identityOwner: workload — the SQS call is signed with the workload ServiceAccount's assumed role", async () => {
    await apply(
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'sqs-reader', namespace: 'default', annotations: { 'eks.amazonaws.com/role-arn': WORKLOAD_ROLE } },
      },
      ta('workload-identity', { podIdentity: { provider: 'aws', identityOwner: 'workload' } }),
      deployment('as-workload', 'sqs-reader'),
      sqsObject('as-workload', 'workload-identity'),
    );
    await waitReplicas('as-workload', 3); // ceil(12 / 5)
    const creds = assumed(WORKLOAD_ROLE);
    assert.ok(creds.length >= 1, 'the workload role was assumed');
    assert.equal(creds[0].signedBy, keys.accessKeyId, "AssumeRole is made with the operator's credentials");
    assert.match(creds[0].arn, /assumed-role\/workload-sqs\/KEDA/);
    const call = sqsCalls('as-workload').find((e) => e.status === 200)!;
    const check = verifySigV4(call.req, proxy.url, creds[0]);
    assert.deepEqual({ ok: check.ok, accessKeyId: check.accessKeyId, service: check.service }, { ok: true, accessKeyId: creds[0].accessKeyId, service: 'sqs' });
    assert.equal(call.req.headers['x-amz-security-token'], creds[0].sessionToken);
  });

  test("deprecated aws-eks — also the workload's role, not the operator's", async () => {
    await apply(ta('eks-identity', { podIdentity: { provider: 'aws-eks' } }), deployment('as-eks', 'sqs-reader'), sqsObject('as-eks', 'eks-identity'));
    await waitReplicas('as-eks', 3);
    const call = sqsCalls('as-eks').find((e) => e.status === 200)!;
    const signedBy = /Credential=([^/]+)\//.exec(call.req.headers.authorization)?.[1];
    const creds = assumed(WORKLOAD_ROLE).find((c) => c.accessKeyId === signedBy);
    assert.ok(creds, `signed by ${signedBy}, one of the workload role's credentials`);
    assert.equal(verifySigV4(call.req, proxy.url, creds).ok, true);
  });

  test("identityOwner: keda (default) — signed with the operator's own credentials", async () => {
    await apply(
      ta('operator-identity', { podIdentity: { provider: 'aws' } }),
      deployment('as-operator', 'sqs-reader'),
      sqsObject('as-operator', 'operator-identity'),
    );
    await waitReplicas('as-operator', 3);
    const call = sqsCalls('as-operator').find((e) => e.status === 200)!;
    const check = verifySigV4(call.req, proxy.url, keys);
    assert.deepEqual({ ok: check.ok, accessKeyId: check.accessKeyId }, { ok: true, accessKeyId: keys.accessKeyId });
  });

  test('awsSecretManager: the trigger keys come from Secrets Manager (read with keys from a Secret)', async () => {
    await apply(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'sm-access', namespace: 'default' },
        stringData: { id: keys.accessKeyId, secret: keys.secretAccessKey },
      },
      ta('from-sm', {
        awsSecretManager: {
          region: 'us-west-2',
          credentials: {
            accessKey: { valueFrom: { secretKeyRef: { name: 'sm-access', key: 'id' } } },
            accessSecretKey: { valueFrom: { secretKeyRef: { name: 'sm-access', key: 'secret' } } },
          },
          secrets: [
            { parameter: 'awsAccessKeyID', name: 'sqs-keys', secretKey: 'id' },
            { parameter: 'awsSecretAccessKey', name: 'sqs-keys', secretKey: 'secret' },
          ],
        },
      }),
      deployment('from-secrets-manager'),
      sqsObject('from-secrets-manager', 'from-sm'),
    );
    await waitReplicas('from-secrets-manager', 3);
    const read = proxy.exchanges.find((e) => e.req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue' && e.status === 200)!;
    assert.equal(verifySigV4(read.req, proxy.url, keys).ok, true, 'GetSecretValue is SigV4-signed with the credentials Secret');
  });

  test('status.scaledobjects lists the ScaledObjects using a TriggerAuthentication; TriggerAuthenticationAdded is emitted', async () => {
    await eventually(
      'status.scaledobjects of workload-identity',
      async () =>
        (await kubectl(['get', 'triggerauthentication', 'workload-identity', '-o', 'jsonpath={.status.scaledobjects}'])) === 'as-workload' ? true : undefined,
      30_000,
    );
    await waitFor(
      'a TriggerAuthenticationAdded Event',
      async () =>
        /TriggerAuthenticationAdded/.test(
          await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=workload-identity', '-o', 'jsonpath={.items[*].reason}']),
        ),
      30_000,
      250,
    );
    await kubectl(['delete', 'scaledobject', 'as-workload']);
    await eventually(
      'status.scaledobjects emptied',
      async () => ((await kubectl(['get', 'triggerauthentication', 'workload-identity', '-o', 'jsonpath={.status.scaledobjects}'])) === '' ? true : undefined),
      30_000,
    );
  });

  test('boundServiceAccountToken: a TokenRequest on the API server; the token authenticates as that ServiceAccount', async () => {
    await apply(
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'metrics-reader', namespace: 'default' } },
      ta('bound', { boundServiceAccountToken: [{ parameter: 'bearerToken', serviceAccountName: 'metrics-reader' }] }),
    );
    const source = new ClusterObjectSource(await KubeClient.fromEnvironment({ kubeconfig: cp.kubeconfig }));
    const r = await resolveTriggerAuth(source, {
      namespace: 'default',
      objectName: 'x',
      objectKind: 'ScaledObject',
      triggerIndex: 0,
      trigger: { type: 'prometheus', metadata: {}, useCachedMetrics: false, authenticationRef: { name: 'bound', kind: 'TriggerAuthentication' } },
    });
    assert.ok(r.authParams.bearerToken, r.warnings.join('\n'));
    const review = JSON.parse(
      await kubectl(
        ['create', '-o', 'json', '-f', '-'],
        JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: r.authParams.bearerToken } }),
      ),
    );
    assert.deepEqual(
      { authenticated: review.status.authenticated, user: review.status.user?.username },
      { authenticated: true, user: 'system:serviceaccount:default:metrics-reader' },
    );
  });
});
