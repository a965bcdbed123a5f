// A real HTTP(S) API for the metrics-api scaler, on loopback: serves one value (set by the test) in each format
// KEDA reads, behind each auth mode, and counts the TCP connections it accepts (to prove keep-alive sharing).
//   /<auth>/<format>   auth: open | basic | bearer | apikey-header | apikey-query;  format: json | yaml | xml | prom
//   /hang              never answers;   /missing  404;   /error  500 (a broken API)
// The https variant asks for a client certificate signed by `clientCa` (mutual TLS) when one is given.
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { Socket } from 'node:net';

export const CREDENTIALS = { username: 'scaler', password: 'p4ss', token: 'tok-123', apiKey: 'key-456' };

export interface MetricsApiServer {
  url: string;
  /** The value every format reports. */
  value: number;
  connections: number;
  requests: number;
  stop(): Promise<void>;
}

function body(format: string, v: number): { type: string; text: string } {
  switch (format) {
    case 'json':
      return { type: 'application/json', text: JSON.stringify({ components: { worker: { tasks: v } }, items: [{ name: 'a', depth: v }] }) };
    case 'yaml':
      return { type: 'application/yaml', text: `components:\n  worker:\n    tasks: ${v}\n` };
    case 'xml':
      return { type: 'application/xml', text: `<?xml version="1.0"?><stats><worker><tasks>${v}</tasks></worker></stats>` };
    default:
      return {
        type: 'text/plain; version=0.0.4',
        text: `# HELP queue_depth Items waiting\n# TYPE queue_depth gauge\nqueue_depth{queue="orders"} ${v}\nqueue_depth{queue="other"} 999\n`,
      };
  }
}

function authorized(auth: string, req: IncomingMessage, url: URL): boolean {
  switch (auth) {
    case 'open':
      return true;
    case 'basic':
      return req.headers.authorization === `Basic ${Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64')}`;
    case 'bearer':
      return req.headers.authorization === `Bearer ${CREDENTIALS.token}`;
    case 'apikey-header':
      return req.headers['x-api-key'] === CREDENTIALS.apiKey;
    case 'apikey-query':
      return url.searchParams.get('api_key') === CREDENTIALS.apiKey;
    default:
      return false;
  }
}

export async function startMetricsApiServer(opts: { tls?: { cert: string; key: string; clientCa?: string } } = {}): Promise<MetricsApiServer> {
  const state: MetricsApiServer = { url: '', value: 0, connections: 0, requests: 0, stop: async () => undefined };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/hang') return; // the client's timeout ends it
    if (url.pathname === '/error') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      return;
    }
    const [, auth, format] = url.pathname.split('/');
    if (!format || !['json', 'yaml', 'xml', 'prom'].includes(format)) {
      res.writeHead(404).end('not found');
      return;
    }
    if (!authorized(auth, req, url)) {
      res.writeHead(401, { 'www-authenticate': 'Basic' }).end('unauthorized');
      return;
    }
    const b = body(format, state.value);
    res.writeHead(200, { 'content-type': b.type }).end(b.text);
  };
  const server = opts.tls
    ? createHttps(
        { cert: opts.tls.cert, key: opts.tls.key, ...(opts.tls.clientCa ? { ca: opts.tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}) },
        handler,
      )
    : createHttp(handler);
  const sockets = new Set<Socket>();
  server.on(opts.tls ? 'secureConnection' : 'connection', (s: Socket) => {
    state.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  state.url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  state.stop = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return state;
}
