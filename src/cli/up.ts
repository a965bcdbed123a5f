// `updraft up DIR|FILE...`: run ScaledObjects against local ProcessGroups on this machine, no cluster needed.
// The same runtime and engine as the operator in direct mode (Updraft applies the HPA algorithm itself); the
// scale target is a local process pool instead of a Deployment's /scale; `opentelemetry` triggers read Updraft's
// own OTLP receiver. The ScaledObject moves to Kubernetes unchanged (scaleTargetRef → the Deployment).
// This file holds the flags, the rendering (lines, live status, summary, chart) and the exit codes; reading the
// manifests is src/local/plan.ts and running them is startLocal (src/local/start-local.ts).
import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { ScaledObject } from '../api/types.ts';
import { parseDurationMs } from '../api/values.ts';
import { parseStages, totalDurationMs } from '../load/stages.ts';
import { localDashboard } from '../local/dashboard.ts';
import { planUp, type LocalPlan } from '../local/plan.ts';
import { statusLine } from '../local/run-recorder.ts';
import { LocalTriggerError, startLocal, type LocalEvent, type RunningLocal } from '../local/start-local.ts';
import type { PollReport } from '../runtime/object-runner.ts';
import { DEFAULT_OTLP_HTTP_PORT } from '../servers/otlp-receiver.ts';
import type { PoolEvent } from '../targets/process-pool.ts';
import { parseOutput, useColor } from './flags.ts';
import { progressLine, summaryText } from './load.ts';

export { planUp };
export type UpPlan = LocalPlan;

interface UpOptions {
  otlpPort: string;
  otlpHost: string;
  otlpGrpcPort?: string;
  metricsPort?: string;
  /** 'text' | 'json'; false = the old `--no-output` spelling of --no-instance-output. */
  output: string | false;
  instanceOutput: boolean;
  load?: string;
  stages: string;
  concurrency: string;
  exitWhenIdle?: boolean;
  chart?: string;
  maxDuration: string;
  live: boolean;
  dashboard: boolean;
  dashboardPort: string;
}

/**
 * Output: plain lines, and on a terminal one live status line per ScaledObject kept at the bottom (cleared before
 * each log line and drawn again after it). Not a TTY (CI, a pipe): plain lines only.
 */
class Console {
  private statusLines: string[] = [];
  /** `live`: the status lines are drawn (a TTY); `color`: drawn in inverse video (not with NO_COLOR); `stream`: where log lines go (stderr with --output json). */
  constructor(
    private readonly live: boolean,
    private readonly color = live,
    private readonly stream: NodeJS.WriteStream = process.stdout,
  ) {}
  line(text: string): void {
    this.clear();
    this.stream.write(`${text}\n`);
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
    this.stream.write(`\x1b[${this.statusLines.length}F\x1b[J`);
  }
  private draw(): void {
    if (!this.live || this.statusLines.length === 0) return;
    this.stream.write(this.color ? `\x1b[7m${this.statusLines.join('\x1b[K\n')}\x1b[K\x1b[0m\n` : `${this.statusLines.join('\x1b[K\n')}\x1b[K\n`);
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
    case 'started':
      return `${e.instance} started (pid ${e.pid}${e.port !== undefined ? `, PORT ${e.port}` : ''})`;
    case 'ready':
      return `${e.instance} ready`;
    case 'not-ready':
      return `${e.instance} not ready: ${e.reason}`;
    case 'exited':
      return e.expected ? `${e.instance} stopped` : `${e.instance} exited (${e.signal ?? `code ${e.code}`})`;
    case 'backoff':
      return `${e.instance} restarting in ${(e.delayMs / 1000).toFixed(1)}s (restart ${e.restarts})`;
    case 'stopping':
      return `${e.instance} stopping (SIGTERM)`;
    case 'killed':
      return `${e.instance} did not stop within the grace period: SIGKILL`;
    case 'failed-to-start':
      return `${e.instance} failed to start: ${e.message}`;
    case 'replicas':
      return `ProcessGroup ${group}: ${e.ready}/${e.desired} ready`;
  }
}

function pollLine(so: ScaledObject, r: PollReport): string | undefined {
  if (!r.scaled && !r.scaleError) return undefined;
  // Activation/deactivation (0↔N) is KEDA's decision; changes within 1..N are the HPA algorithm's.
  const d = r.poll.decision;
  const activated = d.replicas !== undefined && d.replicas !== r.counts.replicas;
  const reason = activated ? `${d.reason}${r.hpa?.changed ? `; then ${r.hpa.reason}` : ''}` : (r.hpa?.reason ?? d.reason);
  return `ScaledObject ${so.metadata.namespace}/${so.metadata.name}: ${r.scaleError ?? reason}`;
}

export function register(program: Command): void {
  program
    .command('up')
    .argument('[paths...]', 'manifest files or directories (*.yaml, *.yml, *.json)', ['.'])
    .option('--otlp-port <port>', 'port of the OTLP/HTTP metrics receiver for opentelemetry triggers', String(DEFAULT_OTLP_HTTP_PORT))
    .option('--otlp-host <host>', 'address the OTLP receivers listen on (0.0.0.0 to take metrics from other machines)', '127.0.0.1')
    .option('--otlp-grpc-port <port>', 'also receive OTLP over gRPC on this port (4317 is the usual one; 0 picks one); default: no gRPC receiver')
    .option('--metrics-port <port>', "serve the operator's Prometheus metrics (KEDA's keda_* and updraft_*) on 127.0.0.1:<port>/metrics (0 picks one)")
    .option(
      '-o, --output <format>',
      "text, or json: the run's summary (per ScaledObject, and the load's) as JSON on stdout at exit; log lines go to stderr",
      'text',
    )
    .option('--no-instance-output', "hide the instances' own output lines")
    // The old spelling of --no-instance-output, still accepted.
    .addOption(new Option('--no-output').hideHelp())
    .option('--load <url>', 'also drive load: request this URL (or a path on the first ProcessGroup service, e.g. /work) at --stages rates')
    .option('--stages <list>', 'load stages for --load, k6-style <duration>:<req/s>', '20s:40,40s:150,30s:0')
    .option('--concurrency <n>', 'most requests in flight for --load', '200')
    .option('--exit-when-idle', 'after the load ends, stop once every ScaledObject is back at its minimum (default with --load)')
    .option('--chart <file.svg>', 'on exit, write a chart of metrics, load and replicas over the run (default with --load: updraft-up.svg)')
    .option('--max-duration <d>', 'stop after this long whatever happens (with --exit-when-idle)', '5m')
    .option('--no-live', 'no live status line on a terminal (plain log lines only)')
    .option('--dashboard-port <port>', 'port of the live dashboard on 127.0.0.1 (a busy port falls back to a free one; 0 picks one)', '7711')
    .option('--no-dashboard', 'do not serve the live dashboard (docs/dashboard.md)')
    .addHelpText(
      'after',
      `
ScaledObjects are the keda.sh/v1alpha1 ones you would apply to a cluster; only scaleTargetRef points at a
ProcessGroup (apiVersion: updraft.dev/v1alpha1) instead of a Deployment. Instances get PORT and
OTEL_EXPORTER_OTLP_ENDPOINT in their environment. Ctrl-C stops every instance (SIGTERM, then SIGKILL after
terminationGracePeriodSeconds); no process outlives Updraft. See docs/local.md.

Examples:
  updraft up examples/quickstart
  updraft up examples/quickstart --load /work --stages 20s:40,40s:150,30s:0     # the whole quickstart, ~2 min
  updraft up examples/quickstart --otlp-port 14318 --no-instance-output --chart run.svg
  updraft up examples/quickstart --otlp-grpc-port 4317     # a Collector's otlp exporter can push here too
  updraft up examples/quickstart --load /work --output json > run.json`,
    )
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
  const format = o.output === false ? 'text' : parseOutput('--output', o.output, ['text', 'json']);
  const showInstances = o.instanceOutput && o.output !== false;
  const logStream = format === 'json' ? process.stderr : process.stdout;
  out = new Console(o.live && logStream.isTTY === true, useColor(logStream), logStream);
  const chartFile = o.chart ?? (o.load ? 'updraft-up.svg' : undefined);
  const exitWhenIdle = o.exitWhenIdle ?? o.load !== undefined;
  const maxDurationMs = parseDurationMs(o.maxDuration);
  if (maxDurationMs === undefined || maxDurationMs <= 0) throw new Error(`--max-duration must be a duration such as 5m, got '${o.maxDuration}'`);
  const parsePort = (flag: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${flag} must be a port number, got '${v}'`);
    return n;
  };
  const otlpPort = Number(o.otlpPort);
  if (!Number.isInteger(otlpPort) || otlpPort < 0 || otlpPort > 65535) throw new Error(`--otlp-port must be a port number, got '${o.otlpPort}'`);
  const load = o.load === undefined ? undefined : { target: o.load, stages: parseStages(o.stages), concurrency: Number(o.concurrency) };

  // The live status lines, one per ScaledObject in plan order, from each one's last poll.
  const statuses = new Map<string, string | undefined>(plan.scaledObjects.map((so) => [`${so.metadata.namespace}/${so.metadata.name}`, undefined]));
  const drawStatus = () => out.status([...statuses.values()].filter((l): l is string => l !== undefined));
  const render = (e: LocalEvent): void => {
    switch (e.type) {
      case 'otlp-receiver':
        return say(`OTLP metrics receiver on ${e.url}/v1/metrics`);
      case 'otlp-grpc-receiver':
        return say(`OTLP/gRPC metrics receiver on ${e.address}`);
      case 'pool': {
        const line = describeEvent(e.group, e.event);
        return line ? say(line) : undefined;
      }
      case 'service':
        return say(`ProcessGroup ${e.group}: service on ${e.url} (forwards to ready instances; holds requests while there are none)`);
      case 'build-warning':
        return say(`warning: ScaledObject ${e.scaledObject.metadata.name}: ${e.message}`);
      case 'runner': {
        const so = e.scaledObject;
        return say(
          `ScaledObject ${so.metadata.namespace}/${so.metadata.name} scales ProcessGroup ${e.group} (${so.spec.minReplicaCount}..${so.spec.maxReplicaCount}, every ${so.spec.pollingInterval}s and on every push)`,
        );
      }
      case 'running':
        return say(
          exitWhenIdle
            ? 'running; stops once the load is over and every ScaledObject is back at its minimum (Ctrl-C stops now)'
            : 'running; Ctrl-C stops every instance',
        );
      case 'poll': {
        const line = pollLine(e.scaledObject, e.report);
        if (line) say(line);
        statuses.set(`${e.scaledObject.metadata.namespace}/${e.scaledObject.metadata.name}`, statusLine(e.status, process.stdout.columns ?? 160));
        return drawStatus();
      }
      case 'target-error':
        return say(`ScaledObject ${e.scaledObject.metadata.name}: ${e.message}`);
      case 'loop-error':
        return say(`error in ${e.key}: ${e.error.message}`);
      case 'load-started':
        return say(`load: ${e.url} at ${o.stages} (${(totalDurationMs(e.stages) / 1000).toFixed(0)} s)`);
      case 'load-progress':
        return Math.round(e.progress.elapsedMs / 1000) % 5 === 0 ? say(`load ${progressLine(e.progress).trim()}`) : undefined;
      case 'load-finished':
        return say(`load finished: ${e.summary.completed} requests, ${e.summary.errors} errors`);
      case 'load-failed':
        return say(`load failed: ${e.error.message}`);
    }
  };

  // The live dashboard (on by default): fed by every event of the run, served once the run has started.
  const dashboard = o.dashboard ? localDashboard(plan) : undefined;
  const dashboardPort = o.dashboard ? parsePort('--dashboard-port', o.dashboardPort) : 0;
  let run: RunningLocal;
  try {
    run = await startLocal(plan, {
      otlpPort,
      otlpHost: o.otlpHost,
      ...(o.otlpGrpcPort !== undefined ? { otlpGrpcPort: parsePort('--otlp-grpc-port', o.otlpGrpcPort) } : {}),
      ...(o.metricsPort !== undefined ? { metricsPort: parsePort('--metrics-port', o.metricsPort) } : {}),
      output: showInstances ? (l) => out.line(`${l.instance} | ${l.line}`) : () => undefined,
      load,
      onEvent: (e) => {
        dashboard?.onEvent(e);
        render(e);
      },
    });
  } catch (err) {
    if (err instanceof LocalTriggerError) {
      for (const e of err.errors)
        process.stderr.write(
          `error: ScaledObject ${e.scaledObject.metadata.namespace}/${e.scaledObject.metadata.name} trigger ${e.triggerIndex} (${e.type}): ${e.message}\n`,
        );
    }
    throw err;
  }

  if (run.metricsPort !== undefined) say(`metrics: http://127.0.0.1:${run.metricsPort}/metrics (KEDA's keda_* and updraft_*)`);
  if (dashboard) {
    const d = await dashboard.start(run, { port: dashboardPort, host: '127.0.0.1' }).catch((err: Error) => {
      say(`dashboard not served: ${err.message}`);
      return undefined;
    });
    if (d) say(`dashboard: ${d.url} (live; --no-dashboard turns it off)`);
  }
  let stopping = false;
  const shutdown = async (why: string, code = 0) => {
    if (stopping) {
      say(`${why} again: exiting now (instances get SIGTERM, then SIGKILL)`);
      process.exit(130);
    }
    stopping = true;
    say(`${why}: stopping every instance${why.startsWith('SIG') ? ' (Ctrl-C again to exit at once)' : ''}`);
    await run.stop();
    await dashboard?.close();
    out.end();
    const end = Date.now();
    const wroteChart = chartFile !== undefined && run.recorders.length > 0;
    if (wroteChart) await writeFile(chartFile, run.recorders[0].chart(end));
    if (format === 'json') {
      const summary = {
        stoppedBy: why,
        exitCode: code,
        scaledObjects: run.recorders.map((r) => r.result(end).result.summary),
        ...(run.loadSummary ? { load: run.loadSummary } : {}),
        ...(wroteChart ? { chart: chartFile } : {}),
      };
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      for (const r of run.recorders) process.stdout.write(`${r.summary(end)}\n`);
      if (run.loadSummary) process.stdout.write(`load: ${summaryText(run.loadSummary).replace(/\n/g, '\n  ')}\n`);
      if (wroteChart) process.stdout.write(`chart: ${chartFile}\n`);
    }
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  if (exitWhenIdle) {
    const timer = setInterval(() => {
      if (stopping) return clearInterval(timer);
      if (Date.now() - run.startedMs > maxDurationMs) {
        clearInterval(timer);
        void shutdown(`--max-duration ${o.maxDuration} reached`, 1);
      } else if (run.loadDone && run.atMinimum()) {
        clearInterval(timer);
        void shutdown('load over and every ScaledObject back at its minimum');
      }
    }, 500);
  }
}
