// aws-kinesis-stream against moto server (real Kinesis JSON protocol, SigV4): open shard counts, activation, errors,
// identities and one shared client for many triggers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateStreamCommand, KinesisClient, UpdateShardCountCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { buildScaler } from '../../src/scalers/index.ts';
import { ReadError, type ScalerContext } from '../../src/scalers/scaler.ts';
import { assertClosedPortUnreachable, assertKeepAlive, assertWrongSecretRefused, operatorCache, signedMoto, testCreds } from '../support/aws-scaler.ts';
import { startMoto, type Moto } from '../support/moto.ts';
import { contextFor, readScalerOnce } from '../support/scaler-context.ts';

const TYPE = 'aws-kinesis-stream';
const signal = () => AbortSignal.timeout(15_000);
const read = (metadata: Record<string, string>, extra: Partial<ScalerContext>) => readScalerOnce(contextFor(TYPE, metadata, extra));

function kinesis(moto: Moto, credentials = testCreds): KinesisClient {
  // moto has no HTTP/2; the scaler's client uses HTTP/1.1 as well (src/scalers/aws-kinesis-stream.ts).
  return new KinesisClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials, requestHandler: new NodeHttpHandler() });
}

describe('aws-kinesis-stream against moto', () => {
  let moto: Moto;
  let k: KinesisClient;
  const md = (extra: Record<string, string> = {}) => ({
    streamName: 'orders',
    awsRegion: 'us-east-1',
    awsEndpoint: moto.endpoint,
    identityOwner: 'operator',
    ...extra,
  });
  before(async () => {
    moto = await startMoto();
    k = kinesis(moto);
    await k.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 3 }));
    await k.send(new CreateStreamCommand({ StreamName: 'resharded', ShardCount: 2 }));
  });
  after(async () => {
    k?.destroy();
    await moto?.stop();
  });

  const cases: Array<{ name: string; md: Record<string, string>; value: number; active: boolean; target: number }> = [
    { name: 'a stream created with 3 shards reads 3 open shards, target shardCount default 2', md: {}, value: 3, active: true, target: 2 },
    { name: 'activationShardCount 2: 3 open shards are active', md: { activationShardCount: '2', shardCount: '1' }, value: 3, active: true, target: 1 },
    { name: 'activationShardCount 3 is strict: 3 open shards are not active', md: { activationShardCount: '3' }, value: 3, active: false, target: 2 },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { reading, spec } = await read(md(c.md), { awsCredentials: operatorCache() });
      assert.deepEqual(reading, { metrics: [{ name: 's0-aws-kinesis-orders', value: c.value }], active: c.active });
      assert.equal(spec.target, c.target);
    });
  }

  test('UpdateShardCount up to 6 and back down to 3: each read follows the open shard count', async () => {
    const scaler = buildScaler(contextFor(TYPE, md({ streamName: 'resharded' }), { awsCredentials: operatorCache() }));
    try {
      assert.equal((await scaler.read(signal())).metrics[0].value, 2);
      await k.send(new UpdateShardCountCommand({ StreamName: 'resharded', TargetShardCount: 6, ScalingType: 'UNIFORM_SCALING' }));
      assert.equal((await scaler.read(signal())).metrics[0].value, 6);
      await k.send(new UpdateShardCountCommand({ StreamName: 'resharded', TargetShardCount: 3, ScalingType: 'UNIFORM_SCALING' }));
      assert.equal((await scaler.read(signal())).metrics[0].value, 3);
    } finally {
      await scaler.close();
    }
  });

  test('an unknown stream is a bad-query ReadError naming the stream (ResourceNotFoundException)', async () => {
    await assert.rejects(read(md({ streamName: 'missing' }), { awsCredentials: operatorCache() }), (e: unknown) => {
      assert.ok(e instanceof ReadError);
      assert.equal(e.kind, 'bad-query');
      assert.match(e.message, /^aws-kinesis-stream: DescribeStreamSummary on stream missing: rejected: ResourceNotFoundException: Stream missing .*not found/);
      return true;
    });
  });

  test('a closed port is an unreachable ReadError naming the endpoint', async () => {
    await assertClosedPortUnreachable((awsEndpoint) => read(md({ awsEndpoint }), { awsCredentials: operatorCache() }));
  });

  test('100 triggers on one stream, identity, region and endpoint share one Kinesis client; the last close drops it', async () => {
    const aws = operatorCache();
    const scalers = Array.from({ length: 100 }, (_, i) => buildScaler({ ...contextFor(TYPE, md(), { awsCredentials: aws }), triggerIndex: i }));
    assert.equal(aws.clientCount, 1);
    const readings = await Promise.all(scalers.map((s) => s.read(signal())));
    assert.ok(readings.every((r) => r.metrics[0].value === 3));
    const other = buildScaler(contextFor(TYPE, md({ awsRegion: 'eu-west-1' }), { awsCredentials: aws }));
    assert.equal(aws.clientCount, 2, 'another region is another client');
    await other.close();
    await Promise.all(scalers.map((s) => s.close()));
    assert.equal(aws.clientCount, 0);
  });
});

describe('aws-kinesis-stream against moto with request authentication', () => {
  const auth = signedMoto('keda-kinesis', async (moto) => {
    const k = kinesis(moto);
    await k.send(new CreateStreamCommand({ StreamName: 'auth-stream', ShardCount: 4 }));
    k.destroy();
  });
  const md = () => ({ streamName: 'auth-stream', awsRegion: 'us-east-1', awsEndpoint: auth.moto.endpoint });

  test('access keys from the TriggerAuthentication sign the request: 4 open shards', async () => {
    const { reading } = await read(md(), auth.signedBy());
    assert.equal(reading.metrics[0].value, 4);
  });

  test('a wrong secret is an auth ReadError naming the key id prefix, never the secret', async () => {
    await assertWrongSecretRefused((secret) => read(md(), auth.signedBy(secret)), auth.keys.accessKeyId);
  });
});

describe('aws-kinesis-stream: connections to one keep-alive endpoint (moto closes every connection, so a local stub answers)', () => {
  test("100 triggers reading one after another hold one connection; reading all at once stays within the agent's 50 sockets", async () => {
    await assertKeepAlive({
      type: TYPE,
      metadata: { streamName: 'orders', awsRegion: 'us-east-1', identityOwner: 'operator' },
      answers: { 'Kinesis_20131202.DescribeStreamSummary': { StreamDescriptionSummary: { StreamName: 'orders', OpenShardCount: 3 } } },
      value: 3,
      connections: 1,
    });
  });
});
