// `aws-dynamodb`: scale on the number of items a DynamoDB Query matches (KEDA pkg/scalers/aws_dynamodb_scaler.go):
// the Query's Count, one Query per poll.
import type { AttributeValue, QueryCommand, QueryCommandInput, QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import type { AwsIdentity } from '../auth/aws-credentials.ts';
import { truncate } from '../api/problem.ts';
import { httpUrlParam } from './common/address-policy.ts';
import { AWS_IDENTITY_KEYS, awsScaler, triggerAwsIdentity } from './common/aws-scaler.ts';
import { lazyClient, lazyReader } from './common/lazy-client.ts';
import { externalMetricSpec } from './common/metric-target.ts';
import { int, resolveConfig, str } from './common/typed-config.ts';
import { ConfigError, defineScaler, ReadError, type ParseInput, type RawReading } from './scaler.ts';

export const TYPE = 'aws-dynamodb';

// ---- 1. the typed config, in KEDA's field order (awsDynamoDBMetadata): the first problem KEDA reports is ours ----

const fields = {
  tableName: str(),
  awsRegion: str({ order: ['triggerMetadata', 'authParams'] }),
  /** Overrides the DynamoDB endpoint (LocalStack, moto, DynamoDB Local, VPC endpoints). */
  awsEndpoint: str({ optional: true }),
  /** e.g. `#yr = :yyyy`; placeholders come from the two JSON maps below. */
  keyConditionExpression: str(),
  /** Query a local or global secondary index instead of the table. */
  indexName: str({ optional: true }),
  /** Target items per replica. KEDA's default -1 means "not given", an error (see parse). */
  targetValue: int({ optional: true }),
  /** Active when the count > activationTargetValue (strict). */
  activationTargetValue: int({ default: 0 }),
  /** Applied after the key condition; Count is the number of items that pass it. */
  filterExpression: str({ optional: true }),
  /** JSON object `{"#yr": "year"}`. */
  expressionAttributeNames: str(),
  /** JSON object of typed values `{":yyyy": {"N": "1994"}}`. */
  expressionAttributeValues: str(),
};

export interface AwsDynamodbConfig {
  tableName: string;
  awsRegion: string;
  awsEndpoint?: string;
  keyConditionExpression: string;
  indexName?: string;
  filterExpression?: string;
  targetValue: number;
  activationTargetValue: number;
  expressionAttributeNames: Record<string, string>;
  expressionAttributeValues: Record<string, AttributeValue>;
  identity: AwsIdentity;
}

// ---- 2. parse ----

/**
 * KEDA json2Map: a JSON object of strings, not empty. (KEDA decodes it as MongoDB extended JSON; for the objects
 * of strings this parameter holds, that is plain JSON.)
 */
export function parseAttributeNames(raw: string): Record<string, string> {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw namesError(`invalid expressionAttributeNames: ${(e as Error).message}; expected a JSON object such as {"#yr": "year"}, got '${truncate(raw)}'`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw namesError(
      `invalid expressionAttributeNames: expected a JSON object of "#placeholder": "attribute name" strings such as {"#yr": "year"}, got '${truncate(raw)}'`,
    );
  }
  if (Object.keys(v).length === 0) {
    throw namesError(`empty map: expressionAttributeNames needs at least one "#placeholder": "attribute name" pair`);
  }
  return { ...(v as Record<string, string>) };
}

function namesError(message: string): ConfigError {
  return new ConfigError(TYPE, 'expressionAttributeNames', `error parsing expressionAttributeNames: ${message}`);
}

function valuesError(message: string): ConfigError {
  return new ConfigError(TYPE, 'expressionAttributeValues', `error parsing expressionAttributeValues: ${message}`);
}

const VALUE_HINT = 'e.g. {":yyyy": {"N": "1994"}}; types S, N (a string), BOOL, B, L, M, NULL';

/** KEDA attributeValueFromInterface: one typed DynamoDB value from its JSON form `{"<type>": value}`. */
export function attributeValue(v: unknown, at: string): AttributeValue {
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw valuesError(`unsupported data type for attribute value at ${at} (${VALUE_HINT})`);
  }
  const entries = Object.entries(v);
  if (entries.length !== 1) {
    // KEDA takes whichever key Go's map iteration yields first (none: a nil value); Updraft asks for exactly one.
    throw valuesError(`invalid expressionAttributeValues: ${at} must have exactly one type key, got ${entries.length} (${VALUE_HINT})`);
  }
  const [dataType, val] = entries[0];
  const invalid = (what: string) => valuesError(`invalid expressionAttributeValues: ${at}.${dataType} must be ${what}`);
  switch (dataType) {
    case 'S':
      if (typeof val !== 'string') throw invalid('a string');
      return { S: val };
    case 'N':
      // KEDA: a JSON number is refused (it would lose precision); the number is given as a string.
      if (typeof val !== 'string') throw invalid('a string holding the number, e.g. "1994"');
      return { N: val };
    case 'BOOL':
      if (typeof val !== 'boolean') throw invalid('true or false');
      return { BOOL: val };
    case 'B':
      // KEDA sends the string's own bytes (not base64-decoded); so does Updraft.
      if (typeof val !== 'string') throw invalid('a string');
      return { B: new TextEncoder().encode(val) };
    case 'L':
      if (!Array.isArray(val)) throw invalid('a JSON array of typed values');
      return { L: val.map((x, i) => attributeValue(x, `${at}.L[${i}]`)) };
    case 'M':
      if (!val || typeof val !== 'object' || Array.isArray(val)) throw invalid('a JSON object of typed values');
      return { M: Object.fromEntries(Object.entries(val).map(([k, x]) => [k, attributeValue(x, `${at}.M.${k}`)])) };
    case 'NULL':
      return { NULL: true };
    default:
      throw valuesError(`unsupported data type for attribute value: ${truncate(dataType, 40)} at ${at} (${VALUE_HINT})`);
  }
}

/** KEDA json2DynamoMap: a JSON object of typed values (`null` is an empty map, as in Go). */
export function parseAttributeValues(raw: string): Record<string, AttributeValue> {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw valuesError(`${(e as Error).message}; expected a JSON object such as {":yyyy": {"N": "1994"}}, got '${truncate(raw)}'`);
  }
  if (v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw valuesError(`expected a JSON object such as {":yyyy": {"N": "1994"}}, got '${truncate(raw)}'`);
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, attributeValue(x, k)]));
}

export function parse(input: ParseInput): AwsDynamodbConfig {
  const c = resolveConfig(TYPE, fields, input);
  const expressionAttributeNames = parseAttributeNames(c.expressionAttributeNames);
  const expressionAttributeValues = parseAttributeValues(c.expressionAttributeValues);
  if (c.targetValue === undefined) {
    // KEDA waives this only for a ScaledObject with scalingModifiers (AsMetricSource); Updraft always asks.
    throw new ConfigError(TYPE, 'targetValue', 'no targetValue given; set metadata.targetValue (items per replica)');
  }
  if (c.targetValue <= 0) {
    // The HPA rejects a target of 0 (KEDA would fail later, creating the HPA); say so here.
    throw new ConfigError(TYPE, 'targetValue', `targetValue must be a positive number, got '${c.targetValue}'`);
  }
  if (c.awsEndpoint) httpUrlParam(TYPE, 'awsEndpoint', c.awsEndpoint, { example: 'http://localstack.localstack:4566' });
  const identity = triggerAwsIdentity(TYPE, input);
  return {
    tableName: c.tableName,
    awsRegion: c.awsRegion,
    ...(c.awsEndpoint ? { awsEndpoint: c.awsEndpoint } : {}),
    keyConditionExpression: c.keyConditionExpression,
    ...(c.indexName ? { indexName: c.indexName } : {}),
    ...(c.filterExpression ? { filterExpression: c.filterExpression } : {}),
    targetValue: c.targetValue,
    activationTargetValue: c.activationTargetValue,
    expressionAttributeNames,
    expressionAttributeValues,
    identity,
  };
}

// ---- 3. the reader ----

/** The Query a read sends: KEDA's, plus `Select: COUNT` (the same Count, without the items on the wire). */
export function queryInput(config: AwsDynamodbConfig): QueryCommandInput {
  return {
    TableName: config.tableName,
    KeyConditionExpression: config.keyConditionExpression,
    ExpressionAttributeNames: config.expressionAttributeNames,
    ExpressionAttributeValues: config.expressionAttributeValues,
    ...(config.filterExpression ? { FilterExpression: config.filterExpression } : {}),
    ...(config.indexName ? { IndexName: config.indexName } : {}),
    Select: 'COUNT',
  };
}

/** KEDA GetQueryMetrics: the Count of the first (only) page. */
export function queryCount(out: Pick<QueryCommandOutput, 'Count'>, tableName: string): number {
  const n = out.Count;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new ReadError('other', `${TYPE}: Query on table ${tableName} returned no Count`);
  return n;
}

/** The SDK, loaded by the first reader (common/lazy-client.ts). */
export const sdk = lazyClient('@aws-sdk/client-dynamodb', () => import('@aws-sdk/client-dynamodb'));

/** The part of DynamoDBClient the reader uses. */
export interface DynamodbLike {
  send(command: QueryCommand, options?: { abortSignal?: AbortSignal }): Promise<Pick<QueryCommandOutput, 'Count'>>;
}

export async function readQuery(config: AwsDynamodbConfig, db: DynamodbLike, name: string, signal: AbortSignal): Promise<RawReading> {
  const { QueryCommand } = await sdk.load();
  const out = await db.send(new QueryCommand(queryInput(config)), { abortSignal: signal });
  return { metrics: [{ name, value: queryCount(out, config.tableName) }] };
}

export const descriptor = defineScaler<AwsDynamodbConfig>({
  type: TYPE,
  fields,
  otherKeys: AWS_IDENTITY_KEYS,
  example: {
    metadata: {
      tableName: 'jobs',
      awsRegion: 'eu-west-1',
      keyConditionExpression: '#s = :s',
      expressionAttributeNames: '{"#s": "status"}',
      expressionAttributeValues: '{":s": {"S": "queued"}}',
      targetValue: '10',
      identityOwner: 'operator',
    },
  },
  parse,
  metricSpecs: (config, triggerIndex, metricType) => externalMetricSpec(triggerIndex, `aws-dynamodb-${config.tableName}`, config.targetValue, TYPE, metricType),
  activationThreshold: (config) => config.activationTargetValue,
  createReader: (config, ctx) =>
    lazyReader(TYPE, [sdk], () =>
      awsScaler({
        type: TYPE,
        ctx,
        config,
        service: 'dynamodb',
        makeClient: (cfg) => new (sdk.get().DynamoDBClient)({ ...cfg, maxAttempts: 1 }),
        operation: `Query on table ${config.tableName}${config.indexName ? ` index ${config.indexName}` : ''}`,
        read: (client, signal) => readQuery(config, client, ctx.metricSpecs[0].metricName, signal),
      }),
    ),
});
