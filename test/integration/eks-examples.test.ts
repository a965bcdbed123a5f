// examples/eks: every manifest passes `updraft validate`, and each walkthrough's local equivalent runs here — the
// example's own producer/app against moto (SQS, CloudWatch PutMetricData), a real Prometheus, and Updraft's OTLP
// receiver fed by the OpenTelemetry SDK — with the walkthrough's ScaledObject reading the source through its scaler
// and the engine (the functions the operator's direct mode and `updraft up` call) deciding the replicas.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { parseManifests } from '../../src/api/parse.ts';
import { hasErrors } from '../../src/api/problem.ts';
import type { ScaledObject } from '../../src/api/types.ts';
import { AwsCredentialCache } from '../../src/auth/aws-credentials.ts';
import { overrideTrigger } from '../../src/cli/probe.ts';
import { expandInputs, formatText, readManifestFile, validateTexts } from '../../src/cli/validate.ts';
import { directStep, initialState, planObject, type ObjectState } from '../../src/engine/object-step.ts';
import { engineTriggers } from '../../src/runtime/object-runner.ts';
import { OtlpMetricStore } from '../../src/scalers/common/otlp-metric-store.ts';
import { buildScaler } from '../../src/scalers/index.ts';
import type { Reading, Scaler } from '../../src/scalers/scaler.ts';
import { OtlpReceiver } from '../../src/servers/otlp-receiver.ts';
import { freePort } from '../support/free-port.ts';
import { startMoto, type Moto } from '../support/moto.ts';
import { startPrometheus, type LocalPrometheus } from '../support/prometheus.ts';
import { eventually, waitFor } from '../support/wait.ts';

const root = join(import.meta.dirname, '..', '..');
const eks = join(root, 'examples', 'eks');
const example = (...p: string[]) => join(eks, ...p);
const testKeys = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_WEB_IDENTITY_TOKEN_FILE: '', AWS_ROLE_ARN: '' };
// identityOwner: operator → the operator's own credentials: here moto's test keys, as an IRSA role would be on EKS.
const operatorCredentials = new AwsCredentialCache({ operatorCredentials: () => async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' }) });

// ---- validate ----

const walkthroughs = readdirSync(eks).filter((d) => statSync(join(eks, d)).isDirectory() && d !== 'install');

describe('every manifest under examples/eks passes updraft validate', () => {
  const { files, problems } = expandInputs([eks]);
  test('the directory walk finds the manifests without problems', () => {
    assert.deepEqual(problems, []);
    assert.ok(files.length >= 20, `only ${files.length} files`);
  });
  for (const file of files) {
    test(relative(root, file), () => {
      const read = readManifestFile(file);
      assert.ok('text' in read, JSON.stringify(read));
      const report = validateTexts([{ name: file, text: read.text }]);
      assert.equal(hasErrors(report.problems), false, formatText(report));
    });
  }
  // The cross-object checks (two ScaledObjects on one workload, one HPA name) over each walkthrough's cluster files.
  for (const dir of walkthroughs) {
    test(`${dir}: the cluster manifests applied together`, () => {
      const clusterFiles = expandInputs([example(dir)]).files.filter((f) => !f.includes('/local/'));
      const report = validateTexts(clusterFiles.map((f) => ({ name: f, text: readFileSync(f, 'utf8') })));
      assert.equal(hasErrors(report.problems), false, formatText(report));
      assert.ok(
        report.objects.some((o) => o.kind === 'ScaledObject'),
        `no ScaledObject in ${dir}`,
      );
    });
  }
});

// ---- no secrets or real accounts in the examples; the IAM documents are well-formed ----

function allFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => (statSync(join(dir, n)).isDirectory() ? allFiles(join(dir, n)) : [join(dir, n)]));
}

// Placeholders only: ACCOUNT_ID / WORKSPACE_ID, moto's account 123456789012 in local/ files.
const secretPatterns = [
  { what: 'an AWS access key id', re: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { what: "a 12-digit account id other than moto's", re: /(?<![0-9])(?!123456789012)[0-9]{12}(?![0-9])/ },
  { what: 'an AMP workspace id', re: /ws-[0-9a-f]{8}-[0-9a-f]{4}-/ },
  { what: 'a bearer token value', re: /Bearer [A-Za-z0-9._-]{16,}/ },
];

describe('examples/eks holds placeholders, not secrets or real ids', () => {
  for (const file of allFiles(eks)) {
    test(relative(root, file), () => {
      const text = readFileSync(file, 'utf8');
      for (const p of secretPatterns) assert.doesNotMatch(text, p.re, `${p.what} in ${file}`); // hygiene: allow-table several checks of one file
    });
  }
  for (const file of allFiles(eks).filter((f) => f.endsWith('.json'))) {
    test(`${relative(root, file)} is an IAM policy document`, () => {
      const doc = JSON.parse(readFileSync(file, 'utf8')) as { Version?: string; Statement?: Array<{ Effect?: string; Action?: string | string[] }> };
      assert.equal(doc.Version, '2012-10-17');
      assert.ok(Array.isArray(doc.Statement) && doc.Statement.length > 0);
      assert.ok(doc.Statement.every((st) => st.Effect === 'Allow' && st.Action !== undefined && st.Action !== '*'));
    });
  }
});

// ---- the local variants are the walkthroughs' ScaledObjects, changed only where the source is ----

const localVariants = [
  // [walkthrough, the cluster file, trigger metadata the local file may change (set, or remove: null)]
  {
    dir: 'sqs-queue',
    cluster: 'scaledobject.yaml',
    changed: { queueURL: 'https://sqs.us-west-2.amazonaws.com/123456789012/app-queue', awsEndpoint: 'http://127.0.0.1:5000' },
  },
  { dir: 'cloudwatch-rps', cluster: 'scaledobject.yaml', changed: { awsEndpoint: 'http://127.0.0.1:5000' } },
  { dir: 'otel-collector', cluster: 'gateway/scaledobject-otlp.yaml', changed: {} },
  { dir: 'amp', cluster: 'scaledobject.yaml', changed: { serverAddress: 'http://127.0.0.1:9090', awsRegion: null, identityOwner: null } },
] satisfies Array<{ dir: string; cluster: string; changed: Record<string, string | null> }>;

describe("each local/ variant is the walkthrough's ScaledObject with the target and the source's address changed", () => {
  for (const v of localVariants) {
    test(`${v.dir}: local/updraft.yaml against ${v.cluster}`, () => {
      const local = scaledObject(example(v.dir, 'local', 'updraft.yaml'));
      const cluster = scaledObject(example(v.dir, v.cluster));
      assert.deepEqual(local.spec.scaleTargetRef, { apiVersion: 'updraft.dev/v1alpha1', kind: 'ProcessGroup', name: cluster.spec.scaleTargetRef.name });
      assert.deepEqual([local.metadata.namespace, local.metadata.name], [cluster.metadata.namespace, cluster.metadata.name]);
      const expected = { ...cluster.spec.triggers[0].metadata };
      for (const [k, val] of Object.entries(v.changed)) {
        if (val === null) delete expected[k];
        else expected[k] = val;
      }
      assert.deepEqual(local.spec.triggers[0].metadata, expected);
      assert.deepEqual({ ...local.spec, scaleTargetRef: undefined, triggers: undefined }, { ...cluster.spec, scaleTargetRef: undefined, triggers: undefined });
    });
  }
});

// ---- helpers: the ScaledObject of a file, one read through its scaler, the engine's steps ----

function scaledObject(file: string, name?: string): ScaledObject {
  const parsed = parseManifests(readFileSync(file, 'utf8'), file);
  const so = parsed.objects.find((o): o is ScaledObject => o.kind === 'ScaledObject' && (name === undefined || o.metadata.name === name));
  assert.ok(so, `no ScaledObject${name ? ` ${name}` : ''} in ${file}`);
  return so;
}

interface Read {
  scaler: Pick<Scaler, 'type' | 'metricSpecs' | 'activationThreshold'>;
  reading: Reading;
}

/** One read of trigger 0, with probe's overrides (`--aws-endpoint`, `--prometheus-url`) applied. */
async function readTrigger(
  so: ScaledObject,
  opts: { awsEndpoint?: string; prometheusUrl?: string; now?: () => number; otlpStore?: OtlpMetricStore } = {},
): Promise<Read> {
  const { trigger } = overrideTrigger(so.spec.triggers[0], opts);
  const scaler = buildScaler({
    trigger,
    triggerIndex: 0,
    namespace: so.metadata.namespace,
    objectName: so.metadata.name,
    objectKind: 'ScaledObject',
    authParams: {},
    resolvedEnv: {},
    httpTimeoutMs: 5000,
    awsCredentials: operatorCredentials,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.otlpStore ? { otlpStore: opts.otlpStore } : {}),
  });
  try {
    return { scaler, reading: await scaler.read(AbortSignal.timeout(15_000)) };
  } finally {
    await scaler.close();
  }
}

/** The engine's direct-mode steps (one poll + HPA sync each) on the values read; the pods of the last step exist. */
function engineSteps(so: ScaledObject, read: Read, state: ObjectState, steps: Array<{ value: number; active: boolean; at: number }>) {
  const plan = planObject(so, engineTriggers(so, [read.scaler]), { creationTimestamp: 0 });
  return steps.map((s) => {
    const r = directStep(plan, state, [{ value: s.value, active: s.active }], { now: s.at, statusReplicas: state.replicas, readyPods: state.replicas });
    state = r.state;
    return { replicas: r.state.replicas, reason: r.hpa?.reason ?? r.poll.decision.reason, poll: r.poll.decision.reason, state: r.state };
  });
}

/** An example's TypeScript program as a child process (as `updraft up` runs it), its output lines collected. */
function runExample(file: string, args: string[], env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', basename(file), ...args], {
    cwd: dirname(file),
    env: { ...process.env, ...testKeys, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let buf = '';
  child.stdout?.on('data', (c: Buffer) => {
    buf += c.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    lines,
    exited,
    stderr: () => stderr,
    waitForLine: (re: RegExp, timeoutMs = 30_000) =>
      waitFor(
        `${basename(file)} to print ${re}`,
        async () => {
          if (child.exitCode !== null) throw new Error(`${basename(file)} exited ${child.exitCode}: ${stderr}`);
          return lines.some((l) => re.test(l));
        },
        timeoutMs,
      ),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Wait until no 5-minute boundary falls within `marginMs`: the CloudWatch query windows are 300 s aligned. */
const awayFromBoundary = (marginMs: number) =>
  waitFor('the clock away from a 5-minute boundary', async () => Date.now() % 300_000 < 300_000 - marginMs, marginMs + 5000, 500);

// ---- SQS queue depth ----

describe('sqs-queue, local: the producer fills moto, aws-sqs-queue reads the depth, the engine scales 0 → 4 → 5 → 0', () => {
  let moto: Moto;
  const so = scaledObject(example('sqs-queue', 'local', 'updraft.yaml'));
  // The engine's state after the scale-up, for the scale-down (the HPA's memory of its recommendations included).
  let scaledUp: { state: ObjectState; at: number } | undefined;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => moto?.stop());

  test("the producer's 23 messages read as 23 against queueLength 5: activation 0 → 1 and the HPA maths to 4 (rate limit), then 5", async () => {
    const producer = runExample(example('sqs-queue', 'local', 'producer.ts'), ['23'], { AWS_ENDPOINT_URL: moto.endpoint });
    assert.equal(await producer.exited, 0, producer.stderr());
    assert.match(producer.lines.join('\n'), /sent 23 messages to .*app-queue/);

    const read = await readTrigger(so, { awsEndpoint: moto.endpoint });
    assert.deepEqual(
      [read.scaler.metricSpecs[0].metricName, read.scaler.metricSpecs[0].target, read.reading.metrics[0].value, read.reading.active],
      ['s0-aws-sqs-app-queue', 5, 23, true],
    );
    // The walkthrough's log: "Original Replicas Count 0, New Replicas Count 4" — the HPA's default scale-up policy
    // (4 pods or 100% per 15 s) caps the first step; the next sync reaches ceil(23/5).
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const [first, second] = engineSteps(so, read, initialState(0), [
      { value: 23, active: true, at: t0 },
      { value: 23, active: true, at: t0 + 15_000 },
    ]);
    assert.match(first.poll, /^scale 0→1: /);
    assert.equal(first.replicas, 4, first.reason);
    assert.match(first.reason, /^scale 1→4: s0-aws-sqs-app-queue: ceil\(23\/5\) = 5; scale-up rate limit allows 4/);
    assert.equal(second.replicas, 5, second.reason);
    assert.match(second.reason, /^scale 4→5: s0-aws-sqs-app-queue: ceil\(23\/5\) = 5/);
    scaledUp = { state: second.state, at: t0 + 15_000 };
  });

  test('the consumer drains the queue to 0; within cooldownPeriod 10 s the HPA window holds 5, after it Updraft scales to 0', async () => {
    assert.ok(scaledUp, 'needs the scale-up above');
    const consumer = runExample(example('sqs-queue', 'local', 'consumer.ts'), [], {
      AWS_ENDPOINT_URL: moto.endpoint,
      WORK_MS: '0',
      UPDRAFT_INSTANCE: 'consumer-0',
    });
    try {
      await consumer.waitForLine(/consumer-0 consuming /);
      const drained = await eventually('the queue drained', async () => {
        const r = await readTrigger(so, { awsEndpoint: moto.endpoint });
        return r.reading.metrics[0].value === 0 ? r : undefined;
      });
      assert.equal(drained.reading.active, false);
      assert.ok(consumer.lines.filter((l) => l.startsWith('consumer-0 done: order ')).length >= 23, consumer.lines.join('\n'));
      const [held, down] = engineSteps(so, drained, scaledUp.state, [
        { value: 0, active: false, at: scaledUp.at + 5_000 },
        { value: 0, active: false, at: scaledUp.at + 11_000 },
      ]);
      assert.equal(held.replicas, 5, held.reason);
      assert.equal(down.replicas, 0, down.reason);
    } finally {
      await consumer.stop();
    }
  });
});

// ---- CloudWatch PutMetricData (the app pushes) and the OpenTelemetry Collector's CloudWatch output ----

describe('cloudwatch-rps, local: the app pushes RequestPerSecond to moto, the Metrics Insights trigger reads it', () => {
  let moto: Moto;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => moto?.stop());

  test('6 requests in one second are pushed as RequestPerSecond (Count/Second, Host=<pod>) and read as 6 against target 2: 1 → 3 replicas', async () => {
    // The trigger reads the newest complete 300 s window; the read below asks for the window the pushes are in.
    await awayFromBoundary(20_000);
    const port = await freePort();
    const app = runExample(example('cloudwatch-rps', 'app', 'app.ts'), [], {
      PORT: String(port),
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'us-east-2',
      PUSH_INTERVAL_MS: '1000',
      UPDRAFT_INSTANCE: 'myapi-deployment-0',
    });
    try {
      await app.waitForLine(/pushed RequestPerSecond=0 Host=myapi-deployment-0/);
      await Promise.all(Array.from({ length: 6 }, () => fetch(`http://127.0.0.1:${port}/`).then((r) => r.text())));
      // The six may fall into one push or straddle two; moto sums them either way.
      const pushed = () => app.lines.map((l) => /^pushed RequestPerSecond=([\d.]+) /.exec(l)?.[1]).reduce((s, v) => s + Number(v ?? 0), 0);
      await waitFor('the six requests pushed', async () => pushed() === 6);
      const pushedAt = Date.now();

      // What the app sent: metric, unit and dimension as the walkthrough has them (a metric-stat query moto evaluates).
      const cw = new CloudWatchClient({ region: 'us-east-2', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
      const sent = await cw.send(
        new GetMetricDataCommand({
          StartTime: new Date(pushedAt - 120_000),
          EndTime: new Date(pushedAt + 60_000),
          MetricDataQueries: [
            {
              Id: 'm',
              MetricStat: {
                Metric: { Namespace: 'MyApiNamespace', MetricName: 'RequestPerSecond', Dimensions: [{ Name: 'Host', Value: 'myapi-deployment-0' }] },
                Period: 300,
                Stat: 'Sum',
                Unit: 'Count/Second',
              },
            },
          ],
        }),
      );
      cw.destroy();
      assert.equal(
        (sent.MetricDataResults?.[0]?.Values ?? []).reduce((s, v) => s + v, 0),
        6,
      );

      const so = scaledObject(example('cloudwatch-rps', 'local', 'updraft.yaml'));
      const read = await readTrigger(so, { awsEndpoint: moto.endpoint, now: () => pushedAt + 300_000 });
      assert.deepEqual(
        [read.scaler.metricSpecs[0].metricName, read.scaler.metricSpecs[0].target, read.reading.metrics[0].value, read.reading.active],
        ['s0-aws-cloudwatch', 2, 6, true],
      );
      const [step] = engineSteps(so, read, initialState(1), [{ value: 6, active: true, at: pushedAt }]);
      assert.equal(step.replicas, 3, step.reason);
      assert.match(step.reason, /ceil\(6\/2\) = 3/);
    } finally {
      await app.stop();
    }
  });
});

describe("otel-collector, CloudWatch: the walkthrough's trigger reads what the Collector's EMF export becomes", () => {
  let moto: Moto;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => moto?.stop());

  test('MyWebApi http.server.active_requests = 6 (the metric EMF produces) read against target 2: 1 → 3 replicas', async () => {
    await awayFromBoundary(10_000);
    // CloudWatch turns the awsemf exporter's log events into this metric (namespace, name, dimension service.name).
    const cw = new CloudWatchClient({ region: 'us-east-2', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'MyWebApi',
        MetricData: [{ MetricName: 'http.server.active_requests', Value: 6, Dimensions: [{ Name: 'service.name', Value: 'mywebapi' }] }],
      }),
    );
    cw.destroy();
    const pushedAt = Date.now();
    const so = scaledObject(example('otel-collector', 'scaledobject.yaml'));
    const read = await readTrigger(so, { awsEndpoint: moto.endpoint, now: () => pushedAt + 300_000 });
    assert.deepEqual([read.reading.metrics[0].value, read.reading.active], [6, true]);
    const [step] = engineSteps(so, read, initialState(1), [{ value: 6, active: true, at: pushedAt }]);
    assert.equal(step.replicas, 3, step.reason);
  });
});

// ---- OpenTelemetry push: the app's SDK → Updraft's OTLP receiver → the opentelemetry trigger ----

describe('otel-collector, local: the app exports http.server.active_requests over OTLP to Updraft, the opentelemetry trigger reads the total', () => {
  let store: OtlpMetricStore;
  let receiver: OtlpReceiver;
  let url: string;
  before(async () => {
    store = new OtlpMetricStore();
    receiver = new OtlpReceiver({ store, port: 0, maxBodyBytes: 1024 * 1024 });
    url = (await receiver.start()).url;
  });
  after(() => receiver?.close());

  test('6 requests in progress on one instance read as 6 against threshold 2: 1 → 3 replicas; when they finish, 0', async () => {
    const port = await freePort();
    const app = runExample(example('otel-collector', 'app', 'app.ts'), [], {
      PORT: String(port),
      OTEL_EXPORTER_OTLP_ENDPOINT: url,
      OTEL_METRIC_EXPORT_INTERVAL: '500',
      UPDRAFT_INSTANCE: 'mywebapi-deployment-0',
    });
    try {
      await app.waitForLine(/mywebapi mywebapi-deployment-0 listening/);
      const so = scaledObject(example('otel-collector', 'local', 'updraft.yaml'));
      const inFlight = Array.from({ length: 6 }, () => fetch(`http://127.0.0.1:${port}/?ms=6000`).then((r) => r.text()));
      const read = await eventually(
        'the six requests in progress read',
        async () => {
          const r = await readTrigger(so, { otlpStore: store });
          return r.reading.metrics[0].value === 6 ? r : undefined;
        },
        30_000,
      );
      assert.deepEqual(
        [read.scaler.metricSpecs[0].metricName, read.scaler.metricSpecs[0].target, read.reading.active],
        ['s0-opentelemetry-http-server-active_requests', 2, true],
      );
      const [step] = engineSteps(so, read, initialState(1), [{ value: 6, active: true, at: Date.now() }]);
      assert.equal(step.replicas, 3, step.reason);
      await Promise.all(inFlight);
      await eventually(
        'the finished requests read as 0',
        async () => ((await readTrigger(so, { otlpStore: store })).reading.metrics[0].value === 0 ? true : undefined),
        30_000,
      );
    } finally {
      await app.stop();
    }
  });
});

// ---- Amazon Managed Prometheus, locally a real Prometheus scraping the sample app ----

describe('amp, local: Prometheus scrapes the sample app, the prometheus trigger reads sum(rate(adot_app_request_count_total[1m]))', () => {
  let prom: LocalPrometheus;
  let app: ReturnType<typeof runExample>;
  let port: number;
  let load: NodeJS.Timeout | undefined;
  before(async () => {
    port = await freePort();
    app = runExample(example('amp', 'app', 'app.ts'), [], { PORT: String(port) });
    await app.waitForLine(/sample-app listening/);
    prom = await startPrometheus({}, { targets: [{ job: 'sample-app', target: `127.0.0.1:${port}` }] });
  });
  after(async () => {
    if (load) clearInterval(load);
    await prom?.stop();
    await app?.stop();
  });

  test('about 20 req/s read against threshold 10 asks for ceil(rate/10) replicas (2 or 3)', async () => {
    // Two requests every 100 ms: a steady ~20 req/s for the 1-minute rate.
    load = setInterval(() => {
      for (let i = 0; i < 2; i++)
        void fetch(`http://127.0.0.1:${port}/`).then(
          (r) => r.text(),
          () => undefined,
        );
    }, 100);
    const so = scaledObject(example('amp', 'local', 'updraft.yaml'));
    const read = await eventually(
      'a steady rate near 20 req/s',
      async () => {
        const r = await readTrigger(so, { prometheusUrl: prom.url });
        const v = r.reading.metrics[0].value;
        return v >= 14 && v <= 26 ? r : undefined;
      },
      60_000,
      1000,
    );
    const value = read.reading.metrics[0].value;
    assert.equal(read.scaler.metricSpecs[0].target, 10);
    assert.ok(read.reading.active);
    const [step] = engineSteps(so, read, initialState(1), [{ value, active: true, at: Date.now() }]);
    assert.equal(step.replicas, Math.ceil(value / 10), step.reason);
  });

  test("the blog's vector(100) against threshold 25 holds nginx-scaledobj at exactly 4 replicas", async () => {
    const so = scaledObject(example('amp', 'scaledobjects-blog.yaml'), 'nginx-scaledobj');
    const read = await readTrigger(so, { prometheusUrl: prom.url });
    assert.deepEqual([read.reading.metrics[0].value, read.reading.active], [100, true]);
    const [step] = engineSteps(so, read, initialState(1), [{ value: 100, active: true, at: Date.now() }]);
    assert.equal(step.replicas, 4, step.reason);
    assert.match(step.reason, /ceil\(100\/25\) = 4/);
  });
});
