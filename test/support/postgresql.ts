// Starts a real PostgreSQL (Debian package, scripts/deps/postgresql.sh) on a free loopback port with its own
// initdb'd data dir, as a non-root user when the tests run as root (postgres refuses root). A superuser `postgres`
// and an ordinary login user/password are created; `sql()` runs statements as the superuser. Stop with `stop()`.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.ts';
import { waitFor } from './wait.ts';

export interface LocalPostgres {
  host: string;
  port: number;
  /** The ordinary login made for the tests (owner of `database`). */
  user: string;
  password: string;
  database: string;
  /** Run SQL as the superuser in `database`. */
  sql(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** Connections from `application_name` to the server now (pg_stat_activity). */
  connectionsFrom(applicationName: string): Promise<number>;
  stop(): Promise<void>;
}

function binDir(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
  const dir = `/usr/lib/postgresql/${versions[versions.length - 1]}/bin`;
  if (!existsSync(join(dir, 'postgres'))) throw new Error('PostgreSQL is not installed: run scripts/deps/postgresql.sh');
  return dir;
}

/** As root, run as `postgres` (the Debian package's system user). */
function asServerUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const ids = execFileSync('id', ['-u', 'postgres']).toString().trim();
  const gid = execFileSync('id', ['-g', 'postgres']).toString().trim();
  return { uid: Number(ids), gid: Number(gid) };
}

export async function startPostgres(): Promise<LocalPostgres> {
  const bin = binDir();
  const who = asServerUser();
  const dir = mkdtempSync(join(tmpdir(), 'updraft-pg-'));
  chmodSync(dir, 0o700);
  if (who.uid !== undefined) chownSync(dir, who.uid, who.gid!);
  const superPassword = 'super-pw';
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, superPassword);
  if (who.uid !== undefined) chownSync(pwfile, who.uid, who.gid!);
  const data = join(dir, 'data');
  execFileSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-sync'],
    { stdio: 'pipe', ...who },
  );
  const port = await freePort();
  const child = spawn(
    join(bin, 'postgres'),
    ['-D', data, '-k', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
    { stdio: ['ignore', 'ignore', 'pipe'], ...who },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const host = '127.0.0.1';
  const admin = (database: string) =>
    new pg.Client({ host, port, user: 'postgres', password: superPassword, database, application_name: 'updraft-test-admin' });

  const stop = async () => {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGINT'); // fast shutdown
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    });
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitFor(
      'postgres accepting connections',
      async () => {
        const c = admin('postgres');
        try {
          await c.connect();
          return true;
        } catch {
          return false;
        } finally {
          await c.end().catch(() => undefined);
        }
      },
      30_000,
      200,
    );
  } catch (e) {
    await stop();
    throw new Error(`postgres did not start (as ${who.uid === undefined ? userInfo().username : 'postgres'}): ${(e as Error).message}\n${stderr}`);
  }

  const user = 'updraft';
  const password = "pw with 'quote' and space";
  const database = 'jobs';
  const boot = admin('postgres');
  await boot.connect();
  await boot.query(`CREATE ROLE ${user} LOGIN PASSWORD '${password.replace(/'/g, "''")}'`);
  await boot.query(`CREATE DATABASE ${database} OWNER ${user}`);
  await boot.end();

  const main = admin(database);
  await main.connect();
  return {
    host,
    port,
    user,
    password,
    database,
    sql: (text, values) => main.query(text, values),
    async connectionsFrom(applicationName) {
      const r = await main.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
      return r.rows[0].n as number;
    },
    async stop() {
      await main.end().catch(() => undefined);
      await stop();
    },
  };
}
