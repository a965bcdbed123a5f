// Starts real nats-server nodes with JetStream (Debian package, scripts/deps/nats-server.sh): one node, or a cluster
// of three on 127.0.0.1, 127.0.0.2 and 127.0.0.3 (all loopback on Linux) sharing the same client, route and
// monitoring ports, so each node has its own host name and the same monitoring port, as pods behind a headless
// service do. Each node has its own temp store dir. Stop with `stop()`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait.ts';

export interface NatsNode {
  name: string;
  ip: string;
  clientUrl: string;
  /** host:port of the monitoring listener (natsServerMonitoringEndpoint). */
  monitor: string;
}

export interface LocalNats {
  nodes: NatsNode[];
  /** All client URLs (for a client that may connect to any node). */
  servers: string[];
  stop(): Promise<void>;
}

function canBind(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, ip, () => s.close(() => resolve(true)));
  });
}

/** Three consecutive-ish ports free on every ip (random start, so parallel runs rarely collide). */
async function freePorts(ips: string[], count: number): Promise<number[]> {
  const out: number[] = [];
  for (let tries = 0; out.length < count && tries < 500; tries++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    if (out.includes(port)) continue;
    let ok = true;
    for (const ip of ips) ok = ok && (await canBind(ip, port));
    if (ok) out.push(port);
  }
  if (out.length < count) throw new Error('no free ports for nats-server');
  return out;
}

export async function startNats(size: 1 | 3): Promise<LocalNats> {
  const ips = size === 1 ? ['127.0.0.1'] : ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
  const [client, route, http] = await freePorts(ips, 3);
  const dir = mkdtempSync(join(tmpdir(), 'updraft-nats-'));
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  const nodes: NatsNode[] = ips.map((ip, i) => ({ name: `n${i + 1}`, ip, clientUrl: `nats://${ip}:${client}`, monitor: `${ip}:${http}` }));
  for (const [i, n] of nodes.entries()) {
    const conf = [
      `server_name: ${n.name}`,
      `listen: ${n.ip}:${client}`,
      `http: ${n.ip}:${http}`,
      `jetstream { store_dir: "${join(dir, n.name)}", max_memory_store: 64MB, max_file_store: 256MB }`,
      ...(size > 1 ? [`cluster { name: updraft, listen: ${n.ip}:${route}, routes: [${ips.map((x) => `nats://${x}:${route}`).join(', ')}] }`] : []),
    ].join('\n');
    const file = join(dir, `${n.name}.conf`);
    writeFileSync(file, conf);
    const child = spawn('nats-server', ['-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    logs[i] = '';
    child.stderr?.on('data', (c: Buffer) => {
      logs[i] = (logs[i] + c.toString()).slice(-3000);
    });
    children.push(child);
  }
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'nats JetStream ready on every node',
      async () => {
        for (const n of nodes) {
          const res = await fetch(`http://${n.monitor}/jsz`).catch(() => undefined);
          if (!res?.ok) return false;
          const body = (await res.json()) as { meta_cluster?: { leader?: string; cluster_size?: number }; config?: unknown };
          if (size > 1 && !(body.meta_cluster?.leader && body.meta_cluster.cluster_size === size)) return false;
        }
        return true;
      },
      30_000,
      200,
    );
  } catch (e) {
    await stop();
    throw new Error(`nats-server did not start: ${(e as Error).message}\n${logs.join('\n---\n')}`);
  }
  return { nodes, servers: nodes.map((n) => n.clientUrl), stop };
}
