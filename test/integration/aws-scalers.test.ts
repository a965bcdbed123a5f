// aws-sqs-queue, aws-cloudwatch and AWS credentials against moto server (real SQS/CloudWatch/STS/IAM protocol).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ChangeMessageVisibilityCommand, CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AwsCredentialCache } from '../../src/auth/aws-credentials.ts';
import { buildScaler } from '../../src/scalers/index.ts';
import { ReadError, type ScalerContext } from '../../src/scalers/scaler.ts';
import { startCaptureServer } from '../support/capture-server.ts';
import { createIamUserKeys, startMoto, type Moto } from '../support/moto.ts';
import { contextFor } from '../support/scaler-context.ts';

const testCreds = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const signal = () => AbortSignal.timeout(15_000);

async function read(type: string, metadata: Record<string, string>, extra: Partial<ScalerContext>) {
  const scaler = buildScaler(contextFor(type, metadata, extra));
  try {
    return { reading: await scaler.read(signal()), spec: scaler.metricSpecs[0] };
  } finally {
    await scaler.close();
  }
}

describe('aws-sqs-queue against moto', () => {
  let moto: Moto;
  let sqs: SQSClient;
  let queueUrl: string;
  const aws = () => new AwsCredentialCache({ operatorCredentials: () => async () => testCreds });
  before(async () => {
    moto = await startMoto();
    sqs = new SQSClient({ region: 'us-west-2', endpoint: moto.endpoint, credentials: testCreds });
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'app-queue' }))).QueueUrl ?? '';
    // 23 messages: 20 visible, 2 received (in flight), 1 delayed.
    for (let i = 0; i < 22; i++) await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `m${i}` }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'later', DelaySeconds: 900 }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 2, VisibilityTimeout: 900 }));
  });
  after(async () => {
    sqs?.destroy();
    await moto?.stop();
  });

  const cases: Array<{ name: string; md: Record<string, string>; value: number }> = [
    { name: 'counts visible + in-flight messages by default (scaleOnInFlight true)', md: {}, value: 22 },
    { name: 'counts only visible messages with scaleOnInFlight false', md: { scaleOnInFlight: 'false' }, value: 20 },
    { name: 'adds delayed messages with scaleOnDelayed true', md: { scaleOnDelayed: 'true' }, value: 23 },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { reading, spec } = await read(
        'aws-sqs-queue',
        { queueURL: queueUrl, awsRegion: 'us-west-2', awsEndpoint: moto.endpoint, identityOwner: 'operator', ...c.md },
        { awsCredentials: aws() },
      );
      assert.equal(reading.metrics[0].value, c.value);
      assert.equal(reading.active, true);
      assert.equal(spec.metricName, 's0-aws-sqs-app-queue');
      assert.equal(spec.target, 5);
    });
  }

  test('a queue that does not exist is a clear error naming the queue', async () => {
    const missing = queueUrl.replace('app-queue', 'nope');
    await assert.rejects(
      read('aws-sqs-queue', { queueURL: missing, awsRegion: 'us-west-2', awsEndpoint: moto.endpoint, identityOwner: 'operator' }, { awsCredentials: aws() }),
      (e: unknown) => e instanceof ReadError && e.message.includes(missing) && /NonExistentQueue|QueueDoesNotExist/.test(e.message),
    );
  });

  test('a drained queue reads 0 and is not active (activationQueueLength 0 is strict)', async () => {
    const empty = (await sqs.send(new CreateQueueCommand({ QueueName: 'empty-queue' }))).QueueUrl ?? '';
    const { reading } = await read(
      'aws-sqs-queue',
      { queueURL: empty, awsRegion: 'us-west-2', awsEndpoint: moto.endpoint, identityOwner: 'operator' },
      { awsCredentials: aws() },
    );
    assert.deepEqual(reading, { metrics: [{ name: 's0-aws-sqs-empty-queue', value: 0 }], active: false });
  });

  test('an unreachable awsEndpoint is reported as unreachable', async () => {
    await assert.rejects(
      read(
        'aws-sqs-queue',
        { queueURL: queueUrl, awsRegion: 'us-west-2', awsEndpoint: 'http://127.0.0.1:1', identityOwner: 'operator' },
        { awsCredentials: aws() },
      ),
      (e: unknown) => e instanceof ReadError && e.kind === 'unreachable' && e.message.includes('http://127.0.0.1:1'),
    );
  });

  test('a message made visible again is counted as visible, not in flight', async () => {
    const q = (await sqs.send(new CreateQueueCommand({ QueueName: 'vis-queue' }))).QueueUrl ?? '';
    await sqs.send(new SendMessageCommand({ QueueUrl: q, MessageBody: 'x' }));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: q, VisibilityTimeout: 900 }));
    const md = { queueURL: q, awsRegion: 'us-west-2', awsEndpoint: moto.endpoint, identityOwner: 'operator', scaleOnInFlight: 'false' };
    assert.equal((await read('aws-sqs-queue', md, { awsCredentials: aws() })).reading.metrics[0].value, 0);
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: q, ReceiptHandle: got.Messages?.[0]?.ReceiptHandle, VisibilityTimeout: 0 }));
    assert.equal((await read('aws-sqs-queue', md, { awsCredentials: aws() })).reading.metrics[0].value, 1);
  });
});

describe('aws-cloudwatch against moto', () => {
  let moto: Moto;
  let cw: CloudWatchClient;
  const aws = () => new AwsCredentialCache({ operatorCredentials: () => async () => testCreds });
  before(async () => {
    moto = await startMoto();
    cw = new CloudWatchClient({ region: 'us-east-2', endpoint: moto.endpoint, credentials: testCreds });
    const t = new Date(Date.now() - 90_000);
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'MyApiNamespace',
        MetricData: [
          { MetricName: 'RequestPerSecond', Value: 3, Unit: 'Count/Second', Dimensions: [{ Name: 'Host', Value: 'pod-a' }], Timestamp: t },
          { MetricName: 'RequestPerSecond', Value: 5, Unit: 'Count/Second', Dimensions: [{ Name: 'Host', Value: 'pod-a' }], Timestamp: t },
          { MetricName: 'RequestPerSecond', Value: 1, Unit: 'Count/Second', Dimensions: [{ Name: 'Host', Value: 'pod-b' }], Timestamp: t },
        ],
      }),
    );
    await cw.send(new PutMetricDataCommand({ Namespace: 'MyWebApi', MetricData: [{ MetricName: 'http.server.active_requests', Value: 4, Timestamp: t }] }));
  });
  after(async () => {
    cw?.destroy();
    await moto?.stop();
  });

  const base = {
    namespace: 'MyApiNamespace',
    metricName: 'RequestPerSecond',
    dimensionName: 'Host',
    dimensionValue: 'pod-a',
    targetMetricValue: '2',
    awsRegion: 'us-east-2',
    identityOwner: 'operator',
    metricStatPeriod: '60',
    metricCollectionTime: '300',
  };
  const cases: Array<{ name: string; md: Record<string, string>; value: number; active: boolean }> = [
    { name: 'a metric stat reads the Average of the newest period', md: {}, value: 4, active: true },
    { name: 'metricStat Maximum', md: { metricStat: 'Maximum' }, value: 5, active: true },
    { name: 'metricStat Sum', md: { metricStat: 'Sum' }, value: 8, active: true },
    { name: 'a matching metricUnit keeps the datapoints', md: { metricUnit: 'Count/Second' }, value: 4, active: true },
    { name: 'a different metricUnit finds none: minMetricValue (default 0), not active', md: { metricUnit: 'Seconds' }, value: 0, active: false },
    { name: 'no datapoints reads minMetricValue when set', md: { dimensionValue: 'pod-z', minMetricValue: '1.5' }, value: 1.5, active: true },
    { name: 'activationTargetMetricValue is strict', md: { activationTargetMetricValue: '4' }, value: 4, active: false },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { reading, spec } = await read('aws-cloudwatch', { ...base, awsEndpoint: moto.endpoint, ...c.md }, { awsCredentials: aws() });
      assert.deepEqual(reading, { metrics: [{ name: 's0-aws-cloudwatch', value: c.value }], active: c.active });
      assert.equal(spec.target, 2);
    });
  }

  test('a Metrics Insights expression is answered by moto (it sums all datapoints; one datapoint = its value)', async () => {
    const { reading } = await read(
      'aws-cloudwatch',
      {
        namespace: 'MyWebApi',
        expression: 'SELECT AVG("http.server.active_requests") FROM MyWebApi',
        targetMetricValue: '2',
        metricStatPeriod: '60',
        awsRegion: 'us-east-2',
        identityOwner: 'operator',
        awsEndpoint: moto.endpoint,
      },
      { awsCredentials: aws() },
    );
    // moto ignores the SELECT and sums every datapoint of the period (see docs/scalers.md); here that is 3+5+1+4.
    assert.equal(reading.metrics[0].value, 13);
  });

  test('the exact GetMetricData request for an expression: q1, Period, truncated window, newest first', async () => {
    const capture = await startCaptureServer(() => ({
      body: JSON.stringify({ MetricDataResults: [{ Id: 'q1', StatusCode: 'Complete', Timestamps: [2, 1], Values: [2.5, 9] }] }),
      headers: { 'content-type': 'application/x-amz-json-1.0' },
    }));
    try {
      const { reading } = await read(
        'aws-cloudwatch',
        {
          expression: 'SELECT AVG(RequestPerSecond) FROM MyApiNamespace',
          targetMetricValue: '2',
          awsRegion: 'us-east-2',
          identityOwner: 'operator',
          awsEndpoint: capture.url,
          metricEndTimeOffset: '60',
          awsAccountId: '111122223333',
        },
        { awsCredentials: aws() },
      );
      assert.equal(reading.metrics[0].value, 2.5);
      const req = capture.requests[0];
      assert.equal(req.headers['x-amz-target'], 'GraniteServiceVersion20100801.GetMetricData');
      const body = JSON.parse(req.body) as { StartTime: number; EndTime: number; ScanBy: string; MetricDataQueries: unknown[] };
      assert.equal(body.ScanBy, 'TimestampDescending');
      assert.deepEqual(body.MetricDataQueries, [
        { Id: 'q1', Expression: 'SELECT AVG(RequestPerSecond) FROM MyApiNamespace', Period: 300, AccountId: '111122223333' },
      ]);
      assert.equal(body.EndTime % 300, 0);
      assert.equal(body.EndTime - body.StartTime, 300);
      assert.ok(Date.now() / 1000 - 60 - body.EndTime < 300 && Date.now() / 1000 - 60 - body.EndTime >= 0);
    } finally {
      await capture.stop();
    }
  });

  test('ignoreNullValues false turns an empty result into an error', async () => {
    await assert.rejects(
      read('aws-cloudwatch', { ...base, dimensionValue: 'pod-z', ignoreNullValues: 'false', awsEndpoint: moto.endpoint }, { awsCredentials: aws() }),
      (e: unknown) => e instanceof ReadError && e.kind === 'empty' && /ignoreNullValues is false/.test(e.message),
    );
  });
});

describe('AWS credentials against moto STS and IAM', () => {
  let moto: Moto;
  let stsCalls: Record<string, number>;
  let proxyUrl: string;
  let closeProxy: () => void;
  before(async () => {
    moto = await startMoto();
    stsCalls = {};
    // A counting pass-through in front of moto: every STS call goes through it.
    const proxy = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const action = /Action=([A-Za-z]+)/.exec(body)?.[1] ?? 'other';
        stsCalls[action] = (stsCalls[action] ?? 0) + 1;
        const up = request(`${moto.endpoint}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 500, r.headers);
          r.pipe(res);
        });
        up.end(body);
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    closeProxy = () => proxy.close();
  });
  after(async () => {
    closeProxy?.();
    await moto?.stop();
  });

  test('1,000 triggers sharing a role make one AssumeRole call, and one more after expiry', async () => {
    let now = Date.now();
    const cache = new AwsCredentialCache({ stsEndpoint: proxyUrl, env: {}, now: () => now, operatorCredentials: () => async () => testCreds });
    const id = { kind: 'role' as const, roleArn: 'arn:aws:iam::123456789012:role/keda-sqs' };
    stsCalls = {};
    const providers = Array.from({ length: 1000 }, () => cache.provider(id, 'us-west-2'));
    const creds = await Promise.all(providers.map((p) => p()));
    assert.equal(stsCalls.AssumeRole, 1);
    assert.match(creds[0].accessKeyId, /^ASIA/);
    assert.ok(creds[0].expiration);
    await Promise.all(providers.map((p) => p()));
    assert.equal(stsCalls.AssumeRole, 1);
    now = (creds[0].expiration as Date).getTime() - 60_000; // inside the 5-minute refresh window
    await Promise.all(providers.map((p) => p()));
    assert.equal(stsCalls.AssumeRole, 2);
  });

  test('with a web identity token file, AssumeRoleWithWebIdentity is used (session KEDA)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'updraft-irsa-'));
    writeFileSync(join(dir, 'token'), 'eyJhbGciOiJSUzI1NiJ9.e30.sig');
    const cache = new AwsCredentialCache({
      stsEndpoint: proxyUrl,
      env: { AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, 'token') },
      operatorCredentials: () => async () => testCreds,
    });
    stsCalls = {};
    const c = await cache.provider({ kind: 'role', roleArn: 'arn:aws:iam::123456789012:role/irsa' }, 'us-west-2')();
    assert.equal(stsCalls.AssumeRoleWithWebIdentity, 1);
    assert.equal(stsCalls.AssumeRole, undefined);
    assert.ok(c.sessionToken);
  });

  test('SQS through an assumed role reads the queue', async () => {
    const sqs = new SQSClient({ region: 'us-west-2', endpoint: moto.endpoint, credentials: testCreds });
    const q = (await sqs.send(new CreateQueueCommand({ QueueName: 'role-queue' }))).QueueUrl ?? '';
    await sqs.send(new SendMessageCommand({ QueueUrl: q, MessageBody: 'x' }));
    sqs.destroy();
    const cache = new AwsCredentialCache({ stsEndpoint: proxyUrl, env: {}, operatorCredentials: () => async () => testCreds });
    const { reading } = await read(
      'aws-sqs-queue',
      { queueURL: q, awsRegion: 'us-west-2', awsEndpoint: moto.endpoint },
      {
        awsCredentials: cache,
        podIdentity: { provider: 'aws', roleArn: 'arn:aws:iam::123456789012:role/sqs-reader' },
      },
    );
    assert.equal(reading.metrics[0].value, 1);
  });
});

describe('moto with request authentication: SigV4 is checked', () => {
  let moto: Moto;
  let good: { accessKeyId: string; secretAccessKey: string };
  let queueUrl: string;
  before(async () => {
    moto = await startMoto({ auth: true });
    const root = { accessKeyId: 'testing', secretAccessKey: 'testing' };
    good = await createIamUserKeys(moto, 'keda');
    const sqs = new SQSClient({ region: 'us-west-2', endpoint: moto.endpoint, credentials: root });
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'auth-queue' }))).QueueUrl ?? '';
    sqs.destroy();
    await moto.resetAuth(0); // from now on every request must be signed by a known key
  });
  after(async () => moto?.stop());

  test('a correctly signed request with a known key is accepted', async () => {
    const { reading } = await read(
      'aws-sqs-queue',
      { queueURL: queueUrl, awsRegion: 'us-west-2', awsEndpoint: moto.endpoint },
      {
        authParams: { awsAccessKeyID: good.accessKeyId, awsSecretAccessKey: good.secretAccessKey },
        awsCredentials: new AwsCredentialCache(),
      },
    );
    assert.equal(reading.metrics[0].value, 0);
  });

  test('a wrong secret is refused as auth, naming the key id prefix and never the secret', async () => {
    const secret = 'definitely-wrong-secret-value';
    await assert.rejects(
      read(
        'aws-sqs-queue',
        { queueURL: queueUrl, awsRegion: 'us-west-2', awsEndpoint: moto.endpoint },
        {
          authParams: { awsAccessKeyID: good.accessKeyId, awsSecretAccessKey: secret },
          awsCredentials: new AwsCredentialCache(),
        },
      ),
      (e: unknown) => {
        assert.ok(e instanceof ReadError);
        assert.equal(e.kind, 'auth');
        assert.match(e.message, new RegExp(`refused for access key ${good.accessKeyId.slice(0, 4)}…`));
        assert.doesNotMatch(e.message, new RegExp(secret));
        assert.doesNotMatch(e.message, new RegExp(good.accessKeyId.slice(4)));
        return true;
      },
    );
  });
});
