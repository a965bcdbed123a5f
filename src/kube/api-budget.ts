// The operator's client-side API budget: a token bucket like client-go's (`--kube-api-qps` / `--kube-api-burst`,
// k8s.io/client-go/util/flowcontrol/throttle.go NewTokenBucketRateLimiter), but with priorities. client-go's
// limiter is first come, first served, so in KEDA a start-up storm of status writes delays the `/scale` write of an
// object that must scale now; here requests waiting for a token are served in priority order:
//   scale  — `/scale` writes and HPA writes (what changes replicas),
//   normal — reads, watches and every other request,
//   status — status subresource writes,
//   event  — Events (recorded on a best-effort basis anyway).
// Within one priority, first come first served.
//
// Tokens alone order requests only while the client is the bottleneck. When the API server is (a start-up storm on
// a busy control plane answers slower than --kube-api-qps), every request would be sent at once and served in the
// server's order. So requests also need one of `maxInFlight` slots, held until the answer is read: beyond that many
// unanswered requests, they wait here, in priority order — a `/scale` write is not queued behind thousands of
// Events. Watches take a token but no slot (they stay open).

export const API_PRIORITIES = ['scale', 'normal', 'status', 'event'] as const;
export type ApiPriority = (typeof API_PRIORITIES)[number];

export interface ApiBudgetOptions {
  /** Sustained requests per second (> 0). */
  qps: number;
  /** Requests that may go at once after a quiet period (≥ 1). */
  burst: number;
  /** Unanswered requests at most (acquire); default unlimited. */
  maxInFlight?: number;
  now?: () => number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
  /** Needs an in-flight slot too (acquire), not only a token (take). */
  slot: boolean;
}

export class ApiBudget {
  private tokens: number;
  private last: number;
  private readonly queues: Waiter[][] = API_PRIORITIES.map(() => []);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly now: () => number;
  private readonly maxInFlight: number;
  private inFlightNow = 0;
  /** Waiters that need no slot (watches): served even while every slot is taken. */
  private slotless = 0;
  /** Requests that had to wait for a token, per priority (for metrics and tests). */
  readonly waited: Record<ApiPriority, number> = { scale: 0, normal: 0, status: 0, event: 0 };

  constructor(readonly opts: ApiBudgetOptions) {
    if (!(opts.qps > 0)) throw new Error(`--kube-api-qps must be a number > 0, got ${opts.qps}`);
    if (!(Number.isInteger(opts.burst) && opts.burst >= 1)) throw new Error(`--kube-api-burst must be an integer ≥ 1, got ${opts.burst}`);
    if (opts.maxInFlight !== undefined && !(Number.isInteger(opts.maxInFlight) && opts.maxInFlight >= 1))
      throw new Error(`--kube-api-max-in-flight must be an integer ≥ 1, got ${opts.maxInFlight}`);
    this.maxInFlight = opts.maxInFlight ?? Infinity;
    this.now = opts.now ?? Date.now;
    this.tokens = opts.burst;
    this.last = this.now();
  }

  /** Requests waiting for a token now. */
  get queued(): number {
    return this.queues.reduce((n, q) => n + q.length, 0);
  }

  /** Requests sent and not yet answered (acquire without release). */
  get inFlight(): number {
    return this.inFlightNow;
  }

  /** Resolves when a request of `priority` may be sent (a token; no slot: for watches); rejects if `signal` aborts first. */
  take(priority: ApiPriority, signal?: AbortSignal): Promise<void> {
    return this.enter(priority, signal, false);
  }

  /**
   * A token and an in-flight slot: resolves with the slot's release, to call once the answer is read (or the
   * request failed). Rejects if `signal` aborts first.
   */
  async acquire(priority: ApiPriority, signal?: AbortSignal): Promise<() => void> {
    await this.enter(priority, signal, true);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.inFlightNow--;
      if (this.queued > 0) this.release();
    };
  }

  private canGo(slot: boolean): boolean {
    return this.tokens >= 1 && (!slot || this.inFlightNow < this.maxInFlight);
  }

  private enter(priority: ApiPriority, signal: AbortSignal | undefined, slot: boolean): Promise<void> {
    this.refill();
    if (this.queued === 0 && this.canGo(slot)) {
      this.tokens -= 1;
      if (slot) this.inFlightNow++;
      return Promise.resolve();
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.waited[priority]++;
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal, slot };
      const queue = this.queues[API_PRIORITIES.indexOf(priority)];
      if (!slot) this.slotless++;
      if (signal) {
        w.onAbort = () => {
          const i = queue.indexOf(w);
          if (i >= 0) {
            queue.splice(i, 1);
            if (!slot) this.slotless--;
          }
          reject(signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      queue.push(w);
      this.release();
    });
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.opts.burst, this.tokens + ((now - this.last) / 1000) * this.opts.qps);
    this.last = now;
  }

  /** A timer for the next token (only when tokens, not slots, are what the waiters lack). */
  private arm(): void {
    if (this.timer || this.tokens >= 1) return;
    const wait = Math.max(0, Math.ceil(((1 - this.tokens) / this.opts.qps) * 1000));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.release();
    }, wait);
  }

  private release(): void {
    this.refill();
    for (const queue of this.queues) {
      let i = 0;
      while (i < queue.length && this.tokens >= 1) {
        const w = queue[i];
        if (!this.canGo(w.slot)) {
          // Every slot is taken: only a watch further on may still go.
          if (this.slotless === 0) break;
          i++;
          continue;
        }
        if (i === 0) queue.shift();
        else queue.splice(i, 1);
        this.tokens -= 1;
        if (w.slot) this.inFlightNow++;
        else this.slotless--;
        if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
        w.resolve();
      }
      if (this.tokens < 1) break;
    }
    if (this.queued > 0) this.arm();
  }
}

/** The priority of a request, from what it writes (RequestSpec.priority overrides it). */
export function priorityOf(method: string, path: string): ApiPriority {
  if (method === 'GET') return 'normal';
  if (path.endsWith('/scale') || /\/horizontalpodautoscalers(\/|$)/.test(path)) return 'scale';
  if (path.endsWith('/status')) return 'status';
  if (/\/events(\/|$)/.test(path)) return 'event';
  return 'normal';
}
