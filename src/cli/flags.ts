// The flag spellings shared by every command, parsed one way (docs/cli.md "Flags"):
//  - TLS versions: TLS12 / TLS13 (KEDA's spelling, documented); TLSv1.2, TLS1.2, tls12 … are accepted too.
//  - timeouts and durations: a duration with a unit (500ms, 3s, 1m); a bare number is milliseconds.
//  - ports: 0..65535 (0 picks a free one where the flag says so).
import { parseDurationMs } from '../api/values.ts';

/** KEDA writes TLS12/TLS13; Node wants TLSv1.2/TLSv1.3. Both spellings (and TLS1.2) are accepted. */
export function parseTlsVersion(flag: string, value: string): 'TLSv1.2' | 'TLSv1.3' {
  const v = value.replace(/^TLSv?1\.?/i, 'TLS1').toUpperCase();
  if (v === 'TLS12') return 'TLSv1.2';
  if (v === 'TLS13') return 'TLSv1.3';
  throw new Error(`${flag}: '${value}' is not a TLS version (use TLS12 or TLS13)`);
}

/** A timeout: '3s', '500ms', '1m', or a bare number of milliseconds ('3000'); must be > 0. */
export function parseTimeoutMs(flag: string, value: string): number {
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) : /[a-zµμ]$/.test(value) ? parseDurationMs(value) : undefined;
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0)
    throw new Error(`${flag} must be a duration such as 3s or 500ms (a bare number is milliseconds), got '${value}'`);
  return ms;
}

/** A TCP port 0..65535. */
export function parsePort(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${flag} must be a port number 0..65535, got '${value}'`);
  return n;
}

/** `--output`: one of the formats a command offers. */
export function parseOutput<T extends string>(flag: string, value: string, formats: readonly T[]): T {
  if (!(formats as readonly string[]).includes(value)) throw new Error(`${flag} must be ${formats.join(' or ')}, got '${value}'`);
  return value as T;
}

/** Colour and other terminal styling: only on a TTY, and never when NO_COLOR is set (no-color.org). */
export function useColor(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/** A file the user named that cannot be read, as one readable line (no raw ENOENT). */
export function fileErrorMessage(what: string, path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === 'ENOENT'
      ? 'no such file or directory'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'ENOTDIR'
            ? 'a part of the path is not a directory'
            : err instanceof Error
              ? err.message
              : String(err);
  return `cannot read ${what} ${path}: ${why}`;
}
