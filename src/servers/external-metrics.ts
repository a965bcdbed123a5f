// The aggregated `external.metrics.k8s.io/v1beta1` API the HPA reads (KEDA `pkg/provider/provider.go`).
// Served on node:https; every request except the probes must come through the API aggregator (front-proxy client
// certificate, request-header-auth.ts); metric reads are then authorized (SubjectAccessReview by default) and
// answered by a provider — the runtime's readings cache — never by querying a source per HPA request here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { LABEL_SCALEDOBJECT_NAME } from '../api/types.ts';
import { metricValueQuantity } from '../kube/quantity.ts';
import { handleProbe, requestMetrics, type ReadyCheck } from './prometheus-metrics.ts';
import { authenticateRequest, type Authorizer, type RequestHeaderConfig, type UserInfo } from './request-header-auth.ts';
import { createTlsServer, type ServingCertificate } from './serving-tls.ts';
import { rfc3339Seconds } from '../api/values.ts';

export const GROUP = 'external.metrics.k8s.io';
export const VERSION = 'v1beta1';
const GROUP_VERSION = `${GROUP}/${VERSION}`;

/** One value of an external metric (external.metrics.k8s.io ExternalMetricValue). */
export interface ExternalMetricValue {
  metricName: string;
  metricLabels?: Record<string, string>;
  /** Default: now. */
  timestamp?: Date | string;
  /**
   * A number is sent as a milli-rounded quantity (NaN/Inf/negative → 0, KEDA 2.20.2); a string is sent as given
   * (use it for values already truncated to milli units, like formula and fallback values).
   */
  value: number | string;
}

/** A provider failure the HPA should see; `code` 404 for an unknown ScaledObject/metric, 500/503 otherwise. */
export class ExternalMetricError extends Error {
  constructor(
    readonly code: 404 | 500 | 503,
    message: string,
  ) {
    super(message);
    this.name = 'ExternalMetricError';
  }
}

export interface ExternalMetricsProvider {
  /**
   * Values for one metric of one ScaledObject. `metricName` arrives lowercased (client-go lowercases it in the
   * URL), so match it case-insensitively like KEDA (`strings.EqualFold`). The HPA sums all returned items.
   */
  getMetric(namespace: string, scaledObjectName: string, metricName: string): Promise<ExternalMetricValue[]>;
}

export interface ExternalMetricsServerOptions {
  port: number;
  host?: string;
  certificate: ServingCertificate;
  minTlsVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** Who may call: the front-proxy CA, allowed names and header names (see loadRequestHeaderConfig). */
  requestHeader: RequestHeaderConfig;
  /** Authorization of metric reads; omit to allow every authenticated front-proxy request. */
  authorize?: Authorizer;
  provider: ExternalMetricsProvider;
  registry?: Registry;
  ready?: ReadyCheck;
  /** One call per failed or refused request, for logs. */
  onRequestError?(info: { path: string; code: number; message: string; user?: string }): void;
}

export interface RunningServer {
  port: number;
  /** Replace the requestheader configuration (the API server's ConfigMap changed). */
  setRequestHeaderConfig(cfg: RequestHeaderConfig): void;
  reloadCertificate(): void;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** A metav1.Status failure body, as every Kubernetes API returns. */
export function sendStatus(res: ServerResponse, code: number, reason: string, message: string): void {
  sendJson(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

/** Parse a label selector of equality terms (`a=b`, `a==b`, comma separated) into a map; other terms are ignored. */
export function parseEqualitySelector(selector: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const term of selector.split(',')) {
    const m = /^\s*([^=!\s]+)\s*==?\s*([^=\s]*)\s*$/.exec(term);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

const discovery = {
  apis: {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [
      { name: GROUP, versions: [{ groupVersion: GROUP_VERSION, version: VERSION }], preferredVersion: { groupVersion: GROUP_VERSION, version: VERSION } },
    ],
  },
  group: {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: GROUP,
    versions: [{ groupVersion: GROUP_VERSION, version: VERSION }],
    preferredVersion: { groupVersion: GROUP_VERSION, version: VERSION },
  },
  // Like custom-metrics-apiserver's default provider: one placeholder resource; any metric name can be queried.
  resources: {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: GROUP_VERSION,
    resources: [{ name: 'externalmetrics', singularName: '', namespaced: true, kind: 'ExternalMetricValueList', verbs: ['get'] }],
  },
  openapiV2: { swagger: '2.0', info: { title: 'Updraft external metrics', version: VERSION }, paths: {} },
  openapiV3Root: { paths: { [`apis/${GROUP}/${VERSION}`]: { serverRelativeURL: `/openapi/v3/apis/${GROUP}/${VERSION}` } } },
  openapiV3: { openapi: '3.0.0', info: { title: 'Updraft external metrics', version: VERSION }, paths: {}, components: {} },
};

const METRIC_PATH = new RegExp(`^/apis/${GROUP.replace(/\./g, '\\.')}/${VERSION}/namespaces/([^/]+)/([^/]+)$`);

/** Start the server. Resolves once it listens. */
export async function startExternalMetricsServer(opts: ExternalMetricsServerOptions): Promise<RunningServer> {
  let requestHeader = opts.requestHeader;
  const metrics = opts.registry ? requestMetrics(opts.registry, 'external-metrics') : undefined;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<{ route: string; code: number }> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    // Probes are always allowed, like k8s.io/apiserver's AlwaysAllowPaths (kubelet has no client certificate).
    if (['/healthz', '/livez', '/readyz'].includes(path)) {
      await handleProbe(path, res, opts.ready);
      return { route: path, code: res.statusCode };
    }
    const fail = (code: number, message: string, user?: UserInfo) => {
      sendStatus(res, code, REASONS[code] ?? 'InternalError', message);
      opts.onRequestError?.({ path, code, message, user: user?.username });
    };
    const auth = authenticateRequest(req, requestHeader);
    if (!auth.ok) {
      fail(auth.code, auth.message);
      return { route: 'unauthenticated', code: auth.code };
    }
    if (req.method !== 'GET') {
      fail(405, `method ${req.method} is not supported; this API is read-only`, auth.user);
      return { route: 'other', code: 405 };
    }
    const fixed: Record<string, unknown> = {
      '/apis': discovery.apis,
      [`/apis/${GROUP}`]: discovery.group,
      [`/apis/${GROUP_VERSION}`]: discovery.resources,
      '/openapi/v2': discovery.openapiV2,
      '/openapi/v3': discovery.openapiV3Root,
      [`/openapi/v3/apis/${GROUP_VERSION}`]: discovery.openapiV3,
    };
    if (path in fixed) {
      sendJson(res, 200, fixed[path]);
      return { route: path.startsWith('/openapi') ? 'openapi' : 'discovery', code: 200 };
    }
    const m = METRIC_PATH.exec(path);
    if (!m) {
      fail(404, `the server could not find the requested resource ${path}`, auth.user);
      return { route: 'other', code: 404 };
    }
    const namespace = decodeURIComponent(m[1]);
    const metricName = decodeURIComponent(m[2]);
    if (opts.authorize) {
      // custom-metrics-apiserver registers this route as a LIST of resource <metricName>.
      const decision = await opts.authorize(auth.user, { namespace, verb: 'list', group: GROUP, version: VERSION, resource: metricName });
      if (!decision.allowed) {
        fail(
          403,
          `user "${auth.user.username}" cannot list resource "${metricName}" in API group "${GROUP}" in the namespace "${namespace}"${decision.reason ? `: ${decision.reason}` : ''}`,
          auth.user,
        );
        return { route: 'metric', code: 403 };
      }
    }
    const soName = parseEqualitySelector(url.searchParams.get('labelSelector') ?? '')[LABEL_SCALEDOBJECT_NAME];
    if (!soName) {
      fail(400, 'scaledObject name is not specified', auth.user); // KEDA's provider message
      return { route: 'metric', code: 400 };
    }
    let values: ExternalMetricValue[];
    try {
      values = await opts.provider.getMetric(namespace, soName, metricName);
    } catch (err) {
      const code = err instanceof ExternalMetricError ? err.code : 500;
      fail(code, (err as Error).message, auth.user);
      return { route: 'metric', code };
    }
    const now = rfc3339Seconds(new Date());
    sendJson(res, 200, {
      kind: 'ExternalMetricValueList',
      apiVersion: GROUP_VERSION,
      metadata: {},
      items: values.map((v) => ({
        metricName: v.metricName,
        metricLabels: v.metricLabels ?? {},
        timestamp: v.timestamp instanceof Date ? rfc3339Seconds(v.timestamp) : (v.timestamp ?? now),
        value: typeof v.value === 'number' ? metricValueQuantity(v.value) : v.value,
      })),
    });
    return { route: 'metric', code: 200 };
  }

  const tls = createTlsServer({ certificate: opts.certificate, minVersion: opts.minTlsVersion, clientCA: requestHeader.clientCA }, (req, res) => {
    const started = process.hrtime.bigint();
    handle(req, res)
      .then(({ route, code }) => metrics?.observe(route, req.method ?? 'GET', code, Number(process.hrtime.bigint() - started) / 1e9))
      .catch((err: Error) => {
        if (!res.headersSent) sendStatus(res, 500, 'InternalError', err.message);
        opts.onRequestError?.({ path: req.url ?? '', code: 500, message: err.message });
      });
  });
  const port = await tls.listen(opts.port, opts.host);
  return {
    port,
    setRequestHeaderConfig(cfg) {
      const caChanged = cfg.clientCA !== requestHeader.clientCA;
      requestHeader = cfg;
      if (caChanged) tls.setClientCA(cfg.clientCA);
    },
    reloadCertificate: () => tls.reload(),
    close: () => tls.close(),
  };
}
