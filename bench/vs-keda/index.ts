// `npm run bench:vs-keda`: Updraft and KEDA side by side, one after the other on fresh local control planes, against
// the same kind of Prometheus (behind a counting proxy for the reaction rows); prints one table (KEDA | Updraft | ratio) and writes
// bench/vs-keda/results/<date>.json and .md with the machine described. Not in CI: it runs for minutes (--quick) to
// hours (full), and KEDA must be built first (bash scripts/slow/keda.sh; without it the KEDA columns are skipped).
//
//   npm run build && flock /tmp/updraft-heavy.lock npm run bench:vs-keda -- --quick
//     --quick               N=100, 3 rounds per reaction, 10 s per metrics-API rate
//     (full)                N=100,1000,5000,10000, 5 rounds, 30 s per rate
//     --n 100,1000          the scale Ns; `N:a+b` runs only autoscalers a and b at that N (e.g. 10000:updraftHpa)
//     --rounds 5            rounds per reaction row (each: 0→1 and 1→4, at pollingInterval 30 s and 1 s)
//     --scale-autoscalers keda,kedaFastClient,updraftHpa,updraftDirect
//     --reaction-autoscalers keda,updraftHpa,updraftDirect
//     --ready-timeout 600   cap on each scale phase's wait for all Ready (reported as "x of N Ready after T")
//     --minutes 2           steady window of each scale phase
//     --skip-reaction / --skip-scale
//
// Ratio = Updraft ÷ KEDA: below 1 means Updraft took less time, sent fewer queries or used less.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startPrometheus } from '../../test/support/prometheus.ts';
import { autoscalers, kedaAvailable, repoRoot, updraftBuilt } from './autoscalers.ts';
import { runReaction, type ReactionResult } from './reaction.ts';
import { runScale, type ScaleResult } from './scale.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    n: { type: 'string' },
    rounds: { type: 'string' },
    'scale-autoscalers': { type: 'string' },
    'reaction-autoscalers': { type: 'string' },
    'ready-timeout': { type: 'string', default: '600' },
    minutes: { type: 'string', default: '2' },
    'api-seconds': { type: 'string' },
    'skip-reaction': { type: 'boolean', default: false },
    'skip-scale': { type: 'boolean', default: false },
  },
});
const quick = values.quick;
// Each N with the autoscalers run at it (`10000:updraftHpa+updraftDirect`; plain N: every --scale-autoscalers).
const nSpecs = (values.n ?? (quick ? '100' : '100,1000,5000,10000')).split(',').map((x) => {
  const [n, only] = x.split(':');
  if (!(Number(n) > 0)) throw new Error(`--n: '${x}' is not N or N:autoscaler+autoscaler`);
  return { n: Number(n), only: only ? (only.split('+') as Array<keyof typeof autoscalers>) : undefined };
});
const ns = nSpecs.map((x) => x.n);
const rounds = Number(values.rounds ?? (quick ? 3 : 5));
const apiSeconds = Number(values['api-seconds'] ?? (quick ? 10 : 30));
type Name = keyof typeof autoscalers;
const scaleNames = (values['scale-autoscalers'] ?? 'keda,kedaFastClient,updraftHpa,updraftDirect').split(',') as Name[];
for (const n of scaleNames) if (!autoscalers[n]) throw new Error(`--scale-autoscalers: unknown '${n}' (use ${Object.keys(autoscalers).join(', ')})`);
const reactionChoice = (values['reaction-autoscalers'] ?? 'keda,updraftHpa,updraftDirect').split(',') as Name[];
for (const n of reactionChoice)
  if (!['keda', 'updraftHpa', 'updraftDirect'].includes(n)) throw new Error(`--reaction-autoscalers: unknown '${n}' (use keda, updraftHpa, updraftDirect)`);
if (!updraftBuilt()) throw new Error('bench:vs-keda runs the compiled operator (lib/): run `npm run build` first');

const run = promisify(execFile);
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const stamp = new Date().toISOString().slice(0, 16).replace(':', '-');
const resultsDir = join(repoRoot, 'bench', 'vs-keda', 'results');

async function machine() {
  const goVersion = await run('go', ['version'])
    .then((r) => r.stdout.trim())
    .catch(() => 'go: not on PATH');
  const { KEDA_VERSION } = (await import(join(repoRoot, 'test', 'support', 'keda.ts'))) as { KEDA_VERSION: string };
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    ramGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    go: goVersion,
    keda: KEDA_VERSION,
    loadAverageAtStart: loadavg().map((x) => Number(x.toFixed(1))),
  };
}

const hasKeda = await kedaAvailable();
const out: {
  date: string;
  quick: boolean;
  machine: Awaited<ReturnType<typeof machine>>;
  kedaSkipped?: string;
  reaction: ReactionResult[];
  scale: ScaleResult[];
  phaseLoad: Record<string, number[]>;
} = { date: new Date().toISOString(), quick, machine: await machine(), reaction: [], scale: [], phaseLoad: {} };
if (!hasKeda) {
  out.kedaSkipped = 'KEDA is not built: KEDA columns skipped (build it with `flock /tmp/updraft-heavy.lock bash scripts/slow/keda.sh`)';
  console.log(out.kedaSkipped);
}
mkdirSync(resultsDir, { recursive: true });
const save = () => writeFileSync(join(resultsDir, `${stamp}.json`), `${JSON.stringify(out, null, 2)}\n`);

if (!values['skip-reaction']) {
  const reactionNames = reactionChoice.filter((n) => n !== 'keda' || hasKeda);
  for (const name of reactionNames) {
    out.phaseLoad[`reaction ${name}`] = loadavg().map((x) => Number(x.toFixed(1)));
    log(`reaction: ${name}`);
    const r = await runReaction(autoscalers[name], {
      rounds,
      steadyMinutes: 2,
      // Direct mode has no HPA asking: its metrics API is not served.
      apiRates: name === 'updraftDirect' ? [] : [200, 670],
      apiSeconds,
      log,
    });
    out.reaction.push(r);
    for (const e of r.errors) log(`reaction ${name}: ${e}`);
    save();
  }
}

if (!values['skip-scale']) {
  // The triggers query Prometheus directly (it counts the queries itself): a proxy in this process would stall
  // whenever the harness parses the autoscaler's /metrics page (~10 MB at 10,000 objects, every 15 s), and every
  // read through it with it — late polls that were the harness's, not the autoscaler's.
  const prom = await startPrometheus({});
  try {
    for (const { n, only } of nSpecs) {
      for (const name of only ?? scaleNames) {
        if (!autoscalers[name]) throw new Error(`--n ${n}: unknown autoscaler '${name}' (use ${Object.keys(autoscalers).join(', ')})`);
        if (name.startsWith('keda') && !hasKeda) continue;
        out.phaseLoad[`scale ${name} N=${n}`] = loadavg().map((x) => Number(x.toFixed(1)));
        log(`scale: ${name} N=${n}`);
        try {
          out.scale.push(
            await runScale(autoscalers[name], n, {
              pollingInterval: 30,
              prometheusUrl: prom.url,
              minutes: Number(values.minutes),
              readyTimeoutSeconds: Number(values['ready-timeout']),
              log: (l) => log(`scale ${name} N=${n}: ${l}`),
            }),
          );
        } catch (err) {
          log(`scale ${name} N=${n} failed: ${(err as Error).stack}`);
          out.scale.push({ autoscaler: autoscalers[name].name, n, failed: (err as Error).message } as unknown as ScaleResult);
        }
        save();
      }
    }
  } finally {
    await prom.stop();
  }
}

// ---- the table ----

const fmt = (x: number | undefined, digits = 1) =>
  x === undefined || !Number.isFinite(x) ? '–' : x.toLocaleString('en-US', { maximumFractionDigits: digits });
const ratio = (updraft: number | undefined, keda: number | undefined) =>
  updraft === undefined || keda === undefined || !Number.isFinite(updraft) || !Number.isFinite(keda) || keda === 0 ? '–' : `${fmt(updraft / keda, 2)}×`;
const rows: Array<[string, string, string, string]> = [];
const row = (label: string, keda: string, updraft: string, r: string) => rows.push([label, hasKeda ? keda : 'skipped', updraft, hasKeda ? r : '–']);

const reactionOf = (name: string) => out.reaction.find((r) => r.autoscaler === name);
const kR = reactionOf(autoscalers.keda.name);
const uR = reactionOf(autoscalers.updraftHpa.name);
const dR = reactionOf(autoscalers.updraftDirect.name);
const secs = (s?: { median: number; p95: number; timeouts: number }) =>
  s ? `${fmt(s.median)} s (p95 ${fmt(s.p95)})${s.timeouts ? `, ${s.timeouts} timed out` : ''}` : '–';
for (const key of Object.keys(uR?.reaction ?? dR?.reaction ?? {})) {
  row(
    `step → /scale ${key}, Updraft hpa (median, p95 of ${rounds})`,
    secs(kR?.reaction[key]),
    secs(uR?.reaction[key]),
    ratio(uR?.reaction[key]?.median, kR?.reaction[key]?.median),
  );
}
for (const key of Object.keys(dR?.reaction ?? {})) {
  row(`step → /scale ${key}, Updraft direct`, secs(kR?.reaction[key]), secs(dR?.reaction[key]), ratio(dR?.reaction[key]?.median, kR?.reaction[key]?.median));
}
for (const key of Object.keys(uR?.queriesPerMinute ?? {})) {
  row(
    `source queries per trigger per minute, ${key}, Updraft hpa`,
    fmt(kR?.queriesPerMinute[key]),
    fmt(uR?.queriesPerMinute[key]),
    ratio(uR?.queriesPerMinute[key], kR?.queriesPerMinute[key]),
  );
}
for (const key of Object.keys(dR?.queriesPerMinute ?? {})) {
  row(
    `source queries per trigger per minute, ${key}, Updraft direct`,
    fmt(kR?.queriesPerMinute[key]),
    fmt(dR?.queriesPerMinute[key]),
    ratio(dR?.queriesPerMinute[key], kR?.queriesPerMinute[key]),
  );
}
const api = (r: ReactionResult | undefined, rate: number) => r?.metricsApi.find((m) => m.rate === rate);
for (const rate of [200, 670]) {
  const k = api(kR, rate);
  const u = api(uR, rate);
  const cell = (m?: (typeof out.reaction)[number]['metricsApi'][number]) =>
    m ? `${fmt(m.p50)} / ${fmt(m.p99)} ms (${fmt(m.achieved, 0)} req/s${m.errors ? `, ${m.errors} errors` : ''})` : '–';
  row(`external metrics API via the aggregator at ${rate} req/s: p50 / p99 (achieved)`, cell(k), cell(u), ratio(u?.p99, k?.p99));
}

const sum = (rec: Record<string, number> | undefined, own: (k: string) => boolean) =>
  rec ? Object.entries(rec).reduce((a, [k, v]) => (own(k) ? a + v : a), 0) : undefined;
// The control plane's processes (scripts/control-plane/up.sh names them) are measured too; the rest are the autoscaler's.
const CONTROL_PLANE = new Set(['kube-apiserver', 'etcd', 'kwok', 'kube-controller-manager', 'kube-scheduler']);
const isOwn = (k: string) => !CONTROL_PLANE.has(k);
const scaleOf = (name: string, n: number) => out.scale.find((s) => s.autoscaler === name && s.n === n && !('failed' in s));
const ready = (s?: ScaleResult) =>
  !s ? '–' : Number.isFinite(s.readySeconds) ? `${fmt(s.readySeconds)} s` : `${s.ready} of ${s.n} after ${fmt(Number(values['ready-timeout']), 0)} s`;
const late = (s?: ScaleResult) => (s ? `${fmt(s.lateness.p50, 0)} / ${fmt(s.lateness.p95, 0)} / ${fmt(s.lateness.p99, 0)} / ${fmt(s.lateness.max, 0)}` : '–');
for (const n of ns) {
  const k = scaleOf(autoscalers.keda.name, n);
  const kf = scaleOf(autoscalers.kedaFastClient.name, n);
  for (const [label, u] of [
    ['Updraft hpa', scaleOf(autoscalers.updraftHpa.name, n)],
    ['Updraft direct', scaleOf(autoscalers.updraftDirect.name, n)],
  ] as const) {
    if (!u) continue;
    const N = n.toLocaleString('en-US');
    row(`N=${N}: start → all Ready, ${label}`, ready(k), ready(u), ratio(u.readySeconds, k?.readySeconds));
    if (kf)
      row(`N=${N}: start → all Ready, ${label} vs KEDA --kube-api-qps 500 --kube-api-burst 1000`, ready(kf), ready(u), ratio(u.readySeconds, kf.readySeconds));
    row(`N=${N}: poll lateness p50 / p95 / p99 / max ms, ${label}`, late(k), late(u), ratio(u.lateness.p99, k?.lateness.p99));
    row(
      `N=${N}: CPU-s/min of the autoscaler's processes, ${label}`,
      fmt(sum(k?.cpuSecondsPerMin, isOwn), 2),
      fmt(sum(u.cpuSecondsPerMin, isOwn), 2),
      ratio(sum(u.cpuSecondsPerMin, isOwn), sum(k?.cpuSecondsPerMin, isOwn)),
    );
    row(
      `N=${N}: kube-apiserver CPU-s/min, ${label}`,
      fmt(k?.cpuSecondsPerMin['kube-apiserver'], 2),
      fmt(u.cpuSecondsPerMin['kube-apiserver'], 2),
      ratio(u.cpuSecondsPerMin['kube-apiserver'], k?.cpuSecondsPerMin['kube-apiserver']),
    );
    row(
      `N=${N}: RSS MiB (all its processes), ${label}`,
      fmt(sum(k?.rssMiB, isOwn), 0),
      fmt(sum(u.rssMiB, isOwn), 0),
      ratio(sum(u.rssMiB, isOwn), sum(k?.rssMiB, isOwn)),
    );
    row(
      `N=${N}: its own API requests/min, ${label}`,
      fmt(k?.apiRequestsPerMinTotal, 0),
      fmt(u.apiRequestsPerMinTotal, 0),
      ratio(u.apiRequestsPerMinTotal, k?.apiRequestsPerMinTotal),
    );
    row(
      `N=${N}: ScaledObject status writes/min, ${label}`,
      fmt(k?.statusWritesPerMin, 0),
      fmt(u.statusWritesPerMin, 0),
      ratio(u.statusWritesPerMin, k?.statusWritesPerMin),
    );
    row(
      `N=${N}: source queries per trigger per minute, ${label}`,
      fmt(k?.sourceQueriesPerTriggerPerMin, 2),
      fmt(u.sourceQueriesPerTriggerPerMin, 2),
      ratio(u.sourceQueriesPerTriggerPerMin, k?.sourceQueriesPerTriggerPerMin),
    );
  }
}

const m = out.machine;
const machineLine = `${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM; Node ${m.node}; ${m.go}; KEDA ${m.keda}; Kubernetes ${uR?.k8sVersion ?? dR?.k8sVersion ?? '?'} (local control plane, kwok nodes); load average at start ${m.loadAverageAtStart.join(' / ')} (a shared machine: other work ran during the run)`;
const table = ['| | KEDA | Updraft | ratio (Updraft ÷ KEDA) |', '|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const md = [
  `# bench/vs-keda ${out.date}${quick ? ' (--quick)' : ''}`,
  '',
  `Machine: ${machineLine}.`,
  ...(out.kedaSkipped ? ['', out.kedaSkipped] : []),
  '',
  table,
  '',
  '## Details',
  '',
  `Load average (1/5/15 min) at each phase's start: ${Object.entries(out.phaseLoad)
    .map(([k, v]) => `${k} ${v.join('/')}`)
    .join('; ')}.`,
  '',
  ...out.reaction.flatMap((r) => [
    `- reaction ${r.autoscaler}: ${Object.entries(r.reaction)
      .map(
        ([k, s]) =>
          `${k} [${s.seconds.map((x) => x.toFixed(2)).join(', ')}] s at phases [${(s.phases ?? []).map((x) => x.toFixed(1)).join(', ')}] s after a read`,
      )
      .join('; ')}; steady window ${fmt(r.steadyMinutes)} min${r.errors.length ? `; errors: ${r.errors.join(' | ')}` : ''}`,
  ]),
  ...out.scale.map((s) =>
    'failed' in s
      ? `- scale ${s.autoscaler} N=${s.n}: failed: ${(s as unknown as { failed: string }).failed}`
      : `- scale ${s.autoscaler} N=${s.n}: API requests/min ${JSON.stringify(s.apiRequestsPerMin)}; CPU-s/min ${JSON.stringify(s.cpuSecondsPerMin)}; RSS MiB ${JSON.stringify(s.rssMiB)}; main thread waiting for a core s/min ${JSON.stringify(s.mainThreadWaitSecondsPerMin ?? {})}; machine cores busy ${s.machineCoresBusy ?? '?'}; lateness from ${s.latenessSource}${s.notes.length ? `; notes: ${s.notes.join(' | ')}` : ''}`,
  ),
  '',
].join('\n');
save();
writeFileSync(join(resultsDir, `${stamp}.md`), md);
console.log(`\nbench/vs-keda ${out.date}${quick ? ' (--quick)' : ''}\nMachine: ${machineLine}\n`);
console.log(table);
console.log(`\nwritten: bench/vs-keda/results/${stamp}.json and .md`);
