// The ScaledObject reconciler (KEDA controllers/keda/scaledobject_controller.go), as a thin applier: it gathers the
// facts (the object, the target check, the scalers it builds), asks scaled-object-plan.ts what to do, and applies
// that — the HPA, one status write at most, the Events, the scale loop (runtime/ObjectRunner). One reconcile per key
// at a time (work-queue.ts). The loop's own status writes (after each poll) change only what a poll decides.
import { parseScaledObject } from '../api/parse.ts';
import { EventMessage, EventReason, SoCondition } from '../api/keda-reasons.ts';
import { FINALIZER, LABEL_SCALEDOBJECT_NAME, type Condition, type ScaledObject, type ScaledObjectStatus } from '../api/types.ts';
import { pausedReplicas } from '../api/pause.ts';
import type { PodSpecLike } from '../auth/container-env.ts';
import type { ObjectSource } from '../auth/object-source.ts';
import { GVR, isAlreadyExists, isNotFound, type KubeClient, type KubeObject } from '../kube/client.ts';
import type { ApiPriority } from '../kube/api-budget.ts';
import type { EventRecorder } from '../kube/events.ts';
import { dropUndefined, updateStatus } from '../kube/status.ts';
import { buildObjectScalers } from '../runtime/build-scalers.ts';
import { ObjectRunner, type PollReport, type ScalingMode } from '../runtime/object-runner.ts';
import type { ReadingsCache } from '../runtime/readings-cache.ts';
import type { Scheduler } from '../runtime/scheduler.ts';
import type { ScalerTelemetrySink } from '../scalers/common/scaler-telemetry.ts';
import type { PodWatcher, Scaler } from '../scalers/scaler.ts';
import type { OperatorMetrics } from '../servers/keda-metrics.ts';
import { KubeScaleTarget } from '../targets/kube-scale.ts';
import type { WorkloadWatch } from '../targets/workload-watch.ts';
import { getCondition, setCondition } from './conditions.ts';
import { hpaUpdateReasons, type HorizontalPodAutoscaler } from './hpa.ts';
import {
  lastActiveTimeToWrite,
  needsBuild,
  needsTarget,
  planScaledObject,
  runnerIdentity,
  type RunnerIdentity,
  type ScaledObjectFacts,
  type ScaledObjectPlan,
  type TargetFacts,
} from './scaled-object-plan.ts';

export interface Logger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface ControllerOptions {
  client: KubeClient;
  events: EventRecorder;
  scheduler: Scheduler;
  cache: ReadingsCache;
  source: ObjectSource;
  log: Logger;
  /** Default scaling mode when the object has no `updraft.dev/mode` annotation. */
  defaultMode: ScalingMode;
  /** Value of the generated HPA's app.kubernetes.io/version label. */
  version: string;
  clusterObjectNamespace?: string;
  /** The shared pod watches kubernetes-workload triggers count from. */
  podWatcher?: PodWatcher;
  /** Deployments and StatefulSets from one watch: target checks and polls read their replicas without a request. */
  workloads?: Pick<WorkloadWatch, 'get'>;
  /** Where the triggers' outbound HTTP requests and empty answers are counted (the operator's metrics). */
  scalerTelemetry?: ScalerTelemetrySink;
  /** Read the ScaledObject from the informer store (fresh annotations/status). */
  getCached(namespace: string, name: string): KubeObject | undefined;
  /**
   * The HPA as the synced watch holds it: `null` when the watch has listed and holds no such HPA, `undefined` when
   * the watch has not listed (ensureHpa then reads it with a GET; a stale copy costs a conflict and a retry, never a
   * lost change, the update being conditional on its resourceVersion). The reconcile's HPAActive comes from its
   * ScalingActive condition and is not written without it. Absent: ensureHpa always GETs, HPAActive is never written.
   */
  hpaFromCache?(namespace: string, name: string): KubeObject | null | undefined;
  /** Ask for another reconcile of `namespace/name` (the operator's work queue). */
  requeue?(key: string): void;
  /** Least time between two scaler refreshes after read errors (default 30 s). */
  refreshAfterErrorMs?: number;
  /** The operator's metrics (servers/keda-metrics.ts), fed after each poll. */
  metrics?: Pick<OperatorMetrics, 'scaledObjectPolled'>;
  now?: () => number;
}

interface RunnerEntry {
  runner: ObjectRunner;
  scalers: Scaler[];
  /** What the scalers were built for (generation, uid, mode, annotations). */
  identity: RunnerIdentity;
  /** Rebuild the scalers at the next reconcile: a TriggerAuthentication changed, or reads failed. */
  stale?: 'auth' | 'read-errors';
  refreshedAt: number;
}

const FIELD_MANAGER = 'updraft-operator';

/** How long a new loop's first poll may hold the reconcile's status write, so both go as one (apply). */
export const FIRST_POLL_WAIT_MS = 1000;

/** A status write queued and not started (queueStatus): the changes it will apply, in order. */
interface QueuedStatus {
  mutates: Array<(s: ScaledObjectStatus) => ScaledObjectStatus>;
  done: Promise<void>;
  priority?: ApiPriority;
  fallback?: SoObject;
  hold?: Promise<void>;
}

type SoObject = KubeObject & { spec?: unknown; status?: ScaledObjectStatus };

class CheckFailed extends Error {
  constructor(
    message: string,
    readonly eventMessage = message,
  ) {
    super(message);
  }
}

export class ScaledObjectController {
  private readonly runners = new Map<string, RunnerEntry>();
  /** Last read error per `namespace/name#trigger`, so a failure is reported when it starts or changes. */
  private readonly lastReadError = new Map<string, string>();
  /**
   * Per object, the resourceVersion of the last status write or read (the reconcile's or the scale loop's), and
   * until the watch delivers that version, the status it carried: the next write starts from it without a GET.
   */
  private readonly lastWritten = new Map<string, { rv: string; object?: SoObject }>();
  /** The last status write queued per object (serialStatus). */
  private readonly statusWrites = new Map<string, Promise<void>>();
  /** The scale loop's status write per object that is queued and not started yet, with the changes it will apply. */
  private readonly queuedStatus = new Map<string, QueuedStatus>();

  constructor(private readonly o: ControllerOptions) {}

  /** The running loop of a ScaledObject, for the external metrics API and `explain`. */
  runner(namespace: string, name: string): ObjectRunner | undefined {
    return this.runners.get(`${namespace}/${name}`)?.runner;
  }

  /**
   * Stop every loop. On a graceful stop (`flush`, while still leader), first write each object's exact
   * lastActiveTime where the stored one lags (it is refreshed only every lastActiveRefreshMs while active), so the
   * next leader's cooldown starts from the right time.
   */
  async stopAll(opts: { flush?: boolean } = {}): Promise<void> {
    if (opts.flush) {
      await Promise.allSettled(
        [...this.runners.values()].map(async (e) => {
          const last = e.runner.current.lastActiveTime;
          if (last === undefined) return;
          await this.patchStatus(e.runner.so, (s) => {
            const exact = lastActiveTimeToWrite(e.runner.so, s.lastActiveTime, last, false);
            return exact ? { ...s, lastActiveTime: exact } : s;
          });
        }),
      );
    }
    for (const key of [...this.runners.keys()]) await this.stopRunner(key);
    await this.closeStandby();
  }

  private readonly standby = new Map<string, Promise<{ runner: ObjectRunner; scalers: Scaler[]; generation: number } | undefined>>();

  /**
   * On a replica that is not the leader: a runner that is never started — it runs no loop and never scales — so
   * this replica can still answer the external metrics API from its own readings (one source read per
   * pollingInterval at most), and an HPA whose request the Service sends here is not refused.
   */
  async standbyRunner(namespace: string, name: string): Promise<ObjectRunner | undefined> {
    const key = `${namespace}/${name}`;
    const raw = this.o.getCached(namespace, name);
    const parsed = raw ? parseScaledObject(raw) : undefined;
    if (!parsed?.ok) return undefined;
    const so = parsed.value;
    const generation = so.metadata.generation ?? 0;
    const existing = await this.standby.get(key);
    if (existing && existing.generation === generation) return existing.runner;
    if (existing) await Promise.all(existing.scalers.map((s) => s.close().catch(() => undefined)));
    const building = (async () => {
      try {
        const resolved = await this.resolveTarget(so);
        const target = new KubeScaleTarget(this.o.client, resolved, resolved.kind, namespace, so.spec.scaleTargetRef.name, this.o.workloads);
        const workload = await this.o.client.get(resolved, namespace, so.spec.scaleTargetRef.name);
        const pod = (workload as { spec?: { template?: { spec?: PodSpecLike } } }).spec?.template?.spec;
        const built = await buildObjectScalers(so, {
          source: this.o.source,
          podSpec: pod,
          clusterObjectNamespace: this.o.clusterObjectNamespace,
          podWatcher: this.o.podWatcher,
          scalerTelemetry: this.o.scalerTelemetry,
        });
        if (!built.ok) return undefined;
        const runner = new ObjectRunner({ so, scalers: built.scalers, target, mode: 'hpa', scheduler: this.o.scheduler, cache: this.o.cache, now: this.o.now });
        return { runner, scalers: built.scalers, generation };
      } catch {
        return undefined;
      }
    })();
    this.standby.set(key, building);
    const entry = await building;
    if (!entry) this.standby.delete(key);
    return entry?.runner;
  }

  /** Drop the standby runners (on becoming leader, and on stop). */
  async closeStandby(): Promise<void> {
    const entries = await Promise.all([...this.standby.values()]);
    this.standby.clear();
    await Promise.all(entries.flatMap((e) => e?.scalers ?? []).map((s) => s.close().catch(() => undefined)));
  }

  /**
   * Reconcile one ScaledObject (key "namespace/name"): gather the facts (parse, target check, scalers), let
   * planScaledObject decide, apply the plan with one status write at most. Throws to be retried with backoff.
   */
  async reconcile(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const raw = this.o.getCached(namespace, name) as SoObject | undefined;
    if (!raw) {
      await this.stopRunner(key);
      return;
    }
    if (raw.metadata.deletionTimestamp) return this.finalize(key, raw);

    // Finalizer and the scaledobject.keda.sh/name label (KEDA ensureScaledObjectLabel), in one patch.
    const finalizers = raw.metadata.finalizers ?? [];
    const labels = raw.metadata.labels ?? {};
    if (!finalizers.includes(FINALIZER) || labels[LABEL_SCALEDOBJECT_NAME] !== name) {
      await this.o.client.mergePatch(
        GVR.scaledObjects,
        namespace,
        name,
        {
          metadata: {
            finalizers: [...finalizers.filter((f) => f !== FINALIZER), FINALIZER],
            labels: { [LABEL_SCALEDOBJECT_NAME]: name },
            resourceVersion: raw.metadata.resourceVersion,
          },
        },
        { fieldManager: FIELD_MANAGER },
      );
      return; // the update comes back through the watch and reconciles again
    }

    const { facts, scalers } = await this.gather(key, raw);
    const plan = planScaledObject(facts);
    try {
      await this.apply(key, raw, facts, plan, scalers);
    } catch (err) {
      if (scalers && plan.runner !== 'start') await Promise.allSettled(scalers.map((x) => x.close()));
      throw err;
    }
    // As KEDA (controller-runtime requeues a failed reconcile): retry with backoff, so a target created later or a
    // fixed TriggerAuthentication is picked up without touching the ScaledObject.
    if (plan.retry) throw new Error(`ScaledObject ${key} is not ready: ${plan.retry}`);
  }

  /** The facts planScaledObject needs, read from the cluster (only what the object's state calls for). */
  private async gather(key: string, raw: SoObject): Promise<{ facts: ScaledObjectFacts; scalers?: Scaler[] }> {
    const entry = this.runners.get(key);
    const runner = entry
      ? { builtFor: entry.identity, ...(entry.stale ? { stale: entry.stale } : {}), metricSpecs: entry.scalers.flatMap((x) => x.metricSpecs) }
      : {};
    const status = raw.status ?? {};
    // KEDA reads the HPA named in status.hpaName (pkg/scaling/executor/scale_scaledobjects.go getHPAHealth).
    const hpa = status.hpaName
      ? ((this.o.hpaFromCache?.(raw.metadata.namespace ?? '', status.hpaName) ?? undefined) as { status?: { conditions?: Condition[] } } | undefined)
      : undefined;
    const scalingActive = hpa?.status?.conditions?.find((c) => c.type === 'ScalingActive');
    const base = {
      status,
      runner,
      defaultMode: this.o.defaultMode,
      version: this.o.version,
      ...(scalingActive ? { hpaScalingActive: { status: scalingActive.status, reason: scalingActive.reason, message: scalingActive.message } } : {}),
    };
    const parsed = parseScaledObject(raw);
    if (!parsed.ok) {
      const message = parsed.problems
        .filter((p) => p.severity === 'error')
        .map((p) => `${p.path}: ${p.message}${p.fix ? ` (${p.fix})` : ''}`)
        .join('; ');
      return { facts: { ...base, parsed: { ok: false, message } } };
    }
    const so = parsed.value;
    const facts: ScaledObjectFacts = { ...base, parsed: { ok: true, so } };
    if (!needsTarget(so)) {
      const pr = pausedReplicas(so);
      if (pr && 'replicas' in pr) facts.pausedTargetReplicas = (await (await this.target(so)).get()).replicas;
      return { facts };
    }
    const checked = await this.checkTarget(so);
    facts.target = checked.target;
    if (!checked.target.ok || !needsBuild(so, runner, this.o.defaultMode)) return { facts };
    const built = await buildObjectScalers(so, {
      source: this.o.source,
      podSpec: checked.podSpec,
      clusterObjectNamespace: this.o.clusterObjectNamespace,
      podWatcher: this.o.podWatcher,
      scalerTelemetry: this.o.scalerTelemetry,
    });
    facts.build = built.ok
      ? { ok: true, scalerTypes: built.scalers.map((x) => x.type), metricSpecs: built.scalers.flatMap((x) => x.metricSpecs), warnings: built.warnings }
      : { ok: false, errors: built.errors, warnings: built.warnings };
    return { facts, ...(built.ok ? { scalers: built.scalers } : {}) };
  }

  /** Target check (KEDA: the target exists and exposes /scale). A missing kind or object is a finding, not a throw. */
  private async checkTarget(so: ScaledObject): Promise<{ target: TargetFacts; podSpec?: PodSpecLike }> {
    const { namespace } = so.metadata;
    const ref = so.spec.scaleTargetRef;
    let resolved: Awaited<ReturnType<KubeClient['resolveKind']>>;
    try {
      resolved = await this.resolveTarget(so);
    } catch (err) {
      if (err instanceof CheckFailed) return { target: { ok: false, message: err.message, eventMessage: err.eventMessage } };
      throw err;
    }
    // A Deployment or StatefulSet the operator's watch holds (both always expose /scale): no GET of it or of /scale,
    // as KEDA reads them from its informer cache. Any other kind, or one the watch has not seen yet, is read.
    const cached = this.o.workloads?.get(resolved, namespace, ref.name) ?? undefined;
    let workload: KubeObject;
    try {
      workload = cached ?? (await this.o.client.get(resolved, namespace, ref.name));
    } catch (err) {
      if (isNotFound(err))
        return {
          target: {
            ok: false,
            message: `ScaledObject doesn't have correct scaleTargetRef specification: ${resolved.kind} ${namespace}/${ref.name} not found`,
            eventMessage: EventMessage.targetMissing,
          },
        };
      throw err;
    }
    let scaleReplicas: number;
    try {
      scaleReplicas = cached ? (cached.spec.replicas ?? 1) : (await this.o.client.getScale(resolved, namespace, ref.name)).spec.replicas;
    } catch (err) {
      if (isNotFound(err))
        return {
          target: {
            ok: false,
            message: `${resolved.kind} ${namespace}/${ref.name} doesn't expose /scale subresource`,
            eventMessage: EventMessage.targetNoScale,
          },
        };
      throw err;
    }
    const podSpec = (workload as { spec?: { template?: { spec?: PodSpecLike } } }).spec?.template?.spec;
    return {
      target: { ok: true, gvkr: { group: resolved.group, version: resolved.version, kind: resolved.kind, resource: resolved.resource }, scaleReplicas },
      ...(podSpec ? { podSpec } : {}),
    };
  }

  /** Apply a plan: runner stop, paused-replicas write, HPA, the one status write, Events, runner start. */
  private async apply(key: string, raw: SoObject, facts: ScaledObjectFacts, plan: ScaledObjectPlan, scalers: Scaler[] | undefined): Promise<void> {
    const { namespace, name } = raw.metadata as { namespace: string; name: string };
    const so = facts.parsed.ok ? facts.parsed.so : undefined;
    if (plan.runner === 'stop') await this.stopRunner(key, false);
    if (plan.scaleTo !== undefined && so) await (await this.target(so)).set(plan.scaleTo);
    if (so && plan.hpa.action === 'ensure') await this.ensureHpa(so, plan.hpa.hpa, plan.hpa.deletePrevious);
    if (so && plan.hpa.action === 'delete') await this.deleteHpa(so, plan.hpa.name);
    // A new loop starts before the reconcile's status write, and that write waits (FIRST_POLL_WAIT_MS at most) for
    // the loop's first poll: the poll's status (Active, triggersActivity) joins it, so a new object costs one status
    // write, not two (KEDA's loop also starts before its reconcile writes Ready, controllers/keda/
    // scaledobject_controller.go reconcileScaledObject → requestScaleLoop, then the status update).
    const runner = plan.runner === 'start' && scalers && so && facts.target?.ok ? await this.newRunner(key, so, facts, scalers) : undefined;
    // From the watch's copy (or the scale loop's last write, when the watch has not delivered it yet): no GET; a
    // newer version on the server is a conflict, re-read and re-applied by updateStatus. Ahead of the scale
    // loops' status writes in the API budget: Ready is what a new object waits for.
    const written = this.queueStatus(key, (s) => plan.status(s), { priority: 'normal', fallback: raw, ...(runner ? { hold: runner.firstPoll } : {}) });
    const failed = (err: unknown) =>
      // KEDA controllers/keda/scaledobject_controller.go: a failed status write is a ScaledObjectUpdateFailed Event.
      this.o.events.event(this.eventTarget(raw), 'Warning', EventReason.ScaledObjectUpdateFailed, (err as Error).message);
    const afterWrite = () => {
      if (plan.warn) this.o.log.warn({ namespace, scaledObject: name, error: plan.warn }, 'ScaledObject check failed');
      for (const e of plan.events) this.o.events.event(this.eventTarget(raw), e.type, e.reason, e.message);
    };
    if (runner) {
      runner.runner.start();
      // The reconcile does not wait for its held write: its worker goes on to the next object (with 50 workers
      // each held up to FIRST_POLL_WAIT_MS, a start-up wave would reconcile 50 objects a second). A failed write is
      // reconciled again, and that reconcile's write (the loop kept, nothing held) is awaited and backs off.
      void written.then(afterWrite, (err: unknown) => {
        failed(err);
        this.o.log.warn({ namespace, scaledObject: name, error: (err as Error).message }, 'status write failed; reconciling again');
        this.o.requeue?.(key);
      });
      return;
    }
    try {
      await written;
    } catch (err) {
      failed(err);
      throw err;
    }
    afterWrite();
    if (plan.runner === 'keep' && facts.target?.ok) this.runners.get(key)?.runner.start();
  }

  /**
   * A loop for `so`, registered and not started (apply starts it); a previous loop of the key is stopped first.
   * `firstPoll` settles once its first poll (or failed replica read) has queued its status change, or after
   * FIRST_POLL_WAIT_MS.
   */
  private async newRunner(
    key: string,
    so: ScaledObject,
    facts: ScaledObjectFacts,
    scalers: Scaler[],
  ): Promise<{ runner: ObjectRunner; firstPoll: Promise<void> }> {
    await this.stopRunner(key, false); // the status the last write left stays the next write's base
    const { namespace } = so.metadata;
    const status = facts.status;
    const identity = runnerIdentity(so, this.o.defaultMode);
    const gvkr = (facts.target as Extract<TargetFacts, { ok: true }>).gvkr;
    const target = new KubeScaleTarget(this.o.client, gvkr, gvkr.kind, namespace, so.spec.scaleTargetRef.name, this.o.workloads);
    let polled!: () => void;
    const firstPoll = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FIRST_POLL_WAIT_MS);
      timer.unref?.();
      polled = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    const runner = new ObjectRunner({
      so,
      scalers,
      target,
      mode: identity.mode,
      scheduler: this.o.scheduler,
      cache: this.o.cache,
      now: this.o.now,
      lastActiveTime: status.lastActiveTime ? Date.parse(status.lastActiveTime) : undefined,
      health: status.health,
      hooks: {
        onPoll: (report) => {
          this.o.metrics?.scaledObjectPolled(so, scalers, report, identity.mode);
          // Not awaited: the poll's scheduler slot is free once it has decided (and scaled); its status write and
          // Events wait for the API server on their own (in order per object, coalesced: patchStatus), so a slow
          // API server delays status, never the next polls.
          void this.afterPoll(so, report).catch((err: unknown) =>
            this.o.log.error({ namespace: so.metadata.namespace, scaledObject: so.metadata.name, error: (err as Error).message }, 'status after poll failed'),
          );
          polled(); // after afterPoll has queued its change: the reconcile's held write may go now, with it
        },
        onTargetError: async (message) => {
          const written = this.onTargetError(so, message); // queues its change before the held write is let go
          polled();
          await written;
        },
      },
    });
    this.runners.set(key, { runner, scalers, identity, refreshedAt: this.o.now?.() ?? Date.now() });
    return { runner, firstPoll };
  }

  private async resolveTarget(so: ScaledObject) {
    const apiVersion = so.spec.scaleTargetRef.apiVersion || 'apps/v1';
    const kind = so.spec.scaleTargetRef.kind || 'Deployment';
    try {
      return await this.o.client.resolveKind(apiVersion, kind);
    } catch (err) {
      if (isNotFound(err))
        throw new CheckFailed(`ScaledObject doesn't have correct scaleTargetRef specification: ${(err as Error).message}`, EventMessage.targetMissing);
      throw err;
    }
  }

  private async target(so: ScaledObject): Promise<KubeScaleTarget> {
    const r = await this.resolveTarget(so);
    return new KubeScaleTarget(this.o.client, r, r.kind, so.metadata.namespace, so.spec.scaleTargetRef.name, this.o.workloads);
  }

  private async ensureHpa(so: ScaledObject, desired: HorizontalPodAutoscaler, previousName: string | undefined): Promise<void> {
    const ns = so.metadata.namespace;
    if (previousName && previousName !== desired.metadata.name) await this.deleteHpa(so, previousName);
    const cached = this.o.hpaFromCache?.(ns, desired.metadata.name);
    let found: HorizontalPodAutoscaler | undefined = cached === null ? undefined : (cached as (HorizontalPodAutoscaler & KubeObject) | undefined);
    if (cached === undefined) {
      try {
        found = await this.o.client.get<HorizontalPodAutoscaler & KubeObject>(GVR.hpas, ns, desired.metadata.name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (!found) {
      try {
        await this.o.client.create(GVR.hpas, desired as HorizontalPodAutoscaler & KubeObject, { fieldManager: FIELD_MANAGER });
        this.o.log.info({ namespace: ns, scaledObject: so.metadata.name, hpa: desired.metadata.name }, 'created HPA');
        return;
      } catch (err) {
        // The watch had not delivered it yet (created by the reconcile just before): compare with the server's.
        if (cached === undefined || !isAlreadyExists(err)) throw err;
        found = await this.o.client.get<HorizontalPodAutoscaler & KubeObject>(GVR.hpas, ns, desired.metadata.name);
      }
    }
    const reasons = hpaUpdateReasons(desired, found);
    if (reasons.length === 0) return;
    const updated = { ...desired, metadata: { ...desired.metadata, resourceVersion: found.metadata.resourceVersion } };
    await this.o.client.update(GVR.hpas, updated as HorizontalPodAutoscaler & KubeObject, { fieldManager: FIELD_MANAGER });
    this.o.log.info({ namespace: ns, scaledObject: so.metadata.name, hpa: desired.metadata.name, reasons }, 'updated HPA');
  }

  private async deleteHpa(so: ScaledObject, name: string | undefined): Promise<void> {
    if (!name) return;
    await this.o.client.delete(GVR.hpas, so.metadata.namespace, name);
  }

  private async finalize(key: string, raw: SoObject): Promise<void> {
    const { namespace, name } = raw.metadata as { namespace: string; name: string };
    const hadLoop = this.runners.has(key);
    await this.stopRunner(key);
    const parsed = parseScaledObject(raw);
    const status = raw.status ?? {};
    if (parsed.ok && parsed.value.spec.advanced.restoreToOriginalReplicaCount && status.scaleTargetGVKR && status.originalReplicaCount !== undefined) {
      const g = status.scaleTargetGVKR;
      try {
        await this.o.client.patchScale(
          { group: g.group, version: g.version, resource: g.resource },
          namespace,
          parsed.value.spec.scaleTargetRef.name,
          status.originalReplicaCount,
        );
      } catch (err) {
        // KEDA only logs this: a deleted target must not block the ScaledObject's deletion.
        this.o.log.warn({ namespace, scaledObject: name, err: (err as Error).message }, 'failed to restore the original replica count');
      }
    }
    const finalizers = raw.metadata.finalizers ?? [];
    if (finalizers.includes(FINALIZER)) {
      await this.o.client.mergePatch(
        GVR.scaledObjects,
        namespace,
        name,
        { metadata: { finalizers: finalizers.filter((f) => f !== FINALIZER), resourceVersion: raw.metadata.resourceVersion } },
        { fieldManager: FIELD_MANAGER },
      );
      if (hadLoop) this.o.events.event(this.eventTarget(raw), 'Normal', EventReason.KEDAScalersStopped, EventMessage.scalersStopped);
      this.o.events.event(this.eventTarget(raw), 'Warning', EventReason.ScaledObjectDeleted, EventMessage.scaledObjectDeleted);
    }
  }

  /** Stop the loop of `key`; `forget` also drops what its last status write was (the object is gone or not ours). */
  private async stopRunner(key: string, forget = true): Promise<void> {
    if (forget) this.lastWritten.delete(key);
    const e = this.runners.get(key);
    if (!e) return;
    this.runners.delete(key);
    e.runner.stop();
    await Promise.allSettled(e.scalers.map((s) => s.close()));
  }

  /** Status and Events after one scale-loop iteration (KEDA pkg/scaling/scale_handler.go, executor/scale_scaledobjects.go). */
  private async afterPoll(so: ScaledObject, report: PollReport): Promise<void> {
    this.onReadErrors(so, report);
    const d = report.poll.decision;
    const fallbackNow = report.poll.fallbackActive;
    let fallbackBefore = false;
    const now = this.o.now?.() ?? Date.now();
    await this.patchStatus(so, (s) => {
      fallbackBefore = getCondition(s.conditions, 'Fallback')?.status === 'True';
      let conditions = s.conditions;
      for (const c of d.conditions) conditions = setCondition(conditions, c);
      if (so.spec.fallback) {
        conditions = setCondition(conditions, fallbackNow ? SoCondition.fallbackActive : SoCondition.noFallback);
      }
      const next: ScaledObjectStatus = {
        ...s,
        conditions,
        triggersActivity: Object.fromEntries(
          Object.entries(report.poll.activity.triggersActivity)
            .filter(([n]) => n !== 'cpu' && n !== 'memory')
            .map(([n, a]) => [n, { isActive: a }]),
        ),
      };
      // Written when activity starts or ends and every lastActiveRefreshMs while it lasts, not on every poll.
      const lastActive = lastActiveTimeToWrite(
        so,
        s.lastActiveTime,
        report.scaleError ? undefined : report.poll.state.lastActiveTime,
        report.poll.activity.isActive,
      );
      if (lastActive) next.lastActiveTime = lastActive;
      if (so.spec.fallback) next.health = report.poll.state.health;
      // The last replica write and the engine's reason, for `updraft explain` (only when replicas were written).
      if (report.scaled && !report.scaleError) {
        const hpaWhy = report.hpa?.changed ? report.hpa.reason : undefined;
        const activated = d.replicas !== undefined && d.replicas !== report.counts.replicas;
        const why = activated ? `${d.reason}${hpaWhy ? `; then ${hpaWhy}` : ''}` : (hpaWhy ?? d.reason);
        next.conditions = setCondition(next.conditions, SoCondition.lastScale(report.scaled.from, report.scaled.to, report.at, why));
      }
      return next;
    });
    if (fallbackNow !== fallbackBefore) {
      this.event(
        so,
        fallbackNow ? 'Warning' : 'Normal',
        fallbackNow ? EventReason.ScaledObjectFallbackActivated : EventReason.ScaledObjectFallbackDeactivated,
        fallbackNow ? EventMessage.fallbackActivated : EventMessage.fallbackDeactivated,
      );
    }
    if (report.scaleError) {
      const reason = d.action === 'deactivate' ? EventReason.KEDAScaleTargetDeactivationFailed : EventReason.KEDAScaleTargetActivationFailed;
      this.event(so, 'Warning', reason, report.scaleError);
      this.o.log.error({ namespace: so.metadata.namespace, scaledObject: so.metadata.name, error: report.scaleError }, 'scaling failed');
    } else if (report.scaled) {
      // The Event names what was written: in direct mode one write can take 0→5 (activation and the HPA maths).
      if (d.event && (d.action === 'activate' || d.action === 'deactivate')) {
        this.event(so, d.event.type, d.event.reason, d.event.message.replace(/ from \d+ to \d+/, ` from ${report.scaled.from} to ${report.scaled.to}`));
      }
      const why = report.hpa && report.hpa.changed ? report.hpa.reason : d.reason;
      this.o.log.info(
        {
          namespace: so.metadata.namespace,
          scaledObject: so.metadata.name,
          from: report.scaled.from,
          to: report.scaled.to,
          reason: why,
          at: new Date(now).toISOString(),
        },
        'scaled',
      );
    }
  }

  /**
   * Rebuild this object's scalers at its next reconcile (credentials and parameters are resolved again). Returns
   * false when no scale loop runs for it.
   */
  invalidate(key: string): boolean {
    const entry = this.runners.get(key);
    if (!entry) return false;
    entry.stale = 'auth';
    return true;
  }

  /**
   * Failed reads: a Warning Event per trigger (KEDA's KEDAScalerFailed; repeats are folded by the recorder), and,
   * as KEDA refreshes a scaler after an error, a rebuild — so a rotated Secret or a fixed TriggerAuthentication
   * takes effect — at most once per refreshAfterErrorMs.
   */
  private onReadErrors(so: ScaledObject, report: PollReport): void {
    const key = `${so.metadata.namespace}/${so.metadata.name}`;
    // One log line and one Event per change of a trigger's error (not one per poll), and one when it recovers.
    report.readings.forEach((r, i) => {
      if (!r) return;
      const errKey = `${key}#${i}`;
      const before = this.lastReadError.get(errKey);
      const type = so.spec.triggers[i]?.type ?? 'unknown';
      if (r.error && r.error !== before) {
        this.lastReadError.set(errKey, r.error);
        // KEDA pkg/scaling/scale_handler.go: with scalingModifiers the trigger is a formula's metric source.
        const reason = so.spec.advanced.scalingModifiers?.formula ? EventReason.KEDAMetricSourceFailed : EventReason.KEDAScalerFailed;
        this.event(so, 'Warning', reason, EventMessage.triggerFailed(i, type, r.error));
        this.o.log.warn({ namespace: so.metadata.namespace, scaledObject: so.metadata.name, trigger: i, type, error: r.error }, 'trigger read failed');
      } else if (!r.error && before !== undefined) {
        this.lastReadError.delete(errKey);
        this.o.log.info({ namespace: so.metadata.namespace, scaledObject: so.metadata.name, trigger: i, type }, 'trigger read recovered');
      }
    });
    if (!report.readings.some((r) => r?.error)) return;
    const entry = this.runners.get(key);
    const now = this.o.now?.() ?? Date.now();
    if (entry && !entry.stale && this.o.requeue && now - entry.refreshedAt >= (this.o.refreshAfterErrorMs ?? 30_000)) {
      entry.stale = 'read-errors';
      this.o.requeue(key);
    }
  }

  private async onTargetError(so: ScaledObject, message: string): Promise<void> {
    await this.patchStatus(so, (s) => ({ ...s, conditions: setCondition(s.conditions, SoCondition.errorGettingReplicas(message)) }));
    this.o.log.warn({ namespace: so.metadata.namespace, scaledObject: so.metadata.name, error: message }, 'cannot read replicas');
  }

  /** The scale loop's status write (queueStatus, at the status priority). */
  private patchStatus(so: ScaledObject, mutate: (s: ScaledObjectStatus) => ScaledObjectStatus): Promise<void> {
    return this.queueStatus(`${so.metadata.namespace}/${so.metadata.name}`, mutate);
  }

  /**
   * A status write of `key`, queued behind the object's other status writes (serialStatus) and coalesced with the
   * ones queued and not started: one write for every change that arrived while the API server was slow, each
   * applied in order. It starts from statusBase: the informer's copy when it carries our last write (or we never
   * wrote), else that write's answer; else the informer's copy as it is (a newer version written by someone else),
   * else `fallback` (the reconcile's copy), else a fresh read, so a steady poll costs no GET. The write is conditional on the resourceVersion either way, so a stale base can only cost a
   * conflict and a re-read, never a lost change. `hold`: the write does not start before it settles (changes keep
   * joining it meanwhile); `priority`: the reconcile's writes go ahead of the loops' in the API budget.
   */
  private queueStatus(
    key: string,
    mutate: (s: ScaledObjectStatus) => ScaledObjectStatus,
    opts: { priority?: ApiPriority; fallback?: SoObject; hold?: Promise<void> } = {},
  ): Promise<void> {
    const queued = this.queuedStatus.get(key);
    if (queued) {
      queued.mutates.push(mutate);
      if (opts.priority) queued.priority = opts.priority;
      if (opts.fallback) queued.fallback = opts.fallback;
      return queued.done;
    }
    const entry: QueuedStatus = { mutates: [mutate], done: Promise.resolve(), ...opts };
    const [namespace, name] = key.split('/');
    entry.done = this.serialStatus(key, async () => {
      if (entry.hold) await entry.hold;
      this.queuedStatus.delete(key);
      const cached = this.o.getCached(namespace, name) as SoObject | undefined;
      const current = this.statusBase(key, cached) ?? cached ?? entry.fallback;
      const all = (s: ScaledObjectStatus) => entry.mutates.reduce((acc, m) => dropUndefined(m(acc)), s);
      const r = await updateStatus<ScaledObjectStatus, SoObject>(this.o.client, GVR.scaledObjects, { namespace, name }, all, {
        fieldManager: FIELD_MANAGER,
        ...(current ? { current } : {}),
        ...(entry.priority ? { priority: entry.priority } : {}),
      });
      // The version this write (or the read before it) saw: once the informer's copy carries it again, writes start
      // from that copy. Only after our own writes, a status write elsewhere (another client's) would have made every
      // later write GET the object until the loop's next change.
      this.remember(key, r.object, r.object !== cached);
    });
    this.queuedStatus.set(key, entry);
    return entry.done;
  }

  /**
   * One status write of an object at a time (the reconcile's and the scale loop's), each starting from the one
   * before: two writers never race each other into a conflict and a re-read.
   */
  private serialStatus(key: string, write: () => Promise<void>): Promise<void> {
    const before = this.statusWrites.get(key) ?? Promise.resolve();
    const mine = before.then(write, write);
    const tail = mine.catch(() => undefined);
    this.statusWrites.set(key, tail);
    void tail.then(() => {
      if (this.statusWrites.get(key) === tail) this.statusWrites.delete(key);
    });
    return mine;
  }

  /**
   * Where a status write of `key` starts: the watch's copy when it carries our last write (or we never wrote);
   * else what our last write returned, while the watch has not delivered it (a newer write by someone else is then
   * a conflict and a re-read); else undefined: the watch's copy is of another version than ours, so read first.
   */
  private statusBase(key: string, cached: SoObject | undefined): SoObject | undefined {
    const last = this.lastWritten.get(key);
    if (cached && (last === undefined || cached.metadata.resourceVersion === last.rv)) {
      if (last) last.object = undefined; // the watch has caught up: its copy is the one to start from
      return cached;
    }
    return last?.object;
  }

  /**
   * The watch delivered `obj`: once it carries our last write's version, that write's status copy is dropped (the
   * watch's copy is the next write's base), so an object that writes rarely does not hold its status twice.
   */
  observed(obj: KubeObject): void {
    const last = this.lastWritten.get(`${obj.metadata.namespace}/${obj.metadata.name}`);
    if (last?.object && last.rv === obj.metadata.resourceVersion) last.object = undefined;
  }

  /** Record the version (and, until the watch has it, the status) of a status write or read of `key`. */
  private remember(key: string, obj: SoObject, keepStatus = true): void {
    const rv = obj.metadata.resourceVersion;
    if (!rv) return;
    const m = obj.metadata;
    this.lastWritten.set(key, {
      rv,
      ...(keepStatus
        ? {
            object: {
              apiVersion: obj.apiVersion,
              kind: obj.kind,
              metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: rv },
              status: obj.status,
            },
          }
        : {}),
    });
  }

  private event(so: ScaledObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.o.events.event(
      { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: so.metadata.name, namespace: so.metadata.namespace, uid: so.metadata.uid } },
      type,
      reason,
      message,
    );
  }

  private eventTarget(raw: SoObject) {
    return {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: raw.metadata.name, namespace: raw.metadata.namespace, uid: raw.metadata.uid },
    };
  }
}

export type { Condition };
