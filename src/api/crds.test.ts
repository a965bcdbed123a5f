// The generated keda.sh CRDs: structural (so the API server accepts them and prunes nothing we need), compatible
// with KEDA's (names, scope, version, status subresource, printer columns, CEL rule; KEDA config/crd/bases/), carrying the
// CRD minima and only KEDA's CRD defaults, and identical to the committed deploy/crds/ files.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { structuralProblems } from './crd-structural.ts';
import { buildCrd, CRD_SPECS, crdFiles, openApiSchema } from './crds.ts';

type Json = Record<string, any>;
const crds: Record<string, Json> = Object.fromEntries(CRD_SPECS.map((c) => [c.kind, buildCrd(c)]));
const schemaOf = (kind: string): Json => crds[kind].spec.versions[0].schema.openAPIV3Schema;
const at = (s: Json, path: string): Json => path.split('.').reduce((n: Json, k) => (k === '[]' ? n.items : n.properties[k]), s);

describe('generated CRDs are structural', () => {
  for (const kind of Object.keys(crds)) {
    it(`${kind} has a structural schema`, () => assert.deepEqual(structuralProblems(schemaOf(kind)), []));
  }

  const bad: Array<[string, Json, RegExp]> = [
    [
      'additionalProperties: false',
      { type: 'object', properties: { a: { type: 'object', additionalProperties: false, properties: { b: { type: 'string' } } } } },
      /additionalProperties cannot be false/,
    ],
    ['$ref', { type: 'object', properties: { a: { $ref: '#/x' } } }, /"\$ref" is not allowed/],
    [
      'properties with additionalProperties (zod looseObject as emitted)',
      { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'string' } }, additionalProperties: {} } } },
      /mutually exclusive/,
    ],
    ['a node without type', { type: 'object', properties: { a: { description: 'x' } } }, /needs a type/],
    ['a type list', { type: 'object', properties: { a: { type: ['string', 'null'] } } }, /single string/],
    [
      'types inside anyOf',
      { type: 'object', properties: { a: { anyOf: [{ type: 'string', description: 'x' }, { type: 'integer' }] } } },
      /inside allOf\/anyOf/,
    ],
    [
      'patternProperties',
      { type: 'object', properties: { a: { type: 'object', patternProperties: { '.*': { type: 'string' } } } } },
      /"patternProperties" is not allowed/,
    ],
    ['const', { type: 'object', properties: { a: { type: 'string', const: 'x' } } }, /"const" is not allowed/],
    ['an empty object that would be pruned to {}', { type: 'object', properties: { a: { type: 'object' } } }, /pruned to \{\}/],
    [
      'restrictions under metadata beyond name',
      { type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object', additionalProperties: { type: 'string' } } } } } },
      /only metadata.name/,
    ],
    ['a required field that is not a property', { type: 'object', properties: { a: { type: 'string' } }, required: ['b'] }, /required field "b"/],
  ];
  for (const [name, schema, message] of bad) {
    it(`the structural check rejects ${name}`, () => {
      const problems = structuralProblems(schema);
      assert.ok(
        problems.some((p) => message.test(p)),
        JSON.stringify(problems),
      );
    });
  }

  it("zod's raw output for a loose object is not structural, the override makes it so", () => {
    const raw = z.toJSONSchema(z.object({ job: z.looseObject({ template: z.looseObject({}) }) }), { target: 'openapi-3.0', io: 'input' });
    assert.ok(structuralProblems(raw).length > 0);
    const crd = schemaOf('ScaledJob');
    assert.deepEqual(at(crd, 'spec.jobTargetRef')['x-kubernetes-preserve-unknown-fields'], true);
    assert.equal('additionalProperties' in at(crd, 'spec.jobTargetRef'), false);
  });
});

describe("generated CRDs match KEDA's identity (config/crd/bases/keda.sh_*.yaml)", () => {
  const names: Array<[string, string, string, string[], string]> = [
    ['ScaledObject', 'scaledobjects', 'scaledobject', ['so'], 'Namespaced'],
    ['ScaledJob', 'scaledjobs', 'scaledjob', ['sj'], 'Namespaced'],
    ['TriggerAuthentication', 'triggerauthentications', 'triggerauthentication', ['ta', 'triggerauth'], 'Namespaced'],
    ['ClusterTriggerAuthentication', 'clustertriggerauthentications', 'clustertriggerauthentication', ['cta', 'clustertriggerauth'], 'Cluster'],
  ];
  for (const [kind, plural, singular, shortNames, scope] of names) {
    it(`${kind}: ${plural}.keda.sh, short names ${shortNames.join('/')}, ${scope}, v1alpha1 served+storage with status subresource`, () => {
      const c = crds[kind];
      assert.equal(c.apiVersion, 'apiextensions.k8s.io/v1');
      assert.equal(c.metadata.name, `${plural}.keda.sh`);
      assert.equal(c.spec.group, 'keda.sh');
      assert.deepEqual(c.spec.names, { kind, listKind: `${kind}List`, plural, shortNames, singular });
      assert.equal(c.spec.scope, scope);
      assert.equal(c.spec.versions.length, 1);
      const v = c.spec.versions[0];
      assert.deepEqual([v.name, v.served, v.storage, v.subresources], ['v1alpha1', true, true, { status: {} }]);
    });
  }

  const columns: Record<string, string[]> = {
    ScaledObject: [
      'ScaleTargetKind string .status.scaleTargetKind',
      'ScaleTargetName string .spec.scaleTargetRef.name',
      'Min integer .spec.minReplicaCount',
      'Max integer .spec.maxReplicaCount',
      'Ready string .status.conditions[?(@.type=="Ready")].status',
      'Active string .status.conditions[?(@.type=="Active")].status',
      'Fallback string .status.conditions[?(@.type=="Fallback")].status',
      'Paused string .status.conditions[?(@.type=="Paused")].status',
      'Triggers string .status.triggersTypes',
      'Authentications string .status.authenticationsTypes',
      'Age date .metadata.creationTimestamp',
    ],
    ScaledJob: [
      'Min integer .spec.minReplicaCount',
      'Max integer .spec.maxReplicaCount',
      'Ready string .status.conditions[?(@.type=="Ready")].status',
      'Active string .status.conditions[?(@.type=="Active")].status',
      'Paused string .status.conditions[?(@.type=="Paused")].status',
      'Triggers string .status.triggersTypes',
      'Authentications string .status.authenticationsTypes',
      'Age date .metadata.creationTimestamp',
    ],
    TriggerAuthentication: [
      'PodIdentity string .spec.podIdentity.provider',
      'Secret string .spec.secretTargetRef[*].name',
      'Env string .spec.env[*].name',
      'VaultAddress string .spec.hashiCorpVault.address',
      'ScaledObjects string .status.scaledobjects priority=1',
      'ScaledJobs string .status.scaledjobs priority=1',
    ],
  };
  columns.ClusterTriggerAuthentication = columns.TriggerAuthentication;
  for (const [kind, want] of Object.entries(columns)) {
    it(`${kind} printer columns are KEDA's`, () => {
      const got = crds[kind].spec.versions[0].additionalPrinterColumns.map(
        (c: Json) => `${c.name} ${c.type} ${c.jsonPath}${c.priority ? ` priority=${c.priority}` : ''}`,
      );
      assert.deepEqual(got, want);
    });
  }

  it("ScaledObject spec carries KEDA's CEL rule on min/max", () => {
    assert.deepEqual(at(schemaOf('ScaledObject'), 'spec')['x-kubernetes-validations'], [
      {
        rule: '!has(self.minReplicaCount) || self.minReplicaCount <= (has(self.maxReplicaCount) ? self.maxReplicaCount : 100)',
        message: 'minReplicaCount must be less than or equal to maxReplicaCount',
      },
    ]);
  });
});

describe('generated CRD fields (scaledobject_types.go, scaletriggers_types.go, scaledjob_types.go)', () => {
  const so = schemaOf('ScaledObject');
  const int32Minima: Array<[string, string, number | undefined]> = [
    ['ScaledObject', 'spec.pollingInterval', 1],
    ['ScaledObject', 'spec.cooldownPeriod', 0],
    ['ScaledObject', 'spec.initialCooldownPeriod', 0],
    ['ScaledObject', 'spec.idleReplicaCount', 0],
    ['ScaledObject', 'spec.minReplicaCount', 0],
    ['ScaledObject', 'spec.maxReplicaCount', 1],
    ['ScaledObject', 'spec.fallback.failureThreshold', 0],
    ['ScaledObject', 'spec.fallback.replicas', 0],
    ['ScaledObject', 'status.originalReplicaCount', undefined],
    ['ScaledJob', 'spec.pollingInterval', 1],
    ['ScaledJob', 'spec.successfulJobsHistoryLimit', 0],
    ['ScaledJob', 'spec.failedJobsHistoryLimit', 0],
    ['ScaledJob', 'spec.minReplicaCount', 0],
    ['ScaledJob', 'spec.maxReplicaCount', 1],
    ['ScaledJob', 'spec.scalingStrategy.customScalingQueueLengthDeduction', undefined],
  ];
  for (const [kind, path, minimum] of int32Minima) {
    it(`${kind} ${path} is an int32${minimum === undefined ? '' : ` with minimum ${minimum}`}`, () => {
      const n = at(schemaOf(kind), path);
      assert.deepEqual(
        { type: n.type, format: n.format, minimum: n.minimum, maximum: n.maximum },
        { type: 'integer', format: 'int32', minimum, maximum: undefined },
      );
    });
  }

  it("only KEDA's CRD default (fallback.behavior: static) is in the CRD; runtime defaults are not", () => {
    const defaults: string[] = [];
    const walk = (n: Json, path: string) => {
      if ('default' in n) defaults.push(`${path}=${JSON.stringify(n.default)}`);
      for (const [k, v] of Object.entries(n.properties ?? {})) walk(v as Json, `${path}.${k}`);
      if (n.items) walk(n.items, `${path}[]`);
      if (n.additionalProperties && typeof n.additionalProperties === 'object') walk(n.additionalProperties, `${path}.*`);
    };
    for (const kind of Object.keys(crds)) walk(schemaOf(kind), kind);
    assert.deepEqual(defaults, ['ScaledObject.spec.fallback.behavior="static"']);
  });

  const required: Array<[string, string, string[]]> = [
    ['ScaledObject', 'spec', ['scaleTargetRef', 'triggers']],
    ['ScaledObject', 'spec.scaleTargetRef', ['name']],
    ['ScaledObject', 'spec.triggers.[]', ['type', 'metadata']],
    ['ScaledObject', 'spec.fallback', ['failureThreshold', 'replicas']],
    ['ScaledJob', 'spec', ['jobTargetRef', 'triggers']],
    ['ScaledJob', 'spec.jobTargetRef', ['template']],
  ];
  for (const [kind, path, want] of required) {
    it(`${kind} ${path} requires ${want.join(', ')}`, () => assert.deepEqual(at(schemaOf(kind), path).required, want));
  }

  it('trigger metadata is map<string,string> and triggers need at least one item', () => {
    assert.deepEqual(at(so, 'spec.triggers.[].metadata').additionalProperties, { type: 'string' });
    assert.equal(at(so, 'spec.triggers').minItems, 1);
  });

  it("enums match KEDA's", () => {
    assert.deepEqual(at(so, 'spec.fallback.behavior').enum, [
      'static',
      'currentReplicas',
      'currentReplicasIfHigher',
      'currentReplicasIfLower',
      'scalingModifiers',
    ]);
    assert.deepEqual(at(schemaOf('ScaledJob'), 'spec.rollout.strategy').enum, ['gradual', 'immediate']);
    assert.deepEqual(at(schemaOf('TriggerAuthentication'), 'spec.podIdentity.provider').enum, ['azure-workload', 'gcp', 'aws', 'aws-eks', 'none']);
  });

  it('status keeps every field the operator writes (nothing pruned on status updates)', () => {
    assert.deepEqual(Object.keys(at(so, 'status').properties).sort(), [
      'authenticationsTypes',
      'compositeScalerName',
      'conditions',
      'externalMetricNames',
      'health',
      'hpaName',
      'lastActiveTime',
      'originalReplicaCount',
      'pausedReplicaCount',
      'resourceMetricNames',
      'scaleTargetGVKR',
      'scaleTargetKind',
      'triggersActivity',
      'triggersTypes',
    ]);
    assert.deepEqual(at(so, 'status.lastActiveTime'), { type: 'string', format: 'date-time', description: 'Last time a trigger was active.' });
  });

  it('a Quantity (HPA tolerance) is emitted in the int-or-string form', () => {
    const n = at(so, 'spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.tolerance');
    assert.equal(n['x-kubernetes-int-or-string'], true);
    assert.deepEqual(n.anyOf, [{ type: 'integer' }, { type: 'string' }]);
  });

  it("openApiSchema drops zod's int32 bounds in favour of format: int32", () => {
    assert.deepEqual(openApiSchema(z.number().int().min(-2147483648).max(2147483647)), { type: 'integer', format: 'int32' });
  });
});

describe('committed CRDs (deploy/crds/)', () => {
  const dir = join(fileURLToPath(import.meta.url), '..', '..', '..', 'deploy', 'crds');
  for (const f of crdFiles()) {
    it(`${f.fileName} equals what scripts/gen-crds.ts generates now (run it after changing src/api/)`, () => {
      assert.equal(readFileSync(join(dir, f.fileName), 'utf8'), f.yaml);
    });
  }

  it('the four files are named as KEDA names them', () => {
    assert.deepEqual(
      crdFiles()
        .map((f) => f.fileName)
        .sort(),
      ['keda.sh_clustertriggerauthentications.yaml', 'keda.sh_scaledjobs.yaml', 'keda.sh_scaledobjects.yaml', 'keda.sh_triggerauthentications.yaml'],
    );
  });

  it('each file is one YAML document holding the CRD object', () => {
    for (const f of crdFiles()) assert.equal(parse(f.yaml).kind, 'CustomResourceDefinition');
  });
});
