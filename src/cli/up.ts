// `updraft up DIR|FILE...`: run ScaledObjects against local ProcessGroups on this machine, no cluster needed.
// The same runtime and engine as the operator in direct mode (Updraft applies the HPA algorithm itself); the
// scale target is a local process pool instead of a Deployment's /scale; `opentelemetry` triggers read Updraft's
// own OTLP receiver. The ScaledObject moves to Kubernetes unchanged (scaleTargetRef → the Deployment).
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseManifests } from '../api/parse.ts';
import { isProcessGroupManifest, parseProcessGroup, PROCESS_GROUP_KIND, UPDRAFT_API_VERSION, type ProcessGroup } from '../api/process-group.ts';
import type { Problem } from '../api/problem.ts';
import type { ScaledObject } from '../api/types.ts';
import { InMemoryObjectSource } from '../auth/object-source.ts';
import { runLoad, type LoadSummary } from '../load/load-generator.ts';
import { parseStages, totalDurationMs } from '../load/stages.ts';
import { RunRecorder, statusLine } from '../local/run-recorder.ts';
import { parseDurationMs } from '../api/values.ts';
import { progressLine, summaryText } from './load.ts';
import { buildObjectScalers } from '../runtime/build-scalers.ts';
import { ObjectRunner, type PollReport } from '../runtime/object-runner.ts';
import { ReadingsCache } from '../runtime/readings-cache.ts';
import { Scheduler } from '../runtime/scheduler.ts';
import { sharedOtlpMetricStore } from '../scalers/common/otlp-metric-store.ts';
import type { Scaler } from '../scalers/scaler.ts';
import { DEFAULT_OTLP_HTTP_PORT, OtlpReceiver } from '../servers/otlp-receiver.ts';
import { ProcessPool, type PoolEvent } from '../targets/process-pool.ts';
import { ProcessService } from '../targets/process-service.ts';

export interface UpPlan {
  groups: Array<{ group: ProcessGroup; baseDir: string }>;
  scaledObjects: ScaledObject[];
  source: InMemoryObjectSource;
  problems: string[];
  warnings: string[];
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

async function manifestFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    const st = await stat(abs).catch(() => undefined);
    if (!st) throw new Error(`${p}: no such file or directory`);
    if (st.isDirectory()) {
      for (const name of (await readdir(abs)).sort()) if (MANIFEST_EXTENSIONS.has(extname(name))) out.push(join(abs, name));
    } else out.push(abs);
  }
  return out;
}

function problemText(p: Problem): string {
  return `${p.source ? `${p.source}: ` : ''}${p.object}${p.path ? ` ${p.path}` : ''}: ${p.message}${p.fix ? ` (${p.fix})` : ''}`;
}

/** Read manifests and pair every ScaledObject with its ProcessGroup. No processes are started. */
export async function planUp(paths: string[]): Promise<UpPlan> {
  const plan: UpPlan = { groups: [], scaledObjects: [], source: new InMemoryObjectSource(), problems: [], warnings: [] };
  for (const file of await manifestFiles(paths)) {
    const parsed = parseManifests(await readFile(file, 'utf8'), file);
    for (const p of parsed.problems) (p.severity === 'error' ? plan.problems : plan.warnings).push(problemText(p));
    for (const o of parsed.objects) {
      if (o.kind === 'ScaledObject') plan.scaledObjects.push(o);
      else if (o.kind === 'ScaledJob') plan.warnings.push(`ScaledJob ${o.metadata.namespace}/${o.metadata.name}: not run locally (updraft up runs ScaledObjects)`);
      else plan.source.addTriggerAuthentication(o);
    }
    for (const other of parsed.others) {
      if (isProcessGroupManifest(other.raw)) {
        const r = parseProcessGroup(other.raw, file);
        if (r.ok) plan.groups.push({ group: r.value, baseDir: dirname(file) });
        else plan.problems.push(...r.problems.map(problemText));
      } else if (other.kind === 'Secret' || other.kind === 'ConfigMap') {
        const raw = other.raw as { metadata?: { namespace?: string; name?: string }; data?: Record<string, string>; stringData?: Record<string, string> };
        const ns = raw.metadata?.namespace ?? 'default';
        const name = raw.metadata?.name ?? '';
        if (other.kind === 'Secret') plan.source.addSecretManifest(ns, name, raw.data, raw.stringData);
        else plan.source.addConfigMap(ns, name, raw.data ?? {});
      } else {
        plan.warnings.push(`${file}: ${other.kind ?? '<no kind>'} ${other.name ?? ''} ignored (updraft up runs ProcessGroups and ScaledObjects)`);
      }
    }
  }
  const byName = new Map(plan.groups.map((g) => [`${g.group.metadata.namespace}/${g.group.metadata.name}`, g]));
  for (const so of plan.scaledObjects) {
    const ref = so.spec.scaleTargetRef;
    const id = `ScaledObject ${so.metadata.namespace}/${so.metadata.name}`;
    if (ref.kind !== PROCESS_GROUP_KIND || ref.apiVersion !== UPDRAFT_API_VERSION) {
      plan.problems.push(`${id}: spec.scaleTargetRef is ${ref.kind} ${ref.name}; updraft up scales local processes — point it at a ProcessGroup (apiVersion: ${UPDRAFT_API_VERSION}, kind: ${PROCESS_GROUP_KIND}) or run the operator on a cluster`);
    } else if (!byName.has(`${so.metadata.namespace}/${ref.name}`)) {
      plan.problems.push(`${id}: spec.scaleTargetRef names ProcessGroup ${ref.name}, which none of the files define in namespace ${so.metadata.namespace}`);
    } else {
      const ports = byName.get(`${so.metadata.namespace}/${ref.name}`)!.group.spec.ports;
      if (ports && so.spec.maxReplicaCount > ports.to - ports.from + 1) {
        plan.problems.push(`${id}: spec.maxReplicaCount ${so.spec.maxReplicaCount} is more than the ${ports.to - ports.from + 1} ports of ProcessGroup ${ref.name} (spec.ports ${ports.from}-${ports.to}); widen the range or lower maxReplicaCount`);
      }
    }
  }
  const targeted = new Map<string, string>();
  for (const so of plan.scaledObjects) {
    const key = `${so.metadata.namespace}/${so.spec.scaleTargetRef.name}`;
    const prev = targeted.get(key);
    if (prev) plan.problems.push(`ScaledObject ${so.metadata.namespace}/${so.metadata.name}: ProcessGroup ${so.spec.scaleTargetRef.name} is already scaled by ScaledObject ${prev} (KEDA allows one per target)`);
    targeted.set(key, `${so.metadata.namespace}/${so.metadata.name}`);
  }
  if (plan.groups.length === 0) plan.problems.push(`no ProcessGroup (apiVersion: ${UPDRAFT_API_VERSION}) found in ${paths.join(', ')}`);
  return plan;
}

interface UpOptions {
  otlpPort: string;
  otlpHost: string;
  output: boolean;
  load?: string;
  stages: string;
  concurrency: string;
  exitWhenIdle?: boolean;
  chart?: string;
  maxDuration: string;
  live: boolean;
}

/**
 * Output: plain lines, and on a terminal one live status line per ScaledObject kept at the bottom (cleared before
 * each log line and drawn again after it). Not a TTY (CI, a pipe): plain lines only.
 */
class Console {
  private statusLines: string[] = [];
  constructor(private readonly live: boolean) {}
  line(text: string): void {
    this.clear();
    process.stdout.write(`${text}\n`);
    this.draw();
  }
  status(lines: string[]): void {
    if (!this.live) return;
    this.clear();
    this.statusLines = lines;
    this.draw();
  }
  private clear(): void {
    if (!this.live || this.statusLines.length === 0) return;
    process.stdout.write(`\x1b[${this.statusLines.length}F\x1b[J`);
  }
  private draw(): void {
    if (!this.live || this.statusLines.length === 0) return;
    process.stdout.write(`\x1b[7m${this.statusLines.join('\x1b[K\n')}\x1b[K\x1b[0m\n`);
  }
  end(): void {
    this.clear();
    this.statusLines = [];
  }
}

let out = new Console(false);

function say(line: string): void {
  out.line(`updraft | ${line}`);
}

function describeEvent(group: string, e: PoolEvent): string | undefined {
  switch (e.type) {
    case 'started': return `${e.instance} started (pid ${e.pid}${e.port !== undefined ? `, PORT ${e.port}` : ''})`;
    case 'ready': return `${e.instance} ready`;
    case 'not-ready': return `${e.instance} not ready: ${e.reason}`;
    case 'exited': return e.expected ? `${e.instance} stopped` : `${e.instance} exited (${e.signal ?? `code ${e.code}`})`;
    case 'backoff': return `${e.instance} restarting in ${(e.delayMs / 1000).toFixed(1)}s (restart ${e.restarts})`;
    case 'stopping': return `${e.instance} stopping (SIGTERM)`;
    case 'killed': return `${e.instance} did not stop within the grace period: SIGKILL`;
    case 'failed-to-start': return `${e.instance} failed to start: ${e.message}`;
    case 'replicas': return `ProcessGroup ${group}: ${e.ready}/${e.desired} ready`;
  }
}

function pollLine(so: ScaledObject, r: PollReport): string | undefined {
  if (!r.scaled && !r.scaleError) return undefined;
  // Activation/deactivation (0↔N) is KEDA's decision; changes within 1..N are the HPA algorithm's.
  const d = r.poll.decision;
  const activated = d.replicas !== undefined && d.replicas !== r.counts.replicas;
  const reason = activated
    ? `${d.reason}${r.hpa?.changed ? `; then ${r.hpa.reason}` : ''}`
    : (r.hpa?.reason ?? d.reason);
  return `ScaledObject ${so.metadata.namespace}/${so.metadata.name}: ${r.scaleError ?? reason}`;
}

export function register(program: Command): void {
  program
    .command('up')
    .argument('[paths...]', 'manifest files or directories (*.yaml, *.yml, *.json)', ['.'])
    .option('--otlp-port <port>', 'port of the OTLP/HTTP metrics receiver for opentelemetry triggers', String(DEFAULT_OTLP_HTTP_PORT))
    .option('--otlp-host <host>', 'address the OTLP receiver listens on (0.0.0.0 to take metrics from other machines)', '127.0.0.1')
    .option('--no-output', 'hide the instances\' own output lines')
    .option('--load <url>', 'also drive load: request this URL (or a path on the first ProcessGroup service, e.g. /work) at --stages rates')
    .option('--stages <list>', 'load stages for --load, k6-style <duration>:<req/s>', '20s:40,40s:150,30s:0')
    .option('--concurrency <n>', 'most requests in flight for --load', '200')
    .option('--exit-when-idle', 'after the load ends, stop once every ScaledObject is back at its minimum (default with --load)')
    .option('--chart <file.svg>', 'on exit, write a chart of metrics, load and replicas over the run (default with --load: updraft-up.svg)')
    .option('--max-duration <d>', 'stop after this long whatever happens (with --exit-when-idle)', '5m')
    .option('--no-live', 'no live status line on a terminal (plain log lines only)')
    .addHelpText('after', `
ScaledObjects are the keda.sh/v1alpha1 ones you would apply to a cluster; only scaleTargetRef points at a
ProcessGroup (apiVersion: updraft.dev/v1alpha1) instead of a Deployment. Instances get PORT and
OTEL_EXPORTER_OTLP_ENDPOINT in their environment. Ctrl-C stops every instance (SIGTERM, then SIGKILL after
terminationGracePeriodSeconds); no process outlives Updraft. See docs/local.md.

Examples:
  updraft up examples/quickstart
  updraft up examples/quickstart --load /work --stages 20s:40,40s:150,30s:0     # the whole quickstart, ~2 min
  updraft up examples/quickstart --otlp-port 14318 --no-output --chart run.svg`)
    .action(async (paths: string[], o: UpOptions) => {
      const plan = await planUp(paths).catch((err: unknown) => program.error(`up: ${(err as Error).message}`));
      for (const w of plan.warnings) say(`warning: ${w}`);
      if (plan.problems.length > 0) {
        for (const p of plan.problems) process.stderr.write(`error: ${p}\n`);
        process.exitCode = 1;
        return;
      }
      await runUp(plan, o).catch((err: unknown) => program.error(`up: ${(err as Error).message}`));
    });
}

async function runUp(plan: UpPlan, o: UpOptions): Promise<void> {
  out = new Console(o.live && process.stdout.isTTY === true);
  const startedMs = Date.now();
  const chartFile = o.chart ?? (o.load ? 'updraft-up.svg' : undefined);
  const exitWhenIdle = o.exitWhenIdle ?? o.load !== undefined;
  const maxDurationMs = parseDurationMs(o.maxDuration);
  if (maxDurationMs === undefined || maxDurationMs <= 0) throw new Error(`--max-duration must be a duration such as 5m, got '${o.maxDuration}'`);
  const store = sharedOtlpMetricStore();
  const needsReceiver = plan.scaledObjects.some((so) => so.spec.triggers.some((t) => t.type === 'opentelemetry'));
  const otlpPort = Number(o.otlpPort);
  if (!Number.isInteger(otlpPort) || otlpPort < 0 || otlpPort > 65535) throw new Error(`--otlp-port must be a port number, got '${o.otlpPort}'`);
  let receiver: OtlpReceiver | undefined;
  const baseEnv: NodeJS.ProcessEnv = { ...process.env };
  if (needsReceiver) {
    receiver = new OtlpReceiver({ store, port: otlpPort, host: o.otlpHost });
    const { url } = await receiver.start().catch((err: Error) => {
      throw new Error(`cannot listen for OTLP on ${o.otlpHost}:${otlpPort} (${err.message}); stop what uses it or pass --otlp-port`);
    });
    const local = url.replace('0.0.0.0', '127.0.0.1');
    baseEnv.OTEL_EXPORTER_OTLP_ENDPOINT = local;
    say(`OTLP metrics receiver on ${local}/v1/metrics`);
  }

  const pools = new Map<string, ProcessPool>();
  const services: ProcessService[] = [];
  let firstServiceUrl: string | undefined;
  for (const { group, baseDir } of plan.groups) {
    const pool = new ProcessPool(group, { baseDir, baseEnv, output: o.output ? (l) => out.line(`${l.instance} | ${l.line}`) : () => undefined });
    pool.on('event', (e: PoolEvent) => {
      const line = describeEvent(group.metadata.name, e);
      if (line) say(line);
    });
    pools.set(`${group.metadata.namespace}/${group.metadata.name}`, pool);
    if (group.spec.service) {
      const svc = new ProcessService(pool, store);
      const { url } = await svc.start();
      services.push(svc);
      firstServiceUrl ??= url;
      say(`ProcessGroup ${group.metadata.name}: service on ${url} (forwards to ready instances; holds requests while there are none)`);
    }
    if (group.spec.replicas > 0) await pool.setReplicas(group.spec.replicas);
  }

  const scheduler = new Scheduler({ onError: (key, err) => say(`error in ${key}: ${(err as Error).message}`) });
  const cache = new ReadingsCache();
  const runners: ObjectRunner[] = [];
  const recorders: RunRecorder[] = [];
  const scalers: Scaler[] = [];
  const drawStatus = () => out.status(recorders.flatMap((r) => (r.status ? [statusLine(r.status, process.stdout.columns ?? 160)] : [])));
  for (const so of plan.scaledObjects) {
    const pool = pools.get(`${so.metadata.namespace}/${so.spec.scaleTargetRef.name}`)!;
    const built = await buildObjectScalers(so, { source: plan.source, podSpec: { containers: [{ name: pool.name, env: Object.entries(pool.group.spec.env).map(([name, value]) => ({ name, value })) }] } });
    for (const w of built.warnings) say(`warning: ScaledObject ${so.metadata.name}: ${w}`);
    if (!built.ok) {
      for (const e of built.errors) process.stderr.write(`error: ScaledObject ${so.metadata.namespace}/${so.metadata.name} trigger ${e.triggerIndex} (${e.type}): ${e.message}\n`);
      throw new Error('fix the triggers above and run again');
    }
    scalers.push(...built.scalers);
    let recorder: RunRecorder | undefined;
    const runner = new ObjectRunner({
      so, scalers: built.scalers, target: pool, mode: 'direct', scheduler, cache,
      hooks: {
        onPoll: (r) => {
          recorder?.record(r);
          const line = pollLine(so, r);
          if (line) say(line);
          drawStatus();
        },
        onTargetError: (m) => say(`ScaledObject ${so.metadata.name}: ${m}`),
      },
    });
    recorder = new RunRecorder(so, runner.plan.triggers, startedMs);
    recorders.push(recorder);
    runners.push(runner);
    say(`ScaledObject ${so.metadata.namespace}/${so.metadata.name} scales ProcessGroup ${pool.name} (${so.spec.minReplicaCount}..${so.spec.maxReplicaCount}, every ${so.spec.pollingInterval}s and on every push)`);
  }
  for (const r of runners) r.start();
  say(exitWhenIdle ? 'running; stops once the load is over and every ScaledObject is back at its minimum (Ctrl-C stops now)' : 'running; Ctrl-C stops every instance');

  let stopping = false;
  const shutdown = async (why: string, code = 0) => {
    if (stopping) {
      say(`${why} again: exiting now (instances get SIGTERM, then SIGKILL)`);
      process.exit(130);
    }
    stopping = true;
    say(`${why}: stopping every instance${why.startsWith('SIG') ? ' (Ctrl-C again to exit at once)' : ''}`);
    loadAbort.abort();
    for (const r of runners) r.stop();
    await scheduler.stop();
    await Promise.all(scalers.map((s) => s.close().catch(() => undefined)));
    await Promise.all(services.map((s) => s.close()));
    await Promise.all([...pools.values()].map((p) => p.close()));
    await receiver?.close();
    out.end();
    const end = Date.now();
    for (const r of recorders) process.stdout.write(`${r.summary(end)}\n`);
    if (loadSummary) process.stdout.write(`load: ${summaryText(loadSummary).replace(/\n/g, '\n  ')}\n`);
    if (chartFile && recorders.length > 0) {
      await writeFile(chartFile, recorders[0].chart(end));
      process.stdout.write(`chart: ${chartFile}\n`);
    }
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  // Optional load, in this process: the quickstart in one command.
  const loadAbort = new AbortController();
  let loadSummary: LoadSummary | undefined;
  let loadDone = o.load === undefined;
  if (o.load !== undefined) {
    const url = /^https?:\/\//.test(o.load) ? o.load : firstServiceUrl ? new URL(o.load, firstServiceUrl).toString() : undefined;
    if (!url) throw new Error(`--load ${o.load}: give a full URL, or a path with a ProcessGroup that has spec.service`);
    const stages = parseStages(o.stages);
    say(`load: ${url} at ${o.stages} (${(totalDurationMs(stages) / 1000).toFixed(0)} s)`);
    void runLoad({
      url, stages, concurrency: Number(o.concurrency), signal: loadAbort.signal,
      onProgress: (p) => {
        for (const r of recorders) r.recordLoad(Date.now(), p.targetRate);
        if (Math.round(p.elapsedMs / 1000) % 5 === 0) say(`load ${progressLine(p).trim()}`);
      },
    })
      .then((summary) => {
        loadSummary = summary;
        for (const r of recorders) r.recordLoad(Date.now(), 0);
        say(`load finished: ${summary.completed} requests, ${summary.errors} errors`);
      })
      .catch((err: Error) => say(`load failed: ${err.message}`))
      .finally(() => (loadDone = true));
  }

  if (exitWhenIdle) {
    const atMinimum = () => runners.every((r) => r.last !== undefined && r.current.replicas <= Math.max(r.so.spec.minReplicaCount, 0) && !r.last.poll.activity.isActive);
    const timer = setInterval(() => {
      if (stopping) return clearInterval(timer);
      if (Date.now() - startedMs > maxDurationMs) {
        clearInterval(timer);
        void shutdown(`--max-duration ${o.maxDuration} reached`, 1);
      } else if (loadDone && atMinimum()) {
        clearInterval(timer);
        void shutdown('load over and every ScaledObject back at its minimum');
      }
    }, 500);
  }
}
