// CPU time and resident memory of processes, from /proc (Linux): what an autoscaler costs, measured from outside
// the process so every thread (the pino worker, Go's runtime threads) counts.
import { readFile } from 'node:fs/promises';

/** USER_HZ: the kernel reports utime/stime in these ticks (100 on every Linux this runs on; `getconf CLK_TCK`). */
const TICKS_PER_SECOND = 100;

export interface ProcessSample {
  /** user + system CPU seconds since the process started. */
  cpuSeconds: number;
  /** Resident set size, bytes (VmRSS). */
  rssBytes: number;
  /**
   * Seconds the process's main thread (the event loop of a Node.js process) has waited on a run queue for a CPU
   * since it started (`/proc/<pid>/task/<pid>/schedstat`, second field, ns): time it was ready to run and another
   * process had the core. NaN where the kernel does not keep schedstats.
   */
  mainThreadWaitSeconds: number;
  at: number;
}

/** One sample of `pid`; undefined when the process is gone. */
export async function sampleProcess(pid: number): Promise<ProcessSample | undefined> {
  try {
    const [stat, status, sched] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
      readFile(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').catch(() => ''),
    ]);
    // Fields after the ")" closing the command name (which may hold spaces): utime is the 14th field, stime the 15th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return {
      cpuSeconds: (utime + stime) / TICKS_PER_SECOND,
      rssBytes: rssKb * 1024,
      mainThreadWaitSeconds: sched ? Number(sched.split(' ')[1]) / 1e9 : NaN,
      at: Date.now(),
    };
  } catch {
    return undefined;
  }
}

export interface ProcessUsage {
  cpuSecondsPerMin: Record<string, number>;
  /** Peak RSS seen while watching, MiB. */
  rssMiB: Record<string, number>;
  /** Seconds per minute each process's main thread waited for a CPU while ready to run (see ProcessSample). */
  mainThreadWaitSecondsPerMin: Record<string, number>;
  /** The whole machine's busy cores over the window (0..cores, from /proc/stat), every process counted. */
  machineCoresBusy: number;
}

/**
 * Busy and total jiffies of all CPUs since boot (/proc/stat's first line; idle + iowait count as not busy) and the
 * number of CPUs (its cpuN lines).
 */
async function machineJiffies(): Promise<{ busy: number; total: number; cores: number }> {
  const lines = (await readFile('/proc/stat', 'utf8')).split('\n');
  const f = lines[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((x, y) => x + y, 0);
  return { busy: total - f[3] - f[4], total, cores: lines.filter((l) => /^cpu\d+ /.test(l)).length };
}

/**
 * Watches named processes over a window: CPU seconds and main-thread run-queue wait per minute between start() and
 * stop(), the peak RSS of samples taken every `everyMs` in between, and the whole machine's busy cores.
 */
export class ProcessWatch {
  private first = new Map<string, ProcessSample>();
  private last = new Map<string, ProcessSample>();
  private peak = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private machineFrom: Awaited<ReturnType<typeof machineJiffies>> | undefined;

  constructor(
    private readonly pids: Record<string, number>,
    private readonly everyMs = 2000,
  ) {}

  async start(): Promise<void> {
    this.machineFrom = await machineJiffies();
    await this.sample(true);
    this.timer = setInterval(() => void this.sample(false), this.everyMs);
  }

  async stop(): Promise<ProcessUsage> {
    if (this.timer) clearInterval(this.timer);
    await this.sample(false);
    const m = await machineJiffies();
    const from = this.machineFrom ?? m;
    const usage: ProcessUsage = {
      cpuSecondsPerMin: {},
      rssMiB: {},
      mainThreadWaitSecondsPerMin: {},
      machineCoresBusy: m.total > from.total ? round2(((m.busy - from.busy) / (m.total - from.total)) * m.cores) : NaN,
    };
    for (const [name, a] of this.first) {
      const b = this.last.get(name);
      if (!b || b.at <= a.at) continue;
      const perMin = (seconds: number) => round2(seconds / ((b.at - a.at) / 60_000));
      usage.cpuSecondsPerMin[name] = perMin(b.cpuSeconds - a.cpuSeconds);
      usage.rssMiB[name] = Math.round((this.peak.get(name) ?? b.rssBytes) / 1024 / 1024);
      const waited = b.mainThreadWaitSeconds - a.mainThreadWaitSeconds;
      if (Number.isFinite(waited)) usage.mainThreadWaitSecondsPerMin[name] = perMin(waited);
    }
    return usage;
  }

  private async sample(first: boolean): Promise<void> {
    await Promise.all(
      Object.entries(this.pids).map(async ([name, pid]) => {
        const s = await sampleProcess(pid);
        if (!s) return;
        if (first) this.first.set(name, s);
        this.last.set(name, s);
        this.peak.set(name, Math.max(this.peak.get(name) ?? 0, s.rssBytes));
      }),
    );
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;
