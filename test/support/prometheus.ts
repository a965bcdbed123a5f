// Starts a real Prometheus (Debian package, scripts/deps/prometheus.sh) on a free loopback port, scraping a small
// exporter the test controls every 500 ms, so rate()/sum() see real samples. Stop both with `stop()`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { waitFor } from './wait.ts';

/** Counters that grow at a fixed rate per second (so `rate(x[...])` is known) and gauges set by the test. */
export interface ExporterSeries {
  counters?: Record<string, { perSecond: number; labels?: Record<string, string> }>;
  gauges?: Record<string, { value: number; labels?: Record<string, string> }>;
}

export interface LocalPrometheus {
  url: string;
  exporterUrl: string;
  /** Change gauges (and counters) the exporter serves. */
  series: ExporterSeries;
  /** Wait until an instant query returns a value for which `ok` holds. */
  waitForValue(query: string, ok: (v: number) => boolean, timeoutMs?: number): Promise<number>;
  /**
   * Wait until Prometheus has taken `n` more scrapes of `metric` (one every 500 ms): the test's clock for "nothing
   * happens for a while" checks, observed instead of slept.
   */
  waitForScrapes(metric: string, n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function labels(l?: Record<string, string>): string {
  if (!l || Object.keys(l).length === 0) return '';
  return `{${Object.entries(l)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;
}

/** A further target Prometheus scrapes (e.g. the operator's /metrics), with target labels of its own. */
export interface ScrapeTarget {
  job: string;
  /** host:port serving /metrics. */
  target: string;
  /** Target labels; a `namespace` here makes Prometheus rename the series' own to `exported_namespace`, as in a cluster. */
  labels?: Record<string, string>;
}

export async function startPrometheus(series: ExporterSeries, opts: { targets?: ScrapeTarget[] } = {}): Promise<LocalPrometheus> {
  const started = Date.now();
  const exporter: Server = createServer((req, res) => {
    const lines: string[] = [];
    const secs = (Date.now() - started) / 1000;
    for (const [name, c] of Object.entries(series.counters ?? {})) {
      lines.push(`# TYPE ${name} counter`, `${name}${labels(c.labels)} ${c.perSecond * secs}`);
    }
    for (const [name, g] of Object.entries(series.gauges ?? {})) {
      lines.push(`# TYPE ${name} gauge`, `${name}${labels(g.labels)} ${g.value}`);
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`${lines.join('\n')}\n`);
  });
  await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
  const exporterPort = (exporter.address() as { port: number }).port;

  const dir = mkdtempSync(join(tmpdir(), 'updraft-prom-'));
  const config = [
    'global:',
    '  scrape_interval: 500ms',
    '  evaluation_interval: 500ms',
    'scrape_configs:',
    '  - job_name: app',
    '    static_configs:',
    `      - targets: ['127.0.0.1:${exporterPort}']`,
    ...(opts.targets ?? []).flatMap((t) => [
      `  - job_name: ${JSON.stringify(t.job)}`,
      '    static_configs:',
      `      - targets: [${JSON.stringify(t.target)}]`,
      ...(t.labels ? [`        labels: ${JSON.stringify(t.labels)}`] : []),
    ]),
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const child = spawn(
    '/usr/bin/prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
    await new Promise<void>((r) => exporter.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  };

  const instant = async (query: string): Promise<number | undefined> => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
    const v = body.data?.result?.[0]?.value?.[1];
    return v === undefined ? undefined : Number(v);
  };

  try {
    await waitFor('prometheus ready', async () => (await fetch(`${url}/-/ready`)).ok, 30_000);
    await waitFor('first scrape', async () => (await instant('up{job="app"}')) === 1, 30_000);
  } catch (e) {
    await stop();
    throw new Error(`prometheus did not start: ${(e as Error).message}\n${stderr}`);
  }
  return {
    url,
    exporterUrl: `http://127.0.0.1:${exporterPort}/metrics`,
    series,
    async waitForScrapes(metric, n, timeoutMs = 30_000) {
      const samples = async () => (await instant(`count_over_time(${metric}[10m])`)) ?? 0;
      const base = await samples();
      await waitFor(`${n} more scrapes of ${metric}`, async () => (await samples()) >= base + n, timeoutMs, 250);
    },
    async waitForValue(query, ok, timeoutMs = 20_000) {
      let last: number | undefined;
      await waitFor(
        `${query} to settle`,
        async () => {
          last = await instant(query);
          return last !== undefined && ok(last);
        },
        timeoutMs,
        250,
      );
      return last as number;
    },
    stop,
  };
}
