import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import { certFactory, type CertFactory, type Pem } from '../../test/support/openssl-certs.ts';
import { ExternalMetricError, startExternalMetricsServer, type ExternalMetricsProvider, type RunningServer } from './external-metrics.ts';
import { DEFAULT_HEADERS } from './request-header-auth.ts';
import { createRegistry } from './prometheus-metrics.ts';

let certs: CertFactory;
let serverCA: Pem;
let serving: Pem;
let frontProxyCA: Pem;
let frontProxy: Pem;
let otherCN: Pem;
let foreign: Pem;
let server: RunningServer;
const calls: Array<[string, string, string]> = [];
const registry = createRegistry({ defaultMetrics: false });

const provider: ExternalMetricsProvider = {
  async getMetric(namespace, so, metric) {
    calls.push([namespace, so, metric]);
    if (so === 'missing') throw new ExternalMetricError(404, `ScaledObject ${namespace}/${so} not found`);
    if (metric === 's9-broken') throw new Error(`metric:${metric} encountered error`);
    return [
      { metricName: metric, value: 23 },
      { metricName: metric, value: 0.4, timestamp: '2026-01-01T00:00:00Z' },
      { metricName: metric, value: Number.NaN },
    ];
  },
};

before(async () => {
  certs = certFactory();
  serverCA = certs.ca('server-ca');
  serving = certs.leaf('serving', serverCA, { cn: 'updraft-metrics', usage: 'server', hosts: ['127.0.0.1', 'localhost'] });
  frontProxyCA = certs.ca('front-proxy-ca');
  frontProxy = certs.leaf('front-proxy-client', frontProxyCA, { cn: 'front-proxy-client', usage: 'client' });
  otherCN = certs.leaf('someone-else', frontProxyCA, { cn: 'someone-else', usage: 'client' });
  const otherCA = certs.ca('other-ca');
  foreign = certs.leaf('foreign', otherCA, { cn: 'front-proxy-client', usage: 'client' });
  server = await startExternalMetricsServer({
    port: 0,
    host: '127.0.0.1',
    certificate: { certFile: serving.certFile, keyFile: serving.keyFile },
    requestHeader: { clientCA: frontProxyCA.cert, allowedNames: ['front-proxy-client'], ...DEFAULT_HEADERS },
    authorize: async (user, attrs) => ({
      allowed:
        user.groups.includes('system:masters') || (user.username === 'system:serviceaccount:kube-system:horizontal-pod-autoscaler' && attrs.verb === 'list'),
    }),
    provider,
    registry,
  });
});

after(async () => {
  await server?.close();
  certs?.cleanup();
});

interface Reply {
  code: number;
  body: Record<string, unknown>;
}

function get(path: string, opts: { client?: Pem; headers?: Record<string, string | string[]>; maxVersion?: tls.SecureVersion } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        ca: serverCA.cert,
        cert: opts.client?.cert,
        key: opts.client?.key,
        headers: opts.headers,
        agent: false,
        maxVersion: opts.maxVersion,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text } }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const hpaUser = {
  'X-Remote-User': 'system:serviceaccount:kube-system:horizontal-pod-autoscaler',
  'X-Remote-Group': ['system:serviceaccounts', 'system:authenticated'],
};
const metricPath = '/apis/external.metrics.k8s.io/v1beta1/namespaces/prod/s0-aws-sqs-queue?labelSelector=scaledobject.keda.sh%2Fname%3Dworker';

test('the HPA, through the aggregator, gets an ExternalMetricValueList of milli quantities from the provider', async () => {
  calls.length = 0;
  const r = await get(metricPath, { client: frontProxy, headers: hpaUser });
  assert.equal(r.code, 200, JSON.stringify(r.body));
  assert.equal(r.body.kind, 'ExternalMetricValueList');
  assert.equal(r.body.apiVersion, 'external.metrics.k8s.io/v1beta1');
  const items = r.body.items as Array<{ metricName: string; value: string; timestamp: string; metricLabels: object }>;
  assert.deepEqual(
    items.map((i) => i.value),
    ['23', '400m', '0'],
  );
  assert.equal(items[1].timestamp, '2026-01-01T00:00:00Z');
  assert.match(items[0].timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(calls, [['prod', 'worker', 's0-aws-sqs-queue']]);
});

test('identity headers are trusted only with a front-proxy certificate whose CN is allowed', async (t) => {
  const cases: Array<[string, { client?: Pem; headers?: Record<string, string | string[]> }, number, RegExp]> = [
    ['no certificate, spoofed X-Remote-User', { headers: hpaUser }, 401, /no client certificate/],
    ['certificate from another CA', { client: foreign, headers: hpaUser }, 401, /client certificate rejected/],
    ['right CA, CN not allowed', { client: otherCN, headers: hpaUser }, 401, /CN=someone-else is not an allowed requestheader name/],
    ['front-proxy certificate but no user header', { client: frontProxy }, 401, /without a user header/],
    [
      'authenticated but not authorized',
      { client: frontProxy, headers: { 'X-Remote-User': 'mallory', 'X-Remote-Group': 'system:authenticated' } },
      403,
      /user "mallory" cannot list resource "s0-aws-sqs-queue"/,
    ],
  ];
  for (const [name, opts, code, message] of cases) {
    await t.test(`${name}: ${code}, the provider is not asked`, async () => {
      calls.length = 0;
      const r = await get(metricPath, opts);
      assert.equal(r.code, code, name);
      assert.equal(r.body.kind, 'Status', name);
      assert.match(String(r.body.message), message, name);
      assert.deepEqual(calls, [], `${name}: the provider must not be asked`);
    });
  }
});

test('requests without the ScaledObject selector fail with KEDA message; provider errors keep their code', async (t) => {
  const admin = { client: frontProxy, headers: { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' } };
  const cases: Array<[string, number, RegExp]> = [
    ['/apis/external.metrics.k8s.io/v1beta1/namespaces/prod/s0-x', 400, /^scaledObject name is not specified$/],
    ['/apis/external.metrics.k8s.io/v1beta1/namespaces/prod/s0-x?labelSelector=app%3Dweb', 400, /^scaledObject name is not specified$/],
    [
      '/apis/external.metrics.k8s.io/v1beta1/namespaces/prod/s0-x?labelSelector=scaledobject.keda.sh%2Fname%3Dmissing',
      404,
      /ScaledObject prod\/missing not found/,
    ],
    [
      '/apis/external.metrics.k8s.io/v1beta1/namespaces/prod/s9-broken?labelSelector=scaledobject.keda.sh%2Fname%3Dworker',
      500,
      /metric:s9-broken encountered error/,
    ],
    ['/apis/external.metrics.k8s.io/v1beta1/namespaces/prod', 404, /could not find the requested resource/],
  ];
  for (const [path, code, message] of cases) {
    await t.test(`${path.replace('/apis/external.metrics.k8s.io/v1beta1', '')} answers ${code}`, async () => {
      const r = await get(path, admin);
      assert.equal(r.code, code, path);
      assert.match(String(r.body.message), message, path);
    });
  }
});

test('discovery and OpenAPI documents describe external.metrics.k8s.io/v1beta1', async (t) => {
  const admin = { client: frontProxy, headers: { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' } };
  const resources = await get('/apis/external.metrics.k8s.io/v1beta1', admin);
  assert.equal(resources.body.kind, 'APIResourceList');
  assert.equal(resources.body.groupVersion, 'external.metrics.k8s.io/v1beta1');
  assert.deepEqual(resources.body.resources, [
    { name: 'externalmetrics', singularName: '', namespaced: true, kind: 'ExternalMetricValueList', verbs: ['get'] },
  ]);
  const group = await get('/apis/external.metrics.k8s.io', admin);
  assert.equal(group.body.kind, 'APIGroup');
  const groups = await get('/apis', admin);
  assert.equal(groups.body.kind, 'APIGroupList');
  for (const p of ['/openapi/v2', '/openapi/v3', '/openapi/v3/apis/external.metrics.k8s.io/v1beta1'])
    await t.test(`${p} is served`, async () => assert.equal((await get(p, admin)).code, 200, p));
});

test('probes answer without a client certificate (kubelet has none)', async (t) => {
  for (const p of ['/healthz', '/livez', '/readyz']) await t.test(`${p} answers 200`, async () => assert.equal((await get(p)).code, 200, p));
});

test('request metrics are recorded per route and status code', async () => {
  const text = await registry.metrics();
  assert.match(text, /updraft_http_requests_total\{server="external-metrics",route="metric",method="GET",code="200"\} [1-9]/);
  assert.match(text, /updraft_http_requests_total\{server="external-metrics",route="unauthenticated",method="GET",code="401"\} [1-9]/);
});

test('with TLS 1.3 only, a TLS 1.2 client cannot connect; a rotated certificate file is served after reload', async () => {
  const local = certFactory();
  try {
    const ca2 = local.ca('ca2');
    const first = local.leaf('first', ca2, { cn: 'first', usage: 'server', hosts: ['127.0.0.1'] });
    const second = local.leaf('second', ca2, { cn: 'second', usage: 'server', hosts: ['127.0.0.1'] });
    const certFile = `${local.dir}/live.crt`;
    const keyFile = `${local.dir}/live.key`;
    copyFileSync(first.certFile, certFile);
    copyFileSync(first.keyFile, keyFile);
    const s = await startExternalMetricsServer({
      port: 0,
      host: '127.0.0.1',
      certificate: { certFile, keyFile },
      minTlsVersion: 'TLSv1.3',
      requestHeader: { clientCA: frontProxyCA.cert, allowedNames: [], ...DEFAULT_HEADERS },
      provider,
    });
    const peerCN = (maxVersion?: tls.SecureVersion) =>
      new Promise<string>((resolve, reject) => {
        const sock = tls.connect({ host: '127.0.0.1', port: s.port, ca: ca2.cert, maxVersion }, () => {
          const cn = String(sock.getPeerCertificate().subject.CN);
          sock.end();
          resolve(cn);
        });
        sock.on('error', reject);
      });
    try {
      await assert.rejects(peerCN('TLSv1.2'));
      assert.equal(await peerCN(), 'first');
      copyFileSync(second.certFile, certFile);
      copyFileSync(second.keyFile, keyFile);
      s.reloadCertificate();
      assert.equal(await peerCN(), 'second');
    } finally {
      await s.close();
    }
  } finally {
    local.cleanup();
  }
});
