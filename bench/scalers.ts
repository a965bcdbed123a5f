// Reads per second and p50/p99 read latency of each seed scaler against local sources (Prometheus, moto).
// Bounded: at most READS reads or SECONDS seconds per scaler, sequential, loopback only.
// usage: node --import tsx bench/scalers.ts
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AwsCredentialCache } from '../src/auth/aws-credentials.ts';
import { benchKinesisDynamodb } from './aws-kinesis-dynamodb.ts';
import { benchSqlNats } from './sql-nats.ts';
import { benchKafka } from './kafka.ts';
import { benchRedisRabbitmq } from './redis-rabbitmq.ts';
import { benchExternal } from './external-scaler.ts';
import { benchCpuMemory } from './cpu-memory.ts';
import { benchKubernetesWorkload } from './kubernetes-workload.ts';
import { buildScaler } from '../src/scalers/index.ts';
import type { Scaler } from '../src/scalers/scaler.ts';
import { startCaptureServer } from '../test/support/capture-server.ts';
import { startMoto } from '../test/support/moto.ts';
import { startPrometheus } from '../test/support/prometheus.ts';
import { contextFor } from '../test/support/scaler-context.ts';
import { httpClients as metricsApiClients } from '../src/scalers/metrics-api.ts';
import { startMetricsApiServer } from '../test/support/metrics-api-server.ts';

const READS = 500;
const SECONDS = 10;
const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };

async function measure(name: string, scaler: Scaler): Promise<void> {
  await scaler.read(AbortSignal.timeout(10_000)); // warm-up (connection, credentials)
  const lat: number[] = [];
  const start = performance.now();
  while (lat.length < READS && performance.now() - start < SECONDS * 1000) {
    const t = performance.now();
    await scaler.read(AbortSignal.timeout(10_000));
    lat.push(performance.now() - t);
  }
  const total = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2);
  console.log(
    `${name.padEnd(34)} reads=${String(lat.length).padStart(4)}  ${(lat.length / total).toFixed(0).padStart(5)} reads/s  p50=${q(0.5)} ms  p99=${q(0.99)} ms`,
  );
  await scaler.close();
}

const prom = await startPrometheus({ counters: { adot_app_request_count_total: { perSecond: 10 } } });
const moto = await startMoto();
const amp = await startCaptureServer(() => ({ body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"100"]}]}}' }));
try {
  const aws = new AwsCredentialCache({ operatorCredentials: () => async () => creds });
  const sqs = new SQSClient({ region: 'us-west-2', endpoint: moto.endpoint, credentials: creds });
  const q = (await sqs.send(new CreateQueueCommand({ QueueName: 'bench' }))).QueueUrl ?? '';
  for (let i = 0; i < 10; i++) await sqs.send(new SendMessageCommand({ QueueUrl: q, MessageBody: 'x' }));
  sqs.destroy();
  const cw = new CloudWatchClient({ region: 'us-east-2', endpoint: moto.endpoint, credentials: creds });
  await cw.send(
    new PutMetricDataCommand({
      Namespace: 'NS',
      MetricData: [{ MetricName: 'M', Value: 3, Dimensions: [{ Name: 'H', Value: 'a' }], Timestamp: new Date(Date.now() - 400_000) }],
    }),
  );
  cw.destroy();

  console.log(`node ${process.version}, sequential reads, loopback`);
  await measure('prometheus vector(100)', buildScaler(contextFor('prometheus', { serverAddress: prom.url, query: 'vector(100)', threshold: '25' })));
  await measure(
    'prometheus sum(rate(x[1m]))',
    buildScaler(contextFor('prometheus', { serverAddress: prom.url, query: 'sum(rate(adot_app_request_count_total[1m]))', threshold: '10' })),
  );
  await measure(
    'prometheus + SigV4 (recording srv)',
    buildScaler(
      contextFor(
        'prometheus',
        { serverAddress: amp.url, query: 'vector(100)', threshold: '25', awsRegion: 'us-east-1', identityOwner: 'operator' },
        { awsCredentials: aws },
      ),
    ),
  );
  await measure(
    'aws-sqs-queue (moto)',
    buildScaler(
      contextFor('aws-sqs-queue', { queueURL: q, awsRegion: 'us-west-2', awsEndpoint: moto.endpoint, identityOwner: 'operator' }, { awsCredentials: aws }),
    ),
  );
  await measure(
    'aws-cloudwatch metric stat (moto)',
    buildScaler(
      contextFor(
        'aws-cloudwatch',
        {
          namespace: 'NS',
          metricName: 'M',
          dimensionName: 'H',
          dimensionValue: 'a',
          targetMetricValue: '2',
          awsRegion: 'us-east-2',
          awsEndpoint: moto.endpoint,
          identityOwner: 'operator',
        },
        { awsCredentials: aws },
      ),
    ),
  );
  await benchKinesisDynamodb(moto.endpoint, aws, measure);
  await benchSqlNats(measure);
  await benchKafka(measure);
  await benchRedisRabbitmq(measure);
  await benchExternal(measure);
  benchCpuMemory();
  await benchKubernetesWorkload(measure);
  await measure(
    'cron (clock only)',
    buildScaler(contextFor('cron', { timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 18 * * 1-5', desiredReplicas: '5' })),
  );
  const statsApi = await startMetricsApiServer();
  try {
    statsApi.value = 12;
    await measure(
      'metrics-api json (local API)',
      buildScaler(contextFor('metrics-api', { url: `${statsApi.url}/open/json`, valueLocation: 'components.worker.tasks', targetValue: '5' })),
    );
    await measure(
      'metrics-api prometheus (local API)',
      buildScaler(
        contextFor('metrics-api', { url: `${statsApi.url}/open/prom`, format: 'prometheus', valueLocation: 'queue_depth{queue="orders"}', targetValue: '5' }),
      ),
    );
    const before = statsApi.connections;
    const many = Array.from({ length: 500 }, (_, i) =>
      buildScaler(contextFor('metrics-api', { url: `${statsApi.url}/open/json?i=${i}`, valueLocation: 'components.worker.tasks', targetValue: '5' })),
    );
    await Promise.all(many.map((s) => s.read(AbortSignal.timeout(10_000))));
    console.log(`metrics-api: 500 triggers on one API hold ${metricsApiClients.size} client(s), ${statsApi.connections - before} TCP connection(s)`);
    await Promise.all(many.map((s) => s.close()));
  } finally {
    await statsApi.stop();
  }
} finally {
  await amp.stop();
  await moto.stop();
  await prom.stop();
}
