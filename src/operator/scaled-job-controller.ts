// The ScaledJob reconciler and its poll loop (KEDA controllers/keda/scaledjob_controller.go,
// pkg/scaling/executor/scale_jobs.go): finalizer, pause, rollout cleanup of Jobs from older
// generations, scalers, and on every pollingInterval: read the triggers, compute queueLength/maxScale
// (engine/scaledjob.ts), count running and pending Jobs, create Jobs per the scaling strategy, clean up the Job
// history beyond the limits, and write status conditions and Events. No HPA, no cooldown, no fallback.
import { parseScaledJob } from '../api/parse.ts';
import { EventMessage, EventReason } from '../api/keda-reasons.ts';
import { FINALIZER, type ScaledJob } from '../api/types.ts';
import type { PodSpecLike } from '../auth/container-env.ts';
import type { ObjectSource } from '../auth/object-source.ts';
import { decideJobScale, scaledJobMetrics, type JobTriggerMetrics } from '../engine/scaledjob.ts';
import { GVR, type KubeClient, type KubeObject } from '../kube/client.ts';
import type { EventRecorder } from '../kube/events.ts';
import { dropUndefined, updateStatus } from '../kube/status.ts';
import { buildObjectScalers } from '../runtime/build-scalers.ts';
import type { Scheduler } from '../runtime/scheduler.ts';
import type { ReadingsCache } from '../runtime/readings-cache.ts';
import { TriggerReads } from '../runtime/trigger-reads.ts';
import type { ScalerTelemetrySink } from '../scalers/common/scaler-telemetry.ts';
import type { PodWatcher, Scaler } from '../scalers/scaler.ts';
import type { OperatorMetrics } from '../servers/keda-metrics.ts';
import {
  jobLabels,
  jobLoopIdentity,
  jobNeedsBuild,
  planScaledJob,
  type JobLoopIdentity,
  type ScaledJobFacts,
  type ScaledJobStatus,
} from './scaled-job-plan.ts';
import { getCondition, setCondition } from './conditions.ts';
import type { Logger } from './scaled-object-controller.ts';
import { rfc3339Seconds } from '../api/values.ts';

export const LABEL_SCALEDJOB_NAME = 'scaledjob.keda.sh/name';
export const ANNOTATION_SCALEDJOB_GENERATION = 'scaledjob.keda.sh/generation';
const FIELD_MANAGER = 'updraft-operator';
/** Annotations of the ScaledJob not copied onto its Jobs (kubectl bookkeeping). */
const EXCLUDED_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

type SjStatus = ScaledJobStatus;
type SjObject = KubeObject & { spec?: unknown; status?: SjStatus };
interface JobObject extends KubeObject {
  spec?: Record<string, unknown>;
  status?: { conditions?: Array<{ type: string; status: string }>; completionTime?: string; startTime?: string };
}
interface PodLike extends KubeObject {
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}

export interface ScaledJobControllerOptions {
  client: KubeClient;
  events: EventRecorder;
  scheduler: Scheduler;
  /** The readings cache ScaledObjects use too (one reading per trigger, shared reads in flight). */
  cache: ReadingsCache;
  source: ObjectSource;
  log: Logger;
  version: string;
  clusterObjectNamespace?: string;
  /** The shared pod watches kubernetes-workload triggers count from. */
  podWatcher?: PodWatcher;
  /** Where the triggers' outbound HTTP requests and empty answers are counted (the operator's metrics). */
  scalerTelemetry?: ScalerTelemetrySink;
  getCached(namespace: string, name: string): KubeObject | undefined;
  now?: () => number;
  /** The operator's metrics (servers/keda-metrics.ts), fed after each poll. */
  metrics?: Pick<OperatorMetrics, 'scaledJobPolled'>;
}

interface LoopEntry {
  identity: JobLoopIdentity;
  scalers: Scaler[];
  reads: TriggerReads;
  /** The poll in flight, if any: a stop waits for it, so an old loop never creates Jobs beside a new one. */
  inflight?: Promise<void>;
}

const finished = (j: JobObject) => j.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') ?? false;
const failed = (j: JobObject) => j.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') ?? false;

export class ScaledJobController {
  private readonly loops = new Map<string, LoopEntry>();
  private readonly lastReadError = new Map<string, string>();

  constructor(private readonly o: ScaledJobControllerOptions) {}

  async stopAll(): Promise<void> {
    for (const key of [...this.loops.keys()]) await this.stopLoop(key);
  }

  private async stopLoop(key: string): Promise<void> {
    const entry = this.loops.get(key);
    if (!entry) return;
    this.loops.delete(key);
    this.o.scheduler.unregister(`scaledjob/${key}`);
    await entry.inflight?.catch(() => undefined);
    entry.reads.clear();
    await Promise.all(entry.scalers.map((s) => s.close().catch(() => undefined)));
  }

  /** Reconcile one ScaledJob (key "namespace/name"). Throws to be retried with backoff. */
  async reconcile(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const raw = this.o.getCached(namespace, name) as SjObject | undefined;
    if (!raw) return this.stopLoop(key);
    const finalizers = raw.metadata.finalizers ?? [];
    if (raw.metadata.deletionTimestamp) {
      // Jobs go with their owner (ownerReferences); only the loop and the finalizer are ours to clear.
      const hadLoop = this.loops.has(key);
      await this.stopLoop(key);
      if (finalizers.includes(FINALIZER)) {
        await this.o.client.mergePatch(
          GVR.scaledJobs,
          namespace,
          name,
          { metadata: { finalizers: finalizers.filter((f) => f !== FINALIZER), resourceVersion: raw.metadata.resourceVersion } },
          { fieldManager: FIELD_MANAGER },
        );
        // KEDA controllers/keda/scaledjob_finalizer.go and pkg/scaling/scale_handler.go.
        const target = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledJob', metadata: { name, namespace, uid: raw.metadata.uid } };
        if (hadLoop) this.o.events.event(target, 'Normal', EventReason.KEDAScalersStopped, EventMessage.scalersStopped);
        this.o.events.event(target, 'Warning', EventReason.ScaledJobDeleted, EventMessage.scaledJobDeleted);
      }
      return;
    }
    if (!finalizers.includes(FINALIZER)) {
      await this.o.client.mergePatch(
        GVR.scaledJobs,
        namespace,
        name,
        { metadata: { finalizers: [...finalizers, FINALIZER], resourceVersion: raw.metadata.resourceVersion } },
        { fieldManager: FIELD_MANAGER },
      );
      return; // comes back through the watch
    }
    // Gather the facts, plan (scaled-job-plan.ts), apply with one status write at most.
    const entry = this.loops.get(key);
    const parsed = parseScaledJob(raw);
    const facts: ScaledJobFacts = parsed.ok
      ? { parsed: { ok: true, sj: parsed.value }, status: raw.status ?? {}, ...(entry ? { loop: entry.identity } : {}) }
      : {
          parsed: {
            ok: false,
            message: parsed.problems
              .filter((p) => p.severity === 'error')
              .map((p) => `${p.path}: ${p.message}${p.fix ? ` (${p.fix})` : ''}`)
              .join('; '),
          },
          status: raw.status ?? {},
        };
    let scalers: Scaler[] | undefined;
    if (parsed.ok && jobNeedsBuild(parsed.value, entry?.identity)) {
      const sj = parsed.value;
      const template = (sj.spec.jobTargetRef as { template?: { spec?: PodSpecLike } }).template?.spec;
      const built = await buildObjectScalers(sj, {
        source: this.o.source,
        podSpec: template,
        clusterObjectNamespace: this.o.clusterObjectNamespace,
        podWatcher: this.o.podWatcher,
        scalerTelemetry: this.o.scalerTelemetry,
      });
      facts.build = built.ok
        ? { ok: true, scalerTypes: built.scalers.map((x) => x.type), metricSpecs: built.scalers.flatMap((x) => x.metricSpecs), warnings: built.warnings }
        : { ok: false, errors: built.errors, warnings: built.warnings };
      if (built.ok) scalers = built.scalers;
    }
    const plan = planScaledJob(facts);
    try {
      if (plan.loop !== 'keep') await this.stopLoop(key);
      if (parsed.ok && plan.cleanupOldGenerations) await this.cleanupOldGenerations(parsed.value, parsed.value.metadata.generation ?? 0);
      await updateStatus<SjStatus, SjObject>(this.o.client, GVR.scaledJobs, { namespace, name }, (s) => dropUndefined(plan.status(s)), {
        fieldManager: FIELD_MANAGER,
      }).catch((err: Error) => {
        // KEDA controllers/keda/scaledjob_controller.go: a failed status write is a ScaledJobUpdateFailed Event.
        this.o.events.event(
          { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledJob', metadata: { name, namespace, uid: raw.metadata.uid } },
          'Warning',
          EventReason.ScaledJobUpdateFailed,
          err.message,
        );
        throw err;
      });
      for (const e of plan.events)
        this.o.events.event(
          { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledJob', metadata: { name, namespace, uid: raw.metadata.uid } },
          e.type,
          e.reason,
          e.message,
        );
    } catch (err) {
      if (scalers) await Promise.allSettled(scalers.map((x) => x.close()));
      throw err;
    }
    if (plan.retry) {
      if (scalers) await Promise.allSettled(scalers.map((x) => x.close()));
      this.o.log.warn({ namespace, scaledJob: name, error: plan.retry }, 'ScaledJob check failed');
      throw new Error(`ScaledJob ${key} is not ready: ${plan.retry}`);
    }
    if (plan.loop === 'start' && scalers && parsed.ok) this.startLoop(key, parsed.value, scalers);
  }

  private startLoop(key: string, sj: ScaledJob, scalers: Scaler[]): void {
    const { namespace, name } = sj.metadata;
    const reads = new TriggerReads({ key: `scaledjob.${namespace}.${name}`.toLowerCase(), scalers, cache: this.o.cache, now: this.o.now ?? Date.now });
    const entry: LoopEntry = { identity: jobLoopIdentity(sj), scalers, reads };
    this.loops.set(key, entry);
    this.o.scheduler.register(`scaledjob/${key}`, {
      intervalMs: sj.spec.pollingInterval * 1000,
      timeoutMs: Math.max(10_000, sj.spec.pollingInterval * 1000),
      run: (signal) => {
        const run = this.poll(sj, scalers, signal, reads);
        entry.inflight = run;
        return run.finally(() => {
          if (entry.inflight === run) entry.inflight = undefined;
        });
      },
    });
  }

  /** One poll: metrics → Jobs to create; history cleanup; status and Events. Errors are reported, never thrown. */
  async poll(sj: ScaledJob, scalers: Scaler[], signal: AbortSignal, reads: TriggerReads): Promise<void> {
    const { namespace, name } = sj.metadata;
    // The same reads as a ScaledObject's (runtime/trigger-reads.ts): a reading younger than 90 % of the interval
    // is reused, one read in flight per trigger, a per-read timeout, errors with their kind.
    const readings = await reads.readAll(sj.spec.pollingInterval * 1000 * 0.9, signal);
    this.o.metrics?.scaledJobPolled(sj, scalers, readings);
    const triggers: JobTriggerMetrics[] = scalers.map((s, i): JobTriggerMetrics => {
      const spec = s.metricSpecs.filter((m) => m.kind === 'External');
      const targetAverageValue = spec.length ? spec.reduce((a, m) => a + m.target, 0) / spec.length : 0;
      const metricName = spec[0]?.metricName ?? `s${i}`;
      const r = readings[i];
      if (r.error !== undefined) return { name: metricName, targetAverageValue, active: false, error: r.error };
      const queueLength = r.metrics.filter((m) => m.name.toLowerCase() === metricName.toLowerCase()).reduce((a, m) => a + m.value, 0);
      return { name: metricName, queueLength, targetAverageValue, active: r.active };
    });
    // Reported when a trigger's error starts or changes, not on every poll.
    for (const [i, t] of triggers.entries()) {
      const errKey = `${namespace}/${name}#${i}`;
      if (t.error && this.lastReadError.get(errKey) !== t.error) {
        this.lastReadError.set(errKey, t.error);
        this.event(sj, 'Warning', 'KEDAScalerFailed', `trigger ${i} (${sj.spec.triggers[i]?.type}): ${t.error}`);
        this.o.log.warn({ namespace, scaledJob: name, trigger: i, error: t.error }, 'trigger read failed');
      } else if (!t.error) this.lastReadError.delete(errKey);
    }
    const metrics = scaledJobMetrics(sj.spec, triggers);
    try {
      const jobs = (await this.o.client.listAll<JobObject>(GVR.jobs, { namespace, labelSelector: `${LABEL_SCALEDJOB_NAME}=${name}` })).items;
      const running = jobs.filter((j) => !finished(j));
      const pending = await this.countPending(sj, running);
      const decision = decideJobScale({ spec: sj.spec, metrics, running: running.length, pending });
      let created = 0;
      if (metrics.isActive && decision.create > 0) {
        for (let i = 0; i < decision.create; i++) {
          try {
            await this.o.client.create(GVR.jobs, this.jobFor(sj));
            created++;
          } catch (err) {
            this.event(sj, 'Warning', 'KEDAJobCreateFailed', `Failed to create job: ${(err as Error).message}`);
          }
        }
        if (created > 0) {
          this.event(sj, 'Normal', 'KEDAJobsCreated', `Created ${created} jobs`);
          this.o.log.info(
            { namespace, scaledJob: name, created, running: running.length, pending, reason: `${metrics.reason}; ${decision.reason}` },
            'jobs created',
          );
        }
      }
      await this.cleanupHistory(sj, jobs);
      await this.writePollStatus(sj, triggers, metrics.isActive, metrics.isError);
    } catch (err) {
      this.o.log.error({ namespace, scaledJob: name, error: (err as Error).message }, 'ScaledJob poll failed');
    }
  }

  /** Unfinished Jobs none of whose pods has started (or, with pendingPodConditions, has them all True). */
  private async countPending(sj: ScaledJob, running: JobObject[]): Promise<number> {
    if (running.length === 0) return 0;
    const pods = (
      await this.o.client.listAll<PodLike>(GVR.pods, { namespace: sj.metadata.namespace, labelSelector: `${LABEL_SCALEDJOB_NAME}=${sj.metadata.name}` })
    ).items;
    const byJob = new Map<string, PodLike[]>();
    for (const p of pods) {
      const job = p.metadata.labels?.['job-name'] ?? p.metadata.labels?.['batch.kubernetes.io/job-name'];
      if (job) byJob.set(job, [...(byJob.get(job) ?? []), p]);
    }
    const conds = sj.spec.scalingStrategy.pendingPodConditions;
    return running.filter((j) => {
      const ps = byJob.get(j.metadata.name) ?? [];
      if (conds?.length) return !ps.some((p) => conds.every((c) => p.status?.conditions?.some((x) => x.type === c && x.status === 'True')));
      return !ps.some((p) => p.status?.phase === 'Running' || p.status?.phase === 'Succeeded');
    }).length;
  }

  /** The Job KEDA creates (KEDA pkg/scaling/executor/scale_jobs.go): generateName, labels, annotations, the template, an owner reference. */
  jobFor(sj: ScaledJob): KubeObject {
    const { name, namespace } = sj.metadata;
    const spec = structuredClone(sj.spec.jobTargetRef) as { template?: { metadata?: { labels?: Record<string, string> }; spec?: { restartPolicy?: string } } };
    spec.template ??= {};
    spec.template.metadata = { ...spec.template.metadata, labels: { ...spec.template.metadata?.labels, [LABEL_SCALEDJOB_NAME]: name } };
    spec.template.spec ??= {};
    if (!spec.template.spec.restartPolicy) spec.template.spec.restartPolicy = 'OnFailure';
    const annotations = Object.fromEntries(Object.entries(sj.metadata.annotations).filter(([k]) => !EXCLUDED_ANNOTATIONS.has(k)));
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        generateName: `${name}-`,
        namespace,
        // KEDA's labels and the ScaledJob's, less those scaledjob.keda.sh/job-excluded-labels names (scaled-job-plan.ts).
        labels: jobLabels(sj, this.o.version),
        annotations: { ...annotations, [ANNOTATION_SCALEDJOB_GENERATION]: String(sj.metadata.generation ?? 0) },
        ownerReferences: [{ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledJob', name, uid: sj.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
      },
      spec,
    } as unknown as KubeObject;
  }

  private async cleanupOldGenerations(sj: ScaledJob, generation: number): Promise<void> {
    const jobs = (
      await this.o.client.listAll<JobObject>(GVR.jobs, { namespace: sj.metadata.namespace, labelSelector: `${LABEL_SCALEDJOB_NAME}=${sj.metadata.name}` })
    ).items;
    const old = jobs.filter((j) => j.metadata.annotations?.[ANNOTATION_SCALEDJOB_GENERATION] !== String(generation));
    if (old.length === 0) return;
    this.event(sj, 'Normal', 'ScaledJobRolloutCleanupStarted', `Started cleanup of ${old.length} jobs from previous generations`);
    const policy = sj.spec.rollout.propagationPolicy === 'foreground' ? 'Foreground' : 'Background';
    try {
      for (const j of old) await this.o.client.delete(GVR.jobs, sj.metadata.namespace, j.metadata.name, { propagationPolicy: policy });
      this.event(sj, 'Normal', 'ScaledJobRolloutCleanupCompleted', `Deleted ${old.length} jobs from previous generations`);
    } catch (err) {
      this.event(sj, 'Warning', 'ScaledJobRolloutCleanupFailed', `Cleanup of jobs from previous generations failed: ${(err as Error).message}`);
    }
  }

  /** Keep the newest successfulJobsHistoryLimit completed and failedJobsHistoryLimit failed Jobs. */
  private async cleanupHistory(sj: ScaledJob, jobs: JobObject[]): Promise<void> {
    const done = jobs.filter(finished);
    const byAge = (a: JobObject, b: JobObject) =>
      Date.parse(a.status?.completionTime ?? a.status?.startTime ?? a.metadata.creationTimestamp ?? '') -
      Date.parse(b.status?.completionTime ?? b.status?.startTime ?? b.metadata.creationTimestamp ?? '');
    const succeeded = done.filter((j) => !failed(j)).sort(byAge);
    const failures = done.filter(failed).sort(byAge);
    const extra = [
      ...succeeded.slice(0, Math.max(0, succeeded.length - sj.spec.successfulJobsHistoryLimit)),
      ...failures.slice(0, Math.max(0, failures.length - sj.spec.failedJobsHistoryLimit)),
    ];
    for (const j of extra)
      await this.o.client.delete(GVR.jobs, sj.metadata.namespace, j.metadata.name, { propagationPolicy: 'Background' }).catch(() => undefined);
  }

  private async writePollStatus(sj: ScaledJob, triggers: JobTriggerMetrics[], isActive: boolean, isError: boolean): Promise<void> {
    let before: boolean | undefined;
    const now = rfc3339Seconds(this.o.now?.() ?? Date.now());
    await this.patchStatus(sj, (s) => {
      before = getCondition(s.conditions, 'Active')?.status === 'True';
      let conditions = setCondition(
        s.conditions,
        isActive
          ? { type: 'Active', status: 'True', reason: 'ScalerActive', message: 'Scaling is performed because triggers are active' }
          : { type: 'Active', status: 'False', reason: 'ScalerNotActive', message: 'Scaling is not performed because triggers are not active' },
      );
      conditions = setCondition(
        conditions,
        !isError
          ? { type: 'Ready', status: 'True', reason: 'ScaledJobReady', message: 'ScaledJob is defined correctly and is ready to scaling' }
          : isActive
            ? { type: 'Ready', status: 'Unknown', reason: 'PartialTriggerError', message: 'Some triggers could not be read; scaling on the others' }
            : { type: 'Ready', status: 'False', reason: 'TriggerError', message: 'Triggers could not be read' },
      );
      return {
        ...s,
        conditions,
        ...(isActive ? { lastActiveTime: now } : {}),
        triggersActivity: Object.fromEntries(triggers.map((t) => [t.name, { isActive: t.active }])),
      };
    });
    if (before !== undefined && before !== isActive)
      this.event(sj, 'Normal', isActive ? 'ScaledJobActive' : 'ScaledJobInactive', isActive ? 'ScaledJob is active' : 'ScaledJob is inactive');
  }

  private async patchStatus(sj: ScaledJob, mutate: (s: SjStatus) => SjStatus): Promise<void> {
    await updateStatus<SjStatus, SjObject>(
      this.o.client,
      GVR.scaledJobs,
      { namespace: sj.metadata.namespace, name: sj.metadata.name },
      (s) => dropUndefined(mutate(s)),
      { fieldManager: FIELD_MANAGER },
    );
  }

  private event(sj: ScaledJob, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.o.events.event(
      { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledJob', metadata: { name: sj.metadata.name, namespace: sj.metadata.namespace, uid: sj.metadata.uid } },
      type,
      reason,
      message,
    );
  }
}
