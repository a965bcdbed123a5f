import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import {
  externalChannelCount,
  externalPoolKey,
  metricsFromSpecResponse,
  parseExternal,
  readErrorFromGrpc,
  STREAM_RETRY,
  valueFromMetricsResponse,
  type ExternalConfig,
} from './common/external-scaler.ts';
import { descriptor } from './external.ts';
import { descriptor as pushDescriptor } from './external-push.ts';
import { buildScaler, checkTriggerOffline, describeTrigger } from './index.ts';
import { ReadError, type Reading } from './scaler.ts';

const p = (metadata: Record<string, string>, authParams: Record<string, string> = {}, resolvedEnv: Record<string, string> = {}) =>
  parseExternal('external', { metadata, authParams, resolvedEnv });

// KEDA's test certificates are long PEM blocks; any PEM text exercises the same parse path (certificates are only
// loaded when a channel is built).
const CA = '-----BEGIN CERTIFICATE-----\nMIIB-ca\n-----END CERTIFICATE-----';
const CLIENT_CERT = '-----BEGIN CERTIFICATE-----\nMIIB-client\n-----END CERTIFICATE-----';

// ---------------------------------------------------------------------------------------------------------------
// KEDA's metadata table (pkg/scalers/external_scaler_test.go, testExternalScalerMetadata / TestExternalScalerParseMetadata)
const kedaRows: Array<{ name: string; metadata: Record<string, string>; authParams: Record<string, string>; isError: boolean }> = [
  { name: 'empty metadata', metadata: {}, authParams: {}, isError: true },
  // all properly formed. KEDA's row has a caCert and a tlsClientCert without its key: the cert alone is ignored
  // (util.NewTLSConfig uses a pair only), and TLS is on (enableTLS, and the caCert). insecureSkipVerify is not a
  // KEDA parameter: it is passed through to the server like every other key.
  {
    name: 'all properly formed',
    metadata: { scalerAddress: 'myservice', test1: '7', test2: 'SAMPLE_CREDS', enableTLS: 'true', insecureSkipVerify: 'true' },
    authParams: { caCert: CA, tlsClientCert: CLIENT_CERT },
    isError: false,
  },
  { name: 'missing scalerAddress', metadata: { test1: '1', test2: 'SAMPLE_CREDS' }, authParams: {}, isError: true },
];
describe('external: KEDA testExternalScalerMetadata', () => {
  for (const row of kedaRows) {
    test(row.name, () => {
      if (row.isError) {
        assert.throws(() => p(row.metadata, row.authParams), { name: 'ConfigError' });
        return;
      }
      const c = p(row.metadata, row.authParams);
      assert.equal(c.enableTLS, row.metadata.enableTLS === 'true');
      assert.equal(c.unsafeSsl, row.metadata.unsafeSsl === 'true');
      assert.equal(c.useTls, true);
      assert.equal(c.tlsClientCert, undefined, 'a client certificate without its key is not used (KEDA)');
      assert.equal(c.caCert, CA);
      assert.deepEqual(c.scalerMetadata, row.metadata, 'every metadata key goes to the server');
    });
  }
});

// KEDA TestGetConnectionPoolKey: which settings make a separate channel.
const base: Pick<ExternalConfig, 'address' | 'enableTLS' | 'unsafeSsl'> = { address: 'grpc.example:9090', enableTLS: false, unsafeSsl: false };
const poolRows: Array<{ name: string; left: Partial<ExternalConfig>; right: Partial<ExternalConfig>; wantSame: boolean }> = [
  {
    name: 'same metadata yields same key',
    left: { enableTLS: true, caCert: CA, tlsClientCert: CLIENT_CERT, tlsClientKey: 'client-key-a' },
    right: { enableTLS: true, caCert: CA, tlsClientCert: CLIENT_CERT, tlsClientKey: 'client-key-a' },
    wantSame: true,
  },
  { name: 'different tls mode yields different key', left: {}, right: { enableTLS: true }, wantSame: false },
  {
    name: 'different ca cert yields different key',
    left: { enableTLS: true, caCert: CA },
    right: { enableTLS: true, caCert: 'different-ca' },
    wantSame: false,
  },
  {
    name: 'different client cert yields different key',
    left: { enableTLS: true, tlsClientCert: CLIENT_CERT },
    right: { enableTLS: true, tlsClientCert: 'different-client-cert' },
    wantSame: false,
  },
  {
    name: 'different client key yields different key',
    left: { enableTLS: true, tlsClientKey: 'client-key-a' },
    right: { enableTLS: true, tlsClientKey: 'client-key-b' },
    wantSame: false,
  },
  {
    name: 'different unsafe ssl yields different key',
    left: { enableTLS: true, unsafeSsl: false },
    right: { enableTLS: true, unsafeSsl: true },
    wantSame: false,
  },
];
describe('external: KEDA TestGetConnectionPoolKey', () => {
  for (const row of poolRows) {
    test(row.name, () => {
      assert.equal(externalPoolKey({ ...base, ...row.left }) === externalPoolKey({ ...base, ...row.right }), row.wantSame);
    });
  }
  test('the key never holds the client key or certificates in clear', () => {
    const key = externalPoolKey({ ...base, tlsClientKey: 'S3CR3T-KEY', tlsClientCert: CLIENT_CERT, caCert: CA });
    assert.ok(!key.includes('S3CR3T-KEY') && !key.includes('MIIB'), key);
  });
});

// KEDA TestConvertMetricSpecResponse (buildMetricSpecs)
test('external: GetMetricSpec answers become s<index>-<metricName>; targetSizeFloat wins when > 0, else targetSize (KEDA TestConvertMetricSpecResponse)', () => {
  const got = metricsFromSpecResponse(
    'external',
    'a:1',
    [
      { metricName: 'metric-a', targetSize: 50 },
      { metricName: 'metric-b', targetSizeFloat: 1.5 },
    ],
    0,
    undefined,
  );
  assert.deepEqual(
    got.map((g) => [g.serverName, g.spec.metricName, g.spec.target, g.spec.targetType]),
    [
      ['metric-a', 's0-metric-a', 50, 'AverageValue'],
      ['metric-b', 's0-metric-b', 1.5, 'AverageValue'],
    ],
  );
  assert.equal(metricsFromSpecResponse('external', 'a:1', [{ metricName: 'm', targetSize: '7', targetSizeFloat: 0 }], 3, 'Value')[0].spec.targetType, 'Value');
  assert.equal(
    metricsFromSpecResponse('external', 'a:1', [{ metricName: 'q.len', targetSize: 7 }], 3, undefined)[0].spec.metricName,
    's3-q-len',
    'normalized like every Updraft metric name',
  );
});

const badSpecs: Array<[string, Parameters<typeof metricsFromSpecResponse>[2], RegExp]> = [
  ['no specs (KEDA: "no metric specs returned from scalers")', [], /returned no metric specs from GetMetricSpec/],
  ['no answer at all', undefined, /returned no metric specs/],
  ['an empty metricName', [{ metricName: '', targetSize: 1 }], /without a metricName/],
  [
    'target 0 (Updraft: KEDA would make an HPA target of 0)',
    [{ metricName: 'm', targetSize: 0 }],
    /returned target 0 for metric m; targetSizeFloat \(or targetSize\) must be > 0/,
  ],
  ['a negative target', [{ metricName: 'm', targetSizeFloat: -1, targetSize: -2 }], /target -2/],
  [
    'one name twice (KEDA: "defined multiple times")',
    [
      { metricName: 'm', targetSize: 1 },
      { metricName: 'm', targetSize: 2 },
    ],
    /returned metric m more than once/,
  ],
];
for (const [name, specs, message] of badSpecs) {
  test(`external: GetMetricSpec refused: ${name}`, () => {
    assert.throws(
      () => metricsFromSpecResponse('external', 'svc:6000', specs, 0, undefined),
      (e: unknown) => e instanceof ReadError && e.kind === 'bad-query' && message.test(e.message),
    );
  });
}

test('external: metricValueFloat when > 0, else metricValue; several values are summed; none is an error', () => {
  assert.equal(valueFromMetricsResponse('external', 'a:1', 'm', [{ metricValue: 3, metricValueFloat: 0 }]), 3);
  assert.equal(valueFromMetricsResponse('external', 'a:1', 'm', [{ metricValue: 3, metricValueFloat: 2.5 }]), 2.5);
  assert.equal(valueFromMetricsResponse('external', 'a:1', 'm', [{ metricValue: '4' }, { metricValueFloat: 1.5 }]), 5.5);
  assert.throws(
    () => valueFromMetricsResponse('external', 'a:1', 'm', []),
    (e: unknown) => e instanceof ReadError && e.kind === 'empty' && /no value for metric m/.test(e.message),
  );
});

// ---------------------------------------------------------------------------------------------------------------
// Updraft's own parse rules
const okParse: Array<[string, Record<string, string>, Record<string, string>, Partial<ExternalConfig>]> = [
  ['host:port, no TLS', { scalerAddress: 'svc.ns:6000' }, {}, { address: 'svc.ns:6000', host: 'svc.ns', useTls: false, enableTLS: false, unsafeSsl: false }],
  ['a bare host (gRPC default port 443, as KEDA)', { scalerAddress: 'svc' }, {}, { host: 'svc' }],
  ['dns:///host:port', { scalerAddress: 'dns:///svc.ns:6000' }, {}, { host: 'svc.ns' }],
  ['[v6]:port', { scalerAddress: '[::1]:6000' }, {}, { host: '::1' }],
  ['a caCert alone turns TLS on (KEDA)', { scalerAddress: 'svc:1' }, { caCert: CA }, { useTls: true, caCert: CA }],
  [
    'a client key pair turns TLS on (KEDA)',
    { scalerAddress: 'svc:1' },
    { tlsClientCert: CLIENT_CERT, tlsClientKey: 'k' },
    { useTls: true, tlsClientCert: CLIENT_CERT, tlsClientKey: 'k' },
  ],
  ['a client key without its cert is not used', { scalerAddress: 'svc:1' }, { tlsClientKey: 'k' }, { useTls: false }],
  ['unsafeSsl', { scalerAddress: 'svc:1', enableTLS: 'true', unsafeSsl: 'true' }, {}, { useTls: true, unsafeSsl: true }],
];
for (const [name, md, auth, want] of okParse) {
  test(`external parse: ${name}`, () => {
    const c = p(md, auth) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(want)) assert.deepEqual(c[k], v, k);
  });
}

test('external parse: xxxFromEnv values are resolved and sent under the xxxFromEnv key; unresolved ones are dropped (KEDA)', () => {
  const c = p({ scalerAddress: 'svc:1', queueFromEnv: 'Q', missingFromEnv: 'NOPE', plain: 'x' }, {}, { Q: 'orders' });
  assert.deepEqual(c.scalerMetadata, { scalerAddress: 'svc:1', queueFromEnv: 'orders', plain: 'x' });
});

test('external parse: TLS material from metadata is not read (KEDA: caCert/tlsClientCert/tlsClientKey come from a TriggerAuthentication)', () => {
  const c = p({ scalerAddress: 'svc:1', caCert: CA });
  assert.equal(c.useTls, false);
  assert.equal(c.caCert, undefined);
});

const badParse: Array<[string, Record<string, string>, RegExp]> = [
  [
    'a path is not an address',
    { scalerAddress: 'http://svc:6000/x' },
    /^external: scalerAddress must be host:port of the external scaler's gRPC service, such as my-scaler\.my-namespace:6000, got 'http:\/\/svc:6000\/x'$/,
  ],
  ['unix sockets are refused', { scalerAddress: 'unix:///var/run/x.sock' }, /scalerAddress must be host:port/],
  ['a port out of range', { scalerAddress: 'svc:70000' }, /scalerAddress must be host:port/],
  ['the cloud metadata address', { scalerAddress: '169.254.169.254:80' }, /scalerAddress must not point at a cloud metadata or link-local address/],
  ['a bad enableTLS', { scalerAddress: 'svc:1', enableTLS: 'yes' }, /^external: enableTLS must be true or false, got 'yes'$/],
];
for (const [name, md, message] of badParse) {
  test(`external parse error: ${name}`, () => assert.throws(() => p(md), { name: 'ConfigError', message }));
}

test('external: offline, the metric is a placeholder s<index>-<type> with target 1, and a note says the server decides', () => {
  const r = checkTriggerOffline({ type: 'external', metadata: { scalerAddress: 'svc:6000', queue: 'orders' } }, 2);
  assert.ok(r.ok);
  assert.deepEqual(r.described.metricSpecs, [{ metricName: 's2-external', kind: 'External', targetType: 'AverageValue', target: 1 }]);
  assert.ok(
    r.notes.some((n) => /come from the external scaler's GetMetricSpec at run time/.test(n)),
    r.notes.join('; '),
  );
  assert.deepEqual(r.unknownKeys, [], 'every key is passed through to the server: none is unknown');
  const push = checkTriggerOffline({ type: 'external-push', metadata: { scalerAddress: 'svc:6000', scalerAdress: 'typo' } }, 0);
  assert.ok(push.ok);
  assert.equal(push.described.metricSpecs[0].metricName, 's0-external-push');
  assert.deepEqual(push.unknownKeys, [{ key: 'scalerAdress', suggestion: 'scalerAddress' }], 'a near-miss of a known key is still reported');
});

test('external: metricType Utilization is refused', () => {
  assert.throws(
    () => describeTrigger({ type: 'external', metadata: { scalerAddress: 'svc:1' }, metricType: 'Utilization' }, 0, { authParams: {}, resolvedEnv: {} }),
    /metricType Utilization is only supported by cpu and memory triggers/,
  );
});

const grpcKinds: Array<[string, number, string, ReadError['kind'], boolean?]> = [
  ['UNAVAILABLE is unreachable', grpc.status.UNAVAILABLE, 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1', 'unreachable'],
  ['a TLS handshake failure is auth', grpc.status.UNAVAILABLE, 'No connection established. Last error: self-signed certificate in certificate chain', 'auth'],
  ['UNAUTHENTICATED is auth', grpc.status.UNAUTHENTICATED, 'bad key', 'auth'],
  ['PERMISSION_DENIED is auth', grpc.status.PERMISSION_DENIED, 'no', 'auth'],
  ['INVALID_ARGUMENT is bad-query', grpc.status.INVALID_ARGUMENT, 'key is required', 'bad-query'],
  ['NOT_FOUND is bad-query', grpc.status.NOT_FOUND, 'no such queue', 'bad-query'],
  ['UNIMPLEMENTED is bad-query', grpc.status.UNIMPLEMENTED, 'not implemented', 'bad-query'],
  ['DEADLINE_EXCEEDED is timeout', grpc.status.DEADLINE_EXCEEDED, '', 'timeout'],
  ['CANCELLED by our timeout is timeout', grpc.status.CANCELLED, 'Cancelled on client', 'timeout', true],
  ['CANCELLED otherwise is other', grpc.status.CANCELLED, 'Cancelled', 'other'],
  ['RESOURCE_EXHAUSTED is throttled', grpc.status.RESOURCE_EXHAUSTED, 'slow down', 'throttled'],
  ['INTERNAL is other', grpc.status.INTERNAL, 'boom', 'other'],
];
for (const [name, code, details, kind, aborted] of grpcKinds) {
  test(`external: gRPC status → ReadError kind: ${name}`, () => {
    const e = readErrorFromGrpc('external', 'svc:6000', 'GetMetrics', { code, details }, aborted);
    assert.equal(e.kind, kind);
    assert.ok(e.message.startsWith('external: GetMetrics on the external scaler at svc:6000 failed: '), e.message);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The reader against an in-process grpc-js server (the real Go server is in test/integration/external-scaler.test.ts).
describe('external reader (in-process gRPC server)', () => {
  let server: grpc.Server;
  let address = '';
  const state = {
    value: 4,
    active: true,
    target: 2,
    metricsCalls: 0,
    streams: new Set<grpc.ServerWritableStream<unknown, unknown>>(),
    lastRef: undefined as unknown,
  };
  before(async () => {
    const def = protoLoader.loadSync(fileURLToPath(new URL('./common/externalscaler.proto', import.meta.url)), {
      keepCase: true,
      longs: Number,
      defaults: true,
    });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { externalscaler: { ExternalScaler: grpc.ServiceClientConstructor } };
    server = new grpc.Server();
    server.addService(pkg.externalscaler.ExternalScaler.service, {
      IsActive: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { result: state.active }),
      GetMetricSpec: (call: grpc.ServerUnaryCall<{ scalerMetadata: Record<string, string> }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        state.lastRef = call.request;
        if (call.request.scalerMetadata.fail) return cb({ code: grpc.status.NOT_FOUND, details: 'no such queue' });
        cb(null, { metricSpecs: [{ metricName: 'queue', targetSizeFloat: state.target }] });
      },
      GetMetrics: (call: grpc.ServerUnaryCall<{ metricName: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        state.metricsCalls++;
        cb(null, { metricValues: [{ metricName: call.request.metricName, metricValueFloat: state.value }] });
      },
      StreamIsActive: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        state.streams.add(call);
        call.on('cancelled', () => state.streams.delete(call));
        call.write({ result: state.active });
      },
      StreamMetricSpec: (call: grpc.ServerWritableStream<unknown, unknown>) => call.emit('error', { code: grpc.status.UNIMPLEMENTED }),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) => (e ? reject(e) : resolve(port))),
    );
    address = `127.0.0.1:${port}`;
    STREAM_RETRY.initialMs = 50;
  });
  after(() => {
    STREAM_RETRY.initialMs = 2000;
    server.forceShutdown();
  });

  const ctx = (type: string, metadata: Record<string, string>, triggerIndex = 0) => ({
    trigger: { type, metadata, useCachedMetrics: false },
    triggerIndex,
    namespace: 'ns',
    objectName: 'so',
    objectKind: 'ScaledObject' as const,
    authParams: {},
    resolvedEnv: {},
    httpTimeoutMs: 2000,
  });

  test('the build asks GetMetricSpec (with the ScaledObjectRef); a read asks GetMetrics and IsActive', async () => {
    const s = buildScaler(ctx('external', { scalerAddress: address, queue: 'orders' }, 1));
    assert.deepEqual(s.metricSpecs, [{ metricName: 's1-external', kind: 'External', targetType: 'AverageValue', target: 1 }], 'the placeholder until asked');
    assert.deepEqual(await s.resolveMetricSpecs!(AbortSignal.timeout(2000)), [
      { metricName: 's1-queue', kind: 'External', targetType: 'AverageValue', target: 2 },
    ]);
    assert.deepEqual(state.lastRef, { name: 'so', namespace: 'ns', scalerMetadata: { scalerAddress: address, queue: 'orders' } });
    state.active = false;
    assert.deepEqual(
      await s.read(AbortSignal.timeout(2000)),
      { metrics: [{ name: 's1-queue', value: 4 }], active: false },
      'activity is IsActive, not a threshold',
    );
    state.active = true;
    await s.close();
  });

  test('a read before the build asked resolves the specs itself', async () => {
    const s = buildScaler(ctx('external', { scalerAddress: address }));
    assert.deepEqual(await s.read(AbortSignal.timeout(2000)), { metrics: [{ name: 's0-queue', value: 4 }], active: true });
    await s.close();
  });

  test('a server error is a ReadError with its kind', async () => {
    const s = buildScaler(ctx('external', { scalerAddress: address, fail: '1' }));
    await assert.rejects(
      s.read(AbortSignal.timeout(2000)),
      (e: unknown) => e instanceof ReadError && e.kind === 'bad-query' && /GetMetricSpec .* failed: NOT_FOUND: no such queue/.test(e.message),
    );
    await s.close();
  });

  test('an aborted read is a timeout', async () => {
    const s = buildScaler(ctx('external', { scalerAddress: address }));
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(s.read(ac.signal), (e: unknown) => e instanceof ReadError && e.kind === 'timeout');
    await s.close();
  });

  test('a closed port is unreachable', async () => {
    const s = buildScaler(ctx('external', { scalerAddress: '127.0.0.1:1' }));
    await assert.rejects(s.read(AbortSignal.timeout(2000)), (e: unknown) => e instanceof ReadError && e.kind === 'unreachable');
    await s.close();
  });

  test('triggers on one address share one channel; the last close releases it', async () => {
    const before = externalChannelCount();
    const scalers = Array.from({ length: 5 }, (_, i) => buildScaler(ctx('external', { scalerAddress: address, queue: `q${i}` }, i)));
    await Promise.all(scalers.map((s) => s.read(AbortSignal.timeout(2000))));
    assert.equal(externalChannelCount(), before + 1);
    await Promise.all(scalers.map((s) => s.close()));
    assert.equal(externalChannelCount(), before);
  });

  test('external has no subscribe; external-push streams: an active event delivers fresh values, inactive ones are ignored', async () => {
    assert.equal(buildScaler(ctx('external', { scalerAddress: address })).subscribe, undefined);
    const s = buildScaler(ctx('external-push', { scalerAddress: address }));
    const got: Reading[] = [];
    const off = s.subscribe!((r) => got.push(r));
    await waitUntil(() => got.length === 1, "the stream's first (current) state");
    assert.deepEqual(got[0], { metrics: [{ name: 's0-queue', value: 4 }], active: true });
    state.value = 9;
    for (const st of state.streams) st.write({ result: false });
    for (const st of state.streams) st.write({ result: true });
    await waitUntil(() => got.length === 2, 'the pushed event');
    assert.deepEqual(got[1], { metrics: [{ name: 's0-queue', value: 9 }], active: true });
    // The server ends the stream: the reader opens a new one (backoff shortened for the test).
    for (const st of [...state.streams]) st.end();
    await waitUntil(() => state.streams.size === 1 && got.length === 3, 'a new stream and its first state');
    off();
    await waitUntil(() => state.streams.size === 0, 'the stream closed by unsubscribe');
    await s.close();
    state.value = 4;
  });

  test('external-push descriptor is registered with the same parameters', () => {
    assert.deepEqual(Object.keys(pushDescriptor.fields), Object.keys(descriptor.fields));
  });
});

async function waitUntil(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}
