// Delegated authentication and authorization of an aggregated API server, as k8s.io/apiserver does it
// (k8s.io/apiserver/pkg/authentication/request/headerrequest, pkg/endpoints/filters/authorization.go):
// - request-header authentication: `X-Remote-User`/`X-Remote-Group`/`X-Remote-Extra-*` are trusted only when
//   the TLS client certificate verified against the requestheader (front-proxy) CA and its CN is one of the
//   allowed names (an empty list allows any CN signed by that CA);
// - authorization through a SubjectAccessReview, answers cached 10 s (allowed and denied), like the Go defaults.
// Bearer-token authentication (TokenReview) is not implemented: only the aggregator calls this server.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { GVR, type KubeClient } from '../kube/client.ts';

export interface RequestHeaderConfig {
  /** PEM bundle of the requestheader (front-proxy) CA. */
  clientCA: string;
  /** Allowed client certificate CNs; empty = any certificate signed by clientCA. */
  allowedNames: string[];
  usernameHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
}

export interface UserInfo {
  username: string;
  groups: string[];
  extra: Record<string, string[]>;
}

export type AuthResult = { ok: true; user: UserInfo } | { ok: false; code: 401; message: string };

export const DEFAULT_HEADERS = {
  usernameHeaders: ['X-Remote-User'],
  groupHeaders: ['X-Remote-Group'],
  extraHeaderPrefixes: ['X-Remote-Extra-'],
};

/**
 * Read ConfigMap kube-system/extension-apiserver-authentication, which the API server publishes for aggregated
 * servers (needs the `extension-apiserver-authentication-reader` Role).
 */
export async function loadRequestHeaderConfig(client: KubeClient): Promise<RequestHeaderConfig> {
  const cm = await client.get<{ metadata: { name: string }; data?: Record<string, string> }>(
    GVR.configMaps,
    'kube-system',
    'extension-apiserver-authentication',
  );
  const data = cm.data ?? {};
  const ca = data['requestheader-client-ca-file'];
  if (!ca)
    throw new Error(
      'kube-system/extension-apiserver-authentication has no requestheader-client-ca-file: start kube-apiserver with --requestheader-client-ca-file',
    );
  const list = (key: string, fallback: string[]): string[] => {
    const raw = data[key];
    if (!raw) return fallback;
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.map(String) : fallback;
  };
  return {
    clientCA: ca,
    allowedNames: list('requestheader-allowed-names', []),
    usernameHeaders: list('requestheader-username-headers', DEFAULT_HEADERS.usernameHeaders),
    groupHeaders: list('requestheader-group-headers', DEFAULT_HEADERS.groupHeaders),
    extraHeaderPrefixes: list('requestheader-extra-headers-prefix', DEFAULT_HEADERS.extraHeaderPrefixes),
  };
}

function headerValues(req: IncomingMessage, name: string): string[] {
  return req.headersDistinct[name.toLowerCase()] ?? [];
}

/** Authenticate one request by its front-proxy client certificate and the identity headers it vouches for. */
export function authenticateRequest(req: IncomingMessage, cfg: RequestHeaderConfig): AuthResult {
  const socket = req.socket as TLSSocket;
  const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  if (!peer || Object.keys(peer).length === 0) {
    return { ok: false, code: 401, message: 'Unauthorized: no client certificate; this API is served to the Kubernetes API aggregator only' };
  }
  if (!socket.authorized) {
    return {
      ok: false,
      code: 401,
      message: `Unauthorized: client certificate rejected: ${String(socket.authorizationError ?? 'not signed by the requestheader CA')}`,
    };
  }
  const cn = typeof peer.subject?.CN === 'string' ? peer.subject.CN : Array.isArray(peer.subject?.CN) ? String(peer.subject.CN[0]) : '';
  if (cfg.allowedNames.length > 0 && !cfg.allowedNames.includes(cn)) {
    return { ok: false, code: 401, message: `Unauthorized: client certificate CN=${cn} is not an allowed requestheader name` };
  }
  const username = cfg.usernameHeaders.map((h) => headerValues(req, h)[0]).find((v) => v && v.length > 0);
  if (!username) return { ok: false, code: 401, message: 'Unauthorized: front-proxy request without a user header' };
  const groups = cfg.groupHeaders.flatMap((h) => headerValues(req, h));
  const extra: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    for (const prefix of cfg.extraHeaderPrefixes) {
      if (values && name.startsWith(prefix.toLowerCase())) {
        // Extra keys are URL-escaped in header names (k8s.io/apiserver requestheader).
        const key = decodeURIComponent(name.slice(prefix.length)).toLowerCase();
        extra[key] = [...(extra[key] ?? []), ...values];
      }
    }
  }
  return { ok: true, user: { username, groups, extra } };
}

export interface ResourceAttributes {
  namespace?: string;
  verb: string;
  group: string;
  version: string;
  resource: string;
  name?: string;
}

export type Authorizer = (user: UserInfo, attrs: ResourceAttributes) => Promise<{ allowed: boolean; reason?: string }>;

/** Authorize through SubjectAccessReview (needs `system:auth-delegator`), caching answers for `ttlMs` (10 s). */
export function subjectAccessReviewAuthorizer(client: KubeClient, opts: { ttlMs?: number; now?: () => number } = {}): Authorizer {
  const ttl = opts.ttlMs ?? 10_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { at: number; answer: { allowed: boolean; reason?: string } }>();
  return async (user, attrs) => {
    const key = createHash('sha256')
      .update(JSON.stringify([user, attrs]))
      .digest('hex');
    const hit = cache.get(key);
    if (hit && now() - hit.at < ttl) return hit.answer;
    const review = await client.request<{ status?: { allowed?: boolean; denied?: boolean; reason?: string } }>({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { user: user.username, groups: user.groups, extra: user.extra, resourceAttributes: attrs },
      },
    });
    const answer = { allowed: review.status?.allowed === true, reason: review.status?.reason };
    cache.set(key, { at: now(), answer });
    if (cache.size > 10_000) cache.delete(cache.keys().next().value as string);
    return answer;
  };
}
