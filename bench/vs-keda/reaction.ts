// Reaction, source queries and the external metrics API of one autoscaler, on a fresh local control plane
// (HPA sync 15 s, the kube-controller-manager default) with kwok Deployments and a real Prometheus behind a counting
// HTTP proxy. One run of `runReaction` measures, concurrently on separate objects (each its own Deployment,
// ScaledObject and gauge, so no round disturbs another):
//
// - step → `/scale` written: a gauge steps and we timestamp the watch event that carries the Deployment's new
//   spec.replicas (a watch, not a poll: the event arrives within milliseconds of the write). 0→1: gauge 0 → 23,
//   threshold 5, minReplicaCount 0 (the operator's own activation path in KEDA and Updraft alike). 1→N: gauge
//   25 → 100, target 25 per pod, minReplicaCount 1, so 1 → 4 in one HPA step (the HPA's default scale-up policy
//   allows max(4 pods, 100 %) per period). Each step lands at a fixed phase (PHASES) of the autoscaler's read
//   cycle, seen at the proxy, after the object has settled at its low value: the same phases for every autoscaler. The time includes Prometheus' own scrape (every 500 ms), the
//   same for every autoscaler.
// - source queries per trigger per minute in steady state (gauge 10, threshold 25, one replica, active), at
//   minReplicaCount 0 and 1, pollingInterval 30 s and 1 s, and with `useCachedMetrics: true`: each object has its
//   own PromQL query, counted at the proxy over the whole window (at least `steadyMinutes`).
// - external metrics API latency through the kube-apiserver's aggregator at fixed request rates from a second
//   process (bench/support/metrics-api-load.ts), for the autoscalers that serve it.
import { join } from 'node:path';
import { GVR, KubeClient, type KubeObject } from '../../src/kube/client.ts';
import { ListWatch } from '../../src/kube/list-watch.ts';
import { startControlPlane } from '../../test/support/control-plane.ts';
import { startCountingHttpProxy } from '../../test/support/counting-proxy.ts';
import { deploymentObject } from '../../test/support/manifests.ts';
import { installCrds } from '../../test/support/metrics-api-registration.ts';
import { startPrometheus } from '../../test/support/prometheus.ts';
import { metricsApiLoad, type LoadResult } from '../support/metrics-api-load.ts';
import { repoRoot, type Autoscaler, type AutoscalerRun } from './autoscalers.ts';

export interface ReactionOptions {
  /** Rounds per (step, pollingInterval); at least 5 for a full run. */
  rounds: number;
  pollingIntervals?: number[];
  /** Shortest steady window for the query counts, in minutes (default 2). */
  steadyMinutes?: number;
  /** External metrics API: request rates and seconds per rate; no rates = skipped (direct mode serves no HPA). */
  apiRates?: number[];
  apiSeconds?: number;
  hpaSyncSeconds?: number;
  log?: (line: string) => void;
}

export interface Samples {
  /** Seconds from the step to the watch event of the written replicas, one per round. */
  seconds: number[];
  median: number;
  p95: number;
  /** Rounds that timed out (counted, not in `seconds`). */
  timeouts: number;
  /** Per round, seconds after the autoscaler's read that the step landed (NaN: reads not seen, random phase). */
  phases: number[];
}

export interface ReactionResult {
  autoscaler: string;
  k8sVersion: string;
  /** Keyed `0→1 poll 30s`, `1→4 poll 1s` … */
  reaction: Record<string, Samples>;
  /** Keyed `min0 poll 30s` …: PromQL queries the autoscaler sent per minute for that object's one trigger. */
  queriesPerMinute: Record<string, number>;
  steadyMinutes: number;
  /** Per target rate: what the load generator achieved through the aggregator. */
  metricsApi: Array<{ rate: number; achieved: number } & LoadResult>;
  errors: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Where in the read cycle round i steps (fraction of the gap between two reads), cycled: spread evenly. */
const PHASES = [0.5, 0.1, 0.7, 0.3, 0.9];
const NS = 'default';

/** Nearest-rank quantile of a non-empty list. */
export function quantile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
}

/** Watches every Deployment's spec.replicas and resolves waits on the first event (or current state) that satisfies them. */
class ReplicaWatch {
  private readonly current = new Map<string, number>();
  private readonly waiters = new Set<{ name: string; ok: (n: number) => boolean; resolve: (t: number) => void }>();
  private readonly informer: ListWatch<KubeObject & { spec?: { replicas?: number } }>;

  constructor(client: KubeClient) {
    this.informer = new ListWatch(client, { gvr: GVR.deployments, namespaces: [NS] });
    const seen = (obj: KubeObject & { spec?: { replicas?: number } }) => {
      const t = performance.now();
      const n = obj.spec?.replicas ?? 1;
      this.current.set(obj.metadata.name, n);
      for (const w of this.waiters) {
        if (w.name === obj.metadata.name && w.ok(n)) {
          this.waiters.delete(w);
          w.resolve(t);
        }
      }
    };
    this.informer.on({ onAdd: seen, onUpdate: (_o, n) => seen(n) });
  }

  async start(): Promise<void> {
    this.informer.start();
    await this.informer.waitForSync();
  }

  replicas(name: string): number | undefined {
    return this.current.get(name);
  }

  /** performance.now() of the event that made `ok` true (now, if it already is); rejects after timeoutMs. */
  until(name: string, what: string, ok: (n: number) => boolean, timeoutMs: number): Promise<number> {
    const n = this.current.get(name);
    if (n !== undefined && ok(n)) return Promise.resolve(performance.now());
    return new Promise((resolve, reject) => {
      const w = {
        name,
        ok,
        resolve: (t: number) => {
          clearTimeout(timer);
          resolve(t);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`${name}: ${what} not reached after ${timeoutMs / 1000} s (spec.replicas ${this.current.get(name)})`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }
}

interface ReactionObject {
  key: string;
  name: string;
  gauge: string;
  pollingInterval: number;
  low: number;
  high: number;
  lowReplicas: number;
  reached: (n: number) => boolean;
}

const gaugeOf = (name: string) => name.replaceAll('-', '_');

function scaledObject(
  name: string,
  query: string,
  serverAddress: string,
  o: { pollingInterval: number; minReplicaCount: number; threshold: number; useCachedMetrics?: boolean },
) {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, namespace: NS },
    spec: {
      scaleTargetRef: { name },
      pollingInterval: o.pollingInterval,
      cooldownPeriod: 5,
      minReplicaCount: o.minReplicaCount,
      maxReplicaCount: 10,
      // Scale-down without the 300 s window, so rounds can repeat (both autoscalers pass it to the HPA; Updraft's
      // direct mode applies the same behavior itself).
      advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } } },
      triggers: [
        { type: 'prometheus', metadata: { serverAddress, query, threshold: String(o.threshold) }, ...(o.useCachedMetrics ? { useCachedMetrics: true } : {}) },
      ],
    },
  };
}

export async function runReaction(def: Autoscaler, opts: ReactionOptions): Promise<ReactionResult> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const polls = opts.pollingIntervals ?? [30, 1];
  const steadyMinutes = opts.steadyMinutes ?? 2;
  const hpaSync = opts.hpaSyncSeconds ?? 15;

  const reactionObjects: ReactionObject[] = polls.flatMap((p) => [
    { key: `0→1 poll ${p}s`, name: `zero-p${p}`, gauge: gaugeOf(`zero-p${p}`), pollingInterval: p, low: 0, high: 23, lowReplicas: 0, reached: (n) => n > 0 },
    { key: `1→4 poll ${p}s`, name: `out-p${p}`, gauge: gaugeOf(`out-p${p}`), pollingInterval: p, low: 25, high: 100, lowReplicas: 1, reached: (n) => n >= 4 },
  ]);
  const steadyObjects = polls.flatMap((p) => [
    ...[0, 1].map((min) => ({ key: `min${min} poll ${p}s`, name: `steady-min${min}-p${p}`, pollingInterval: p, min, cached: false })),
    // useCachedMetrics: true — the HPA is answered from the last poll, so exactly one read per interval is the goal.
    { key: `min1 poll ${p}s useCachedMetrics`, name: `steady-cached-p${p}`, pollingInterval: p, min: 1, cached: true },
  ]);

  const gauges: Record<string, { value: number }> = {};
  for (const o of reactionObjects) gauges[o.gauge] = { value: o.low };
  for (const o of steadyObjects) gauges[gaugeOf(o.name)] = { value: 10 };

  const result: ReactionResult = { autoscaler: '', k8sVersion: '', reaction: {}, queriesPerMinute: {}, steadyMinutes: 0, metricsApi: [], errors: [] };
  const cp = await startControlPlane({ hpaSyncSeconds: hpaSync });
  const prom = await startPrometheus({ gauges });
  const proxy = await startCountingHttpProxy(prom.url);
  let running: AutoscalerRun | undefined;
  let watch: ReplicaWatch | undefined;
  try {
    result.k8sVersion = cp.k8sVersion;
    result.autoscaler = def.name;
    // Updraft's CRDs first; KEDA's start applies its own over them (server-side, as in a cluster that had both).
    await installCrds(cp, repoRoot);
    running = await def.start(cp, {});
    result.autoscaler = running.name;
    log(`[${running.name}] started on Kubernetes ${cp.k8sVersion}`);
    const client = await KubeClient.fromEnvironment({ kubeconfig: cp.kubeconfig });
    watch = new ReplicaWatch(client);
    await watch.start();

    await cp.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          ...reactionObjects.flatMap((o) => [
            deploymentObject(o.name, o.lowReplicas),
            scaledObject(o.name, o.gauge, proxy.url, {
              pollingInterval: o.pollingInterval,
              minReplicaCount: o.lowReplicas,
              threshold: o.lowReplicas === 0 ? 5 : 25,
            }),
          ]),
          ...steadyObjects.flatMap((o) => [
            deploymentObject(o.name, o.min),
            scaledObject(o.name, gaugeOf(o.name), proxy.url, {
              pollingInterval: o.pollingInterval,
              minReplicaCount: o.min,
              threshold: 25,
              useCachedMetrics: o.cached,
            }),
          ]),
        ],
      }),
    });

    // Steady window: from the moment every steady object runs one replica (HPA created) plus one HPA sync.
    const w = watch;
    const steadyStart = (async () => {
      await Promise.all(steadyObjects.map((o) => w.until(o.name, 'one replica', (n) => n === 1, 180_000)));
      await sleep((hpaSync + 5) * 1000);
      const counts = Object.fromEntries(steadyObjects.map((o) => [o.key, proxy.requests(gaugeOf(o.name))]));
      return { t: performance.now(), counts };
    })();
    steadyStart.catch(() => undefined); // awaited below; this only keeps an early failure from being unhandled

    const roundsOf = async (o: ReactionObject): Promise<void> => {
      const samples: number[] = [];
      const phases: number[] = [];
      let timeouts = 0;
      const settleMs = (3 * o.pollingInterval + 2 * hpaSync + 60) * 1000;
      for (let i = 0; i < opts.rounds; i++) {
        gauges[o.gauge].value = o.low;
        try {
          await w.until(o.name, `${o.lowReplicas} replicas`, (n) => n === o.lowReplicas, settleMs);
        } catch (err) {
          result.errors.push(`${o.key}: ${(err as Error).message}`);
          timeouts++;
          continue;
        }
        // The step lands at a fixed phase of the autoscaler's own read cycle, the same phases for every
        // autoscaler, so rounds compare like with like: two reads of this object's query at the proxy give the cycle
        // (the HPA's sync for 1→N — KEDA and Updraft both skip their own polls there and read at each HPA request
        // — the operator's poll for 0→1), and round i steps at PHASES[i] of it after the second. Random when the
        // reads cannot be seen.
        const readTimeout = (2 * Math.max(o.pollingInterval, hpaSync) + 30) * 1000;
        try {
          const r1 = await proxy.nextRequest(o.gauge, readTimeout);
          const r2 = await proxy.nextRequest(o.gauge, readTimeout);
          const phase = PHASES[i % PHASES.length] * (r2 - r1);
          await sleep(Math.max(0, r2 + phase - performance.now()));
          phases.push(Math.round(phase) / 1000);
        } catch {
          await sleep(1000 + Math.random() * Math.max(o.pollingInterval, hpaSync) * 1000);
          phases.push(NaN);
        }
        const t0 = performance.now();
        gauges[o.gauge].value = o.high;
        try {
          const t = await w.until(o.name, o.key.split(' ')[0], o.reached, settleMs);
          samples.push((t - t0) / 1000);
          log(`[${result.autoscaler}] ${o.key} round ${i + 1}: ${((t - t0) / 1000).toFixed(2)} s`);
        } catch (err) {
          result.errors.push(`${o.key} round ${i + 1}: ${(err as Error).message}`);
          timeouts++;
        }
      }
      gauges[o.gauge].value = o.low;
      result.reaction[o.key] = { seconds: samples, phases, median: quantile(samples, 0.5), p95: quantile(samples, 0.95), timeouts };
    };
    await Promise.all(reactionObjects.map(roundsOf));

    const start = await steadyStart;
    const minWindowMs = steadyMinutes * 60_000;
    const left = start.t + minWindowMs - performance.now();
    if (left > 0) {
      log(`[${result.autoscaler}] steady window: ${(left / 1000).toFixed(0)} s more`);
      await sleep(left);
    }
    const minutes = (performance.now() - start.t) / 60_000;
    result.steadyMinutes = minutes;
    for (const o of steadyObjects) result.queriesPerMinute[o.key] = (proxy.requests(gaugeOf(o.name)) - start.counts[o.key]) / minutes;
    log(`[${result.autoscaler}] queries/min over ${minutes.toFixed(1)} min: ${JSON.stringify(result.queriesPerMinute)}`);

    // The external metrics API through the aggregator, as the HPA controller asks it (admin client here).
    if ((opts.apiRates ?? []).length > 0) {
      const steady = steadyObjects.find((o) => o.min === 1 && !o.cached && o.pollingInterval === polls[0])!;
      const url = `${cp.server}/apis/external.metrics.k8s.io/v1beta1/namespaces/${NS}/s0-prometheus?labelSelector=${encodeURIComponent(`scaledobject.keda.sh/name=${steady.name}`)}`;
      const pki = (f: string) => join(cp.dir, 'pki', f);
      for (const rate of opts.apiRates ?? []) {
        try {
          const r = await metricsApiLoad({
            url,
            caFile: cp.caFile,
            certFile: pki('admin.crt'),
            keyFile: pki('admin.key'),
            rate,
            seconds: opts.apiSeconds ?? 20,
          });
          result.metricsApi.push({ rate, achieved: r.requests / r.seconds, ...r });
          log(`[${result.autoscaler}] metrics API at ${rate} req/s: ${JSON.stringify(r)}`);
        } catch (err) {
          result.errors.push(`metrics API at ${rate} req/s: ${(err as Error).message}`);
        }
      }
    }
  } catch (err) {
    result.errors.push((err as Error).stack ?? String(err));
  } finally {
    await watch?.stop().catch(() => undefined);
    await running?.stop().catch((e: Error) => result.errors.push(`stop: ${e.message}`));
    await proxy.stop();
    await prom.stop();
    await cp.stop();
  }
  return result;
}
