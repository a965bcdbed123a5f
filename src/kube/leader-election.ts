// Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules (tools/leaderelection):
// - a candidate takes the Lease when it is free (no holder) or when the record has not changed for
//   leaseDuration *as observed by this process's clock* (so skew between nodes does not matter);
// - writes are optimistic (PUT with the read resourceVersion): a 409 means someone else won;
// - the leader renews every retryPeriod and steps down if it could not renew for renewDeadline, which is shorter
//   than leaseDuration, so it has stopped before anyone else may take over;
// - on graceful stop the leader releases the Lease (empty holder) so a successor starts at once.
// Defaults are controller-runtime's (15 s / 10 s / 2 s), the values KEDA runs with.
import { GVR, isConflict, isNotFound, type KubeClient, type KubeObject } from './client.ts';
import { parseGoDuration } from '../api/values.ts';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectionOptions {
  namespace: string;
  /** Lease name (KEDA: `operator.keda.sh`). */
  name: string;
  /** Unique per process, e.g. `<pod name>_<random>`. */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Called when this process becomes leader; `signal` aborts when leadership ends. */
  onStartedLeading(signal: AbortSignal): void;
  /** Called when leadership ends (lost renewals, or stop()). */
  onStoppedLeading?(): void;
  /** Called whenever the observed holder changes (including to this process). */
  onNewLeader?(identity: string): void;
  /** Failures of individual attempts (they are retried). */
  onError?(err: Error): void;
  /** Injected for tests; milliseconds since the epoch. */
  now?: () => number;
}

/** Lease times are metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Leader-election durations from KEDA's environment variables (Go durations like `15s`), with defaults. */
export function leaderElectionDurationsFromEnv(env: NodeJS.ProcessEnv): { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number } {
  const parse = (key: string, fallback: number): number => {
    const v = env[key];
    if (!v) return fallback;
    // KEDA reads these with ResolveOsEnvDuration (pkg/util/env_resolver.go): time.ParseDuration, untrimmed.
    const ms = parseGoDuration(v);
    if (ms === undefined || ms < 0) throw new Error(`${key}=${v} is not a duration; use e.g. 15s or 500ms`);
    return ms;
  };
  return {
    leaseDurationMs: parse('KEDA_OPERATOR_LEADER_ELECTION_LEASE_DURATION', 15_000),
    renewDeadlineMs: parse('KEDA_OPERATOR_LEADER_ELECTION_RENEW_DEADLINE', 10_000),
    retryPeriodMs: parse('KEDA_OPERATOR_LEADER_ELECTION_RETRY_PERIOD', 2_000),
  };
}

export class LeaderElector {
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly now: () => number;
  private stopped = false;
  private leading = false;
  private leadership?: AbortController;
  private running?: Promise<void>;
  private wake?: () => void;
  /** Last record seen and when (local clock) it last changed: the basis of expiry. */
  private observed?: { holder: string; renewTime: string; at: number };
  private lastRenew = 0;
  private deadline?: NodeJS.Timeout;
  private currentHolder = '';

  constructor(
    private readonly client: KubeClient,
    private readonly opts: LeaderElectionOptions,
  ) {
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    this.now = opts.now ?? Date.now;
    if (!(this.leaseDurationMs > this.renewDeadlineMs && this.renewDeadlineMs > this.retryPeriodMs)) {
      throw new Error(
        `leader election: need leaseDuration (${this.leaseDurationMs} ms) > renewDeadline (${this.renewDeadlineMs} ms) > retryPeriod (${this.retryPeriodMs} ms)`,
      );
    }
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder this process last observed ('' when none). */
  get leader(): string {
    return this.currentHolder;
  }

  start(): this {
    this.running ??= this.run();
    return this;
  }

  /**
   * Stop campaigning. A leader releases the Lease (unless `release: false`, which behaves like a crash: the others
   * wait for it to expire) and calls onStoppedLeading.
   */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    if (this.leading) {
      if (opts.release !== false) await this.release().catch((err: Error) => this.opts.onError?.(err));
      this.stepDown();
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const ok = await this.attempt();
      if (this.stopped) break;
      if (ok) {
        this.lastRenew = this.now();
        this.armDeadline();
        if (!this.leading) {
          this.leading = true;
          this.leadership = new AbortController();
          this.opts.onStartedLeading(this.leadership.signal);
        }
      } else if (this.leading && this.currentHolder !== '' && this.currentHolder !== this.opts.identity) {
        this.stepDown(); // someone else holds a valid Lease: we were deposed
      } else if (this.leading && this.now() - this.lastRenew >= this.renewDeadlineMs) {
        // Could not renew within renewDeadline: stop acting as leader before the Lease can expire for others.
        this.stepDown();
      }
      // client-go waits retryPeriod with jitter 1.2 between candidate attempts, exactly retryPeriod when renewing.
      await this.sleep(this.leading ? this.retryPeriodMs : this.retryPeriodMs * (1 + Math.random() * 0.2));
    }
  }

  /** One acquire/renew attempt, bounded by renewDeadline (client-go runs it under a context with that timeout). */
  private async attempt(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        this.opts.onError?.(new Error(`lease ${this.opts.namespace}/${this.opts.name}: no answer from the API server within ${this.renewDeadlineMs} ms`));
        resolve(false);
      }, this.renewDeadlineMs);
    });
    try {
      return await Promise.race([
        this.tryAcquireOrRenew().catch((err: Error) => {
          this.opts.onError?.(err);
          return false;
        }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Step down renewDeadline after the last successful renewal even while a request hangs: the loop alone could
   * be stuck in an attempt, and others may take the Lease once it expires.
   */
  private armDeadline(): void {
    clearTimeout(this.deadline);
    this.deadline = setTimeout(() => {
      if (this.leading && this.now() - this.lastRenew >= this.renewDeadlineMs) this.stepDown();
    }, this.renewDeadlineMs);
    this.deadline.unref?.();
  }

  private stepDown(): void {
    clearTimeout(this.deadline);
    if (!this.leading) return;
    this.leading = false;
    this.leadership?.abort();
    this.opts.onStoppedLeading?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private observe(spec: LeaseSpec): void {
    const holder = spec.holderIdentity ?? '';
    const renewTime = spec.renewTime ?? '';
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
      this.observed = { holder, renewTime, at: this.now() };
    }
    if (holder !== this.currentHolder) {
      this.currentHolder = holder;
      if (holder) this.opts.onNewLeader?.(holder);
    }
  }

  private desired(previous: LeaseSpec | undefined): LeaseSpec {
    const now = formatMicroTime(this.now());
    const takingOver = previous?.holderIdentity !== this.opts.identity;
    return {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: takingOver ? now : (previous?.acquireTime ?? now),
      renewTime: now,
      // client-go counts a transition whenever the holder was not us, released (empty) holders included.
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (previous && takingOver ? 1 : 0),
    };
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name } = this.opts;
    let lease: Lease;
    try {
      lease = await this.client.get<Lease>(GVR.leases, namespace, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        const created = await this.client.create<Lease>(GVR.leases, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: this.desired(undefined),
        });
        this.observe(created.spec ?? {});
        return true;
      } catch (createErr) {
        if (isConflict(createErr)) return false; // another candidate created it first
        throw createErr;
      }
    }
    const spec = lease.spec ?? {};
    this.observe(spec);
    const holder = spec.holderIdentity ?? '';
    const durationMs = (spec.leaseDurationSeconds ?? Math.ceil(this.leaseDurationMs / 1000)) * 1000;
    if (holder && holder !== this.opts.identity && this.observed && this.observed.at + durationMs > this.now()) {
      return false; // held by someone else and not expired
    }
    try {
      const updated = await this.client.update<Lease>(GVR.leases, { ...lease, spec: this.desired(spec) });
      this.observe(updated.spec ?? {});
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  private async release(): Promise<void> {
    const lease = await this.client.get<Lease>(GVR.leases, this.opts.namespace, this.opts.name);
    if (lease.spec?.holderIdentity !== this.opts.identity) return;
    // client-go ReleaseOnCancel: empty holder, 1 s duration, so candidates take it at their next attempt.
    await this.client.update<Lease>(GVR.leases, {
      ...lease,
      spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: formatMicroTime(this.now()) },
    });
  }
}
