// The quickstart's sample app: a small web API whose request rate Updraft scales on.
//
//   GET /work      ~50 ms of simulated work (a timer plus a little CPU), the endpoint to load
//   GET /items     a cheap listing
//   GET /healthz   readiness (503 while shutting down)
//   GET /metrics   Prometheus exposition (prom-client), for scraping the same numbers
//
// It reports http.server.request.count, http.server.request.duration and http.server.active_requests over OTLP
// (OpenTelemetry SDK) to OTEL_EXPORTER_OTLP_ENDPOINT — Updraft's receiver when run by `updraft up` — every
// OTEL_METRIC_EXPORT_INTERVAL ms (1000 here, so scaling reacts within a second or two of the load changing).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { metrics } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const port = Number(process.env.PORT ?? 8080);
const instance = process.env.UPDRAFT_INSTANCE ?? `${hostname()}-${process.pid}`;
const workMs = Number(process.env.WORK_MS ?? 50);

// ---- OpenTelemetry: pushed to Updraft ----
const exportIntervalMillis = Number(process.env.OTEL_METRIC_EXPORT_INTERVAL ?? 1000);
const provider = new MeterProvider({
  resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME ?? 'quickstart', 'service.instance.id': instance }),
  readers: [
    new PeriodicExportingMetricReader({
      // The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/metrics) itself.
      exporter: new OTLPMetricExporter(),
      exportIntervalMillis,
      // A late export is worth less than the next one; the SDK requires timeout <= interval.
      exportTimeoutMillis: Math.min(800, exportIntervalMillis),
    }),
  ],
});
metrics.setGlobalMeterProvider(provider);
const meter = metrics.getMeter('quickstart');
const requestCount = meter.createCounter('http.server.request.count', { description: 'HTTP requests served' });
const requestDuration = meter.createHistogram('http.server.request.duration', { unit: 's', description: 'HTTP request duration' });
const activeRequests = meter.createUpDownCounter('http.server.active_requests', { description: 'HTTP requests in progress' });

// ---- Prometheus: scraped from /metrics ----
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const promRequests = new Counter({
  name: 'http_server_requests_total',
  help: 'HTTP requests served',
  labelNames: ['method', 'route', 'status'],
  registers: [registry],
});
const promDuration = new Histogram({
  name: 'http_server_request_duration_seconds',
  help: 'HTTP request duration',
  labelNames: ['method', 'route'],
  registers: [registry],
});
const promActive = new Gauge({ name: 'http_server_active_requests', help: 'HTTP requests in progress', registers: [registry] });

let shuttingDown = false;

async function work(): Promise<object> {
  await new Promise((r) => setTimeout(r, workMs * 0.8));
  // A little real CPU, so many instances on one machine compete like real services do.
  const until = performance.now() + workMs * 0.2;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  return { instance, workedMs: workMs };
}

const routes: Record<string, () => Promise<object>> = {
  '/work': work,
  '/items': async () => ({ items: ['anvil', 'rocket', 'spring'], instance }),
};

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/healthz') {
    res.statusCode = shuttingDown ? 503 : 200;
    return void res.end(shuttingDown ? 'shutting down\n' : 'ok\n');
  }
  if (path === '/metrics') {
    res.setHeader('Content-Type', registry.contentType);
    return void res.end(await registry.metrics());
  }
  const route = routes[path] ? path : 'unknown';
  const method = req.method ?? 'GET';
  const started = performance.now();
  activeRequests.add(1, { 'http.request.method': method });
  promActive.inc();
  let status = 200;
  try {
    const fn = routes[path];
    if (!fn) {
      status = 404;
      res.statusCode = 404;
      res.end(JSON.stringify({ error: `no route ${path}; try /work or /items` }));
    } else {
      const body = await fn();
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(body));
    }
  } catch (err) {
    status = 500;
    res.statusCode = 500;
    res.end(JSON.stringify({ error: String(err) }));
  } finally {
    const seconds = (performance.now() - started) / 1000;
    const attrs = { 'http.request.method': method, 'http.route': route, 'http.response.status_code': status };
    requestCount.add(1, attrs);
    requestDuration.record(seconds, attrs);
    activeRequests.add(-1, { 'http.request.method': method });
    promRequests.inc({ method, route, status: String(status) });
    promDuration.observe({ method, route }, seconds);
    promActive.dec();
  }
}

const server = createServer((req, res) => void handle(req, res));
server.listen(port, '127.0.0.1', () => console.log(`quickstart ${instance} listening on http://127.0.0.1:${port}`));

// Kubernetes-style shutdown: fail readiness, finish what is in flight, send the last metrics, exit.
process.on('SIGTERM', () => {
  shuttingDown = true;
  console.log('SIGTERM: draining');
  server.close(() => {
    provider.shutdown().finally(() => process.exit(0));
  });
  server.closeIdleConnections();
});
