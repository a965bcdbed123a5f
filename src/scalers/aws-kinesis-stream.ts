// `aws-kinesis-stream`: scale on the number of open shards of a Kinesis data stream (KEDA
// pkg/scalers/aws_kinesis_stream_scaler.go), read with one DescribeStreamSummary per poll.
import type { DescribeStreamSummaryCommand, DescribeStreamSummaryCommandOutput, KinesisClient } from '@aws-sdk/client-kinesis';
import type { AwsClientConfig, AwsIdentity } from '../auth/aws-credentials.ts';
import { httpUrlParam } from './common/address-policy.ts';
import { AWS_IDENTITY_KEYS, awsScaler, triggerAwsIdentity } from './common/aws-scaler.ts';
import { lazyClient, lazyReader } from './common/lazy-client.ts';
import { externalMetricSpec } from './common/metric-target.ts';
import { int, resolveConfig, str } from './common/typed-config.ts';
import { ConfigError, defineScaler, ReadError, type ParseInput, type RawReading } from './scaler.ts';

export const TYPE = 'aws-kinesis-stream';

// ---- 1. the typed config, in KEDA's field order (awsKinesisStreamMetadata) ----

const fields = {
  /** Target open shards per replica (HPA AverageValue); KEDA `targetShardCountDefault`. */
  shardCount: int({ default: 2 }),
  /** Active when open shards > activationShardCount (strict). */
  activationShardCount: int({ default: 0 }),
  /** The stream's name (DescribeStreamSummary StreamName). */
  streamName: str(),
  awsRegion: str({ order: ['triggerMetadata', 'authParams'] }),
  /** Overrides the Kinesis endpoint (LocalStack, moto, VPC endpoints). */
  awsEndpoint: str({ optional: true }),
};

export interface AwsKinesisStreamConfig {
  streamName: string;
  shardCount: number;
  activationShardCount: number;
  awsRegion: string;
  awsEndpoint?: string;
  identity: AwsIdentity;
}

// ---- 2. parse ----

export function parse(input: ParseInput): AwsKinesisStreamConfig {
  const c = resolveConfig(TYPE, fields, input);
  if (c.shardCount <= 0) {
    // The HPA rejects a target of 0 (KEDA would fail later, creating the HPA); say so here.
    throw new ConfigError(TYPE, 'shardCount', `shardCount must be a positive number, got '${c.shardCount}'`);
  }
  if (c.awsEndpoint) httpUrlParam(TYPE, 'awsEndpoint', c.awsEndpoint, { example: 'http://localstack.localstack:4566' });
  const identity = triggerAwsIdentity(TYPE, input);
  return {
    streamName: c.streamName,
    shardCount: c.shardCount,
    activationShardCount: c.activationShardCount,
    awsRegion: c.awsRegion,
    ...(c.awsEndpoint ? { awsEndpoint: c.awsEndpoint } : {}),
    identity,
  };
}

// ---- 3. the reader ----

/** KEDA GetAwsKinesisOpenShardCount: the summary's OpenShardCount; a summary without it is an error. */
export function openShardCount(out: Pick<DescribeStreamSummaryCommandOutput, 'StreamDescriptionSummary'>, streamName: string): number {
  const n = out.StreamDescriptionSummary?.OpenShardCount;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new ReadError('other', `${TYPE}: DescribeStreamSummary of stream ${streamName} returned no OpenShardCount`);
  }
  return n;
}

/** The SDK and the HTTP/1.1 handler, loaded by the first reader (common/lazy-client.ts). */
export const sdk = lazyClient('@aws-sdk/client-kinesis', () => import('@aws-sdk/client-kinesis'));
export const httpHandler = lazyClient('@smithy/node-http-handler', () => import('@smithy/node-http-handler'));
/** Load both (tests that build a client themselves). */
export const loadClients = () => Promise.all([sdk.load(), httpHandler.load()]);

/** The part of KinesisClient the reader uses. */
export interface KinesisLike {
  send(
    command: DescribeStreamSummaryCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<Pick<DescribeStreamSummaryCommandOutput, 'StreamDescriptionSummary'>>;
}

export async function readStream(config: AwsKinesisStreamConfig, kinesis: KinesisLike, name: string, signal: AbortSignal): Promise<RawReading> {
  const { DescribeStreamSummaryCommand } = await sdk.load();
  const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: config.streamName }), { abortSignal: signal });
  return { metrics: [{ name, value: openShardCount(out, config.streamName) }] };
}

/**
 * The Kinesis client defaults to an HTTP/2 handler (for SubscribeToShard), which ignores the agent options
 * awsScaler passes; an HTTP/1.1 handler built from them keeps the address policy's guarded lookup, and works
 * against endpoints without HTTP/2 (moto, some proxies). DescribeStreamSummary is a plain request/response call.
 */
export function kinesisClient(cfg: AwsClientConfig): KinesisClient {
  const { requestHandler, ...rest } = cfg;
  const { KinesisClient } = sdk.get();
  const { NodeHttpHandler } = httpHandler.get();
  return new KinesisClient({ ...rest, maxAttempts: 1, requestHandler: new NodeHttpHandler(requestHandler ?? {}) });
}

export const descriptor = defineScaler<AwsKinesisStreamConfig>({
  type: TYPE,
  fields,
  otherKeys: AWS_IDENTITY_KEYS,
  example: { metadata: { streamName: 'orders', shardCount: '2', awsRegion: 'eu-west-1', identityOwner: 'operator' } },
  parse,
  metricSpecs: (config, triggerIndex, metricType) => externalMetricSpec(triggerIndex, `aws-kinesis-${config.streamName}`, config.shardCount, TYPE, metricType),
  activationThreshold: (config) => config.activationShardCount,
  createReader: (config, ctx) =>
    lazyReader(TYPE, [sdk, httpHandler], () =>
      awsScaler({
        type: TYPE,
        ctx,
        config,
        service: 'kinesis',
        makeClient: kinesisClient,
        operation: `DescribeStreamSummary on stream ${config.streamName}`,
        read: (client, signal) => readStream(config, client, ctx.metricSpecs[0].metricName, signal),
      }),
    ),
});
