// A ProcessGroup's `spec.service`: the local stand-in for a Kubernetes Service (plus the request buffering that
// KEDA's HTTP add-on adds in a cluster). One port in front of the pool: each request goes to the ready instance
// with the fewest requests in flight; while no instance is ready, requests wait (up to holdTimeoutSeconds) —
// which is what lets the first request after a scale to zero wake the group.
//
// Waiting requests are reported into the OTLP metric store as the gauge `updraft.service.pending_requests`
// (resource attribute `updraft.process_group=<name>`), so an `opentelemetry` trigger can activate on them.
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProcessPool } from './process-pool.ts';

export const PENDING_REQUESTS_METRIC = 'updraft.service.pending_requests';

/**
 * Where the gauge goes: the in-process OTLP metric store (`OtlpMetricStore` of scalers/common/otlp-metric-store.ts
 * satisfies it). Declared here, structurally, so targets/ imports nothing from scalers/ (src/layering.test.ts).
 */
export interface GaugeSink {
  ingest(
    points: ReadonlyArray<{
      metric: string;
      kind: 'gauge';
      monotonic: boolean;
      temporality: 'cumulative';
      resource: Readonly<Record<string, string>>;
      attributes: Readonly<Record<string, string>>;
      startMs: number;
      timeMs: number;
      value: number;
    }>,
  ): unknown;
}

interface Waiter {
  resolve: (port: number | undefined) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class ProcessService {
  private server: Server | undefined;
  private readonly waiting: Waiter[] = [];
  private readonly inFlight = new Map<number, number>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private rr = 0;
  private readonly onPoolChange = () => this.drain();

  constructor(
    private readonly pool: ProcessPool,
    private readonly store?: GaugeSink,
  ) {}

  get spec() {
    const s = this.pool.group.spec.service;
    if (!s) throw new Error(`${this.pool.description} has no spec.service`);
    return s;
  }

  /** Requests waiting for a ready instance. */
  pending(): number {
    return this.waiting.length;
  }

  async start(): Promise<{ url: string }> {
    const { port, host } = this.spec;
    const server = createServer((req, res) => void this.forward(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`${this.pool.description}: spec.service.port ${port}: ${err.message}`)));
      server.listen(port, host, () => resolve());
    });
    this.pool.on('changed', this.onPoolChange);
    this.report();
    this.heartbeat = setInterval(() => this.report(), 1000);
    this.heartbeat.unref();
    const bound = (server.address() as AddressInfo).port;
    return { url: `http://${host}:${bound}` };
  }

  async close(): Promise<void> {
    this.pool.off('changed', this.onPoolChange);
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const w of this.waiting.splice(0)) {
      clearTimeout(w.timer);
      w.resolve(undefined);
    }
    const s = this.server;
    this.server = undefined;
    if (s) {
      await new Promise<void>((r) => {
        s.close(() => r());
        s.closeAllConnections();
      });
    }
    this.agent.destroy();
  }

  private pick(): number | undefined {
    const ready = this.pool.list().filter((i) => i.phase === 'ready' && i.port !== undefined);
    if (ready.length === 0) return undefined;
    let best = ready[this.rr++ % ready.length];
    for (const i of ready) if ((this.inFlight.get(i.port!) ?? 0) < (this.inFlight.get(best.port!) ?? 0)) best = i;
    return best.port;
  }

  /** A ready instance's port; undefined after holdTimeoutSeconds, or at once if the client goes away. */
  private waitForInstance(res: ServerResponse): Promise<number | undefined> {
    const now = this.pick();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve) => {
      const giveUp = () => {
        clearTimeout(w.timer);
        const i = this.waiting.indexOf(w);
        if (i < 0) return;
        this.waiting.splice(i, 1);
        this.report();
        resolve(undefined);
      };
      const w: Waiter = { resolve, timer: setTimeout(giveUp, this.spec.holdTimeoutSeconds * 1000) };
      // A client that hung up no longer counts as demand.
      res.once('close', giveUp);
      this.waiting.push(w);
      this.report();
    });
  }

  private drain(): void {
    let changed = false;
    while (this.waiting.length > 0) {
      const port = this.pick();
      if (port === undefined) break;
      const w = this.waiting.shift()!;
      clearTimeout(w.timer);
      // Count it now so the next waiter in this loop sees the load and goes elsewhere.
      this.inFlight.set(port, (this.inFlight.get(port) ?? 0) + 1);
      w.resolve(-port);
      changed = true;
    }
    if (changed) this.report();
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let port = await this.waitForInstance(res);
    if (port === undefined) {
      if (res.destroyed || res.writableEnded) return;
      req.resume();
      res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '1' });
      res.end(`no ready instance of ${this.pool.description} within ${this.spec.holdTimeoutSeconds}s\n`);
      return;
    }
    // A negative port came from drain(), which already counted the request.
    if (port < 0) port = -port;
    else this.inFlight.set(port, (this.inFlight.get(port) ?? 0) + 1);
    const target = port;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.inFlight.set(target, Math.max(0, (this.inFlight.get(target) ?? 1) - 1));
    };
    const headers = { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '', 'x-forwarded-host': req.headers.host ?? '' };
    const upstream = request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers, agent: this.agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      up.on('end', release);
      up.on('error', release);
    });
    upstream.on('error', (err) => {
      release();
      if (!res.headersSent) {
        res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(`instance on port ${target} of ${this.pool.description} failed: ${err.message}\n`);
      } else res.destroy();
    });
    res.on('close', release);
    req.pipe(upstream);
  }

  private report(): void {
    if (!this.store) return;
    const now = Date.now();
    this.store.ingest([
      {
        metric: PENDING_REQUESTS_METRIC,
        kind: 'gauge',
        monotonic: false,
        temporality: 'cumulative',
        resource: { 'service.name': 'updraft', 'updraft.process_group': this.pool.name },
        attributes: {},
        startMs: 0,
        timeMs: now,
        value: this.waiting.length,
      },
    ]);
  }
}
