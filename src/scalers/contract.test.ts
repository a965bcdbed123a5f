// The contract every registered trigger type keeps (docs/adding-a-scaler.md). Each check runs for each type, one
// subtest per (type, check, field), so a new scaler is held to the same rules the day it is registered.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metadataKeys } from './common/typed-config.ts';
import { buildScaler, checkTriggerOffline, describeTrigger, scalerDescriptors, supportedTypes } from './index.ts';
import { activeByThreshold, ConfigError, type ParseInput, type ScalerDescriptor } from './scaler.ts';

const SECRET = 'S3CR3T-do-not-echo';
const METRIC_NAME = /^s\d+-[^/.:%()\s]+$/;

function input(d: ScalerDescriptor<unknown>, over: Partial<ParseInput> = {}): ParseInput {
  return {
    metadata: { ...d.example.metadata },
    authParams: { ...(d.example.authParams ?? {}) },
    resolvedEnv: {},
    ...(d.example.metricType ? { metricType: d.example.metricType } : {}),
    ...over,
  };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

function thrown(fn: () => unknown): ConfigError | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e;
  }
}

for (const [type, d] of scalerDescriptors) {
  const fields = Object.entries(d.fields).map(([prop, f]) => ({ name: f.name ?? prop, f, order: f.order ?? ['triggerMetadata'] }));

  // cpu/memory are HPA Resource metrics (KEDA cpu_memory_scaler.go): named after the resource, metricType required.
  const resourceKind = d.metricSpecs(d.parse(input(d)), 0).every((s) => s.kind !== 'External');
  const metricType = d.example.metricType ? { metricType: d.example.metricType } : {};

  describe(`scaler contract: ${type}`, () => {
    if (resourceKind) {
      // hygiene: allow-table two trigger indexes of one descriptor's example; the descriptors are the rows
      it('the example contributes one Resource metric named after the resource, whatever the trigger index, with a positive target', () => {
        for (const index of [0, 3]) {
          const specs = d.metricSpecs(d.parse(input(d)), index);
          assert.equal(specs.length, 1);
          assert.equal(specs[0].kind, 'Resource');
          assert.equal(specs[0].metricName, type);
          assert.equal(specs[0].resourceName, type);
          assert.equal(specs[0].targetType, d.example.metricType);
          assert.ok(Number.isFinite(specs[0].target) && specs[0].target > 0, `target ${specs[0].target}`);
        }
      });
      it('metricType Value, or none, is refused with the field named (Resource metrics are Utilization or AverageValue)', () => {
        for (const mt of ['Value', undefined] as const) {
          const e = thrown(() =>
            describeTrigger({ type, metadata: d.example.metadata, ...(mt ? { metricType: mt } : {}) }, 0, { authParams: {}, resolvedEnv: {} }),
          );
          assert.equal(e?.field, 'metricType');
        }
      });
    }
    if (!resourceKind)
      it('the example parses and contributes External metrics named s<index>-<normalized part> with a positive target', () => {
        // hygiene: allow-table two trigger indexes of one descriptor's example; the descriptors are the rows
        for (const index of [0, 3]) {
          const specs = d.metricSpecs(d.parse(input(d)), index);
          assert.ok(specs.length > 0);
          for (const s of specs) {
            assert.match(s.metricName, METRIC_NAME);
            assert.ok(s.metricName.startsWith(`s${index}-`), s.metricName);
            assert.ok(Number.isFinite(s.target) && s.target > 0, `target ${s.target}`);
            assert.equal(s.kind, 'External');
            assert.equal(s.targetType, 'AverageValue', 'metricType unset means AverageValue');
          }
          assert.equal(d.metricSpecs(d.parse(input(d)), index, 'Value')[0].targetType, 'Value');
        }
      });

    if (!resourceKind)
      it('metricType Utilization is refused with the field named (only cpu and memory have it)', () => {
        const e = thrown(() =>
          describeTrigger({ type, metadata: d.example.metadata, metricType: 'Utilization' }, 0, { authParams: d.example.authParams ?? {}, resolvedEnv: {} }),
        );
        assert.equal(e?.field, 'metricType');
      });

    it('parse is pure: frozen input, the same config twice', () => {
      const frozen = deepFreeze(input(d));
      assert.deepEqual(d.parse(frozen), d.parse(frozen));
    });

    for (const { name, f } of fields.filter((x) => x.name.startsWith('activation'))) {
      it(`${name} is the activation threshold, and activity is strictly greater than it`, () => {
        const config = d.parse(input(d, { metadata: { ...d.example.metadata, [name]: '7' } }));
        assert.equal(d.activationThreshold(config), 7);
        assert.equal(activeByThreshold([{ name: 'm', value: 7 }], d.activationThreshold(config)), false);
        assert.equal(activeByThreshold([{ name: 'm', value: 7.001 }], d.activationThreshold(config)), true);
        assert.equal(f.default ?? 0, 0, 'KEDA: activation thresholds default to 0');
      });
    }

    for (const { name, f, order } of fields.filter((x) => x.f.default === undefined && !x.f.optional && x.name in d.example.metadata)) {
      it(`a missing ${name} is a ConfigError naming it and where to set it`, () => {
        const metadata = { ...d.example.metadata };
        delete metadata[name];
        const e = thrown(() => d.parse(input(d, { metadata })));
        assert.equal(e?.field, name);
        assert.ok(e?.message.startsWith(`${type}: missing required parameter "${name}" in [${order.join(' ')}]; set metadata.${name}`), e?.message);
        void f;
      });
      if (order.includes('authParams')) {
        it(`${name} may come from a TriggerAuthentication: offline that is a note, not an error`, () => {
          const metadata = { ...d.example.metadata };
          delete metadata[name];
          const r = checkTriggerOffline({ type, metadata, authenticationRef: { name: 'auth', kind: 'TriggerAuthentication' } }, 0);
          assert.ok(r.ok, r.ok ? '' : r.error.message);
          assert.ok(
            r.notes.some((n) => n.startsWith(`${name} is taken from the TriggerAuthentication`)),
            r.notes.join('; '),
          );
        });
      }
    }

    for (const { name, f, order } of fields.filter((x) => ['a whole number', 'a number', 'true or false'].includes(x.f.expected))) {
      if (order.includes('triggerMetadata')) {
        it(`a bad ${name} in metadata is a ConfigError quoting the value and what is valid`, () => {
          const e = thrown(() => d.parse(input(d, { metadata: { ...d.example.metadata, [name]: 'twenty-five' } })));
          assert.equal(e?.field, name);
          assert.equal(e?.message, `${type}: ${name} must be ${f.expected}, got 'twenty-five'`);
        });
      }
      if (order.includes('authParams') || order.includes('resolvedEnv')) {
        it(`a bad ${name} from a TriggerAuthentication or the env is refused without echoing it (it may be a secret)`, () => {
          const metadata = { ...d.example.metadata };
          delete metadata[name];
          const viaAuth = order.includes('authParams') ? thrown(() => d.parse(input(d, { metadata, authParams: { [name]: SECRET } }))) : undefined;
          const viaEnv = order.includes('resolvedEnv')
            ? thrown(() => d.parse(input(d, { metadata: { ...metadata, [`${name}FromEnv`]: 'V' }, resolvedEnv: { V: SECRET } })))
            : undefined;
          for (const e of [viaAuth, viaEnv]) if (e) assert.ok(!e.message.includes(SECRET), e.message);
          assert.ok(viaAuth ?? viaEnv, 'refused');
        });
      }
    }

    it('no error message ever holds a secret given as a TriggerAuthentication parameter or env value', () => {
      // Every field that may come from auth or env, set to a secret-looking, invalid-looking value, alone and with
      // the rest of the example broken too: whatever parse says must not contain it.
      const authParams: Record<string, string> = { awsSecretAccessKey: SECRET, awsAccessKeyID: 'AKIA-' + SECRET, password: SECRET, bearerToken: SECRET };
      const resolvedEnv: Record<string, string> = { V: SECRET };
      const metadata: Record<string, string> = {};
      for (const { name, order } of fields) {
        if (order.includes('authParams')) authParams[name] = SECRET;
        if (order.includes('resolvedEnv')) metadata[`${name}FromEnv`] = 'V';
      }
      for (const md of [metadata, { ...d.example.metadata, ...metadata }, { ...metadata, identityOwner: 'pod' }]) {
        const e = thrown(() => d.parse({ metadata: md, authParams, resolvedEnv }));
        if (e) assert.ok(!e.message.includes(SECRET), e.message);
      }
    });

    it('every metadata key the type reads is known to validate, and a near-miss is suggested', () => {
      const keys = metadataKeys(d.fields);
      for (const k of Object.keys(d.example.metadata)) assert.ok(keys.includes(k) || (d.otherKeys ?? []).includes(k), k);
      const target = fields.find((x) => x.name in d.example.metadata && !x.name.startsWith('activation'))!.name;
      const typo = target.slice(0, -1);
      const r = checkTriggerOffline({ type, metadata: { ...d.example.metadata, [typo]: '5' }, ...metricType }, 0);
      assert.deepEqual(r.unknownKeys, [{ key: typo, suggestion: target }]);
    });

    it("buildScaler gives the reader the descriptor's metric specs and activation threshold, with no I/O", async () => {
      const s = buildScaler({
        trigger: { type, metadata: d.example.metadata, useCachedMetrics: false, ...metricType },
        triggerIndex: 2,
        namespace: 'ns',
        objectName: 'o',
        objectKind: 'ScaledObject',
        authParams: d.example.authParams ?? {},
        resolvedEnv: {},
        httpTimeoutMs: 1000,
      });
      const described = describeTrigger({ type, metadata: d.example.metadata, ...metricType }, 2, {
        authParams: d.example.authParams ?? {},
        resolvedEnv: {},
        namespace: 'ns',
      });
      assert.deepEqual(s.metricSpecs, described.metricSpecs);
      assert.equal(s.activationThreshold, described.activationThreshold);
      await s.close();
    });
  });
}

describe('scaler registry', () => {
  it('an unknown type is a ConfigError naming the types Updraft reads', () => {
    const e = thrown(() => describeTrigger({ type: 'no-such-scaler', metadata: {} }, 0, { authParams: {}, resolvedEnv: {} }));
    assert.equal(e?.message, `no-such-scaler: no scaler found for type: no-such-scaler (Updraft reads ${supportedTypes().join(', ')})`);
    assert.equal(e?.field, 'type');
  });
});

describe('scaler input with prototype keys', () => {
  for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    it(`an env var or key named ${key} never resolves to an inherited member`, () => {
      const d = scalerDescriptors.get('aws-sqs-queue')!;
      const e = thrown(() =>
        d.parse({ metadata: { queueURLFromEnv: key, awsAccessKeyIDFromEnv: key, awsSecretAccessKeyFromEnv: key }, authParams: {}, resolvedEnv: {} }),
      );
      assert.equal(e?.field, 'queueURL');
      const r = checkTriggerOffline({ type: 'prometheus', metadata: { serverAddress: 'http://p:9090', query: 'up', threshold: '1', [key]: 'x' } }, 0);
      assert.ok(r.ok);
    });
  }
});

// Client libraries load with a trigger's first reader, never with the registry (common/lazy-client.ts): a fresh
// process imports src/scalers/index.ts under a resolve hook that logs every module URL, and require.cache is read
// after, so neither an ESM import nor a CJS require of a client package goes unseen.
const HEAVY_CLIENTS = [
  '@aws-sdk/',
  '@smithy/node-http-handler',
  '@platformatic/kafka',
  'amqplib',
  'pg',
  'mysql2',
  'ioredis',
  'redis',
  'nats',
  '@grpc/grpc-js',
  '@grpc/proto-loader',
  '@opentelemetry/',
  'fast-xml-parser',
];

describe('scaler registry loads no client library', () => {
  const loaded = (async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'updraft-registry-'));
    const log = join(dir, 'modules.log');
    const hooks = `import { appendFileSync } from 'node:fs'; export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }`;
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
    const script = `await import(${JSON.stringify(new URL('./index.ts', import.meta.url).href)}); const { createRequire } = await import('node:module'); console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
    try {
      const out = execFileSync(
        process.execPath,
        ['--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', script],
        {
          encoding: 'utf8',
        },
      );
      const cjs = JSON.parse(out.trim().split('\n').pop()!) as string[];
      return [...readFileSync(log, 'utf8').split('\n').filter(Boolean), ...cjs.map((f) => `file://${f}`)];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  for (const pkg of HEAVY_CLIENTS) {
    it(`importing src/scalers/index.ts does not load ${pkg}`, async () => {
      const hits = (await loaded).filter((u) => u.includes(`/node_modules/${pkg}${pkg.endsWith('/') ? '' : '/'}`));
      assert.deepEqual(hits.slice(0, 3), [], `${pkg} is loaded by the registry: import it through lazyClient (common/lazy-client.ts)`);
    });
  }
  it('the module log saw the registry itself (the hook works)', async () => {
    assert.ok((await loaded).some((u) => u.endsWith('/src/scalers/index.ts')));
  });
});
