import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricDataQuery, parse, queryWindow, valueFromResults } from './aws-cloudwatch.ts';

const base = { namespace: 'NS', metricName: 'M', dimensionName: 'A;B', dimensionValue: '1;2', targetMetricValue: '2', awsRegion: 'us-east-2', identityOwner: 'operator' };
const p = (md: Record<string, string>) => parse({ metadata: md, authParams: {}, resolvedEnv: {} });

test('aws-cloudwatch parse: defaults (stat Average, period 300, collection 300, offset 0, minMetricValue 0, ignoreNullValues true)', () => {
  const c = p(base);
  assert.deepEqual({ ...c, identity: undefined }, {
    query: { kind: 'metric', namespace: 'NS', metricName: 'M', dimensions: [{ Name: 'A', Value: '1' }, { Name: 'B', Value: '2' }], stat: 'Average' },
    targetMetricValue: 2, activationTargetMetricValue: 0, minMetricValue: 0, ignoreNullValues: true,
    metricCollectionTime: 300, metricStatPeriod: 300, metricEndTimeOffset: 0, awsRegion: 'us-east-2', identity: undefined,
  });
});

test('aws-cloudwatch parse: an expression needs no namespace/metric/dimensions (seed manifest 02 shape)', () => {
  const c = p({ expression: 'SELECT AVG(RequestPerSecond) FROM MyApiNamespace', targetMetricValue: '2', awsRegion: 'us-east-2', identityOwner: 'operator' });
  assert.deepEqual(c.query, { kind: 'expression', expression: 'SELECT AVG(RequestPerSecond) FROM MyApiNamespace' });
  assert.deepEqual(metricDataQuery(c), { Id: 'q1', Expression: 'SELECT AVG(RequestPerSecond) FROM MyApiNamespace', Period: 300 });
});

test('aws-cloudwatch: the metric stat query carries unit and account id', () => {
  assert.deepEqual(metricDataQuery(p({ ...base, metricUnit: 'Count', awsAccountId: '123', metricStat: 'p95', metricStatPeriod: '60', metricCollectionTime: '120' })), {
    Id: 'c1', MetricStat: { Metric: { Namespace: 'NS', MetricName: 'M', Dimensions: [{ Name: 'A', Value: '1' }, { Name: 'B', Value: '2' }] }, Period: 60, Stat: 'p95', Unit: 'Count' },
    ReturnData: true, AccountId: '123',
  });
});

const bad: Array<[string, Record<string, string>, RegExp]> = [
  ['targetMetricValue is required', { ...base, targetMetricValue: '' }, /missing required parameter "targetMetricValue"/],
  ['namespace is required without expression', { ...base, namespace: '' }, /namespace not given/],
  ['metricName is required without expression', { ...base, metricName: '' }, /metric name not given/],
  ['dimension lists must match', { ...base, dimensionValue: '1' }, /dimensionName and dimensionValue are not matching in size/],
  ['metricUnit must be a CloudWatch unit', { ...base, metricUnit: 'Parsecs' }, /metricUnit must be a CloudWatch unit.*got 'Parsecs'/],
  ['metricStatPeriod ≤ 60 must be 1/5/10/30/60', { ...base, metricStatPeriod: '15', metricCollectionTime: '30' }, /must be one of 1, 5, 10, 30, 60, got '15'/],
  ['metricStatPeriod > 60 must be a multiple of 60', { ...base, metricStatPeriod: '90' }, /multiple of 60, got '90'/],
  ['metricCollectionTime must be a multiple of the period', { ...base, metricCollectionTime: '400' }, /multiple of metricStatPeriod \(300\), got '400'/],
  ['awsRegion is required', { ...base, awsRegion: '' }, /missing required parameter "awsRegion"/],
  ['targetMetricValue must be a number', { ...base, targetMetricValue: 'two' }, /targetMetricValue must be a number, got 'two'/],
];
for (const [name, md, message] of bad) {
  test(`aws-cloudwatch parse error: ${name}`, () => assert.throws(() => p(md), { name: 'ConfigError', message }));
}

test('aws-cloudwatch window: end truncated to the period after the offset, start = end − collection time', () => {
  const now = Date.parse('2026-01-01T10:07:42Z');
  const w = queryWindow(now, { metricStatPeriod: 300, metricEndTimeOffset: 0, metricCollectionTime: 600 });
  assert.equal(w.end.toISOString(), '2026-01-01T10:05:00.000Z');
  assert.equal(w.start.toISOString(), '2026-01-01T09:55:00.000Z');
  const o = queryWindow(now, { metricStatPeriod: 60, metricEndTimeOffset: 120, metricCollectionTime: 60 });
  assert.equal(o.end.toISOString(), '2026-01-01T10:05:00.000Z');
});

test('aws-cloudwatch value: newest point; none → minMetricValue; empty values with ignoreNullValues false → error', () => {
  const cfg = { minMetricValue: 1.5, ignoreNullValues: true };
  assert.equal(valueFromResults([{ Values: [7, 3] }], cfg), 7);
  assert.equal(valueFromResults([], cfg), 1.5);
  assert.equal(valueFromResults([{ Values: [] }], cfg), 1.5);
  assert.throws(() => valueFromResults([{ Values: [] }], { ...cfg, ignoreNullValues: false }), /ignoreNullValues is false/);
});
