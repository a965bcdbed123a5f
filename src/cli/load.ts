// `updraft load URL`: drive an HTTP service with a ramping request rate (k6-style stages) and show the rate,
// latency and errors live — the "make it busy" half of the local quickstart.
import type { Command } from 'commander';
import { parseDurationMs } from '../api/values.ts';
import { runLoad, type LoadSummary, type Progress } from '../load/load-generator.ts';
import { constantRate, parseStages, totalDurationMs, type Stage } from '../load/stages.ts';
import { evaluateThresholds, parseThreshold, type Threshold, type ThresholdResult } from '../load/thresholds.ts';
import { parseTimeoutMs } from './flags.ts';

interface LoadCliOptions {
  stages?: string;
  rate?: string;
  duration?: string;
  concurrency: string;
  method: string;
  header: string[];
  timeout: string;
  output: string;
  threshold: string[];
}

/** Exit codes: 0 all good; 1 request errors (no --threshold given) or a bad flag; 99 a threshold crossed (as k6). */
export const EXIT_REQUEST_ERRORS = 1;
export const EXIT_THRESHOLD_CROSSED = 99;

export function thresholdText(results: readonly ThresholdResult[]): string {
  return results
    .map(
      (r) => `${r.ok ? 'ok  ' : 'FAIL'} ${r.source}  (${r.actual === undefined ? 'no responses' : r.stat === 'rate' ? r.actual.toFixed(4) : `${r.actual} ms`})`,
    )
    .join('\n');
}

/** What the run's exit code is: thresholds decide when given, else any request error fails the run. */
export function loadExitCode(summary: LoadSummary, results: readonly ThresholdResult[] | undefined): number {
  if (results && results.length > 0) return results.every((r) => r.ok) ? 0 : EXIT_THRESHOLD_CROSSED;
  return summary.errors > 0 ? EXIT_REQUEST_ERRORS : 0;
}

function fmtLatency(p: { p50: number; p99: number } | undefined): string {
  return p ? `p50 ${p.p50.toFixed(1)} ms  p99 ${p.p99.toFixed(1)} ms` : 'p50 -  p99 -';
}

export function progressLine(p: Progress): string {
  const t = `${Math.round(p.elapsedMs / 1000)}s`.padStart(5);
  return `${t}  target ${p.targetRate.toFixed(0).padStart(5)}/s  done ${p.rate.toFixed(0).padStart(5)}/s  ${fmtLatency(p.latencyMs)}  in flight ${p.inFlight}  errors ${p.errors}${p.dropped ? `  dropped ${p.dropped}` : ''}`;
}

export function summaryText(s: LoadSummary): string {
  const l = s.latencyMs;
  const lines = [
    `${s.url}: ${s.completed} requests in ${(s.durationMs / 1000).toFixed(1)} s (${s.rate.toFixed(1)}/s)`,
    l ? `latency  min ${l.min} ms  p50 ${l.p50} ms  p90 ${l.p90} ms  p99 ${l.p99} ms  max ${l.max} ms` : 'latency  no responses',
    `status   ${
      Object.entries(s.statuses)
        .map(([k, v]) => `${k}: ${v}`)
        .join('  ') || '-'
    }`,
    `errors   ${s.errors}${
      Object.keys(s.errorKinds).length
        ? ` (${Object.entries(s.errorKinds)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ')})`
        : ''
    }`,
  ];
  if (s.dropped) lines.push(`dropped  ${s.dropped} (all ${s.sent} connections busy; raise --concurrency)`);
  return lines.join('\n');
}

function parseDuration(flag: string, raw: string): number {
  const ms = /[a-zµμ]$/.test(raw) ? parseDurationMs(raw) : undefined;
  if (ms === undefined || ms <= 0) throw new Error(`${flag} must be a duration with a unit such as 30s or 2m, got '${raw}'`);
  return ms;
}

export function planFromOptions(o: Pick<LoadCliOptions, 'stages' | 'rate' | 'duration'>): { stages: Stage[]; maxDurationMs?: number } {
  if (o.stages && o.rate) throw new Error('use either --stages or --rate, not both');
  if (o.stages) {
    const stages = parseStages(o.stages);
    return o.duration ? { stages, maxDurationMs: parseDuration('--duration', o.duration) } : { stages };
  }
  const rate = Number(o.rate ?? '10');
  if (!Number.isFinite(rate) || rate <= 0) throw new Error(`--rate must be a number of requests per second > 0, got '${o.rate}'`);
  return { stages: constantRate(rate, parseDuration('--duration', o.duration ?? '30s')) };
}

export function register(program: Command): void {
  program
    .command('load')
    .argument('<url>', 'the URL to request, e.g. http://127.0.0.1:8080/api/work')
    .option('-s, --stages <list>', 'comma list of <duration>:<requests per second>; the rate ramps linearly from one to the next, starting at 0')
    .option('-r, --rate <n>', 'constant requests per second (instead of --stages; default 10)')
    .option('-d, --duration <d>', 'how long to run at --rate (default 30s), or a cap on the --stages run')
    .option('-c, --concurrency <n>', 'connections and most requests in flight; arrivals beyond it are dropped and counted', '100')
    .option('-X, --method <method>', 'HTTP method', 'GET')
    .option('-H, --header <K: V>', 'request header; repeatable', (v: string, acc: string[]) => [...acc, v], [])
    .option('--timeout <d>', 'per-request timeout, e.g. 10s (a bare number is milliseconds)', '10s')
    .option(
      '--threshold <expr>',
      "k6-style pass/fail criterion, repeatable: 'p(99)<500' (ms; also p(50), p(90), avg, med, min, max) or 'rate<0.01' (error rate); a crossed one exits 99",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('-o, --output <format>', 'text or json (the summary as JSON on stdout; progress goes to stderr)', 'text')
    .addHelpText(
      'after',
      `
Exit code: 0; 1 when any request failed (HTTP >= 400, network error, timeout) and no --threshold is given;
99 when a --threshold is crossed (then errors count only through 'rate<…').

The load is open-model: requests start on schedule whether or not earlier ones have answered, so an overloaded
service shows rising latency and errors instead of a quietly lower rate.

Examples:
  updraft load http://127.0.0.1:8080/work --stages 30s:20,60s:200,30s:0
  updraft load http://127.0.0.1:8080/work --rate 50 --duration 1m --concurrency 200 -o json
  updraft load http://127.0.0.1:8080/work --rate 50 --duration 30s --threshold 'p(99)<500' --threshold 'rate<0.01'`,
    )
    .action(async (url: string, o: LoadCliOptions) => {
      let plan: ReturnType<typeof planFromOptions>;
      let concurrency: number;
      let timeoutMs: number;
      let thresholds: Threshold[];
      const headers: Record<string, string> = {};
      try {
        plan = planFromOptions(o);
        concurrency = Number(o.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency must be a whole number >= 1, got '${o.concurrency}'`);
        timeoutMs = parseTimeoutMs('--timeout', o.timeout);
        thresholds = o.threshold.map(parseThreshold);
        if (o.output !== 'text' && o.output !== 'json') throw new Error(`--output must be text or json, got '${o.output}'`);
        for (const h of o.header) {
          const i = h.indexOf(':');
          if (i <= 0) throw new Error(`--header expects 'Name: value', got '${h}'`);
          headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
        }
        new URL(url);
      } catch (err) {
        program.error(`load: ${(err as Error).message}`);
      }
      const tty = process.stderr.isTTY === true;
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once('SIGINT', stop);
      const total = Math.min(totalDurationMs(plan.stages), plan.maxDurationMs ?? Infinity);
      process.stderr.write(`load: ${url} for ${(total / 1000).toFixed(0)} s, up to ${concurrency} in flight (Ctrl-C stops early)\n`);
      const summary = await runLoad({
        url,
        stages: plan.stages,
        concurrency,
        method: o.method,
        headers,
        timeoutMs,
        signal: ac.signal,
        ...(plan.maxDurationMs !== undefined ? { maxDurationMs: plan.maxDurationMs } : {}),
        onProgress: (p) => process.stderr.write(tty ? `\r\x1b[K${progressLine(p)}` : `${progressLine(p)}\n`),
      }).catch((err: unknown) => program.error(`load: ${(err as Error).message}`));
      process.off('SIGINT', stop);
      if (tty) process.stderr.write('\n');
      const results = thresholds.length > 0 ? evaluateThresholds(thresholds, summary) : undefined;
      if (o.output === 'json') process.stdout.write(`${JSON.stringify(results ? { ...summary, thresholds: results } : summary, null, 2)}\n`);
      else process.stdout.write(`${summaryText(summary)}${results ? `\n${thresholdText(results)}` : ''}\n`);
      process.exitCode = loadExitCode(summary, results);
    });
}
