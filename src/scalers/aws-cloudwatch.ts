// `aws-cloudwatch`: scale on a CloudWatch metric or Metrics Insights / math expression (KEDA
// pkg/scalers/aws_cloudwatch_scaler.go), read with GetMetricData.
import type { GetMetricDataCommand, MetricDataQuery, StandardUnit } from '@aws-sdk/client-cloudwatch';
import { type AwsIdentity } from '../auth/aws-credentials.ts';
import { httpUrlParam } from './common/address-policy.ts';
import { AWS_IDENTITY_KEYS, awsScaler, triggerAwsIdentity } from './common/aws-scaler.ts';
import { lazyClient, lazyReader } from './common/lazy-client.ts';
import { externalMetricSpec } from './common/metric-target.ts';
import { bool, float, int, resolveConfig, str } from './common/typed-config.ts';
import { ConfigError, defineScaler, ReadError, type ParseInput, type RawReading } from './scaler.ts';

export const TYPE = 'aws-cloudwatch';

// ---- 1. the typed config (defaults next to the fields) ----

const fields = {
  namespace: str({ optional: true }),
  metricName: str({ optional: true }),
  /** `;`-separated, same length as dimensionValue. */
  dimensionName: str({ optional: true }),
  dimensionValue: str({ optional: true }),
  /** Metrics Insights (`SELECT AVG(x) FROM ns`) or a metric math expression; when set, the metric fields are ignored. */
  expression: str({ optional: true }),
  /** HPA target (float). */
  targetMetricValue: float(),
  activationTargetMetricValue: float({ default: 0 }),
  /**
   * Value used when CloudWatch returns no datapoints. KEDA's source requires it although its docs say default 0;
   * Updraft defaults to 0 as documented, so manifests written from the docs work (docs/scalers.md).
   */
  minMetricValue: float({ default: 0 }),
  /** false: an empty result is an error instead of minMetricValue. */
  ignoreNullValues: bool({ default: true }),
  /** Seconds of history asked for; ≥ 0 and a multiple of metricStatPeriod. */
  metricCollectionTime: int({ default: 300 }),
  /** Any CloudWatch statistic (Average, Sum, Maximum, p95, tm99 …); not validated, as in KEDA. */
  metricStat: str({ default: 'Average' }),
  /** Seconds; 1, 5, 10, 30, 60 or a multiple of 60. */
  metricStatPeriod: int({ default: 300 }),
  metricUnit: str({ optional: true }),
  /** Seconds subtracted from now before the window is computed (for late-arriving datapoints). */
  metricEndTimeOffset: int({ default: 0 }),
  /** Cross-account observability: the account that owns the metric. */
  awsAccountId: str({ optional: true }),
  awsRegion: str({ order: ['triggerMetadata', 'authParams'] }),
  awsEndpoint: str({ optional: true }),
};

export type AwsCloudwatchQuery =
  | { kind: 'metric'; namespace: string; metricName: string; dimensions: Array<{ Name: string; Value: string }>; stat: string; unit?: string }
  | { kind: 'expression'; expression: string };

export interface AwsCloudwatchConfig {
  query: AwsCloudwatchQuery;
  targetMetricValue: number;
  activationTargetMetricValue: number;
  minMetricValue: number;
  ignoreNullValues: boolean;
  metricCollectionTime: number;
  metricStatPeriod: number;
  metricEndTimeOffset: number;
  awsAccountId?: string;
  awsRegion: string;
  awsEndpoint?: string;
  identity: AwsIdentity;
}

// ---- 2. parse ----

// The SDK's StandardUnit values, written out so parse does not load the SDK; the Record type makes tsc fail when a
// new SDK version adds a unit this list lacks.
const UNITS: Record<StandardUnit, true> = {
  Bits: true,
  'Bits/Second': true,
  Bytes: true,
  'Bytes/Second': true,
  Count: true,
  'Count/Second': true,
  Gigabits: true,
  'Gigabits/Second': true,
  Gigabytes: true,
  'Gigabytes/Second': true,
  Kilobits: true,
  'Kilobits/Second': true,
  Kilobytes: true,
  'Kilobytes/Second': true,
  Megabits: true,
  'Megabits/Second': true,
  Megabytes: true,
  'Megabytes/Second': true,
  Microseconds: true,
  Milliseconds: true,
  None: true,
  Percent: true,
  Seconds: true,
  Terabits: true,
  'Terabits/Second': true,
  Terabytes: true,
  'Terabytes/Second': true,
};
const STANDARD_UNITS = new Set<string>(Object.keys(UNITS));

function checkStatPeriod(p: number): void {
  // KEDA checkMetricStatPeriod: CloudWatch only stores high-resolution periods of 1/5/10/30/60 s.
  if (p < 1) throw new ConfigError(TYPE, 'metricStatPeriod', `metricStatPeriod can not be smaller than 1, got '${p}'`);
  if (p <= 60 && ![1, 5, 10, 30, 60].includes(p)) {
    throw new ConfigError(TYPE, 'metricStatPeriod', `metricStatPeriod up to 60 must be one of 1, 5, 10, 30, 60, got '${p}'`);
  }
  if (p > 60 && p % 60 !== 0) {
    throw new ConfigError(TYPE, 'metricStatPeriod', `metricStatPeriod above 60 must be a multiple of 60, got '${p}'`);
  }
}

export function parse(input: ParseInput): AwsCloudwatchConfig {
  const c = resolveConfig(TYPE, fields, input);
  let query: AwsCloudwatchQuery;
  if (c.expression) {
    query = { kind: 'expression', expression: c.expression };
  } else {
    if (!c.namespace) throw new ConfigError(TYPE, 'namespace', 'namespace not given; set metadata.namespace (or use expression)');
    if (!c.metricName) throw new ConfigError(TYPE, 'metricName', 'metric name not given; set metadata.metricName (or use expression)');
    if (!c.dimensionName)
      throw new ConfigError(TYPE, 'dimensionName', 'dimension name not given; set metadata.dimensionName (names separated by ;) or use expression');
    if (!c.dimensionValue)
      throw new ConfigError(TYPE, 'dimensionValue', 'dimension value not given; set metadata.dimensionValue (values separated by ;) or use expression');
    const names = c.dimensionName.split(';');
    const values = c.dimensionValue.split(';');
    if (names.length !== values.length) {
      throw new ConfigError(
        TYPE,
        'dimensionValue',
        `dimensionName and dimensionValue are not matching in size: ${names.length} names, ${values.length} values`,
      );
    }
    if (c.metricUnit && !STANDARD_UNITS.has(c.metricUnit)) {
      throw new ConfigError(TYPE, 'metricUnit', `metricUnit must be a CloudWatch unit such as Count, Seconds, Percent or Count/Second, got '${c.metricUnit}'`);
    }
    query = {
      kind: 'metric',
      namespace: c.namespace,
      metricName: c.metricName,
      dimensions: names.map((Name, i) => ({ Name, Value: values[i] })),
      stat: c.metricStat,
      ...(c.metricUnit ? { unit: c.metricUnit } : {}),
    };
  }
  checkStatPeriod(c.metricStatPeriod);
  if (c.metricCollectionTime < 0 || c.metricCollectionTime % c.metricStatPeriod !== 0) {
    throw new ConfigError(
      TYPE,
      'metricCollectionTime',
      `metricCollectionTime must be 0 or more and a multiple of metricStatPeriod (${c.metricStatPeriod}), got '${c.metricCollectionTime}'`,
    );
  }
  // http(s) only, and no cloud metadata / link-local literal (address-policy.ts; checked again at connect).
  if (c.awsEndpoint) httpUrlParam(TYPE, 'awsEndpoint', c.awsEndpoint, { example: 'http://localstack.localstack:4566' });
  const identity = triggerAwsIdentity(TYPE, input);
  return {
    query,
    targetMetricValue: c.targetMetricValue,
    activationTargetMetricValue: c.activationTargetMetricValue,
    minMetricValue: c.minMetricValue,
    ignoreNullValues: c.ignoreNullValues,
    metricCollectionTime: c.metricCollectionTime,
    metricStatPeriod: c.metricStatPeriod,
    metricEndTimeOffset: c.metricEndTimeOffset,
    ...(c.awsAccountId ? { awsAccountId: c.awsAccountId } : {}),
    awsRegion: c.awsRegion,
    ...(c.awsEndpoint ? { awsEndpoint: c.awsEndpoint } : {}),
    identity,
  };
}

// ---- 3. the reader ----

/** KEDA computeQueryWindow: end = (now − offset) truncated to a multiple of the period; start = end − collection. */
export function queryWindow(
  nowMs: number,
  config: Pick<AwsCloudwatchConfig, 'metricStatPeriod' | 'metricEndTimeOffset' | 'metricCollectionTime'>,
): { start: Date; end: Date } {
  const periodMs = config.metricStatPeriod * 1000;
  const endMs = Math.floor((nowMs - config.metricEndTimeOffset * 1000) / periodMs) * periodMs;
  return { start: new Date(endMs - config.metricCollectionTime * 1000), end: new Date(endMs) };
}

/** The one MetricDataQuery Updraft sends (ids `c1` / `q1` as in KEDA). */
export function metricDataQuery(config: AwsCloudwatchConfig): MetricDataQuery {
  const account = config.awsAccountId ? { AccountId: config.awsAccountId } : {};
  if (config.query.kind === 'expression') {
    return { Id: 'q1', Expression: config.query.expression, Period: config.metricStatPeriod, ...account };
  }
  const q = config.query;
  return {
    Id: 'c1',
    MetricStat: {
      Metric: { Namespace: q.namespace, MetricName: q.metricName, Dimensions: q.dimensions },
      Period: config.metricStatPeriod,
      Stat: q.stat,
      ...(q.unit ? { Unit: q.unit as StandardUnit } : {}),
    },
    ReturnData: true,
    ...account,
  };
}

/** KEDA: newest value of the first result; no result → minMetricValue; a result without values → same, or an error. */
export function valueFromResults(
  results: Array<{ Values?: number[] }> | undefined,
  config: Pick<AwsCloudwatchConfig, 'minMetricValue' | 'ignoreNullValues'>,
): number {
  if (!results || results.length === 0) return config.minMetricValue;
  const values = results[0].Values ?? [];
  if (values.length === 0) {
    if (!config.ignoreNullValues) {
      throw new ReadError('empty', `${TYPE}: empty metric data received, ignoreNullValues is false, returning error`);
    }
    return config.minMetricValue;
  }
  return values[0];
}

/** The SDK, loaded by the first reader (common/lazy-client.ts). */
export const sdk = lazyClient('@aws-sdk/client-cloudwatch', () => import('@aws-sdk/client-cloudwatch'));

export interface CloudWatchLike {
  send(command: GetMetricDataCommand, options?: { abortSignal?: AbortSignal }): Promise<{ MetricDataResults?: Array<{ Values?: number[] }> }>;
}

export async function readMetric(config: AwsCloudwatchConfig, cw: CloudWatchLike, name: string, nowMs: number, signal: AbortSignal): Promise<RawReading> {
  const { start, end } = queryWindow(nowMs, config);
  const { GetMetricDataCommand } = await sdk.load();
  const out = await cw.send(
    new GetMetricDataCommand({
      StartTime: start,
      EndTime: end,
      ScanBy: 'TimestampDescending',
      MetricDataQueries: [metricDataQuery(config)],
    }),
    { abortSignal: signal },
  );
  const value = valueFromResults(out.MetricDataResults, config);
  return { metrics: [{ name, value }] };
}

export const descriptor = defineScaler<AwsCloudwatchConfig>({
  type: TYPE,
  fields,
  otherKeys: AWS_IDENTITY_KEYS,
  example: {
    metadata: {
      namespace: 'AWS/ApplicationELB',
      metricName: 'RequestCountPerTarget',
      dimensionName: 'TargetGroup',
      dimensionValue: 'targetgroup/app/0123',
      targetMetricValue: '100',
      awsRegion: 'eu-west-1',
      identityOwner: 'operator',
    },
  },
  parse,
  metricSpecs: (config, triggerIndex, metricType) => externalMetricSpec(triggerIndex, TYPE, config.targetMetricValue, TYPE, metricType),
  activationThreshold: (config) => config.activationTargetMetricValue,
  createReader(config, ctx) {
    const what = config.query.kind === 'expression' ? `expression ${config.query.expression}` : `${config.query.namespace}/${config.query.metricName}`;
    return lazyReader(TYPE, [sdk], () =>
      awsScaler({
        type: TYPE,
        ctx,
        config,
        service: 'cloudwatch',
        makeClient: (cfg) => new (sdk.get().CloudWatchClient)({ ...cfg, maxAttempts: 1 }),
        operation: `GetMetricData (${what})`,
        // ctx.now: a test reads the window that holds datapoints pushed just now (the query ends at a period boundary).
        read: (client, signal) => readMetric(config, client, ctx.metricSpecs[0].metricName, (ctx.now ?? Date.now)(), signal),
      }),
    );
  },
});
