// parseManifests: YAML and JSON input forms, the edge cases the API server treats specially, where problems are
// located, and the seed manifests the user relies on (examples/seed-manifests/, copies of the reference seeds).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseManifests } from './parse.ts';
import { hasErrors } from './problem.ts';
import type { ScaledObject } from './types.ts';
import { validateObject, validateSet } from './validate.ts';

const SO = `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: orders
  namespace: shop
spec:
  scaleTargetRef:
    name: orders-worker
  triggers:
    - type: aws-sqs-queue
      metadata:
        queueLength: "5"
`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders-worker
spec:
  replicas: 0
`;

describe('parseManifests: input forms', () => {
  it('reads multi-document YAML, skipping empty and comment-only documents', () => {
    const text = `# leading comment\n---\n${SO}---\n# only a comment\n---\n---\n${DEPLOYMENT}...\n`;
    const r = parseManifests(text, 'a.yaml');
    assert.deepEqual(r.problems, []);
    assert.deepEqual(
      r.objects.map((o) => `${o.kind}/${o.metadata.name}`),
      ['ScaledObject/orders'],
    );
    assert.deepEqual(
      r.others.map((o) => [o.apiVersion, o.kind, o.name]),
      [['apps/v1', 'Deployment', 'orders-worker']],
    );
  });

  it('passes non-KEDA objects through untouched, including updraft.dev ProcessGroups', () => {
    const pg = {
      apiVersion: 'updraft.dev/v1alpha1',
      kind: 'ProcessGroup',
      metadata: { name: 'workers' },
      spec: { command: ['node', 'w.js'], extra: { a: 1 } },
    };
    const r = parseManifests(JSON.stringify(pg));
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.others, [{ apiVersion: 'updraft.dev/v1alpha1', kind: 'ProcessGroup', name: 'workers', raw: pg }]);
  });

  it('reads a single JSON object', () => {
    const r = parseManifests(
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'j' },
        spec: { scaleTargetRef: { name: 'w' }, triggers: [{ type: 'cron', metadata: {} }] },
      }),
    );
    assert.deepEqual(
      r.objects.map((o) => o.metadata.name),
      ['j'],
    );
  });

  it('reads a JSON array of objects', () => {
    const so = (name: string) => ({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name },
      spec: { scaleTargetRef: { name }, triggers: [{ type: 'cron', metadata: {} }] },
    });
    const r = parseManifests(JSON.stringify([so('a'), so('b')], null, 2), 'list.json');
    assert.deepEqual(
      r.objects.map((o) => o.metadata.name),
      ['a', 'b'],
    );
  });

  for (const kind of ['List', 'ScaledObjectList']) {
    it(`reads a kind: ${kind}${kind === 'List' ? ' (kubectl get -o yaml)' : ''}`, () => {
      const text = `apiVersion: v1\nkind: ${kind}\nitems:\n${SO.split('\n')
        .map((l, i) => (l ? (i === 0 ? `- ${l}` : `  ${l}`) : l))
        .join('\n')}`;
      const r = parseManifests(text);
      assert.deepEqual(r.problems, [], kind);
      assert.deepEqual(
        r.objects.map((o) => o.metadata.name),
        ['orders'],
        kind,
      );
    });
  }

  it('defaults namespace to "default" and labels/annotations to {}', () => {
    const r = parseManifests(SO.replace('  namespace: shop\n', ''));
    assert.deepEqual(r.objects[0].metadata, { name: 'orders', namespace: 'default', labels: {}, annotations: {} });
  });

  it('reads YAML 1.1 like kubectl: an unquoted yes in metadata is a boolean, which the API server rejects', () => {
    const r = parseManifests(SO.replace('queueLength: "5"', 'queueLength: "5"\n        scaleOnInFlight: yes'), 'yes.yaml');
    assert.equal(r.objects.length, 0);
    assert.deepEqual(
      r.problems.map((p) => [p.path, p.fix, p.source]),
      [['spec.triggers[0].metadata.scaleOnInFlight', 'quote it: scaleOnInFlight: "true"', 'yes.yaml:13']],
    );
  });

  it('keeps 10:30 and 2024-01-01 as strings, as go-yaml v2 does (no YAML 1.1 sexagesimal numbers or timestamps)', () => {
    const r = parseManifests(SO.replace('queueLength: "5"', 'queueLength: "5"\n        start: 10:30\n        day: 2024-01-01'));
    assert.deepEqual(r.problems, []);
    assert.deepEqual((r.objects[0] as ScaledObject).spec.triggers[0].metadata, { queueLength: '5', start: '10:30', day: '2024-01-01' });
  });

  it('reads 0755 as the octal number 493, as kubectl does, and so rejects it in metadata; the fix quotes it as written', () => {
    const r = parseManifests(SO.replace('queueLength: "5"', 'queueLength: 0755'));
    assert.match(r.problems[0].message, /queueLength is number 493/);
    assert.equal(r.problems[0].fix, 'quote it: queueLength: "0755"');
  });

  it('rejects metadata values given as numbers and says to quote them', () => {
    const r = parseManifests(SO.replace('queueLength: "5"', 'queueLength: 5'), 'n.yaml');
    assert.equal(r.objects.length, 0);
    const [p] = r.problems;
    assert.equal(p.severity, 'error');
    assert.equal(p.object, 'ScaledObject shop/orders');
    assert.equal(p.path, 'spec.triggers[0].metadata.queueLength');
    assert.match(p.message, /metadata values must be strings, but queueLength is number 5: the API server rejects non-string values/);
    assert.equal(p.fix, 'quote it: queueLength: "5"');
    assert.equal(p.source, 'n.yaml:12');
  });

  it('rejects int32 fields given as strings (minReplicaCount: "1")', () => {
    const r = parseManifests(SO.replace('  triggers:', '  minReplicaCount: "1"\n  triggers:'), 's.yaml');
    assert.deepEqual(
      r.problems.map((p) => [p.path, p.source]),
      [['spec.minReplicaCount', 's.yaml:9']],
    );
    assert.match(r.problems[0].message, /not the string "1": the API server rejects quoted numbers in int32 fields/);
  });

  it('treats an empty value as unset (the API server drops nulls) and says so', () => {
    const r = parseManifests(SO.replace('  triggers:', '  minReplicaCount:\n  cooldownPeriod: ~\n  triggers:'));
    assert.equal(r.objects.length, 1);
    assert.equal((r.objects[0] as ScaledObject).spec.explicit.minReplicaCount, false);
    assert.deepEqual(
      r.problems.map((p) => [p.severity, p.path]),
      [
        ['warning', 'spec.minReplicaCount'],
        ['warning', 'spec.cooldownPeriod'],
      ],
    );
  });

  it('a bare `metadata:` on a trigger is null, dropped, and then missing', () => {
    const r = parseManifests(SO.replace('      metadata:\n        queueLength: "5"\n', '      metadata:\n'));
    assert.equal(r.objects.length, 0);
    const err = r.problems.find((p) => p.severity === 'error');
    assert.equal(err?.path, 'spec.triggers[0].metadata');
    assert.match(err?.fix ?? '', /metadata: \{\}/);
  });

  it('supports anchors and merge keys like kubectl', () => {
    const text = `x-common: &meta\n  queueLength: "5"\n---\n${SO.replace('      metadata:\n        queueLength: "5"', '      metadata:\n        <<: {queueURL: "https://q", queueLength: "7"}')}`;
    const r = parseManifests(text);
    assert.deepEqual(
      r.problems.filter((p) => p.severity === 'error'),
      [],
      JSON.stringify(r.problems),
    );
    assert.deepEqual((r.objects[0] as ScaledObject).spec.triggers[0].metadata, { queueURL: 'https://q', queueLength: '7' });
  });

  it('reports YAML syntax errors with their line and keeps going with the next document', () => {
    const r = parseManifests(`${SO}---\nkind: [unclosed\n---\n${SO.replace('name: orders\n', 'name: other\n')}`, 'broken.yaml');
    assert.deepEqual(
      r.objects.map((o) => o.metadata.name),
      ['orders', 'other'],
    );
    const syntax = r.problems.filter((p) => p.message.startsWith('YAML syntax error'));
    assert.ok(syntax.length >= 1);
    assert.equal(syntax[0].object, 'document 2');
    assert.match(syntax[0].source ?? '', /^broken\.yaml:1[45]$/);
  });

  it('rejects duplicate keys (the API server rejects them too) and names the key and its line', () => {
    const r = parseManifests(SO.replace('  triggers:', '  pollingInterval: 5\n  pollingInterval: 6\n  triggers:'), 'dup.yaml');
    assert.ok(hasErrors(r.problems));
    assert.match(r.problems[0].message, /^duplicate key "pollingInterval": a map must have each key once/);
    assert.equal(r.problems[0].source, 'dup.yaml:10');
  });

  it('rejects the retired KEDA v1 group and other keda.sh versions with a migration fix', () => {
    const r = parseManifests(SO.replace('keda.sh/v1alpha1', 'keda.k8s.io/v1alpha1'));
    assert.equal(r.objects.length, 0);
    assert.deepEqual(
      r.problems.map((p) => [p.path, p.fix]),
      [['apiVersion', 'KEDA v1 (keda.k8s.io) objects must be migrated: use apiVersion: keda.sh/v1alpha1']],
    );
    const r2 = parseManifests(SO.replace('keda.sh/v1alpha1', 'keda.sh/v1'));
    assert.match(r2.problems[0].message, /apiVersion keda.sh\/v1 is not served/);
  });

  it('rejects documents that are not objects', () => {
    const r = parseManifests('- 1\n- two\n', 'x.yaml');
    assert.deepEqual(
      r.problems.map((p) => [p.object, p.source]),
      [
        ['document 1 [0]', 'x.yaml:1'],
        ['document 1 [1]', 'x.yaml:2'],
      ],
    );
  });

  it('locates problems found later by validate.ts at the field line', () => {
    const text = `${DEPLOYMENT}---\n${SO.replace('  triggers:', '  idleReplicaCount: 0\n  triggers:')}`;
    const r = parseManifests(text, 'idle.yaml');
    const [p] = validateObject(r.objects[0]);
    assert.equal(p.path, 'spec.idleReplicaCount');
    assert.equal(r.locate(r.objects[0], p.path), 'idle.yaml:16');
    assert.equal(r.locate(r.objects[0], ''), 'idle.yaml:8');
  });
});

describe("seed manifests (examples/seed-manifests/, copies of the user's ScaledObjects)", () => {
  const dir = join(fileURLToPath(import.meta.url), '..', '..', '..', 'examples', 'seed-manifests');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  it('all five seed files are present', () => assert.equal(files.length, 5));

  for (const f of files) {
    it(`${f} parses and validates with no errors`, () => {
      const r = parseManifests(readFileSync(join(dir, f), 'utf8'), f);
      assert.ok(r.objects.length >= 1);
      assert.deepEqual(r.problems, []);
      const problems = [...r.objects.flatMap(validateObject), ...validateSet(r.objects)];
      assert.deepEqual(
        problems.filter((p) => p.severity === 'error'),
        [],
      );
    });
  }

  it('all seeds together have no conflicts (distinct workloads and HPA names)', () => {
    const objects = files.flatMap((f) => parseManifests(readFileSync(join(dir, f), 'utf8'), f).objects);
    assert.equal(objects.length, 6);
    assert.deepEqual(validateSet(objects), []);
  });

  it('the SQS seed reads as written: 0..100 replicas, 10 s polling and cooldown, string metadata', () => {
    const r = parseManifests(readFileSync(join(dir, '01-sqs-scaledobject.yaml'), 'utf8'));
    const so = r.objects[0] as ScaledObject;
    assert.equal(so.metadata.namespace, 'keda-sqs-guidance');
    assert.deepEqual([so.spec.minReplicaCount, so.spec.maxReplicaCount, so.spec.pollingInterval, so.spec.cooldownPeriod], [0, 100, 10, 10]);
    assert.deepEqual(so.spec.scaleTargetRef, { name: 'sqs-consumer-backend', apiVersion: 'apps/v1', kind: 'Deployment' });
    assert.equal(so.spec.triggers[0].metadata.queueLength, '5');
  });

  it('the copies are byte-identical to the reference seeds when those are available', (t) => {
    const ref = join(dir, '..', '..', '..', 'shared', 'reference', 'seed-manifests');
    let refFiles: string[];
    try {
      refFiles = readdirSync(ref).sort();
    } catch {
      t.skip('reference seeds not present here');
      return;
    }
    assert.deepEqual(refFiles, files);
    for (const f of files) assert.equal(readFileSync(join(dir, f), 'utf8'), readFileSync(join(ref, f), 'utf8'), f);
  });
});
