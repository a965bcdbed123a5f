// `aws-sqs-queue`: scale on the number of messages in an SQS queue (KEDA pkg/scalers/aws_sqs_queue_scaler.go).
import type { GetQueueAttributesCommand, QueueAttributeName } from '@aws-sdk/client-sqs';
import { type AwsIdentity } from '../auth/aws-credentials.ts';
import { httpUrlParam, refusedHost } from './common/address-policy.ts';
import { AWS_IDENTITY_KEYS, awsScaler, triggerAwsIdentity } from './common/aws-scaler.ts';
import { lazyClient, lazyReader } from './common/lazy-client.ts';
import { externalMetricSpec } from './common/metric-target.ts';
import { bool, int, resolveConfig, str } from './common/typed-config.ts';
import { truncate } from '../api/problem.ts';
import { ConfigError, defineScaler, ReadError, type ParseInput, type RawReading } from './scaler.ts';

export const TYPE = 'aws-sqs-queue';

// ---- 1. the typed config (defaults next to the fields) ----

const fields = {
  /** Full queue URL (sent verbatim as QueueUrl) or, if not a URL, a queue name. */
  queueURL: str({ order: ['triggerMetadata', 'resolvedEnv'] }),
  /** Target messages per replica (HPA AverageValue). */
  queueLength: int({ default: 5 }),
  /** Active when messages > activationQueueLength (strict). */
  activationQueueLength: int({ default: 0 }),
  /** Required by KEDA; Updraft also derives it from a standard `https://sqs.<region>.amazonaws.com/` URL. */
  awsRegion: str({ order: ['triggerMetadata', 'authParams'], optional: true }),
  /** Overrides the SQS endpoint (LocalStack, moto, VPC endpoints). */
  awsEndpoint: str({ optional: true }),
  /** Count in-flight (received, not yet deleted) messages: ApproximateNumberOfMessagesNotVisible. */
  scaleOnInFlight: bool({ default: true }),
  /** Count delayed messages: ApproximateNumberOfMessagesDelayed. */
  scaleOnDelayed: bool({ default: false }),
};

export interface AwsSqsQueueConfig {
  queueURL: string;
  /** The last path segment of the URL, or the configured name; used in the metric name. */
  queueName: string;
  queueLength: number;
  activationQueueLength: number;
  awsRegion: string;
  /** Where awsRegion came from: the metadata/auth, or derived from the queue URL (Updraft convenience). */
  regionSource: 'configured' | 'queueURL';
  awsEndpoint?: string;
  scaleOnInFlight: boolean;
  scaleOnDelayed: boolean;
  identity: AwsIdentity;
  /** Attribute names asked for, in order. */
  attributeNames: QueueAttributeName[];
}

// ---- 2. parse ----

const SQS_HOST = /^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;

/** KEDA: a parsable URL must have the path `/<account>/<queueName>`; anything else is a bare queue name. */
export function parseQueueURL(queueURL: string): { queueName: string; host?: string } {
  let url: URL | undefined;
  try {
    url = /^[a-z][a-z0-9+.-]*:\/\//i.test(queueURL) ? new URL(queueURL) : undefined;
  } catch {
    url = undefined;
  }
  if (!url) return { queueName: queueURL };
  const parts = url.pathname.split('/');
  if (parts.length !== 3 || parts[1] === '' || parts[2] === '') {
    throw new ConfigError(TYPE, 'queueURL', `cannot get queueName from queueURL: its path must be /<account id>/<queue name>, got '${truncate(queueURL)}'`);
  }
  return { queueName: parts[2], host: url.hostname };
}

export function parse(input: ParseInput): AwsSqsQueueConfig {
  const c = resolveConfig(TYPE, fields, input);
  if (c.queueLength <= 0) {
    // The HPA rejects a target of 0 (KEDA would fail later, creating the HPA); say so here.
    throw new ConfigError(TYPE, 'queueLength', `queueLength must be a positive number, got '${c.queueLength}'`);
  }
  const { queueName, host } = parseQueueURL(c.queueURL);
  // Without awsEndpoint the SDK sends to the queueURL's host; both must be http(s) and not a cloud metadata /
  // link-local address (address-policy.ts; checked again at connect time by awsScaler's request handler).
  const refusedQueueHost = host ? refusedHost(TYPE, 'queueURL', c.queueURL, host) : undefined;
  if (refusedQueueHost) throw refusedQueueHost;
  if (c.awsEndpoint) httpUrlParam(TYPE, 'awsEndpoint', c.awsEndpoint, { example: 'http://localstack.localstack:4566' });
  let awsRegion = c.awsRegion;
  let regionSource: AwsSqsQueueConfig['regionSource'] = 'configured';
  if (!awsRegion) {
    const m = host ? SQS_HOST.exec(host) : null;
    if (!m) {
      throw new ConfigError(
        TYPE,
        'awsRegion',
        `missing required parameter "awsRegion" in [triggerMetadata authParams]; set metadata.awsRegion (it can only be derived from a https://sqs.<region>.amazonaws.com/ queue URL)`,
      );
    }
    awsRegion = m[1];
    regionSource = 'queueURL';
  }
  const identity = triggerAwsIdentity(TYPE, input);
  const attributeNames: QueueAttributeName[] = ['ApproximateNumberOfMessages'];
  if (c.scaleOnInFlight) attributeNames.push('ApproximateNumberOfMessagesNotVisible');
  if (c.scaleOnDelayed) attributeNames.push('ApproximateNumberOfMessagesDelayed');
  return {
    queueURL: c.queueURL,
    queueName,
    queueLength: c.queueLength,
    activationQueueLength: c.activationQueueLength,
    awsRegion,
    regionSource,
    ...(c.awsEndpoint ? { awsEndpoint: c.awsEndpoint } : {}),
    scaleOnInFlight: c.scaleOnInFlight,
    scaleOnDelayed: c.scaleOnDelayed,
    identity,
    attributeNames,
  };
}

// ---- 3. the reader ----

/** KEDA: the sum of the asked attributes; a missing one is an error. */
export function queueValue(attributes: Partial<Record<string, string>>, names: readonly string[]): number {
  let sum = 0;
  for (const n of names) {
    const raw = attributes[n];
    const v = raw === undefined ? NaN : Number(raw);
    if (!Number.isFinite(v)) throw new ReadError('other', `${TYPE}: metric ${n} not found in SQS queue attributes`);
    sum += v;
  }
  return sum;
}

/** The SDK, loaded by the first reader (common/lazy-client.ts). */
export const sdk = lazyClient('@aws-sdk/client-sqs', () => import('@aws-sdk/client-sqs'));

/** The part of SQSClient the reader uses. */
export interface SqsLike {
  send(command: GetQueueAttributesCommand, options?: { abortSignal?: AbortSignal }): Promise<{ Attributes?: Partial<Record<string, string>> }>;
}

export async function readQueue(config: AwsSqsQueueConfig, sqs: SqsLike, name: string, signal: AbortSignal): Promise<RawReading> {
  const { GetQueueAttributesCommand } = await sdk.load();
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: config.queueURL, AttributeNames: config.attributeNames }), { abortSignal: signal });
  const value = queueValue(out.Attributes ?? {}, config.attributeNames);
  return { metrics: [{ name, value }] };
}

export const descriptor = defineScaler<AwsSqsQueueConfig>({
  type: TYPE,
  fields,
  otherKeys: AWS_IDENTITY_KEYS,
  example: { metadata: { queueURL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/orders', queueLength: '5', identityOwner: 'operator' } },
  parse,
  metricSpecs: (config, triggerIndex, metricType) => externalMetricSpec(triggerIndex, `aws-sqs-${config.queueName}`, config.queueLength, TYPE, metricType),
  activationThreshold: (config) => config.activationQueueLength,
  createReader: (config, ctx) =>
    lazyReader(TYPE, [sdk], () =>
      awsScaler({
        type: TYPE,
        ctx,
        config,
        service: 'sqs',
        makeClient: (cfg) => new (sdk.get().SQSClient)({ ...cfg, maxAttempts: 1 }),
        operation: `GetQueueAttributes on ${config.queueURL}`,
        read: (client, signal) => readQueue(config, client, ctx.metricSpecs[0].metricName, signal),
      }),
    ),
});
