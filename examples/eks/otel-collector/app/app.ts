// The OpenTelemetry walkthrough's web API: it reports http.server.active_requests (the ASP.NET Core meter's name:
// an up-down counter of requests in progress) over OTLP to OTEL_EXPORTER_OTLP_ENDPOINT — a Collector sidecar on
// localhost, a Collector gateway Service, or Updraft's own OTLP receiver.
//   GET /        the endpoint to load: WORK_MS (default 200 ms) of simulated work, or ?ms=N
//   GET /healthz readiness
import { metrics } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { createServer } from 'node:http';
import { hostname } from 'node:os';

const port = Number(process.env.PORT ?? 8080);
const workMs = Number(process.env.WORK_MS ?? 200);
const exportIntervalMillis = Number(process.env.OTEL_METRIC_EXPORT_INTERVAL ?? 5000);
const instance = process.env.UPDRAFT_INSTANCE ?? process.env.HOSTNAME ?? hostname();

const provider = new MeterProvider({
  resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME ?? 'mywebapi', 'service.instance.id': instance }),
  readers: [
    new PeriodicExportingMetricReader({
      // Reads OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/metrics) and OTEL_EXPORTER_OTLP_HEADERS itself.
      exporter: new OTLPMetricExporter(),
      exportIntervalMillis,
      exportTimeoutMillis: Math.min(10_000, exportIntervalMillis),
    }),
  ],
});
metrics.setGlobalMeterProvider(provider);
const active = metrics.getMeter('mywebapi').createUpDownCounter('http.server.active_requests', { unit: '{request}', description: 'HTTP requests in progress' });

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') return res.end('ok');
  active.add(1);
  const ms = Number(url.searchParams.get('ms') ?? workMs);
  setTimeout(() => {
    active.add(-1);
    res.end('hello\n');
  }, ms);
});
server.listen(port, () => console.log(`mywebapi ${instance} listening on :${port}, exporting every ${exportIntervalMillis} ms`));

process.once('SIGTERM', () => {
  server.close();
  void provider.shutdown().finally(() => process.exit(0));
});
