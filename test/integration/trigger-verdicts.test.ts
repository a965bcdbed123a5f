// One table of triggers through the four places that read trigger metadata — `updraft validate`, `updraft simulate`,
// `updraft probe` and the operator's scaler build — which must give the same verdict and the same metric names
// (they all ask the scaler's descriptor, src/scalers/index.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseManifests } from '../../src/api/parse.ts';
import type { ScaledObject } from '../../src/api/types.ts';
import { InMemoryObjectSource } from '../../src/auth/resolve-trigger-auth.ts';
import { probe } from '../../src/cli/probe.ts';
import { validateTexts } from '../../src/cli/validate.ts';
import { buildObjectScalers } from '../../src/runtime/build-scalers.ts';
import { supportedTypes } from '../../src/scalers/index.ts';
import { simulatedTriggers } from '../../src/simulate/trigger-targets.ts';

const tmp = mkdtempSync(join(tmpdir(), 'updraft-verdicts-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
// Reads go to a closed loopback port: probe fails fast as unreachable, after it has named the metric.
const CLOSED = 'http://127.0.0.1:1';
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';

interface Row {
  name: string;
  type: string;
  metadata: Record<string, string>;
  metricType?: string;
  /** The metric names every path reports, or the error every path gives. */
  want: { metrics: string[] } | { error: RegExp };
}

const Q = 'https://sqs.eu-west-1.amazonaws.com/111122223333/orders';
const rows: Row[] = [
  {
    name: 'an SQS trigger names its metric after the queue',
    type: 'aws-sqs-queue',
    metadata: { queueURL: Q, queueLength: '5', awsEndpoint: CLOSED, identityOwner: 'operator' },
    want: { metrics: ['s0-aws-sqs-orders'] },
  },
  {
    name: 'queueLength 2.5e1 is not a whole number anywhere',
    type: 'aws-sqs-queue',
    metadata: { queueURL: Q, queueLength: '2.5e1', identityOwner: 'operator' },
    want: { error: /^aws-sqs-queue: queueLength must be a whole number, got '2\.5e1'$/ },
  },
  {
    name: 'a prometheus threshold that is not a number',
    type: 'prometheus',
    metadata: { serverAddress: CLOSED, query: 'sum(up)', threshold: 'twenty-five' },
    want: { error: /^prometheus: threshold must be a number, got 'twenty-five'$/ },
  },
  {
    name: 'a prometheus trigger with metricType Utilization',
    type: 'prometheus',
    metricType: 'Utilization',
    metadata: { serverAddress: CLOSED, query: 'sum(up)', threshold: '5' },
    want: { error: /metricType Utilization is only supported by cpu and memory triggers/ },
  },
  {
    name: 'a prometheus trigger',
    type: 'prometheus',
    metadata: { serverAddress: CLOSED, query: 'sum(up)', threshold: '5' },
    want: { metrics: ['s0-prometheus'] },
  },
  {
    name: 'a CloudWatch expression',
    type: 'aws-cloudwatch',
    metadata: {
      expression: 'SELECT AVG(CPUUtilization) FROM "AWS/EC2"',
      targetMetricValue: '50',
      awsRegion: 'eu-west-1',
      awsEndpoint: CLOSED,
      identityOwner: 'operator',
    },
    want: { metrics: ['s0-aws-cloudwatch'] },
  },
  {
    name: 'an opentelemetry trigger normalizes the OTLP name',
    type: 'opentelemetry',
    metadata: { metricName: 'http.server.request.count', threshold: '15' },
    want: { metrics: ['s0-opentelemetry-http-server-request-count'] },
  },
  {
    name: 'a Kinesis trigger names its metric after the stream',
    type: 'aws-kinesis-stream',
    metadata: { streamName: 'orders', shardCount: '2', awsRegion: 'eu-west-1', awsEndpoint: CLOSED, identityOwner: 'operator' },
    want: { metrics: ['s0-aws-kinesis-orders'] },
  },
  {
    name: 'a DynamoDB query trigger names its metric after the table',
    type: 'aws-dynamodb',
    metadata: {
      tableName: 'jobs',
      keyConditionExpression: '#s = :s',
      expressionAttributeNames: '{"#s": "status"}',
      expressionAttributeValues: '{":s": {"S": "queued"}}',
      targetValue: '10',
      awsRegion: 'eu-west-1',
      awsEndpoint: CLOSED,
      identityOwner: 'operator',
    },
    want: { metrics: ['s0-aws-dynamodb-jobs'] },
  },
  {
    name: 'a DynamoDB number given as a JSON number is refused everywhere',
    type: 'aws-dynamodb',
    metadata: {
      tableName: 'jobs',
      keyConditionExpression: '#y = :y',
      expressionAttributeNames: '{"#y": "year"}',
      expressionAttributeValues: '{":y": {"N": 1994}}',
      targetValue: '10',
      awsRegion: 'eu-west-1',
      identityOwner: 'operator',
    },
    want: { error: /^aws-dynamodb: error parsing expressionAttributeValues: invalid expressionAttributeValues: :y\.N must be a string/ },
  },
  {
    name: 'a DynamoDB Streams trigger names its metric after the table',
    type: 'aws-dynamodb-streams',
    metadata: { tableName: 'orders', awsRegion: 'eu-west-1', awsEndpoint: CLOSED, identityOwner: 'operator' },
    want: { metrics: ['s0-aws-dynamodb-streams-orders'] },
  },
  {
    name: 'a cron window names its metric after the zone and both specs',
    type: 'cron',
    metadata: { timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 18 * * 1-5', desiredReplicas: '5' },
    want: { metrics: ['s0-cron-Europe-Berlin-08xx1-5-018xx1-5'] },
  },
  {
    name: 'a cron @descriptor is refused everywhere (robfig is set up without descriptors)',
    type: 'cron',
    metadata: { timezone: 'Etc/UTC', start: '@daily', end: '0 18 * * *', desiredReplicas: '5' },
    want: { error: /^cron: error parsing start schedule: parser does not accept descriptors: @daily;/ },
  },
  {
    name: 'a metrics-api trigger names its metric after valueLocation',
    type: 'metrics-api',
    metadata: { url: `${CLOSED}/stats`, valueLocation: 'queue.depth', targetValue: '10' },
    want: { metrics: ['s0-metric-api-queue-depth'] },
  },
  {
    name: 'a metrics-api format KEDA does not read',
    type: 'metrics-api',
    metadata: { url: `${CLOSED}/stats`, valueLocation: 'a', targetValue: '10', format: 'csv' },
    want: { error: /^metrics-api: format must be one of json, yaml, xml, prometheus, got 'csv'$/ },
  },
  {
    name: 'a postgresql trigger from separate parameters',
    type: 'postgresql',
    metadata: { host: '127.0.0.1', port: '1', userName: 'keda', dbName: 'jobs', sslmode: 'disable', query: 'SELECT COUNT(*) FROM jobs', targetQueryValue: '5' },
    want: { metrics: ['s0-postgresql'] },
  },
  {
    name: 'a postgresql sslmode libpq does not know is refused everywhere',
    type: 'postgresql',
    metadata: { host: '127.0.0.1', port: '1', userName: 'keda', dbName: 'jobs', sslmode: 'required', query: 'SELECT 1', targetQueryValue: '5' },
    want: { error: /^postgresql: sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full, got 'required'$/ },
  },
  {
    name: 'a mysql trigger names its metric after the database',
    type: 'mysql',
    metadata: { host: '127.0.0.1', port: '1', username: 'keda', dbName: 'stats_db', query: 'SELECT COUNT(*) FROM jobs', queryValue: '5' },
    want: { metrics: ['s0-mysql-stats_db'] },
  },
  {
    name: 'a nats-jetstream trigger names its metric after the stream',
    type: 'nats-jetstream',
    metadata: { natsServerMonitoringEndpoint: '127.0.0.1:1', account: '$G', stream: 'mystream', consumer: 'pull_consumer' },
    want: { metrics: ['s0-nats-jetstream-mystream'] },
  },
  {
    name: 'a kafka trigger names its metric after the topic',
    type: 'kafka',
    metadata: { bootstrapServers: '127.0.0.1:1', consumerGroup: 'workers', topic: 'orders', lagThreshold: '10' },
    want: { metrics: ['s0-kafka-orders'] },
  },
  {
    name: 'kafka allowIdleConsumers with limitToPartitionsWithLag is refused everywhere',
    type: 'kafka',
    metadata: { bootstrapServers: '127.0.0.1:1', consumerGroup: 'workers', topic: 'orders', allowIdleConsumers: 'true', limitToPartitionsWithLag: 'true' },
    want: { error: /^kafka: allowIdleConsumers and limitToPartitionsWithLag cannot be set simultaneously$/ },
  },
  { name: 'a cpu trigger is the HPA Resource metric cpu', type: 'cpu', metricType: 'Utilization', metadata: { value: '50' }, want: { metrics: ['cpu'] } },
  {
    name: 'a memory trigger with the removed metadata.type is refused everywhere',
    type: 'memory',
    metricType: 'AverageValue',
    metadata: { type: 'AverageValue', value: '256Mi' },
    want: { error: /^memory: the 'type' setting is DEPRECATED and is removed in v2\.18 - use 'metricType' instead/ },
  },
  {
    name: 'a kubernetes-workload trigger names its metric after the object namespace',
    type: 'kubernetes-workload',
    metadata: { podSelector: 'app=web, tier in (b,a)', value: '2' },
    want: { metrics: ['s0-workload-default'] },
  },
  {
    name: 'a kubernetes-workload value of 0 is refused everywhere',
    type: 'kubernetes-workload',
    metadata: { podSelector: 'app=web', value: '0' },
    want: { error: /^kubernetes-workload: value must be a float greater than 0, got '0'$/ },
  },
  {
    name: 'a kubernetes-workload podSelector that does not parse is refused everywhere',
    type: 'kubernetes-workload',
    metadata: { podSelector: 'app in ()', value: '2' },
    want: { error: /^kubernetes-workload: error parsing pod selector: "app in \(\)" needs at least one value/ },
  },
  // external / external-push: the metric name and target come from the server's GetMetricSpec at build, so a
  // valid trigger's name differs offline (placeholder) and in the operator (the server's); these rows are the
  // verdicts every path gives without a server (test/integration/external-scaler.test.ts has the built names).
  {
    name: 'an external trigger without scalerAddress',
    type: 'external',
    metadata: { key: 'orders' },
    want: { error: /^external: missing required parameter "scalerAddress" in \[triggerMetadata\]/ },
  },
  {
    name: 'an external-push trigger with metricType Utilization',
    type: 'external-push',
    metricType: 'Utilization',
    metadata: { scalerAddress: '127.0.0.1:1' },
    want: { error: /metricType Utilization is only supported by cpu and memory triggers/ },
  },
  {
    name: 'a redis list trigger names its metric after the list',
    type: 'redis',
    metadata: { address: '127.0.0.1:1', listName: 'jobs', listLength: '10' },
    want: { metrics: ['s0-redis-jobs'] },
  },
  {
    name: 'a redis listLength that is not a whole number',
    type: 'redis',
    metadata: { address: '127.0.0.1:1', listName: 'jobs', listLength: 'ten' },
    want: { error: /^redis: listLength must be a whole number, got 'ten'$/ },
  },
  {
    name: 'a redis-cluster-streams trigger names its metric after the stream',
    type: 'redis-cluster-streams',
    metadata: { addresses: '127.0.0.1:1,127.0.0.1:2', stream: 'orders', consumerGroup: 'workers' },
    want: { metrics: ['s0-redis-streams-orders'] },
  },
  {
    name: 'a redis-sentinel trigger without sentinelMaster',
    type: 'redis-sentinel',
    metadata: { addresses: '127.0.0.1:1', listName: 'jobs' },
    want: { error: /^redis-sentinel: missing required parameter "sentinelMaster"/ },
  },
  {
    name: 'a rabbitmq AMQP trigger names its metric after the queue',
    type: 'rabbitmq',
    metadata: { host: 'amqp://127.0.0.1:1/', queueName: 'orders', mode: 'QueueLength', value: '20' },
    want: { metrics: ['s0-rabbitmq-orders'] },
  },
  {
    name: 'a rabbitmq rate mode over AMQP',
    type: 'rabbitmq',
    metadata: { host: 'amqp://127.0.0.1:1/', queueName: 'orders', mode: 'MessageRate', value: '5' },
    want: { error: /^rabbitmq: protocol amqp not supported; must be HTTP to use trigger mode MessageRate$/ },
  },
  {
    name: 'a type Updraft does not read',
    type: 'no-such-scaler',
    metadata: { topic: 'orders', lagThreshold: '10' },
    want: { error: new RegExp(`^no-such-scaler: no scaler found for type: no-such-scaler \\(Updraft reads ${supportedTypes().join(', ')}\\)$`) },
  },
];

function manifest(r: Row): string {
  return `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: verdict, namespace: default}
spec:
  scaleTargetRef: {name: worker}
  triggers:
  - type: ${r.type}
${r.metricType ? `    metricType: ${r.metricType}\n` : ''}    metadata: ${JSON.stringify(r.metadata)}
`;
}

type Verdict = { metrics: string[] } | { error: string };

async function verdicts(r: Row): Promise<Record<string, Verdict>> {
  const text = manifest(r);
  const so = parseManifests(text, 'v.yaml').objects[0] as ScaledObject;
  assert.ok(so, 'the manifest parses');
  const out: Record<string, Verdict> = {};

  // validate: the trigger's error (the unsupported-type message is worded for people; its facts are the same).
  const report = validateTexts([{ name: 'v.yaml', text }]);
  const err = report.problems.find((p) => p.severity === 'error' && p.path.startsWith('spec.triggers[0]'));
  out.validate = err ? { error: err.message } : { metrics: simulatedTriggers(so).map((t) => t.metricName) };

  // simulate
  try {
    out.simulate = { metrics: simulatedTriggers(so).map((t) => t.metricName) };
  } catch (e) {
    out.simulate = { error: (e as Error).message.replace(/^ScaledObject default\/verdict: spec\.triggers\[0\]: /, '') };
  }

  // probe
  const file = join(tmp, `${r.name.replace(/\W+/g, '-')}.yaml`);
  writeFileSync(file, text);
  const { results } = await probe({ files: [file], secrets: [], env: {}, httpTimeoutMs: 500 });
  const p = results[0];
  out.probe = p.error?.kind === 'config' ? { error: p.error.message } : { metrics: p.metricName ? [p.metricName] : [] };

  // the operator's build (auth resolution, then the descriptor)
  const built = await buildObjectScalers(so, { source: new InMemoryObjectSource() });
  if (built.ok) {
    out.operator = { metrics: built.scalers.flatMap((s) => s.metricSpecs.map((m) => m.metricName)) };
    await Promise.all(built.scalers.map((s) => s.close()));
  } else {
    out.operator = { error: built.errors[0].message };
  }
  return out;
}

describe('validate, simulate, probe and the operator agree on every trigger', () => {
  for (const r of rows) {
    it(r.name, async () => {
      const got = await verdicts(r);
      for (const [path, v] of Object.entries(got)) {
        if ('metrics' in r.want) {
          assert.deepEqual(v, r.want, `${path}: ${JSON.stringify(v)}`);
        } else if (path === 'validate' && r.type === 'no-such-scaler') {
          assert.ok('error' in v && /not supported by Updraft/.test(v.error), `${path}: ${JSON.stringify(v)}`);
        } else if (path === 'validate' && r.metricType === 'Utilization') {
          // validate reports the CRD webhook's rule first (KEDA's own wording); the scaler's says the same.
          assert.ok('error' in v && /Utilization/.test(v.error), `${path}: ${JSON.stringify(v)}`);
        } else {
          assert.ok('error' in v, `${path} accepted it: ${JSON.stringify(v)}`);
          assert.match(v.error, r.want.error, path);
        }
      }
    });
  }
});
