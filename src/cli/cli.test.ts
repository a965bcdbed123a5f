// The CLI as a user runs it (the real binary, bin/updraft.js): --version, readable errors for missing files and
// kubeconfigs, one spelling of TLS versions and timeouts across commands, --output on the commands that print
// results, and `updraft load`'s exit codes and k6-style thresholds against a real local HTTP server.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { buildInfo } from '../api/build-info.ts';
import { evaluateThresholds, parseThreshold } from '../load/thresholds.ts';
import type { LoadSummary } from '../load/load-generator.ts';
import { OperatorMetrics } from '../servers/keda-metrics.ts';
import { prometheusBackend } from '../servers/metric-families.ts';
import { parseTimeoutMs, parseTlsVersion, useColor } from './flags.ts';
import { loadExitCode } from './load.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const bin = join(root, 'bin', 'updraft.js');
const tmp = mkdtempSync(join(tmpdir(), 'updraft-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The environment of a spawned CLI: this one without a kubeconfig or a commit override. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.KUBECONFIG;
  delete env.KUBERNETES_SERVICE_HOST;
  delete env.UPDRAFT_GIT_COMMIT;
  return { ...env, ...extra };
}

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, env: cleanEnv(env) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The same, without blocking this process (the load rows need the HTTP server below to answer). */
function runAsync(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, env: cleanEnv() }, (error, out, err) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, out, err });
    });
  });
}

function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

const cronSo = `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: nightly, namespace: shop }
spec:
  scaleTargetRef: { name: worker }
  triggers:
    - type: cron
      metadata: { timezone: UTC, start: "0 1 * * *", end: "0 2 * * *", desiredReplicas: "3" }
`;

describe('updraft --version', () => {
  it('prints the package.json version', () => {
    const r = run(['--version']);
    assert.equal(r.code, 0, r.err);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    assert.equal(r.out.split('\n')[0], `updraft ${pkg.version}`);
  });

  it('prints the labels the keda_build_info gauge carries, value for value', async () => {
    const r = run(['--version']);
    const printed = Object.fromEntries([...r.out.split('\n')[1].matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    const registry = new Registry();
    const info = buildInfo(cleanEnv());
    new OperatorMetrics(prometheusBackend(registry), { version: info.labels.version, gitCommit: info.labels.git_commit });
    const gauge = (await registry.getMetricsAsJSON()).find((m) => m.name === 'keda_build_info') as unknown as {
      values: Array<{ labels: Record<string, string> }>;
    };
    assert.deepEqual(printed, gauge.values[0].labels);
  });

  it('takes the git commit from the build (UPDRAFT_GIT_COMMIT here), with no git at run time', () => {
    const r = run(['--version'], { UPDRAFT_GIT_COMMIT: '0123abc' });
    assert.match(r.out, / git_commit=0123abc /);
  });
});

describe('readable errors for files and kubeconfigs', () => {
  const rows: Array<{ name: string; args: string[]; env?: Record<string, string>; want: RegExp }> = [
    {
      name: 'probe -f missing.yaml',
      args: ['probe', '-f', 'missing.yaml'],
      want: /^updraft: cannot read manifest missing\.yaml: no such file or directory\n$/,
    },
    {
      name: 'probe --secrets missing',
      args: ['probe', '-f', 'examples/seed-manifests/01-sqs-scaledobject.yaml', '--secrets', 'nope-secrets.yaml'],
      want: /cannot read --secrets file nope-secrets\.yaml: no such file or directory/,
    },
    { name: 'simulate missing.yaml', args: ['simulate', 'missing.yaml'], want: /cannot read manifest missing\.yaml: no such file or directory/ },
    {
      name: 'simulate --series missing.csv',
      args: ['simulate', 'examples/simulate/sqs-burst.yaml', '--series', 'missing.csv'],
      want: /cannot read --series file missing\.csv: no such file or directory/,
    },
    {
      name: 'explain --kubeconfig /nope',
      args: ['explain', 'x', '--kubeconfig', '/nope'],
      want: /^updraft: cannot read kubeconfig \/nope: no such file or directory\n$/,
    },
    {
      name: 'explain with KUBECONFIG=/nope',
      args: ['explain', 'x'],
      env: { KUBECONFIG: '/nope' },
      want: /^updraft: cannot read kubeconfig \/nope \(named by \$KUBECONFIG\): no such file or directory\n$/,
    },
    { name: 'explain --kubeconfig <a directory>', args: ['explain', 'x', '--kubeconfig', tmpdir()], want: /cannot read kubeconfig .*: is a directory/ },
    {
      name: 'webhooks --kubeconfig /nope',
      args: ['webhooks', '--tls-cert-file', 'c', '--tls-key-file', 'k', '--kubeconfig', '/nope'],
      want: /^updraft: cannot read kubeconfig \/nope: no such file or directory\n$/,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const r = run(row.args, row.env);
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.err, row.want);
      assert.doesNotMatch(r.err, /ENOENT|EISDIR|\n\s+at /);
    });
  }
});

describe('one spelling per flag value across commands', () => {
  const tls: Array<[string, 'TLSv1.2' | 'TLSv1.3']> = [
    ['TLS12', 'TLSv1.2'],
    ['TLS13', 'TLSv1.3'],
    ['TLSv1.2', 'TLSv1.2'],
    ['TLSv1.3', 'TLSv1.3'],
    ['TLS1.2', 'TLSv1.2'],
    ['tls13', 'TLSv1.3'],
  ];
  for (const [given, node] of tls) it(`TLS version ${given} → ${node}`, () => assert.equal(parseTlsVersion('--min-tls-version', given), node));
  it('TLS version TLS10 is refused, naming the documented spelling', () =>
    assert.throws(() => parseTlsVersion('--min-tls-version', 'TLS10'), /use TLS12 or TLS13/));

  const timeouts: Array<[string, number]> = [
    ['3s', 3000],
    ['500ms', 500],
    ['1m', 60_000],
    ['3000', 3000],
  ];
  for (const [given, ms] of timeouts) it(`timeout ${given} → ${ms} ms`, () => assert.equal(parseTimeoutMs('--timeout', given), ms));
  it('timeout abc is refused', () => assert.throws(() => parseTimeoutMs('--timeout', 'abc'), /duration such as 3s/));

  it('webhooks accepts the KEDA spelling TLS13 (it used to fall back to TLS 1.2 silently)', () => {
    const r = run(['webhooks', '--tls-cert-file', 'c', '--tls-key-file', 'k', '--min-tls-version', 'TLS13', '--kubeconfig', '/nope']);
    assert.match(r.err, /cannot read kubeconfig/); // past the flag checks
  });
  it('webhooks still accepts the old --tls-min-version TLSv1.3', () => {
    const r = run(['webhooks', '--tls-cert-file', 'c', '--tls-key-file', 'k', '--tls-min-version', 'TLSv1.3', '--kubeconfig', '/nope']);
    assert.match(r.err, /cannot read kubeconfig/);
  });
  it('webhooks refuses --min-tls-version TLS10', () => {
    const r = run(['webhooks', '--tls-cert-file', 'c', '--tls-key-file', 'k', '--min-tls-version', 'TLS10']);
    assert.equal(r.code, 1);
    assert.match(r.err, /--min-tls-version: 'TLS10' is not a TLS version \(use TLS12 or TLS13\)/);
  });
  it('webhooks refuses --port 70000', () => {
    const r = run(['webhooks', '--tls-cert-file', 'c', '--tls-key-file', 'k', '--port', '70000']);
    assert.match(r.err, /--port must be a port number 0\.\.65535, got '70000'/);
  });
  it('probe takes --timeout as a duration (2s)', () => {
    const r = run(['probe', '-f', file('cron.yaml', cronSo), '--timeout', '2s']);
    assert.equal(r.code, 0, r.err);
  });
  it('probe refuses --timeout soon', () => {
    const r = run(['probe', '-f', file('cron.yaml', cronSo), '--timeout', 'soon']);
    assert.equal(r.code, 1);
    assert.match(r.err, /--timeout must be a duration such as 3s/);
  });
});

describe('--output on the commands that print results', () => {
  it('probe -o json', () => {
    const r = run(['probe', '-f', file('cron.yaml', cronSo), '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const parsed = JSON.parse(r.out) as { results: Array<{ type: string }> };
    assert.equal(parsed.results[0].type, 'cron');
  });
  it('probe -o text is the table', () => {
    const r = run(['probe', '-f', file('cron.yaml', cronSo), '-o', 'text']);
    assert.match(r.out, /^OBJECT\s+TRIGGER/);
  });
  it('simulate -o json (one object per step, a line each)', () => {
    const r = run(['simulate', 'examples/simulate/sqs-burst.yaml', '--series', 'examples/simulate/sqs-burst.csv', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const steps = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { t: number });
    assert.equal(steps[0].t, 0);
  });
  it('simulate -o text is the table', () => {
    const r = run(['simulate', 'examples/simulate/sqs-burst.yaml', '--series', 'examples/simulate/sqs-burst.csv', '-o', 'text']);
    assert.equal(r.code, 0, r.err);
    assert.throws(() => JSON.parse(r.out));
  });
  it('up refuses -o yaml before starting anything', () => {
    const r = run(['up', 'examples/quickstart', '-o', 'yaml']);
    assert.equal(r.code, 1);
    assert.match(r.err, /--output must be text or json, got 'yaml'/);
  });
  it('up -o json: the summary as JSON on stdout, the log lines on stderr', () => {
    const dir = mkdtempSync(join(tmp, 'up-'));
    writeFileSync(
      join(dir, 'all.yaml'),
      `apiVersion: updraft.dev/v1alpha1
kind: ProcessGroup
metadata: { name: idle }
spec: { command: node, args: ["-e", "setInterval(() => {}, 1000)"] }
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: idle }
spec:
  scaleTargetRef: { apiVersion: updraft.dev/v1alpha1, kind: ProcessGroup, name: idle }
  maxReplicaCount: 2
  pollingInterval: 1
  triggers: [{ type: opentelemetry, metadata: { metricName: m, threshold: "1" } }]
`,
    );
    const r = run(['up', dir, '--otlp-port', '0', '--exit-when-idle', '--no-dashboard', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const summary = JSON.parse(r.out) as { exitCode: number; scaledObjects: Array<{ object: string; finalReplicas: number }> };
    assert.deepEqual(
      summary.scaledObjects.map((o) => [o.object, o.finalReplicas]),
      [['default/idle', 0]],
    );
    assert.match(r.err, /updraft \| stopped/);
  });
  it('up lists -o/--output and --no-instance-output in its help', () => {
    const r = run(['up', '--help']);
    assert.match(r.out, /-o, --output <format>/);
    assert.match(r.out, /--no-instance-output/);
  });
});

describe('updraft load: exit codes and --threshold', () => {
  let server: Server;
  let base = '';
  before(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url === '/fail' ? 500 : 200;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const short = ['--rate', '20', '--duration', '1s'];

  it('exits 0 when every request succeeds', async () => {
    const r = await runAsync(['load', `${base}/ok`, ...short]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /errors {3}0/);
  });
  it('exits 1 on request errors (HTTP 500) without thresholds', async () => {
    const r = await runAsync(['load', `${base}/fail`, ...short]);
    assert.equal(r.code, 1, r.out);
  });
  it('exits 1 on connection errors', async () => {
    const r = await runAsync(['load', 'http://127.0.0.1:1/', ...short]);
    assert.equal(r.code, 1, r.out);
  });
  it("exits 99 when 'rate<0.01' is crossed", async () => {
    const r = await runAsync(['load', `${base}/fail`, ...short, '--threshold', 'rate<0.01']);
    assert.equal(r.code, 99, r.out);
    assert.match(r.out, /FAIL rate<0\.01 {2}\(1\.0000\)/);
  });
  it("exits 0 when 'p(99)<5000' and 'http_req_failed: rate<0.5' hold", async () => {
    const r = await runAsync(['load', `${base}/ok`, ...short, '--threshold', 'p(99)<5000', '--threshold', 'http_req_failed: rate<0.5']);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /ok {3}p\(99\)<5000/);
  });
  it('thresholds decide: errors under the allowed rate exit 0', async () => {
    const r = await runAsync(['load', `${base}/fail`, ...short, '--threshold', 'rate<=1']);
    assert.equal(r.code, 0, r.out);
  });
  it('-o json carries the threshold results', async () => {
    const r = await runAsync(['load', `${base}/ok`, ...short, '-o', 'json', '--threshold', 'max<0']);
    assert.equal(r.code, 99);
    const json = JSON.parse(r.out) as { thresholds: Array<{ source: string; ok: boolean }> };
    assert.deepEqual(
      json.thresholds.map((t) => [t.source, t.ok]),
      [['max<0', false]],
    );
  });
  it('refuses a threshold it cannot measure, p(95)', async () => {
    const r = await runAsync(['load', `${base}/ok`, ...short, '--threshold', 'p(95)<100']);
    assert.equal(r.code, 1);
    assert.match(r.err, /only p\(50\), p\(90\) and p\(99\) are measured/);
  });
});

describe('load thresholds (parsed and evaluated)', () => {
  const summary = (over: Partial<LoadSummary>): LoadSummary => ({
    url: 'http://x/',
    durationMs: 1000,
    sent: 100,
    completed: 100,
    statuses: { 200: 100 },
    errors: 0,
    errorKinds: {},
    dropped: 0,
    rate: 100,
    latencyMs: { min: 1, p50: 10, p90: 40, p99: 90, max: 120, mean: 15 },
    ...over,
  });
  const rows: Array<[string, Partial<LoadSummary>, boolean]> = [
    ['p(99)<500', {}, true],
    ['p(99)<50', {}, false],
    ['p(90)<=40', {}, true],
    ['avg<20', {}, true],
    ['med>10', {}, false],
    ['http_req_duration: max<100', {}, false],
    ['rate<0.01', { errors: 1, completed: 100 }, false],
    ['http_req_failed:rate<0.02', { errors: 1, completed: 100 }, true],
    ['p(50)<1000', { latencyMs: undefined, completed: 0, errors: 5 }, false],
  ];
  for (const [expr, over, ok] of rows) {
    it(`${expr} is ${ok ? 'met' : 'crossed'}`, () => assert.equal(evaluateThresholds([parseThreshold(expr)], summary(over))[0].ok, ok));
  }
  const bad = ['p99<5', 'rate<', 'http_req_failed: p(99)<5', 'http_req_duration: rate<0.1', 'latency<5'];
  for (const expr of bad) it(`refuses '${expr}'`, () => assert.throws(() => parseThreshold(expr), /--threshold/));
  it('no thresholds: request errors exit 1', () => assert.equal(loadExitCode(summary({ errors: 2 }), undefined), 1));
  it('no thresholds, no errors: exit 0', () => assert.equal(loadExitCode(summary({}), undefined), 0));
});

describe('colour only on a TTY, never with NO_COLOR', () => {
  const rows: Array<[string, boolean, Record<string, string>, boolean]> = [
    ['a TTY', true, {}, true],
    ['a pipe', false, {}, false],
    ['a TTY with NO_COLOR=1', true, { NO_COLOR: '1' }, false],
    ['a TTY with NO_COLOR empty (unset per no-color.org)', true, { NO_COLOR: '' }, true],
    ['a pipe with FORCE_COLOR=1', false, { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR=1 and NO_COLOR=1', true, { FORCE_COLOR: '1', NO_COLOR: '1' }, false],
  ];
  for (const [name, isTTY, env, want] of rows) it(name, () => assert.equal(useColor({ isTTY }, env), want));
});
