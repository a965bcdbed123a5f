// The operator's client-side API budget: a token bucket like client-go's (`--kube-api-qps` / `--kube-api-burst`,
// k8s.io/client-go/util/flowcontrol/throttle.go NewTokenBucketRateLimiter), but with priorities. client-go's
// limiter is first come, first served, so in KEDA a start-up storm of status writes delays the `/scale` write of an
// object that must scale now; here requests waiting for a token are served in priority order:
//   scale  — `/scale` writes and HPA writes (what changes replicas),
//   normal — reads, watches and every other request,
//   status — status subresource writes,
//   event  — Events (recorded on a best-effort basis anyway).
// Within one priority, first come first served.

export const API_PRIORITIES = ['scale', 'normal', 'status', 'event'] as const;
export type ApiPriority = (typeof API_PRIORITIES)[number];

export interface ApiBudgetOptions {
  /** Sustained requests per second (> 0). */
  qps: number;
  /** Requests that may go at once after a quiet period (≥ 1). */
  burst: number;
  now?: () => number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class ApiBudget {
  private tokens: number;
  private last: number;
  private readonly queues: Waiter[][] = API_PRIORITIES.map(() => []);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly now: () => number;
  /** Requests that had to wait for a token, per priority (for metrics and tests). */
  readonly waited: Record<ApiPriority, number> = { scale: 0, normal: 0, status: 0, event: 0 };

  constructor(readonly opts: ApiBudgetOptions) {
    if (!(opts.qps > 0)) throw new Error(`--kube-api-qps must be a number > 0, got ${opts.qps}`);
    if (!(Number.isInteger(opts.burst) && opts.burst >= 1)) throw new Error(`--kube-api-burst must be an integer ≥ 1, got ${opts.burst}`);
    this.now = opts.now ?? Date.now;
    this.tokens = opts.burst;
    this.last = this.now();
  }

  /** Requests waiting for a token now. */
  get queued(): number {
    return this.queues.reduce((n, q) => n + q.length, 0);
  }

  /** Resolves when a request of `priority` may be sent; rejects if `signal` aborts first. */
  take(priority: ApiPriority, signal?: AbortSignal): Promise<void> {
    this.refill();
    if (this.queued === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.waited[priority]++;
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal };
      const queue = this.queues[API_PRIORITIES.indexOf(priority)];
      if (signal) {
        w.onAbort = () => {
          const i = queue.indexOf(w);
          if (i >= 0) queue.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      queue.push(w);
      this.arm();
    });
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.opts.burst, this.tokens + ((now - this.last) / 1000) * this.opts.qps);
    this.last = now;
  }

  private arm(): void {
    if (this.timer) return;
    const wait = Math.max(0, Math.ceil(((1 - this.tokens) / this.opts.qps) * 1000));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.release();
    }, wait);
  }

  private release(): void {
    this.refill();
    for (const queue of this.queues) {
      while (queue.length > 0 && this.tokens >= 1) {
        const w = queue.shift()!;
        this.tokens -= 1;
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
