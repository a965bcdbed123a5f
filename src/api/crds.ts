// The four keda.sh CustomResourceDefinitions (apiextensions.k8s.io/v1), generated from the zod schemas so the
// CRD and the runtime parser can never disagree. Names, short names, scope, served/storage version, status
// subresource, printer columns and the CEL rule match KEDA's (`config/crd/bases/keda.sh_*.yaml`), so a cluster running KEDA can switch
// to Updraft without re-creating its objects. scripts/gen-crds.ts writes them to deploy/crds/.
import { stringify } from 'yaml';
import { z } from 'zod';
import { structuralProblems } from './crd-structural.ts';
import { INT32_MAX, INT32_MIN, META_CRD_DEFAULT, META_INT_OR_STRING, META_PRESERVE_UNKNOWN } from './openapi-types.ts';
import { scaledJobSpecSchema, scaledJobStatusSchema } from './scaled-job.ts';
import { scaledObjectSpecSchema, scaledObjectStatusSchema } from './scaled-object.ts';
import { triggerAuthenticationSpecSchema, triggerAuthenticationStatusSchema } from './trigger-authentication.ts';
import { KEDA_GROUP, KEDA_VERSION } from './types.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date';
  jsonPath: string;
  priority?: number;
}

export interface CrdSpec {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: 'Namespaced' | 'Cluster';
  description: string;
  spec: z.ZodType;
  status: z.ZodType;
  /** KEDA's Go type has `json:"spec"` (no omitempty) → required in its CRD. */
  specRequired: boolean;
  columns: PrinterColumn[];
}

const condition = (type: string): PrinterColumn => ({ name: type, type: 'string', jsonPath: `.status.conditions[?(@.type=="${type}")].status` });
const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const authColumns: PrinterColumn[] = [
  { name: 'PodIdentity', type: 'string', jsonPath: '.spec.podIdentity.provider' },
  { name: 'Secret', type: 'string', jsonPath: '.spec.secretTargetRef[*].name' },
  { name: 'Env', type: 'string', jsonPath: '.spec.env[*].name' },
  { name: 'VaultAddress', type: 'string', jsonPath: '.spec.hashiCorpVault.address' },
  { name: 'ScaledObjects', type: 'string', jsonPath: '.status.scaledobjects', priority: 1 },
  { name: 'ScaledJobs', type: 'string', jsonPath: '.status.scaledjobs', priority: 1 },
];

export const CRD_SPECS: CrdSpec[] = [
  {
    kind: 'ScaledObject',
    plural: 'scaledobjects',
    singular: 'scaledobject',
    shortNames: ['so'],
    scope: 'Namespaced',
    description: 'ScaledObject is a specification for a ScaledObject resource',
    spec: scaledObjectSpecSchema,
    status: scaledObjectStatusSchema,
    specRequired: true,
    columns: [
      { name: 'ScaleTargetKind', type: 'string', jsonPath: '.status.scaleTargetKind' },
      { name: 'ScaleTargetName', type: 'string', jsonPath: '.spec.scaleTargetRef.name' },
      { name: 'Min', type: 'integer', jsonPath: '.spec.minReplicaCount' },
      { name: 'Max', type: 'integer', jsonPath: '.spec.maxReplicaCount' },
      condition('Ready'),
      condition('Active'),
      condition('Fallback'),
      condition('Paused'),
      { name: 'Triggers', type: 'string', jsonPath: '.status.triggersTypes' },
      { name: 'Authentications', type: 'string', jsonPath: '.status.authenticationsTypes' },
      age,
    ],
  },
  {
    kind: 'ScaledJob',
    plural: 'scaledjobs',
    singular: 'scaledjob',
    shortNames: ['sj'],
    scope: 'Namespaced',
    description: 'ScaledJob is the Schema for the scaledjobs API',
    spec: scaledJobSpecSchema,
    status: scaledJobStatusSchema,
    specRequired: false,
    columns: [
      { name: 'Min', type: 'integer', jsonPath: '.spec.minReplicaCount' },
      { name: 'Max', type: 'integer', jsonPath: '.spec.maxReplicaCount' },
      condition('Ready'),
      condition('Active'),
      condition('Paused'),
      { name: 'Triggers', type: 'string', jsonPath: '.status.triggersTypes' },
      { name: 'Authentications', type: 'string', jsonPath: '.status.authenticationsTypes' },
      age,
    ],
  },
  {
    kind: 'TriggerAuthentication',
    plural: 'triggerauthentications',
    singular: 'triggerauthentication',
    shortNames: ['ta', 'triggerauth'],
    scope: 'Namespaced',
    description: 'TriggerAuthentication defines how a trigger can authenticate',
    spec: triggerAuthenticationSpecSchema,
    status: triggerAuthenticationStatusSchema,
    specRequired: true,
    columns: authColumns,
  },
  {
    kind: 'ClusterTriggerAuthentication',
    plural: 'clustertriggerauthentications',
    singular: 'clustertriggerauthentication',
    shortNames: ['cta', 'clustertriggerauth'],
    scope: 'Cluster',
    description: 'ClusterTriggerAuthentication defines how a trigger can authenticate globally',
    spec: triggerAuthenticationSpecSchema,
    status: triggerAuthenticationStatusSchema,
    specRequired: true,
    columns: authColumns,
  },
];

type Json = Record<string, unknown>;

/**
 * zod → apiextensions OpenAPI: runtime defaults are dropped (only CRD defaults
 * stay), ±2³¹ bounds become `format: int32`, preserve-unknown objects lose zod's `additionalProperties: {}`,
 * int-or-string unions take the exact Kubernetes form, and zod's JS-only format patterns are removed (the API
 * server compiles `pattern` as RE2).
 */
export function openApiSchema(schema: z.ZodType): Json {
  return z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    override: (ctx) => {
      const s = ctx.jsonSchema as Json;
      if (s[META_CRD_DEFAULT] !== true) delete s.default;
      delete s[META_CRD_DEFAULT];
      if (s.type === 'integer') {
        if (s.maximum === INT32_MAX || s.minimum === INT32_MIN) s.format = 'int32';
        if (s.maximum === INT32_MAX) delete s.maximum;
        if (s.minimum === INT32_MIN) delete s.minimum;
      }
      if (s[META_PRESERVE_UNKNOWN] === true) {
        delete s.additionalProperties;
        if (s.properties && Object.keys(s.properties as Json).length === 0) delete s.properties;
      }
      if (s[META_INT_OR_STRING] === true) {
        for (const k of Object.keys(s)) if (k !== 'description' && k !== META_INT_OR_STRING) delete s[k];
        s.anyOf = [{ type: 'integer' }, { type: 'string' }];
      }
      if (typeof s.format === 'string' && s.format !== 'int32') delete s.pattern;
    },
  }) as Json;
}

export function buildCrd(c: CrdSpec): Json {
  const root: Json = {
    description: c.description,
    type: 'object',
    properties: {
      apiVersion: {
        description: 'APIVersion defines the versioned schema of this representation of an object.',
        type: 'string',
      },
      kind: {
        description: 'Kind is a string value representing the REST resource this object represents.',
        type: 'string',
      },
      metadata: { type: 'object' },
      spec: openApiSchema(c.spec),
      status: openApiSchema(c.status),
    },
  };
  if (c.specRequired) root.required = ['spec'];
  const problems = structuralProblems(root);
  if (problems.length > 0) throw new Error(`CRD ${c.plural}.${KEDA_GROUP} is not structural:\n${problems.join('\n')}`);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${c.plural}.${KEDA_GROUP}` },
    spec: {
      group: KEDA_GROUP,
      names: { kind: c.kind, listKind: `${c.kind}List`, plural: c.plural, shortNames: c.shortNames, singular: c.singular },
      scope: c.scope,
      versions: [
        {
          name: KEDA_VERSION,
          served: true,
          storage: true,
          additionalPrinterColumns: c.columns.map((col) => ({ ...col })),
          schema: { openAPIV3Schema: root },
          subresources: { status: {} },
        },
      ],
    },
  };
}

/** File name (as KEDA names them under config/crd/bases) and YAML text of each CRD. */
export function crdFiles(): Array<{ fileName: string; yaml: string }> {
  return CRD_SPECS.map((c) => ({
    fileName: `${KEDA_GROUP}_${c.plural}.yaml`,
    yaml: `# Generated by scripts/gen-crds.ts from src/api/ — do not edit; run \`node --import tsx scripts/gen-crds.ts\`.\n---\n${stringify(buildCrd(c), { lineWidth: 0 })}`,
  }));
}
