// The one way Updraft talks to the Kubernetes API server.
//
// Credentials come from @kubernetes/client-node's KubeConfig (kubeconfig file, KUBECONFIG, or in-cluster service
// account with its rotating token), but every request goes through ONE keep-alive agent owned here: client-node
// 1.4.0 builds a new https.Agent per request, i.e. one TLS handshake per call. Requests are
// plain JSON over node:https, so patch content types are chosen per call and errors keep the
// API server's status code and reason.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { RequestContext, SecurityAuthentication } from '@kubernetes/client-node';
import { ApiBudget, priorityOf, type ApiPriority } from './api-budget.ts';

/** Group/version/resource of a kind, as the REST path names it. Core group is "". */
export interface GroupVersionResource {
  group: string;
  version: string;
  /** Plural resource name, e.g. `deployments`. */
  resource: string;
}

/** A resolved kind (discovery): what KEDA stores in `status.scaleTargetGVKR`, plus scope. */
export interface ResolvedResource extends GroupVersionResource {
  kind: string;
  namespaced: boolean;
  /** Subresources the API server lists for it (`scale`, `status`). */
  subresources: string[];
}

export interface KubeObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Any Kubernetes object as JSON. Typed views are the caller's job (parse once at the edge). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: KubeObjectMeta;
  [key: string]: unknown;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

/** autoscaling/v1 Scale, as served by every `/scale` subresource. */
export interface Scale {
  apiVersion?: string;
  kind?: string;
  metadata: KubeObjectMeta;
  /** Always set: autoscaling/v1 serialises replicas with omitempty, so an absent count is read as 0 here. */
  spec: { replicas: number };
  status: { replicas: number; selector?: string };
}

function withReplicas(scale: Scale): Scale {
  return { ...scale, spec: { ...scale.spec, replicas: scale.spec?.replicas ?? 0 }, status: { ...scale.status, replicas: scale.status?.replicas ?? 0 } };
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
  /** Its place in the API budget's queue (default from the method and path: api-budget.ts priorityOf). */
  priority?: ApiPriority;
}

/** Content types of the PATCH verb (Kubernetes API conventions). */
export const PatchType = {
  Merge: 'application/merge-patch+json',
  Json: 'application/json-patch+json',
  StrategicMerge: 'application/strategic-merge-patch+json',
  Apply: 'application/apply-patch+yaml',
} as const;
export type PatchType = (typeof PatchType)[keyof typeof PatchType];

/** One RFC 6902 operation. */
export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** The API server's `Status` body for a failed call. */
export interface KubeStatus {
  kind?: 'Status';
  apiVersion?: string;
  status?: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: Array<{ reason?: string; message?: string; field?: string }> };
}

/**
 * A failed API call. `code` is the HTTP status (0 for network failures), `reason` the Kubernetes StatusReason
 * (`NotFound`, `Conflict`, `AlreadyExists`, `Expired`/`Gone`, `Invalid`, `Forbidden`, ...).
 */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly method: string,
    readonly path: string,
    readonly status?: KubeStatus,
    options?: { cause?: unknown },
  ) {
    super(`${method} ${path}: ${code === 0 ? '' : `${code} ${reason}: `}${message}`, options);
    this.name = 'KubeApiError';
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof KubeApiError && e.code === 404;
export const isConflict = (e: unknown): boolean => e instanceof KubeApiError && e.code === 409;
export const isAlreadyExists = (e: unknown): boolean => e instanceof KubeApiError && e.code === 409 && e.reason === 'AlreadyExists';
/** 410 Gone / reason Expired: a watch or list resourceVersion was compacted away. */
export const isGone = (e: unknown): boolean => e instanceof KubeApiError && (e.code === 410 || e.reason === 'Expired' || e.reason === 'Gone');

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** Whole-request timeout (default 30 s; watches use `stream` instead). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Its place in the API budget's queue (default from the method and path: api-budget.ts priorityOf). */
  priority?: ApiPriority;
}

export interface KubeClientOptions {
  /** Default per-request timeout, ms (30 000). */
  requestTimeoutMs?: number;
  userAgent?: string;
  /** Sockets kept open to the API server (each running watch holds one). Default Infinity, like Go's transport. */
  maxSockets?: number;
  /**
   * Client-side rate limit (client-go's QPS/burst; KEDA's --kube-api-qps/--kube-api-burst), served by priority:
   * `/scale` and HPA writes first, status writes and Events last (api-budget.ts). Default: none.
   */
  budget?: { qps: number; burst: number; maxInFlight?: number };
  /** API server warnings (`Warning: 299 - "..."` headers: deprecations, admission webhook warnings). */
  onWarning?(warning: string, method: string, path: string): void;
}

/** Counts the connections the pinned agent opened, so connection reuse can be checked (and exported as a metric). */
interface ConnectionCounter {
  connectionsOpened: number;
}

function countingAgent<A extends http.Agent>(agent: A, counter: ConnectionCounter): A {
  // createConnection is part of the Agent contract (node docs "agent.createConnection"), but not in every @types.
  const original = (agent as unknown as { createConnection: (...args: unknown[]) => Socket }).createConnection.bind(agent);
  (agent as unknown as { createConnection: (...args: unknown[]) => Socket }).createConnection = (...args: unknown[]) => {
    counter.connectionsOpened++;
    return original(...args);
  };
  return agent;
}

export class KubeClient {
  readonly server: string;
  private readonly agent: http.Agent;
  private readonly isHttps: boolean;
  private readonly counter: ConnectionCounter = { connectionsOpened: 0 };
  private readonly requestTimeoutMs: number;
  private readonly userAgent: string;
  private readonly onWarning?: KubeClientOptions['onWarning'];
  private readonly discovery = new Map<string, Promise<ResolvedResource[]>>();
  /** The client-side API budget, when one is set. */
  readonly budget?: ApiBudget;

  private constructor(
    readonly kubeConfig: KubeConfig,
    tls: https.AgentOptions,
    options: KubeClientOptions,
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster: set current-context or pass --kubeconfig');
    this.server = cluster.server.replace(/\/+$/, '');
    this.isHttps = this.server.startsWith('https:');
    if (!this.isHttps && !cluster.skipTLSVerify) {
      throw new Error(`cluster ${cluster.name}: plain http server ${this.server} needs insecure-skip-tls-verify: true`);
    }
    const common = { keepAlive: true, keepAliveMsecs: 30_000, maxSockets: options.maxSockets ?? Infinity, maxFreeSockets: 16 };
    this.agent = countingAgent(this.isHttps ? new https.Agent({ ...tls, ...common }) : new http.Agent(common), this.counter);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.userAgent = options.userAgent ?? 'updraft';
    this.onWarning = options.onWarning;
    if (options.budget) this.budget = new ApiBudget(options.budget);
  }

  /** Build from a loaded KubeConfig; reads its TLS material once (the pinned agent keeps it). */
  static async fromKubeConfig(kc: KubeConfig, options: KubeClientOptions = {}): Promise<KubeClient> {
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    const tls: https.AgentOptions = { ca: opts.ca, cert: opts.cert, key: opts.key, pfx: opts.pfx, passphrase: opts.passphrase, servername: opts.servername };
    if (opts.rejectUnauthorized !== undefined) tls.rejectUnauthorized = opts.rejectUnauthorized;
    return new KubeClient(kc, tls, options);
  }

  /**
   * The usual lookup: an explicit kubeconfig path, else `KUBECONFIG`, else `~/.kube/config`, else in-cluster
   * (service account token and CA under /var/run/secrets/kubernetes.io/serviceaccount).
   */
  static async fromEnvironment(opts: { kubeconfig?: string; context?: string } & KubeClientOptions = {}): Promise<KubeClient> {
    const kc = new KubeConfig();
    // A kubeconfig that cannot be read is one sentence naming it (`updraft explain --kubeconfig /nope`), not ENOENT.
    const unreadable = (path: string, from: string, e: unknown) => {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'no such file or directory'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : code === 'EISDIR'
              ? 'is a directory'
              : `not a kubeconfig (${(e as Error).message.split('\n')[0]})`;
      return new Error(`cannot read kubeconfig ${path}${from}: ${why}`);
    };
    if (opts.kubeconfig) {
      try {
        kc.loadFromFile(opts.kubeconfig);
      } catch (e) {
        throw unreadable(opts.kubeconfig, '', e);
      }
    } else if (!process.env.KUBECONFIG && process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else {
      try {
        kc.loadFromDefault();
      } catch (e) {
        const path = (e as NodeJS.ErrnoException).path;
        if (!process.env.KUBECONFIG || typeof path !== 'string') throw e;
        throw unreadable(path, ' (named by $KUBECONFIG)', e);
      }
    }
    if (opts.context) kc.setCurrentContext(opts.context);
    return KubeClient.fromKubeConfig(kc, opts);
  }

  /** Connections the shared agent has opened so far (1 per concurrent request/watch, reused afterwards). */
  get connectionsOpened(): number {
    return this.counter.connectionsOpened;
  }

  /**
   * A client-node generated API (e.g. `CoreV1Api`) that uses this client's agent instead of one agent per call.
   * Remember that its `patch*` methods default to JSON Patch: pass `setHeaderOptions('Content-Type', ...)`.
   */
  makeApiClient<T>(apiClientType: new (config: ReturnType<typeof import('@kubernetes/client-node').createConfiguration>) => T): Promise<T> {
    return import('@kubernetes/client-node').then((k8s) => {
      const kc = this.kubeConfig;
      const agent = this.agent;
      const pinned: SecurityAuthentication = {
        getName: () => 'updraft-pinned-agent',
        applySecurityAuthentication: async (context: RequestContext) => {
          await kc.applySecurityAuthentication(context);
          context.setAgent(agent);
        },
      };
      const config = k8s.createConfiguration({ baseServer: new k8s.ServerConfiguration(this.server, {}), authMethods: { default: pinned } });
      return new apiClientType(config);
    });
  }

  private async headers(): Promise<Record<string, string>> {
    const opts: https.RequestOptions = { headers: {} };
    // applyToHTTPSOptions refreshes exec/file/OIDC credentials; the agent it also builds is ignored.
    await this.kubeConfig.applyToHTTPSOptions(opts);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
    if (opts.auth) out.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    return out;
  }

  private url(path: string, query?: RequestSpec['query']): URL {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    return url;
  }

  private async open(spec: RequestSpec, accept: string): Promise<{ res: http.IncomingMessage; req: http.ClientRequest }> {
    const url = this.url(spec.path, spec.query);
    const headers: Record<string, string> = { ...(await this.headers()), Accept: accept, 'User-Agent': this.userAgent };
    let payload: Buffer | undefined;
    if (spec.body !== undefined) {
      payload = Buffer.from(JSON.stringify(spec.body));
      headers['Content-Type'] = spec.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const mod = this.isHttps ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(url, { method: spec.method, headers, agent: this.agent, signal: spec.signal }, (res) => {
        // Aborting (stop, timeout) makes the response emit 'aborted' errors; readers see them through iteration.
        res.on('error', () => undefined);
        resolve({ res, req });
      });
      req.on('error', (err) => reject(new KubeApiError(0, 'NetworkError', err.message, spec.method, spec.path, undefined, { cause: err })));
      req.end(payload);
    });
  }

  /** One JSON request; non-2xx answers become KubeApiError with the server's Status. */
  async request<T>(spec: RequestSpec): Promise<T> {
    const done = this.budget ? await this.budget.acquire(spec.priority ?? priorityOf(spec.method, spec.path), spec.signal) : undefined;
    try {
      return await this.send<T>(spec);
    } finally {
      done?.();
    }
  }

  private async send<T>(spec: RequestSpec): Promise<T> {
    const timeout = AbortSignal.timeout(spec.timeoutMs ?? this.requestTimeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
    const { res } = await this.open({ ...spec, signal }, 'application/json');
    if (this.onWarning) for (const w of parseWarnings(res.headersDistinct.warning)) this.onWarning(w, spec.method, spec.path);
    let text = '';
    try {
      res.setEncoding('utf8');
      for await (const chunk of res) text += chunk as string;
    } catch (err) {
      throw new KubeApiError(0, 'NetworkError', (err as Error).message, spec.method, spec.path, undefined, { cause: err });
    }
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) throw errorFromResponse(code, text, spec.method, spec.path);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * A streaming GET (watch). Resolves with the response once headers arrive; non-2xx becomes KubeApiError.
   * Abort `signal` to close it.
   */
  async stream(path: string, query: RequestSpec['query'], signal: AbortSignal): Promise<http.IncomingMessage> {
    if (this.budget) await this.budget.take('normal', signal);
    const { res } = await this.open({ method: 'GET', path, query, signal }, 'application/json');
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) {
      let text = '';
      res.setEncoding('utf8');
      for await (const chunk of res) text += chunk as string;
      throw errorFromResponse(code, text, 'GET', path);
    }
    return res;
  }

  // ---- typed helpers over any resource ----

  get<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string | undefined, name: string): Promise<T> {
    return this.request<T>({ method: 'GET', path: resourcePath(gvr, namespace, name) });
  }

  list<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, opts: ListOptions = {}): Promise<KubeList<T>> {
    const { namespace, ...query } = opts;
    return this.request<KubeList<T>>({ method: 'GET', path: resourcePath(gvr, namespace), query: { ...query } });
  }

  /** Every page of a list (limit/continue), with the resourceVersion of the first page. */
  async listAll<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, opts: Omit<ListOptions, 'continue'> = {}): Promise<KubeList<T>> {
    const first = await this.list<T>(gvr, { limit: 500, ...opts });
    const items = [...first.items];
    let cont = first.metadata.continue;
    while (cont) {
      const page = await this.list<T>(gvr, { limit: 500, ...opts, resourceVersion: undefined, continue: cont });
      items.push(...page.items);
      cont = page.metadata.continue;
    }
    return { ...first, metadata: { resourceVersion: first.metadata.resourceVersion }, items };
  }

  create<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.request<T>({ method: 'POST', path: resourcePath(gvr, obj.metadata.namespace), body: obj, query: writeQuery(opts) });
  }

  /** PUT; conflicts (stale resourceVersion) throw KubeApiError 409. */
  update<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.request<T>({ method: 'PUT', path: resourcePath(gvr, obj.metadata.namespace, obj.metadata.name), body: obj, query: writeQuery(opts) });
  }

  /** RFC 7386 merge patch (the one custom resources accept); `subresource` e.g. `status` or `scale`. */
  mergePatch<T extends KubeObject = KubeObject>(
    gvr: GroupVersionResource,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    opts: WriteOptions & { subresource?: string } = {},
  ): Promise<T> {
    return this.request<T>({
      method: 'PATCH',
      path: resourcePath(gvr, namespace, name, opts.subresource),
      body: patch,
      contentType: PatchType.Merge,
      query: writeQuery(opts),
      ...(opts.priority ? { priority: opts.priority } : {}),
    });
  }

  /** RFC 6902 JSON patch (e.g. a `test` on resourceVersion plus a `remove` of one finalizer). */
  jsonPatch<T extends KubeObject = KubeObject>(
    gvr: GroupVersionResource,
    namespace: string | undefined,
    name: string,
    ops: JsonPatchOperation[],
    opts: WriteOptions & { subresource?: string } = {},
  ): Promise<T> {
    return this.request<T>({
      method: 'PATCH',
      path: resourcePath(gvr, namespace, name, opts.subresource),
      body: ops,
      contentType: PatchType.Json,
      query: writeQuery(opts),
    });
  }

  /** Server-side apply of a full object (fieldManager required by the API server). */
  apply<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, obj: T, opts: { fieldManager: string; force?: boolean; dryRun?: boolean }): Promise<T> {
    return this.request<T>({
      method: 'PATCH',
      path: resourcePath(gvr, obj.metadata.namespace, obj.metadata.name),
      body: obj,
      contentType: PatchType.Apply,
      query: { fieldManager: opts.fieldManager, force: opts.force ? 'true' : undefined, dryRun: opts.dryRun ? 'All' : undefined },
    });
  }

  /** DELETE; NotFound is returned as `false` rather than thrown (deleting is idempotent for callers). */
  async delete(
    gvr: GroupVersionResource,
    namespace: string | undefined,
    name: string,
    opts: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'; preconditions?: { uid?: string; resourceVersion?: string } } = {},
  ): Promise<boolean> {
    const body =
      opts.propagationPolicy || opts.preconditions
        ? { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: opts.propagationPolicy, preconditions: opts.preconditions }
        : undefined;
    try {
      await this.request({ method: 'DELETE', path: resourcePath(gvr, namespace, name), body });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  // ---- /scale and /status ----

  /** GET `<resource>/<name>/scale` for any scalable kind (Deployment, StatefulSet, custom resources with scale). */
  async getScale(gvr: GroupVersionResource, namespace: string, name: string): Promise<Scale> {
    return withReplicas(await this.request<Scale>({ method: 'GET', path: resourcePath(gvr, namespace, name, 'scale') }));
  }

  /** Set `spec.replicas` through `/scale` with a merge patch (no read-modify-write race on the parent). */
  async patchScale(gvr: GroupVersionResource, namespace: string, name: string, replicas: number, opts: WriteOptions = {}): Promise<Scale> {
    return withReplicas(
      await this.request<Scale>({
        method: 'PATCH',
        path: resourcePath(gvr, namespace, name, 'scale'),
        body: { spec: { replicas } },
        contentType: PatchType.Merge,
        query: writeQuery(opts),
      }),
    );
  }

  /**
   * Merge-patch the status subresource. With `resourceVersion`, the patch is conditional: a concurrent writer
   * makes it fail with 409 Conflict instead of being overwritten.
   */
  patchStatus<T extends KubeObject = KubeObject>(
    gvr: GroupVersionResource,
    namespace: string | undefined,
    name: string,
    status: unknown,
    opts: WriteOptions & { resourceVersion?: string } = {},
  ): Promise<T> {
    const body = opts.resourceVersion ? { metadata: { resourceVersion: opts.resourceVersion }, status } : { status };
    return this.mergePatch<T>(gvr, namespace, name, body, { ...opts, subresource: 'status' });
  }

  // ---- discovery ----

  /**
   * Map `apiVersion` + `kind` to its resource through discovery (KEDA resolves scaleTargetRef the same way with
   * its RESTMapper). Cached per apiVersion; a miss refreshes the cache once (new CRDs).
   */
  async resolveKind(apiVersion: string, kind: string): Promise<ResolvedResource> {
    for (const refresh of [false, true]) {
      if (refresh) this.discovery.delete(apiVersion);
      const found = (await this.discover(apiVersion)).find((r) => r.kind === kind);
      if (found) return found;
    }
    throw new KubeApiError(404, 'NotFound', `no resource of kind ${kind} in ${apiVersion} (is the CRD installed?)`, 'GET', discoveryPath(apiVersion));
  }

  private discover(apiVersion: string): Promise<ResolvedResource[]> {
    let p = this.discovery.get(apiVersion);
    if (!p) {
      p = this.fetchDiscovery(apiVersion);
      p.catch(() => this.discovery.delete(apiVersion));
      this.discovery.set(apiVersion, p);
    }
    return p;
  }

  private async fetchDiscovery(apiVersion: string): Promise<ResolvedResource[]> {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
    const list = await this.request<{ resources?: Array<{ name: string; kind: string; namespaced: boolean }> }>({
      method: 'GET',
      path: discoveryPath(apiVersion),
    });
    const resources = list.resources ?? [];
    return resources
      .filter((r) => !r.name.includes('/'))
      .map((r) => ({
        group,
        version,
        resource: r.name,
        kind: r.kind,
        namespaced: r.namespaced,
        subresources: resources.filter((s) => s.name.startsWith(`${r.name}/`)).map((s) => s.name.slice(r.name.length + 1)),
      }));
  }

  /**
   * Destroy every open connection, running watches included (they reconnect). For a network change, and for
   * tests that prove watches survive a dropped connection.
   */
  dropConnections(): void {
    for (const group of [this.agent.sockets, this.agent.freeSockets]) {
      for (const list of Object.values(group)) for (const socket of list ?? []) socket.destroy();
    }
  }

  /** Close idle keep-alive sockets (running watches end when their signals abort). */
  close(): void {
    this.agent.destroy();
  }
}

function discoveryPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** REST path of a collection (no name) or an object, optionally a subresource. */
export function resourcePath(gvr: GroupVersionResource, namespace?: string, name?: string, subresource?: string): string {
  let p = gvr.group === '' ? `/api/${gvr.version}` : `/apis/${gvr.group}/${gvr.version}`;
  if (namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${gvr.resource}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

function writeQuery(opts: WriteOptions): RequestSpec['query'] {
  return { fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined };
}

/** RFC 7234 warn-values as the API server sends them: `299 - "text"`. */
function parseWarnings(values: string[] | undefined): string[] {
  const out: string[] = [];
  for (const v of values ?? []) {
    for (const m of v.matchAll(/\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/g)) out.push(m[1].replace(/\\(.)/g, '$1'));
  }
  return out;
}

function errorFromResponse(code: number, text: string, method: string, path: string): KubeApiError {
  let status: KubeStatus | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') status = parsed as KubeStatus;
  } catch {
    // not JSON (e.g. a proxy error page): keep the text as the message
  }
  const reason = status?.reason ?? http.STATUS_CODES[code]?.replace(/\s+/g, '') ?? 'Unknown';
  const message = status?.message ?? (text.slice(0, 300) || http.STATUS_CODES[code] || 'request failed');
  return new KubeApiError(code, reason, message, method, path, status);
}

/** Well-known resources the operator uses. */
export const GVR = {
  scaledObjects: { group: 'keda.sh', version: 'v1alpha1', resource: 'scaledobjects' },
  scaledJobs: { group: 'keda.sh', version: 'v1alpha1', resource: 'scaledjobs' },
  triggerAuthentications: { group: 'keda.sh', version: 'v1alpha1', resource: 'triggerauthentications' },
  clusterTriggerAuthentications: { group: 'keda.sh', version: 'v1alpha1', resource: 'clustertriggerauthentications' },
  hpas: { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments' },
  statefulSets: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  jobs: { group: 'batch', version: 'v1', resource: 'jobs' },
  pods: { group: '', version: 'v1', resource: 'pods' },
  secrets: { group: '', version: 'v1', resource: 'secrets' },
  configMaps: { group: '', version: 'v1', resource: 'configmaps' },
  namespaces: { group: '', version: 'v1', resource: 'namespaces' },
  events: { group: '', version: 'v1', resource: 'events' },
  leases: { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' },
  limitRanges: { group: '', version: 'v1', resource: 'limitranges' },
  apiServices: { group: 'apiregistration.k8s.io', version: 'v1', resource: 'apiservices' },
  validatingWebhookConfigurations: { group: 'admissionregistration.k8s.io', version: 'v1', resource: 'validatingwebhookconfigurations' },
  customResourceDefinitions: { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' },
} as const satisfies Record<string, GroupVersionResource>;
