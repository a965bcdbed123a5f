// Updraft's OTLP/HTTP metrics receiver (`POST /v1/metrics`, port 4318 by default like the OpenTelemetry
// Collector): apps export to it with any OpenTelemetry SDK, and a Collector forwards to it with its `otlphttp`
// exporter. What arrives goes into an OtlpMetricStore, where `opentelemetry` triggers read it — and are woken at
// once, so the scaling reaction time is the exporter's interval, not a poll interval.
//
// Protocol (OTLP specification, "OTLP/HTTP"): binary protobuf (application/x-protobuf) or JSON
// (application/json) bodies, optionally gzip- or deflate-compressed (Content-Encoding); success is 200 with an
// ExportMetricsServiceResponse (partial_success when some points were rejected) in the request's encoding; a bad
// request is 400 with a google.rpc.Status body. 400s are not retried by exporters, so the message must say why.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import type { OtlpMetricStore } from '../scalers/common/otlp-metric-store.ts';
import { decodeJson, decodeProtobuf, encodeResponse, encodeStatus, OtlpDecodeError } from './otlp-codec.ts';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export const DEFAULT_OTLP_HTTP_PORT = 4318;

// google.rpc.Code values used in Status bodies.
const INVALID_ARGUMENT = 3;
const RESOURCE_EXHAUSTED = 8;
const UNIMPLEMENTED = 12;
const UNAVAILABLE = 14;
const UNAUTHENTICATED = 16;

export interface OtlpReceiverOptions {
  store: OtlpMetricStore;
  /** Default 4318; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1; use 0.0.0.0 to receive from a Collector on another machine. */
  host?: string;
  /** Largest body accepted, compressed and decompressed (default 16 MiB); larger ones get 413. */
  maxBodyBytes?: number;
  /**
   * Bearer token a push must carry (`Authorization: Bearer <token>`, as the Collector's `otlphttp` exporter sends
   * with `headers` or the bearertokenauth extension); a push without it, or with another, gets 401. Read per
   * request, so a rotated Secret file applies without a restart. Unset or empty: no authentication (`updraft up`).
   */
  token?: () => string | undefined;
  /**
   * Why this receiver does not take data now (a standby operator replica: its store feeds no scale loop), or
   * undefined when it does. A push then gets 503, which OTLP exporters retry with backoff (OTLP/HTTP "Retryable
   * response codes"), by when the Service has routed them to the leader.
   */
  refusing?: () => string | undefined;
}

export interface OtlpReceiverStats {
  requests: number;
  dataPoints: number;
  rejectedDataPoints: number;
  badRequests: number;
  /** Pushes refused with 401 (no or a wrong bearer token). */
  unauthorized: number;
  /** Pushes refused with 503 (`refusing`, e.g. not the leader). */
  unavailable: number;
}

export class OtlpReceiver {
  private server: Server | undefined;
  readonly stats: OtlpReceiverStats = { requests: 0, dataPoints: 0, rejectedDataPoints: 0, badRequests: 0, unauthorized: 0, unavailable: 0 };
  private readonly maxBody: number;

  constructor(private readonly opts: OtlpReceiverOptions) {
    this.maxBody = opts.maxBodyBytes ?? 16 * 1024 * 1024;
  }

  /** Listen; resolves with the bound address (the port is useful when 0 was asked for). */
  async start(): Promise<{ host: string; port: number; url: string }> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) send(res, 500, encodeStatus('json', 13, `internal error: ${(err as Error).message}`));
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 65_000;
    this.server = server;
    const host = this.opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? DEFAULT_OTLP_HTTP_PORT, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    return { host, port, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}` };
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const format = contentType === 'application/json' ? 'json' : 'protobuf';
    if (path !== '/v1/metrics') {
      req.resume();
      const why =
        path === '/v1/traces' || path === '/v1/logs'
          ? `Updraft receives metrics only; send ${path.slice(4)} to a Collector, metrics to /v1/metrics`
          : `no such endpoint ${path}; OTLP metrics go to POST /v1/metrics`;
      return send(res, 404, encodeStatus(format, UNIMPLEMENTED, why));
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('Allow', 'POST');
      return send(res, 405, encodeStatus(format, UNIMPLEMENTED, `${req.method} is not supported; POST an ExportMetricsServiceRequest`));
    }
    if (contentType !== 'application/json' && contentType !== 'application/x-protobuf') {
      req.resume();
      return send(
        res,
        415,
        encodeStatus('json', INVALID_ARGUMENT, `Content-Type ${contentType || '(none)'} is not supported; use application/x-protobuf or application/json`),
      );
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (!['gzip', 'deflate', 'identity', ''].includes(encoding)) {
      req.resume();
      return send(res, 415, encodeStatus(format, INVALID_ARGUMENT, `Content-Encoding ${encoding} is not supported; use gzip or none`));
    }
    const token = this.opts.token?.();
    if (token && !bearerMatches(req.headers.authorization, token)) {
      req.resume();
      this.stats.unauthorized++;
      res.setHeader('WWW-Authenticate', 'Bearer realm="updraft-otlp"');
      return send(
        res,
        401,
        encodeStatus(
          format,
          UNAUTHENTICATED,
          req.headers.authorization
            ? "the bearer token is not the one this receiver is configured with (--otlp-token-file); check the exporter's Authorization header"
            : "this receiver requires Authorization: Bearer <token> (the token in --otlp-token-file); set it in the exporter's headers",
        ),
      );
    }
    const refusal = this.opts.refusing?.();
    if (refusal) {
      req.resume();
      this.stats.unavailable++;
      res.setHeader('Retry-After', '1');
      // A new connection for the retry: behind a Service, kube-proxy may then pick another replica (the leader)
      // instead of the exporter's keep-alive connection pinning it to this one.
      res.setHeader('Connection', 'close');
      return send(res, 503, encodeStatus(format, UNAVAILABLE, refusal));
    }
    this.stats.requests++;
    const raw = await readBody(req, this.maxBody);
    if (raw === 'too-large') {
      return send(res, 413, encodeStatus(format, RESOURCE_EXHAUSTED, `body larger than ${this.maxBody} bytes; lower the exporter's batch size`));
    }
    let body: Uint8Array = raw;
    try {
      if (encoding === 'gzip') body = await gunzipAsync(raw, { maxOutputLength: this.maxBody });
      else if (encoding === 'deflate') body = await inflateAsync(raw, { maxOutputLength: this.maxBody });
    } catch (err) {
      this.stats.badRequests++;
      const tooLarge = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      return send(
        res,
        tooLarge ? 413 : 400,
        encodeStatus(
          format,
          tooLarge ? RESOURCE_EXHAUSTED : INVALID_ARGUMENT,
          tooLarge ? `decompressed body larger than ${this.maxBody} bytes` : `body is not valid ${encoding} data: ${(err as Error).message}`,
        ),
      );
    }
    let decoded;
    try {
      decoded = format === 'json' ? decodeJson(body) : decodeProtobuf(body);
    } catch (err) {
      if (!(err instanceof OtlpDecodeError)) throw err;
      this.stats.badRequests++;
      return send(res, 400, encodeStatus(format, INVALID_ARGUMENT, err.message));
    }
    const stored = this.opts.store.ingest(decoded.points);
    const rejected = decoded.rejected + stored.rejected;
    this.stats.dataPoints += stored.accepted;
    this.stats.rejectedDataPoints += rejected;
    send(res, 200, encodeResponse(format, rejected, [...decoded.errors, ...stored.errors].join('; ')));
  }
}

/** `Authorization: Bearer <token>` equal to `token`, compared in constant time. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1].trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: ServerResponse, status: number, payload: { body: Uint8Array; contentType: string }): void {
  res.writeHead(status, { 'Content-Type': payload.contentType, 'Content-Length': payload.body.byteLength });
  res.end(payload.body);
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length']);
  if (declared > max) {
    req.resume();
    return Promise.resolve('too-large');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
