// Starts the KEDA external scaler harness (test/support/external-scaler-harness, built by
// scripts/deps/external-scaler.sh on KEDA's generated protocol package and grpc-go) on loopback ports it keeps
// across restarts, so a test can stop the server and bring it back at the same address.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';
import { waitFor } from './wait.ts';

const SRC = fileURLToPath(new URL('./external-scaler-harness/', import.meta.url));

/** The built harness for the current sources, or undefined when scripts/deps/external-scaler.sh has not run. */
export function externalScalerBinary(): string | undefined {
  const hash = createHash('sha256')
    .update(Buffer.concat(['main.go', 'go.mod', 'go.sum'].map((f) => readFileSync(join(SRC, f)))))
    .digest('hex')
    .slice(0, 16);
  const bin = join(process.env.UPDRAFT_CACHE ?? join(homedir(), '.cache', 'updraft'), 'external-scaler', hash, 'external-scaler-harness');
  return existsSync(bin) ? bin : undefined;
}

export interface HarnessStats {
  connections: number;
  open: number;
  streams: number;
  calls: Record<string, number>;
}

export interface ExternalScalerServer {
  /** host:port of the gRPC service. */
  address: string;
  setValue(key: string, value: number, opts?: { push?: boolean }): Promise<void>;
  /** Send an IsActive event on every open StreamIsActive of `key`; resolves to how many streams got it. */
  push(key: string, active: boolean): Promise<number>;
  stats(): Promise<HarnessStats>;
  /** Stop the process (values are lost, as a real restart loses them). */
  stop(): Promise<void>;
  /** Start it again on the same ports. */
  start(): Promise<void>;
}

export interface HarnessOptions {
  tls?: { certFile: string; keyFile: string; clientCaFile?: string };
  apiKey?: string;
}

export async function startExternalScaler(opts: HarnessOptions = {}): Promise<ExternalScalerServer> {
  const bin = externalScalerBinary();
  if (!bin) throw new Error('the external scaler harness is not built; run scripts/deps/external-scaler.sh');
  const [port, controlPort] = [await freePort(), await freePort()];
  const control = `http://127.0.0.1:${controlPort}`;
  let child: ChildProcess | undefined;
  let stderr = '';
  const args = ['-listen', `127.0.0.1:${port}`, '-control', `127.0.0.1:${controlPort}`];
  if (opts.tls)
    args.push('-tls-cert', opts.tls.certFile, '-tls-key', opts.tls.keyFile, ...(opts.tls.clientCaFile ? ['-client-ca', opts.tls.clientCaFile] : []));
  if (opts.apiKey) args.push('-api-key', opts.apiKey);

  const post = async (path: string): Promise<string> => {
    const res = await fetch(`${control}${path}`, { method: 'POST' });
    const text = await res.text();
    if (!res.ok) throw new Error(`harness ${path}: ${res.status} ${text}`);
    return text;
  };
  const server: ExternalScalerServer = {
    address: `127.0.0.1:${port}`,
    async setValue(key, value, o = {}) {
      await post(`/value?key=${encodeURIComponent(key)}&value=${value}${o.push ? '&push=1' : ''}`);
    },
    async push(key, active) {
      return Number((await post(`/push?key=${encodeURIComponent(key)}&active=${active}`)).trim());
    },
    async stats() {
      return (await (await fetch(`${control}/stats`)).json()) as HarnessStats;
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
    async start() {
      stderr = '';
      const c = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-2000);
      });
      c.stdout?.resume();
      await waitFor(
        `the external scaler harness on ${port} (${stderr})`,
        async () => {
          if (c.exitCode !== null) throw new Error(`the harness exited: ${stderr}`);
          try {
            return (await fetch(`${control}/stats`)).ok;
          } catch {
            return false;
          }
        },
        15_000,
        50,
      );
    },
  };
  await server.start();
  return server;
}
