// The scale part of bench/vs-keda on its own: Updraft (and KEDA with --keda, when built) at N ScaledObjects,
// printing ScaleResult per run. Heavy: run it under the machine's heavy-work lock.
//   npm run build && flock /tmp/updraft-heavy.lock node --import tsx bench/vs-keda/scale-main.ts [--n 1000,5000,10000]
//     [--autoscaler updraftHpa,updraftDirect,keda,kedaFastClient] [--minutes 2] [--polling-interval 30]
//     [--active-fraction 0.1] [--min-replicas 0] [--cpu-prof-dir D] [--heap-prof-dir D | --cpu-window-prof-dir D | --alloc-window-prof-dir D] [--json out.json] [--node-arg=--max-semi-space-size=64 ...] [--nice=-10] [-- extra updraft operator flags]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startPrometheus } from '../../test/support/prometheus.ts';
import { join } from 'node:path';
import { autoscalers, kedaAvailable, repoRoot } from './autoscalers.ts';
import { runScale, type ScaleResult } from './scale.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    n: { type: 'string', default: '1000,5000,10000' },
    autoscaler: { type: 'string', default: 'updraftHpa' },
    minutes: { type: 'string', default: '2' },
    'polling-interval': { type: 'string', default: '30' },
    'active-fraction': { type: 'string', default: '0.1' },
    'min-replicas': { type: 'string', default: '0' },
    'ready-timeout': { type: 'string', default: '600' },
    'cpu-prof-dir': { type: 'string' },
    'heap-prof-dir': { type: 'string' },
    'cpu-window-prof-dir': { type: 'string' },
    'alloc-window-prof-dir': { type: 'string' },
    json: { type: 'string' },
    // V8 flags for Updraft's process, e.g. --node-arg=--max-semi-space-size=64 (repeatable).
    'node-arg': { type: 'string', multiple: true },
    // Updraft's process under `nice -n N` (see StartOptions.nice).
    nice: { type: 'string' },
  },
});

const profilers = (['heap-prof-dir', 'cpu-window-prof-dir', 'alloc-window-prof-dir'] as const).filter((k) => values[k] !== undefined);
if (profilers.length > 1) throw new Error(`--${profilers.join(' and --')} all signal SIGUSR2: use one per run`);
const ns = values.n.split(',').map(Number);
const names = values.autoscaler.split(',') as Array<keyof typeof autoscalers>;
for (const name of names) if (!autoscalers[name]) throw new Error(`--autoscaler: unknown '${name}' (use ${Object.keys(autoscalers).join(', ')})`);
// Triggers query Prometheus directly, not through a proxy in this process (see index.ts).
const prom = await startPrometheus({});
const results: ScaleResult[] = [];
try {
  for (const n of ns) {
    for (const name of names) {
      if (name.startsWith('keda') && !(await kedaAvailable())) {
        console.log(`${name}: skipped (KEDA not built: bash scripts/slow/keda.sh)`);
        continue;
      }
      const r = await runScale(autoscalers[name], n, {
        pollingInterval: Number(values['polling-interval']),
        prometheusUrl: prom.url,
        minutes: Number(values.minutes),
        activeFraction: Number(values['active-fraction']),
        minReplicaCount: Number(values['min-replicas']),
        readyTimeoutSeconds: Number(values['ready-timeout']),
        heapProfileAtEnd: values['heap-prof-dir'] !== undefined,
        profileWindow: values['cpu-window-prof-dir'] !== undefined || values['alloc-window-prof-dir'] !== undefined,
        start: {
          extraArgs: positionals,
          ...(values.nice !== undefined ? { nice: Number(values.nice) } : {}),
          nodeArgs: [
            ...(values['node-arg'] ?? []),
            ...(values['cpu-prof-dir'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof-dir']}`] : []),
            // Sampled live heap at the end of the steady window (bench/support/heap-sampler.mjs), for where the memory per object goes.
            ...(values['heap-prof-dir'] ? ['--import', join(repoRoot, 'bench', 'support', 'heap-sampler.mjs')] : []),
            // The steady window's CPU profile (bench/support/cpu-sampler.mjs), for what holds up the event loop.
            ...(values['cpu-window-prof-dir'] ? ['--import', join(repoRoot, 'bench', 'support', 'cpu-sampler.mjs')] : []),
            // What the steady window allocated, garbage included (bench/support/alloc-sampler.mjs), for what keeps the GC busy.
            ...(values['alloc-window-prof-dir'] ? ['--import', join(repoRoot, 'bench', 'support', 'alloc-sampler.mjs')] : []),
          ],
          ...(profilers.length
            ? {
                env: {
                  HEAP_SAMPLER_DIR: values['heap-prof-dir'] ?? '',
                  CPU_SAMPLER_DIR: values['cpu-window-prof-dir'] ?? '',
                  ALLOC_SAMPLER_DIR: values['alloc-window-prof-dir'] ?? '',
                },
              }
            : {}),
        },
      });
      results.push(r);
      console.log(JSON.stringify(r, null, 2));
      if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
    }
  }
} finally {
  await prom.stop();
}
console.log('\nautoscaler        N  ready_s  late_p50  p95  p99  max(ms)  cpu_s/min  rss_MiB  api/min  status/min  queries/trigger/min');
for (const r of results) {
  const cpu = r.cpuSecondsPerMin[r.autoscaler] ?? Object.values(r.cpuSecondsPerMin)[0];
  const rss = r.rssMiB[r.autoscaler] ?? Object.values(r.rssMiB)[0];
  console.log(
    [
      r.autoscaler.padEnd(14),
      String(r.n).padStart(6),
      r.readySeconds,
      r.lateness.p50,
      r.lateness.p95,
      r.lateness.p99,
      r.lateness.max,
      cpu,
      rss,
      r.apiRequestsPerMinTotal,
      r.statusWritesPerMin,
      r.sourceQueriesPerTriggerPerMin,
    ].join('  '),
  );
}
