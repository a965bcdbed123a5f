// Operator-managed certificates on a real control plane (src/operator/cert-rotation.ts, KEDA's --enable-cert-rotation):
// the operator starts with no certificate, creates its CA and serving certificate in a Secret and patches the caBundle
// of the APIService and the ValidatingWebhookConfiguration; then, with a 40 s certificate renewed at half its life and
// an 80 s CA, a steady stream of metrics-API reads (through the aggregator) and webhook calls (server-side dry-run
// creates of ScaledObjects, failurePolicy Fail) runs across several rotations, one of them a new CA: no call may fail
// and the operator process is the same throughout. Also: a standby serves what the leader wrote, and with mounted
// certificates the rotation is off and the Secret untouched. The rotation figures are printed (docs/operator.md).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GVR, isNotFound, KubeClient, type KubeObject } from '../../src/kube/client.ts';
import { serviceDnsNames } from '../../src/api/cert-settings.ts';
import { startOperator, type RunningOperator } from '../../src/operator/operator.ts';
import type { CertRotator } from '../../src/operator/cert-rotation.ts';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { freePort } from '../support/free-port.ts';
import { deploymentObject } from '../support/manifests.ts';
import { installCrds } from '../support/metrics-api-registration.ts';
import { eventually, waitFor } from '../support/wait.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const NS = 'default';
const METRICS_SVC = 'updraft-operator-metrics-apiserver';
const WEBHOOK_SVC = 'updraft-admission-webhooks';
const APISERVICE = 'v1beta1.external.metrics.k8s.io';
const WEBHOOK_CONFIG = 'updraft-admission';
const SECRET = 'updraft-certs';

type SecretObject = KubeObject & { data?: Record<string, string> };
type ApiService = KubeObject & { spec: { caBundle?: string }; status?: { conditions?: Array<{ type: string; status: string }> } };
type WebhookConfig = KubeObject & { webhooks: Array<{ clientConfig: { caBundle?: string } }> };

describe('operator-managed certificates (KEDA --enable-cert-rotation) on a real control plane', { timeout: 600_000 }, () => {
  let cp: ControlPlane;
  let client: KubeClient;
  let metricsPort: number;
  let webhookPort: number;
  const operators: RunningOperator[] = [];
  const logs: string[] = [];

  const rotation = {
    namespace: NS,
    secretName: SECRET,
    dnsNames: serviceDnsNames([METRICS_SVC, 'updraft-operator', WEBHOOK_SVC], NS, 'cluster.local'),
    caValidityMs: 80_000,
    certValidityMs: 40_000,
    renewBefore: { fraction: 0.5 },
    bundlePropagationMs: 3_000,
    apiServices: [APISERVICE],
    apiServiceBackend: { namespace: NS, name: METRICS_SVC },
    validatingWebhooks: [WEBHOOK_CONFIG],
  };
  const operator = async (identity: string, servers: { metricsPort: number; webhookPort?: number }) => {
    const log = (level: string) => (o: Record<string, unknown>, m: string) => void logs.push(`${identity} ${level} ${m} ${JSON.stringify(o)}`);
    const op = await startOperator({
      client,
      log: { info: log('info'), warn: log('warn'), error: log('error') },
      namespace: NS,
      defaultMode: 'hpa',
      leaderElection: true,
      leaseName: 'cert-rotation-e2e',
      identity,
      leaseDurationMs: 4000,
      renewDeadlineMs: 3000,
      retryPeriodMs: 500,
      kedaLease: false,
      // No certificate files anywhere: the operator's own rotation serves both servers.
      externalMetrics: { port: servers.metricsPort, host: '127.0.0.1', certFile: '/nonexistent/tls.crt', keyFile: '/nonexistent/tls.key' },
      webhook: servers.webhookPort
        ? { port: servers.webhookPort, host: '127.0.0.1', certFile: '/nonexistent/tls.crt', keyFile: '/nonexistent/tls.key' }
        : undefined,
      certRotation: rotation,
    });
    operators.push(op);
    return op;
  };
  const secret = () => client.get<SecretObject>(GVR.secrets, NS, SECRET);
  const soObject = (name: string, target: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, namespace: NS },
    spec: {
      scaleTargetRef: { name: target },
      pollingInterval: 1,
      triggers: [{ type: 'cron', metadata: { timezone: 'Etc/UTC', start: '0 0 * * *', end: '59 23 * * *', desiredReplicas: '1' } }],
      ...extra,
    },
  });
  /** The serial the server on `port` hands out, verified against `ca` for the metrics Service's name. */
  const servedSerial = (port: number, ca: string) =>
    new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, servername: `${METRICS_SVC}.${NS}.svc`, ca }, () => {
        const serial = (s.getPeerCertificate() as PeerCertificate).serialNumber;
        s.end();
        resolve(serial);
      });
      s.on('error', reject);
    });
  let leader: RunningOperator;
  let leaderCerts: CertRotator;

  before(async () => {
    cp = await startControlPlane();
    await installCrds(cp, root);
    client = await KubeClient.fromEnvironment({ kubeconfig: cp.kubeconfig });
    metricsPort = await freePort();
    webhookPort = await freePort();
    // As the chart registers them, without any caBundle: the operator must publish it. The apiserver refuses
    // loopback Endpoints, so both Services are ExternalNames for 127.0.0.1 (test/support/metrics-api-registration.ts).
    const webhookRule = (name: string, path: string, resource: string) => ({
      name,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Fail',
      timeoutSeconds: 5,
      clientConfig: { service: { name: WEBHOOK_SVC, namespace: NS, path, port: webhookPort } },
      rules: [{ apiGroups: ['keda.sh'], apiVersions: ['v1alpha1'], operations: ['CREATE', 'UPDATE'], resources: [resource] }],
    });
    await cp.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: METRICS_SVC, namespace: NS },
            spec: { type: 'ExternalName', externalName: '127.0.0.1', ports: [{ name: 'https', port: metricsPort }] },
          },
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: WEBHOOK_SVC, namespace: NS },
            spec: { type: 'ExternalName', externalName: '127.0.0.1', ports: [{ name: 'https', port: webhookPort }] },
          },
          {
            apiVersion: 'apiregistration.k8s.io/v1',
            kind: 'APIService',
            metadata: { name: APISERVICE },
            spec: {
              group: 'external.metrics.k8s.io',
              version: 'v1beta1',
              service: { namespace: NS, name: METRICS_SVC, port: metricsPort },
              groupPriorityMinimum: 100,
              versionPriority: 100,
            },
          },
          {
            apiVersion: 'admissionregistration.k8s.io/v1',
            kind: 'ValidatingWebhookConfiguration',
            metadata: { name: WEBHOOK_CONFIG },
            webhooks: [
              webhookRule('vscaledobject.kb.io', '/validate-keda-sh-v1alpha1-scaledobject', 'scaledobjects'),
              webhookRule('vscaledjob.kb.io', '/validate-keda-sh-v1alpha1-scaledjob', 'scaledjobs'),
            ],
          },
        ],
      }),
    });
    for (const name of ['web', 'dry', 'taken']) await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(deploymentObject(name, 0)) });
    leader = await operator('leader', { metricsPort, webhookPort });
    leaderCerts = leader.certRotation!;
    await waitFor('the first operator to lead', async () => leader.isLeader(), 30_000);
  });

  after(async () => {
    for (const op of operators) await op.stop().catch(() => undefined);
    await cp?.stop();
    if (process.env.UPDRAFT_E2E_LOGS === '1') console.log(logs.join('\n'));
  });

  test('with no certificate mounted, the operator creates the Secret, patches both caBundles, and the aggregator and the webhook client trust it', async () => {
    const s = await secret();
    // hygiene: allow-table the four keys of ONE Secret
    for (const key of ['ca.crt', 'ca.key', 'tls.crt', 'tls.key']) assert.ok(s.data?.[key], `Secret ${SECRET} has ${key}`);
    const cert = new X509Certificate(Buffer.from(s.data!['tls.crt']!, 'base64'));
    assert.match(cert.subjectAltName ?? '', new RegExp(`DNS:${METRICS_SVC}\\.${NS}\\.svc\\b`));
    assert.match(cert.subjectAltName ?? '', new RegExp(`DNS:${WEBHOOK_SVC}\\.${NS}\\.svc\\.cluster\\.local\\b`));
    await eventually(
      'the caBundles to equal the Secret ca.crt',
      async () => {
        const [bundle, svc, hooks] = [
          (await secret()).data!['ca.crt'],
          await client.get<ApiService>(GVR.apiServices, undefined, APISERVICE),
          await client.get<WebhookConfig>(GVR.validatingWebhookConfigurations, undefined, WEBHOOK_CONFIG),
        ];
        return svc.spec.caBundle === bundle && hooks.webhooks.every((h) => h.clientConfig.caBundle === bundle) ? true : undefined;
      },
      30_000,
    );
    await eventually(
      'APIService Available',
      async () => {
        const svc = await client.get<ApiService>(GVR.apiServices, undefined, APISERVICE);
        return svc.status?.conditions?.find((c) => c.type === 'Available')?.status === 'True' ? true : undefined;
      },
      60_000,
    );
    // The webhook answers the apiserver: it admits a ScaledObject, then denies a second one for the same workload
    // (Updraft's validator's message, not "failed calling webhook").
    await eventually(
      'the webhook to admit a ScaledObject',
      () => client.create(GVR.scaledObjects, soObject('owner', 'taken') as KubeObject).catch(() => undefined),
      30_000,
    );
    let last = '';
    const denied = await eventually(
      'the webhook to deny an invalid ScaledObject',
      async () => {
        try {
          // Only the webhook knows the workload is taken (KEDA verifyScaledObjects); the CRD schema cannot refuse it.
          await client.create(GVR.scaledObjects, soObject('dup', 'taken') as KubeObject, { dryRun: true });
          last = 'admitted';
          return undefined;
        } catch (err) {
          const m = (last = (err as Error).message);
          return /denied the request/.test(m) ? m : undefined;
        }
      },
      30_000,
    ).catch((err: Error) => assert.fail(`${err.message}; last answer: ${last}`));
    assert.match(denied, /admission webhook "vscaledobject\.kb\.io" denied the request: .*taken/);
    assert.ok(!logs.some((l) => /PRIVATE KEY|BEGIN CERTIFICATE/.test(l)), 'no key or certificate material in the logs');
  });

  test('a standby serves the certificate the leader wrote and reloads it after the leader rotates it; it writes and patches nothing', async () => {
    const standby = await operator('standby', { metricsPort: await freePort() });
    const certs = standby.certRotation!;
    assert.equal(standby.isLeader(), false);
    assert.equal(certs.servingSerial(), leaderCerts.servingSerial());
    const before = leaderCerts.servingSerial();
    const rotated = await eventually(
      'the leader to rotate',
      async () => (leaderCerts.servingSerial() !== before ? leaderCerts.servingSerial() : undefined),
      40_000,
    );
    await waitFor('the standby to serve the rotated certificate', async () => certs.servingSerial() === leaderCerts.servingSerial(), 10_000);
    const bundle = Buffer.from((await secret()).data!['ca.crt']!, 'base64').toString();
    assert.equal(await servedSerial(standby.metricsApiPort!, bundle), certs.servingSerial());
    assert.ok(rotated, 'the leader rotated');
    assert.deepEqual(certs.patches, []);
    assert.deepEqual(certs.cas, []);
  });

  test('rotations under a steady stream of metrics-API reads and webhook calls: no failed call, the same operator, a new CA among them', async (t) => {
    await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(soObject('web', 'web')) });
    const metric = await eventually('HPA keda-hpa-web', async () => {
      const hpa = await client
        .get<KubeObject & { spec: { metrics: Array<{ external: { metric: { name: string } } }> } }>(GVR.hpas, NS, 'keda-hpa-web')
        .catch(() => undefined);
      return hpa?.spec.metrics[0]?.external.metric.name;
    });
    const path = `/apis/external.metrics.k8s.io/v1beta1/namespaces/${NS}/${metric}`;
    const readMetric = () => client.request({ method: 'GET', path, query: { labelSelector: 'scaledobject.keda.sh/name=web' }, timeoutMs: 10_000 });
    await eventually(
      'the metrics API to answer through the aggregator',
      () =>
        readMetric()
          .then(() => true)
          .catch(() => undefined),
      60_000,
    );

    const started = Date.now();
    const firstSerial = leaderCerts.servingSerial();
    const calls = { metrics: 0, webhook: 0 };
    const failures: string[] = [];
    let stop = false;
    let n = 0;
    const loop = async (kind: 'metrics' | 'webhook', everyMs: number, call: () => Promise<unknown>) => {
      while (!stop) {
        const at = Date.now();
        try {
          await call();
        } catch (err) {
          failures.push(`${kind} at +${at - started} ms: ${(err as Error).message}`);
        }
        calls[kind]++;
        // hygiene: allow-sleep the stream's pacing (one call every everyMs), not a wait for a condition
        await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - at))));
      }
    };
    const loops = [
      loop('metrics', 100, readMetric),
      loop('webhook', 200, () => client.create(GVR.scaledObjects, soObject(`dry-${n++}`, 'dry') as KubeObject, { dryRun: true })),
    ];
    const newServed = () => leaderCerts.records.filter((r) => r.servedAt !== undefined && r.servedAt >= started);
    const newCaServed = () =>
      leaderCerts.cas.some((ca) => ca.at >= started && newServed().some((r) => r.caSerial === ca.serial && r.firstHandshakeAt !== undefined));
    try {
      await waitFor(
        'two rotations, one of them under a new CA, each handed out to a client',
        async () => newServed().length >= 2 && newCaServed() && newServed().every((r) => r.firstHandshakeAt !== undefined),
        150_000,
        250,
      );
      // Keep the stream a few seconds past the last swap: connections of the old certificate drain.
      const until = Date.now() + 3_000;
      await waitFor('the stream to run on past the last rotation', async () => Date.now() >= until, 10_000);
    } finally {
      stop = true;
      await Promise.all(loops);
    }

    // The figures (docs/operator.md "Certificates").
    const rel = (x?: number) => (x === undefined ? undefined : x - started);
    const figures = {
      streamSeconds: (Date.now() - started) / 1000,
      calls,
      failures: failures.length,
      rotations: leaderCerts.records
        .filter((r) => r.issuedAt >= started)
        .map((r) => ({
          serial: r.serial.slice(0, 8),
          ca: r.caSerial.slice(0, 8),
          issuedMs: rel(r.issuedAt),
          servedAfterMs: (r.servedAt ?? NaN) - r.issuedAt,
          firstHandshakeAfterServedMs: (r.firstHandshakeAt ?? NaN) - (r.servedAt ?? NaN),
        })),
      newCas: leaderCerts.cas
        .filter((c) => c.at >= started)
        .map((c) => ({
          ca: c.serial.slice(0, 8),
          createdMs: rel(c.at),
          patchedAfterMs: Object.fromEntries(
            [APISERVICE, WEBHOOK_CONFIG].map((name) => [
              name,
              (leaderCerts.patches.find((p) => p.target.endsWith(name) && p.at >= c.at && p.caSerials.includes(c.serial))?.at ?? NaN) - c.at,
            ]),
          ),
          servedAfterMs: (leaderCerts.records.find((r) => r.caSerial === c.serial)?.servedAt ?? NaN) - c.at,
        })),
    };
    t.diagnostic(JSON.stringify(figures));
    writeFileSync(join(tmpdir(), 'updraft-cert-rotation-figures.json'), JSON.stringify(figures, null, 2));
    assert.deepEqual(failures, [], 'no call failed');
    assert.ok(calls.metrics > 100 && calls.webhook > 50, `a steady stream ran (${JSON.stringify(calls)})`);
    assert.ok(new Set(leaderCerts.records.map((r) => r.serial)).size >= 3, 'at least three serials (the first and two rotations)');
    assert.notEqual(leaderCerts.servingSerial(), firstSerial);
    assert.equal(operators[0], leader, 'the same operator process served throughout');
    assert.ok(!logs.some((l) => /PRIVATE KEY|BEGIN CERTIFICATE/.test(l)), 'no key or certificate material in the logs');
  });

  test('a caBundle reset by someone else (a helm upgrade, an edit) is patched back by the leader at once', async () => {
    const stale = readFileSync(cp.caFile).toString('base64');
    await client.mergePatch(GVR.apiServices, undefined, APISERVICE, { spec: { caBundle: stale } });
    await eventually(
      // Within seconds, not at the 12 h resync: the APIService is watched.
      'the APIService caBundle to be the Secret ca.crt again',
      async () =>
        (await client.get<ApiService>(GVR.apiServices, undefined, APISERVICE)).spec.caBundle === (await secret()).data!['ca.crt'] ? true : undefined,
      15_000,
    );
  });

  test("an APIService routed to another Service (KEDA's metrics server during a migration) keeps its caBundle", async () => {
    const stale = readFileSync(cp.caFile).toString('base64');
    await client.mergePatch(GVR.apiServices, undefined, APISERVICE, { spec: { caBundle: stale, service: { name: 'keda-operator-metrics-apiserver' } } });
    await waitFor(
      'the leader to say why it leaves the APIService alone',
      async () => logs.some((l) => l.startsWith('leader warn') && l.includes('routes to default/keda-operator-metrics-apiserver')),
      15_000,
    );
    assert.equal((await client.get<ApiService>(GVR.apiServices, undefined, APISERVICE)).spec.caBundle, stale);
    // Pointed back at the operator's Service, it is managed again.
    await client.mergePatch(GVR.apiServices, undefined, APISERVICE, { spec: { service: { name: METRICS_SVC } } });
    await eventually(
      'the caBundle to be the Secret ca.crt again',
      async () =>
        (await client.get<ApiService>(GVR.apiServices, undefined, APISERVICE)).spec.caBundle === (await secret()).data!['ca.crt'] ? true : undefined,
      15_000,
    );
  });

  test('with certificates mounted (no --enable-cert-rotation), `updraft operator` serves the files and leaves the Secret alone', async () => {
    const issued = await cp.issueServingCert('mounted', [`${METRICS_SVC}.${NS}.svc`]);
    const dir = mkdtempSync(join(tmpdir(), 'updraft-mounted-'));
    copyFileSync(issued.certFile, join(dir, 'tls.crt'));
    copyFileSync(issued.keyFile, join(dir, 'tls.key'));
    const port = await freePort();
    const proc = spawn(
      process.execPath,
      [
        join(root, 'bin', 'updraft.js'),
        'operator',
        `--kubeconfig=${cp.kubeconfig}`,
        `--namespace=${NS}`,
        '--no-leader-elect',
        '--leader-election-id=cert-rotation-mounted',
        '--take-over-from-keda',
        `--metrics-api-bind-address=127.0.0.1:${port}`,
        '--metrics-bind-address=0',
        '--health-probe-bind-address=0',
        `--cert-dir=${dir}`,
        '--cert-secret-name=updraft-mounted-certs',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    try {
      const started = await eventually('the operator to start', async () => out.split('\n').find((l) => l.includes('"operator started"')), 60_000, 200);
      assert.match(started, /"certificates":"files \(certificate mounted at [^"]*tls\.crt\)"/);
      const fileSerial = new X509Certificate(readFileSync(issued.certFile)).serialNumber;
      assert.equal(await servedSerial(port, readFileSync(issued.caFile, 'utf8')), fileSerial);
      await assert.rejects(client.get(GVR.secrets, NS, 'updraft-mounted-certs'), (err) => isNotFound(err));
    } finally {
      proc.kill('SIGTERM');
      await exited;
    }
  });
});
