// Do not scale while KEDA still does. KEDA's operator elects its leader on the Lease `operator.keda.sh` in its own
// namespace (KEDA cmd/operator/main.go: --leader-election-id default "operator.keda.sh", LeaderElectionNamespace =
// the pod's namespace; controller-runtime's default lock is a coordination.k8s.io Lease). While a holder renews it,
// a KEDA operator is running and writing the same HPAs and /scale subresources: two controllers fighting over
// replicas. So Updraft waits (logging and recording a Warning Event on that Lease, retrying) until the Lease is
// released or expires — or acts at once with --take-over-from-keda.
import { isNotFound, GVR, type KubeClient, type KubeObject } from '../kube/client.ts';
import type { EventRecorder } from '../kube/events.ts';
import type { Logger } from './scaled-object-controller.ts';

export const KEDA_LEASE_NAME = 'operator.keda.sh';

export interface LeaseObject extends KubeObject {
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string; acquireTime?: string };
}

export type KedaLeaseVerdict = 'no-lease' | 'released' | 'expired' | 'held' | 'taken-over' | 'unreadable';

export interface KedaLeaseDecision {
  /** May Updraft reconcile and scale now? */
  act: boolean;
  verdict: KedaLeaseVerdict;
  holder?: string;
  /** When the holder last renewed (ms), when known. */
  renewedAtMs?: number;
  message: string;
}

/** The default lease duration of controller-runtime (15 s), when a Lease does not say. */
const DEFAULT_LEASE_SECONDS = 15;

/**
 * The decision, from the Lease as read (undefined: there is none). "Renewed recently" is client-go's own test of
 * a live holder (tools/leaderelection/leaderelection.go tryAcquireOrRenew: observedTime + LeaseDuration > now):
 * renewTime + leaseDurationSeconds is still in the future.
 */
export function decideKedaLease(lease: LeaseObject | undefined, nowMs: number, takeOver: boolean): KedaLeaseDecision {
  if (!lease) return { act: true, verdict: 'no-lease', message: `no ${KEDA_LEASE_NAME} Lease: no KEDA operator is running here` };
  const where = `${lease.metadata.namespace}/${lease.metadata.name}`;
  const holder = lease.spec?.holderIdentity || undefined;
  if (!holder) return { act: true, verdict: 'released', message: `Lease ${where} has no holder: KEDA released it` };
  const renewed = Date.parse(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? '');
  const renewedAtMs = Number.isNaN(renewed) ? undefined : renewed;
  const durationMs = (lease.spec?.leaseDurationSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
  if (renewedAtMs === undefined || renewedAtMs + durationMs <= nowMs) {
    const ago = renewedAtMs === undefined ? 'never renewed' : `last renewed ${Math.round((nowMs - renewedAtMs) / 1000)}s ago`;
    return {
      act: true,
      verdict: 'expired',
      holder,
      renewedAtMs,
      message: `Lease ${where} held by ${holder} has expired (${ago}, lease ${durationMs / 1000}s): KEDA is not running`,
    };
  }
  const ago = `${Math.max(0, Math.round((nowMs - renewedAtMs) / 1000))}s ago`;
  if (takeOver) {
    return {
      act: true,
      verdict: 'taken-over',
      holder,
      renewedAtMs,
      message: `KEDA operator ${holder} holds Lease ${where} (renewed ${ago}); acting anyway because of --take-over-from-keda — scale KEDA's operator to 0 now, or both will write replicas`,
    };
  }
  return {
    act: false,
    verdict: 'held',
    holder,
    renewedAtMs,
    message: `a KEDA operator (${holder}) holds Lease ${where} and renewed it ${ago}: not scaling until it stops (scale keda-operator to 0, see docs/migrate-from-keda.md), or restart with --take-over-from-keda`,
  };
}

export interface KedaLeaseGuardOptions {
  client: KubeClient;
  /** KEDA's namespace (where its Lease lives). */
  namespace: string;
  leaseName?: string;
  takeOver: boolean;
  log: Logger;
  events?: EventRecorder;
  /** How often to read the Lease again while KEDA holds it (default 5 s). */
  retryMs?: number;
  now?: () => number;
}

/** Reads KEDA's Lease until Updraft may act; `waitUntilClear()` resolves then (or never, after `stop()`). */
export class KedaLeaseGuard {
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  last: KedaLeaseDecision | undefined;

  constructor(private readonly o: KedaLeaseGuardOptions) {}

  async check(): Promise<KedaLeaseDecision> {
    const name = this.o.leaseName ?? KEDA_LEASE_NAME;
    let lease: LeaseObject | undefined;
    try {
      lease = await this.o.client.get<LeaseObject>(GVR.leases, this.o.namespace, name);
    } catch (err) {
      if (!isNotFound(err)) {
        // Cannot tell (RBAC, API down): say so and go on rather than never scaling.
        return {
          act: true,
          verdict: 'unreadable',
          message: `cannot read Lease ${this.o.namespace}/${name} (${(err as Error).message}); assuming no KEDA operator runs — grant get on leases in ${this.o.namespace} to check`,
        };
      }
    }
    const d = decideKedaLease(lease, (this.o.now ?? Date.now)(), this.o.takeOver);
    this.last = d;
    if (lease && (d.verdict === 'held' || d.verdict === 'taken-over')) {
      this.o.events?.event(
        {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: lease.metadata.name, namespace: lease.metadata.namespace, uid: lease.metadata.uid },
        },
        'Warning',
        d.verdict === 'held' ? 'KEDAOperatorActive' : 'KEDATakenOver',
        d.message,
      );
    }
    return d;
  }

  /** Logs a decision: a refusal or a take-over as a warning, a released or expired Lease as info. */
  report(d: KedaLeaseDecision): void {
    if (!d.act || d.verdict === 'taken-over' || d.verdict === 'unreadable')
      this.o.log.warn({ verdict: d.verdict, holder: d.holder, retryMs: d.act ? undefined : (this.o.retryMs ?? 5000) }, d.message);
    else if (d.verdict !== 'no-lease') this.o.log.info({ verdict: d.verdict, holder: d.holder }, d.message);
  }

  /** After a refusal: reads the Lease again every `retryMs`, logging each, until Updraft may act (never after `stop()`). */
  async waitUntilClear(): Promise<KedaLeaseDecision> {
    for (;;) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.o.retryMs ?? 5000);
      });
      if (this.stopped) return new Promise(() => undefined);
      const d = await this.check();
      this.report(d);
      if (d.act) return d;
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
  }
}
