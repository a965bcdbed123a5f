// aws-dynamodb against moto server (real DynamoDB JSON protocol, SigV4): Query counts with key conditions, a filter
// and a global secondary index, activation, errors, identities and one shared client for many triggers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BatchWriteItemCommand, CreateTableCommand, DeleteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { buildScaler } from '../../src/scalers/index.ts';
import { ReadError, type ScalerContext } from '../../src/scalers/scaler.ts';
import { assertClosedPortUnreachable, assertKeepAlive, assertWrongSecretRefused, operatorCache, signedMoto, testCreds } from '../support/aws-scaler.ts';
import { startMoto, type Moto } from '../support/moto.ts';
import { contextFor, readScalerOnce } from '../support/scaler-context.ts';

const TYPE = 'aws-dynamodb';
const signal = () => AbortSignal.timeout(15_000);
const read = (metadata: Record<string, string>, extra: Partial<ScalerContext>) => readScalerOnce(contextFor(TYPE, metadata, extra));

/** A `jobs` table keyed by (queue, id) with a `by-status` GSI on status; `items` jobs per queue and status. */
async function createJobs(db: DynamoDBClient, items: Array<{ queue: string; status: string; n: number }>): Promise<void> {
  await db.send(
    new CreateTableCommand({
      TableName: 'jobs',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'queue', AttributeType: 'S' },
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'queue', KeyType: 'HASH' },
        { AttributeName: 'id', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        { IndexName: 'by-status', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
      ],
    }),
  );
  const all = items.flatMap((g) =>
    Array.from({ length: g.n }, (_, i) => ({ queue: { S: g.queue }, id: { S: `${g.status}-${i}` }, status: { S: g.status }, attempts: { N: String(i % 3) } })),
  );
  for (let i = 0; i < all.length; i += 25) {
    await db.send(new BatchWriteItemCommand({ RequestItems: { jobs: all.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
}

const byQueue = (queue: string) => ({
  tableName: 'jobs',
  keyConditionExpression: '#q = :q',
  expressionAttributeNames: '{"#q": "queue"}',
  expressionAttributeValues: JSON.stringify({ ':q': { S: queue } }),
  targetValue: '5',
});

describe('aws-dynamodb against moto', () => {
  let moto: Moto;
  let db: DynamoDBClient;
  const md = (extra: Record<string, string> = {}) => ({
    ...byQueue('orders'),
    awsRegion: 'us-east-1',
    awsEndpoint: moto.endpoint,
    identityOwner: 'operator',
    ...extra,
  });
  before(async () => {
    moto = await startMoto();
    db = new DynamoDBClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: testCreds });
    // orders: 12 queued + 30 done (42); emails: 5 queued. 17 queued in all.
    await createJobs(db, [
      { queue: 'orders', status: 'queued', n: 12 },
      { queue: 'orders', status: 'done', n: 30 },
      { queue: 'emails', status: 'queued', n: 5 },
    ]);
  });
  after(async () => {
    db?.destroy();
    await moto?.stop();
  });

  const cases: Array<{ name: string; md: Record<string, string>; value: number; active: boolean }> = [
    { name: 'the key condition queue = orders counts 42 items', md: {}, value: 42, active: true },
    { name: 'another partition: queue = emails counts 5', md: byQueue('emails'), value: 5, active: true },
    { name: 'a partition without items counts 0, not active', md: byQueue('nothing'), value: 0, active: false },
    {
      name: 'filterExpression status = queued keeps 12 of the 42',
      md: {
        filterExpression: '#s = :s',
        expressionAttributeNames: '{"#q": "queue", "#s": "status"}',
        expressionAttributeValues: '{":q": {"S": "orders"}, ":s": {"S": "queued"}}',
      },
      value: 12,
      active: true,
    },
    {
      name: 'a sort key condition begins_with(id, "done-1") counts done-1 and done-10..19: 11',
      md: {
        keyConditionExpression: '#q = :q AND begins_with(#id, :p)',
        expressionAttributeNames: '{"#q": "queue", "#id": "id"}',
        expressionAttributeValues: '{":q": {"S": "orders"}, ":p": {"S": "done-1"}}',
      },
      value: 11,
      active: true,
    },
    {
      name: 'indexName by-status: status = queued over both queues counts 17',
      md: {
        indexName: 'by-status',
        keyConditionExpression: '#s = :s',
        expressionAttributeNames: '{"#s": "status"}',
        expressionAttributeValues: '{":s": {"S": "queued"}}',
      },
      value: 17,
      active: true,
    },
    { name: 'activationTargetValue 42 is strict: 42 items are not active', md: { activationTargetValue: '42' }, value: 42, active: false },
    { name: 'activationTargetValue 41: 42 items are active', md: { activationTargetValue: '41' }, value: 42, active: true },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { reading, spec } = await read(md(c.md), { awsCredentials: operatorCache() });
      assert.deepEqual(reading, { metrics: [{ name: 's0-aws-dynamodb-jobs', value: c.value }], active: c.active });
      assert.equal(spec.target, 5);
    });
  }

  test('each read follows the table: puts and a delete in queue churn move the count 0 → 2 → 1', async () => {
    const scaler = buildScaler(contextFor(TYPE, md(byQueue('churn')), { awsCredentials: operatorCache() }));
    try {
      assert.equal((await scaler.read(signal())).metrics[0].value, 0);
      for (const id of ['a', 'b'])
        await db.send(new PutItemCommand({ TableName: 'jobs', Item: { queue: { S: 'churn' }, id: { S: id }, status: { S: 'churning' } } }));
      assert.equal((await scaler.read(signal())).metrics[0].value, 2);
      await db.send(new DeleteItemCommand({ TableName: 'jobs', Key: { queue: { S: 'churn' }, id: { S: 'a' } } }));
      assert.deepEqual(await scaler.read(signal()), { metrics: [{ name: 's0-aws-dynamodb-jobs', value: 1 }], active: true });
    } finally {
      await scaler.close();
    }
  });

  const errors: Array<{ name: string; md: Record<string, string>; message: RegExp }> = [
    {
      name: 'an unknown table',
      md: { tableName: 'missing' },
      message: /^aws-dynamodb: Query on table missing: rejected: ResourceNotFoundException: Requested resource not found/,
    },
    {
      name: 'an unknown index',
      md: { indexName: 'nope' },
      message: /^aws-dynamodb: Query on table jobs index nope: rejected: ResourceNotFoundException: Invalid index: nope/,
    },
    {
      name: 'a key condition on a non-key attribute',
      md: { keyConditionExpression: '#s = :s', expressionAttributeNames: '{"#s": "status"}', expressionAttributeValues: '{":s": {"S": "queued"}}' },
      message: /rejected: ValidationException: Query condition missed key schema element/,
    },
  ];
  for (const c of errors) {
    test(`${c.name} is a bad-query ReadError`, async () => {
      await assert.rejects(read(md(c.md), { awsCredentials: operatorCache() }), (e: unknown) => {
        assert.ok(e instanceof ReadError);
        assert.equal(e.kind, 'bad-query');
        assert.match(e.message, c.message);
        return true;
      });
    });
  }

  test('a closed port is an unreachable ReadError naming the endpoint', async () => {
    await assertClosedPortUnreachable((awsEndpoint) => read(md({ awsEndpoint }), { awsCredentials: operatorCache() }));
  });

  test('100 triggers on one table (different queries) share one DynamoDB client; the last close drops it', async () => {
    const aws = operatorCache();
    const scalers = Array.from({ length: 100 }, (_, i) =>
      buildScaler({ ...contextFor(TYPE, md(byQueue(i % 2 ? 'orders' : 'emails')), { awsCredentials: aws }), triggerIndex: i }),
    );
    assert.equal(aws.clientCount, 1);
    const readings = await Promise.all(scalers.map((s) => s.read(signal())));
    assert.deepEqual(
      [...new Set(readings.map((r) => r.metrics[0].value))].sort((a, b) => a - b),
      [5, 42],
    );
    await Promise.all(scalers.map((s) => s.close()));
    assert.equal(aws.clientCount, 0);
  });
});

describe('aws-dynamodb against moto with request authentication', () => {
  const auth = signedMoto(
    'keda-dynamodb',
    async (moto) => {
      const db = new DynamoDBClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: testCreds });
      await createJobs(db, [{ queue: 'orders', status: 'queued', n: 7 }]);
      db.destroy();
    },
    'awsAccessKeyId',
  );
  const md = () => ({ ...byQueue('orders'), awsRegion: 'us-east-1', awsEndpoint: auth.moto.endpoint });

  test('access keys from the TriggerAuthentication sign the Query: 7 items', async () => {
    const { reading } = await read(md(), auth.signedBy());
    assert.equal(reading.metrics[0].value, 7);
  });

  test('a wrong secret is an auth ReadError naming the key id prefix, never the secret', async () => {
    await assertWrongSecretRefused((secret) => read(md(), auth.signedBy(secret)), auth.keys.accessKeyId);
  });
});

describe('aws-dynamodb: connections to one keep-alive endpoint (moto closes every connection, so a local stub answers)', () => {
  test("100 triggers reading one after another hold one connection; reading all at once stays within the agent's 50 sockets", async () => {
    await assertKeepAlive({
      type: TYPE,
      metadata: { ...byQueue('orders'), awsRegion: 'us-east-1', identityOwner: 'operator' },
      answers: { 'DynamoDB_20120810.Query': { Count: 42, ScannedCount: 42 } },
      value: 42,
      connections: 1,
    });
  });
});
