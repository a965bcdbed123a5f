import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { goDurationMs, otlpGrpcTlsFiles, parseBindAddress, parseTlsVersion, register } from './operator.ts';
import {
  applyKedaFlags,
  ignoredFlagsWarning,
  KEDA_FLAGS,
  kedaHttpDefaults,
  kedaHttpTimeoutMs,
  pinoTimestamp,
  restrictSecretAccess,
  SHARED_FLAGS,
  zapLevel,
} from './keda-flags.ts';

/** Parses `updraft operator <args>` without running the operator: its options and what the KEDA flags map to. */
async function parseOperator(args: string[]) {
  const program = new Command().exitOverride();
  register(program);
  const op = program.commands.find((c) => c.name() === 'operator')!;
  op.exitOverride().configureOutput({ writeErr: () => {} });
  let seen: Record<string, unknown> = {};
  op.action((opts: Record<string, unknown>, cmd: Command) => {
    seen = { ...opts };
    const keda = applyKedaFlags(opts, (a) => cmd.getOptionValueSource(a) === 'cli');
    seen = { ...seen, ...keda.set, ignored: keda.ignored };
  });
  await program.parseAsync(['node', 'updraft', 'operator', ...args]);
  return seen as Record<string, unknown> & { ignored: string[] };
}

describe('updraft operator flags (the ones the Helm chart passes)', () => {
  test('bind addresses: ":port", "host:port", "[v6]:port", and 0/"" to turn a server off', () => {
    assert.deepEqual(parseBindAddress('--x', ':8080'), { host: undefined, port: 8080 });
    assert.deepEqual(parseBindAddress('--x', '127.0.0.1:6443'), { host: '127.0.0.1', port: 6443 });
    assert.deepEqual(parseBindAddress('--x', '[::1]:9443'), { host: '::1', port: 9443 });
    assert.deepEqual(parseBindAddress('--x', '8081'), { host: undefined, port: 8081 });
    assert.equal(parseBindAddress('--x', '0'), undefined);
    assert.equal(parseBindAddress('--x', ''), undefined);
    assert.throws(() => parseBindAddress('--metrics-bind-address', 'eight'), /--metrics-bind-address: 'eight' is not a bind address \(use ':8080'/);
    assert.throws(() => parseBindAddress('--x', ':70000'), /not a bind address/);
  });
  test("TLS versions in KEDA's spelling and Node's", () => {
    assert.equal(parseTlsVersion('--x', 'TLS12'), 'TLSv1.2');
    assert.equal(parseTlsVersion('--x', 'TLS13'), 'TLSv1.3');
    assert.equal(parseTlsVersion('--x', 'TLSv1.3'), 'TLSv1.3');
    assert.throws(
      () => parseTlsVersion('--metrics-api-min-tls-version', 'TLS11'),
      /--metrics-api-min-tls-version: 'TLS11' is not a TLS version \(use TLS12 or TLS13\)/,
    );
  });
  test('leader-election durations are Go durations from the environment', () => {
    assert.equal(goDurationMs('D', {}), undefined);
    assert.equal(goDurationMs('D', { D: '15s' }), 15_000);
    assert.equal(goDurationMs('D', { D: '1m30s' }), 90_000);
    assert.equal(goDurationMs('D', { D: '500ms' }), 500);
    assert.throws(
      () => goDurationMs('KEDA_OPERATOR_LEADER_ELECTION_LEASE_DURATION', { KEDA_OPERATOR_LEADER_ELECTION_LEASE_DURATION: '15' }),
      /KEDA_OPERATOR_LEADER_ELECTION_LEASE_DURATION: '15' is not a duration/,
    );
  });
});

// KEDA's keda-operator / keda-metrics-apiserver / keda-admission-webhooks flags (cmd/*/main.go): one subtest per flag.
const sample = (name: string) =>
  ({
    'zap-log-level': 'debug',
    'zap-encoder': 'console',
    'zap-time-encoding': 'rfc3339',
    'secure-port': '6443',
    'tls-min-version': 'VersionTLS13',
    'enable-prometheus-metrics': 'false',
  })[name] ?? '1';
describe("updraft operator accepts KEDA's flags", () => {
  for (const f of KEDA_FLAGS) {
    test(`--${f.name} (${f.from.join(', ')})${f.mapsTo ? ` → ${f.mapsTo}` : ': accepted, no effect'}`, async () => {
      const eq = await parseOperator([f.bool ? `--${f.name}=true` : `--${f.name}=${sample(f.name)}`]);
      const spaced = await parseOperator(f.bool ? [`--${f.name}`] : [`--${f.name}`, sample(f.name)]);
      if (f.mapsTo && !f.bool) {
        assert.deepEqual(eq.ignored, []);
        assert.deepEqual(spaced.ignored, []);
      } else if (!f.mapsTo) {
        assert.deepEqual(eq.ignored, [`--${f.name}`]);
        assert.deepEqual(spaced.ignored, [`--${f.name}`]);
      }
      if (f.bool) await parseOperator([`--${f.name}=false`]);
    });
  }
  for (const name of SHARED_FLAGS) {
    test(`--${name} is Updraft's own flag with KEDA's meaning`, async () => {
      const bools = [
        'leader-elect',
        'enable-opentelemetry-metrics',
        'enable-high-cardinality-metrics-labels',
        'enable-cert-rotation',
        'enable-webhook-patching',
        'enable-apiservice-patching',
      ];
      const value = bools.includes(name) ? [] : [name.endsWith('address') ? ':9999' : '/x'];
      const seen = await parseOperator([`--${name}`, ...value]);
      assert.deepEqual(seen.ignored, []);
    });
  }
  test('mapped flags set what they name: zap-* the log settings, secure-port the metrics API, enable-prometheus-metrics=false turns /metrics off', async () => {
    const seen = await parseOperator([
      '--zap-log-level=2',
      '--zap-encoder=console',
      '--zap-time-encoding=epoch',
      '--secure-port=7443',
      '--tls-private-key-file=/c/k',
      '--tls-min-version=VersionTLS12',
      '--enable-prometheus-metrics=false',
    ]);
    assert.equal(seen.logLevel, 'debug');
    assert.equal(seen.logFormat, 'console');
    assert.equal(seen.logTimeEncoding, 'epoch');
    assert.equal(seen.metricsApiBindAddress, ':7443');
    assert.equal(seen.tlsKeyFile, '/c/k');
    assert.equal(seen.metricsApiMinTlsVersion, 'TLS12');
    assert.equal(seen.metricsBindAddress, '0');
    assert.equal((await parseOperator(['--enable-prometheus-metrics=true'])).metricsBindAddress, ':8080');
  });
  test('KEDA flags without an effect: one warning line naming them all; a bad bool or level is an error, not a crash-loop on an unknown flag', async () => {
    const seen = await parseOperator([
      '--http-max-idle-conns=50',
      '--http-idle-conn-timeout',
      '60s',
      '--k8s-cluster-name=kubernetes-default',
      '--ca-dir=/a',
      '--ca-dir=/b',
    ]);
    assert.deepEqual(seen.ignored, ['--k8s-cluster-name', '--ca-dir', '--http-max-idle-conns', '--http-idle-conn-timeout']);
    assert.deepEqual(seen.caDir, ['/a', '/b']);
    assert.equal(
      ignoredFlagsWarning(seen.ignored),
      'updraft: warning: KEDA flags --k8s-cluster-name, --ca-dir, --http-max-idle-conns, --http-idle-conn-timeout have no effect in Updraft (accepted and ignored; see docs/helm.md)',
    );
    assert.equal(ignoredFlagsWarning([]), undefined);
    await assert.rejects(parseOperator(['--enable-prometheus-metrics=maybe']), /--enable-prometheus-metrics: 'maybe' is not a boolean/);
    assert.throws(() => zapLevel('loud'), /--zap-log-level: 'loud' is not a level/);
    assert.equal(zapLevel('panic'), 'error');
    await assert.rejects(parseOperator(['--not-a-keda-flag=1']), /unknown option '--not-a-keda-flag=1'/);
  });
  test("zap's time encodings", () => {
    assert.match(pinoTimestamp('rfc3339')(), /^,"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"$/);
    assert.match(pinoTimestamp('iso8601')(), /^,"time":"[^"]+\.\d{3}Z"$/);
    assert.match(pinoTimestamp('millis')(), /^,"time":\d{13}$/);
    assert.match(pinoTimestamp('epoch')(), /^,"time":\d{10}(\.\d+)?$/);
    assert.match(pinoTimestamp('nano')(), /^,"time":\d{19}$/);
    assert.throws(() => pinoTimestamp('local'), /--log-time-encoding: 'local' is not one of epoch/);
  });
  test('env the chart sets: KEDA_HTTP_DEFAULT_TIMEOUT (ms) and KEDA_RESTRICT_SECRET_ACCESS', () => {
    assert.equal(kedaHttpTimeoutMs({}), 3000);
    assert.equal(kedaHttpTimeoutMs({ KEDA_HTTP_DEFAULT_TIMEOUT: '7000' }), 7000);
    assert.throws(() => kedaHttpTimeoutMs({ KEDA_HTTP_DEFAULT_TIMEOUT: '3s' }), /KEDA_HTTP_DEFAULT_TIMEOUT: '3s' is not a number of milliseconds/);
    assert.equal(restrictSecretAccess({ KEDA_RESTRICT_SECRET_ACCESS: 'True' }), true);
    assert.equal(restrictSecretAccess({ KEDA_RESTRICT_SECRET_ACCESS: 'false' }), false);
    assert.equal(restrictSecretAccess({}), false);
  });
  test('env the chart sets: KEDA_HTTP_DISABLE_KEEP_ALIVE and KEDA_HTTP_MIN_TLS_VERSION (a bad value keeps the default, as KEDA)', () => {
    assert.deepEqual(kedaHttpDefaults({}), { keepAlive: true, minVersion: 'TLSv1.2', warnings: [] });
    assert.deepEqual(kedaHttpDefaults({ KEDA_HTTP_DISABLE_KEEP_ALIVE: 'true', KEDA_HTTP_MIN_TLS_VERSION: 'TLS13' }), {
      keepAlive: false,
      minVersion: 'TLSv1.3',
      warnings: [],
    });
    const bad = kedaHttpDefaults({ KEDA_HTTP_DISABLE_KEEP_ALIVE: 'sometimes', KEDA_HTTP_MIN_TLS_VERSION: 'SSL3' });
    assert.equal(bad.keepAlive, true);
    assert.equal(bad.minVersion, 'TLSv1.2');
    assert.equal(bad.warnings.length, 2);
  });
});

const grpcTlsRows: Array<{ name: string; flags: Parameters<typeof otlpGrpcTlsFiles>[0]; want?: ReturnType<typeof otlpGrpcTlsFiles>; error?: RegExp }> = [
  { name: 'no TLS flags: plaintext gRPC', flags: {}, want: undefined },
  { name: 'certificate and key: TLS', flags: { otlpGrpcTlsCertFile: 'c', otlpGrpcTlsKeyFile: 'k' }, want: { certFile: 'c', keyFile: 'k' } },
  {
    name: 'with a CA: mTLS',
    flags: { otlpGrpcTlsCertFile: 'c', otlpGrpcTlsKeyFile: 'k', otlpGrpcTlsCaFile: 'ca' },
    want: { certFile: 'c', keyFile: 'k', caFile: 'ca' },
  },
  {
    name: 'a certificate without its key is refused',
    flags: { otlpGrpcTlsCertFile: 'c' },
    error: /--otlp-grpc-tls-cert-file and --otlp-grpc-tls-key-file go together/,
  },
  { name: 'a CA without a certificate is refused', flags: { otlpGrpcTlsCaFile: 'ca' }, error: /--otlp-grpc-tls-ca-file needs --otlp-grpc-tls-cert-file/ },
];
for (const r of grpcTlsRows) {
  test(`--otlp-grpc-tls-*: ${r.name}`, () => {
    if (r.error) assert.throws(() => otlpGrpcTlsFiles(r.flags), r.error);
    else assert.deepEqual(otlpGrpcTlsFiles(r.flags), r.want);
  });
}
