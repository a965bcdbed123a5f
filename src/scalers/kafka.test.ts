import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SigV4Signer } from '../auth/sigv4.ts';
import {
  cachedToken,
  descriptor,
  findFactors,
  hostOf,
  INVALID_OFFSET,
  kafkaPoolKey,
  kafkaReadError,
  mskIamToken,
  MSK_USER_AGENT,
  nextBalancedFactor,
  parse,
  parsePartitionLimitation,
  partitionLag,
  readOffsets,
  topicPartitions,
  totalLag,
  validKafkaVersion,
  type KafkaAdminLike,
  type KafkaConfig,
  type PartitionOffsets,
  type PreviousOffsets,
} from './kafka.ts';
import { ReadError } from './scaler.ts';

const p = (metadata: Record<string, string>, authParams: Record<string, string> = {}, resolvedEnv: Record<string, string> = {}) =>
  parse({ metadata, authParams, resolvedEnv });

// ---------------------------------------------------------------------------------------------------------------
// KEDA's tables (pkg/scalers/kafka_scaler_test.go), one subtest per row. A row whose `updraft` field is set is
// where Updraft differs on purpose; the field says how and why.

interface MetadataRow {
  name: string;
  metadata: Record<string, string>;
  isError: boolean;
  brokers: string[] | null;
  group: string;
  topic: string;
  partitionLimitation: number[] | null;
  offsetResetPolicy: string;
  allowIdleConsumers: boolean;
  excludePersistentLag: boolean;
  limitToPartitionsWithLag: boolean;
  ensureEvenDistributionOfPartitions: boolean;
  fullMetadata: boolean;
}

interface AuthRow {
  name: string;
  metadata: Record<string, string>;
  authParams: Record<string, string>;
  isError: boolean;
  enableTLS: boolean;
  /** Updraft differs on purpose: it refuses the row (why). */
  updraft?: string;
}

// KEDA validKafkaMetadata / validWithAuthParams / validWithoutAuthParams.
const validKafkaMetadata = { bootstrapServers: 'broker1:9092,broker2:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'false' };
const validWithAuthParams = { sasl: 'plaintext', username: 'admin', password: 'admin' };

/** KEDA getBrokerTestBase: the row's verdict and, on success, the parsed fields, with and without auth params. */
function checkMetadataRow(r: MetadataRow, authParams: Record<string, string>): void {
  let c: KafkaConfig | undefined;
  let err: unknown;
  try {
    c = p(r.metadata, authParams);
  } catch (e) {
    err = e;
  }
  if (r.isError) {
    assert.ok(err, 'expected an error');
    assert.equal((err as Error).name, 'ConfigError', String(err));
    return;
  }
  assert.ifError(err);
  assert.ok(c);
  assert.deepEqual(c.bootstrapServers, r.brokers ?? []);
  assert.equal(c.consumerGroup, r.group);
  assert.equal(c.topic, r.topic);
  assert.deepEqual(c.partitionLimitation ?? null, r.partitionLimitation);
  assert.equal(c.offsetResetPolicy, r.offsetResetPolicy);
  assert.equal(c.allowIdleConsumers, r.allowIdleConsumers);
  assert.equal(c.excludePersistentLag, r.excludePersistentLag);
  assert.equal(c.limitToPartitionsWithLag, r.limitToPartitionsWithLag);
  assert.equal(c.ensureEvenDistributionOfPartitions, r.ensureEvenDistributionOfPartitions);
  assert.equal(c.fullMetadata, r.fullMetadata);
  assert.equal(c.lagThreshold, r.metadata.lagThreshold ? Number(r.metadata.lagThreshold) : 10);
}

/**
 * KEDA TestKafkaAuthParamsIn*: the verdict, TLS on/off and the TLS material taken from the auth params.
 * `checkEnableTLS` false: TestKafkaAuthParamsInScaledObject never compares its enableTLS column (it only checks
 * metadata tls == "true", which no row sets), and some of its rows hold a value that does not match.
 */
function checkAuthRow(r: AuthRow, metadata: Record<string, string>, checkEnableTLS = true): void {
  let c: KafkaConfig | undefined;
  let err: unknown;
  try {
    c = p({ ...r.metadata, ...metadata }, r.authParams);
  } catch (e) {
    err = e;
  }
  if (r.isError || r.updraft) {
    assert.ok(err, 'expected an error');
    assert.equal((err as Error).name, 'ConfigError', String(err));
    // No secret of the row in the message.
    for (const k of ['password', 'keyPassword', 'awsSecretAccessKey']) {
      if (r.authParams[k] && r.authParams[k].length > 5) assert.ok(!(err as Error).message.includes(r.authParams[k]), k);
    }
    return;
  }
  assert.ifError(err);
  assert.ok(c);
  if (checkEnableTLS) assert.equal(c.tls !== undefined, r.enableTLS, 'enableTLS');
  if (c.tls) {
    assert.equal(c.tls.ca, r.authParams.ca);
    assert.equal(c.tls.cert, r.authParams.cert);
    assert.equal(c.tls.key, r.authParams.key);
    assert.equal(c.tls.keyPassword, r.authParams.keyPassword);
    assert.equal(c.tls.unsafeSsl, (r.metadata.unsafeSsl ?? 'false') === 'true');
  }
  const provider = r.authParams.saslTokenProvider ?? r.metadata.saslTokenProvider;
  if (c.sasl.kind === 'oauthbearer' && c.sasl.provider === 'bearer') {
    assert.ok(provider === undefined || provider === 'bearer');
    const ext = r.authParams.oauthExtensions;
    if (ext) assert.equal(Object.keys(c.sasl.extensions).length, ext.split(',').length);
  }
  if (c.sasl.kind === 'oauthbearer' && c.sasl.provider === 'aws_msk_iam') {
    assert.equal(provider, 'aws_msk_iam');
    assert.equal(c.sasl.awsRegion, r.metadata.awsRegion);
    if (r.authParams.awsAccessKeyID)
      assert.deepEqual(c.sasl.identity, { kind: 'keys', accessKeyId: r.authParams.awsAccessKeyID, secretAccessKey: r.authParams.awsSecretAccessKey });
    else if (r.authParams.awsRoleArn) assert.deepEqual(c.sasl.identity, { kind: 'role', roleArn: r.authParams.awsRoleArn });
  }
}

const kedaMetadataRows: MetadataRow[] = [
  {
    name: 'failure, no bootstrapServers',
    metadata: {},
    isError: true,
    brokers: null,
    group: '',
    topic: '',
    partitionLimitation: null,
    offsetResetPolicy: '',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'failure, no consumer group',
    metadata: { bootstrapServers: 'foobar:9092' },
    isError: true,
    brokers: ['foobar:9092'],
    group: '',
    topic: '',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, no topic',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: '',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, ignore partitionLimitation if no topic',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', partitionLimitation: '1,2,3,4,5,6' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: '',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, no limitation with whitespaced limitation value',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', partitionLimitation: '           ' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: '',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, no limitation',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', partitionLimitation: '' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: '',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'failure, version not supported',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', version: '1.2.3.4' },
    isError: true,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'failure, lagThreshold is negative value',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', lagThreshold: '-1' },
    isError: true,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'failure, lagThreshold is 0',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', lagThreshold: '0' },
    isError: true,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, lagThreshold is 1000000',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', lagThreshold: '1000000', activationLagThreshold: '0' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'failure, activationLagThreshold is not int',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', lagThreshold: '10', activationLagThreshold: 'AA' },
    isError: true,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, activationLagThreshold is 0',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', lagThreshold: '10', activationLagThreshold: '0' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, partitionLimitation as list',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', partitionLimitation: '1,2,3,4' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: [1, 2, 3, 4],
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, partitionLimitation as range',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', partitionLimitation: '1-4' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: [1, 2, 3, 4],
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, partitionLimitation mixed list + ranges',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', partitionLimitation: '1-4,8,10-12' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: [1, 2, 3, 4, 8, 10, 11, 12],
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'failure, partitionLimitation wrong data type',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', partitionLimitation: 'a,b,c,d' },
    isError: true,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, more brokers',
    metadata: { bootstrapServers: 'foo:9092,bar:9092', consumerGroup: 'my-group', topic: 'my-topic' },
    isError: false,
    brokers: ['foo:9092', 'bar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, offsetResetPolicy policy latest',
    metadata: { bootstrapServers: 'foo:9092,bar:9092', consumerGroup: 'my-group', topic: 'my-topic', offsetResetPolicy: 'latest' },
    isError: false,
    brokers: ['foo:9092', 'bar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'failure, offsetResetPolicy policy wrong',
    metadata: { bootstrapServers: 'foo:9092,bar:9092', consumerGroup: 'my-group', topic: 'my-topic', offsetResetPolicy: 'foo' },
    isError: true,
    brokers: ['foo:9092', 'bar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: '',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, offsetResetPolicy policy earliest',
    metadata: { bootstrapServers: 'foo:9092,bar:9092', consumerGroup: 'my-group', topic: 'my-topic', offsetResetPolicy: 'earliest' },
    isError: false,
    brokers: ['foo:9092', 'bar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'earliest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'failure, allowIdleConsumers malformed',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'notvalid' },
    isError: true,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, allowIdleConsumers is true',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: true,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'failure, excludePersistentLag is malformed',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', excludePersistentLag: 'notvalid' },
    isError: true,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, excludePersistentLag is true',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', excludePersistentLag: 'true' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: true,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, version supported',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: true,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, limitToPartitionsWithLag is true',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', limitToPartitionsWithLag: 'true' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: true,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'failure, limitToPartitionsWithLag is malformed',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', limitToPartitionsWithLag: 'notvalid' },
    isError: true,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'failure, allowIdleConsumers and limitToPartitionsWithLag cannot be set to true simultaneously',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', limitToPartitionsWithLag: 'true' },
    isError: true,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: true,
    excludePersistentLag: false,
    limitToPartitionsWithLag: true,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, allowIdleConsumers can be set when limitToPartitionsWithLag is false',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', limitToPartitionsWithLag: 'false' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: true,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'failure, topic must be specified when limitToPartitionsWithLag is true',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', limitToPartitionsWithLag: 'true' },
    isError: true,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: '',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: true,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, ensureEvenDistributionOfPartitions is true',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', ensureEvenDistributionOfPartitions: 'true' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: true,
    fullMetadata: true,
  },
  {
    name: 'failure, limitToPartitionsWithLag and ensureEvenDistributionOfPartitions cannot be set to true simultaneously',
    metadata: {
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      ensureEvenDistributionOfPartitions: 'true',
      limitToPartitionsWithLag: 'true',
    },
    isError: true,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: true,
    ensureEvenDistributionOfPartitions: true,
    fullMetadata: true,
  },
  {
    name: 'success, fullMetadata true with topic',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', fullMetadata: 'true' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, fullMetadata true without topic',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', fullMetadata: 'true' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: '',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
  {
    name: 'success, fullMetadata false with topic',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', fullMetadata: 'false' },
    isError: false,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: false,
  },
  {
    name: 'failure, fullMetadata false without topic',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', fullMetadata: 'false' },
    isError: true,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: '',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: false,
  },
  {
    name: 'failure, fullMetadata malformed',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', fullMetadata: 'notabool' },
    isError: true,
    brokers: ['foobar:9092'],
    group: 'my-group',
    topic: 'my-topic',
    partitionLimitation: null,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
  },
];

const kedaAuthParamRows: AuthRow[] = [
  { name: 'success, SASL only', metadata: {}, authParams: { sasl: 'plaintext', username: 'admin', password: 'admin' }, isError: false, enableTLS: false },
  { name: 'success, SASL only', metadata: {}, authParams: { sasl: 'scram_sha256', username: 'admin', password: 'admin' }, isError: false, enableTLS: false },
  { name: 'success, SASL only', metadata: {}, authParams: { sasl: 'scram_sha512', username: 'admin', password: 'admin' }, isError: false, enableTLS: false },
  { name: 'success, TLS only', metadata: {}, authParams: { tls: 'enable', ca: 'caaa', cert: 'ceert', key: 'keey' }, isError: false, enableTLS: true },
  {
    name: 'success, TLS cert/key and assumed public CA',
    metadata: {},
    authParams: { tls: 'enable', cert: 'ceert', key: 'keey' },
    isError: false,
    enableTLS: true,
  },
  {
    name: 'success, TLS cert/key + key password and assumed public CA',
    metadata: {},
    authParams: { tls: 'enable', cert: 'ceert', key: 'keey', keyPassword: 'keeyPassword' },
    isError: false,
    enableTLS: true,
  },
  { name: 'success, TLS CA only', metadata: {}, authParams: { tls: 'enable', ca: 'caaa' }, isError: false, enableTLS: true },
  {
    name: 'success, SASL + TLS',
    metadata: {},
    authParams: { sasl: 'plaintext', username: 'admin', password: 'admin', tls: 'enable', ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: false,
    enableTLS: true,
  },
  {
    name: 'success, SASL + TLS explicitly disabled',
    metadata: {},
    authParams: { sasl: 'plaintext', username: 'admin', password: 'admin', tls: 'disable' },
    isError: false,
    enableTLS: false,
  },
  {
    name: 'success, SASL OAUTHBEARER + TLS',
    metadata: {},
    authParams: { sasl: 'oauthbearer', username: 'admin', password: 'admin', scopes: 'scope', oauthTokenEndpointUri: 'https://website.com', tls: 'disable' },
    isError: false,
    enableTLS: false,
  },
  {
    name: 'success, SASL GSSAPI/password',
    metadata: {},
    authParams: { sasl: 'gssapi', username: 'admin', password: 'admin', kerberosConfig: '<config>', realm: 'tst.com' },
    isError: false,
    enableTLS: false,
    updraft: 'refused at parse: Updraft has no Kerberos (GSSAPI) client; KEDA accepts it',
  },
  {
    name: 'success, SASL GSSAPI/keytab',
    metadata: {},
    authParams: { sasl: 'gssapi', username: 'admin', keytab: '/path/to/keytab', kerberosConfig: '<config>', realm: 'tst.com' },
    isError: false,
    enableTLS: false,
    updraft: 'refused at parse: Updraft has no Kerberos (GSSAPI) client; KEDA accepts it',
  },
  {
    name: 'success, SASL GSSAPI/password + TLS',
    metadata: {},
    authParams: {
      sasl: 'gssapi',
      username: 'admin',
      password: 'admin',
      kerberosConfig: '<config>',
      realm: 'tst.com',
      tls: 'enable',
      ca: 'caaa',
      cert: 'ceert',
      key: 'keey',
    },
    isError: false,
    enableTLS: true,
    updraft: 'refused at parse: Updraft has no Kerberos (GSSAPI) client; KEDA accepts it',
  },
  {
    name: 'success, SASL GSSAPI/keytab + TLS',
    metadata: {},
    authParams: {
      sasl: 'gssapi',
      username: 'admin',
      keytab: '/path/to/keytab',
      kerberosConfig: '<config>',
      realm: 'tst.com',
      tls: 'enable',
      ca: 'caaa',
      cert: 'ceert',
      key: 'keey',
    },
    isError: false,
    enableTLS: true,
    updraft: 'refused at parse: Updraft has no Kerberos (GSSAPI) client; KEDA accepts it',
  },
  {
    name: 'success, SASL GSSAPI, KerberosServiceName supported',
    metadata: {},
    authParams: { sasl: 'gssapi', username: 'admin', keytab: '/path/to/keytab', kerberosConfig: '<config>', realm: 'tst.com', kerberosServiceName: 'srckafka' },
    isError: false,
    enableTLS: false,
    updraft: 'refused at parse: Updraft has no Kerberos (GSSAPI) client; KEDA accepts it',
  },
  {
    name: 'failure, SASL OAUTHBEARER + TLS bad sasl type',
    metadata: {},
    authParams: { sasl: 'foo', username: 'admin', password: 'admin', scopes: 'scope', oauthTokenEndpointUri: 'https://website.com', tls: 'disable' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'success, SASL OAUTHBEARER + TLS missing scope',
    metadata: {},
    authParams: { sasl: 'oauthbearer', username: 'admin', password: 'admin', oauthTokenEndpointUri: 'https://website.com', tls: 'disable' },
    isError: false,
    enableTLS: false,
  },
  {
    name: 'failure, SASL OAUTHBEARER + TLS missing oauthTokenEndpointUri',
    metadata: {},
    authParams: { sasl: 'oauthbearer', username: 'admin', password: 'admin', scopes: 'scope', oauthTokenEndpointUri: '', tls: 'disable' },
    isError: true,
    enableTLS: false,
  },
  { name: 'failure, SASL incorrect type', metadata: {}, authParams: { sasl: 'foo', username: 'admin', password: 'admin' }, isError: true, enableTLS: false },
  { name: 'failure, SASL missing username', metadata: {}, authParams: { sasl: 'plaintext', password: 'admin' }, isError: true, enableTLS: false },
  { name: 'failure, SASL missing password', metadata: {}, authParams: { sasl: 'plaintext', username: 'admin' }, isError: true, enableTLS: false },
  { name: 'failure, TLS missing cert', metadata: {}, authParams: { tls: 'enable', ca: 'caaa', key: 'keey' }, isError: true, enableTLS: false },
  { name: 'failure, TLS missing key', metadata: {}, authParams: { tls: 'enable', ca: 'caaa', cert: 'ceert' }, isError: true, enableTLS: false },
  { name: 'failure, TLS invalid', metadata: {}, authParams: { tls: 'yes', ca: 'caaa', cert: 'ceert', key: 'keey' }, isError: true, enableTLS: false },
  {
    name: 'failure, SASL + TLS, incorrect sasl',
    metadata: {},
    authParams: { sasl: 'foo', username: 'admin', password: 'admin', tls: 'enable', ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL + TLS, incorrect tls',
    metadata: {},
    authParams: { sasl: 'plaintext', username: 'admin', password: 'admin', tls: 'foo', ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL + TLS, missing username',
    metadata: {},
    authParams: { sasl: 'plaintext', password: 'admin', tls: 'enable', ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL + TLS, missing password',
    metadata: {},
    authParams: { sasl: 'plaintext', username: 'admin', tls: 'enable', ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL + TLS, missing cert',
    metadata: {},
    authParams: { sasl: 'plaintext', username: 'admin', password: 'admin', tls: 'enable', ca: 'caaa', key: 'keey' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL + TLS, missing key',
    metadata: {},
    authParams: { sasl: 'plaintext', username: 'admin', password: 'admin', tls: 'enable', ca: 'caaa', cert: 'ceert' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL GSSAPI missing password and keytab',
    metadata: {},
    authParams: { sasl: 'gssapi', username: 'admin', kerberosConfig: '<config>', realm: 'tst.com' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL GSSAPI provided both password and keytab',
    metadata: {},
    authParams: { sasl: 'gssapi', username: 'admin', password: 'admin', keytab: '/path/to/keytab', kerberosConfig: '<config>', realm: 'tst.com' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL GSSAPI/password + TLS missing realm',
    metadata: {},
    authParams: { sasl: 'gssapi', username: 'admin', password: 'admin', kerberosConfig: '<config>', tls: 'enable', ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL GSSAPI/keytab + TLS missing username',
    metadata: {},
    authParams: {
      sasl: 'gssapi',
      keytab: '/path/to/keytab',
      kerberosConfig: '<config>',
      realm: 'tst.com',
      tls: 'enable',
      ca: 'caaa',
      cert: 'ceert',
      key: 'keey',
    },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'success, SASL GSSAPI/disableFast',
    metadata: {},
    authParams: { sasl: 'gssapi', username: 'admin', keytab: '/path/to/keytab', kerberosConfig: '<config>', realm: 'tst.com', kerberosDisableFAST: 'true' },
    isError: false,
    enableTLS: false,
    updraft: 'refused at parse: Updraft has no Kerberos (GSSAPI) client; KEDA accepts it',
  },
  {
    name: 'failure, SASL GSSAPI/disableFast incorrect',
    metadata: {},
    authParams: { sasl: 'gssapi', username: 'admin', keytab: '/path/to/keytab', kerberosConfig: '<config>', realm: 'tst.com', kerberosDisableFAST: 'notabool' },
    isError: true,
    enableTLS: false,
  },
  { name: 'success, SASL none', metadata: {}, authParams: { sasl: 'none' }, isError: false, enableTLS: false },
];

const kedaOAuthRows: AuthRow[] = [
  {
    name: 'success, SASL OAUTHBEARER + TLS',
    metadata: {},
    authParams: { sasl: 'oauthbearer', username: 'admin', password: 'admin', scopes: 'scope', oauthTokenEndpointUri: 'https://website.com', tls: 'disable' },
    isError: false,
    enableTLS: false,
  },
  {
    name: 'success, SASL OAUTHBEARER + tokenProvider + TLS',
    metadata: {},
    authParams: {
      sasl: 'oauthbearer',
      saslTokenProvider: 'bearer',
      username: 'admin',
      password: 'admin',
      scopes: 'scope',
      oauthTokenEndpointUri: 'https://website.com',
      tls: 'disable',
    },
    isError: false,
    enableTLS: false,
  },
  {
    name: 'success, SASL OAUTHBEARER + TLS multiple scopes',
    metadata: {},
    authParams: {
      sasl: 'oauthbearer',
      username: 'admin',
      password: 'admin',
      scopes: 'scope1, scope2',
      oauthTokenEndpointUri: 'https://website.com',
      tls: 'disable',
    },
    isError: false,
    enableTLS: false,
  },
  {
    name: 'success, SASL OAUTHBEARER + TLS missing scope',
    metadata: {},
    authParams: { sasl: 'oauthbearer', username: 'admin', password: 'admin', oauthTokenEndpointUri: 'https://website.com', tls: 'disable' },
    isError: false,
    enableTLS: false,
  },
  {
    name: 'failure, SASL OAUTHBEARER + TLS bad sasl type',
    metadata: {},
    authParams: { sasl: 'foo', username: 'admin', password: 'admin', scopes: 'scope', oauthTokenEndpointUri: 'https://website.com', tls: 'disable' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL OAUTHBEARER + TLS missing oauthTokenEndpointUri',
    metadata: {},
    authParams: { sasl: 'oauthbearer', username: 'admin', password: 'admin', scopes: 'scope', oauthTokenEndpointUri: '', tls: 'disable' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'success, SASL OAUTHBEARER + extension',
    metadata: {},
    authParams: {
      sasl: 'oauthbearer',
      username: 'admin',
      password: 'admin',
      scopes: 'scope',
      oauthTokenEndpointUri: 'https://website.com',
      tls: 'disable',
      oauthExtensions: 'extension_foo=bar',
    },
    isError: false,
    enableTLS: false,
  },
  {
    name: 'success, SASL OAUTHBEARER + multiple extensions',
    metadata: {},
    authParams: {
      sasl: 'oauthbearer',
      username: 'admin',
      password: 'admin',
      scopes: 'scope',
      oauthTokenEndpointUri: 'https://website.com',
      tls: 'disable',
      oauthExtensions: 'extension_foo=bar,extension_baz=baz',
    },
    isError: false,
    enableTLS: false,
  },
  {
    name: 'failure, SASL OAUTHBEARER + bad extension',
    metadata: {},
    authParams: {
      sasl: 'oauthbearer',
      username: 'admin',
      password: 'admin',
      scopes: 'scope',
      oauthTokenEndpointUri: 'https://website.com',
      tls: 'disable',
      oauthExtensions: 'extension_foo=bar,extension_bazbaz',
    },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'success, SASL OAUTHBEARER MSK + TLS + Credentials',
    metadata: { awsRegion: 'eu-west-1' },
    authParams: { sasl: 'oauthbearer', saslTokenProvider: 'aws_msk_iam', tls: 'enable', awsAccessKeyID: 'none', awsSecretAccessKey: 'none' },
    isError: false,
    enableTLS: true,
  },
  {
    name: 'success, SASL OAUTHBEARER MSK + TLS + Role',
    metadata: { awsRegion: 'eu-west-1' },
    authParams: { sasl: 'oauthbearer', saslTokenProvider: 'aws_msk_iam', tls: 'enable', awsRegion: 'eu-west-1', awsRoleArn: 'none' },
    isError: false,
    enableTLS: true,
  },
  {
    name: 'failure, SASL OAUTHBEARER MSK + no TLS',
    metadata: {},
    authParams: { sasl: 'oauthbearer', saslTokenProvider: 'aws_msk_iam', tls: 'disable' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL OAUTHBEARER MSK + TLS + no region',
    metadata: {},
    authParams: { sasl: 'oauthbearer', saslTokenProvider: 'aws_msk_iam', tls: 'enable', awsRegion: '' },
    isError: true,
    enableTLS: true,
  },
  {
    name: 'failure, SASL OAUTHBEARER MSK + TLS + no credentials',
    metadata: {},
    authParams: { sasl: 'oauthbearer', saslTokenProvider: 'aws_msk_iam', tls: 'enable', awsRegion: 'eu-west-1' },
    isError: true,
    enableTLS: true,
  },
];

const kedaScaledObjectAuthRows: AuthRow[] = [
  {
    name: 'success, SASL plaintext',
    metadata: {
      sasl: 'plaintext',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', password: 'admin' },
    isError: false,
    enableTLS: false,
  },
  {
    name: 'success, SASL scram_sha256',
    metadata: {
      sasl: 'scram_sha256',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', password: 'admin' },
    isError: false,
    enableTLS: false,
  },
  {
    name: 'success, SASL scram_sha512',
    metadata: {
      sasl: 'scram_sha512',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', password: 'admin' },
    isError: false,
    enableTLS: false,
  },
  {
    name: 'success, TLS only',
    metadata: { tls: 'enable', bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: { ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: false,
    enableTLS: true,
  },
  {
    name: 'success, TLS cert/key and assumed public CA',
    metadata: { tls: 'enable', bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: { cert: 'ceert', key: 'keey' },
    isError: false,
    enableTLS: true,
  },
  {
    name: 'success, TLS cert/key + key password and assumed public CA',
    metadata: { tls: 'enable', bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: { cert: 'ceert', key: 'keey', keyPassword: 'keeyPassword' },
    isError: false,
    enableTLS: true,
  },
  {
    name: 'success, TLS CA only',
    metadata: { tls: 'enable', bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: { ca: 'caaa' },
    isError: false,
    enableTLS: true,
  },
  {
    name: 'success, TLS CA only and unsafeSSL',
    metadata: {
      tls: 'enable',
      unsafeSsl: 'true',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { ca: 'caaa' },
    isError: false,
    enableTLS: true,
  },
  {
    name: 'success, SASL + TLS',
    metadata: {
      sasl: 'plaintext',
      tls: 'enable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', password: 'admin', ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: false,
    enableTLS: true,
  },
  {
    name: 'success, SASL + TLS explicitly disabled',
    metadata: {
      sasl: 'plaintext',
      tls: 'disable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', password: 'admin' },
    isError: false,
    enableTLS: false,
  },
  {
    name: 'success, SASL OAUTHBEARER + TLS explicitly disabled',
    metadata: {
      sasl: 'oauthbearer',
      tls: 'disable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', password: 'admin', scopes: 'scope', oauthTokenEndpointUri: 'https://website.com' },
    isError: false,
    enableTLS: false,
  },
  {
    name: 'success, SASL GSSAPI/password',
    metadata: { sasl: 'gssapi', bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: { username: 'admin', password: 'admin', kerberosConfig: '<config>', realm: 'test.com' },
    isError: false,
    enableTLS: false,
    updraft: 'refused at parse: Updraft has no Kerberos (GSSAPI) client; KEDA accepts it',
  },
  {
    name: 'success, SASL GSSAPI/password + TLS explicitly disabled',
    metadata: {
      sasl: 'gssapi',
      tls: 'disable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', password: 'admin', kerberosConfig: '<config>', realm: 'test.com' },
    isError: false,
    enableTLS: false,
    updraft: 'refused at parse: Updraft has no Kerberos (GSSAPI) client; KEDA accepts it',
  },
  {
    name: 'success, SASL GSSAPI/password + TLS',
    metadata: {
      sasl: 'gssapi',
      tls: 'disable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', password: 'admin', kerberosConfig: '<config>', realm: 'test.com', ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: false,
    enableTLS: false,
    updraft: 'refused at parse: Updraft has no Kerberos (GSSAPI) client; KEDA accepts it',
  },
  {
    name: 'success, SASL GSSAPI/keytab',
    metadata: { sasl: 'gssapi', bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: { username: 'admin', keytab: '/path/to/keytab', kerberosConfig: '<config>', realm: 'test.com' },
    isError: false,
    enableTLS: false,
    updraft: 'refused at parse: Updraft has no Kerberos (GSSAPI) client; KEDA accepts it',
  },
  {
    name: 'success, SASL GSSAPI/keytab + TLS explicitly disabled',
    metadata: {
      sasl: 'gssapi',
      tls: 'disable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', keytab: '/path/to/keytab', kerberosConfig: '<config>', realm: 'test.com' },
    isError: false,
    enableTLS: false,
    updraft: 'refused at parse: Updraft has no Kerberos (GSSAPI) client; KEDA accepts it',
  },
  {
    name: 'success, SASL GSSAPI/keytab + TLS',
    metadata: {
      sasl: 'gssapi',
      tls: 'disable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', keytab: '/path/to/keytab', kerberosConfig: '<config>', realm: 'test.com', ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: false,
    enableTLS: false,
    updraft: 'refused at parse: Updraft has no Kerberos (GSSAPI) client; KEDA accepts it',
  },
  {
    name: 'failure, SASL OAUTHBEARER + TLS explicitly disable + bad SASL type',
    metadata: {
      sasl: 'foo',
      tls: 'disable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', password: 'admin', scopes: 'scope', oauthTokenEndpointUri: 'https://website.com' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'success, SASL OAUTHBEARER + TLS missing scope',
    metadata: {
      sasl: 'oauthbearer',
      tls: 'disable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', password: 'admin', oauthTokenEndpointUri: 'https://website.com' },
    isError: false,
    enableTLS: false,
  },
  {
    name: 'failure, SASL OAUTHBEARER + TLS missing oauthTokenEndpointUri',
    metadata: {
      sasl: 'oauthbearer',
      tls: 'disable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', password: 'admin', scopes: 'scope', oauthTokenEndpointUri: '' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL incorrect type',
    metadata: { sasl: 'foo', bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: { username: 'admin', password: 'admin' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL missing username',
    metadata: {
      sasl: 'plaintext',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { password: 'admin' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL missing password',
    metadata: {
      sasl: 'plaintext',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, TLS missing cert',
    metadata: { tls: 'enable', bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: { ca: 'caaa', key: 'keey' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, TLS missing key',
    metadata: { tls: 'enable', bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: { ca: 'caaa', cert: 'ceert' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, TLS invalid',
    metadata: { tls: 'random', bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: { ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL + TLS, incorrect SASL type',
    metadata: {
      sasl: 'foo',
      tls: 'enable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', password: 'admin', ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL + TLS, incorrect tls',
    metadata: {
      sasl: 'plaintext',
      tls: 'foo',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', password: 'admin', ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL + TLS, missing username',
    metadata: {
      sasl: 'plaintext',
      tls: 'enable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { password: 'admin', ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL + TLS, missing password',
    metadata: {
      sasl: 'plaintext',
      tls: 'enable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL + TLS, missing cert',
    metadata: {
      sasl: 'plaintext',
      tls: 'enable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', password: 'admin', ca: 'caaa', key: 'keey' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL + TLS, missing key',
    metadata: {
      sasl: 'plaintext',
      tls: 'enable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', password: 'admin', ca: 'caaa', cert: 'ceert' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL GSSAPI missing keytab and password',
    metadata: { sasl: 'gssapi', bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: { username: 'admin', realm: 'test.com' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL GSSAPI values in both keytab and password',
    metadata: {
      sasl: 'gssapi',
      tls: 'disable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', password: 'admin', keytab: '/path/to/keytab', realm: 'test.com' },
    isError: true,
    enableTLS: false,
  },
  {
    name: 'failure, SASL GSSAPI + TLS missing realm',
    metadata: {
      sasl: 'gssapi',
      tls: 'enable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', keytab: '/path/to/keytab', ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: true,
    enableTLS: true,
  },
  {
    name: 'failure, SASL GSSAPI + TLS missing username',
    metadata: {
      sasl: 'gssapi',
      tls: 'enable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { realm: 'test.com', keytab: '/path/to/keytab', ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: true,
    enableTLS: true,
  },
  {
    name: 'failure, SASL GSSAPI + TLS missing kerberosConfig',
    metadata: {
      sasl: 'gssapi',
      tls: 'enable',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { username: 'admin', realm: 'test.com', keytab: '/path/to/keytab', ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: true,
    enableTLS: true,
  },
  {
    name: 'success, setting SASL values in both places (triggerMetadata takes precedence)',
    metadata: {
      sasl: 'scram_sha512',
      bootstrapServers: 'foobar:9092',
      consumerGroup: 'my-group',
      topic: 'my-topic',
      allowIdleConsumers: 'true',
      version: '1.0.0',
    },
    authParams: { sasl: 'scram_sha512', username: 'admin', password: 'admin' },
    isError: false,
    enableTLS: false,
  },
  {
    name: 'success, setting TLS values in both places (triggerMetadata takes precedence)',
    metadata: { tls: 'enable', bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: { tls: 'enable', ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: false,
    enableTLS: true,
  },
  {
    name: 'success, setting SASL plaintext value with extra \\n in TriggerAuthentication',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: { sasl: 'plaintext\n', username: 'admin', password: 'admin' },
    isError: false,
    enableTLS: true,
  },
  {
    name: 'success, setting SASL plaintext value with extra space in TriggerAuthentication',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: { sasl: 'plaintext ', username: 'admin', password: 'admin' },
    isError: false,
    enableTLS: true,
  },
  {
    name: 'success, setting SASL scram_sha256 value with extra \\n in TriggerAuthentication',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: { sasl: 'scram_sha256\n', username: 'admin', password: 'admin' },
    isError: false,
    enableTLS: true,
  },
  {
    name: 'success, setting SASL scram_sha256 value with extra space in TriggerAuthentication',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: { sasl: 'scram_sha256 ', username: 'admin', password: 'admin' },
    isError: false,
    enableTLS: true,
  },
  {
    name: 'success, setting SASL scram_sha512 value with extra \\n in TriggerAuthentication',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: { sasl: 'scram_sha512\n', username: 'admin', password: 'admin' },
    isError: false,
    enableTLS: true,
  },
  {
    name: 'success, setting SASL scram_sha512 value with extra space in TriggerAuthentication',
    metadata: { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: { sasl: 'scram_sha512 ', username: 'admin', password: 'admin' },
    isError: false,
    enableTLS: true,
  },
  {
    name: 'success, SASL none',
    metadata: { sasl: 'none', bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', allowIdleConsumers: 'true', version: '1.0.0' },
    authParams: {},
    isError: false,
    enableTLS: false,
  },
];

describe("KEDA's metadata table (parseKafkaMetadataTestDataset, TestGetBrokers)", () => {
  for (const [i, r] of kedaMetadataRows.entries()) {
    test(`KEDA metadata row ${i}: ${r.name}`, () => {
      checkMetadataRow(r, validWithAuthParams);
      checkMetadataRow(r, {});
    });
  }
});

describe("KEDA's auth params in the TriggerAuthentication (parseKafkaAuthParamsTestDataset)", () => {
  for (const [i, r] of kedaAuthParamRows.entries()) test(`KEDA auth row ${i}: ${r.name}`, () => checkAuthRow(r, validKafkaMetadata));
});

describe("KEDA's OAUTHBEARER auth params (parseKafkaOAuthbearerAuthParamsTestDataset)", () => {
  for (const [i, r] of kedaOAuthRows.entries()) test(`KEDA oauthbearer row ${i}: ${r.name}`, () => checkAuthRow(r, validKafkaMetadata));
});

describe("KEDA's auth settings in the ScaledObject (parseAuthParamsTestDataset)", () => {
  for (const [i, r] of kedaScaledObjectAuthRows.entries()) test(`KEDA scaled object auth row ${i}: ${r.name}`, () => checkAuthRow(r, {}, false));
});

// KEDA kafkaMetricIdentifiers (TestKafkaGetMetricSpecForScaling).
const metricNameRows = [
  { row: 11, triggerIndex: 0, name: 's0-kafka-my-topic' },
  { row: 11, triggerIndex: 1, name: 's1-kafka-my-topic' },
  { row: 2, triggerIndex: 1, name: 's1-kafka-my-group-topics' },
] as const;
for (const m of metricNameRows) {
  test(`KEDA metric name: metadata row ${m.row}, trigger ${m.triggerIndex} is ${m.name}`, () => {
    const c = p(kedaMetadataRows[m.row].metadata, validWithAuthParams);
    const [spec] = descriptor.metricSpecs(c, m.triggerIndex);
    assert.equal(spec.metricName, m.name);
    assert.equal(spec.target, 10);
    assert.equal(spec.targetType, 'AverageValue');
  });
}

// KEDA TestKafkaClientsOAuthTokenProvider: the token provider each configuration gets.
test('KEDA token provider oauthbearer_bearer: client credentials against the token endpoint', () => {
  const c = p(
    { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', partitionLimitation: '1,2' },
    { sasl: 'oauthbearer', username: 'admin', password: 'admin', oauthTokenEndpointUri: 'https://website.com' },
  );
  assert.deepEqual(c.sasl, {
    kind: 'oauthbearer',
    provider: 'bearer',
    clientId: 'admin',
    clientSecret: 'admin',
    tokenUrl: 'https://website.com',
    scopes: [],
    extensions: {},
  });
});
test('KEDA token provider oauthbearer_aws_msk_iam: MSK IAM in the metadata region', () => {
  const c = p(
    { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', partitionLimitation: '1,2', tls: 'enable', awsRegion: 'eu-west-1' },
    { sasl: 'oauthbearer', saslTokenProvider: 'aws_msk_iam', awsRegion: 'eu-west-1', awsAccessKeyID: 'none', awsSecretAccessKey: 'none' },
  );
  assert.deepEqual(c.sasl, {
    kind: 'oauthbearer',
    provider: 'aws_msk_iam',
    awsRegion: 'eu-west-1',
    identity: { kind: 'keys', accessKeyId: 'none', secretAccessKey: 'none' },
  });
});

// KEDA TestKafkaClientConfigFullMetadata. Updraft asks metadata for the trigger's topics only either way; the
// setting is kept (and validated) so manifests carry over.
test('KEDA fullMetadata: default is true', () =>
  assert.equal(p({ bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic' }).fullMetadata, true));
test('KEDA fullMetadata: false is topic-scoped', () =>
  assert.equal(p({ bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', fullMetadata: 'false' }).fullMetadata, false));

/** A fake admin over a fixed cluster: topic → latest offsets, group → topic → committed offsets. */
function fakeAdmin(
  latest: Record<string, number[]>,
  committed: Record<string, Record<string, Record<number, number>>> = {},
): KafkaAdminLike & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async metadata({ topics }) {
      calls.push(`metadata ${topics.join(',')}`);
      return { topics: new Map(topics.filter((t) => latest[t]).map((t) => [t, { partitionsCount: latest[t].length }])) };
    },
    async listOffsets({ topics }) {
      calls.push('listOffsets');
      return topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((x) => ({ partitionIndex: x.partitionIndex, offset: BigInt(latest[t.name][x.partitionIndex]) })),
      }));
    },
    async listConsumerGroupOffsets({ groups }) {
      calls.push('listConsumerGroupOffsets');
      return groups.map((g) => {
        const id = typeof g === 'string' ? g : g.groupId;
        const byTopic = committed[id] ?? {};
        if (typeof g === 'string') {
          return {
            groupId: id,
            topics: Object.entries(byTopic).map(([name, parts]) => ({
              name,
              partitions: Object.entries(parts).map(([i, o]) => ({ partitionIndex: Number(i), committedOffset: BigInt(o) })),
            })),
          };
        }
        return {
          groupId: id,
          topics: (g.topics ?? []).map((t) => ({
            name: t.name,
            partitions: t.partitionIndexes.map((i) => ({ partitionIndex: i, committedOffset: BigInt(byTopic[t.name]?.[i] ?? -1) })),
          })),
        };
      });
    },
    async close() {},
  };
}

// KEDA TestGetTopicPartitions (the mock admin there numbers partitions from the given ids; Kafka's are 0..n-1).
const topicPartitionRows = [
  { name: 'success_all_partitions_explicit', partitionLimitation: '1,2', partitions: 3, want: [1, 2] },
  { name: 'success_partial_partitions_explicit', partitionLimitation: '1,2,3', partitions: 7, want: [1, 2, 3] },
  { name: 'success_all_partitions_implicit', partitionLimitation: '', partitions: 7, want: [0, 1, 2, 3, 4, 5, 6] },
] as const;
for (const r of topicPartitionRows) {
  test(`KEDA getTopicPartitions: ${r.name}`, async () => {
    const c = p(
      { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group', topic: 'my-topic', partitionLimitation: r.partitionLimitation },
      validWithAuthParams,
    );
    const got = await topicPartitions(c, fakeAdmin({ 'my-topic': new Array(r.partitions).fill(0) }));
    assert.deepEqual([...got.entries()], [['my-topic', r.want]]);
  });
}

// KEDA TestKafkaParsePartitionLimitation.
const partitionLimitationRows: Array<{ name: string; input: string; expected?: number[] }> = [
  { name: 'single value', input: '1', expected: [1] },
  { name: 'comma-separated list', input: '1,2,3,4', expected: [1, 2, 3, 4] },
  { name: 'list with whitespace around values', input: ' 1 , 2 , 3 ', expected: [1, 2, 3] },
  { name: 'simple range', input: '1-4', expected: [1, 2, 3, 4] },
  { name: 'single-element range (start == end)', input: '3-3', expected: [3] },
  { name: 'range with whitespace', input: ' 1 - 4 ', expected: [1, 2, 3, 4] },
  { name: 'mixed list and ranges', input: '1-4,8,10-12', expected: [1, 2, 3, 4, 8, 10, 11, 12] },
  { name: 'non-numeric value', input: 'a,b,c' },
  { name: 'invalid range: too many parts', input: '1-2-3' },
  { name: 'invalid range: non-numeric start', input: 'a-3' },
  { name: 'invalid range: non-numeric end', input: '1-b' },
];
for (const r of partitionLimitationRows) {
  test(`KEDA parsePartitionLimitation: ${r.name}`, () => {
    if (r.expected) assert.deepEqual(parsePartitionLimitation(r.input), r.expected);
    else assert.throws(() => parsePartitionLimitation(r.input), { name: 'ConfigError', message: /^kafka: invalid partition limitation/ });
  });
}

// KEDA TestFindFactors / TestGetNextFactor.
const factorRows = [
  [10, [1, 2, 5, 10]],
  [13, [1, 13]],
  [17, [1, 17]],
  [25, [1, 5, 25]],
  [50, [1, 2, 5, 10, 25, 50]],
  [100, [1, 2, 4, 5, 10, 20, 25, 50, 100]],
] as const;
for (const [n, want] of factorRows) test(`KEDA FindFactors(${n})`, () => assert.deepEqual(findFactors(n), want));
const nextFactorRows = [
  [10, 1],
  [20, 2],
  [40, 4],
  [50, 5],
  [99, 10],
  [100, 10],
  [101, 20],
] as const;
for (const [lag, want] of nextFactorRows)
  test(`KEDA next factor for lag ${lag} over 100 partitions, threshold 10`, () => assert.equal(nextBalancedFactor(lag, 100, 10), want));

// KEDA TestGetLagForPartition_MissingPartition.
const missingPartitionRows = [
  {
    name: 'Scenario 1: scaleToZeroOnInvalidOffset true, invalid consumer offset, missing partition',
    committed: INVALID_OFFSET,
    latest: undefined,
    policy: 'earliest',
    zero: true,
    want: [0, 0],
  },
  {
    name: 'Scenario 2: scaleToZeroOnInvalidOffset false, invalid consumer offset, missing partition',
    committed: INVALID_OFFSET,
    latest: undefined,
    policy: 'earliest',
    zero: false,
    want: [0, 0],
  },
  {
    name: 'Scenario 3: Valid consumer offset, missing partition in topicPartitionOffsets',
    committed: 100,
    latest: undefined,
    policy: 'earliest',
    zero: false,
    want: [0, 0],
  },
  { name: 'Control: Valid offsets, no missing partition', committed: 100, latest: 150, policy: 'earliest', zero: false, want: [50, 50] },
  {
    name: 'Control: Invalid consumer offset with latest policy and scaleToZeroOnInvalidOffset true',
    committed: INVALID_OFFSET,
    latest: 150,
    policy: 'latest',
    zero: true,
    want: [0, 0],
  },
] as const;
for (const r of missingPartitionRows) {
  test(`KEDA getLagForPartition: ${r.name}`, () => {
    const l = partitionLag(
      { offsetResetPolicy: r.policy, scaleToZeroOnInvalidOffset: r.zero, excludePersistentLag: false },
      'test-topic',
      0,
      r.committed,
      r.latest,
      new Map(),
    );
    assert.deepEqual([l.lag, l.lagWithPersistent], r.want);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Updraft's own checks: the value maths KEDA implements in getLagForPartition / getTotalLag.

const rules = (over: Partial<KafkaConfig> = {}) => ({
  offsetResetPolicy: 'latest' as const,
  scaleToZeroOnInvalidOffset: false,
  excludePersistentLag: false,
  lagThreshold: 10,
  allowIdleConsumers: false,
  limitToPartitionsWithLag: false,
  ensureEvenDistributionOfPartitions: false,
  ...over,
});
const offs = (rows: Array<[number, number]>, topic = 't'): PartitionOffsets[] =>
  rows.map(([latest, committed], partition) => ({ topic, partition, latest, committed }));

const lagRows: Array<{ name: string; rules: Partial<KafkaConfig>; offsets: Array<[number, number]>; want: [number, number, number] }> = [
  {
    name: 'lag is latest − committed, summed',
    rules: {},
    offsets: [
      [10, 4],
      [7, 7],
      [3, 0],
    ],
    want: [9, 9, 2],
  },
  {
    name: 'no committed offset, latest policy: 1 per partition',
    rules: {},
    offsets: [
      [50, -1],
      [50, -1],
    ],
    want: [2, 2, 2],
  },
  {
    name: 'no committed offset, latest policy, scaleToZeroOnInvalidOffset: 0',
    rules: { scaleToZeroOnInvalidOffset: true },
    offsets: [[50, -1]],
    want: [0, 0, 0],
  },
  {
    name: 'no committed offset, earliest policy: the whole partition (then capped at 2 partitions × 10)',
    rules: { offsetResetPolicy: 'earliest' },
    offsets: [
      [50, -1],
      [20, 5],
    ],
    want: [20, 65, 2],
  },
  {
    name: 'no committed offset, earliest policy, idle consumers allowed: uncapped',
    rules: { offsetResetPolicy: 'earliest', allowIdleConsumers: true },
    offsets: [
      [50, -1],
      [20, 5],
    ],
    want: [65, 65, 2],
  },
  {
    name: 'no committed offset, earliest policy, scaleToZeroOnInvalidOffset: 0',
    rules: { offsetResetPolicy: 'earliest', scaleToZeroOnInvalidOffset: true },
    offsets: [
      [50, -1],
      [20, 5],
    ],
    want: [15, 15, 1],
  },
  {
    name: 'capped at partitions × lagThreshold when idle consumers are not allowed',
    rules: {},
    offsets: [
      [100, 0],
      [100, 0],
      [0, 0],
    ],
    want: [30, 200, 2],
  },
  {
    name: 'the cap uses integer division (29/10 = 2 ≤ 3 partitions: not capped)',
    rules: {},
    offsets: [
      [29, 0],
      [0, 0],
      [0, 0],
    ],
    want: [29, 29, 1],
  },
  {
    name: 'allowIdleConsumers: no cap',
    rules: { allowIdleConsumers: true },
    offsets: [
      [100, 0],
      [100, 0],
      [0, 0],
    ],
    want: [200, 200, 2],
  },
  {
    name: 'limitToPartitionsWithLag: capped at the partitions with lag',
    rules: { limitToPartitionsWithLag: true },
    offsets: [
      [100, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ],
    want: [10, 100, 1],
  },
  {
    name: 'ensureEvenDistributionOfPartitions: rounded up to a factor of the partition count',
    rules: { ensureEvenDistributionOfPartitions: true },
    offsets: [
      [25, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ],
    want: [30, 25, 1],
  },
  {
    name: 'ensureEvenDistributionOfPartitions with no lag: factor 1 × threshold (KEDA)',
    rules: { ensureEvenDistributionOfPartitions: true },
    offsets: [
      [0, 0],
      [0, 0],
    ],
    want: [10, 0, 0],
  },
];
for (const r of lagRows) {
  test(`kafka total lag: ${r.name}`, () => {
    const t = totalLag(rules(r.rules), offs(r.offsets), new Map());
    assert.deepEqual([t.totalLag, t.totalLagWithPersistent, t.partitionsWithLag], r.want);
  });
}

test('kafka excludePersistentLag: a partition whose committed offset does not move counts 0 from the second read on, but still activates', () => {
  const previous: PreviousOffsets = new Map();
  const r = rules({ excludePersistentLag: true, allowIdleConsumers: true });
  assert.deepEqual(
    totalLag(
      r,
      offs([
        [10, 2],
        [5, 1],
      ]),
      previous,
    ).totalLag,
    12,
  );
  const second = totalLag(
    r,
    offs([
      [11, 2],
      [6, 3],
    ]),
    previous,
  );
  assert.equal(second.totalLag, 3, 'partition 0 stuck at 2: excluded; partition 1 moved 1→3: 6−3');
  assert.equal(second.totalLagWithPersistent, 12, 'activation still sees 9 + 3');
  assert.equal(
    totalLag(
      r,
      offs([
        [11, 4],
        [6, 3],
      ]),
      previous,
    ).totalLag,
    7,
    'partition 0 moved again; partition 1 now stuck',
  );
});

test('kafka topicPartitions: no topic reads every topic the group committed to; none is an empty set', async () => {
  const admin = fakeAdmin({ a: [5, 5], b: [1] }, { g: { a: { 0: 1 }, b: { 0: 0 } } });
  const c = p({ bootstrapServers: 'k:9092', consumerGroup: 'g' });
  assert.deepEqual(
    [...(await topicPartitions(c, admin)).entries()],
    [
      ['a', [0, 1]],
      ['b', [0]],
    ],
  );
  assert.deepEqual([...(await topicPartitions(p({ bootstrapServers: 'k:9092', consumerGroup: 'nobody' }), admin)).entries()], []);
});

test('kafka topicPartitions: an unknown topic and a partitionLimitation matching nothing are bad-query errors', async () => {
  const admin = fakeAdmin({ a: [5, 5] });
  await assert.rejects(topicPartitions(p({ bootstrapServers: 'k:9092', consumerGroup: 'g', topic: 'nope' }), admin), {
    name: 'ReadError',
    kind: 'bad-query',
    message: "kafka: topic 'nope' not found",
  });
  await assert.rejects(topicPartitions(p({ bootstrapServers: 'k:9092', consumerGroup: 'g', topic: 'a', partitionLimitation: '7' }), admin), {
    kind: 'bad-query',
    message: /expected at least one active partition within the topic 'a'/,
  });
});

test('kafka readOffsets: latest and committed per partition (committed -1 when the group has none)', async () => {
  const admin = fakeAdmin({ a: [5, 9, 0] }, { g: { a: { 0: 2 } } });
  const c = p({ bootstrapServers: 'k:9092', consumerGroup: 'g', topic: 'a' });
  assert.deepEqual(await readOffsets(c, admin, await topicPartitions(c, admin)), [
    { topic: 'a', partition: 0, latest: 5, committed: 2 },
    { topic: 'a', partition: 1, latest: 9, committed: -1 },
    { topic: 'a', partition: 2, latest: 0, committed: -1 },
  ]);
  assert.deepEqual(await readOffsets(c, admin, new Map()), []);
});

test('kafka reader: value, KEDA activation on the lag including persistent lag, pool-free with an injected admin', async () => {
  const admin = fakeAdmin({ a: [30, 0] }, { g: { a: { 0: 0, 1: 0 } } });
  const c = p({ bootstrapServers: '127.0.0.1:9092', consumerGroup: 'g', topic: 'a', activationLagThreshold: '29' });
  const specs = descriptor.metricSpecs(c, 0);
  const { createKafkaReader } = await import('./kafka.ts');
  const reader = createKafkaReader(
    c,
    {
      trigger: { type: 'kafka', metadata: {}, useCachedMetrics: false },
      triggerIndex: 0,
      namespace: 'n',
      objectName: 'o',
      objectKind: 'ScaledObject',
      metricSpecs: specs,
      activationThreshold: 29,
      httpTimeoutMs: 3000,
    },
    admin,
  );
  assert.deepEqual(await reader.read(new AbortController().signal), { metrics: [{ name: 's0-kafka-a', value: 20 }], active: true });
  await reader.close();
});

// ---- parse details ----

test('kafka parse: defaults', () => {
  const c = p({ bootstrapServers: 'a:9092, b:9092', consumerGroup: 'g' });
  assert.deepEqual(c, {
    bootstrapServers: ['a:9092', 'b:9092'],
    consumerGroup: 'g',
    topic: '',
    lagThreshold: 10,
    activationLagThreshold: 0,
    offsetResetPolicy: 'latest',
    allowIdleConsumers: false,
    excludePersistentLag: false,
    scaleToZeroOnInvalidOffset: false,
    limitToPartitionsWithLag: false,
    ensureEvenDistributionOfPartitions: false,
    fullMetadata: true,
    sasl: { kind: 'none' },
  });
});

test('kafka parse: bootstrapServers, consumerGroup and topic from the env (xxxFromEnv)', () => {
  const c = p({ bootstrapServersFromEnv: 'B', consumerGroupFromEnv: 'G', topicFromEnv: 'T' }, {}, { B: 'k1:9092,k2:9092', G: 'grp', T: 'top' });
  assert.deepEqual([c.bootstrapServers, c.consumerGroup, c.topic], [['k1:9092', 'k2:9092'], 'grp', 'top']);
});

const parseErrors: Array<[string, Record<string, string>, Record<string, string>, RegExp]> = [
  ['bootstrapServers is required', { consumerGroup: 'g' }, {}, /^kafka: missing required parameter "bootstrapServers" in \[triggerMetadata resolvedEnv\]/],
  ['lagThreshold must be positive', { bootstrapServers: 'k:1', consumerGroup: 'g', lagThreshold: '0' }, {}, /"lagThreshold" must be positive number, got '0'/],
  [
    'activationLagThreshold must not be negative',
    { bootstrapServers: 'k:1', consumerGroup: 'g', activationLagThreshold: '-1' },
    {},
    /"activationLagThreshold" must be a non-negative number/,
  ],
  [
    'offsetResetPolicy is latest or earliest',
    { bootstrapServers: 'k:1', consumerGroup: 'g', offsetResetPolicy: 'none' },
    {},
    /offsetResetPolicy must be one of latest, earliest, got 'none'/,
  ],
  ['a bad version', { bootstrapServers: 'k:1', consumerGroup: 'g', version: '1.2.3.4' }, {}, /error parsing kafka version: invalid version '1.2.3.4'/],
  [
    'gssapi is refused (Updraft has no Kerberos)',
    { bootstrapServers: 'k:1', consumerGroup: 'g', sasl: 'gssapi' },
    { username: 'u', password: 'p', realm: 'r', kerberosConfig: 'c' },
    /sasl gssapi \(Kerberos\) is not supported by Updraft/,
  ],
  [
    'an OAuth token endpoint must be http(s)',
    { bootstrapServers: 'k:1', consumerGroup: 'g', sasl: 'oauthbearer' },
    { username: 'u', password: 'p', oauthTokenEndpointUri: 'file:///etc/passwd' },
    /oauthTokenEndpointUri must be an http\(s\) URL/,
  ],
  [
    'a bootstrap server on the metadata address is refused',
    { bootstrapServers: '169.254.169.254:9092', consumerGroup: 'g' },
    {},
    /bootstrapServers must not point at a cloud metadata or link-local address/,
  ],
  [
    'MSK IAM needs TLS',
    { bootstrapServers: 'k:1', consumerGroup: 'g', sasl: 'oauthbearer', saslTokenProvider: 'aws_msk_iam', awsRegion: 'eu-west-1', identityOwner: 'operator' },
    {},
    /TLS is required for AWS MSK authentication/,
  ],
  [
    'MSK IAM needs an identity',
    { bootstrapServers: 'k:1', consumerGroup: 'g', sasl: 'oauthbearer', saslTokenProvider: 'aws_msk_iam', awsRegion: 'eu-west-1', tls: 'enable' },
    {},
    /awsAccessKeyID not found/,
  ],
];
for (const [name, md, auth, message] of parseErrors) {
  test(`kafka parse error: ${name}`, () => assert.throws(() => p(md, auth), { name: 'ConfigError', message }));
}

test('kafka parse: a missing SASL password never shows the username-side secrets; a bad auth value is not echoed', () => {
  assert.throws(() => p({ bootstrapServers: 'k:1', consumerGroup: 'g' }, { sasl: 'scram_sha512', username: 'u' }), { message: /no password given/ });
  assert.throws(
    () => p({ bootstrapServers: 'k:1', consumerGroup: 'g' }, { sasl: 'hunter2-secret' }),
    (e: Error) => /sasl must be one of/.test(e.message) && !e.message.includes('hunter2'),
  );
});

test('kafka parse offline: SASL credentials from an unknown TriggerAuthentication are not an error', () => {
  const offline = { authUnknown: true, envUnknown: true, notes: [] as string[] };
  const c = parse({ metadata: { bootstrapServers: 'k:1', consumerGroup: 'g', sasl: 'scram_sha256' }, authParams: {}, resolvedEnv: {}, offline });
  assert.equal(c.sasl.kind, 'scram_sha256');
});

test('kafka version grammar (sarama ParseKafkaVersion)', () => {
  assert.deepEqual(['1.0.0', '2.8.1', '0.11.0.2', '3.7.0'].map(validKafkaVersion), [true, true, true, true]);
  assert.deepEqual(['1.2.3.4', '0.11.0', 'v2', '2.8'].map(validKafkaVersion), [false, false, false, false]);
});

test('kafka hostOf: host:port, [v6]:port, bare host', () => {
  assert.deepEqual(['k:9092', '[::1]:9092', 'broker', '10.0.0.1:9092'].map(hostOf), ['k', '[::1]', 'broker', '10.0.0.1']);
});

test('kafka pool key: same cluster + credentials share, a different password does not, and no secret is in the key', () => {
  const md = { bootstrapServers: 'b:9092,a:9092', consumerGroup: 'g1' };
  const k1 = kafkaPoolKey(p(md, { sasl: 'scram_sha512', username: 'u', password: 'secret-one' }));
  const k2 = kafkaPoolKey(
    p({ ...md, consumerGroup: 'g2', topic: 'x', bootstrapServers: 'a:9092,b:9092' }, { sasl: 'scram_sha512', username: 'u', password: 'secret-one' }),
  );
  const k3 = kafkaPoolKey(p(md, { sasl: 'scram_sha512', username: 'u', password: 'secret-two' }));
  assert.equal(k1, k2);
  assert.notEqual(k1, k3);
  assert.ok(!k1.includes('secret-one'));
  const tlsKey = kafkaPoolKey(p({ ...md, tls: 'enable' }, { ca: 'CA-PEM', cert: 'CERT', key: 'PRIVATE-KEY', keyPassword: 'kp-secret' }));
  assert.ok(!/PRIVATE-KEY|kp-secret/.test(tlsKey));
});

// ---- errors in the user's terms ----

const errorRows: Array<[string, unknown, ReadError['kind'], RegExp]> = [
  [
    'SASL failure',
    {
      code: 'PLT_KFK_MULTIPLE',
      errors: [
        {
          code: 'PLT_KFK_NETWORK',
          cause: { code: 'PLT_KFK_AUTHENTICATION', message: 'SASL authentication failed.', cause: { errors: [{ apiId: 'SASL_AUTHENTICATION_FAILED' }] } },
        },
      ],
    },
    'auth',
    /the broker refused: SASL_AUTHENTICATION_FAILED/,
  ],
  ['authentication without an API code', { code: 'PLT_KFK_AUTHENTICATION', message: 'x' }, 'auth', /SASL authentication failed/],
  ['group authorization', { errors: [{ apiId: 'GROUP_AUTHORIZATION_FAILED' }] }, 'auth', /GROUP_AUTHORIZATION_FAILED/],
  [
    'connection refused',
    { code: 'PLT_KFK_MULTIPLE', errors: [{ code: 'PLT_KFK_NETWORK', cause: { code: 'ECONNREFUSED' } }] },
    'unreachable',
    /cannot connect to the brokers \(ECONNREFUSED\)/,
  ],
  [
    'TLS verification',
    { code: 'PLT_KFK_NETWORK', cause: { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' } },
    'auth',
    /TLS handshake failed: UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
  ],
  ['unknown topic', { code: 'PLT_KFK_USER', message: 'Unknown topic x.' }, 'bad-query', /Unknown topic x/],
  ['timeout', { code: 'PLT_KFK_TIMEOUT', message: 't' }, 'timeout', /did not answer in time/],
  ['another broker error', { errors: [{ apiId: 'COORDINATOR_NOT_AVAILABLE' }] }, 'other', /broker error COORDINATOR_NOT_AVAILABLE/],
];
for (const [name, e, kind, message] of errorRows) {
  test(`kafka read error: ${name} is ${kind}`, () => {
    const r = kafkaReadError(e, "consumer group 'g'");
    assert.equal(r.kind, kind);
    assert.match(r.message, message);
    assert.match(r.message, /^kafka: consumer group 'g': /);
  });
}

// ---- AWS MSK IAM token ----

const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'IQoJb3JpZ2luX2VjE+/=session' };

/** SigV4 query signing written from AWS's specification (docs: "Create a signed AWS API request"), independent of the SDK signer. */
async function expectedSignature(url: URL, secret: string, region: string): Promise<string> {
  const { createHash, createHmac } = await import('node:crypto');
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const params = [...url.searchParams.entries()]
    .filter(([k]) => k !== 'X-Amz-Signature' && k !== 'User-Agent')
    .map(([k, v]) => [enc(k), enc(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonical = [
    'GET',
    '/',
    params.map(([k, v]) => `${k}=${v}`).join('&'),
    `host:${url.host}`,
    '',
    'host',
    createHash('sha256').update('').digest('hex'),
  ].join('\n');
  const date = url.searchParams.get('X-Amz-Date')!;
  const scope = `${date.slice(0, 8)}/${region}/kafka-cluster/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let k: Buffer = createHmac('sha256', `AWS4${secret}`).update(date.slice(0, 8)).digest();
  for (const part of [region, 'kafka-cluster', 'aws4_request']) k = createHmac('sha256', k).update(part).digest();
  return createHmac('sha256', k).update(toSign).digest('hex');
}

test('kafka MSK IAM token: base64url (no padding) of a SigV4-presigned kafka-cluster:Connect URL, as the AWS MSK signers make it', async () => {
  const now = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
  const signer = new SigV4Signer('kafka-cluster', 'eu-west-1', async () => creds);
  const t = await mskIamToken('eu-west-1', signer, now);
  assert.match(t.token, /^[A-Za-z0-9_-]+$/);
  assert.equal(t.expiresAt, now.getTime() + 900_000);
  const url = new URL(Buffer.from(t.token, 'base64url').toString('utf8'));
  assert.equal(`${url.protocol}//${url.host}${url.pathname}`, 'https://kafka.eu-west-1.amazonaws.com/');
  const q = Object.fromEntries(url.searchParams);
  assert.deepEqual(Object.keys(q).sort(), [
    'Action',
    'User-Agent',
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-Date',
    'X-Amz-Expires',
    'X-Amz-Security-Token',
    'X-Amz-Signature',
    'X-Amz-SignedHeaders',
  ]);
  assert.equal([...url.searchParams.keys()].at(-1), 'User-Agent', 'added after signing');
  assert.equal(q.Action, 'kafka-cluster:Connect');
  assert.equal(q['X-Amz-Algorithm'], 'AWS4-HMAC-SHA256');
  assert.equal(q['X-Amz-Credential'], 'AKIDEXAMPLE/20240102/eu-west-1/kafka-cluster/aws4_request');
  assert.equal(q['X-Amz-Date'], '20240102T030405Z');
  assert.equal(q['X-Amz-Expires'], '900');
  assert.equal(q['X-Amz-Security-Token'], creds.sessionToken);
  assert.equal(q['X-Amz-SignedHeaders'], 'host');
  assert.equal(q['User-Agent'], MSK_USER_AGENT);
  assert.equal(q['X-Amz-Signature'], await expectedSignature(url, creds.secretAccessKey, 'eu-west-1'));
  // RFC 3986 escaping in the token's URL (':' and '/' escaped, as the AWS SDK's formatUrl).
  assert.match(Buffer.from(t.token, 'base64url').toString('utf8'), /Action=kafka-cluster%3AConnect&/);
});

test('kafka token cache: reused until a minute before expiry, one refresh for concurrent callers', async () => {
  let now = 0;
  let calls = 0;
  const get = cachedToken(
    async () => ({ token: `t${++calls}`, expiresAt: now + 900_000 }),
    () => now,
  );
  assert.deepEqual(await Promise.all([get(), get()]), ['t1', 't1']);
  now = 839_000;
  assert.equal(await get(), 't1');
  now = 841_000;
  assert.equal(await get(), 't2');
  assert.equal(calls, 2);
});

// ---- the pooled reader and the token providers, against loopback sockets (no broker) ----

const readerCtx = (c: KafkaConfig) => ({
  trigger: { type: 'kafka', metadata: {}, useCachedMetrics: false },
  triggerIndex: 0,
  namespace: 'n',
  objectName: 'o',
  objectKind: 'ScaledObject' as const,
  metricSpecs: descriptor.metricSpecs(c, 0),
  activationThreshold: 0,
  httpTimeoutMs: 3000,
});

async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const saslModes: Array<[string, Record<string, string>, Record<string, string>]> = [
  ['no SASL', {}, {}],
  ['SASL/PLAIN', { sasl: 'plaintext' }, { username: 'u', password: 'p' }],
  ['SCRAM-SHA-256', { sasl: 'scram_sha256' }, { username: 'u', password: 'p' }],
  ['SCRAM-SHA-512 over TLS (unsafeSsl)', { sasl: 'scram_sha512', tls: 'enable', unsafeSsl: 'true' }, { username: 'u', password: 'p', keyPassword: 'kp' }],
  ['OAUTHBEARER client credentials', { sasl: 'oauthbearer' }, { username: 'u', password: 'p', oauthTokenEndpointUri: 'http://127.0.0.1:1/token' }],
  [
    'OAUTHBEARER AWS MSK IAM',
    { sasl: 'oauthbearer', saslTokenProvider: 'aws_msk_iam', tls: 'enable', awsRegion: 'eu-west-1' },
    { awsAccessKeyID: 'AKID', awsSecretAccessKey: 's' },
  ],
];
for (const [name, md, auth] of saslModes) {
  test(`kafka pooled reader (${name}): one client per key, an unreachable cluster is an error of its own kind, released on close`, async () => {
    const { createKafkaReader, kafkaClientPoolSize, loadClients } = await import('./kafka.ts');
    await loadClients();
    const c = p({ bootstrapServers: `127.0.0.1:${await closedPort()}`, consumerGroup: 'g', topic: 't', ...md }, auth);
    const before = kafkaClientPoolSize();
    const a = createKafkaReader(c, readerCtx(c));
    const b = createKafkaReader(c, readerCtx(c));
    assert.equal(kafkaClientPoolSize(), before + 1);
    const e = await a.read(AbortSignal.timeout(15_000)).then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.ok(e instanceof ReadError, String(e));
    assert.ok(['unreachable', 'auth', 'other'].includes(e.kind), `${e.kind}: ${e.message}`);
    assert.match(e.message, /^kafka: consumer group 'g' on topic 't' at 127\.0\.0\.1:\d+: /);
    assert.ok(!/\bp\b|kp|AKID:s/.test(e.message.replace(/^kafka: consumer group 'g' on topic 't' at 127\.0\.0\.1:\d+: /, '')), e.message);
    await a.close();
    await a.close();
    assert.equal(kafkaClientPoolSize(), before + 1);
    await b.close();
    assert.equal(kafkaClientPoolSize(), before);
  });
}

test('kafka reader: an aborted read is a timeout', async () => {
  const { createKafkaReader } = await import('./kafka.ts');
  const c = p({ bootstrapServers: '127.0.0.1:9092', consumerGroup: 'g', topic: 'a' });
  const never: KafkaAdminLike = { ...fakeAdmin({}), metadata: () => new Promise(() => undefined) };
  const reader = createKafkaReader(c, readerCtx(c), never);
  const ac = new AbortController();
  const pending = reader.read(ac.signal);
  ac.abort();
  await assert.rejects(pending, { name: 'ReadError', kind: 'timeout' });
  await assert.rejects(reader.read(ac.signal), { kind: 'timeout' });
});

test('kafka readOffsets: a partition missing from the group answer is an error (KEDA: no offset block)', async () => {
  const admin = fakeAdmin({ a: [5, 5] });
  const c = p({ bootstrapServers: 'k:9092', consumerGroup: 'g', topic: 'a' });
  const broken: KafkaAdminLike = {
    ...admin,
    listConsumerGroupOffsets: async () => [
      { groupId: 'g', topics: [] },
      { groupId: 'other', topics: [] },
    ],
  };
  await assert.rejects(readOffsets(c, broken, new Map([['a', [0, 1]]])), { kind: 'other', message: /error finding offset block for topic a and partition 0/ });
});

test('kafka read error: a ReadError wrapped in the client SASL errors comes out as it is', () => {
  const inner = new ReadError('auth', 'kafka: OAuth token endpoint http://idp/token refused the client credentials (HTTP 401)');
  assert.equal(
    kafkaReadError({ code: 'PLT_KFK_MULTIPLE', errors: [{ code: 'PLT_KFK_NETWORK', cause: { code: 'PLT_KFK_AUTHENTICATION', cause: inner } }] }, 'x'),
    inner,
  );
  assert.equal(kafkaReadError(inner, 'x'), inner);
  const other = kafkaReadError(new Error('boom'), 'x');
  assert.deepEqual([other.kind, other.message], ['other', 'kafka: x: boom']);
});

describe('kafka OAuth client-credentials token endpoint', () => {
  const serve = async (handler: (req: import('node:http').IncomingMessage, body: string) => [number, string]) => {
    const { createServer } = await import('node:http');
    const srv = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const [status, text] = handler(req, body);
        res.writeHead(status, { 'content-type': 'application/json' }).end(text);
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return {
      url: `http://127.0.0.1:${(srv.address() as { port: number }).port}/oauth2/token?tenant=x`,
      close: () => new Promise<void>((r) => srv.close(() => r())),
    };
  };
  const bearer = (tokenUrl: string, over: Record<string, string> = {}) => {
    const c = p(
      { bootstrapServers: 'k:9092', consumerGroup: 'g', sasl: 'oauthbearer' },
      {
        username: 'id:1',
        password: 's&cret',
        oauthTokenEndpointUri: tokenUrl,
        scopes: 'a, b',
        oauthExtensions: 'logicalCluster=lkc-1,identityPoolId=pool-2',
        ...over,
      },
    );
    assert.ok(c.sasl.kind === 'oauthbearer' && c.sasl.provider === 'bearer');
    return c.sasl;
  };
  test('POSTs grant_type=client_credentials with HTTP Basic (form-escaped id and secret) and the scopes; expires_in sets the expiry', async () => {
    const { fetchClientCredentialsToken } = await import('./kafka.ts');
    let seen: { auth?: string; body: string; type?: string } = { body: '' };
    const s = await serve((req, body) => {
      seen = { auth: req.headers.authorization, body, type: req.headers['content-type'] };
      return [200, '{"access_token":"tok-1","expires_in":120}'];
    });
    try {
      const sasl = bearer(s.url);
      assert.deepEqual(sasl.extensions, { logicalCluster: 'lkc-1', identityPoolId: 'pool-2' });
      const t = await fetchClientCredentialsToken(sasl, () => 1000);
      assert.deepEqual(t, { token: 'tok-1', expiresAt: 121_000 });
      assert.equal(seen.auth, `Basic ${Buffer.from('id%3A1:s%26cret').toString('base64')}`);
      assert.equal(seen.type, 'application/x-www-form-urlencoded');
      assert.deepEqual(Object.fromEntries(new URLSearchParams(seen.body)), { grant_type: 'client_credentials', scope: 'a b' });
    } finally {
      await s.close();
    }
  });
  const failures: Array<[string, number, string, ReadError['kind'], RegExp]> = [
    ['401 is auth', 401, '{"error":"invalid_client"}', 'auth', /refused the client credentials \(HTTP 401\)/],
    ['500 is other', 500, 'oops', 'other', /answered HTTP 500/],
    ['non-JSON', 200, '<html>', 'other', /did not answer JSON/],
    ['no access_token', 200, '{"token_type":"Bearer"}', 'other', /without an access_token/],
  ];
  for (const [name, status, text, kind, message] of failures) {
    test(`token endpoint failure: ${name}, and no secret or query string in the message`, async () => {
      const { fetchClientCredentialsToken } = await import('./kafka.ts');
      const s = await serve(() => [status, text]);
      try {
        const e = await fetchClientCredentialsToken(bearer(s.url)).then(
          () => undefined,
          (x: unknown) => x,
        );
        assert.ok(e instanceof ReadError);
        assert.equal(e.kind, kind);
        assert.match(e.message, message);
        assert.ok(!e.message.includes('s&cret') && !e.message.includes('tenant=x'), e.message);
      } finally {
        await s.close();
      }
    });
  }
  test('an unreachable token endpoint is unreachable; a default lifetime of an hour without expires_in', async () => {
    const { fetchClientCredentialsToken } = await import('./kafka.ts');
    await assert.rejects(fetchClientCredentialsToken(bearer(`http://127.0.0.1:${await closedPort()}/t`)), {
      kind: 'unreachable',
      message: /OAuth token endpoint http:\/\/127\.0\.0\.1:\d+\/t: /,
    });
    const s = await serve(() => [200, '{"access_token":"t"}']);
    try {
      assert.equal((await fetchClientCredentialsToken(bearer(s.url), () => 0)).expiresAt, 3_600_000);
    } finally {
      await s.close();
    }
  });
});
