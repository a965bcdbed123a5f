// HTTPS serving for the metrics API and the webhook: certificate from files (or PEM strings), reloaded in place
// when the files change (cert-manager / the operator rotate them; KEDA watches its /certs the same way), optional
// TLS 1.3 only (KEDA chart `service.minTlsVersion: TLS13`), and optional client certificates verified against a CA.
// A `live` certificate (the operator's own rotation, src/operator/cert-rotation.ts) is swapped in memory when it
// changes. After any swap, a connection whose handshake used the previous certificate is closed after its next
// response (`Connection: close`), so every client moves to the new certificate within one request and no request
// is cut mid-flight (closing idle sockets instead races with a request being sent on them).
import { readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A certificate held in memory that changes (the operator-managed rotation); `onChange` returns an unsubscribe. */
export interface LiveCertificate {
  current(): { cert: string; key: string };
  onChange(listener: () => void): () => void;
  /** Told the serial (hex) of the certificate each new TLS connection was handed (rotation figures). */
  handshake?(serial: string): void;
}

export type ServingCertificate = { certFile: string; keyFile: string } | { cert: string | Buffer; key: string | Buffer } | { live: LiveCertificate };

export interface TlsServingOptions {
  certificate: ServingCertificate;
  /** Default TLSv1.2. */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /**
   * CA bundle (PEM) client certificates are verified against. Clients without a certificate are still accepted at
   * the TLS layer (`rejectUnauthorized: false`); the request handler decides, so /healthz works for kubelet probes.
   */
  clientCA?: string | Buffer;
  /** Poll the certificate files this often and reload on change (default 10 s; 0 = off). */
  reloadIntervalMs?: number;
  onReload?(err?: Error): void;
}

export interface TlsServer {
  server: https.Server;
  /** Re-read the certificate files now (no-op for PEM strings). */
  reload(): void;
  /** Replace the client CA (e.g. the requestheader CA rotated). */
  setClientCA(ca: string | Buffer | undefined): void;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

function material(cert: ServingCertificate): { cert: Buffer | string; key: Buffer | string } {
  if ('certFile' in cert) return { cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) };
  if ('live' in cert) return cert.live.current();
  return { cert: cert.cert, key: cert.key };
}

export function createTlsServer(opts: TlsServingOptions, handler: (req: IncomingMessage, res: ServerResponse) => void): TlsServer {
  let clientCA = opts.clientCA;
  const context = () => ({
    ...material(opts.certificate),
    minVersion: opts.minVersion ?? 'TLSv1.2',
    ...(clientCA ? { ca: clientCA, requestCert: true, rejectUnauthorized: false } : {}),
  });
  // Which certificate generation each connection was handshaked with; bumped by every reload.
  let generation = 0;
  const handshakeGeneration = new WeakMap<object, number>();
  const server = https.createServer({ ...context(), requestCert: !!clientCA, rejectUnauthorized: false }, (req, res) => {
    if ((handshakeGeneration.get(req.socket) ?? generation) < generation) res.setHeader('connection', 'close');
    handler(req, res);
  });
  const live = 'live' in opts.certificate ? opts.certificate.live : undefined;
  server.on('secureConnection', (socket: TLSSocket) => {
    handshakeGeneration.set(socket, generation);
    if (live?.handshake) {
      const served = socket.getCertificate();
      if (served && 'serialNumber' in served) live.handshake(served.serialNumber);
    }
  });
  // The aggregator keeps connections open; idle sockets must not pin the process on close().
  server.keepAliveTimeout = 65_000;

  const fileStamp = () => {
    const c = opts.certificate;
    if (!('certFile' in c)) return '';
    try {
      return `${statSync(c.certFile).mtimeMs}:${statSync(c.keyFile).mtimeMs}`;
    } catch {
      return 'missing';
    }
  };
  let stamp = fileStamp();
  const reload = () => {
    try {
      server.setSecureContext(context());
      generation++;
      opts.onReload?.();
    } catch (err) {
      opts.onReload?.(err as Error); // keep serving the old certificate
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const unsubscribe = live?.onChange(reload);
  const interval = opts.reloadIntervalMs ?? 10_000;
  if (interval > 0 && 'certFile' in opts.certificate) {
    timer = setInterval(() => {
      const now = fileStamp();
      if (now !== stamp && now !== 'missing') {
        stamp = now;
        reload();
      }
    }, interval);
    timer.unref();
  }
  return {
    server,
    reload,
    setClientCA(ca) {
      clientCA = ca;
      reload();
    },
    listen(port, host = '0.0.0.0') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    close() {
      if (timer) clearInterval(timer);
      unsubscribe?.();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
