// One schedule for every periodic task in the process (trigger polls, object loops): a timer heap and a single
// timer, a per-task in-flight guard, a global concurrency limit, and a per-run timeout.
//
// KEDA runs the loop body immediately, then arms the next tick before each check, so the period is
// max(pollingInterval, check duration) (KEDA `pkg/scaling/scale_handler.go` `startScaleLoop`). Here a task runs on register, then at
// max(start + interval, end of the run): never two runs of one task at once, never a burst to catch up.
import { TimerHeap } from './timer-heap.ts';

export interface TaskOptions {
  /** Period between starts, ms. */
  intervalMs: number;
  /** Abort a run after this long (its signal fires); the task is then rescheduled as usual. */
  timeoutMs?: number;
  /** First run delay, ms (default 0: run at once, like KEDA's loop). */
  initialDelayMs?: number;
  run: (signal: AbortSignal) => Promise<void>;
}

export interface SchedulerOptions {
  /** At most this many runs in flight across all tasks (default 64). */
  concurrency?: number;
  now?: () => number;
  /** Called when a run throws (tasks should handle their own errors; this is the last resort). */
  onError?: (key: string, error: unknown) => void;
  /**
   * Called as each run starts, with how late it starts versus when it was due: true lateness, including the time it
   * waited in the ready queue for a concurrency slot (KEDA's keda_internal_scale_loop_latency_seconds measures only
   * how late its per-object timer fired, `pkg/scaling/scale_handler.go` startScaleLoop).
   */
  onLateness?: (key: string, lateMs: number) => void;
}

interface Task extends TaskOptions {
  due: number;
}

export class Scheduler {
  private readonly tasks = new Map<string, Task>();
  /** Keys with a run in flight (kept per key, so replacing a task never allows two runs at once). */
  private readonly inFlightKeys = new Set<string>();
  /** A trigger() arrived while running: run again as soon as the current run ends. */
  private readonly rerun = new Set<string>();
  private readonly heap = new TimerHeap();
  private readonly ready: string[] = [];
  private running = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerDue = Infinity;
  private stopped = false;
  private readonly shutdown = new AbortController();
  private readonly concurrency: number;
  private readonly now: () => number;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(private readonly opts: SchedulerOptions = {}) {
    this.concurrency = opts.concurrency ?? 64;
    this.now = opts.now ?? Date.now;
  }

  /** Add or replace a task. Replacing keeps an in-flight run going but reschedules from now. */
  register(key: string, task: TaskOptions): void {
    if (this.stopped) throw new Error(`scheduler stopped; cannot register ${key}`);
    if (!(task.intervalMs > 0)) throw new Error(`task ${key}: intervalMs must be > 0, got ${task.intervalMs}`);
    const due = this.now() + (task.initialDelayMs ?? 0);
    this.tasks.set(key, { ...task, due });
    this.heap.set(key, due);
    this.arm();
  }

  unregister(key: string): void {
    this.tasks.delete(key);
    this.heap.delete(key);
    const i = this.ready.indexOf(key);
    if (i >= 0) this.ready.splice(i, 1);
  }

  has(key: string): boolean {
    return this.tasks.has(key);
  }

  /** Run `key` as soon as possible (a push arrived, a reading went stale). Coalesces with a run in flight. */
  trigger(key: string): void {
    const t = this.tasks.get(key);
    if (!t) return;
    if (this.inFlightKeys.has(key)) {
      this.rerun.add(key);
      return;
    }
    t.due = this.now();
    this.heap.set(key, t.due);
    this.arm();
  }

  get inFlight(): number {
    return this.running;
  }

  /** Resolves when no run is in flight or queued (for tests and graceful shutdown). */
  idle(): Promise<void> {
    if (this.running === 0 && this.ready.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stop scheduling, abort runs in flight, and wait for them to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.ready.length = 0;
    this.shutdown.abort(new Error('scheduler stopped'));
    await this.idle();
  }

  private arm(): void {
    if (this.stopped) return;
    const next = this.heap.peek();
    if (next === undefined) return;
    if (this.timer && this.timerDue <= next) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = next;
    this.timer = setTimeout(() => this.tick(), Math.max(0, next - this.now()));
    // Background polling must not keep a CLI process alive on its own.
    this.timer.unref?.();
  }

  private tick(): void {
    this.timer = undefined;
    this.timerDue = Infinity;
    const now = this.now();
    for (const key of this.heap.popDue(now)) {
      const t = this.tasks.get(key);
      if (!t) continue;
      if (this.inFlightKeys.has(key)) {
        this.rerun.add(key);
        continue;
      }
      this.ready.push(key);
    }
    this.drain();
    this.arm();
  }

  private drain(): void {
    while (this.running < this.concurrency && this.ready.length > 0) {
      const key = this.ready.shift() as string;
      const t = this.tasks.get(key);
      if (!t || this.inFlightKeys.has(key)) continue;
      void this.start(key, t);
    }
    if (this.running === 0 && this.ready.length === 0) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async start(key: string, t: Task): Promise<void> {
    this.inFlightKeys.add(key);
    this.running++;
    const started = this.now();
    this.opts.onLateness?.(key, Math.max(0, started - t.due));
    const signals = [this.shutdown.signal];
    if (t.timeoutMs !== undefined) signals.push(AbortSignal.timeout(t.timeoutMs));
    try {
      await t.run(signals.length === 1 ? signals[0] : AbortSignal.any(signals));
    } catch (err) {
      this.opts.onError?.(key, err);
    } finally {
      this.inFlightKeys.delete(key);
      this.running--;
      const current = this.tasks.get(key);
      if (current && !this.stopped) {
        const end = this.now();
        // A replacement registered mid-run keeps its own due time unless that is already past.
        const next = current === t ? Math.max(started + t.intervalMs, end) : Math.max(current.due, end);
        current.due = this.rerun.has(key) ? end : next;
        this.heap.set(key, current.due);
      }
      this.rerun.delete(key);
      this.drain();
      this.arm();
    }
  }
}
