// The Prometheus text exposition format, read back: samples of a /metrics page, and percentiles from the change of
// a histogram between two scrapes (linear within a bucket, as PromQL's histogram_quantile does).
import { request as httpsRequest } from 'node:https';
import { readFile } from 'node:fs/promises';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Samples of the metrics whose names pass `want` (all by default). */
export function parsePromText(text: string, want: (name: string) => boolean = () => true): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m || !want(m[1])) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]] = l[2].replace(/\\(.)/g, '$1');
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** GET a /metrics page: plain http, or https with a client certificate (the kube-apiserver's). */
export async function scrape(url: string, tls?: { certFile: string; keyFile: string; caFile: string }, userAgent = 'updraft-bench'): Promise<string> {
  if (!tls) {
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000), headers: { 'user-agent': userAgent } });
    if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
    return res.text();
  }
  const [cert, key, ca] = await Promise.all([readFile(tls.certFile), readFile(tls.keyFile), readFile(tls.caFile)]);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { cert, key, ca, timeout: 30_000, headers: { 'user-agent': userAgent } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Cumulative bucket counts of one histogram (summed over its label sets), upper bound → count. */
export function histogramBuckets(samples: Sample[], name: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    out.set(le, (out.get(le) ?? 0) + s.value);
  }
  return out;
}

/** The observations between two scrapes of a histogram: after − before, per bucket. */
export function bucketDelta(before: Map<number, number>, after: Map<number, number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const [le, v] of after) out.set(le, v - (before.get(le) ?? 0));
  return out;
}

/** The q-quantile of cumulative buckets, interpolated within its bucket (histogram_quantile); NaN without data. */
export function bucketQuantile(buckets: Map<number, number>, q: number): number {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return prevLe; // beyond the last finite bound: report that bound, as PromQL does
      return prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(count - prevCount, 1e-12);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

/** The q-quantile of plain values (nearest rank); NaN for none. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
