// `updraft simulate MANIFEST --series FILE`: replay metric series through a ScaledObject with the real engine on a
// virtual clock; print the timeline (or JSON) and optionally write an SVG chart.
import { readFileSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { runScenario, scenarioChart, scenarioJson, scenarioTimeline } from '../simulate/scenario.ts';
import { fileErrorMessage } from './flags.ts';

function readInput(what: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(fileErrorMessage(what, path, e));
  }
}

function nonNegative(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative number of seconds/replicas, got '${v}'`);
    return n;
  };
}

function positive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got '${v}'`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command('simulate')
    .argument('<manifest>', 'YAML/JSON file holding the ScaledObject')
    .option(
      '--series <file>',
      "CSV 't,<trigger>...' or JSON series; a value holds until the next row; empty or 'error' = failed read (not needed for cron triggers)",
    )
    .option(
      '--start <time>',
      'wall time of t=0 for cron triggers (RFC 3339, e.g. 2026-03-29T00:00:00+01:00); default 2026-01-05T00:00:00Z',
      (v: string): number => {
        const ms = Date.parse(v);
        if (!Number.isFinite(ms)) throw new InvalidArgumentError(`--start must be an RFC 3339 time such as 2026-03-29T00:00:00Z, got '${v}'`);
        return ms;
      },
    )
    .option('--scaled-object <name>', 'which ScaledObject, when the file holds several')
    .option('--replicas <n>', 'replicas at the start', nonNegative('--replicas'), 0)
    .option(
      '--duration <seconds>',
      'how long to simulate (default: last series point + cooldownPeriod, + 315 s when minReplicaCount > 0, + 3 polls)',
      positive('--duration'),
    )
    .option('--mode <mode>', "'hpa' (KEDA: operator 0↔N + HPA 1..N) or 'direct' (HPA maths on every poll)", 'hpa')
    .option('--hpa-sync <seconds>', 'HPA sync period in hpa mode', positive('--hpa-sync'), 15)
    .option('--ready-delay <seconds>', 'seconds until a new pod is Ready', nonNegative('--ready-delay'), 0)
    .option('-o, --output <format>', "'table' (changes only + summary; 'text' is the same) or 'json' (one object per step)", 'table')
    .option('--chart <file.svg>', 'write an SVG chart: metrics and replicas over time, cooldown/stabilization spans')
    .addHelpText(
      'after',
      `
Example:
  updraft simulate examples/simulate/sqs-burst.yaml --series examples/simulate/sqs-burst.csv --chart sqs-burst.svg

  sqs-burst.csv:
    t,queue
    0,0
    20,500
    80,0

Columns are named after a trigger's 'name' or 's<index>' (s0 = first trigger). A cron trigger needs no column:
its value is computed from the virtual clock (t=0 at --start); without --series a day is simulated.`,
    )
    .action(
      (
        manifest: string,
        opts: {
          series?: string;
          start?: number;
          scaledObject?: string;
          replicas: number;
          duration?: number;
          mode: string;
          hpaSync: number;
          readyDelay: number;
          output: string;
          chart?: string;
        },
      ) => {
        if (opts.mode !== 'hpa' && opts.mode !== 'direct') throw new InvalidArgumentError(`--mode must be 'hpa' or 'direct', got '${opts.mode}'`);
        if (opts.output === 'text') opts.output = 'table';
        if (opts.output !== 'table' && opts.output !== 'json') throw new InvalidArgumentError(`--output must be 'table' or 'json', got '${opts.output}'`);
        let out;
        try {
          out = runScenario({
            manifest: { name: manifest, text: readInput('manifest', manifest) },
            ...(opts.series ? { series: { name: opts.series, text: readInput('--series file', opts.series) } } : {}),
            ...(opts.start !== undefined ? { startMs: opts.start } : {}),
            scaledObject: opts.scaledObject,
            options: {
              mode: opts.mode,
              startReplicas: Math.floor(opts.replicas),
              durationSeconds: opts.duration,
              hpaSyncSeconds: opts.hpaSync,
              readyDelaySeconds: opts.readyDelay,
            },
          });
        } catch (e) {
          process.stderr.write(`updraft simulate: ${(e as Error).message}\n`);
          process.exitCode = 1;
          return;
        }
        process.stdout.write(opts.output === 'json' ? scenarioJson(out) : scenarioTimeline(out));
        if (opts.chart) {
          writeFileSync(opts.chart, scenarioChart(out));
          if (opts.output === 'table') process.stdout.write(`chart written to ${opts.chart}\n`);
        }
      },
    );
}
