import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandVars, isProcessGroupManifest, parseProcessGroup } from './process-group.ts';

const base = { apiVersion: 'updraft.dev/v1alpha1', kind: 'ProcessGroup', metadata: { name: 'web' } };
const withSpec = (spec: Record<string, unknown>) => ({ ...base, spec: { command: 'node', ...spec } });

describe('ProcessGroup', () => {
  it('fills the Kubernetes defaults: grace 30 s, probe period 10 s, timeout 1 s, failureThreshold 3', () => {
    const r = parseProcessGroup(withSpec({ ports: { from: 8100, to: 8109 }, readinessProbe: { httpGet: { path: '/healthz' } } }));
    assert.ok(r.ok);
    assert.deepEqual(r.value.spec, {
      command: 'node',
      args: [],
      env: {},
      terminationGracePeriodSeconds: 30,
      replicas: 0,
      ports: { from: 8100, to: 8109 },
      readinessProbe: {
        httpGet: { path: '/healthz', host: '127.0.0.1', scheme: 'HTTP', httpHeaders: [] },
        initialDelaySeconds: 0,
        periodSeconds: 10,
        timeoutSeconds: 1,
        successThreshold: 1,
        failureThreshold: 3,
      },
    });
    assert.equal(r.value.metadata.namespace, 'default');
  });

  for (const env of [
    { A: '1', B: 2 },
    [
      { name: 'A', value: '1' },
      { name: 'B', value: 2 },
    ],
  ]) {
    it(`accepts env as ${Array.isArray(env) ? 'the Kubernetes list' : 'a map'}, numbers as strings`, () => {
      const r = parseProcessGroup(withSpec({ env }));
      assert.ok(r.ok);
      assert.deepEqual(r.value.spec.env, { A: '1', B: '2' });
    });
  }

  const errors: Array<{ name: string; raw: unknown; path: string; message: RegExp }> = [
    { name: 'command is required', raw: { ...base, spec: {} }, path: 'spec.command', message: /expected string/ },
    {
      name: 'a probe needs exactly one handler',
      raw: withSpec({ ports: { from: 1, to: 2 }, readinessProbe: { httpGet: { path: '/' }, tcpSocket: {} } }),
      path: 'spec.readinessProbe',
      message: /exactly one of httpGet, tcpSocket or exec, got 2/,
    },
    {
      name: 'a probe without a port needs spec.ports',
      raw: withSpec({ readinessProbe: { httpGet: { path: '/' } } }),
      path: 'spec.readinessProbe.httpGet.port',
      message: /required when spec.ports is not set/,
    },
    { name: 'a port range runs upwards', raw: withSpec({ ports: { from: 9000, to: 8000 } }), path: 'spec.ports', message: /from must be <= to/ },
    {
      name: 'initial replicas fit the port range',
      raw: withSpec({ ports: { from: 9000, to: 9001 }, replicas: 3 }),
      path: 'spec.replicas',
      message: /3 instances need more ports/,
    },
    { name: 'the service needs instance ports', raw: withSpec({ service: { port: 8080 } }), path: 'spec.ports', message: /required with spec.service/ },
    {
      name: 'the service port is outside the instance ports',
      raw: withSpec({ ports: { from: 8000, to: 8100 }, service: { port: 8080 } }),
      path: 'spec.service.port',
      message: /outside spec.ports/,
    },
    {
      name: 'grace period is not negative',
      raw: withSpec({ terminationGracePeriodSeconds: -1 }),
      path: 'spec.terminationGracePeriodSeconds',
      message: /expected number to be >=0/,
    },
    { name: 'the name is a DNS label', raw: { ...base, metadata: { name: 'Web_1' }, spec: { command: 'x' } }, path: 'metadata.name', message: /RFC 1123/ },
    {
      name: 'the apiVersion is updraft.dev/v1alpha1',
      raw: { ...base, apiVersion: 'keda.sh/v1alpha1', spec: { command: 'x' } },
      path: 'apiVersion',
      message: /updraft.dev\/v1alpha1/,
    },
  ];
  for (const c of errors) {
    it(`rejects: ${c.name}, naming the object and field`, () => {
      const r = parseProcessGroup(c.raw, 'up.yaml');
      assert.ok(!r.ok);
      const p = r.problems.find((x) => x.path === c.path);
      assert.ok(p, `no problem at ${c.path}: ${JSON.stringify(r.problems)}`);
      assert.match(p.message, c.message);
      assert.match(p.object, /^ProcessGroup default\//);
      assert.equal(p.source, 'up.yaml');
    });
  }

  it('recognises a ProcessGroup manifest among other kinds', () => {
    assert.equal(isProcessGroupManifest(base), true);
    assert.equal(isProcessGroupManifest({ apiVersion: 'apps/v1', kind: 'Deployment' }), false);
  });

  const expansions: Array<[string, string]> = [
    ['--port=$(PORT)', '--port=8100'],
    ['$(UNSET) stays', '$(UNSET) stays'],
    ['$$(PORT) is escaped', '$(PORT) is escaped'],
    ['cost $$5', 'cost $5'],
    ['$(PORT)$(PORT)', '81008100'],
  ];
  for (const [input, want] of expansions) {
    it(`expands '${input}' like Kubernetes`, () => assert.equal(expandVars(input, { PORT: '8100' }), want));
  }
});
