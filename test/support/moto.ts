// Starts moto server (the local AWS: SQS, CloudWatch, STS, IAM) on a free loopback port for a test, from the venv
// scripts/deps/moto.sh installs. Stop it with `stop()`.
import { SigV4Signer } from '../../src/auth/sigv4.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { waitFor } from './wait.ts';

export function motoVenv(): string {
  return join(process.env.UPDRAFT_CACHE ?? join(homedir(), '.cache', 'updraft'), 'moto-venv');
}

export interface Moto {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
  /** Moto's IAM auth: requests after the first `count` must be signed by a known IAM user's keys. */
  resetAuth(count: number): Promise<void>;
}

export async function startMoto(options: { auth?: boolean } = {}): Promise<Moto> {
  const bin = join(motoVenv(), 'bin', 'moto_server');
  if (!existsSync(bin)) throw new Error(`moto_server not found at ${bin}; run scripts/deps/moto.sh`);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
  // Moto's request authentication is on once INITIAL_NO_AUTH_ACTION_COUNT requests have been served.
  if (options.auth) env.INITIAL_NO_AUTH_ACTION_COUNT = '1000000';
  const child: ChildProcess = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitFor('moto server', async () => (await fetch(`${endpoint}/moto-api/`)).ok, 30_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`moto server did not start: ${(e as Error).message}\n${stderr}`);
  }
  return {
    endpoint,
    port,
    async resetAuth(count: number) {
      const res = await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: String(count) });
      if (!res.ok) throw new Error(`moto reset-auth failed: ${res.status}`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/**
 * An IAM user with an allow-all policy and its access key, created in moto with the root test keys (IAM's query
 * protocol, signed by hand: the project has no IAM SDK client). With `auth: true`, call before resetAuth(0).
 */
export async function createIamUserKeys(moto: Moto, userName: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const signer = new SigV4Signer('iam', 'us-east-1', async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' }));
  const iam = async (params: Record<string, string>) => {
    const body = new URLSearchParams({ ...params, Version: '2010-05-08' }).toString();
    const url = new URL(`${moto.endpoint}/`);
    const headers = await signer.sign({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const res = await fetch(url, { method: 'POST', headers, body });
    const text = await res.text();
    if (!res.ok) throw new Error(`IAM ${params.Action}: ${res.status} ${text}`);
    return text;
  };
  await iam({ Action: 'CreateUser', UserName: userName });
  await iam({
    Action: 'PutUserPolicy',
    UserName: userName,
    PolicyName: 'all',
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
  });
  const xml = await iam({ Action: 'CreateAccessKey', UserName: userName });
  return { accessKeyId: /<AccessKeyId>([^<]+)</.exec(xml)?.[1] ?? '', secretAccessKey: /<SecretAccessKey>([^<]+)</.exec(xml)?.[1] ?? '' };
}
