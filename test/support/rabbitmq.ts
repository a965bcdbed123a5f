// Starts a real RabbitMQ node (Debian rabbitmq-server with the management plugin, scripts/deps/rabbitmq.sh) in the
// foreground, on free loopback ports, with its own node name, Mnesia and log dirs, config, plugins file and Erlang
// cookie under a temp dir — never the system service. It runs /usr/lib/rabbitmq/bin/rabbitmq-server, not the
// /usr/sbin wrapper, which would switch to the rabbitmq user (who cannot read the test's temp dir). Queues and
// messages go through the management HTTP API and AMQP (amqplib). Stop it with `stop()`.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'amqplib';
import { freePort } from './free-port.ts';
import { waitFor } from './wait.ts';

export interface LocalRabbitMQ {
  /** amqp://guest:guest@127.0.0.1:<port>/ */
  amqpUrl: string;
  amqpPort: number;
  /** http://guest:guest@127.0.0.1:<port>/ (management API) */
  httpUrl: string;
  httpPort: number;
  /** Call the management API as guest. */
  api(method: string, path: string, body?: unknown): Promise<Response>;
  /** Declare `queue` (durable) in `vhost` and publish `count` persistent messages to it; purges it first. */
  fill(queue: string, count: number, vhost?: string): Promise<void>;
  /** Wait until the management API reports `count` messages in `queue` (its stats are refreshed every few seconds). */
  waitForMessages(queue: string, count: number, vhost?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startRabbitMQ(): Promise<LocalRabbitMQ> {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-rabbitmq-'));
  const [amqpPort, httpPort, distPort] = [await freePort(), await freePort(), await freePort()];
  const node = `updraft-${randomBytes(4).toString('hex')}@localhost`;
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
      `management.tcp.port = ${httpPort}`,
      'management.tcp.ip = 127.0.0.1',
      // Queue stats every second, so tests see new depths quickly.
      'collect_statistics_interval = 1000',
      'management.rates_mode = basic',
    ].join('\n') + '\n',
  );
  for (const d of ['mnesia', 'log']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'enabled_plugins'), '[rabbitmq_management].\n');
  writeFileSync(join(dir, '.erlang.cookie'), randomBytes(16).toString('hex'), { mode: 0o400 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'rabbit.pid'),
    RABBITMQ_LOGS: '-',
    RABBITMQ_FEATURE_FLAGS_FILE: join(dir, 'feature_flags'),
    ERL_CRASH_DUMP: join(dir, 'erl_crash.dump'),
  };
  const child: ChildProcess = spawn('/usr/lib/rabbitmq/bin/rabbitmq-server', [], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const keep = (c: Buffer) => {
    output = (output + c.toString()).slice(-6000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // If the test process dies without stop() (a killed run), take the node with it.
  const onExit = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  process.once('exit', onExit);
  child.once('exit', () => process.removeListener('exit', onExit));
  const httpBase = `http://127.0.0.1:${httpPort}`;
  const auth = `Basic ${Buffer.from('guest:guest').toString('base64')}`;
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${httpBase}${path}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const stop = async () => {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      // The server script runs the Erlang VM as a child: signal the whole process group.
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 10_000).unref();
    });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('rabbitmq management API', async () => (await api('GET', '/api/overview').catch(() => undefined))?.ok === true, 120_000, 500);
  } catch (e) {
    await stop();
    throw new Error(`rabbitmq-server did not start: ${(e as Error).message}\n${output}`);
  }
  const amqpUrl = `amqp://guest:guest@127.0.0.1:${amqpPort}/`;
  const vh = (v: string) => encodeURIComponent(v);
  return {
    amqpUrl,
    amqpPort,
    httpUrl: `http://guest:guest@127.0.0.1:${httpPort}/`,
    httpPort,
    api,
    async fill(queue, count, vhost = '/') {
      const conn = await connect(`amqp://guest:guest@127.0.0.1:${amqpPort}/${vh(vhost)}`);
      try {
        const ch = await conn.createConfirmChannel();
        await ch.assertQueue(queue, { durable: true });
        await ch.purgeQueue(queue);
        for (let i = 0; i < count; i++) ch.sendToQueue(queue, Buffer.from(`m${i}`), { persistent: true });
        await ch.waitForConfirms();
        await ch.close();
      } finally {
        await conn.close();
      }
    },
    async waitForMessages(queue, count, vhost = '/') {
      await waitFor(
        `${queue} to hold ${count} messages in the management API`,
        async () => {
          const res = await api('GET', `/api/queues/${vh(vhost)}/${encodeURIComponent(queue)}`);
          return res.ok && ((await res.json()) as { messages?: number }).messages === count;
        },
        30_000,
        250,
      );
    },
    stop,
  };
}
