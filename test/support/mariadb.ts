// Starts a real MariaDB (MySQL protocol; Debian package, scripts/deps/mariadb.sh) on a free loopback port with its
// own data dir from mariadb-install-db, as the `mysql` user when the tests run as root. A login user with a password
// and a database are created; `sql()` runs statements as root over the server's own socket. Stop with `stop()`.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from './free-port.ts';
import { waitFor } from './wait.ts';

export interface LocalMariadb {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Run SQL as root in `database`. */
  sql(text: string, values?: unknown[]): Promise<unknown>;
  /** Connections of `user` open now (information_schema.PROCESSLIST). */
  connectionsOf(user: string): Promise<number>;
  stop(): Promise<void>;
}

function ids(name: string): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  return { uid: Number(execFileSync('id', ['-u', name]).toString().trim()), gid: Number(execFileSync('id', ['-g', name]).toString().trim()) };
}

export async function startMariadb(): Promise<LocalMariadb> {
  const who = ids('mysql');
  const dir = mkdtempSync(join(tmpdir(), 'updraft-mariadb-'));
  chmodSync(dir, 0o755);
  if (who.uid !== undefined) chownSync(dir, who.uid, who.gid!);
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const userArg = who.uid !== undefined ? ['--user=mysql'] : [];
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=socket', '--skip-test-db', ...userArg], {
    stdio: 'pipe',
  });
  const port = await freePort();
  const child = spawn(
    '/usr/sbin/mariadbd',
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      '--skip-log-bin',
      '--innodb-buffer-pool-size=32M',
      '--max-connections=300',
      ...userArg,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const stop = async () => {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    });
    rmSync(dir, { recursive: true, force: true });
  };
  // root logs in through the socket (unix_socket auth: the OS user must be root or mysql's own); as non-root the
  // install makes the current OS user the socket-authenticated admin.
  const osUser = process.getuid?.() === 0 ? 'root' : execFileSync('id', ['-un']).toString().trim();
  const admin = () => mysql.createConnection({ socketPath: socket, user: osUser, multipleStatements: true });
  let root: mysql.Connection | undefined;
  try {
    await waitFor(
      'mariadb accepting connections',
      async () => {
        try {
          root = await admin();
          return true;
        } catch {
          return false;
        }
      },
      60_000,
      200,
    );
  } catch (e) {
    await stop();
    throw new Error(`mariadb did not start: ${(e as Error).message}\n${stderr}`);
  }
  const user = 'updraft';
  const password = "pw'with@and:colon";
  const database = 'stats_db';
  await root!.query(`CREATE DATABASE ${database}`);
  await root!.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', password]);
  await root!.query('CREATE USER ?@? IDENTIFIED BY ?', [user, 'localhost', password]);
  // All privileges on its database, so that only the scaler's READ ONLY guard stops a write; none elsewhere.
  await root!.query('CREATE DATABASE other_db');
  await root!.query('CREATE TABLE other_db.secret_stuff (x int)');
  for (const h of ['%', 'localhost']) await root!.query(`GRANT ALL ON ${database}.* TO ?@?`, [user, h]);
  await root!.query(`USE ${database}`);
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    database,
    sql: async (text, values) => (await root!.query(text, values))[0],
    async connectionsOf(u) {
      const [rows] = await root!.query('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?', [u]);
      return Number((rows as Array<{ n: number }>)[0].n);
    },
    async stop() {
      await root?.end().catch(() => undefined);
      await stop();
    },
  };
}
