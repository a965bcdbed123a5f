// The API requests an autoscaler sends, counted two ways:
//  - the kube-apiserver audit log (control plane `auditLog: true`; Metadata level, one line per finished request):
//    by user agent, verb and resource, so only the autoscaler's own requests count (not the benchmark's, kubectl's
//    or the control plane's — those are left out of the log by its policy or by user agent here);
//  - the apiserver's own `apiserver_request_total` (every client): the totals.
// Keys read `VERB resource[/subresource]`, e.g. `PATCH scaledobjects/status`, `WATCH scaledobjects`.
import { open } from 'node:fs/promises';
import type { ControlPlane } from '../../test/support/control-plane.ts';
import { parsePromText, scrape } from './prom-text.ts';

/** The benchmark's own client says who it is, so its requests are not counted as the autoscaler's. */
export const BENCH_USER_AGENT = 'updraft-bench';

export interface AuditEvent {
  verb: string;
  userAgent?: string;
  user?: { username?: string };
  objectRef?: { resource?: string; subresource?: string; apiGroup?: string };
  requestURI?: string;
  responseStatus?: { code?: number };
}

/** Requests not sent by an autoscaler: the benchmark, kubectl. */
export function isHarness(e: AuditEvent): boolean {
  const ua = e.userAgent ?? '';
  return ua.startsWith(BENCH_USER_AGENT) || ua.startsWith('kubectl/');
}

export function requestKey(e: AuditEvent): string {
  const r = e.objectRef?.resource;
  const what = r ? `${r}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''}` : (e.requestURI ?? '?').split('?')[0];
  return `${e.verb.toUpperCase()} ${what}`;
}

/** Reads the audit log by byte offsets: mark() the start and the end of a window, then count what lies between. */
export class AuditLog {
  constructor(readonly path: string) {}

  /** The current end of the log (after the apiserver's batch flush, ≤ 1 s). */
  async mark(): Promise<number> {
    const f = await open(this.path, 'r');
    try {
      return (await f.stat()).size;
    } finally {
      await f.close();
    }
  }

  /** Requests between two marks that pass `keep` (default: not the harness's), by `VERB resource`. */
  async count(
    from: number,
    to: number,
    keep: (e: AuditEvent) => boolean = (e) => !isHarness(e),
  ): Promise<{ byKey: Record<string, number>; byUserAgent: Record<string, number> }> {
    const byKey: Record<string, number> = {};
    const byUserAgent: Record<string, number> = {};
    const f = await open(this.path, 'r');
    try {
      const chunk = 8 * 1024 * 1024;
      let pos = from;
      let carry = '';
      while (pos < to) {
        const buf = Buffer.alloc(Math.min(chunk, to - pos));
        const { bytesRead } = await f.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        const lines = (carry + buf.subarray(0, bytesRead).toString('utf8')).split('\n');
        carry = lines.pop() ?? '';
        for (const line of lines) {
          if (!line) continue;
          let e: AuditEvent;
          try {
            e = JSON.parse(line) as AuditEvent;
          } catch {
            continue;
          }
          if (!keep(e)) continue;
          const k = requestKey(e);
          byKey[k] = (byKey[k] ?? 0) + 1;
          const ua = (e.userAgent ?? '?').split(' ')[0];
          byUserAgent[ua] = (byUserAgent[ua] ?? 0) + 1;
        }
      }
    } finally {
      await f.close();
    }
    return { byKey, byUserAgent };
  }
}

/** `apiserver_request_total` of the control plane by `VERB resource[/subresource]` (every client). */
export async function apiserverRequestTotals(cp: ControlPlane): Promise<Record<string, number>> {
  const text = await scrape(`${cp.server}/metrics`, { certFile: cp.adminCertFile, keyFile: cp.adminKeyFile, caFile: cp.caFile });
  const out: Record<string, number> = {};
  for (const s of parsePromText(text, (n) => n === 'apiserver_request_total')) {
    const k = `${s.labels.verb} ${s.labels.resource || '-'}${s.labels.subresource ? `/${s.labels.subresource}` : ''}`;
    out[k] = (out[k] ?? 0) + s.value;
  }
  return out;
}

/** b − a per key, scaled to per minute over `ms`, rounded; keys that did not change are left out. */
export function perMinute(a: Record<string, number>, b: Record<string, number>, ms: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(b)) {
    const d = v - (a[k] ?? 0);
    if (d > 0) out[k] = Math.round((d / (ms / 60_000)) * 10) / 10;
  }
  return Object.fromEntries(Object.entries(out).sort((x, y) => y[1] - x[1]));
}
