// Real X.509 material for TLS tests, made by the openssl CLI into a temporary directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pem {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

export interface CertFactory {
  dir: string;
  /** A self-signed CA. */
  ca(name: string): Pem;
  /** A leaf signed by `ca`. `hosts` become SANs (IPs or DNS names) for server certificates. */
  leaf(name: string, ca: Pem, opts: { cn: string; org?: string; usage: 'server' | 'client'; hosts?: string[] }): Pem;
  cleanup(): void;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function certFactory(): CertFactory {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-certs-'));
  const pem = (name: string): Pem => {
    const certFile = join(dir, `${name}.crt`);
    const keyFile = join(dir, `${name}.key`);
    return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  };
  return {
    dir,
    ca(name) {
      openssl([
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${name}`,
        '-keyout',
        join(dir, `${name}.key`),
        '-out',
        join(dir, `${name}.crt`),
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ]);
      return pem(name);
    },
    leaf(name, ca, opts) {
      const ext = join(dir, `${name}.ext`);
      const sans = (opts.hosts ?? []).map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
      writeFileSync(
        ext,
        [
          'basicConstraints=CA:FALSE',
          'keyUsage=critical,digitalSignature,keyEncipherment',
          `extendedKeyUsage=${opts.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
          ...(sans ? [`subjectAltName=${sans}`] : []),
        ].join('\n'),
      );
      const subj = `${opts.org ? `/O=${opts.org}` : ''}/CN=${opts.cn}`;
      openssl([
        'req',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-subj',
        subj,
        '-keyout',
        join(dir, `${name}.key`),
        '-out',
        join(dir, `${name}.csr`),
      ]);
      openssl([
        'x509',
        '-req',
        '-in',
        join(dir, `${name}.csr`),
        '-CA',
        ca.certFile,
        '-CAkey',
        ca.keyFile,
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        ext,
        '-out',
        join(dir, `${name}.crt`),
      ]);
      return pem(name);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
