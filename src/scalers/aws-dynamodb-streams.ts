// `aws-dynamodb-streams`: scale on the number of shards of a table's DynamoDB stream (KEDA
// pkg/scalers/aws_dynamodb_streams_scaler.go): DescribeTable gives LatestStreamArn, then DescribeStream pages
// through the stream's shards.
import type { DescribeTableCommand, DescribeTableCommandOutput } from '@aws-sdk/client-dynamodb';
import type { DescribeStreamCommand, DescribeStreamCommandOutput } from '@aws-sdk/client-dynamodb-streams';
import type { AwsClientConfig, AwsIdentity } from '../auth/aws-credentials.ts';
import { httpUrlParam } from './common/address-policy.ts';
import { AWS_IDENTITY_KEYS, awsScaler, triggerAwsIdentity } from './common/aws-scaler.ts';
import { lazyClient, lazyReader } from './common/lazy-client.ts';
import { externalMetricSpec } from './common/metric-target.ts';
import { int, resolveConfig, str } from './common/typed-config.ts';
import { ConfigError, defineScaler, ReadError, type ParseInput, type RawReading } from './scaler.ts';

export const TYPE = 'aws-dynamodb-streams';

// ---- 1. the typed config, in KEDA's field order (awsDynamoDBStreamsMetadata) ----

const fields = {
  /** Target shards per replica (HPA AverageValue); KEDA `defaultTargetDBStreamsShardCount`. */
  shardCount: int({ default: 2 }),
  /** Active when shards > activationShardCount (strict). */
  activationShardCount: int({ default: 0 }),
  /** The table whose latest stream is counted. */
  tableName: str(),
  awsRegion: str({ order: ['triggerMetadata', 'authParams'] }),
  /** Overrides the DynamoDB and DynamoDB Streams endpoint (LocalStack, moto, VPC endpoints). */
  awsEndpoint: str({ optional: true }),
};

export interface AwsDynamodbStreamsConfig {
  tableName: string;
  shardCount: number;
  activationShardCount: number;
  awsRegion: string;
  awsEndpoint?: string;
  identity: AwsIdentity;
}

// ---- 2. parse ----

export function parse(input: ParseInput): AwsDynamodbStreamsConfig {
  const c = resolveConfig(TYPE, fields, input);
  if (c.shardCount <= 0) {
    // The HPA rejects a target of 0 (KEDA would fail later, creating the HPA); say so here.
    throw new ConfigError(TYPE, 'shardCount', `shardCount must be a positive number, got '${c.shardCount}'`);
  }
  if (c.awsEndpoint) httpUrlParam(TYPE, 'awsEndpoint', c.awsEndpoint, { example: 'http://localstack.localstack:4566' });
  const identity = triggerAwsIdentity(TYPE, input);
  return {
    tableName: c.tableName,
    shardCount: c.shardCount,
    activationShardCount: c.activationShardCount,
    awsRegion: c.awsRegion,
    ...(c.awsEndpoint ? { awsEndpoint: c.awsEndpoint } : {}),
    identity,
  };
}

// ---- 3. the reader ----

/** The two SDKs, loaded by the first reader (common/lazy-client.ts). */
export const dynamodbSdk = lazyClient('@aws-sdk/client-dynamodb', () => import('@aws-sdk/client-dynamodb'));
export const streamsSdk = lazyClient('@aws-sdk/client-dynamodb-streams', () => import('@aws-sdk/client-dynamodb-streams'));
/** Load both (tests that build the clients themselves). */
export const loadClients = () => Promise.all([dynamodbSdk.load(), streamsSdk.load()]);

/** The two SDK clients a trigger uses, shared as one per (identity, region, endpoint). */
export interface StreamsClients {
  db: { send(command: DescribeTableCommand, options?: { abortSignal?: AbortSignal }): Promise<Pick<DescribeTableCommandOutput, 'Table'>> };
  streams: { send(command: DescribeStreamCommand, options?: { abortSignal?: AbortSignal }): Promise<Pick<DescribeStreamCommandOutput, 'StreamDescription'>> };
  destroy(): void;
}

export function streamsClients(cfg: AwsClientConfig): StreamsClients {
  const db = new (dynamodbSdk.get().DynamoDBClient)({ ...cfg, maxAttempts: 1 });
  const streams = new (streamsSdk.get().DynamoDBStreamsClient)({ ...cfg, maxAttempts: 1 });
  return {
    db,
    streams,
    destroy: () => {
      db.destroy();
      streams.destroy();
    },
  };
}

/** KEDA getDynamoDBStreamsArn: the table's LatestStreamArn; a table without a stream is an error. */
export async function latestStreamArn(clients: Pick<StreamsClients, 'db'>, tableName: string, signal: AbortSignal): Promise<string> {
  const { DescribeTableCommand } = await dynamodbSdk.load();
  const out = await clients.db.send(new DescribeTableCommand({ TableName: tableName }), { abortSignal: signal });
  const arn = out.Table?.LatestStreamArn;
  if (!arn) {
    throw new ReadError(
      'bad-query',
      `${TYPE}: dynamodb stream arn for the table ${tableName} is empty; enable DynamoDB Streams on the table (StreamSpecification)`,
    );
  }
  return arn;
}

/** Pages DescribeStream asks for before giving up (a stream has at most a few thousand shards; 100 per page). */
export const MAX_PAGES = 1000;

/**
 * KEDA getDynamoDBStreamShardCount: every shard DescribeStream lists (open and closed alike), following
 * LastEvaluatedShardId until it is absent.
 */
export async function countShards(clients: Pick<StreamsClients, 'streams'>, streamArn: string, signal: AbortSignal): Promise<number> {
  const { DescribeStreamCommand } = await streamsSdk.load();
  let count = 0;
  let start: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await clients.streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) }), {
      abortSignal: signal,
    });
    count += out.StreamDescription?.Shards?.length ?? 0;
    const next = out.StreamDescription?.LastEvaluatedShardId;
    if (!next) return count;
    if (next === start) throw new ReadError('other', `${TYPE}: DescribeStream on ${streamArn} returned the same LastEvaluatedShardId ${next} twice`);
    start = next;
  }
  throw new ReadError('other', `${TYPE}: DescribeStream on ${streamArn} still had more shards after ${MAX_PAGES} pages`);
}

/**
 * The reader: the stream ARN is looked up on the first read and kept (KEDA looks it up once, when it builds the
 * scaler); after a failed read it is looked up again, as KEDA rebuilds a scaler whose read failed.
 */
export function streamsReader(config: AwsDynamodbStreamsConfig, name: string): (clients: StreamsClients, signal: AbortSignal) => Promise<RawReading> {
  let arn: string | undefined;
  return async (clients, signal) => {
    try {
      arn ??= await latestStreamArn(clients, config.tableName, signal);
      return { metrics: [{ name, value: await countShards(clients, arn, signal) }] };
    } catch (e) {
      arn = undefined;
      throw e;
    }
  };
}

export const descriptor = defineScaler<AwsDynamodbStreamsConfig>({
  type: TYPE,
  fields,
  otherKeys: AWS_IDENTITY_KEYS,
  example: { metadata: { shardCount: '2', tableName: 'orders', awsRegion: 'eu-west-1', identityOwner: 'operator' } },
  parse,
  metricSpecs: (config, triggerIndex, metricType) =>
    externalMetricSpec(triggerIndex, `aws-dynamodb-streams-${config.tableName}`, config.shardCount, TYPE, metricType),
  activationThreshold: (config) => config.activationShardCount,
  createReader: (config, ctx) =>
    lazyReader(TYPE, [dynamodbSdk, streamsSdk], () =>
      awsScaler({
        type: TYPE,
        ctx,
        config,
        service: 'dynamodb-streams',
        makeClient: streamsClients,
        operation: `DescribeTable and DescribeStream for table ${config.tableName}`,
        read: streamsReader(config, ctx.metricSpecs[0].metricName),
      }),
    ),
});
