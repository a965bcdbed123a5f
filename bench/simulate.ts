// How long `updraft simulate` takes for 24 h at 1 s resolution (pollingInterval 1 s, a series point every second)
// across many ScaledObjects, through the real engine. Prints total seconds, steps/s and memory.
// usage: node --import tsx bench/simulate.ts [objects=1000] [hours=24] [mode=hpa|direct]
import { performance } from 'node:perf_hooks';
import type { ScaledObject } from '../src/api/types.ts';
import type { Series, SeriesValue } from '../src/simulate/series.ts';
import { simulate } from '../src/simulate/simulator.ts';

const objects = Number(process.argv[2] ?? 1000);
const hours = Number(process.argv[3] ?? 24);
const mode = (process.argv[4] ?? 'hpa') as 'hpa' | 'direct';
const seconds = hours * 3600;

// Deterministic load shapes: a daily wave plus bursts and the occasional failed read. 8 shapes shared by all objects.
function shape(k: number): Series {
  let seed = 12345 + k;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const points: Array<{ t: number; v: SeriesValue }> = [];
  let burst = 0;
  for (let t = 0; t <= seconds; t++) {
    if (rand() < 0.0005) burst = 200 + rand() * 800;
    burst *= 0.995;
    const wave = 60 * (1 + Math.sin((2 * Math.PI * (t + k * 3000)) / 86400));
    points.push({ t, v: rand() < 0.0002 ? 'error' : Math.round(wave * (k % 3 === 0 ? 0 : 1) + burst) });
  }
  return { columns: ['queue'], points: new Map([['queue', points]]), end: seconds };
}

function scaledObject(i: number): ScaledObject {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: `so-${i}`, namespace: 'bench', labels: {}, annotations: {} },
    spec: {
      scaleTargetRef: { name: `worker-${i}`, apiVersion: 'apps/v1', kind: 'Deployment' },
      pollingInterval: 1,
      cooldownPeriod: 60 + (i % 5) * 60,
      initialCooldownPeriod: 0,
      minReplicaCount: i % 4 === 0 ? 1 : 0,
      maxReplicaCount: 50,
      ...(i % 10 === 0 ? { fallback: { failureThreshold: 3, replicas: 4, behavior: 'static' as const } } : {}),
      advanced: { restoreToOriginalReplicaCount: false },
      triggers: [{ type: 'aws-sqs-queue', metadata: { queueURL: `https://sqs.example/1/q${i}`, queueLength: String(5 + (i % 7)) }, useCachedMetrics: false }],
      explicit: { pollingInterval: true, cooldownPeriod: true, minReplicaCount: true, maxReplicaCount: true },
    },
    status: {},
  };
}

const shapes = Array.from({ length: 8 }, (_, k) => shape(k));
globalThis.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const t0 = performance.now();
let steps = 0;
let changes = 0;
let peakRss = process.memoryUsage().rss;
for (let i = 0; i < objects; i++) {
  const r = simulate(scaledObject(i), shapes[i % shapes.length], {
    mode,
    startReplicas: 0,
    durationSeconds: seconds,
    hpaSyncSeconds: 15,
    readyDelaySeconds: 0,
    record: false,
  });
  steps += r.summary.steps;
  changes += r.summary.scaleChanges;
  if (i % 50 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
const elapsed = (performance.now() - t0) / 1000;
const mem = process.memoryUsage();
peakRss = Math.max(peakRss, mem.rss);
console.log(
  `simulate bench: ${objects} ScaledObjects × ${hours} h at 1 s (pollingInterval 1 s, mode ${mode}${mode === 'hpa' ? ', HPA sync 15 s' : ''}) on Node ${process.version}`,
);
console.log(
  `  total ${elapsed.toFixed(1)} s, ${steps.toLocaleString('en-US')} steps (operator polls + HPA syncs), ${Math.round(steps / elapsed).toLocaleString('en-US')} steps/s, ${((elapsed / objects) * 1000).toFixed(1)} ms per object-day`,
);
console.log(
  `  ${changes.toLocaleString('en-US')} replica changes; memory: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB (peak ${(peakRss / 2 ** 20).toFixed(0)} MiB), heapUsed ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB (${((mem.heapUsed - heapBefore) / 2 ** 20).toFixed(0)} MiB over the shared series)`,
);
