// TriggerAuthentication / ClusterTriggerAuthentication bookkeeping the way KEDA does it:
// - `status.scaledobjects` / `status.scaledjobs`: comma-joined names of the ScaledObjects / ScaledJobs whose triggers
//   reference it (KEDA `pkg/status/status.go` `UpdateTriggerAuthenticationStatusFromTriggers`, called by
//   `controllers/keda/scaledobject_controller.go` and `scaledjob_controller.go`); a ClusterTriggerAuthentication
//   lists them from every namespace, by name, as KEDA does;
// - Events: TriggerAuthenticationAdded (generation 1) / Updated (a later generation) from
//   `controllers/keda/triggerauthentication_controller.go` and `clustertriggerauthentication_controller.go`,
//   Deleted from `controllers/keda/util/finalizer.go` `FinalizeAuthenticationResource`; Failed (KEDA declares it in
//   `pkg/eventreason/eventreason.go`) when the spec does not parse.
// Only the leader writes. Objects that already existed when the operator started get no Added/Updated Event
// (KEDA re-emits them on every restart; that is noise, not news).
import { EventReason, EventMessage } from '../api/keda-reasons.ts';
import { parseTriggerAuthentication } from '../api/parse.ts';
import { GVR, isNotFound, type KubeClient, type KubeObject } from '../kube/client.ts';

type AuthKind = 'TriggerAuthentication' | 'ClusterTriggerAuthentication';

interface EventSink {
  event(
    target: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; uid?: string } },
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void;
}

export interface TriggerAuthTrackerOptions {
  client: KubeClient;
  events: EventSink;
  log: { warn(o: Record<string, unknown>, m: string): void };
  isLeader: () => boolean;
  scaledObjects: () => KubeObject[];
  scaledJobs: () => KubeObject[];
  auths: (kind: AuthKind) => KubeObject[];
  /** Debounce of status writes after changes; default 200 ms. */
  debounceMs?: number;
  now?: () => number;
}

interface AuthStatus {
  scaledobjects?: string;
  scaledjobs?: string;
}

function refs(obj: KubeObject): Array<{ name?: string; kind?: string }> {
  const triggers = (obj as { spec?: { triggers?: Array<{ authenticationRef?: { name?: string; kind?: string } }> } }).spec?.triggers ?? [];
  return triggers.flatMap((t) => (t.authenticationRef?.name ? [t.authenticationRef] : []));
}

/** The status KEDA keeps on `auth`: the names of the objects referencing it (sorted, comma-joined; absent when none). */
export function desiredAuthStatus(kind: AuthKind, auth: KubeObject, scaledObjects: KubeObject[], scaledJobs: KubeObject[]): AuthStatus {
  const using = (objs: KubeObject[]) =>
    [
      ...new Set(
        objs
          .filter(
            (o) =>
              (kind === 'ClusterTriggerAuthentication' || o.metadata.namespace === auth.metadata.namespace) &&
              refs(o).some((r) => r.name === auth.metadata.name && (r.kind || 'TriggerAuthentication') === kind),
          )
          .map((o) => o.metadata.name),
      ),
    ].sort();
  const so = using(scaledObjects);
  const sj = using(scaledJobs);
  return { ...(so.length ? { scaledobjects: so.join(',') } : {}), ...(sj.length ? { scaledjobs: sj.join(',') } : {}) };
}

export class TriggerAuthTracker {
  private readonly startedAt: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly o: TriggerAuthTrackerOptions) {
    this.startedAt = (o.now ?? Date.now)();
  }

  added(kind: AuthKind, obj: KubeObject): void {
    this.schedule();
    const created = Date.parse(obj.metadata.creationTimestamp ?? '');
    if (!this.o.isLeader() || !(created >= this.startedAt - 1000)) return;
    if (!this.checkValid(kind, obj)) return;
    if ((obj.metadata.generation ?? 1) <= 1)
      this.event(
        kind,
        obj,
        'Normal',
        kind === 'TriggerAuthentication' ? EventReason.TriggerAuthenticationAdded : EventReason.ClusterTriggerAuthenticationAdded,
        EventMessage.triggerAuthenticationAdded(kind),
      );
    else this.updated(kind, obj, obj);
  }

  updated(kind: AuthKind, before: KubeObject, obj: KubeObject): void {
    if (before !== obj && before.metadata.generation === obj.metadata.generation) return;
    if (!this.o.isLeader() || !this.checkValid(kind, obj)) return;
    this.event(
      kind,
      obj,
      'Normal',
      kind === 'TriggerAuthentication' ? EventReason.TriggerAuthenticationUpdated : EventReason.ClusterTriggerAuthenticationUpdated,
      EventMessage.triggerAuthenticationUpdated(obj.metadata.name),
    );
  }

  deleted(kind: AuthKind, obj: KubeObject): void {
    if (!this.o.isLeader()) return;
    this.event(
      kind,
      obj,
      'Normal',
      kind === 'TriggerAuthentication' ? EventReason.TriggerAuthenticationDeleted : EventReason.ClusterTriggerAuthenticationDeleted,
      EventMessage.triggerAuthenticationDeleted(kind),
    );
  }

  /** A ScaledObject/ScaledJob (or an auth object) changed: re-derive the statuses soon. */
  schedule(): void {
    if (this.stopped) return;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sync();
    }, this.o.debounceMs ?? 200);
    this.timer.unref?.();
  }

  /** Write every auth object's status that differs from what the watches say it should be. */
  async sync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        if (!this.o.isLeader()) continue;
        const so = this.o.scaledObjects();
        const sj = this.o.scaledJobs();
        for (const kind of ['TriggerAuthentication', 'ClusterTriggerAuthentication'] as const) {
          for (const auth of this.o.auths(kind)) {
            const want = desiredAuthStatus(kind, auth, so, sj);
            const have = (auth as { status?: AuthStatus }).status ?? {};
            if ((have.scaledobjects ?? '') === (want.scaledobjects ?? '') && (have.scaledjobs ?? '') === (want.scaledjobs ?? '')) continue;
            const gvr = kind === 'TriggerAuthentication' ? GVR.triggerAuthentications : GVR.clusterTriggerAuthentications;
            try {
              await this.o.client.patchStatus(gvr, auth.metadata.namespace || undefined, auth.metadata.name, {
                scaledobjects: want.scaledobjects ?? null,
                scaledjobs: want.scaledjobs ?? null,
              });
            } catch (err) {
              if (!isNotFound(err))
                this.o.log.warn(
                  { kind, name: auth.metadata.name, namespace: auth.metadata.namespace, error: (err as Error).message },
                  `${kind} status update failed; retrying`,
                );
              this.schedule();
            }
          }
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private checkValid(kind: AuthKind, obj: KubeObject): boolean {
    const parsed = parseTriggerAuthentication({ ...obj, kind });
    if (parsed.ok) return true;
    const why = parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    this.event(
      kind,
      obj,
      'Warning',
      kind === 'TriggerAuthentication' ? EventReason.TriggerAuthenticationFailed : EventReason.ClusterTriggerAuthenticationFailed,
      `${kind} ${obj.metadata.name} is invalid: ${why}`,
    );
    return false;
  }

  private event(kind: AuthKind, obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.o.events.event(
      {
        apiVersion: 'keda.sh/v1alpha1',
        kind,
        metadata: {
          name: obj.metadata.name,
          ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
          ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
        },
      },
      type,
      reason,
      message,
    );
  }
}
