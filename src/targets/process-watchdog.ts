// The guarantee that local processes never outlive Updraft, even when Updraft itself is killed with SIGKILL or
// runs out of memory (when no exit handler can run). Linux has no portable "kill my children when I die" that Node
// can reach (prctl PR_SET_PDEATHSIG is not exposed), so one small watchdog process per Updraft process holds the
// read end of a pipe from Updraft. Updraft tells it which process groups exist ("+<pgid> <graceMs>", "-<pgid>");
// when the pipe closes — because Updraft exited for whatever reason — the watchdog sends SIGTERM to every group it
// still knows, waits for the longest grace period, then sends SIGKILL, and exits.
//
// The watchdog runs in its own session (detached), so a Ctrl-C at the terminal reaches Updraft (which stops its
// instances gracefully) but not the watchdog, which only acts if something was left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const WATCHDOG_FLAG = '--updraft-process-watchdog';

/** Send `signal` to a whole process group; false when the group no longer exists. */
export function killGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: the group exists but is not ours (a recycled id); treat it as gone rather than touching it.
    return false;
  }
}

/** Updraft's side: registers process groups with the watchdog process, started on first use. */
export class ProcessWatchdog {
  private child: ChildProcess | undefined;
  private readonly groups = new Map<number, number>();
  private exitHookInstalled = false;

  /** Track `pgid`; on Updraft's death it gets SIGTERM, then SIGKILL after `graceMs`. */
  register(pgid: number, graceMs: number): void {
    this.groups.set(pgid, graceMs);
    this.installExitHook();
    this.send(`+${pgid} ${Math.max(0, Math.round(graceMs))}\n`);
  }

  unregister(pgid: number): void {
    if (!this.groups.delete(pgid)) return;
    this.send(`-${pgid}\n`);
  }

  private send(line: string): void {
    const child = this.ensureChild();
    // A failed write only means the watchdog is gone; the exit hook below still covers normal exits and crashes.
    child?.stdin?.write(line, () => undefined);
  }

  private ensureChild(): ChildProcess | undefined {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return this.child;
    let child: ChildProcess;
    try {
      // From the sources (tsx) the watchdog needs tsx too; compiled (lib/, the image) it is plain JavaScript.
      const self = fileURLToPath(import.meta.url);
      const loader = self.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
      child = spawn(process.execPath, [...loader, self, WATCHDOG_FLAG], {
        detached: true,
        stdio: ['pipe', 'ignore', 'ignore'],
      });
    } catch {
      return undefined;
    }
    child.on('error', () => undefined);
    child.stdin?.on('error', () => undefined);
    // Neither the watchdog nor its pipe may keep Updraft alive.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.child = child;
    for (const [pgid, grace] of this.groups) child.stdin?.write(`+${pgid} ${grace}\n`, () => undefined);
    return child;
  }

  /**
   * On any exit that runs JavaScript (process.exit, an uncaught exception, a signal Updraft handles) send SIGTERM
   * at once; the watchdog follows with SIGKILL after the grace period.
   */
  private installExitHook(): void {
    if (this.exitHookInstalled) return;
    this.exitHookInstalled = true;
    process.on('exit', () => {
      for (const pgid of this.groups.keys()) killGroup(pgid, 'SIGTERM');
    });
  }
}

let shared: ProcessWatchdog | undefined;

/** The one watchdog of this Updraft process. */
export function processWatchdog(): ProcessWatchdog {
  shared ??= new ProcessWatchdog();
  return shared;
}

/** The watchdog process itself. */
async function runWatchdog(): Promise<void> {
  const groups = new Map<number, number>();
  for (const signal of ['SIGINT', 'SIGHUP', 'SIGPIPE'] as const) process.on(signal, () => undefined);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const m = /^([+-])(\d+)(?: (\d+))?$/.exec(line.trim());
    if (!m) return;
    const pgid = Number(m[2]);
    if (m[1] === '+') groups.set(pgid, Number(m[3] ?? 0));
    else groups.delete(pgid);
  });
  await new Promise<void>((resolve) => lines.once('close', resolve));
  if (groups.size === 0) return;
  for (const pgid of groups.keys()) killGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + Math.max(...groups.values());
  while (Date.now() < deadline && [...groups.keys()].some((g) => killGroup(g, 0))) {
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const pgid of groups.keys()) killGroup(pgid, 'SIGKILL');
}

if (process.argv.includes(WATCHDOG_FLAG) && process.argv[1] === fileURLToPath(import.meta.url)) {
  await runWatchdog();
  process.exit(0);
}
