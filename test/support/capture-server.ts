// A local HTTP server that records each request (method, URL, headers, body) and answers with what the test says.
// Used where no real source can check a request: the exact CloudWatch expression query, SigV4-signed AMP queries.
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface CapturedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface CaptureServer {
  url: string;
  requests: CapturedRequest[];
  stop(): Promise<void>;
}

export async function startCaptureServer(
  answer: (req: CapturedRequest) => { status?: number; body: string; headers?: Record<string, string> } | 'hang',
): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const captured = { method: req.method ?? '', url: req.url ?? '', headers, body };
      requests.push(captured);
      const a = answer(captured);
      if (a === 'hang') return;
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...(a.headers ?? {}) });
      res.end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
