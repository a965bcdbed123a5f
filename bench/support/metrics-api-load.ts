// The second process of bench/reaction-latency.ts: hammers one external-metrics URL with a fixed concurrency over
// kept-alive TLS connections and prints one JSON line {requests, errors, seconds, p50, p90, p99, max} (ms).
// usage: node --import tsx bench/support/metrics-api-load.ts URL CA_FILE CERT_FILE KEY_FILE REQUESTS CONCURRENCY [HEADER=VALUE...]
import { readFileSync } from 'node:fs';
import https from 'node:https';

const [url, caFile, certFile, keyFile, requestsArg, concurrencyArg, ...headerArgs] = process.argv.slice(2);
const total = Number(requestsArg);
const concurrency = Number(concurrencyArg);
const headers = Object.fromEntries(headerArgs.map((h) => [h.slice(0, h.indexOf('=')), h.slice(h.indexOf('=') + 1)]));
const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency, ca: readFileSync(caFile), cert: readFileSync(certFile), key: readFileSync(keyFile) });

function one(): Promise<{ ms: number; ok: boolean }> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = https.get(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, ok: res.statusCode === 200 }));
    });
    req.on('error', () => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, ok: false }));
  });
}

const times: number[] = [];
let errors = 0;
let next = 0;
const start = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < total) {
      next++;
      const r = await one();
      if (r.ok) times.push(r.ms);
      else errors++;
    }
  }),
);
const seconds = (performance.now() - start) / 1000;
times.sort((a, b) => a - b);
const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? NaN;
console.log(JSON.stringify({ requests: times.length, errors, seconds, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: times.at(-1) ?? NaN }));
agent.destroy();
