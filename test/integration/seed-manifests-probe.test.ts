// The user's seed manifests, unchanged, pointed at local sources with endpoint overrides only: `updraft probe` shows
// the values and activity the walkthroughs describe.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { ProbeResult } from '../../src/cli/probe.ts';
import { startMoto, type Moto } from '../support/moto.ts';
import { eventually } from '../support/wait.ts';
import { startPrometheus, type LocalPrometheus } from '../support/prometheus.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const seed = (f: string) => join(root, 'examples', 'seed-manifests', f);
const env = { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_WEB_IDENTITY_TOKEN_FILE: '', AWS_ROLE_ARN: '' };

async function probe(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [join(root, 'bin', 'updraft.js'), 'probe', ...args], { env, cwd: root, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function probeJson(args: string[]): Promise<ProbeResult[]> {
  const r = await probe([...args, '--output', 'json']);
  assert.equal(r.code, 0, `probe failed: ${r.stdout}\n${r.stderr}`);
  return (JSON.parse(r.stdout) as { results: ProbeResult[] }).results;
}

describe('seed manifests against moto (SQS, CloudWatch)', () => {
  let moto: Moto;
  before(async () => {
    moto = await startMoto();
    const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };
    const sqs = new SQSClient({ region: 'us-west-2', endpoint: moto.endpoint, credentials: creds });
    const q = (await sqs.send(new CreateQueueCommand({ QueueName: 'app-queue' }))).QueueUrl;
    for (let i = 0; i < 23; i++) await sqs.send(new SendMessageCommand({ QueueUrl: q, MessageBody: `order ${i}` }));
    sqs.destroy();
  });

  // moto answers any Metrics Insights SELECT with the sum of every datapoint in the period (docs/scalers.md), so
  // each CloudWatch walkthrough gets its own moto holding one pod's datapoint: the sum is then that pod's value.
  async function cloudWatchWith(namespace: string, metric: string, value: number, file: string): Promise<ProbeResult> {
    const own = await startMoto();
    try {
      const end = Math.floor(Date.now() / 300_000) * 300_000; // newest 300 s window the scaler asks for
      const cw = new CloudWatchClient({ region: 'us-east-2', endpoint: own.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
      // One datapoint in this window and one in the next: the probe starts a second or two later and may cross a
      // 5-minute boundary, but any one aligned window holds exactly one of them.
      for (const at of [end - 20_000, end + 280_000]) {
        await cw.send(
          new PutMetricDataCommand({
            Namespace: namespace,
            MetricData: [{ MetricName: metric, Value: value, Dimensions: [{ Name: 'Host', Value: 'pod-1' }], Timestamp: new Date(at) }],
          }),
        );
      }
      cw.destroy();
      const [r] = await probeJson(['-f', seed(file), '--aws-endpoint', own.endpoint]);
      return r;
    } finally {
      await own.stop();
    }
  }
  after(async () => moto?.stop());

  test('01 SQS: 23 messages read as 23 against queueLength 5, active', async () => {
    const [r] = await probeJson(['-f', seed('01-sqs-scaledobject.yaml'), '--aws-endpoint', moto.endpoint]);
    assert.equal(r.object, 'ScaledObject keda-sqs-guidance/sqsconsumer-hpa');
    assert.deepEqual([r.metricName, r.value, r.target, r.targetType, r.active], ['s0-aws-sqs-app-queue', 23, 5, 'AverageValue', true]);
  });

  test('02 CloudWatch RequestPerSecond (Metrics Insights): the newest value against target 2, active', async () => {
    const r = await cloudWatchWith('MyApiNamespace', 'RequestPerSecond', 3, '02-cloudwatch-rps-scaledobject.yaml');
    assert.deepEqual([r.metricName, r.value, r.target, r.active], ['s0-aws-cloudwatch', 3, 2, true]);
  });

  test('03 CloudWatch active requests (OTel collector): read against target 2, active', async () => {
    const r = await cloudWatchWith('MyWebApi', 'http.server.active_requests', 6, '03-cloudwatch-otel-scaledobject.yaml');
    assert.deepEqual([r.metricName, r.value, r.target, r.active], ['s0-aws-cloudwatch', 6, 2, true]);
  });

  test('the table output names metric, value, target and activity', async () => {
    const r = await probe(['-f', seed('01-sqs-scaledobject.yaml'), '--aws-endpoint', moto.endpoint]);
    assert.equal(r.code, 0, r.stderr);
    const [header, row] = r.stdout.split('\n');
    assert.match(header, /^OBJECT\s+TRIGGER\s+METRIC\s+VALUE\s+TARGET\s+ACTIVE\s+READ AT\s+MS$/);
    assert.match(row, /ScaledObject keda-sqs-guidance\/sqsconsumer-hpa\s+0 aws-sqs-queue\s+s0-aws-sqs-app-queue\s+23\s+5 \(AverageValue\)\s+true\s+\d{4}-/);
  });

  test('an unreachable endpoint fails the probe with a specific error', async () => {
    const r = await probe(['-f', seed('01-sqs-scaledobject.yaml'), '--aws-endpoint', 'http://127.0.0.1:1']);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /error \(unreachable\): ScaledObject keda-sqs-guidance\/sqsconsumer-hpa trigger 0: aws-sqs-queue: GetQueueAttributes on https:\/\/sqs.us-west-2.amazonaws.com\/111122223333\/app-queue: cannot reach http:\/\/127.0.0.1:1/,
    );
  });
});

describe('seed manifests against a local Prometheus', () => {
  let prom: LocalPrometheus;
  before(async () => {
    prom = await startPrometheus({ counters: { adot_app_request_count_total: { perSecond: 15 }, ho11y_total: { perSecond: 2 } } });
    await prom.waitForValue('rate(ho11y_total[30s])', (v) => v > 0);
  });
  after(async () => prom?.stop());

  test('05 AMP: vector(100) reads 100 against threshold 25, and the ho11y rate is live', async () => {
    // A 30 s rate can read empty (0) for a moment when a scrape runs late on a loaded machine: wait for a live read.
    const byName = await eventually(
      'a probe that reads the ho11y rate as live',
      async () => {
        const results = await probeJson(['-f', seed('05-amp-direct-scaledobjects.yaml'), '--prometheus-url', prom.url]);
        const named = Object.fromEntries(results.map((r) => [r.object, r]));
        return (named['ScaledObject default/ho11y-hpa']?.value ?? 0) > 0 ? named : undefined;
      },
      60_000,
      1000,
    );
    const nginx = byName['ScaledObject default/nginx-scaledobj'];
    assert.deepEqual([nginx.metricName, nginx.value, nginx.target, nginx.active], ['s0-prometheus', 100, 25, true]);
    const ho11y = byName['ScaledObject default/ho11y-hpa'];
    assert.equal(ho11y.target, 0.25);
    assert.ok(ho11y.active, JSON.stringify(ho11y));
  });

  test('04 AMP guidance: sum(rate(adot_app_request_count_total[1m])) is read from real samples', async () => {
    const [r] = await probeJson(['-f', seed('04-amp-prometheus-scaledobject.yaml'), '--prometheus-url', prom.url]);
    assert.equal(r.target, 10);
    assert.ok((r.value ?? 0) > 0 && r.active, JSON.stringify(r));
    assert.ok(r.notes.some((n) => n.includes('SigV4 signing off')));
  });
});
