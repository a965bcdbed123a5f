// aws-dynamodb-streams against moto server (real DynamoDB and DynamoDB Streams JSON protocols, SigV4): the shards of
// a table's latest stream, activation, a table without a stream, errors, identities, one shared client entry; and
// the paging requests (moto keeps one shard per stream) against a local recording server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateTableCommand, DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { buildScaler } from '../../src/scalers/index.ts';
import { ReadError, type ScalerContext } from '../../src/scalers/scaler.ts';
import { assertClosedPortUnreachable, assertKeepAlive, assertWrongSecretRefused, operatorCache, signedMoto, testCreds } from '../support/aws-scaler.ts';
import { startCaptureServer } from '../support/capture-server.ts';
import { startMoto, type Moto } from '../support/moto.ts';
import { contextFor, readScalerOnce } from '../support/scaler-context.ts';

const TYPE = 'aws-dynamodb-streams';
const signal = () => AbortSignal.timeout(15_000);
const read = (metadata: Record<string, string>, extra: Partial<ScalerContext>) => readScalerOnce(contextFor(TYPE, metadata, extra));

async function createTable(db: DynamoDBClient, name: string, stream: boolean): Promise<void> {
  await db.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      ...(stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } } : {}),
    }),
  );
}

describe('aws-dynamodb-streams against moto', () => {
  let moto: Moto;
  let db: DynamoDBClient;
  const md = (extra: Record<string, string> = {}) => ({
    tableName: 'orders',
    awsRegion: 'us-east-1',
    awsEndpoint: moto.endpoint,
    identityOwner: 'operator',
    ...extra,
  });
  before(async () => {
    moto = await startMoto();
    db = new DynamoDBClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: testCreds });
    await createTable(db, 'orders', true);
    await createTable(db, 'plain', false);
    await createTable(db, 'later', false);
  });
  after(async () => {
    db?.destroy();
    await moto?.stop();
  });

  const cases: Array<{ name: string; md: Record<string, string>; active: boolean; target: number }> = [
    { name: "a table with a stream reads the stream's shard count (moto: 1), target shardCount default 2", md: {}, active: true, target: 2 },
    { name: 'activationShardCount 1 is strict: 1 shard is not active', md: { activationShardCount: '1', shardCount: '3' }, active: false, target: 3 },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { reading, spec } = await read(md(c.md), { awsCredentials: operatorCache() });
      assert.deepEqual(reading, { metrics: [{ name: 's0-aws-dynamodb-streams-orders', value: 1 }], active: c.active });
      assert.equal(spec.target, c.target);
    });
  }

  test('a table without a stream is a bad-query ReadError; once a stream is enabled the next read finds it', async () => {
    const scaler = buildScaler(contextFor(TYPE, md({ tableName: 'later' }), { awsCredentials: operatorCache() }));
    try {
      await assert.rejects(
        scaler.read(signal()),
        (e: unknown) =>
          e instanceof ReadError && e.kind === 'bad-query' && /dynamodb stream arn for the table later is empty; enable DynamoDB Streams/.test(e.message),
      );
      await db.send(new UpdateTableCommand({ TableName: 'later', StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } }));
      assert.equal((await scaler.read(signal())).metrics[0].value, 1);
    } finally {
      await scaler.close();
    }
  });

  test('a table that was never streamed: the same error on every read', async () => {
    await assert.rejects(
      read(md({ tableName: 'plain' }), { awsCredentials: operatorCache() }),
      (e: unknown) => e instanceof ReadError && e.kind === 'bad-query',
    );
  });

  test('an unknown table is a bad-query ReadError (ResourceNotFoundException from DescribeTable)', async () => {
    await assert.rejects(read(md({ tableName: 'missing' }), { awsCredentials: operatorCache() }), (e: unknown) => {
      assert.ok(e instanceof ReadError);
      assert.equal(e.kind, 'bad-query');
      assert.match(e.message, /^aws-dynamodb-streams: DescribeTable and DescribeStream for table missing: rejected: ResourceNotFoundException/);
      return true;
    });
  });

  test('a closed port is an unreachable ReadError naming the endpoint', async () => {
    await assertClosedPortUnreachable((awsEndpoint) => read(md({ awsEndpoint }), { awsCredentials: operatorCache() }));
  });

  test('100 triggers on tables behind one endpoint share one client entry (DynamoDB + Streams); the last close drops it', async () => {
    const aws = operatorCache();
    const scalers = Array.from({ length: 100 }, (_, i) => buildScaler({ ...contextFor(TYPE, md(), { awsCredentials: aws }), triggerIndex: i }));
    assert.equal(aws.clientCount, 1);
    const readings = await Promise.all(scalers.map((s) => s.read(signal())));
    assert.ok(readings.every((r) => r.metrics[0].value === 1));
    await Promise.all(scalers.map((s) => s.close()));
    assert.equal(aws.clientCount, 0);
  });
});

describe('aws-dynamodb-streams paging, against a recording server (moto keeps one shard per stream)', () => {
  const ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/big/stream/2026-01-01T00:00:00.000';
  const shards = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ ShardId: `shardId-${String(from + i).padStart(4, '0')}` }));

  test('three pages of DescribeStream (100 + 100 + 37, open and closed alike) count 237, asked with ExclusiveStartShardId', async () => {
    const capture = await startCaptureServer((req) => {
      const target = req.headers['x-amz-target'];
      const body = JSON.parse(req.body) as { ExclusiveStartShardId?: string };
      if (target === 'DynamoDB_20120810.DescribeTable')
        return { body: JSON.stringify({ Table: { TableName: 'big', LatestStreamArn: ARN } }), headers: { 'content-type': 'application/x-amz-json-1.0' } };
      const page = body.ExclusiveStartShardId === undefined ? 0 : body.ExclusiveStartShardId === 'shardId-0099' ? 1 : 2;
      const list =
        page === 2
          ? shards(200, 37).map((s) => ({ ...s, SequenceNumberRange: { StartingSequenceNumber: '1', EndingSequenceNumber: '2' } }))
          : shards(page * 100, 100);
      const description = { StreamArn: ARN, Shards: list, ...(page < 2 ? { LastEvaluatedShardId: list[list.length - 1].ShardId } : {}) };
      return { body: JSON.stringify({ StreamDescription: description }), headers: { 'content-type': 'application/x-amz-json-1.0' } };
    });
    try {
      const scaler = buildScaler(
        contextFor(
          TYPE,
          { tableName: 'big', awsRegion: 'us-east-1', awsEndpoint: capture.url, identityOwner: 'operator' },
          { awsCredentials: operatorCache() },
        ),
      );
      try {
        assert.equal((await scaler.read(signal())).metrics[0].value, 237);
        assert.equal((await scaler.read(signal())).metrics[0].value, 237);
      } finally {
        await scaler.close();
      }
      const calls = capture.requests.map((r) => ({ target: r.headers['x-amz-target'], body: JSON.parse(r.body) as unknown }));
      const describe = (start?: string) => ({
        target: 'DynamoDBStreams_20120810.DescribeStream',
        body: { StreamArn: ARN, ...(start ? { ExclusiveStartShardId: start } : {}) },
      });
      assert.deepEqual(calls, [
        { target: 'DynamoDB_20120810.DescribeTable', body: { TableName: 'big' } },
        describe(),
        describe('shardId-0099'),
        describe('shardId-0199'),
        // The second read keeps the ARN: no second DescribeTable.
        describe(),
        describe('shardId-0099'),
        describe('shardId-0199'),
      ]);
      assert.ok(
        capture.requests.every((r) => r.headers.authorization?.startsWith('AWS4-HMAC-SHA256 Credential=testing/')),
        'signed',
      );
    } finally {
      await capture.stop();
    }
  });
});

describe('aws-dynamodb-streams against moto with request authentication', () => {
  const auth = signedMoto('keda-streams', async (moto) => {
    const db = new DynamoDBClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: testCreds });
    await createTable(db, 'orders', true);
    db.destroy();
  });
  const md = () => ({ tableName: 'orders', awsRegion: 'us-east-1', awsEndpoint: auth.moto.endpoint });

  test('access keys from the TriggerAuthentication sign DescribeTable and DescribeStream: 1 shard', async () => {
    const { reading } = await read(md(), auth.signedBy());
    assert.equal(reading.metrics[0].value, 1);
  });

  test('a wrong secret is an auth ReadError naming the key id prefix, never the secret', async () => {
    await assertWrongSecretRefused((secret) => read(md(), auth.signedBy(secret)), auth.keys.accessKeyId);
  });
});

describe('aws-dynamodb-streams: connections to one keep-alive endpoint (moto closes every connection, so a local stub answers)', () => {
  test("100 triggers reading one after another hold two connections (DynamoDB and DynamoDB Streams); reading all at once stays within the agent's 50 sockets", async () => {
    await assertKeepAlive({
      type: TYPE,
      metadata: { tableName: 'orders', awsRegion: 'us-east-1', identityOwner: 'operator' },
      answers: {
        'DynamoDB_20120810.DescribeTable': { Table: { LatestStreamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/x' } },
        'DynamoDBStreams_20120810.DescribeStream': { StreamDescription: { Shards: [{ ShardId: 'a' }, { ShardId: 'b' }] } },
      },
      value: 2,
      connections: 2,
    });
  });
});
