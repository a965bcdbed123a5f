// `updraft up` end to end: a ScaledObject with an opentelemetry trigger scales a ProcessGroup of real processes
// from zero on pushed OTLP data, back to zero after the cooldown, and leaves nothing running on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/updraft.js', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/process-pool/instance.mjs', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('scales a ProcessGroup from zero on pushed OTLP data, back to zero after the cooldown, and stops cleanly', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-up-'));
  const from = 25000 + (process.pid % 100) * 20;
  writeFileSync(
    join(dir, 'up.yaml'),
    `
apiVersion: updraft.dev/v1alpha1
kind: ProcessGroup
metadata: { name: worker }
spec:
  command: ${JSON.stringify(process.execPath)}
  args: [${JSON.stringify(fixture)}, "--port", "$(PORT)"]
  ports: { from: ${from}, to: ${from + 19} }
  readinessProbe: { httpGet: { path: /healthz }, periodSeconds: 1 }
  terminationGracePeriodSeconds: 2
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: worker }
spec:
  scaleTargetRef: { apiVersion: updraft.dev/v1alpha1, kind: ProcessGroup, name: worker }
  minReplicaCount: 0
  maxReplicaCount: 5
  pollingInterval: 1
  cooldownPeriod: 2
  triggers:
  - type: opentelemetry
    metadata: { metricName: queue.depth, window: 3s, threshold: "5" }
`,
  );
  const up = spawn(process.execPath, [bin, 'up', dir, '--otlp-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  up.stderr.on('data', (d) => (stderr += d));
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  createInterface({ input: up.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of [...waiters]) {
      const m = line.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const exited = new Promise<number | null>((r) => up.once('exit', (code) => r(code)));
  /** The first line matching `re`, among lines from index `since` on (waiting for it if needed). */
  const waitLine = (re: RegExp, ms = 20_000, since = 0) => {
    const seen = lines
      .slice(since)
      .map((l) => l.match(re))
      .find((m) => m);
    if (seen) return Promise.resolve(seen);
    return new Promise<RegExpMatchArray>((resolve, reject) => {
      waiters.push({ re, resolve });
      setTimeout(() => reject(new Error(`no line matching ${re} in ${ms} ms; output:\n${lines.join('\n')}\n${stderr}`)), ms);
    });
  };
  try {
    const receiver = (await waitLine(/OTLP metrics receiver on (http:\/\/[^ ]+)\/v1\/metrics/))[1];
    await waitLine(/running; Ctrl-C stops every instance/);
    const push = async (value: number) => {
      const res = await fetch(`${receiver}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          resourceMetrics: [
            {
              resource: { attributes: [{ key: 'service.instance.id', value: { stringValue: 'producer' } }] },
              scopeMetrics: [{ metrics: [{ name: 'queue.depth', gauge: { dataPoints: [{ asInt: String(value) }] } }] }],
            },
          ],
        }),
      });
      assert.equal(res.status, 200);
    };
    await push(12);
    await waitLine(/scale 0→1/);
    // 12 / 5 per instance → 3 instances, each ready only after its probe passes.
    await waitLine(/ProcessGroup worker: 3\/3 ready/);
    const pids = lines.flatMap((l) => [...l.matchAll(/started pid=(\d+)/g)].map((m) => Number(m[1])));
    assert.equal(pids.length, 3);
    assert.ok(
      lines.some((l) => /^worker-2 \| started pid=\d+ port=\d+ instance=worker-2/.test(l)),
      'instance output is prefixed with its name',
    );
    // A producer that keeps reporting (sequentially, so reports arrive in order).
    let depth = 0;
    let producing = true;
    const producer = (async () => {
      while (producing) {
        await push(depth);
        await new Promise((r) => setTimeout(r, 300)); // hygiene: allow-sleep the producer's report period (part of the scenario)
      }
    })();
    try {
      await waitLine(/scale 3→0/);
      await waitLine(/ProcessGroup worker: 0\/0 ready/);
      const mark = lines.length;
      depth = 6;
      // Woken from zero again; 6 / 5 per instance needs 2 (the HPA's scale-down stabilization may keep 3).
      await waitLine(/scale 0→1/, 20_000, mark);
      await waitLine(/ProcessGroup worker: ([23])\/\1 ready/, 20_000, mark);
    } finally {
      producing = false;
      await producer;
    }
    const running = lines.flatMap((l) => [...l.matchAll(/started pid=(\d+)/g)].map((m) => Number(m[1]))).filter(alive);
    assert.ok(running.length >= 2);
    up.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.deepEqual(running.filter(alive), [], 'no instance outlives updraft up');
  } finally {
    if (up.exitCode === null) up.kill('SIGKILL');
  }
});

it('with --otlp-grpc-port, a push from the SDK gRPC exporter wakes the ProcessGroup from zero', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-up-grpc-'));
  const from = 26000 + (process.pid % 100) * 20;
  writeFileSync(
    join(dir, 'up.yaml'),
    `
apiVersion: updraft.dev/v1alpha1
kind: ProcessGroup
metadata: { name: grpc-worker }
spec:
  command: ${JSON.stringify(process.execPath)}
  args: [${JSON.stringify(fixture)}, "--port", "$(PORT)"]
  ports: { from: ${from}, to: ${from + 19} }
  readinessProbe: { httpGet: { path: /healthz }, periodSeconds: 1 }
  terminationGracePeriodSeconds: 2
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: grpc-worker }
spec:
  scaleTargetRef: { apiVersion: updraft.dev/v1alpha1, kind: ProcessGroup, name: grpc-worker }
  minReplicaCount: 0
  maxReplicaCount: 5
  pollingInterval: 1
  cooldownPeriod: 30
  triggers:
  - type: opentelemetry
    metadata: { metricName: grpc.queue.depth, window: 3s, threshold: "5" }
`,
  );
  const up = spawn(process.execPath, [bin, 'up', dir, '--otlp-port', '0', '--otlp-grpc-port', '0', '--no-dashboard'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  up.stderr.on('data', (d) => (stderr += d));
  const lines: string[] = [];
  const seen = (re: RegExp) => lines.map((l) => l.match(re)).find((m) => m);
  createInterface({ input: up.stdout }).on('line', (line) => lines.push(line));
  const waitLine = async (re: RegExp, ms = 20_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = seen(re);
      if (m) return m;
      if (Date.now() > deadline || up.exitCode !== null) throw new Error(`no line matching ${re}; output:\n${lines.join('\n')}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50)); // hygiene: allow-sleep polling the output lines for a condition
    }
  };
  const exited = new Promise<number | null>((r) => up.once('exit', (code) => r(code)));
  const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-grpc');
  const { MeterProvider, PeriodicExportingMetricReader } = await import('@opentelemetry/sdk-metrics');
  try {
    const address = (await waitLine(/OTLP\/gRPC metrics receiver on (\S+)/))[1];
    await waitLine(/running; Ctrl-C stops every instance/);
    const provider = new MeterProvider({
      readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `http://${address}` }), exportIntervalMillis: 3_600_000 })],
    });
    provider.getMeter('up').createGauge('grpc.queue.depth').record(12);
    await provider.forceFlush();
    await provider.shutdown();
    await waitLine(/scale 0→1/);
    up.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (up.exitCode === null) up.kill('SIGKILL');
  }
});
