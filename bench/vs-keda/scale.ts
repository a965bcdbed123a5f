// N ScaledObjects on one autoscaler, on a fresh local control plane (kwok nodes, audit log on): how long until all
// are Ready after the autoscaler starts, and then, in steady state, its poll lateness, CPU and RSS, its own API
// requests per minute by verb and resource (audit log), its status writes, and source queries per trigger.
//
// Each ScaledObject has its own kwok Deployment and one prometheus trigger with a query of its own (the text
// differs per object, the value does not: `vector(v) + 0 * i`), so no two triggers could share a read.
// A fraction (`activeFraction`, default 0.1) reads 5 (active: one pod, an HPA that syncs in hpa mode), the rest 0.
import { copyFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ControlPlane } from '../../test/support/control-plane.ts';
import { startControlPlane } from '../../test/support/control-plane.ts';
import { deploymentObject } from '../../test/support/manifests.ts';
import { installCrds } from '../../test/support/metrics-api-registration.ts';
import { GVR, KubeClient, type KubeObject } from '../../src/kube/client.ts';
import { ListWatch } from '../../src/kube/list-watch.ts';
import { apiserverRequestTotals, AuditLog, BENCH_USER_AGENT, perMinute } from './api-requests.ts';
import { repoRoot, type Autoscaler, type AutoscalerRun, type StartOptions } from './autoscalers.ts';
import { ProcessWatch } from './process-stats.ts';
import { bucketDelta, bucketQuantile, histogramBuckets, parsePromText, quantile, scrape, type Sample } from './prom-text.ts';

export interface ScaleOptions {
  pollingInterval: number;
  /** Prometheus the triggers query (behind a counting proxy); its /metrics counts the queries. */
  prometheusUrl: string;
  /** Steady-state window, minutes (default 2). */
  minutes?: number;
  /** Share of the objects whose metric is active (default 0.1). */
  activeFraction?: number;
  /** ScaledObject minReplicaCount (default 0). */
  minReplicaCount?: number;
  /** Give up waiting for all Ready after this long (default 600 s). */
  readyTimeoutSeconds?: number;
  /** Signal SIGUSR2 to the autoscaler's processes at the end of the steady window (heap-sampler.mjs writes a profile). */
  heapProfileAtEnd?: boolean;
  /** Signal SIGUSR2 at the start and at the end of the steady window (cpu-sampler.mjs or alloc-sampler.mjs profiles that window). */
  profileWindow?: boolean;
  /** Passed to the autoscaler's start (Updraft: extra flags, node flags). */
  start?: StartOptions;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface Lateness {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface ScaleResult {
  autoscaler: string;
  n: number;
  /** Autoscaler start → every ScaledObject Ready=True, seconds (NaN when not all were Ready in time). */
  readySeconds: number;
  /** How many were Ready when waiting ended. */
  ready: number;
  /** Poll lateness in steady state, ms. */
  lateness: Lateness;
  /** Where `lateness` comes from (histogram or gauge samples). */
  latenessSource: string;
  cpuSecondsPerMin: Record<string, number>;
  rssMiB: Record<string, number>;
  /**
   * Seconds per minute each process's main thread was ready to run but waited for a core (schedstat): how much of
   * the lateness is this machine's other processes, not the autoscaler's own work.
   */
  mainThreadWaitSecondsPerMin?: Record<string, number>;
  /** Busy cores of the whole machine over the window (every process: control plane, Prometheus, the bench). */
  machineCoresBusy?: number;
  /** The autoscaler's own requests (audit log) per minute, by `VERB resource`. */
  apiRequestsPerMin: Record<string, number>;
  apiRequestsPerMinTotal: number;
  /** PATCH/PUT scaledobjects/status per minute. */
  statusWritesPerMin: number;
  /** `apiserver_request_total` per minute (every client, the control plane's own included), by `verb resource`. */
  apiserverRequestsPerMin: Record<string, number>;
  /** Prometheus /api/v1/query requests per trigger per minute. */
  sourceQueriesPerTriggerPerMin: number;
  /**
   * The autoscaler's event loop in the window (Node.js autoscalers: prom-client's default metrics): the largest of
   * the per-scrape lag p99s, the largest lag, and GC time per minute. Absent for KEDA.
   */
  eventLoop?: { lagP99MsMax: number; lagMaxMs: number; gcSecondsPerMin: number };
  windowSeconds: number;
  notes: string[];
}

const NAMESPACE = 'bench';

async function pool<T>(items: T[], concurrency: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

function scaledObject(name: string, i: number, active: boolean, o: ScaleOptions): KubeObject {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      scaleTargetRef: { name },
      pollingInterval: o.pollingInterval,
      minReplicaCount: o.minReplicaCount ?? 0,
      maxReplicaCount: 10,
      triggers: [{ type: 'prometheus', metadata: { serverAddress: o.prometheusUrl, query: `vector(${active ? 5 : 0}) + 0 * ${i}`, threshold: '10' } }],
    },
  };
}

const isReady = (so: KubeObject) =>
  ((so as { status?: { conditions?: Array<{ type: string; status: string }> } }).status?.conditions ?? []).some(
    (c) => c.type === 'Ready' && c.status === 'True',
  );

/** Prometheus' /api/v1/query count; NaN when it does not answer (e.g. its connection limit, --web.max-connections 512, is used up). */
async function prometheusQueries(url: string): Promise<number> {
  const text = await scrape(`${url}/metrics`).catch(() => undefined);
  if (text === undefined) return NaN;
  const samples = parsePromText(text, (n) => n === 'prometheus_http_requests_total');
  return samples.filter((s) => s.labels.handler === '/api/v1/query').reduce((a, s) => a + s.value, 0);
}

const LATENESS_HISTOGRAM = 'updraft_poll_lateness_seconds';
const LATENESS_GAUGE = 'keda_internal_scale_loop_latency_seconds';

// Node's own (prom-client default metrics; the lag statistics cover the time since the previous scrape): whether a
// late poll waited for the autoscaler's event loop (lag, GC) or for a scheduler slot (a slow source read).
const EVENT_LOOP_LAG_P99 = 'nodejs_eventloop_lag_p99_seconds';
const EVENT_LOOP_LAG_MAX = 'nodejs_eventloop_lag_max_seconds';
const GC_SECONDS = 'nodejs_gc_duration_seconds_sum';
const NODE_SERIES = new Set([EVENT_LOOP_LAG_P99, EVENT_LOOP_LAG_MAX, GC_SECONDS]);

async function scrapeAll(run: AutoscalerRun): Promise<Sample[]> {
  const pages = await Promise.all(run.metricsUrls.map((u) => scrape(u).catch(() => '')));
  return pages.flatMap((p) => parsePromText(p, (n) => n.startsWith(LATENESS_HISTOGRAM) || n === LATENESS_GAUGE || NODE_SERIES.has(n)));
}

const sumOf = (samples: Sample[], name: string) => samples.filter((s) => s.name === name).reduce((a, s) => a + s.value, 0);

/** Creates N Deployments and ScaledObjects, starts the autoscaler, waits for all Ready, then measures a steady window. */
export async function runScale(a: Autoscaler, n: number, opts: ScaleOptions): Promise<ScaleResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`scale ${a.name} N=${n}: ${l}\n`));
  const notes: string[] = [];
  const minutes = opts.minutes ?? 2;
  const activeFraction = opts.activeFraction ?? 0.1;
  const min = opts.minReplicaCount ?? 0;
  const activeEvery = activeFraction > 0 ? Math.max(1, Math.round(1 / activeFraction)) : Infinity;
  const activeCount = Number.isFinite(activeEvery) ? Math.ceil(n / activeEvery) : 0;
  const pods = Math.max(activeCount, min * n);
  // kwok nodes allow 110 pods each (scripts/control-plane/up.sh).
  const cp: ControlPlane = await startControlPlane({ nodes: Math.ceil(pods / 100) + 1, auditLog: true });
  let run: AutoscalerRun | undefined;
  let watch: ListWatch<KubeObject> | undefined;
  const client = await KubeClient.fromEnvironment({ kubeconfig: cp.kubeconfig, userAgent: BENCH_USER_AGENT });
  try {
    await installCrds(cp, repoRoot);
    await cp.kubectl(['create', 'namespace', NAMESPACE]);
    const t0 = Date.now();
    const names = Array.from({ length: n }, (_, i) => ({ i, name: `w-${String(i).padStart(5, '0')}`, active: i % activeEvery === 0 }));
    await pool(names, 64, async ({ name }) => void (await client.create(GVR.deployments, deploymentObject(name, min, { namespace: NAMESPACE }) as KubeObject)));
    await pool(names, 64, async ({ name, i, active }) => void (await client.create(GVR.scaledObjects, scaledObject(name, i, active, opts))));
    log(`created ${n} Deployments and ScaledObjects (${activeCount} active, minReplicaCount ${min}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    watch = new ListWatch<KubeObject>(client, { gvr: GVR.scaledObjects, namespaces: [NAMESPACE] });
    watch.start();
    await watch.waitForSync(120_000);
    const readyCount = () => watch!.list().filter(isReady).length;

    const started = Date.now();
    run = await a.start(cp, opts.start ?? {});
    log(`started (${((Date.now() - started) / 1000).toFixed(1)} s to /metrics)`);
    const readyDeadline = started + (opts.readyTimeoutSeconds ?? 600) * 1000;
    let ready = 0;
    let lastLog = Date.now();
    while ((ready = readyCount()) < n && Date.now() < readyDeadline) {
      if (Date.now() - lastLog > 10_000) {
        log(`${ready}/${n} Ready after ${((Date.now() - started) / 1000).toFixed(0)} s`);
        lastLog = Date.now();
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const readySeconds = ready === n ? (Date.now() - started) / 1000 : NaN;
    if (ready < n) notes.push(`${ready} of ${n} Ready after ${opts.readyTimeoutSeconds ?? 600} s`);
    log(
      ready === n
        ? `${n}/${n} Ready in ${readySeconds.toFixed(1)} s`
        : `${ready}/${n} Ready after ${opts.readyTimeoutSeconds ?? 600} s (timed out); measuring anyway`,
    );

    // Let the start-up wave pass (first polls, HPAs' first syncs) before the steady window: at least one interval and
    // one HPA sync, then until the autoscaler's own writes have settled — fewer than N/100 in 15 s, or fewer than
    // N/20 and no longer falling (the active objects' steady lastActiveTime refresh stays above N/100 at 10 % active;
    // at 10,000 the start-up wave's HPAActive writes and Events take minutes to drain through the API server) — or
    // 10 min.
    await new Promise((r) => setTimeout(r, (opts.pollingInterval + 15) * 1000));
    const audit = new AuditLog(cp.auditLogPath!);
    const settleUntil = Date.now() + 600_000;
    let previous = Infinity;
    for (;;) {
      const from = await audit.mark();
      await new Promise((r) => setTimeout(r, 15_000));
      const c = await audit.count(from, await audit.mark());
      const writes = Object.entries(c.byKey)
        .filter(([k]) => !k.startsWith('GET') && !k.startsWith('LIST') && !k.startsWith('WATCH'))
        .reduce((x, [, v]) => x + v, 0);
      const flat = writes < n / 20 && writes >= 0.9 * previous;
      previous = writes;
      if (writes < Math.max(10, n / 100) || flat || Date.now() > settleUntil) {
        log(`writes settled: ${writes} in 15 s${Date.now() > settleUntil ? ' (gave up waiting after 10 min)' : ''}`);
        if (Date.now() > settleUntil) notes.push(`its writes had not settled 10 min after all Ready (${writes} in 15 s)`);
        break;
      }
      log(`settling: ${writes} writes in 15 s`);
    }

    const pidNames = run.pidNames ?? run.pids().map((_, i) => `${run!.name}#${i}`);
    const pids: Record<string, number> = Object.fromEntries(run.pids().map((p, i) => [pidNames[i], p]));
    // Every control-plane process (kube-apiserver, etcd, kube-controller-manager, kwok): what else wants the cores.
    for (const [name, pid] of Object.entries(cp.pids)) pids[name] = pid;
    const procs = new ProcessWatch(pids);
    // The profiler starts before the window: starting it stalls the process ~0.8 s at 10,000 objects (the inspector
    // collects every compiled function), which inside the window would show as late polls.
    if (opts.profileWindow) {
      for (const pid of run.pids()) process.kill(pid, 'SIGUSR2');
      await new Promise((r) => setTimeout(r, 5000));
    }
    // Marks at the window's start: audit offset (after the apiserver's 1 s batch flush), counters, histogram.
    await new Promise((r) => setTimeout(r, 1500));
    const [auditFrom, apiFrom, queriesFrom, metricsFrom] = await Promise.all([
      audit.mark(),
      apiserverRequestTotals(cp),
      prometheusQueries(opts.prometheusUrl),
      scrapeAll(run),
    ]);
    await procs.start();
    const w0 = Date.now();
    // The per-object gauge (last iteration's lateness), sampled: KEDA has only this one.
    const gaugeValues: number[] = [];
    const lagP99: number[] = [];
    const lagMax: number[] = [];
    const sampleGauge = (s: Sample[]) => {
      for (const x of s) {
        if (x.name === LATENESS_GAUGE) gaugeValues.push(x.value * 1000);
        else if (x.name === EVENT_LOOP_LAG_P99) lagP99.push(x.value * 1000);
        else if (x.name === EVENT_LOOP_LAG_MAX) lagMax.push(x.value * 1000);
      }
    };
    sampleGauge(metricsFrom);
    let metricsTo = metricsFrom;
    while (Date.now() - w0 < minutes * 60_000) {
      await new Promise((r) => setTimeout(r, Math.min(15_000, Math.max(0, w0 + minutes * 60_000 - Date.now()))));
      metricsTo = await scrapeAll(run);
      sampleGauge(metricsTo);
    }
    const usage = await procs.stop();
    if (opts.profileWindow) for (const pid of run.pids()) process.kill(pid, 'SIGUSR2');
    if (opts.heapProfileAtEnd) {
      for (const pid of run.pids()) process.kill(pid, 'SIGUSR2');
      await new Promise((r) => setTimeout(r, 5000));
    }
    await new Promise((r) => setTimeout(r, 1500));
    const [auditTo, apiTo, queriesTo] = await Promise.all([audit.mark(), apiserverRequestTotals(cp), prometheusQueries(opts.prometheusUrl)]);
    const windowMs = Date.now() - w0;

    const counted = await audit.count(auditFrom, auditTo);
    const apiRequestsPerMin = perMinute({}, counted.byKey, windowMs);
    const statusWritesPerMin = (apiRequestsPerMin['PATCH scaledobjects/status'] ?? 0) + (apiRequestsPerMin['PUT scaledobjects/status'] ?? 0);
    notes.push(
      `audit log user agents: ${
        Object.entries(counted.byUserAgent)
          .map(([ua, c]) => `${ua} ${c}`)
          .join(', ') || 'none'
      }`,
    );

    let lateness: Lateness;
    let latenessSource: string;
    const hist = bucketDelta(histogramBuckets(metricsFrom, LATENESS_HISTOGRAM), histogramBuckets(metricsTo, LATENESS_HISTOGRAM));
    const gaugeMax = gaugeValues.length ? Math.max(...gaugeValues) : NaN;
    if (hist.size > 0 && (hist.get(Infinity) ?? 0) > 0) {
      const ms = (q: number) => Math.round(bucketQuantile(hist, q) * 1000 * 10) / 10;
      const bounds = [...hist.entries()].sort((x, y) => x[0] - y[0]);
      const total = hist.get(Infinity) ?? 0;
      const maxBound = bounds.find(([, c]) => c >= total)?.[0] ?? Infinity;
      lateness = { p50: ms(0.5), p95: ms(0.95), p99: ms(0.99), max: Math.round(gaugeMax * 10) / 10 };
      latenessSource = `${LATENESS_HISTOGRAM} over ${total} polls (percentiles interpolated in buckets); max from ${gaugeValues.length} samples of ${LATENESS_GAUGE}`;
      notes.push(`lateness histogram: every poll of the window ≤ ${maxBound * 1000} ms (bucket bound)`);
    } else {
      lateness = {
        p50: quantile(gaugeValues, 0.5),
        p95: quantile(gaugeValues, 0.95),
        p99: quantile(gaugeValues, 0.99),
        max: gaugeMax,
      };
      latenessSource = `${gaugeValues.length} samples of ${LATENESS_GAUGE} (each object's last iteration, every 15 s)`;
      if (a.name.startsWith('keda'))
        notes.push(
          "KEDA's keda_internal_scale_loop_latency_seconds is timer-only: how late its per-object ticker fired, not the time from when a poll was due to when it ran",
        );
    }
    let eventLoop: ScaleResult['eventLoop'];
    if (lagMax.length > 1) {
      // The first sample covers the time before the window (since the previous scrape, during the settling wait).
      const within = { p99: lagP99.slice(1), max: lagMax.slice(1) };
      eventLoop = {
        lagP99MsMax: Math.round(Math.max(...within.p99) * 10) / 10,
        lagMaxMs: Math.round(Math.max(...within.max) * 10) / 10,
        gcSecondsPerMin: Math.round(((sumOf(metricsTo, GC_SECONDS) - sumOf(metricsFrom, GC_SECONDS)) / (windowMs / 60_000)) * 100) / 100,
      };
      notes.push(
        `event loop of the autoscaler: lag p99 ≤ ${eventLoop.lagP99MsMax} ms and max ${eventLoop.lagMaxMs} ms over ${within.max.length} scrape intervals; GC ${eventLoop.gcSecondsPerMin} s/min`,
      );
    }
    const queries = queriesTo - queriesFrom;
    if (Number.isNaN(queries)) notes.push('Prometheus did not answer its /metrics (connection limit used up?): source queries unknown');
    return {
      autoscaler: a.name,
      n,
      readySeconds: Math.round(readySeconds * 10) / 10,
      ready,
      lateness,
      latenessSource,
      cpuSecondsPerMin: usage.cpuSecondsPerMin,
      rssMiB: usage.rssMiB,
      mainThreadWaitSecondsPerMin: usage.mainThreadWaitSecondsPerMin,
      machineCoresBusy: usage.machineCoresBusy,
      apiRequestsPerMin,
      apiRequestsPerMinTotal: Math.round(Object.values(apiRequestsPerMin).reduce((x, y) => x + y, 0)),
      statusWritesPerMin,
      apiserverRequestsPerMin: perMinute(apiFrom, apiTo, windowMs),
      sourceQueriesPerTriggerPerMin: Math.round((queries / n / (windowMs / 60_000)) * 100) / 100,
      ...(eventLoop ? { eventLoop } : {}),
      windowSeconds: Math.round(windowMs / 1000),
      notes,
    };
  } finally {
    await run?.stop().catch((e: unknown) => log(`stopping ${a.name} failed: ${String(e)}`));
    // The autoscaler's log outlives the control plane's directory, for what happened in a run.
    if (run?.logFile) {
      const kept = join(tmpdir(), 'vs-keda-logs', `${a.name}-N${n}-${new Date().toISOString().slice(0, 19).replaceAll(':', '-')}.log`);
      await mkdir(dirname(kept), { recursive: true });
      await copyFile(run.logFile, kept).then(
        () => log(`log kept at ${kept}`),
        () => undefined,
      );
    }
    await watch?.stop().catch(() => undefined);
    client.close();
    await cp.stop().catch((e: unknown) => log(`stopping the control plane failed: ${String(e)}`));
  }
}
