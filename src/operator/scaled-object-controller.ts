// The ScaledObject reconciler (keda-spec §1.4–§1.7, §2.2): finalizer, label, pause handling, target check,
// validation, scalers, the generated HPA (hpa mode) and the scale loop (runtime/ObjectRunner), with status
// conditions and Events as KEDA writes them. One reconcile per key at a time (work-queue.ts).
import { parseScaledObject } from '../api/parse.ts';
import {
  ANNOTATION_UPDRAFT_MODE,
  FINALIZER,
  LABEL_SCALEDOBJECT_NAME,
  type Condition,
  type ScaledObject,
  type ScaledObjectStatus,
} from '../api/types.ts';
import { gvkString, isPaused, isPausedScaleIn, isPausedScaleOut, pausedReplicas, validateScaledObject } from '../api/validate.ts';
import type { PodSpecLike } from '../auth/container-env.ts';
import type { ObjectSource } from '../auth/object-source.ts';
import { GVR, isNotFound, type KubeClient, type KubeObject } from '../kube/client.ts';
import type { EventRecorder } from '../kube/events.ts';
import { updateStatus } from '../kube/status.ts';
import { buildObjectScalers } from '../runtime/build-scalers.ts';
import { ObjectRunner, type PollReport, type ScalingMode } from '../runtime/object-runner.ts';
import type { ReadingsCache } from '../runtime/readings-cache.ts';
import type { Scheduler } from '../runtime/scheduler.ts';
import type { Scaler } from '../scalers/scaler.ts';
import { KubeScaleTarget } from '../targets/kube-scale.ts';
import { getCondition, setCondition, withInitialConditions } from './conditions.ts';
import { buildHpa, hpaUpdateReasons, type HorizontalPodAutoscaler } from './hpa.ts';

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
  /** Read the ScaledObject from the informer store (fresh annotations/status). */
  getCached(namespace: string, name: string): KubeObject | undefined;
  /** Ask for another reconcile of `namespace/name` (the operator's work queue). */
  requeue?(key: string): void;
  /** Least time between two scaler refreshes after read errors (default 30 s). */
  refreshAfterErrorMs?: number;
  now?: () => number;
}

interface RunnerEntry {
  runner: ObjectRunner;
  scalers: Scaler[];
  generation: number;
  uid: string;
  mode: ScalingMode;
  annotationsKey: string;
  /** Rebuild the scalers at the next reconcile (a TriggerAuthentication changed, or reads failed). */
  stale?: boolean;
  refreshedAt: number;
}

const FIELD_MANAGER = 'updraft-operator';

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

  constructor(private readonly o: ControllerOptions) {}

  /** The running loop of a ScaledObject, for the external metrics API and `explain`. */
  runner(namespace: string, name: string): ObjectRunner | undefined {
    return this.runners.get(`${namespace}/${name}`)?.runner;
  }

  async stopAll(): Promise<void> {
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
        const target = new KubeScaleTarget(this.o.client, resolved, resolved.kind, namespace, so.spec.scaleTargetRef.name);
        const workload = await this.o.client.get(resolved, namespace, so.spec.scaleTargetRef.name);
        const pod = (workload as { spec?: { template?: { spec?: PodSpecLike } } }).spec?.template?.spec;
        const built = await buildObjectScalers(so, { source: this.o.source, podSpec: pod, clusterObjectNamespace: this.o.clusterObjectNamespace });
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

  /** Reconcile one ScaledObject (key "namespace/name"). Throws to be retried with backoff. */
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
      await this.o.client.mergePatch(GVR.scaledObjects, namespace, name, {
        metadata: { finalizers: [...finalizers.filter((f) => f !== FINALIZER), FINALIZER], labels: { [LABEL_SCALEDOBJECT_NAME]: name }, resourceVersion: raw.metadata.resourceVersion },
      }, { fieldManager: FIELD_MANAGER });
      return; // the update comes back through the watch and reconciles again
    }

    const parsed = parseScaledObject(raw);
    if (!parsed.ok) {
      const msg = parsed.problems.filter((p) => p.severity === 'error').map((p) => `${p.path}: ${p.message}${p.fix ? ` (${p.fix})` : ''}`).join('; ');
      await this.stopRunner(key);
      await this.checkFailed(raw, `ScaledObject doesn't have correct spec: ${msg}`);
      return;
    }
    const so = parsed.value;
    const status = raw.status ?? {};
    if (!status.conditions || withInitialConditions(status.conditions).length !== status.conditions.length) {
      await this.patchStatus(so, (s) => ({ ...s, conditions: withInitialConditions(s.conditions) }));
    }

    // Pause (keda-spec §2.2 step 4).
    const paused = isPaused(so);
    const pr = pausedReplicas(so);
    if (paused || pr) {
      await this.stopRunner(key);
      await this.deleteHpa(so, status.hpaName);
      if (pr && 'error' in pr) throw new CheckFailed(pr.error);
      let target: KubeScaleTarget | undefined;
      if (pr && 'replicas' in pr) {
        target = await this.target(so);
        const counts = await target.get();
        if (counts.replicas !== pr.replicas) await target.set(pr.replicas);
      }
      const wasPaused = getCondition(status.conditions, 'Paused')?.status === 'True';
      await this.patchStatus(so, (s) => ({
        ...s,
        conditions: setCondition(setCondition(s.conditions, { type: 'Paused', status: 'True', reason: 'ScaledObjectPaused', message: 'ScaledObject is paused' }), { type: 'Ready', status: 'True', reason: 'ScaledObjectReady', message: 'ScaledObject is paused' }),
        pausedReplicaCount: pr && 'replicas' in pr ? pr.replicas : undefined,
      }));
      if (!wasPaused) this.event(so, 'Normal', 'ScaledObjectPaused', 'ScaledObject is paused');
      return;
    }
    const pausedCondition = getCondition(status.conditions, 'Paused');
    if (isPausedScaleIn(so) || isPausedScaleOut(so)) {
      if (pausedCondition?.status !== 'True') {
        await this.patchStatus(so, (s) => ({ ...s, conditions: setCondition(s.conditions, { type: 'Paused', status: 'True', reason: 'ScaledObjectPaused', message: 'ScaledObject is paused' }) }));
        this.event(so, 'Normal', 'ScaledObjectPaused', 'ScaledObject is paused');
      }
    } else if (pausedCondition?.status === 'True') {
      await this.patchStatus(so, (s) => ({ ...s, pausedReplicaCount: undefined, conditions: setCondition(s.conditions, { type: 'Paused', status: 'False', reason: 'ScaledObjectUnpaused', message: 'pause annotation removed for ScaledObject' }) }));
      this.event(so, 'Normal', 'ScaledObjectUnpaused', 'pause annotation removed for ScaledObject');
    }

    try {
      await this.reconcileActive(key, so, raw);
    } catch (err) {
      if (err instanceof CheckFailed) {
        await this.stopRunner(key);
        await this.checkFailed(raw, err.message, err.eventMessage);
        // As KEDA (controller-runtime requeues a failed reconcile): retry with backoff, so a target created later
        // or a fixed TriggerAuthentication is picked up without touching the ScaledObject.
        throw new Error(`ScaledObject ${key} is not ready: ${err.message}`);
      }
      throw err;
    }
  }

  private async reconcileActive(key: string, so: ScaledObject, raw: SoObject): Promise<void> {
    const { namespace } = so.metadata;
    const status = raw.status ?? {};
    // Target: exists and exposes /scale (keda-spec §2.2 step 7).
    const resolved = await this.resolveTarget(so);
    let workload: KubeObject;
    try {
      workload = await this.o.client.get(resolved, namespace, so.spec.scaleTargetRef.name);
    } catch (err) {
      if (isNotFound(err)) throw new CheckFailed(`ScaledObject doesn't have correct scaleTargetRef specification: ${resolved.kind} ${namespace}/${so.spec.scaleTargetRef.name} not found`, 'Target resource doesn\'t exist');
      throw err;
    }
    let scaleReplicas: number;
    try {
      scaleReplicas = (await this.o.client.getScale(resolved, namespace, so.spec.scaleTargetRef.name)).spec.replicas;
    } catch (err) {
      if (isNotFound(err)) throw new CheckFailed(`${resolved.kind} ${namespace}/${so.spec.scaleTargetRef.name} doesn't expose /scale subresource`, 'Target resource doesn\'t expose /scale subresource');
      throw err;
    }
    const gvk = { group: resolved.group, version: resolved.version, kind: resolved.kind, resource: resolved.resource };

    const problems = validateScaledObject(so).filter((p) => p.severity === 'error');
    if (problems.length > 0) throw new CheckFailed(problems.map((p) => `${p.path}: ${p.message}`).join('; '));

    // Scalers: rebuilt when the spec generation, the annotations or the mode change.
    const mode: ScalingMode = so.metadata.annotations[ANNOTATION_UPDRAFT_MODE] === 'direct' ? 'direct' : so.metadata.annotations[ANNOTATION_UPDRAFT_MODE] === 'hpa' ? 'hpa' : this.o.defaultMode;
    const generation = so.metadata.generation ?? 0;
    const annotationsKey = JSON.stringify(so.metadata.annotations);
    let entry = this.runners.get(key);
    if (!entry || entry.stale || entry.generation !== generation || entry.uid !== so.metadata.uid || entry.mode !== mode || entry.annotationsKey !== annotationsKey) {
      await this.stopRunner(key);
      const pod = (workload as { spec?: { template?: { spec?: PodSpecLike } } }).spec?.template?.spec;
      const built = await buildObjectScalers(so, { source: this.o.source, podSpec: pod, clusterObjectNamespace: this.o.clusterObjectNamespace });
      for (const w of built.warnings) this.event(so, 'Normal', 'KEDAScalerInfo', w);
      if (!built.ok) {
        for (const e of built.errors) this.event(so, 'Warning', 'KEDAScalerFailed', `trigger ${e.triggerIndex} (${e.type}): ${e.message}`);
        throw new CheckFailed(`error building scalers: ${built.errors.map((e) => `trigger ${e.triggerIndex} (${e.type}): ${e.message}`).join('; ')}`);
      }
      const target = new KubeScaleTarget(this.o.client, resolved, resolved.kind, namespace, so.spec.scaleTargetRef.name);
      const runner = new ObjectRunner({
        so,
        scalers: built.scalers,
        target,
        mode,
        scheduler: this.o.scheduler,
        cache: this.o.cache,
        now: this.o.now,
        lastActiveTime: status.lastActiveTime ? Date.parse(status.lastActiveTime) : undefined,
        health: status.health,
        hooks: {
          onPoll: (report) => this.afterPoll(so, report),
          onTargetError: (message) => this.onTargetError(so, message),
        },
      });
      entry = { runner, scalers: built.scalers, generation, uid: so.metadata.uid ?? '', mode, annotationsKey, refreshedAt: this.o.now?.() ?? Date.now() };
      this.runners.set(key, entry);
      for (const s of built.scalers) this.event(so, 'Normal', 'KEDAScalersStarted', `Scaler ${s.type} is built`);
    }

    // The generated HPA (hpa mode) or none (direct mode: no HPA and no APIService needed).
    const metricSpecs = entry.scalers.flatMap((s) => s.metricSpecs);
    const built = buildHpa({ scaledObject: so, gvkr: gvk, metricSpecs, version: this.o.version });
    if (mode === 'hpa') await this.ensureHpa(so, built.hpa, status.hpaName);
    else await this.deleteHpa(so, status.hpaName);

    const wasReady = getCondition(status.conditions, 'Ready')?.status === 'True';
    await this.patchStatus(so, (s) => {
      const next: ScaledObjectStatus = {
        ...s,
        scaleTargetKind: gvkString(gvk),
        scaleTargetGVKR: gvk,
        originalReplicaCount: s.originalReplicaCount ?? scaleReplicas,
        externalMetricNames: built.externalMetricNames,
        resourceMetricNames: built.resourceMetricNames.length ? built.resourceMetricNames : undefined,
        compositeScalerName: built.compositeScalerName,
        hpaName: mode === 'hpa' ? built.hpa.metadata.name : undefined,
        triggersTypes: [...new Set(so.spec.triggers.map((t) => t.type))].join(','),
        authenticationsTypes: [...new Set(so.spec.triggers.map((t) => t.authenticationRef?.name).filter((n): n is string => !!n))].join(',') || undefined,
        conditions: setCondition(s.conditions, { type: 'Ready', status: 'True', reason: 'ScaledObjectReady', message: 'ScaledObject is defined correctly and is ready for scaling' }),
      };
      if (!so.spec.fallback) next.conditions = setCondition(next.conditions, { type: 'Fallback', status: 'False', reason: 'NoFallbackFound', message: 'No fallbacks are active on this scaled object' });
      return next;
    });
    if (!wasReady) this.event(so, 'Normal', 'ScaledObjectReady', 'ScaledObject is ready for scaling');
    entry.runner.start();
  }

  private async resolveTarget(so: ScaledObject) {
    const apiVersion = so.spec.scaleTargetRef.apiVersion || 'apps/v1';
    const kind = so.spec.scaleTargetRef.kind || 'Deployment';
    try {
      return await this.o.client.resolveKind(apiVersion, kind);
    } catch (err) {
      if (isNotFound(err)) throw new CheckFailed(`ScaledObject doesn't have correct scaleTargetRef specification: ${(err as Error).message}`, 'Target resource doesn\'t exist');
      throw err;
    }
  }

  private async target(so: ScaledObject): Promise<KubeScaleTarget> {
    const r = await this.resolveTarget(so);
    return new KubeScaleTarget(this.o.client, r, r.kind, so.metadata.namespace, so.spec.scaleTargetRef.name);
  }

  private async ensureHpa(so: ScaledObject, desired: HorizontalPodAutoscaler, previousName: string | undefined): Promise<void> {
    const ns = so.metadata.namespace;
    if (previousName && previousName !== desired.metadata.name) await this.deleteHpa(so, previousName);
    let found: HorizontalPodAutoscaler | undefined;
    try {
      found = await this.o.client.get<HorizontalPodAutoscaler & KubeObject>(GVR.hpas, ns, desired.metadata.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!found) {
      await this.o.client.create(GVR.hpas, desired as HorizontalPodAutoscaler & KubeObject, { fieldManager: FIELD_MANAGER });
      this.o.log.info({ namespace: ns, scaledObject: so.metadata.name, hpa: desired.metadata.name }, 'created HPA');
      return;
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
    await this.stopRunner(key);
    const parsed = parseScaledObject(raw);
    const status = raw.status ?? {};
    if (parsed.ok && parsed.value.spec.advanced.restoreToOriginalReplicaCount && status.scaleTargetGVKR && status.originalReplicaCount !== undefined) {
      const g = status.scaleTargetGVKR;
      try {
        await this.o.client.patchScale({ group: g.group, version: g.version, resource: g.resource }, namespace, parsed.value.spec.scaleTargetRef.name, status.originalReplicaCount);
      } catch (err) {
        // KEDA only logs this: a deleted target must not block the ScaledObject's deletion.
        this.o.log.warn({ namespace, scaledObject: name, err: (err as Error).message }, 'failed to restore the original replica count');
      }
    }
    const finalizers = raw.metadata.finalizers ?? [];
    if (finalizers.includes(FINALIZER)) {
      await this.o.client.mergePatch(GVR.scaledObjects, namespace, name, { metadata: { finalizers: finalizers.filter((f) => f !== FINALIZER), resourceVersion: raw.metadata.resourceVersion } }, { fieldManager: FIELD_MANAGER });
      this.o.events.event(this.eventTarget(raw), 'Warning', 'ScaledObjectDeleted', 'ScaledObject was deleted');
    }
  }

  private async stopRunner(key: string): Promise<void> {
    const e = this.runners.get(key);
    if (!e) return;
    this.runners.delete(key);
    e.runner.stop();
    await Promise.allSettled(e.scalers.map((s) => s.close()));
  }

  private async checkFailed(raw: SoObject, message: string, eventMessage = message): Promise<void> {
    const { namespace, name } = raw.metadata as { namespace: string; name: string };
    this.o.log.warn({ namespace, scaledObject: name, error: message }, 'ScaledObject check failed');
    await updateStatus<ScaledObjectStatus, SoObject>(this.o.client, GVR.scaledObjects, { namespace, name }, (s) => ({
      ...s,
      conditions: setCondition(setCondition(s.conditions, { type: 'Ready', status: 'False', reason: 'ScaledObjectCheckFailed', message }), { type: 'Active', status: 'Unknown', reason: 'UnknownState', message: 'ScaledObject check failed' }),
    }), { fieldManager: FIELD_MANAGER });
    this.o.events.event(this.eventTarget(raw), 'Warning', 'ScaledObjectCheckFailed', eventMessage);
  }

  /** Status and Events after one scale-loop iteration (keda-spec §2.3 step 4). */
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
        conditions = setCondition(conditions, fallbackNow
          ? { type: 'Fallback', status: 'True', reason: 'FallbackExists', message: 'At least one trigger is falling back on this scaled object' }
          : { type: 'Fallback', status: 'False', reason: 'NoFallbackFound', message: 'No fallbacks are active on this scaled object' });
      }
      const next: ScaledObjectStatus = { ...s, conditions, triggersActivity: Object.fromEntries(Object.entries(report.poll.activity.triggersActivity).filter(([n]) => n !== 'cpu' && n !== 'memory').map(([n, a]) => [n, { isActive: a }])) };
      const last = report.scaleError ? undefined : report.poll.state.lastActiveTime;
      if (last !== undefined && (!s.lastActiveTime || Date.parse(s.lastActiveTime) !== last)) next.lastActiveTime = new Date(last).toISOString().replace(/\.\d{3}Z$/, 'Z');
      if (so.spec.fallback) next.health = report.poll.state.health;
      return next;
    });
    if (fallbackNow !== fallbackBefore) {
      this.event(so, fallbackNow ? 'Warning' : 'Normal', fallbackNow ? 'ScaledObjectFallbackActivated' : 'ScaledObjectFallbackDeactivated', fallbackNow ? 'Fallback activated: at least one trigger is falling back' : 'Fallback deactivated: all triggers are healthy');
    }
    if (report.scaleError) {
      const reason = d.action === 'deactivate' ? 'KEDAScaleTargetDeactivationFailed' : 'KEDAScaleTargetActivationFailed';
      this.event(so, 'Warning', reason, report.scaleError);
      this.o.log.error({ namespace: so.metadata.namespace, scaledObject: so.metadata.name, error: report.scaleError }, 'scaling failed');
    } else if (report.scaled) {
      if (d.event && (d.action === 'activate' || d.action === 'deactivate')) this.event(so, d.event.type, d.event.reason, d.event.message);
      const why = report.hpa && report.hpa.changed ? report.hpa.reason : d.reason;
      this.o.log.info({ namespace: so.metadata.namespace, scaledObject: so.metadata.name, from: report.scaled.from, to: report.scaled.to, reason: why, at: new Date(now).toISOString() }, 'scaled');
    }
  }

  /**
   * Rebuild this object's scalers at its next reconcile (credentials and parameters are resolved again). Returns
   * false when no scale loop runs for it.
   */
  invalidate(key: string): boolean {
    const entry = this.runners.get(key);
    if (!entry) return false;
    entry.stale = true;
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
        this.event(so, 'Warning', 'KEDAScalerFailed', `trigger ${i} (${type}): ${r.error}`);
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
      entry.stale = true;
      this.o.requeue(key);
    }
  }

  private async onTargetError(so: ScaledObject, message: string): Promise<void> {
    await this.patchStatus(so, (s) => ({ ...s, conditions: setCondition(s.conditions, { type: 'Ready', status: 'False', reason: 'ErrorGettingCurrentReplicas', message }) }));
    this.o.log.warn({ namespace: so.metadata.namespace, scaledObject: so.metadata.name, error: message }, 'cannot read replicas');
  }

  private async patchStatus(so: ScaledObject, mutate: (s: ScaledObjectStatus) => ScaledObjectStatus): Promise<void> {
    await updateStatus<ScaledObjectStatus, SoObject>(this.o.client, GVR.scaledObjects, { namespace: so.metadata.namespace, name: so.metadata.name }, (s) => dropUndefined(mutate(s)), { fieldManager: FIELD_MANAGER });
  }

  private event(so: ScaledObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.o.events.event({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: so.metadata.name, namespace: so.metadata.namespace, uid: so.metadata.uid } }, type, reason, message);
  }

  private eventTarget(raw: SoObject) {
    return { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: raw.metadata.name, namespace: raw.metadata.namespace, uid: raw.metadata.uid } };
  }
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export type { Condition };
