// `updraft load` against a local HTTP server on loopback: rates, status counting, open-model drops, the CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runLoad } from '../../src/load/load-generator.ts';
import { constantRate, parseStages } from '../../src/load/stages.ts';

let server: Server;
let base: string;
const seen = { count: 0 };

before(async () => {
  server = createServer((req, res) => {
    seen.count++;
    if (req.url === '/fail') {
      res.statusCode = 500;
      return res.end('no');
    }
    if (req.url === '/slow') return setTimeout(() => res.end('late'), 400);
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

describe('load generator', () => {
  it('sends the scheduled number of requests at a constant rate and measures latency', async () => {
    const before = seen.count;
    const s = await runLoad({ url: `${base}/`, stages: constantRate(100, 1000), concurrency: 100 });
    assert.equal(s.sent + s.dropped, 100, 'every scheduled arrival is sent or counted as dropped');
    assert.ok(s.sent >= 90, `sent ${s.sent}`);
    assert.equal(seen.count - before, s.sent, 'every sent request reached the server');
    assert.deepEqual(s.statuses, { 200: s.sent });
    assert.equal(s.errors, 0);
    assert.ok(s.latencyMs && s.latencyMs.p50 > 0 && s.latencyMs.p99 >= s.latencyMs.p50);
  });

  it('follows a ramp: a 0→100/s ramp over 1 s sends about half as many as a flat 100/s', async () => {
    const s = await runLoad({ url: `${base}/`, stages: parseStages('1s:100'), concurrency: 100 });
    assert.equal(s.sent + s.dropped, 50);
  });

  it('counts HTTP errors by status', async () => {
    const s = await runLoad({ url: `${base}/fail`, stages: constantRate(50, 400), concurrency: 10 });
    assert.equal(s.errors, s.sent);
    assert.deepEqual(Object.keys(s.statuses), ['500']);
  });

  it('drops arrivals when every connection is busy instead of slowing down (open model)', async () => {
    const s = await runLoad({ url: `${base}/slow`, stages: constantRate(50, 600), concurrency: 5 });
    assert.equal(s.sent + s.dropped, 30);
    // Five fit in flight; each takes 400 ms, so at most two rounds of five start within 600 ms.
    assert.ok(s.sent <= 10, `sent ${s.sent}`);
    assert.ok(s.dropped >= 20, `dropped ${s.dropped}`);
  });

  it('reports connection failures by error code', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const s = await runLoad({ url: `http://127.0.0.1:${port}/`, stages: constantRate(20, 300), concurrency: 5 });
    assert.equal(s.errors, s.sent);
    assert.ok((s.errorKinds.ECONNREFUSED ?? 0) > 0, JSON.stringify(s.errorKinds));
  });

  it('runs from the CLI and prints a JSON summary', async () => {
    const bin = fileURLToPath(new URL('../../bin/updraft.js', import.meta.url));
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, 'load', `${base}/`, '--rate', '40', '--duration', '500ms', '-o', 'json']);
    const summary = JSON.parse(stdout) as { sent: number; dropped: number };
    assert.equal(summary.sent + summary.dropped, 20);
    assert.match(stderr, /load: http:\/\/127\.0\.0\.1:\d+\/ for 1 s/);
  });
});
