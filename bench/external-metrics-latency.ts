// External metrics API latency: the aggregator's view (one kept-alive TLS connection with the front-proxy client
// certificate, authenticated request headers, SubjectAccessReview left out) against a provider that answers from
// memory, i.e. the handler cost the HPA sees per sync.
// usage: node --import tsx bench/external-metrics-latency.ts [requests=5000] [concurrency=4]
import https from 'node:https';
import { certFactory } from '../test/support/openssl-certs.ts';
import { startExternalMetricsServer } from '../src/servers/external-metrics.ts';
import { DEFAULT_HEADERS } from '../src/servers/request-header-auth.ts';

const total = Number(process.argv[2] ?? 5000);
const concurrency = Number(process.argv[3] ?? 4);
const certs = certFactory();
try {
  const ca = certs.ca('bench-ca');
  const serving = certs.leaf('serving', ca, { cn: 'bench', usage: 'server', hosts: ['127.0.0.1'] });
  const fpCA = certs.ca('fp-ca');
  const fp = certs.leaf('fp', fpCA, { cn: 'front-proxy-client', usage: 'client' });
  const server = await startExternalMetricsServer({
    port: 0,
    host: '127.0.0.1',
    certificate: { certFile: serving.certFile, keyFile: serving.keyFile },
    requestHeader: { clientCA: fpCA.cert, allowedNames: ['front-proxy-client'], ...DEFAULT_HEADERS },
    provider: { getMetric: async (_ns, _so, metric) => [{ metricName: metric, value: 17.5 }] },
  });
  const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency, ca: ca.cert, cert: fp.cert, key: fp.key });
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const req = https.request(
        {
          host: '127.0.0.1',
          port: server.port,
          agent,
          path: '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/s0-queue?labelSelector=scaledobject.keda.sh%2Fname%3Dworker',
          headers: { 'X-Remote-User': 'system:serviceaccount:kube-system:horizontal-pod-autoscaler', 'X-Remote-Group': 'system:serviceaccounts' },
        },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`status ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end();
    });
  for (let i = 0; i < 200; i++) await one(); // warm up
  const samples: number[] = [];
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (samples.length < total) samples.push(await one());
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))].toFixed(3);
  console.log(`external metrics GET, ${samples.length} requests, concurrency ${concurrency}, node ${process.version}`);
  console.log(`throughput ${(samples.length / seconds).toFixed(0)} req/s; latency ms p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} max ${q(1)}`);
  agent.destroy();
  await server.close();
} finally {
  certs.cleanup();
}
