// A minimal HTTP(S) GET for scalers that talk to HTTP APIs: per-request timeout + caller abort, TLS options
// (KEDA unsafeSsl / client certificates / custom CA), keep-alive agents, and errors classified as ReadErrors.
// node:http is used rather than fetch because fetch on Node 20 cannot take TLS options without undici's Agent.
import http from 'node:http';
import https from 'node:https';
import { ReadError } from '../scaler.ts';
import { AddressRefusedError, checkLiteralHost, guardedLookup, type AddressPolicy, type Resolver } from './address-policy.ts';
import { ClientPool, poolKey, type Lease } from './client-pool.ts';
import type { TriggerTelemetry } from './scaler-telemetry.ts';

export interface HttpTlsOptions {
  rejectUnauthorized: boolean;
  cert?: string;
  key?: string;
  ca?: string;
}

export interface HttpResponse {
  status: number;
  body: string;
}

/** Server address shown in errors: no user:password, no query string (may hold tokens). */
export function displayAddress(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export interface HttpGetterOptions {
  /** Where connections may go; default the process-wide scalerAddressPolicy() (--allow-scaler-address). */
  policy?: AddressPolicy;
  /** DNS resolver behind the policy check (tests); default dns.lookup. */
  resolve?: Resolver;
}

/**
 * Process-wide defaults of scaler HTTP connections, set by `updraft operator` from KEDA's env:
 * KEDA_HTTP_DISABLE_KEEP_ALIVE (KEDA `pkg/util/http.go`: DisableKeepAlives) and KEDA_HTTP_MIN_TLS_VERSION
 * (KEDA `pkg/util/tls_config.go`: the scalers' minimum TLS version, default TLS12).
 */
export interface ScalerHttpDefaults {
  keepAlive: boolean;
  minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
}
let httpDefaults: ScalerHttpDefaults = { keepAlive: true, minVersion: 'TLSv1.2' };
export function setScalerHttpDefaults(d: ScalerHttpDefaults): void {
  httpDefaults = { ...d };
}
export const scalerHttpDefaults = (): ScalerHttpDefaults => ({ ...httpDefaults });

/**
 * Agents shared by every HttpGetter with the same protocol, TLS options, defaults and address policy (client-pool.ts):
 * 10,000 triggers on one Prometheus keep a few dozen sockets, not 10,000 (bounded memory per trigger). The last
 * close() destroys the agent.
 */
const agents = new ClientPool<http.Agent | https.Agent>((a) => a.destroy());
const identities = new WeakMap<object, number>();
let nextIdentity = 1;
const identity = (o: object | undefined): number => {
  if (!o) return 0;
  let id = identities.get(o);
  if (id === undefined) identities.set(o, (id = nextIdentity++));
  return id;
};
/**
 * Sockets per server of an agent, shared by every trigger reading that server: as many as the scheduler runs polls
 * at once (runtime/scheduler.ts, 64), so reads never queue in the agent. At 4 (before), 10,000 triggers on one
 * Prometheus polled every 30 s (333 reads/s) queued behind 4 sockets once a query took over 12 ms and timed out
 * after 3 s. Go's transport (KEDA) has no per-host limit; keep-alive reuses the sockets either way.
 */
export const MAX_SOCKETS = 64;

export class HttpGetter {
  private readonly agent: http.Agent | https.Agent;
  private readonly lease: Lease<http.Agent | https.Agent>;

  constructor(
    private readonly protocol: 'http:' | 'https:',
    tls?: HttpTlsOptions,
    private readonly options: HttpGetterOptions = {},
  ) {
    // Connect-time address check (address-policy.ts): the agents resolve host names through guardedLookup, which
    // refuses cloud metadata / link-local addresses after DNS, so a name resolving to 169.254.169.254 never connects.
    // TLS material enters the key only through poolKey's hash.
    const key = poolKey(
      protocol,
      { cert: tls?.cert, key: tls?.key, ca: tls?.ca },
      { rejectUnauthorized: tls?.rejectUnauthorized ?? true, ...httpDefaults, policy: identity(options.policy), resolve: identity(options.resolve) },
    );
    this.lease = agents.acquire(key, () => this.createAgent(protocol, tls, options));
    this.agent = this.lease.client;
  }

  private createAgent(protocol: 'http:' | 'https:', tls: HttpTlsOptions | undefined, options: HttpGetterOptions): http.Agent | https.Agent {
    const lookup = guardedLookup(options);
    return protocol === 'https:'
      ? new https.Agent({
          keepAlive: httpDefaults.keepAlive,
          maxSockets: MAX_SOCKETS,
          lookup,
          minVersion: httpDefaults.minVersion,
          ...(tls ?? { rejectUnauthorized: true }),
        })
      : new http.Agent({ keepAlive: httpDefaults.keepAlive, maxSockets: MAX_SOCKETS, lookup });
  }

  /**
   * GET `url`; rejects with ReadError('timeout' | 'unreachable' | 'other'). Bodies are capped at 8 MiB.
   * `telemetry` (the reading trigger's, ReaderContext) gets the request's time to the response head and its status,
   * or no status when none came (KEDA's InstrumentedRoundTripper times RoundTrip, which returns at the headers).
   */
  get(url: URL, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal, what: string, telemetry?: TriggerTelemetry): Promise<HttpResponse> {
    const mod = this.protocol === 'https:' ? https : http;
    const shownUrl = displayAddress(url);
    // node:net skips `lookup` for a literal IP host, so check that one here.
    const literal = checkLiteralHost(url.hostname, this.options.policy);
    if (literal) return Promise.reject(new ReadError('other', `${what}: ${literal.message}`, { cause: literal }));
    return new Promise<HttpResponse>((resolve, reject) => {
      let timedOut = false;
      const started = performance.now();
      let observed = false;
      const observe = (status: number | undefined) => {
        if (observed || !telemetry) return;
        observed = true;
        telemetry.httpRequest((performance.now() - started) / 1000, status);
      };
      const req = mod.request(url, { method: 'GET', headers, agent: this.agent });
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new Error('timeout'));
      }, timeoutMs);
      const onAbort = () => req.destroy(new Error('aborted'));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      req.on('error', (e: NodeJS.ErrnoException) => {
        done();
        observe(undefined);
        if (e instanceof AddressRefusedError) reject(new ReadError('other', `${what}: ${e.message}`, { cause: e }));
        else if (timedOut) reject(new ReadError('timeout', `${what}: no answer from ${shownUrl} within ${timeoutMs} ms`, { cause: e }));
        else if (signal.aborted) reject(new ReadError('timeout', `${what}: read cancelled (${shownUrl})`, { cause: e }));
        else if (e.code && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH'].includes(e.code)) {
          reject(new ReadError('unreachable', `${what}: cannot reach ${shownUrl} (${e.code})`, { cause: e }));
        } else if (
          e.code?.startsWith('ERR_TLS') ||
          e.code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
          e.code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
          e.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'
        ) {
          reject(
            new ReadError('unreachable', `${what}: TLS handshake with ${shownUrl} failed (${e.code}); set ca, or unsafeSsl: "true" for a test server`, {
              cause: e,
            }),
          );
        } else reject(new ReadError('other', `${what}: request to ${shownUrl} failed: ${e.code ?? e.message}`, { cause: e }));
      });
      req.on('response', (res) => {
        observe(res.statusCode ?? 0);
        let text = '';
        const decoder = new TextDecoder();
        let size = 0;
        res.on('data', (c: Uint8Array) => {
          size += c.length;
          if (size > 8 * 1024 * 1024) req.destroy(new Error('response too large'));
          else text += decoder.decode(c, { stream: true });
        });
        res.on('end', () => {
          done();
          resolve({ status: res.statusCode ?? 0, body: text + decoder.decode() });
        });
        res.on('error', () => undefined);
      });
      req.end();
    });
  }

  close(): void {
    void this.lease.release();
  }
}
