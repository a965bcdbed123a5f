// A real HashiCorp Vault dev server (`vault server -dev`: in memory, unsealed, KV v2 mounted at secret/, a known
// root token) for the hashiCorpVault TriggerAuthentication tests. The binary comes from scripts/slow/vault.sh
// (built from the Go module proxy, cached under ~/.cache/updraft/vault/<version>/vault); without it the tests skip
// and say how to build it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { eventually } from './wait.ts';

export const VAULT_ROOT_TOKEN = 'updraft-test-root';

/** The cached Vault binary, or why there is none. */
export function vaultBinary(): { bin?: string; why?: string } {
  const dir = join(process.env.UPDRAFT_CACHE ?? join(homedir(), '.cache', 'updraft'), 'vault');
  const versions = existsSync(dir) ? readdirSync(dir).filter((v) => /^v\d/.test(v) && existsSync(join(dir, v, 'vault'))) : [];
  if (versions.length === 0)
    return { why: 'no Vault binary; build it with `flock /tmp/updraft-heavy.lock bash scripts/slow/vault.sh` (npm run test:slow builds it)' };
  return { bin: join(dir, versions.sort().at(-1)!, 'vault') };
}

export interface LocalVault {
  address: string;
  rootToken: string;
  /** A Vault API call as root (`path` without /v1/); throws with Vault's errors on a non-2xx answer. */
  api(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Record<string, unknown> | undefined>;
  stop(): Promise<void>;
}

export async function startVault(bin: string): Promise<LocalVault> {
  const port = await freePort();
  const address = `http://127.0.0.1:${port}`;
  let stderr = '';
  const child: ChildProcess = spawn(bin, ['server', '-dev', `-dev-root-token-id=${VAULT_ROOT_TOKEN}`, `-dev-listen-address=127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, VAULT_DEV_ROOT_TOKEN_ID: VAULT_ROOT_TOKEN, HOME: process.env.HOME ?? '/tmp' },
  });
  child.stderr?.on('data', (c: Buffer) => void (stderr = (stderr + c.toString()).slice(-8000)));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  const api: LocalVault['api'] = async (method, path, body) => {
    const res = await fetch(`${address}/v1/${path}`, {
      method,
      headers: { 'x-vault-token': VAULT_ROOT_TOKEN, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`Vault ${method} ${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  };
  try {
    await eventually(
      'vault server -dev to be unsealed and active',
      async () => {
        if (child.exitCode !== null) throw new Error(`vault exited (${child.exitCode}): ${stderr}`);
        const r = await fetch(`${address}/v1/sys/health`).catch(() => undefined);
        return r?.status === 200 ? true : undefined;
      },
      60_000,
      200,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, rootToken: VAULT_ROOT_TOKEN, api, stop };
}
