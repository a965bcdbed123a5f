// The local process pool with real child processes (small Node scripts in fixtures/process-pool/).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseProcessGroup, type ProcessGroup } from '../../src/api/process-group.ts';
import { ProcessPool, type OutputLine, type PoolEvent } from '../../src/targets/process-pool.ts';

const fixture = fileURLToPath(new URL('./fixtures/process-pool/instance.mjs', import.meta.url));
const parentScript = fileURLToPath(new URL('./fixtures/process-pool/pool-parent.ts', import.meta.url));

// Each test gets its own port range so tests running side by side do not meet.
let nextPort = 21000 + (process.pid % 200) * 40;
function ports(n = 20) {
  const from = nextPort;
  nextPort += n;
  return { from, to: from + n - 1 };
}

function group(spec: Record<string, unknown>, name = 'web'): ProcessGroup {
  const r = parseProcessGroup({
    apiVersion: 'updraft.dev/v1alpha1',
    kind: 'ProcessGroup',
    metadata: { name },
    spec: {
      command: process.execPath,
      args: [fixture, '--port', '$(PORT)'],
      ports: ports(),
      readinessProbe: { httpGet: { path: '/healthz' }, periodSeconds: 1, failureThreshold: 1 },
      terminationGracePeriodSeconds: 5,
      ...spec,
    },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.value;
}

function makePool(g: ProcessGroup, extra: ConstructorParameters<typeof ProcessPool>[1] = {}) {
  const lines: OutputLine[] = [];
  const pool = new ProcessPool(g, { output: (l) => lines.push(l), ...extra });
  const events: PoolEvent[] = [];
  pool.on('event', (e: PoolEvent) => events.push(e));
  return { pool, lines, events };
}

function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

/** True while `pid` exists and is not a zombie waiting for its (new) parent to reap it. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('process pool', () => {
  it('starts instances with a port each and counts them ready only after the readiness probe passes', async (t) => {
    const { pool, lines } = makePool(group({ env: { READY_AFTER_MS: '400' } }));
    t.after(() => pool.close());
    await pool.setReplicas(2);
    assert.equal(pool.getReplicas(), 2);
    assert.equal(pool.readyReplicas(), 0, 'not ready before /healthz answers');
    await pool.whenReady(2);
    const list = pool.list();
    assert.deepEqual(
      list.map((i) => i.name),
      ['web-0', 'web-1'],
    );
    assert.equal(new Set(list.map((i) => i.port)).size, 2);
    for (const i of list) {
      // $(PORT) expanded in args, PORT and the instance name in env, output prefixed with the instance name.
      const started = lines.find((l) => l.instance === i.name && l.line.startsWith('started'));
      assert.ok(started, `no output from ${i.name}`);
      assert.match(started.line, new RegExp(`port=${i.port} instance=${i.name} env_port=${i.port}$`));
    }
    assert.deepEqual(await pool.get(), { replicas: 2, readyReplicas: 2 });
  });

  it('stops the newest instance first, with SIGTERM, and it exits gracefully', async (t) => {
    const { pool, lines, events } = makePool(group({}));
    t.after(() => pool.close());
    await pool.setReplicas(2);
    await pool.whenReady(2);
    await pool.setReplicas(3);
    await pool.whenReady(3);
    await pool.setReplicas(2);
    assert.equal(pool.readyReplicas(), 2, 'a stopping instance no longer counts');
    await waitFor(() => pool.list().length === 2, 5000, 'web-2 to exit');
    assert.deepEqual(
      pool.list().map((i) => i.name),
      ['web-0', 'web-1'],
    );
    assert.ok(lines.some((l) => l.instance === 'web-2' && l.line === 'got SIGTERM'));
    const exit = events.find((e) => e.type === 'exited' && e.instance === 'web-2');
    assert.deepEqual(exit, { type: 'exited', instance: 'web-2', code: 0, signal: null, expected: true });
    assert.ok(!events.some((e) => e.type === 'killed'));
  });

  it('kills an instance that ignores SIGTERM with SIGKILL after terminationGracePeriodSeconds, with its whole tree', async (t) => {
    const { pool, lines, events } = makePool(group({ env: { IGNORE_SIGTERM: '1', GRANDCHILD: '1' }, terminationGracePeriodSeconds: 1 }));
    t.after(() => pool.close());
    await pool.setReplicas(1);
    await pool.whenReady(1);
    const grandchild = Number(/grandchild pid=(\d+)/.exec(lines.map((l) => l.line).join('\n'))?.[1]);
    assert.ok(alive(grandchild));
    const started = Date.now();
    await pool.setReplicas(0);
    await pool.whenEmpty();
    const took = Date.now() - started;
    const killed = events.find((e) => e.type === 'killed');
    assert.ok(killed && killed.type === 'killed' && killed.afterMs >= 1000, `expected a SIGKILL after 1s, got ${JSON.stringify(killed)}`);
    assert.ok(took >= 1000, `stop took ${took} ms: SIGKILL came before the grace period ended`);
    assert.deepEqual(
      events.find((e) => e.type === 'exited'),
      { type: 'exited', instance: 'web-0', code: null, signal: 'SIGKILL', expected: true },
    );
    await waitFor(() => !alive(grandchild), 2000, 'the grandchild to be killed');
  });

  it('restarts a crashing instance with exponential backoff, capped, and never counts it ready', async (t) => {
    const { pool, events } = makePool(group({ env: { CRASH_AFTER_MS: '30', READY_AFTER_MS: '5000' } }), {
      backoff: { initialMs: 100, maxMs: 400 },
    });
    t.after(() => pool.close());
    await pool.setReplicas(1);
    await waitFor(() => events.filter((e) => e.type === 'backoff').length >= 5, 10_000, 'five restarts');
    const delays = events.flatMap((e) => (e.type === 'backoff' ? [e.delayMs] : []));
    assert.deepEqual(delays.slice(0, 5), [100, 200, 400, 400, 400]);
    assert.ok(pool.list()[0].restarts >= 5);
    assert.ok(!events.some((e) => e.type === 'ready'));
    assert.equal(pool.getReplicas(), 1);
    const exits = events.filter((e) => e.type === 'exited');
    assert.deepEqual(exits[0], { type: 'exited', instance: 'web-0', code: 1, signal: null, expected: false });
  });

  it('takes an instance out of the ready count when its probe fails failureThreshold times', async (t) => {
    const { pool, events } = makePool(group({}));
    t.after(() => pool.close());
    await pool.setReplicas(1);
    await pool.whenReady(1);
    process.kill(pool.list()[0].pid!, 'SIGUSR1');
    await waitFor(() => pool.readyReplicas() === 0, 5000, 'not ready');
    assert.ok(events.some((e) => e.type === 'not-ready' && /returned 503/.test(e.reason)));
    assert.equal(pool.list()[0].phase, 'running', 'a failing readiness probe does not restart (unlike liveness)');
  });

  it('reports a command that cannot start and keeps retrying it', async (t) => {
    const { pool, events } = makePool(group({ command: 'updraft-no-such-command', readinessProbe: undefined, ports: undefined }), {
      backoff: { initialMs: 50, maxMs: 50 },
    });
    t.after(() => pool.close());
    await pool.setReplicas(1);
    await waitFor(() => events.filter((e) => e.type === 'backoff').length >= 2, 3000, 'retries');
    const failed = events.find((e) => e.type === 'failed-to-start');
    assert.ok(failed && failed.type === 'failed-to-start' && /ENOENT/.test(failed.message) && /on PATH/.test(failed.message));
  });

  it('refuses more instances than spec.ports has ports', () => {
    const { pool } = makePool(group({ ports: { from: 20000, to: 20001 } }));
    assert.throws(() => pool.setReplicas(3), /3 instances need 3 ports but spec.ports is 20000-20001/);
  });

  describe('no instance outlives Updraft', () => {
    for (const mode of ['sigkill', 'crash', 'sigterm'] as const) {
      it(`when Updraft ${mode === 'sigkill' ? 'is killed with SIGKILL' : mode === 'crash' ? 'crashes' : 'gets SIGTERM'}`, async () => {
        const parent = spawn(process.execPath, ['--import', 'tsx', parentScript, mode, String(ports().from)], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        parent.stderr.on('data', (d) => (stderr += d));
        const first = await new Promise<string>((resolve, reject) => {
          createInterface({ input: parent.stdout }).once('line', resolve);
          parent.once('exit', () => reject(new Error(`parent exited early: ${stderr}`)));
        });
        const { pids } = JSON.parse(first) as { pids: number[] };
        assert.equal(pids.length, 4, 'two instances and two grandchildren');
        assert.ok(pids.every(alive));
        if (mode === 'sigkill') parent.kill('SIGKILL');
        if (mode === 'sigterm') parent.kill('SIGTERM');
        await new Promise((r) => parent.once('exit', r));
        // Grace period 1 s, then SIGKILL from the watchdog (or the pool, for SIGTERM).
        await waitFor(() => !pids.some(alive), 5000, `pids ${pids.filter(alive).join(',')} to be gone`);
      });
    }
  });
});
