// The dashboard of `updraft up`: the same server as the operator's (src/servers/dashboard-server.ts), fed from the
// local run's events. Polls go into a DashboardHistory (the recorder hook: the 'poll' LocalEvent carries the
// runner's PollReport); the status, the explain-like report and the Events are built from local state — the
// ScaledObjects of the plan, their runners' engine state, the activations and the ProcessGroups' instance events.
// No auth: it listens on 127.0.0.1 only.
import type { Condition, ScaledObject } from '../api/types.ts';
import { isPaused, isPausedScaleIn, isPausedScaleOut } from '../api/pause.ts';
import type { ObjectRunner } from '../runtime/object-runner.ts';
import {
  DashboardHistory,
  startDashboardServer,
  type DashboardEvent,
  type DashboardObject,
  type DashboardSource,
  type RunningDashboard,
} from '../servers/dashboard-server.ts';
import type { LocalPlan } from './plan.ts';
import type { LocalEvent, RunningLocal } from './start-local.ts';

const MAX_EVENTS = 50;
const keyOf = (so: Pick<ScaledObject, 'metadata'>) => `${so.metadata.namespace}/${so.metadata.name}`;

export interface LocalDashboard {
  readonly history: DashboardHistory;
  /** Pass every LocalEvent here (startLocal's onEvent). */
  onEvent(e: LocalEvent): void;
  /** Serve it for a started run; `port` 0 picks one, a busy port falls back to a free one. */
  start(run: RunningLocal, opts: { port: number; host?: string }): Promise<RunningDashboard>;
  close(): Promise<void>;
}

export function localDashboard(plan: LocalPlan, opts: { now?: () => number } = {}): LocalDashboard {
  const now = opts.now ?? Date.now;
  const history = new DashboardHistory({ now });
  const events = new Map<string, DashboardEvent[]>();
  const targetErrors = new Map<string, string>();
  let runners: readonly ObjectRunner[] | undefined;
  let pending: LocalEvent[] = [];
  let server: RunningDashboard | undefined;

  const addEvent = (key: string, e: DashboardEvent) => {
    const list = events.get(key) ?? [];
    const last = list[list.length - 1];
    if (last && last.reason === e.reason && last.message === e.message) {
      last.count = (last.count ?? 1) + 1;
      last.at = e.at;
    } else list.push({ ...e, count: 1 });
    if (list.length > MAX_EVENTS) list.shift();
    events.set(key, list);
  };
  const runnerOf = (so: ScaledObject) => runners?.find((r) => keyOf(r.so) === keyOf(so));

  const record = (e: LocalEvent) => {
    const at = new Date(now()).toISOString();
    if (e.type === 'poll') {
      const runner = runnerOf(e.scaledObject);
      if (!runner) return;
      history.recordPoll(e.scaledObject, runner.plan.triggers, e.report, 'direct');
      targetErrors.delete(keyOf(e.scaledObject));
      const d = e.report.poll.decision;
      if (d.event) addEvent(keyOf(e.scaledObject), { at, type: d.event.type, reason: d.event.reason, message: d.event.message, involvedKind: 'ScaledObject' });
      if (e.report.scaleError)
        addEvent(keyOf(e.scaledObject), { at, type: 'Warning', reason: 'ScaleFailed', message: e.report.scaleError, involvedKind: 'ScaledObject' });
    } else if (e.type === 'target-error') {
      targetErrors.set(keyOf(e.scaledObject), e.message);
      addEvent(keyOf(e.scaledObject), { at, type: 'Warning', reason: 'ErrorGettingCurrentReplicas', message: e.message, involvedKind: 'ScaledObject' });
    } else if (e.type === 'pool' && e.event.type !== 'replicas') {
      // A ProcessGroup's instance events go to the ScaledObjects that scale it (as a Deployment's pods' would be seen).
      for (const so of plan.scaledObjects) {
        if (so.spec.scaleTargetRef.name !== e.group) continue;
        const ev = e.event;
        const warn =
          ev.type === 'exited' ? !ev.expected : ev.type === 'failed-to-start' || ev.type === 'killed' || ev.type === 'not-ready' || ev.type === 'backoff';
        addEvent(keyOf(so), {
          at,
          type: warn ? 'Warning' : 'Normal',
          reason: `Instance${ev.type[0].toUpperCase()}${ev.type.slice(1).replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}`,
          message: `${'instance' in ev ? ev.instance : e.group}: ${ev.type}`,
          involvedKind: 'ProcessGroup',
        });
      }
    }
  };

  const conditionsOf = (so: ScaledObject): Condition[] => {
    const h = history.get('ScaledObject', so.metadata.namespace, so.metadata.name);
    const last = h?.last;
    const failing = last?.values.filter((v) => v.error !== undefined).length ?? 0;
    const targetError = targetErrors.get(keyOf(so));
    const ready: Condition = targetError
      ? { type: 'Ready', status: 'False', reason: 'ErrorGettingCurrentReplicas', message: targetError }
      : !last
        ? { type: 'Ready', status: 'Unknown', reason: 'NotPolledYet', message: 'waiting for the first poll' }
        : failing === 0
          ? { type: 'Ready', status: 'True', reason: 'ScaledObjectReady', message: 'ScaledObject is defined correctly and is ready for scaling' }
          : failing < last.values.length
            ? { type: 'Ready', status: 'Unknown', reason: 'PartialTriggerError', message: 'Some triggers defined in ScaledObject are not working correctly' }
            : { type: 'Ready', status: 'False', reason: 'TriggerError', message: 'Triggers defined in ScaledObject are not working correctly' };
    const out: Condition[] = [ready];
    if (last)
      out.push({ type: 'Active', status: last.active ? 'True' : 'False', reason: last.active ? 'ScalerActive' : 'ScalerNotActive', message: last.reason });
    out.push({ type: 'Fallback', status: last?.fallback ? 'True' : 'False', reason: last?.fallback ? 'FallbackExists' : 'NoFallbackFound' });
    out.push({ type: 'Paused', status: isPaused(so) ? 'True' : 'False', reason: isPaused(so) ? 'ScaledObjectPaused' : 'ScaledObjectUnpaused' });
    return out;
  };

  const source: DashboardSource = {
    list(): DashboardObject[] {
      return plan.scaledObjects.map((so) => ({
        kind: 'ScaledObject' as const,
        namespace: so.metadata.namespace,
        name: so.metadata.name,
        so,
        mode: 'direct' as const,
        conditions: conditionsOf(so),
        minReplicaCount: so.spec.minReplicaCount,
        maxReplicaCount: so.spec.maxReplicaCount,
        triggers: so.spec.triggers.map((t) => ({ type: t.type, ...(t.name ? { name: t.name } : {}), metadata: t.metadata })),
      }));
    },
    // The shape of src/operator/explain.ts ExplainReport, from local state (no cluster to read).
    async explain(namespace, name) {
      const so = plan.scaledObjects.find((s) => s.metadata.namespace === namespace && s.metadata.name === name);
      if (!so) throw new Error(`ScaledObject ${namespace}/${name} is not in this run`);
      const runner = runnerOf(so);
      const h = history.get('ScaledObject', namespace, name);
      const lastScaled = h
        ?.recentNotes()
        .filter((n) => n.kind === 'scaled' || n.kind === 'activated' || n.kind === 'deactivated')
        .at(-1);
      const pts = h?.points() ?? [];
      let idx = -1;
      pts.forEach((p, i) => (p.flags & 128 ? (idx = i) : undefined));
      const scaledPoint = idx >= 0 ? { to: pts[idx].replicas, from: idx > 0 ? pts[idx - 1].replicas : pts[idx].replicas } : undefined;
      const lastActive = runner?.current.lastActiveTime;
      const ref = so.spec.scaleTargetRef;
      return {
        kind: 'ScaledObject',
        namespace,
        name,
        readAt: new Date(now()).toISOString(),
        valid: true,
        target: { apiVersion: ref.apiVersion || 'updraft.dev/v1alpha1', kind: ref.kind, name: ref.name },
        mode: 'direct',
        bounds: {
          minReplicaCount: so.spec.minReplicaCount,
          maxReplicaCount: so.spec.maxReplicaCount,
          ...(so.spec.idleReplicaCount !== undefined ? { idleReplicaCount: so.spec.idleReplicaCount } : {}),
          pollingIntervalSeconds: so.spec.pollingInterval,
          cooldownPeriodSeconds: so.spec.cooldownPeriod,
        },
        ...(lastActive !== undefined ? { lastActiveTime: new Date(lastActive).toISOString() } : {}),
        pause: { paused: isPaused(so), scaleIn: isPausedScaleIn(so), scaleOut: isPausedScaleOut(so) },
        scale: h?.last ? { ok: true, specReplicas: h.last.replicas, statusReplicas: h.last.ready } : undefined,
        conditions: conditionsOf(so),
        ...(lastScaled && scaledPoint
          ? { lastScale: { from: scaledPoint.from, to: scaledPoint.to, at: new Date(lastScaled.at).toISOString(), reason: lastScaled.message } }
          : {}),
        triggers: (runner?.plan.triggers ?? []).map((t, k) => ({
          index: t.triggerIndex,
          type: t.type,
          ...(t.name ? { name: t.name } : {}),
          metricName: t.metricName,
          target: t.target,
          targetType: t.targetType,
          ...(t.activationThreshold !== undefined ? { activationThreshold: t.activationThreshold } : {}),
          ...(h?.last?.values[k]?.active !== undefined ? { active: h.last.values[k].active } : {}),
        })),
        events: (events.get(keyOf(so)) ?? []).slice(-10),
      };
    },
    async events(_kind, namespace, name) {
      return events.get(`${namespace}/${name}`) ?? [];
    },
  };

  return {
    history,
    onEvent(e) {
      if (runners) return record(e);
      pending.push(e);
      if (pending.length > 10_000) pending.shift();
    },
    async start(run, o) {
      runners = run.runners;
      for (const e of pending) record(e);
      pending = [];
      const serve = (port: number) => startDashboardServer({ port, host: o.host ?? '127.0.0.1', source, history, title: 'updraft up', now });
      server = await serve(o.port).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE' && o.port !== 0) return serve(0);
        throw err;
      });
      return server;
    },
    async close() {
      await server?.close();
    },
  };
}
