// Time from setReplicas(n+1) to the new instance counting as ready, for a plain Node service (the test fixture,
// ready as soon as it listens) and for the quickstart app (TypeScript through tsx, OpenTelemetry SDK loaded).
// Readiness is an HTTP probe; until its first success an instance is probed every 200 ms.
// Run: node --import tsx bench/process-pool.ts
import { fileURLToPath } from 'node:url';
import { parseProcessGroup } from '../src/api/process-group.ts';
import { ProcessPool } from '../src/targets/process-pool.ts';

const ROUNDS = 5;

async function measure(label: string, spec: Record<string, unknown>, cwd: string): Promise<void> {
  const r = parseProcessGroup({ apiVersion: 'updraft.dev/v1alpha1', kind: 'ProcessGroup', metadata: { name: 'bench' }, spec });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  const pool = new ProcessPool(r.value, { baseDir: cwd, output: () => undefined });
  const times: number[] = [];
  for (let n = 0; n < ROUNDS; n++) {
    const t = performance.now();
    await pool.setReplicas(n + 1);
    await pool.whenReady(n + 1);
    times.push(performance.now() - t);
  }
  const stopStart = performance.now();
  await pool.close();
  const stopMs = performance.now() - stopStart;
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(44)} setReplicas(n+1)→ready ms: ${times.map((x) => x.toFixed(0)).join(', ')}  (median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)})  close ${ROUNDS} instances: ${stopMs.toFixed(0)} ms`,
  );
}

const fixture = fileURLToPath(new URL('../test/integration/fixtures/process-pool/instance.mjs', import.meta.url));
const quickstartDir = fileURLToPath(new URL('../examples/quickstart/', import.meta.url));
const probe = { httpGet: { path: '/healthz' }, periodSeconds: 1 };
await measure(
  'plain node service (fixture)',
  { command: process.execPath, args: [fixture, '--port', '$(PORT)'], ports: { from: 23100, to: 23199 }, readinessProbe: probe },
  process.cwd(),
);
await measure(
  'quickstart app (tsx + OpenTelemetry SDK)',
  {
    command: process.execPath,
    args: ['--import', 'tsx', 'server.ts'],
    ports: { from: 23200, to: 23299 },
    readinessProbe: probe,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
  },
  quickstartDir,
);
