// Updraft's OTLP/gRPC metrics receiver (`opentelemetry.proto.collector.metrics.v1.MetricsService/Export`, port
// 4317 by default like the OpenTelemetry Collector), beside the OTLP/HTTP one (otlp-receiver.ts): the Collector's
// `otlp` exporter and SDKs configured with OTEL_EXPORTER_OTLP_PROTOCOL=grpc push here. What arrives goes into the
// same OtlpMetricStore, so `opentelemetry` triggers read it and are woken at once.
//
// No .proto files: the one unary method is declared with raw-Buffer (de)serializers and the request is decoded by
// the same protobuf decoder the HTTP receiver uses (otlp-codec.ts); grpc-js itself handles gzip/deflate message
// compression (grpc-encoding) and the message size limit.
//
// Protocol (OTLP specification, "OTLP/gRPC"): success is an ExportMetricsServiceResponse (partial_success when some
// points were rejected); a malformed request is INVALID_ARGUMENT (not retried by exporters, so the message says
// why); UNAVAILABLE is retried with backoff, and is what a standby replica answers; UNAUTHENTICATED without the
// bearer token (metadata `authorization: Bearer <token>`, as the Collector's `headers` or bearertokenauth send it).
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { OtlpMetricStore } from '../scalers/common/otlp-metric-store.ts';
import { decodeProtobuf, encodeResponse, OtlpDecodeError } from './otlp-codec.ts';
import { bearerMatches } from './otlp-receiver.ts';

export const DEFAULT_OTLP_GRPC_PORT = 4317;
export const OTLP_METRICS_EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

const raw = (b: Buffer): Buffer => b;

/** MetricsService with its one method, requests and responses left as bytes (decoded by otlp-codec.ts). */
export const MetricsServiceDefinition: grpc.ServiceDefinition = {
  Export: {
    path: OTLP_METRICS_EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: raw,
    responseDeserialize: raw,
  },
};

export interface OtlpGrpcReceiverOptions {
  store: OtlpMetricStore;
  /** Default 4317; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1; use 0.0.0.0 to receive from a Collector on another machine. */
  host?: string;
  /** Largest message accepted, decompressed (default 16 MiB, as the HTTP receiver); larger ones get RESOURCE_EXHAUSTED. */
  maxMessageBytes?: number;
  /** As OtlpReceiverOptions.token: the bearer token a push must carry (metadata `authorization`), read per call. */
  token?: () => string | undefined;
  /** As OtlpReceiverOptions.refusing: why this receiver does not take data now (UNAVAILABLE), or undefined. */
  refusing?: () => string | undefined;
  /**
   * TLS: PEM files read at start (restart to pick up new ones). With `caFile`, clients must present a certificate
   * signed by it (mTLS). Without `tls`, plaintext (h2c), as the Collector's `otlp` exporter with `tls.insecure: true`.
   */
  tls?: { certFile: string; keyFile: string; caFile?: string };
}

export interface OtlpGrpcReceiverStats {
  requests: number;
  dataPoints: number;
  rejectedDataPoints: number;
  badRequests: number;
  unauthorized: number;
  unavailable: number;
}

export class OtlpGrpcReceiver {
  private server: grpc.Server | undefined;
  private boundPort: string | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  readonly stats: OtlpGrpcReceiverStats = { requests: 0, dataPoints: 0, rejectedDataPoints: 0, badRequests: 0, unauthorized: 0, unavailable: 0 };

  constructor(private readonly opts: OtlpGrpcReceiverOptions) {}

  /** Listen; resolves with the bound address (the port is useful when 0 was asked for). */
  async start(): Promise<{ host: string; port: number; address: string }> {
    const max = this.opts.maxMessageBytes ?? 16 * 1024 * 1024;
    const server = new grpc.Server({ 'grpc.max_receive_message_length': max });
    server.addService(MetricsServiceDefinition, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => this.export(call, cb),
    });
    const host = this.opts.host ?? '127.0.0.1';
    const hostPart = host.includes(':') ? `[${host}]` : host;
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${hostPart}:${this.opts.port ?? DEFAULT_OTLP_GRPC_PORT}`, this.credentials(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.server = server;
    this.boundPort = `${hostPart}:${port}`;
    return { host, port, address: `${hostPart}:${port}` };
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    clearTimeout(this.drainTimer);
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        s.forceShutdown();
        resolve();
      }, 2_000);
      s.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private credentials(): grpc.ServerCredentials {
    const t = this.opts.tls;
    if (!t) return grpc.ServerCredentials.createInsecure();
    const read = (flag: string, file: string) => {
      try {
        return readFileSync(file);
      } catch (err) {
        throw new Error(`OTLP/gRPC receiver TLS ${flag}: cannot read ${file} (${(err as Error).message})`);
      }
    };
    const ca = t.caFile ? read('CA', t.caFile) : null;
    return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: read('certificate', t.certFile), private_key: read('key', t.keyFile) }], ca !== null);
  }

  private export(call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>): void {
    const token = this.opts.token?.();
    if (token) {
      const header = call.metadata.get('authorization')[0];
      if (!bearerMatches(typeof header === 'string' ? header : header?.toString(), token)) {
        this.stats.unauthorized++;
        return cb({
          code: grpc.status.UNAUTHENTICATED,
          details: header
            ? "the bearer token is not the one this receiver is configured with (--otlp-token-file); check the exporter's authorization header"
            : "this receiver requires the metadata authorization: Bearer <token> (the token in --otlp-token-file); set it in the exporter's headers",
        });
      }
    }
    const refusal = this.opts.refusing?.();
    if (refusal) {
      this.stats.unavailable++;
      cb({ code: grpc.status.UNAVAILABLE, details: refusal });
      this.drainSoon();
      return;
    }
    this.stats.requests++;
    let decoded;
    try {
      decoded = decodeProtobuf(call.request);
    } catch (err) {
      if (!(err instanceof OtlpDecodeError)) return cb({ code: grpc.status.INTERNAL, details: `internal error: ${(err as Error).message}` });
      this.stats.badRequests++;
      return cb({ code: grpc.status.INVALID_ARGUMENT, details: err.message });
    }
    const stored = this.opts.store.ingest(decoded.points);
    const rejected = decoded.rejected + stored.rejected;
    this.stats.dataPoints += stored.accepted;
    this.stats.rejectedDataPoints += rejected;
    cb(null, Buffer.from(encodeResponse('protobuf', rejected, [...decoded.errors, ...stored.errors].join('; ')).body));
  }

  /**
   * A refusing replica closes its connections (GOAWAY, 1 s grace for calls in flight) once the refusal has been
   * sent: a gRPC exporter keeps one HTTP/2 connection, which behind a Service would pin its retries to this replica;
   * on the new connection kube-proxy may pick the leader. (The HTTP receiver answers with Connection: close.)
   */
  private drainSoon(): void {
    if (this.drainTimer || !this.server || !this.boundPort) return;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = undefined;
      if (this.server && this.boundPort) this.server.drain(this.boundPort, 1_000);
    }, 50);
  }
}
