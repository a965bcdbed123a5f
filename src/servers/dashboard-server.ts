// The dashboard's HTTP server, read-only: the page and its assets (built by scripts/build-dashboard.mjs from
// src/dashboard/ into dist/dashboard/, built on first serve when missing), a JSON API and a Server-Sent Events
// stream. Served by `updraft operator --dashboard-bind-address` (callers authenticated with a bearer token through a
// TokenReview, objects filtered per namespace by a SubjectAccessReview for `get`) and by `updraft up` (local, no
// auth, 127.0.0.1). The data: a DashboardSource (the objects, their status, `explain`, Events) and the
// DashboardHistory the runners' poll reports fill.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Condition, ScaledObject } from '../api/types.ts';
import type { KubeClient } from '../kube/client.ts';
import { DashboardHistory, FLAG, type ObjectHistory } from './dashboard-history.ts';
import { safeMetadata, scrub } from './dashboard-redact.ts';
import { costView, triggerTunables, WhatIfError, whatIf, WINDOW_MS, type WhatIfEdits } from './dashboard-whatif.ts';
import { subjectAccessReviewAuthorizer, type UserInfo } from './request-header-auth.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DASHBOARD_DIST = join(ROOT, 'dist', 'dashboard');
const BUILD_SCRIPT = join(ROOT, 'scripts', 'build-dashboard.mjs');

export type DashboardKind = 'ScaledObject' | 'ScaledJob';

/** One object as the source knows it (status from the cluster or from local state). */
export interface DashboardObject {
  kind: DashboardKind;
  namespace: string;
  name: string;
  /** The parsed ScaledObject (what-if, tunables); absent for ScaledJobs and objects that do not parse. */
  so?: ScaledObject;
  mode?: 'hpa' | 'direct' | 'job';
  conditions: Condition[];
  minReplicaCount: number;
  maxReplicaCount: number;
  /** The target's replicas when known outside the polls (e.g. a paused object). */
  currentReplicas?: number;
  triggers: Array<{ type: string; name?: string; metadata?: Record<string, string> }>;
  /** Why the object does not run (parse problems, target missing …). */
  problems?: string[];
}

export interface DashboardEvent {
  at?: string;
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  involvedKind?: string;
}

export interface DashboardSource {
  list(): DashboardObject[];
  /** The `explain` report (operator: src/operator/explain.ts explainReport; `up`: built from local state). */
  explain?(namespace: string, name: string): Promise<unknown>;
  events?(kind: DashboardKind, namespace: string, name: string): Promise<DashboardEvent[]>;
}

export interface DashboardAuth {
  /** The caller, or why not (answered 401). */
  authenticate(req: IncomingMessage): Promise<{ ok: true; user: UserInfo } | { ok: false; message: string }>;
  /** May the caller `get` objects of this kind in this namespace? */
  mayGet(user: UserInfo, kind: DashboardKind, namespace: string): Promise<boolean>;
}

export interface DashboardServerOptions {
  port: number;
  host?: string;
  source: DashboardSource;
  history: DashboardHistory;
  /** Omitted: everyone who reaches the port sees everything (`updraft up`, bound to 127.0.0.1). */
  auth?: DashboardAuth;
  /** Shown in the page header. */
  title?: string;
  now?: () => number;
  /** HPA sync period for hpa-mode replays (default 15 s). */
  hpaSyncSeconds?: number;
  /** Seconds between SSE keep-alive comments (default 15). */
  keepAliveSeconds?: number;
  onError?(info: { path: string; code: number; message: string }): void;
}

export interface RunningDashboard {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Authenticate bearer tokens through TokenReview (answers cached 10 s per token hash). */
export function tokenReviewAuthenticator(client: KubeClient, opts: { ttlMs?: number; now?: () => number } = {}): DashboardAuth['authenticate'] {
  const ttl = opts.ttlMs ?? 10_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { at: number; answer: { ok: true; user: UserInfo } | { ok: false; message: string } }>();
  return async (req) => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return { ok: false, message: 'Unauthorized: send a bearer token (Authorization: Bearer <token>, e.g. from `kubectl create token`)' };
    const key = createHash('sha256').update(m[1]).digest('hex');
    const hit = cache.get(key);
    if (hit && now() - hit.at < ttl) return hit.answer;
    const review = await client.request<{
      status?: { authenticated?: boolean; error?: string; user?: { username?: string; groups?: string[]; extra?: Record<string, string[]> } };
    }>({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/tokenreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: m[1] } },
    });
    const st = review.status;
    const answer =
      st?.authenticated && st.user?.username
        ? { ok: true as const, user: { username: st.user.username, groups: st.user.groups ?? [], extra: st.user.extra ?? {} } }
        : { ok: false as const, message: `Unauthorized: the token was not accepted${st?.error ? ` (${st.error})` : ''}` };
    cache.set(key, { at: now(), answer });
    if (cache.size > 10_000) cache.delete(cache.keys().next().value as string);
    return answer;
  };
}

/** The operator's dashboard auth: TokenReview, then a SubjectAccessReview for `get` per kind and namespace. */
export function kubernetesDashboardAuth(client: KubeClient): DashboardAuth {
  const authorize = subjectAccessReviewAuthorizer(client);
  return {
    authenticate: tokenReviewAuthenticator(client),
    async mayGet(user, kind, namespace) {
      const resource = kind === 'ScaledObject' ? 'scaledobjects' : 'scaledjobs';
      return (await authorize(user, { namespace, verb: 'get', group: 'keda.sh', version: 'v1alpha1', resource })).allowed;
    },
  };
}

let building: Promise<void> | undefined;

/** Build the page's bundle (scripts/build-dashboard.mjs) unless dist/dashboard/ has it. */
export function ensureDashboardBuilt(): Promise<void> {
  if (existsSync(join(DASHBOARD_DIST, 'app.js')) && existsSync(join(DASHBOARD_DIST, 'index.html'))) return Promise.resolve();
  building ??= new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [BUILD_SCRIPT], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`scripts/build-dashboard.mjs failed (exit ${code}): ${err.slice(-2000)}`))));
  }).finally(() => (building = undefined));
  return building;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.map': 'application/json',
};

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(scrub(body), (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
  res.writeHead(code, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

const condStatus = (conds: Condition[], type: string): boolean | undefined => {
  const c = conds.find((x) => x.type === type);
  return c ? c.status === 'True' : undefined;
};

export interface OverviewRow {
  kind: DashboardKind;
  namespace: string;
  name: string;
  mode?: string;
  ready?: boolean;
  active?: boolean;
  paused?: boolean;
  fallback?: boolean;
  replicas: { current?: number; desired?: number; ready?: number; min: number; max: number };
  triggers: Array<{
    index: number;
    type: string;
    name?: string;
    metricName?: string;
    value?: number;
    target?: number;
    targetType?: string;
    activationThreshold?: number;
    active?: boolean;
    error?: string;
  }>;
  lastDecision?: { at: number; reason: string };
  errors: string[];
  conditions: Condition[];
  points: number;
}

export function overviewRow(o: DashboardObject, h: ObjectHistory | undefined): OverviewRow {
  const last = h?.last;
  const readErrors = last?.values.flatMap((v) => (v.error !== undefined ? [`${v.metricName}: ${v.error}`] : [])) ?? [];
  const triggers = o.triggers.map((t, i) => {
    const ht = h?.triggers.findIndex((x) => x.index === i) ?? -1;
    const meta = ht >= 0 ? h!.triggers[ht] : undefined;
    const v = ht >= 0 ? last?.values[ht] : undefined;
    return {
      index: i,
      type: t.type,
      ...(t.name ? { name: t.name } : {}),
      ...(meta ? { metricName: meta.metricName, target: meta.target, targetType: meta.targetType, activationThreshold: meta.activationThreshold } : {}),
      ...(v?.value !== undefined ? { value: v.value } : {}),
      ...(v?.active !== undefined ? { active: v.active } : {}),
      ...(v?.error !== undefined ? { error: v.error } : {}),
    };
  });
  return {
    kind: o.kind,
    namespace: o.namespace,
    name: o.name,
    mode: o.mode ?? h?.mode,
    ready: condStatus(o.conditions, 'Ready'),
    active: last ? last.active : condStatus(o.conditions, 'Active'),
    paused: condStatus(o.conditions, 'Paused') ?? false,
    fallback: last ? last.fallback : (condStatus(o.conditions, 'Fallback') ?? false),
    replicas: { current: last?.replicas ?? o.currentReplicas, desired: last?.desired, ready: last?.ready, min: o.minReplicaCount, max: o.maxReplicaCount },
    triggers,
    ...(last ? { lastDecision: { at: last.at, reason: last.reason } } : {}),
    errors: [...(o.problems ?? []), ...readErrors],
    conditions: o.conditions,
    points: h?.size ?? 0,
  };
}

/** The last hour of an object, columnar (null for a failed read). */
export function timelineOf(h: ObjectHistory | undefined, now: number) {
  if (!h) return { triggers: [], t: [], replicas: [], desired: [], ready: [], flags: [], values: [], notes: [] };
  const points = h.points(now - WINDOW_MS);
  return {
    triggers: h.triggers,
    t: points.map((p) => p.t),
    replicas: points.map((p) => p.replicas),
    desired: points.map((p) => p.desired),
    ready: points.map((p) => p.ready),
    flags: points.map((p) => p.flags),
    values: h.triggers.map((_, k) => points.map((p) => (Number.isFinite(p.values[k]) ? p.values[k] : null))),
    notes: h.recentNotes(now - WINDOW_MS),
    flagBits: FLAG,
  };
}

async function readBody(req: IncomingMessage, limit = 256 * 1024): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new HttpError(413, 'request body too large');
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export async function startDashboardServer(opts: DashboardServerOptions): Promise<RunningDashboard> {
  const now = opts.now ?? Date.now;
  const streams = new Set<{ res: ServerResponse; user?: UserInfo; allowed: Map<string, boolean> }>();

  const allowedFor = async (user: UserInfo | undefined, kind: DashboardKind, namespace: string, memo?: Map<string, boolean>): Promise<boolean> => {
    if (!opts.auth) return true;
    if (!user) return false;
    const key = `${kind}/${namespace}`;
    const hit = memo?.get(key);
    if (hit !== undefined) return hit;
    const ok = await opts.auth.mayGet(user, kind, namespace).catch(() => false);
    memo?.set(key, ok);
    return ok;
  };

  const visible = async (user: UserInfo | undefined): Promise<DashboardObject[]> => {
    const memo = new Map<string, boolean>();
    const out: DashboardObject[] = [];
    for (const o of opts.source.list()) if (await allowedFor(user, o.kind, o.namespace, memo)) out.push(o);
    return out;
  };

  const find = async (user: UserInfo | undefined, kind: string, namespace: string, name: string): Promise<DashboardObject> => {
    if (kind !== 'ScaledObject' && kind !== 'ScaledJob') throw new HttpError(404, `unknown kind ${kind}`);
    // Not allowed and not there answer the same: the caller learns nothing about namespaces it may not read.
    if (!(await allowedFor(user, kind, namespace))) throw new HttpError(404, `${kind} ${namespace}/${name} not found`);
    const o = opts.source.list().find((x) => x.kind === kind && x.namespace === namespace && x.name === name);
    if (!o) throw new HttpError(404, `${kind} ${namespace}/${name} not found`);
    return o;
  };

  const detail = async (o: DashboardObject, light: boolean) => {
    const h = opts.history.get(o.kind, o.namespace, o.name);
    const t = now();
    const [explain, events] = light
      ? [undefined, []]
      : await Promise.all([
          o.kind === 'ScaledObject' && opts.source.explain
            ? opts.source.explain(o.namespace, o.name).catch((err: Error) => ({ error: err.message }))
            : Promise.resolve(undefined),
          opts.source.events
            ? opts.source.events(o.kind, o.namespace, o.name).catch((err: Error) => [{ type: 'Warning', reason: 'EventsUnavailable', message: err.message }])
            : Promise.resolve([]),
        ]);
    return {
      now: t,
      row: overviewRow(o, h),
      metadata: o.triggers.map((tr) => ({ type: tr.type, ...(tr.name ? { name: tr.name } : {}), metadata: safeMetadata(tr.type, tr.metadata) })),
      bounds: o.so
        ? {
            minReplicaCount: o.so.spec.minReplicaCount,
            maxReplicaCount: o.so.spec.maxReplicaCount,
            cooldownPeriod: o.so.spec.cooldownPeriod,
            pollingInterval: o.so.spec.pollingInterval,
            behavior: o.so.spec.advanced?.horizontalPodAutoscalerConfig?.behavior ?? null,
          }
        : undefined,
      tunables: o.so ? triggerTunables(o.so) : [],
      timeline: timelineOf(h, t),
      cost: h ? costView(h, { min: o.minReplicaCount, max: o.maxReplicaCount }, t) : undefined,
      explain,
      events,
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const path = url.pathname;
    if (path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    // The page and its assets need no token (they hold no data); the API does.
    if (req.method === 'GET' && (path === '/' || path === '/index.html' || path.startsWith('/assets/'))) {
      await ensureDashboardBuilt();
      const file = path === '/' || path === '/index.html' ? 'index.html' : path.slice('/assets/'.length);
      if (!/^[\w.-]+$/.test(file)) throw new HttpError(404, 'not found');
      const full = join(DASHBOARD_DIST, file);
      if (!existsSync(full)) throw new HttpError(404, 'not found');
      const body = await readFile(full);
      const ext = file.slice(file.lastIndexOf('.'));
      res.writeHead(200, {
        'Content-Type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
        'Content-Length': body.length,
        'Cache-Control': 'no-cache',
        'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'",
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'X-Frame-Options': 'DENY',
      });
      res.end(body);
      return;
    }
    if (!path.startsWith('/api/')) throw new HttpError(404, 'not found');
    let user: UserInfo | undefined;
    if (opts.auth) {
      const a = await opts.auth.authenticate(req);
      if (!a.ok) throw new HttpError(401, a.message);
      user = a.user;
    }
    if (req.method === 'GET' && path === '/api/overview') {
      const objects = await visible(user);
      return sendJson(res, 200, {
        now: now(),
        title: opts.title ?? 'Updraft',
        auth: opts.auth ? { user: user?.username } : undefined,
        objects: objects.map((o) => overviewRow(o, opts.history.get(o.kind, o.namespace, o.name))),
      });
    }
    const m = /^\/api\/objects\/(ScaledObject|ScaledJob)\/([^/]+)\/([^/]+)(\/whatif)?$/.exec(path);
    if (m) {
      const [kind, namespace, name] = [m[1], decodeURIComponent(m[2]), decodeURIComponent(m[3])];
      const o = await find(user, kind, namespace, name);
      if (!m[4] && req.method === 'GET') return sendJson(res, 200, await detail(o, url.searchParams.get('light') === '1'));
      if (m[4] && req.method === 'POST') {
        if (!o.so) throw new HttpError(400, `${kind} ${namespace}/${name}: what-if replays ScaledObjects that parse`);
        const h = opts.history.get(o.kind, o.namespace, o.name);
        if (!h) throw new HttpError(409, 'nothing recorded yet for this object: wait for a poll');
        const edits = (await readBody(req)) as WhatIfEdits;
        try {
          return sendJson(res, 200, whatIf(o.so, h, edits, now(), { hpaSyncSeconds: opts.hpaSyncSeconds }));
        } catch (err) {
          if (err instanceof WhatIfError) throw new HttpError(400, err.message, { problems: err.problems });
          throw err;
        }
      }
      throw new HttpError(405, 'method not allowed');
    }
    if (req.method === 'GET' && path === '/api/stream') {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.write(`retry: 3000\n\n`);
      const entry = { res, user, allowed: new Map<string, boolean>() };
      streams.add(entry);
      const ping = setInterval(() => res.write(`: keep-alive ${now()}\n\n`), (opts.keepAliveSeconds ?? 15) * 1000);
      ping.unref();
      req.on('close', () => {
        clearInterval(ping);
        streams.delete(entry);
      });
      // Where the listener's permissions are re-checked: the authorizer caches answers 10 s, so a revoked
      // RoleBinding stops the stream's updates for that namespace soon after.
      entry.allowed = new Map();
      return;
    }
    throw new HttpError(404, 'not found');
  };

  // Each record becomes one `poll` event (the object's overview row and its newest point) to every stream allowed to see it.
  const unsubscribe = opts.history.onRecord((h) => {
    if (streams.size === 0) return;
    const o = opts.source.list().find((x) => x.kind === h.kind && x.namespace === h.namespace && x.name === h.name);
    if (!o) return;
    const row = overviewRow(o, h);
    const p = h.latest();
    const data = JSON.stringify(
      scrub({
        row,
        point: p && {
          t: p.t,
          replicas: p.replicas,
          desired: p.desired,
          ready: p.ready,
          flags: p.flags,
          values: p.values.map((v) => (Number.isFinite(v) ? v : null)),
        },
      }),
    );
    for (const s of streams) {
      void allowedFor(s.user, h.kind, h.namespace).then((ok) => {
        if (ok && !s.res.writableEnded) s.res.write(`event: poll\ndata: ${data}\n\n`);
      });
    }
  });

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const code = err instanceof HttpError ? err.code : 500;
      const message = err instanceof Error ? err.message : String(err);
      opts.onError?.({ path: req.url ?? '', code, message });
      if (res.headersSent) return void res.end();
      sendJson(res, code, { error: message, ...(err instanceof HttpError ? err.extra : {}) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host && opts.host !== '0.0.0.0' && opts.host !== '::' ? opts.host : '127.0.0.1';
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    async close() {
      unsubscribe();
      for (const s of streams) s.res.end();
      streams.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

export { DashboardHistory };
