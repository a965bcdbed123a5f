// The generated keda.sh CRDs on a real kube-apiserver: they install and become Established, the seed manifests
// apply unchanged, and for a table of manifests `parseManifests` rejects exactly what the API server rejects
// (int32 given as strings, non-string metadata, CRD minima, the CEL rule, nulls, enums...). Also checks the
// behaviours our messages promise: unknown fields are pruned (or rejected by kubectl's strict validation),
// only KEDA's CRD default is filled in, printer columns and short names work, and status fields survive.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseManifests } from '../../src/api/parse.ts';
import { hasErrors } from '../../src/api/problem.ts';
import type { ScaledObject } from '../../src/api/types.ts';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
let cp: ControlPlane;

before(async () => {
  cp = await startControlPlane();
  await cp.kubectl(['apply', '-f', join(root, 'deploy', 'crds')]);
  await cp.kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/scaledobjects.keda.sh',
    'crd/scaledjobs.keda.sh',
    'crd/triggerauthentications.keda.sh',
    'crd/clustertriggerauthentications.keda.sh',
  ]);
  for (const ns of ['shop', 'keda-sqs-guidance', 'keda-prometheus-guidance']) await cp.kubectl(['create', 'namespace', ns]);
});
after(async () => {
  await cp?.stop();
});

const so = (spec: string, meta = '') => `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: orders
  namespace: shop
${meta}spec:
  scaleTargetRef:
    name: orders-worker
${spec}`;
const sqsTrigger = `  triggers:
    - type: aws-sqs-queue
      metadata:
        queueLength: "5"
`;

/** Server verdict with pruning (no strict field validation), which is what parseManifests models. */
async function serverAccepts(text: string): Promise<{ ok: boolean; error: string }> {
  try {
    await cp.kubectl(['create', '--dry-run=server', '--validate=false', '-f', '-'], { input: text });
    return { ok: true, error: '' };
  } catch (err) {
    return { ok: false, error: String(err) };
  }
}

describe('the API server and parseManifests agree on what is rejected', () => {
  const cases: Array<[string, string]> = [
    ['a minimal ScaledObject', so(sqsTrigger)],
    ['minReplicaCount: "1" (int32 as a string)', so(`  minReplicaCount: "1"\n${sqsTrigger}`)],
    ['queueLength: 5 (a number in metadata)', so(sqsTrigger.replace('"5"', '5'))],
    ['scaleOnInFlight: yes (a YAML 1.1 boolean in metadata)', so(`${sqsTrigger}        scaleOnInFlight: yes\n`)],
    ['pollingInterval: 0 (minimum 1)', so(`  pollingInterval: 0\n${sqsTrigger}`)],
    ['maxReplicaCount: 0 (minimum 1)', so(`  maxReplicaCount: 0\n${sqsTrigger}`)],
    ['cooldownPeriod: -1 (minimum 0)', so(`  cooldownPeriod: -1\n${sqsTrigger}`)],
    ['minReplicaCount 5 > maxReplicaCount 3 (CEL)', so(`  minReplicaCount: 5\n  maxReplicaCount: 3\n${sqsTrigger}`)],
    ['minReplicaCount 101 with maxReplicaCount unset (CEL: 100)', so(`  minReplicaCount: 101\n${sqsTrigger}`)],
    ['minReplicaCount 100 with maxReplicaCount unset', so(`  minReplicaCount: 100\n${sqsTrigger}`)],
    ['a trigger without metadata', so('  triggers:\n    - type: cron\n')],
    ['a trigger with a bare `metadata:` (null)', so('  triggers:\n    - type: cron\n      metadata:\n')],
    ['a trigger with `metadata: {}`', so('  triggers:\n    - type: cron\n      metadata: {}\n')],
    ['minReplicaCount: (null, dropped)', so(`  minReplicaCount:\n${sqsTrigger}`)],
    ['no triggers', so('  triggers: []\n')],
    ['fallback.behavior: Static (enum)', so(`  fallback:\n    failureThreshold: 3\n    replicas: 1\n    behavior: Static\n${sqsTrigger}`)],
    ['fallback without replicas', so(`  fallback:\n    failureThreshold: 3\n${sqsTrigger}`)],
    ['an unknown field (pruned)', so(`  minReplicas: 2\n${sqsTrigger}`)],
    ['an upper-case name', so(sqsTrigger).replace('name: orders\n', 'name: Orders\n')],
    ['an annotation value given as a number', so(sqsTrigger, '  annotations:\n    autoscaling.keda.sh/paused-replicas: 0\n')],
    [
      'HPA tolerance as a float',
      so(`  advanced:\n    horizontalPodAutoscalerConfig:\n      behavior:\n        scaleUp:\n          tolerance: 0.05\n${sqsTrigger}`),
    ],
    [
      'HPA tolerance as a quantity string',
      so(`  advanced:\n    horizontalPodAutoscalerConfig:\n      behavior:\n        scaleUp:\n          tolerance: "0.05"\n${sqsTrigger}`),
    ],
    ['idleReplicaCount 0 without minReplicaCount (a webhook rule, not a CRD rule)', so(`  idleReplicaCount: 0\n${sqsTrigger}`)],
    [
      'a ScaledJob',
      `apiVersion: keda.sh/v1alpha1\nkind: ScaledJob\nmetadata: {name: thumbs, namespace: shop}\nspec:\n  jobTargetRef:\n    template:\n      spec:\n        restartPolicy: Never\n        containers: [{name: w, image: w}]\n${sqsTrigger}`,
    ],
    [
      'a ScaledJob without a job template',
      `apiVersion: keda.sh/v1alpha1\nkind: ScaledJob\nmetadata: {name: thumbs, namespace: shop}\nspec:\n  jobTargetRef:\n    parallelism: 1\n${sqsTrigger}`,
    ],
    [
      'a TriggerAuthentication',
      'apiVersion: keda.sh/v1alpha1\nkind: TriggerAuthentication\nmetadata: {name: aws, namespace: shop}\nspec:\n  podIdentity: {provider: aws}\n',
    ],
    [
      'a TriggerAuthentication with an unknown provider',
      'apiVersion: keda.sh/v1alpha1\nkind: TriggerAuthentication\nmetadata: {name: aws, namespace: shop}\nspec:\n  podIdentity: {provider: azure}\n',
    ],
    [
      'a ClusterTriggerAuthentication',
      'apiVersion: keda.sh/v1alpha1\nkind: ClusterTriggerAuthentication\nmetadata: {name: aws}\nspec:\n  secretTargetRef: [{parameter: p, name: s, key: k}]\n',
    ],
  ];
  for (const [name, text] of cases) {
    it(`${name}: same verdict`, async () => {
      const server = await serverAccepts(text);
      const ours = parseManifests(text);
      assert.equal(
        !hasErrors(ours.problems),
        server.ok,
        `server ${server.ok ? 'accepts' : `rejects: ${server.error}`}; parseManifests: ${JSON.stringify(ours.problems)}`,
      );
    });
  }

  it("the API server reports the CEL rule with KEDA's message, which parseManifests repeats", async () => {
    const text = so(`  minReplicaCount: 5\n  maxReplicaCount: 3\n${sqsTrigger}`);
    const server = await serverAccepts(text);
    assert.match(server.error, /minReplicaCount must be less than or equal to maxReplicaCount/);
    assert.deepEqual(
      parseManifests(text).problems.map((p) => p.message),
      ['minReplicaCount must be less than or equal to maxReplicaCount'],
    );
  });
});

describe('what the CRDs do on a real API server', () => {
  it("kubectl's default strict field validation rejects an unknown field, as our warning says", async () => {
    await assert.rejects(
      cp.kubectl(['create', '--dry-run=server', '-f', '-'], { input: so(`  minReplicas: 2\n${sqsTrigger}`) }),
      /unknown field "spec.minReplicas"/,
    );
  });

  it("without strict validation an unknown field is pruned, and only KEDA's CRD default (fallback.behavior) is filled in", async () => {
    await cp.kubectl(['apply', '--validate=false', '-f', '-'], {
      input: so(`  minReplicas: 2\n  fallback:\n    failureThreshold: 3\n    replicas: 1\n${sqsTrigger}`),
    });
    const stored = JSON.parse(await cp.kubectl(['get', 'scaledobject', 'orders', '-n', 'shop', '-o', 'json']));
    assert.equal('minReplicas' in stored.spec, false);
    assert.deepEqual(stored.spec.fallback, { failureThreshold: 3, replicas: 1, behavior: 'static' });
    assert.deepEqual(Object.keys(stored.spec).sort(), ['fallback', 'scaleTargetRef', 'triggers'], 'no runtime defaults (pollingInterval, ...) stored');
    await cp.kubectl(['delete', 'scaledobject', 'orders', '-n', 'shop']);
  });

  it('the seed manifests apply unchanged and read back (kubectl get -o yaml, a List) to the same model', async () => {
    const dir = join(root, 'examples', 'seed-manifests');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    for (const f of files) await cp.kubectl(['apply', '-f', join(dir, f)]);
    const listed = parseManifests(await cp.kubectl(['get', 'scaledobjects', '-A', '-o', 'yaml']), 'kubectl-get');
    assert.deepEqual(listed.problems, []);
    const original = files.flatMap((f) => parseManifests(readFileSync(join(dir, f), 'utf8'), f).objects as ScaledObject[]);
    const key = (o: ScaledObject) => `${o.metadata.namespace}/${o.metadata.name}`;
    const back = new Map((listed.objects as ScaledObject[]).map((o) => [key(o), o]));
    assert.equal(back.size, original.length);
    for (const o of original) assert.deepEqual(back.get(key(o))?.spec, o.spec, key(o));
  });

  it("kubectl get shows KEDA's printer columns and accepts the short names", async () => {
    const header = (await cp.kubectl(['get', 'so', '-A'])).split('\n')[0].trim().split(/\s+/);
    assert.deepEqual(header, [
      'NAMESPACE',
      'NAME',
      'SCALETARGETKIND',
      'SCALETARGETNAME',
      'MIN',
      'MAX',
      'READY',
      'ACTIVE',
      'FALLBACK',
      'PAUSED',
      'TRIGGERS',
      'AUTHENTICATIONS',
      'AGE',
    ]);
    for (const short of ['sj', 'ta', 'triggerauth', 'cta', 'clustertriggerauth']) await cp.kubectl(['get', short, '-A']);
  });

  it('status written through the status subresource keeps every field the operator writes', async () => {
    const status = {
      scaleTargetKind: 'apps/v1.Deployment',
      scaleTargetGVKR: { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments' },
      originalReplicaCount: 0,
      lastActiveTime: '2026-01-01T00:00:00Z',
      externalMetricNames: ['s0-aws-sqs-queue-app-queue'],
      conditions: [{ type: 'Ready', status: 'True', reason: 'ScaledObjectReady', message: 'ScaledObject is defined correctly and is ready for scaling' }],
      health: { 's0-aws-sqs-queue-app-queue': { numberOfFailures: 0, status: 'Happy' } },
      triggersActivity: { 's0-aws-sqs-queue-app-queue': { isActive: true } },
      hpaName: 'keda-hpa-sqsconsumer-hpa',
      triggersTypes: 'aws-sqs-queue',
      authenticationsTypes: '',
    };
    await cp.kubectl([
      'patch',
      'scaledobject',
      'sqsconsumer-hpa',
      '-n',
      'keda-sqs-guidance',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status }),
    ]);
    const stored = JSON.parse(await cp.kubectl(['get', 'scaledobject', 'sqsconsumer-hpa', '-n', 'keda-sqs-guidance', '-o', 'json']));
    const { authenticationsTypes: _empty, ...kept } = status; // "" is dropped by the merge patch, not pruned
    for (const [k, v] of Object.entries(kept)) assert.deepEqual(stored.status[k], v, `status.${k}`);
    const line = (await cp.kubectl(['get', 'so', 'sqsconsumer-hpa', '-n', 'keda-sqs-guidance', '--no-headers'])).trim().split(/\s+/);
    assert.deepEqual(line.slice(0, 6), ['sqsconsumer-hpa', 'apps/v1.Deployment', 'sqs-consumer-backend', '0', '100', 'True']);
    assert.ok(line.includes('aws-sqs-queue'), `TRIGGERS column shows status.triggersTypes: ${line.join(' ')}`);
  });
});
