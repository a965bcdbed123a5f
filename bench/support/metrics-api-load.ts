// Load on one external-metrics URL from a second process (so the load generator's CPU is not the server's): GETs
// over kept-alive TLS connections, either closed-loop (a fixed number of requests at a fixed concurrency) or
// open-loop (a fixed rate for a fixed time, as many HPA controllers asking at once would). Run as a script it prints
// one JSON line {requests, errors, seconds, p50, p90, p99, max} (ms); `metricsApiLoad` runs it as a child process.
//
// usage: node --import tsx bench/support/metrics-api-load.ts URL CA_FILE CERT_FILE KEY_FILE
//          (--requests N --concurrency C | --rate R --seconds S [--concurrency SOCKETS=32]) [--header NAME=VALUE ...]
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LoadOptions {
  url: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Closed loop: this many requests, `concurrency` at a time. */
  requests?: number;
  concurrency?: number;
  /** Open loop: `rate` requests per second for `seconds`. */
  rate?: number;
  seconds?: number;
  headers?: Record<string, string>;
}

const self = fileURLToPath(import.meta.url);

/** Runs the load in a child Node process and resolves its result. */
export async function metricsApiLoad(o: LoadOptions): Promise<LoadResult> {
  const mode =
    o.rate !== undefined
      ? ['--rate', String(o.rate), '--seconds', String(o.seconds ?? 10)]
      : ['--requests', String(o.requests ?? 3000), '--concurrency', String(o.concurrency ?? 8)];
  const headers = Object.entries(o.headers ?? {}).flatMap(([k, v]) => ['--header', `${k}=${v}`]);
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', self, o.url, o.caFile, o.certFile, o.keyFile, ...mode, ...headers], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as LoadResult;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      requests: { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      header: { type: 'string', multiple: true },
    },
  });
  const [url, caFile, certFile, keyFile] = positionals;
  if (!url || !caFile || !certFile || !keyFile)
    throw new Error('usage: metrics-api-load.ts URL CA_FILE CERT_FILE KEY_FILE (--requests N --concurrency C | --rate R --seconds S)');
  const headers = Object.fromEntries((values.header ?? []).map((h) => [h.slice(0, h.indexOf('=')), h.slice(h.indexOf('=') + 1)]));
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  const concurrency = Number(values.concurrency ?? 8);
  // Open loop: a fixed pool of kept-alive connections, opened before the clock starts (TLS handshakes are not what
  // is measured); a request due while all are busy waits in the agent's queue, and that wait counts.
  const sockets = rate === undefined ? concurrency : Number(values.concurrency ?? 32);
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: sockets,
    ca: readFileSync(caFile),
    cert: readFileSync(certFile),
    key: readFileSync(keyFile),
  });

  const one = (): Promise<{ ms: number; ok: boolean }> =>
    new Promise((resolve) => {
      const t0 = process.hrtime.bigint();
      const req = https.get(url, { agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, ok: res.statusCode === 200 }));
      });
      req.on('error', () => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, ok: false }));
    });

  const times: number[] = [];
  let errors = 0;
  const record = (r: { ms: number; ok: boolean }): void => {
    if (r.ok) times.push(r.ms);
    else errors++;
  };
  if (rate !== undefined) await Promise.all(Array.from({ length: sockets * 2 }, () => one()));
  const start = performance.now();
  if (rate !== undefined) {
    const total = Math.round(rate * Number(values.seconds ?? 10));
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(one().then(record));
    }
    await Promise.all(inFlight);
  } else {
    const total = Number(values.requests ?? 3000);
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          next++;
          record(await one());
        }
      }),
    );
  }
  const seconds = (performance.now() - start) / 1000;
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? NaN;
  const result: LoadResult = { requests: times.length, errors, seconds, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: times.at(-1) ?? NaN };
  console.log(JSON.stringify(result));
  agent.destroy();
}

if (process.argv[1] && resolve(process.argv[1]) === self) await main();
