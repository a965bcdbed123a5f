// Bench rows for aws-kinesis-stream, aws-dynamodb and aws-dynamodb-streams against moto (called from
// bench/scalers.ts): reads/s and p50/p99 per type, and what 500 triggers on one endpoint hold — SDK clients and the
// TCP connections a counting pass-through in front of a keep-alive stub sees, for one round of reads one after the other and one
// round all at once.
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AwsCredentialCache } from '../src/auth/aws-credentials.ts';
import { buildScaler } from '../src/scalers/index.ts';
import type { Scaler } from '../src/scalers/scaler.ts';
import { startCaptureServer } from '../test/support/capture-server.ts';
import { startCountingProxy } from '../test/support/counting-proxy.ts';
import { contextFor } from '../test/support/scaler-context.ts';

const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const TRIGGERS = 500;

export async function benchKinesisDynamodb(
  motoEndpoint: string,
  aws: AwsCredentialCache,
  measure: (name: string, scaler: Scaler) => Promise<void>,
): Promise<void> {
  const kinesis = new KinesisClient({ region: 'us-east-1', endpoint: motoEndpoint, credentials: creds, requestHandler: new NodeHttpHandler() });
  await kinesis.send(new CreateStreamCommand({ StreamName: 'bench', ShardCount: 4 }));
  kinesis.destroy();
  const db = new DynamoDBClient({ region: 'us-east-1', endpoint: motoEndpoint, credentials: creds });
  await db.send(
    new CreateTableCommand({
      TableName: 'bench',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'q', AttributeType: 'S' },
        { AttributeName: 'id', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'q', KeyType: 'HASH' },
        { AttributeName: 'id', KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
    }),
  );
  for (let i = 0; i < 100; i += 25) {
    await db.send(
      new BatchWriteItemCommand({
        RequestItems: { bench: Array.from({ length: 25 }, (_, j) => ({ PutRequest: { Item: { q: { S: 'jobs' }, id: { S: `i${i + j}` } } } })) },
      }),
    );
  }
  db.destroy();

  const metadata = (endpoint: string): Record<string, Record<string, string>> => ({
    'aws-kinesis-stream': { streamName: 'bench', awsRegion: 'us-east-1', awsEndpoint: endpoint, identityOwner: 'operator' },
    'aws-dynamodb': {
      tableName: 'bench',
      keyConditionExpression: '#q = :q',
      expressionAttributeNames: '{"#q": "q"}',
      expressionAttributeValues: '{":q": {"S": "jobs"}}',
      targetValue: '10',
      awsRegion: 'us-east-1',
      awsEndpoint: endpoint,
      identityOwner: 'operator',
    },
    'aws-dynamodb-streams': { tableName: 'bench', awsRegion: 'us-east-1', awsEndpoint: endpoint, identityOwner: 'operator' },
  });
  const labels: Record<string, string> = {
    'aws-kinesis-stream': 'aws-kinesis-stream (moto)',
    'aws-dynamodb': 'aws-dynamodb Query of 100 (moto)',
    'aws-dynamodb-streams': 'aws-dynamodb-streams (moto)',
  };
  for (const [type, md] of Object.entries(metadata(motoEndpoint))) {
    await measure(labels[type], buildScaler(contextFor(type, md, { awsCredentials: aws })));
  }

  // moto (Werkzeug) answers every request with `Connection: close`, so connection reuse is counted against a
  // keep-alive stub that answers each operation as AWS would.
  const stub = await startCaptureServer((req) => ({
    body: JSON.stringify(STUB[req.headers['x-amz-target'] ?? ''] ?? {}),
    headers: { 'content-type': 'application/x-amz-json-1.0' },
  }));
  try {
    for (const [type, md] of Object.entries(metadata(''))) {
      const proxy = await startCountingProxy(stub.url);
      const cache = new AwsCredentialCache({ operatorCredentials: () => async () => creds });
      const scalers = Array.from({ length: TRIGGERS }, (_, i) =>
        buildScaler({ ...contextFor(type, { ...md, awsEndpoint: proxy.url }, { awsCredentials: cache }), triggerIndex: i }),
      );
      const clients = cache.clientCount;
      for (const s of scalers) await s.read(AbortSignal.timeout(30_000));
      const sequential = proxy.accepted();
      await Promise.all(scalers.map((s) => s.read(AbortSignal.timeout(60_000))));
      const concurrent = proxy.accepted();
      await Promise.all(scalers.map((s) => s.close()));
      console.log(
        `${`${type}: ${TRIGGERS} triggers`.padEnd(34)} SDK clients=${clients}  TCP connections (keep-alive stub): ${sequential} after ${TRIGGERS} reads one by one, ${concurrent} after ${TRIGGERS} more all at once`,
      );
      await proxy.stop();
    }
  } finally {
    await stub.stop();
  }
}

const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/bench/stream/2026-01-01T00:00:00.000';
const STUB: Record<string, unknown> = {
  'Kinesis_20131202.DescribeStreamSummary': { StreamDescriptionSummary: { StreamName: 'bench', OpenShardCount: 4 } },
  'DynamoDB_20120810.Query': { Count: 100, ScannedCount: 100 },
  'DynamoDB_20120810.DescribeTable': { Table: { TableName: 'bench', LatestStreamArn: STREAM_ARN } },
  'DynamoDBStreams_20120810.DescribeStream': { StreamDescription: { StreamArn: STREAM_ARN, Shards: [{ ShardId: 'shardId-1' }] } },
};
