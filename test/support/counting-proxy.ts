// A TCP pass-through on loopback that counts the connections it accepts: how many sockets a client really opens to
// a server (connection reuse, shared clients). `stop()` cuts the open ones. startCountingHttpProxy counts HTTP
// requests instead, per PromQL query: how often an autoscaler asks its source.
import http from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface CountingProxy {
  /** http://127.0.0.1:<port>, forwarding to the target's host and port. */
  url: string;
  /** Connections accepted so far. */
  accepted(): number;
  /** Connections open now. */
  open(): number;
  stop(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const to = new URL(target);
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const up = connect(Number(to.port), to.hostname);
    socket.pipe(up).pipe(socket);
    socket.on('error', () => up.destroy());
    up.on('error', () => socket.destroy());
    up.on('close', () => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    accepted: () => accepted,
    open: () => sockets.size,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** An HTTP reverse proxy on loopback that counts the requests it forwards, keyed by their `query` parameter. */
export interface CountingHttpProxy {
  /** http://127.0.0.1:<port>, forwarding every request to the target. */
  url: string;
  /** Requests forwarded so far whose `query` parameter (a PromQL query, say) is `query`; without one, by path. */
  requests(query: string): number;
  /** Every key seen with its count. */
  counts(): Record<string, number>;
  /** performance.now() of the next request for `query` (rejects after timeoutMs). */
  nextRequest(query: string, timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

export async function startCountingHttpProxy(target: string): Promise<CountingHttpProxy> {
  const to = new URL(target);
  const counts = new Map<string, number>();
  const waiters = new Map<string, Array<(t: number) => void>>();
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const t = performance.now();
    const u = new URL(req.url ?? '/', 'http://proxy');
    const key = u.searchParams.get('query') ?? u.pathname;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const w = waiters.get(key);
    if (w) {
      waiters.delete(key);
      for (const f of w) f(t);
    }
    const up = http.request(
      { host: to.hostname, port: Number(to.port), method: req.method, path: req.url, headers: { ...req.headers, host: to.host }, agent },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(up);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: (query) => counts.get(query) ?? 0,
    counts: () => Object.fromEntries(counts),
    nextRequest: (query, timeoutMs) =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          const list = waiters.get(query) ?? [];
          waiters.set(
            query,
            list.filter((f) => f !== done),
          );
          reject(new Error(`no request for ${query} within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        const done = (t: number) => {
          clearTimeout(timer);
          resolve(t);
        };
        waiters.set(query, [...(waiters.get(query) ?? []), done]);
      }),
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => r());
      }),
  };
}
