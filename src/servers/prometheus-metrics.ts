// Prometheus exposition shared by every Updraft server: each process owns one prom-client Registry (never the
// global one, so tests and embedded uses do not collide), request metrics per server, and a small plain-HTTP
// server for `:8080/metrics` plus the `:8081` style probes (KEDA serves metrics on 8080, probes on 8081).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export function createRegistry(opts: { defaultMetrics?: boolean; labels?: Record<string, string> } = {}): Registry {
  const registry = new Registry();
  if (opts.labels) {
    registry.setDefaultLabels(opts.labels);
    defaultLabelsOf.set(registry, opts.labels);
  }
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

/** Default labels of the registries createRegistry made (prom-client keeps its own private). */
const defaultLabelsOf = new WeakMap<Registry, Record<string, string>>();

/** Series written between two turns of the event loop. */
const SERIES_PER_TURN = 1000;

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const escapeText = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (v: unknown) => (typeof v === 'string' ? escapeText(v).replace(/"/g, '\\"') : String(v));
const formatLabels = (labels: Record<string, unknown>, exclude?: Record<string, unknown>) =>
  Object.entries(labels)
    .filter(([k]) => !exclude || !Object.hasOwn(exclude, k))
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`);
const valueText = (v: number) => (Number.isNaN(v) ? 'Nan' : !Number.isFinite(v) ? (v < 0 ? '-Inf' : '+Inf') : `${v}`);

interface FamilyValue {
  metricName?: string;
  labels?: Record<string, unknown>;
  sharedLabels?: Record<string, unknown>;
  value: number;
}

/** One family as prom-client's registry writes it (lib/registry.js getMetricsAsString), yielding every SERIES_PER_TURN series. */
async function familyText(metric: unknown, defaultLabels: Record<string, string> | undefined): Promise<string> {
  const m = metric as { getForPromString?: () => Promise<unknown>; get: () => Promise<unknown> };
  const item = (await (m.getForPromString ? m.getForPromString() : m.get())) as { name: string; help: string; type: string; values?: FamilyValue[] };
  const name = escapeText(item.name);
  const lines = [`# HELP ${name} ${escapeText(item.help)}`, `# TYPE ${name} ${item.type}`];
  const values = item.values ?? [];
  for (let i = 0; i < values.length; i++) {
    if (i > 0 && i % SERIES_PER_TURN === 0) await turn();
    const v = values[i];
    let labels = v.labels ?? {};
    if (defaultLabels) labels = { ...labels, ...defaultLabels, ...labels };
    const shared = v.sharedLabels ?? {};
    const parts = [...formatLabels(labels, shared), formatLabels(shared).join(',')].filter(Boolean);
    lines.push(`${v.metricName ?? name}${parts.length ? `{${parts.join(',')}}` : ''} ${valueText(v.value)}`);
  }
  return lines.join('\n');
}

/**
 * The registry as registry.metrics() writes it, with a turn of the event loop every SERIES_PER_TURN series: at
 * 10,000 ScaledObjects the page is ~10 MB, and one family of it (10,000 series) written in one go blocked the process
 * for up to ~0.7 s every scrape — every scale loop due meanwhile started that late. (prom-client writes a family in
 * one synchronous pass; this writes the same text, lib/registry.js getMetricsAsString, in slices.)
 */
export async function renderMetrics(registry: Registry): Promise<string> {
  if (registry.contentType !== Registry.PROMETHEUS_CONTENT_TYPE) return registry.metrics();
  const defaults = defaultLabelsOf.get(registry);
  const parts: string[] = [];
  for (const metric of registry.getMetricsAsArray()) {
    parts.push(await familyText(metric, defaults && Object.keys(defaults).length > 0 ? defaults : undefined));
    await turn();
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
