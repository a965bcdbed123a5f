// Prometheus exposition shared by every Updraft server: each process owns one prom-client Registry (never the
// global one, so tests and embedded uses do not collide), request metrics per server, and a small plain-HTTP
// server for `:8080/metrics` plus the `:8081` style probes (KEDA serves metrics on 8080, probes on 8081).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export function createRegistry(opts: { defaultMetrics?: boolean; labels?: Record<string, string> } = {}): Registry {
  const registry = new Registry();
  if (opts.labels) registry.setDefaultLabels(opts.labels);
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}

export interface RequestMetrics {
  observe(route: string, method: string, code: number, seconds: number): void;
}

/** `updraft_http_requests_total` and `updraft_http_request_duration_seconds`, labelled by server and route. */
export function requestMetrics(registry: Registry, server: string): RequestMetrics {
  const get = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? make();
  const total = get(
    'updraft_http_requests_total',
    () =>
      new Counter({
        name: 'updraft_http_requests_total',
        help: 'HTTP requests served, by server, route, method and status code',
        labelNames: ['server', 'route', 'method', 'code'],
        registers: [registry],
      }),
  );
  const duration = get(
    'updraft_http_request_duration_seconds',
    () =>
      new Histogram({
        name: 'updraft_http_request_duration_seconds',
        help: 'HTTP request latency, by server and route',
        labelNames: ['server', 'route'],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
        registers: [registry],
      }),
  );
  return {
    observe(route, method, code, seconds) {
      total.inc({ server, route, method, code: String(code) });
      duration.observe({ server, route }, seconds);
    },
  };
}

/**
 * The registry as registry.metrics() writes it, one metric family at a time with a turn of the event loop between
 * them: at 10,000 ScaledObjects the page is ~10 MB and rendering it in one go blocks the process ~0.4 s, which every
 * scale loop due meanwhile would wait for; family by family the longest block is one family (~50 ms).
 */
export async function renderMetrics(registry: Registry): Promise<string> {
  if (registry.contentType !== Registry.PROMETHEUS_CONTENT_TYPE) return registry.metrics();
  const parts: string[] = [];
  for (const metric of registry.getMetricsAsArray()) {
    parts.push(await registry.getSingleMetricAsString((metric as { name: string }).name));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return `${parts.join('\n\n')}\n`;
}

/** Write the registry in the Prometheus text format. */
export async function writeMetrics(registry: Registry, res: http.ServerResponse): Promise<void> {
  const body = await renderMetrics(registry);
  res.writeHead(200, { 'Content-Type': registry.contentType });
  res.end(body);
}

export type ReadyCheck = () => boolean | Promise<boolean>;

/**
 * Answer `/healthz`, `/livez` (process alive) and `/readyz` (ready() true) requests. Returns false when the path is
 * not a probe, so callers can chain it in front of their routes.
 */
export async function handleProbe(path: string, res: http.ServerResponse, ready: ReadyCheck = () => true): Promise<boolean> {
  const p = path.split('?')[0];
  if (p === '/healthz' || p === '/livez') {
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    return true;
  }
  if (p === '/readyz') {
    const ok = await Promise.resolve(ready()).catch(() => false);
    res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain' }).end(ok ? 'ok' : 'not ready');
    return true;
  }
  return false;
}

type PlainServer = { port: number; close(): Promise<void> };

async function listenPlain(port: number, host: string | undefined, route: (path: string, res: http.ServerResponse) => Promise<void>): Promise<PlainServer> {
  const server = http.createServer((req, res) => {
    route(req.url ?? '/', res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const notFound = (res: http.ServerResponse) => void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');

/** Plain-HTTP server for `/metrics`, `/healthz`, `/livez`, `/readyz`. Resolves with the bound port. */
export function startMetricsServer(opts: { port: number; host?: string; registry: Registry; ready?: ReadyCheck }): Promise<PlainServer> {
  return listenPlain(opts.port, opts.host, async (url, res) => {
    if (await handleProbe(url, res, opts.ready)) return;
    if (url.split('?')[0] === '/metrics') return writeMetrics(opts.registry, res);
    notFound(res);
  });
}

/** Plain-HTTP server for the kubelet's probes only (`/healthz`, `/livez`, `/readyz`). */
export function startProbeServer(opts: { port: number; host?: string; ready?: ReadyCheck }): Promise<PlainServer> {
  return listenPlain(opts.port, opts.host, async (url, res) => {
    if (!(await handleProbe(url, res, opts.ready))) notFound(res);
  });
}
