// Starts real Redis servers (Debian redis-server / redis-sentinel / redis-cli, scripts/deps/redis.sh) on free
// loopback ports, each with its own temp dir: a standalone server (optionally with a password), a 3-primary
// cluster (`--cluster-enabled yes` ×3 + `redis-cli --cluster create`), and a sentinel watching a primary.
// Stop with `stop()`.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);

export interface RedisServer {
  port: number;
  address: string;
  /** redis-cli against this server; returns stdout. */
  cli(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

async function spawnRedis(bin: string, args: string[], port: number, password?: string): Promise<{ child: ChildProcess; cli: RedisServer['cli'] }> {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const cli = async (...a: string[]) => {
    const auth = password ? ['--no-auth-warning', '-a', password] : [];
    return (await run('/usr/bin/redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...auth, ...a])).stdout.trim();
  };
  try {
    await waitFor(`${bin} on ${port}`, async () => (await cli('PING').catch(() => '')) === 'PONG', 20_000);
  } catch (e) {
    await stopChild(child);
    throw new Error(`${bin} did not start: ${(e as Error).message}\n${stderr}`);
  }
  return { child, cli };
}

/** A standalone redis-server; `password` sets requirepass (the default user). */
export async function startRedis(options: { password?: string } = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
  if (options.password) args.push('--requirepass', options.password);
  const { child, cli } = await spawnRedis('/usr/bin/redis-server', args, port, options.password);
  return {
    port,
    address: `127.0.0.1:${port}`,
    cli,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RedisCluster {
  addresses: string[];
  /** redis-cli -c against the first node (follows MOVED). */
  cli(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Three cluster-enabled primaries, slots assigned by `redis-cli --cluster create`. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-redis-cluster-'));
  const nodes: Array<{ port: number; child: ChildProcess }> = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => stopChild(n.child)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const nodeDir = join(dir, String(i));
      mkdirSync(nodeDir);
      const args = [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        nodeDir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(nodeDir, 'nodes.conf'),
        '--cluster-node-timeout',
        '2000',
      ];
      const { child } = await spawnRedis('/usr/bin/redis-server', args, port);
      nodes.push({ port, child });
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run('/usr/bin/redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    const cli = async (...a: string[]) => (await run('/usr/bin/redis-cli', ['-c', '-h', '127.0.0.1', '-p', String(nodes[0].port), ...a])).stdout.trim();
    // Every node must see the whole slot map (cluster_state:ok and three connected primaries) before keys are
    // written: a node still in the handshake answers with a partial map.
    await waitFor(
      'cluster state ok on every node',
      async () => {
        for (const n of nodes) {
          const info = (await run('/usr/bin/redis-cli', ['-h', '127.0.0.1', '-p', String(n.port), 'CLUSTER', 'INFO'])).stdout;
          const known = (await run('/usr/bin/redis-cli', ['-h', '127.0.0.1', '-p', String(n.port), 'CLUSTER', 'NODES'])).stdout;
          if (!info.includes('cluster_state:ok') || (known.match(/master - 0 \d+ \d+ connected|myself,master/g) ?? []).length < 3) return false;
        }
        return true;
      },
      30_000,
      200,
    );
    return { addresses, cli, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface RedisSentinel {
  /** The sentinel's address (what a trigger's `addresses` holds). */
  address: string;
  master: string;
  /** The primary the sentinel watches. */
  primary: RedisServer;
  stop(): Promise<void>;
}

/** A primary (with `password`, if given) and one redis-sentinel in front of it, master name `mymaster`. */
export async function startRedisSentinel(options: { password?: string; sentinelPassword?: string } = {}): Promise<RedisSentinel> {
  const primary = await startRedis(options.password ? { password: options.password } : {});
  const dir = mkdtempSync(join(tmpdir(), 'updraft-sentinel-'));
  const port = await freePort();
  const conf = [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${dir}`,
    `sentinel monitor mymaster 127.0.0.1 ${primary.port} 1`,
    'sentinel down-after-milliseconds mymaster 5000',
    ...(options.password ? [`sentinel auth-pass mymaster ${options.password}`] : []),
    ...(options.sentinelPassword ? [`requirepass ${options.sentinelPassword}`] : []),
  ].join('\n');
  writeFileSync(join(dir, 'sentinel.conf'), `${conf}\n`);
  let sentinel: { child: ChildProcess; cli: RedisServer['cli'] };
  try {
    sentinel = await spawnRedis('/usr/bin/redis-sentinel', [join(dir, 'sentinel.conf')], port, options.sentinelPassword);
    await waitFor(
      'sentinel knows the master',
      async () => (await sentinel.cli('SENTINEL', 'get-master-addr-by-name', 'mymaster')).includes(String(primary.port)),
      20_000,
      200,
    );
  } catch (e) {
    await primary.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    address: `127.0.0.1:${port}`,
    master: 'mymaster',
    primary,
    async stop() {
      await stopChild(sentinel.child);
      await primary.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
