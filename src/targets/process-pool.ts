// The scale target of `updraft up`: N local instances of a ProcessGroup, kept running the way a kubelet keeps a
// Deployment's pods running. An instance counts as ready only after its readinessProbe succeeds; a crashed
// instance restarts with exponential backoff (CrashLoopBackOff); stopping sends SIGTERM and, after
// terminationGracePeriodSeconds, SIGKILL. Every instance runs in its own process group so the whole tree it starts
// is signalled together, and a watchdog process (process-watchdog.ts) kills what is left if Updraft dies.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, createServer } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { createInterface } from 'node:readline';
import { expandVars, type ProcessGroup, type Probe } from '../api/process-group.ts';
import { killGroup, processWatchdog, type ProcessWatchdog } from './process-watchdog.ts';
import type { ReplicaCounts, ScaleTarget } from './scale-target.ts';

export type InstancePhase = 'starting' | 'running' | 'ready' | 'backoff' | 'stopping';

export interface InstanceInfo {
  /** `<group>-<index>`, like a StatefulSet pod name; also the prefix of its output lines. */
  name: string;
  index: number;
  phase: InstancePhase;
  pid?: number;
  port?: number;
  restarts: number;
}

export type PoolEvent =
  | { type: 'started'; instance: string; pid: number; port?: number }
  | { type: 'ready'; instance: string }
  | { type: 'not-ready'; instance: string; reason: string }
  | { type: 'exited'; instance: string; code: number | null; signal: string | null; expected: boolean }
  | { type: 'backoff'; instance: string; delayMs: number; restarts: number }
  | { type: 'stopping'; instance: string; pid: number }
  | { type: 'killed'; instance: string; pid: number; afterMs: number }
  | { type: 'failed-to-start'; instance: string; message: string }
  | { type: 'replicas'; desired: number; ready: number };

export interface OutputLine {
  instance: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface BackoffOptions {
  /** Delay before the first restart (kubelet: 10 s; 1 s here so a local fix shows quickly). */
  initialMs: number;
  /** Cap (kubelet: 5 min). */
  maxMs: number;
  /** An instance that ran this long before crashing restarts with the initial delay again (kubelet: 10 min). */
  resetAfterMs: number;
}

export interface ProcessPoolOptions {
  /** Resolves a relative spec.workingDir (normally the manifest's directory). Default: the current directory. */
  baseDir?: string;
  /** Where instance output goes; default: `<name> | <line>` on Updraft's stdout/stderr. */
  output?: (line: OutputLine) => void;
  backoff?: Partial<BackoffOptions>;
  /** Environment every instance starts from (default: Updraft's own). */
  baseEnv?: NodeJS.ProcessEnv;
  /** Default: the process-wide watchdog. `false` turns it off (tests of the watchdog itself only). */
  watchdog?: ProcessWatchdog | false;
  /**
   * Until an instance's first successful probe it is probed this often (ms) instead of every periodSeconds, so a
   * new instance counts as soon as it answers. Kubernetes waits for the next period; a startupProbe is its answer.
   */
  startupProbeIntervalMs?: number;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 300_000, resetAfterMs: 600_000 };

interface Instance {
  index: number;
  name: string;
  port?: number;
  env: Record<string, string>;
  phase: InstancePhase;
  child?: ChildProcess;
  pid?: number;
  /** Creation order (for "stop the newest first"). */
  seq: number;
  lastStartAt: number;
  restarts: number;
  backoffLevel: number;
  everReady: boolean;
  probeSuccesses: number;
  probeFailures: number;
  timer?: ReturnType<typeof setTimeout>;
  killTimer?: ReturnType<typeof setTimeout>;
  /** Resolves when a stopping instance is gone. */
  gone?: Promise<void>;
  markGone?: () => void;
}

export class ProcessPool extends EventEmitter implements ScaleTarget {
  readonly description: string;
  private readonly instances = new Map<number, Instance>();
  private desired = 0;
  private closed = false;
  private createdSeq = 0;
  private readonly backoff: BackoffOptions;
  private readonly watchdog: ProcessWatchdog | undefined;
  private readonly output: (line: OutputLine) => void;
  private readonly startupProbeIntervalMs: number;
  /** Serializes reconcile passes (port checks are async). */
  private chain: Promise<void> = Promise.resolve();
  private lastReported = { desired: -1, ready: -1 };

  constructor(
    readonly group: ProcessGroup,
    private readonly opts: ProcessPoolOptions = {},
  ) {
    super();
    this.description = `ProcessGroup ${group.metadata.name}`;
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.watchdog = opts.watchdog === false ? undefined : (opts.watchdog ?? processWatchdog());
    this.output = opts.output ?? defaultOutput;
    this.startupProbeIntervalMs = opts.startupProbeIntervalMs ?? 200;
  }

  get name(): string {
    return this.group.metadata.name;
  }

  /** Desired instances (what setReplicas last asked for). */
  getReplicas(): number {
    return this.desired;
  }

  /** Instances whose readinessProbe passes (or that are running, without a probe), not counting stopping ones. */
  readyReplicas(): number {
    let n = 0;
    for (const i of this.instances.values()) if (i.phase === 'ready') n++;
    return n;
  }

  list(): InstanceInfo[] {
    return [...this.instances.values()]
      .sort((a, b) => a.index - b.index)
      .map((i) => ({ name: i.name, index: i.index, phase: i.phase, pid: i.pid, port: i.port, restarts: i.restarts }));
  }

  async get(): Promise<ReplicaCounts> {
    return { replicas: this.desired, readyReplicas: this.readyReplicas() };
  }

  set(replicas: number): Promise<void> {
    return this.setReplicas(replicas);
  }

  /** Start or stop instances until `n` are wanted. Resolves once starts and stop signals are issued. */
  setReplicas(n: number): Promise<void> {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`${this.description}: replicas must be a whole number >= 0, got ${n}`);
    const ports = this.group.spec.ports;
    if (ports && n > ports.to - ports.from + 1) {
      throw new RangeError(
        `${this.description}: ${n} instances need ${n} ports but spec.ports is ${ports.from}-${ports.to}; widen spec.ports or lower maxReplicaCount`,
      );
    }
    if (this.closed) throw new Error(`${this.description}: the pool is closed`);
    this.desired = n;
    this.chain = this.chain
      .then(() => this.reconcile())
      .catch((err: unknown) => {
        this.emitEvent({ type: 'failed-to-start', instance: this.name, message: String(err) });
      });
    this.report();
    return this.chain;
  }

  /** Resolves when at least `count` instances are ready. */
  whenReady(count: number, signal?: AbortSignal): Promise<void> {
    return this.when(() => this.readyReplicas() >= count, signal);
  }

  /** Resolves when no instance process is left (after setReplicas(0) or close()). */
  whenEmpty(signal?: AbortSignal): Promise<void> {
    return this.when(() => this.instances.size === 0, signal);
  }

  /** Stop every instance (graceful, then SIGKILL after the grace period) and wait until all are gone. */
  async close(): Promise<void> {
    if (this.closed) return this.whenEmpty();
    this.desired = 0;
    await this.chain;
    this.closed = true;
    for (const inst of [...this.instances.values()]) this.stop(inst);
    await this.whenEmpty();
  }

  private when(check: () => boolean, signal?: AbortSignal): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onChange = () => {
        if (!check()) return;
        cleanup();
        resolve();
      };
      const onAbort = () => {
        cleanup();
        reject(signal?.reason ?? new Error('aborted'));
      };
      const cleanup = () => {
        this.off('changed', onChange);
        signal?.removeEventListener('abort', onAbort);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.on('changed', onChange);
    });
  }

  private async reconcile(): Promise<void> {
    if (this.closed) return;
    const active = () => [...this.instances.values()].filter((i) => i.phase !== 'stopping');
    while (active().length < this.desired) {
      let index = 0;
      while (this.instances.has(index)) index++;
      const port = await this.freePort();
      if (this.closed || active().length >= this.desired) break;
      this.create(index, port);
    }
    const extra = active().length - this.desired;
    if (extra > 0) {
      // Kubernetes' ReplicaSet deletes unready pods before ready ones, then the newest first.
      const victims = active()
        .sort((a, b) => Number(a.phase === 'ready') - Number(b.phase === 'ready') || b.seq - a.seq)
        .slice(0, extra);
      for (const v of victims) this.stop(v);
    }
  }

  /** Lowest port of spec.ports that no instance holds and nothing else listens on. */
  private async freePort(): Promise<number | undefined> {
    const range = this.group.spec.ports;
    if (!range) return undefined;
    const held = new Set([...this.instances.values()].map((i) => i.port));
    for (let p = range.from; p <= range.to; p++) {
      if (held.has(p)) continue;
      if (await portIsFree(p)) return p;
    }
    throw new Error(`${this.description}: no free port left in spec.ports ${range.from}-${range.to}`);
  }

  private create(index: number, port: number | undefined): void {
    const name = `${this.name}-${index}`;
    const vars: Record<string, string> = { UPDRAFT_INSTANCE: name, UPDRAFT_INSTANCE_INDEX: String(index) };
    if (port !== undefined) vars.PORT = String(port);
    // Kubernetes: an env value may refer to variables defined before it.
    for (const [k, v] of Object.entries(this.group.spec.env)) vars[k] = expandVars(v, vars);
    const now = Date.now();
    const inst: Instance = {
      index,
      name,
      port,
      env: vars,
      phase: 'starting',
      seq: this.createdSeq++,
      lastStartAt: now,
      restarts: 0,
      backoffLevel: 0,
      everReady: false,
      probeSuccesses: 0,
      probeFailures: 0,
    };
    this.instances.set(index, inst);
    this.launch(inst);
  }

  private launch(inst: Instance): void {
    const spec = this.group.spec;
    const cwd = resolvePath(this.opts.baseDir ?? process.cwd(), spec.workingDir ?? '.');
    inst.phase = 'starting';
    inst.lastStartAt = Date.now();
    inst.probeSuccesses = 0;
    inst.probeFailures = 0;
    let child: ChildProcess;
    try {
      child = spawn(
        expandVars(spec.command, inst.env),
        spec.args.map((a) => expandVars(a, inst.env)),
        {
          cwd,
          env: { ...(this.opts.baseEnv ?? process.env), ...inst.env },
          // Own process group (setsid): the instance and everything it starts are signalled as one.
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
    } catch (err) {
      this.onExit(inst, undefined, null, null, String(err));
      return;
    }
    inst.child = child;
    let spawnError: string | undefined;
    child.once('error', (err) => {
      spawnError = `${err.message}${(err as NodeJS.ErrnoException).code === 'ENOENT' ? ` (is '${spec.command}' on PATH, relative to workingDir ${cwd}?)` : ''}`;
      // A spawn failure emits 'error' without 'exit'.
      if (child.pid === undefined) this.onExit(inst, child, null, null, spawnError);
    });
    child.once('exit', (code, signal) => this.onExit(inst, child, code, signal, spawnError));
    for (const stream of ['stdout', 'stderr'] as const) {
      const s = child[stream];
      if (!s) continue;
      createInterface({ input: s, crlfDelay: Infinity }).on('line', (line) => this.output({ instance: inst.name, stream, line }));
    }
    if (child.pid === undefined) return;
    inst.pid = child.pid;
    this.watchdog?.register(child.pid, spec.terminationGracePeriodSeconds * 1000);
    inst.phase = 'running';
    this.emitEvent({ type: 'started', instance: inst.name, pid: child.pid, port: inst.port });
    const probe = spec.readinessProbe;
    if (!probe) {
      // Kubernetes: without a readiness probe a running container is ready.
      this.setReady(inst, true, '');
    } else {
      this.scheduleProbe(inst, probe, probe.initialDelaySeconds * 1000);
    }
  }

  private scheduleProbe(inst: Instance, probe: Probe, delayMs: number): void {
    inst.timer = setTimeout(async () => {
      inst.timer = undefined;
      const child = inst.child;
      const result = await runProbe(probe, inst);
      // The instance may have exited or be stopping while the probe ran.
      if (inst.child !== child || (inst.phase !== 'running' && inst.phase !== 'ready')) return;
      if (result.ok) {
        inst.probeSuccesses++;
        inst.probeFailures = 0;
        if (inst.phase !== 'ready' && inst.probeSuccesses >= probe.successThreshold) this.setReady(inst, true, '');
      } else {
        inst.probeFailures++;
        inst.probeSuccesses = 0;
        if (inst.phase === 'ready' && inst.probeFailures >= probe.failureThreshold) {
          this.setReady(inst, false, `readiness probe failed ${inst.probeFailures} times: ${result.message}`);
        }
      }
      const next = inst.everReady ? probe.periodSeconds * 1000 : Math.min(probe.periodSeconds * 1000, this.startupProbeIntervalMs);
      this.scheduleProbe(inst, probe, next);
    }, delayMs);
  }

  private setReady(inst: Instance, ready: boolean, reason: string): void {
    if (ready) {
      inst.phase = 'ready';
      inst.everReady = true;
      this.emitEvent({ type: 'ready', instance: inst.name });
    } else {
      inst.phase = 'running';
      this.emitEvent({ type: 'not-ready', instance: inst.name, reason });
    }
    this.report();
  }

  private onExit(inst: Instance, child: ChildProcess | undefined, code: number | null, signal: string | null, error?: string): void {
    if (child && inst.child !== child) return;
    inst.child = undefined;
    if (inst.timer) clearTimeout(inst.timer);
    inst.timer = undefined;
    if (inst.killTimer) clearTimeout(inst.killTimer);
    inst.killTimer = undefined;
    const pid = inst.pid;
    if (pid !== undefined) {
      // The main process is gone; anything it left in its group goes too (a container's processes end with it).
      killGroup(pid, 'SIGKILL');
      this.watchdog?.unregister(pid);
    }
    inst.pid = undefined;
    const expected = inst.phase === 'stopping';
    if (error && !expected) this.emitEvent({ type: 'failed-to-start', instance: inst.name, message: error });
    else this.emitEvent({ type: 'exited', instance: inst.name, code, signal, expected });
    if (expected || this.closed) {
      this.instances.delete(inst.index);
      inst.markGone?.();
      this.report();
      if (!this.closed) void this.setReplicas(this.desired);
      return;
    }
    // Kubernetes restartPolicy Always: any exit restarts, after a delay that doubles per crash (CrashLoopBackOff).
    if (Date.now() - inst.lastStartAt >= this.backoff.resetAfterMs) inst.backoffLevel = 0;
    const delayMs = Math.min(this.backoff.initialMs * 2 ** inst.backoffLevel, this.backoff.maxMs);
    inst.backoffLevel++;
    inst.restarts++;
    inst.phase = 'backoff';
    this.emitEvent({ type: 'backoff', instance: inst.name, delayMs, restarts: inst.restarts });
    this.report();
    inst.timer = setTimeout(() => {
      inst.timer = undefined;
      if (inst.phase === 'backoff') this.launch(inst);
    }, delayMs);
  }

  private stop(inst: Instance): void {
    if (inst.phase === 'stopping') return;
    inst.gone = new Promise((r) => (inst.markGone = r));
    if (inst.timer) clearTimeout(inst.timer);
    inst.timer = undefined;
    const wasReady = inst.phase === 'ready';
    inst.phase = 'stopping';
    if (wasReady) this.report();
    const pid = inst.pid;
    if (pid === undefined || !inst.child) {
      // In backoff: nothing runs.
      this.instances.delete(inst.index);
      inst.markGone?.();
      this.report();
      return;
    }
    this.emitEvent({ type: 'stopping', instance: inst.name, pid });
    const graceMs = this.group.spec.terminationGracePeriodSeconds * 1000;
    if (graceMs === 0) {
      killGroup(pid, 'SIGKILL');
      return;
    }
    killGroup(pid, 'SIGTERM');
    const sentAt = Date.now();
    inst.killTimer = setTimeout(() => {
      inst.killTimer = undefined;
      if (inst.pid === pid) {
        killGroup(pid, 'SIGKILL');
        this.emitEvent({ type: 'killed', instance: inst.name, pid, afterMs: Date.now() - sentAt });
      }
    }, graceMs);
  }

  private emitEvent(e: PoolEvent): void {
    this.emit('event', e);
    this.emit('changed');
  }

  private report(): void {
    const now = { desired: this.desired, ready: this.readyReplicas() };
    if (now.desired !== this.lastReported.desired || now.ready !== this.lastReported.ready) {
      this.lastReported = now;
      this.emit('event', { type: 'replicas', ...now } satisfies PoolEvent);
    }
    this.emit('changed');
  }
}

function defaultOutput({ instance, stream, line }: OutputLine): void {
  (stream === 'stderr' ? process.stderr : process.stdout).write(`${instance} | ${line}\n`);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

type ProbeResult = { ok: true } | { ok: false; message: string };

/** One readiness check with the probe's timeout. Kubernetes: HTTP 200–399 is success; TLS is not verified. */
function runProbe(probe: Probe, inst: { port?: number; env: Record<string, string> }): Promise<ProbeResult> {
  const timeoutMs = probe.timeoutSeconds * 1000;
  return new Promise<ProbeResult>((resolve) => {
    const done = (r: ProbeResult) => {
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => {
      cancel();
      resolve({ ok: false, message: `timed out after ${probe.timeoutSeconds}s` });
    }, timeoutMs);
    let cancel = () => {};
    if ('httpGet' in probe) {
      const g = probe.httpGet;
      const port = g.port ?? inst.port;
      const req = (g.scheme === 'HTTPS' ? httpsRequest : httpRequest)(
        {
          host: g.host,
          port,
          path: g.path,
          method: 'GET',
          agent: false,
          rejectUnauthorized: false,
          headers: Object.fromEntries(g.httpHeaders.map((h) => [h.name, h.value])),
        },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          done(status >= 200 && status < 400 ? { ok: true } : { ok: false, message: `GET ${g.path} returned ${status}` });
        },
      );
      req.on('error', (err) => done({ ok: false, message: `GET ${g.host}:${port}${g.path}: ${err.message}` }));
      req.end();
      cancel = () => req.destroy();
    } else if ('tcpSocket' in probe) {
      const port = probe.tcpSocket.port ?? inst.port;
      const sock = connect({ host: probe.tcpSocket.host, port: port ?? 0 }, () => {
        sock.destroy();
        done({ ok: true });
      });
      sock.on('error', (err) => done({ ok: false, message: `connect ${probe.tcpSocket.host}:${port}: ${err.message}` }));
      cancel = () => sock.destroy();
    } else {
      const [cmd, ...args] = probe.exec.command.map((c) => expandVars(c, inst.env));
      const child = spawn(cmd, args, { env: { ...process.env, ...inst.env }, stdio: 'ignore', detached: true });
      child.on('error', (err) => done({ ok: false, message: `exec ${cmd}: ${err.message}` }));
      child.on('exit', (code) => done(code === 0 ? { ok: true } : { ok: false, message: `exec ${cmd} exited with ${code}` }));
      cancel = () => {
        if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      };
    }
  });
}
