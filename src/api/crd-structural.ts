// Checks that an OpenAPI v3 schema is a *structural* schema that apiextensions.k8s.io/v1 accepts
// (Kubernetes docs "Specifying a structural schema", and the CRD validation code), so a generated CRD cannot be
// rejected on `kubectl apply` or silently prune data. Returns one line per violation, with its JSON path.

/** Fields of apiextensions v1 JSONSchemaProps that a CRD may use (no $ref, $schema, definitions, patternProperties...). */
const ALLOWED_KEYS = new Set([
  'description',
  'type',
  'format',
  'title',
  'default',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'multipleOf',
  'enum',
  'maxProperties',
  'minProperties',
  'required',
  'items',
  'allOf',
  'oneOf',
  'anyOf',
  'not',
  'properties',
  'additionalProperties',
  'externalDocs',
  'example',
  'nullable',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);
const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
const JUNCTORS = ['allOf', 'anyOf', 'oneOf', 'not'] as const;
/** Inside junctors these may not appear (structural rule 3), except the int-or-string pattern. */
const FORBIDDEN_IN_JUNCTOR = ['description', 'type', 'default', 'additionalProperties', 'nullable'];

type Schema = Record<string, unknown>;

function isSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function structuralProblems(root: unknown): string[] {
  const out: string[] = [];
  if (!isSchema(root)) return ['schema root is not an object'];
  check(root, '', out, { inJunctor: false, isRoot: true });
  return out;
}

function check(s: Schema, path: string, out: string[], ctx: { inJunctor: boolean; isRoot: boolean }): void {
  const at = path || '<root>';
  for (const k of Object.keys(s)) {
    if (!ALLOWED_KEYS.has(k)) out.push(`${at}: "${k}" is not allowed in a CRD schema`);
  }
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const intOrString = s['x-kubernetes-int-or-string'] === true;

  if (ctx.inJunctor) {
    for (const k of FORBIDDEN_IN_JUNCTOR) {
      if (k in s && !(k === 'type' && isIntOrStringBranch(s))) out.push(`${at}: "${k}" must not be set inside allOf/anyOf/oneOf/not`);
    }
  } else {
    if (typeof s.type === 'string') {
      if (!TYPES.has(s.type)) out.push(`${at}: unknown type "${s.type}"`);
    } else if ('type' in s) out.push(`${at}: type must be a single string`);
    else if (!preserve && !intOrString) out.push(`${at}: every node needs a type (or x-kubernetes-preserve-unknown-fields / x-kubernetes-int-or-string)`);
  }
  if (s.additionalProperties === false) out.push(`${at}: additionalProperties cannot be false`);
  if ('properties' in s && 'additionalProperties' in s) out.push(`${at}: properties and additionalProperties are mutually exclusive`);
  if (s.type === 'object' && !ctx.inJunctor && !ctx.isRoot && !preserve && !('properties' in s) && !('additionalProperties' in s) && path !== '.metadata') {
    out.push(`${at}: an object without properties/additionalProperties is pruned to {}; set x-kubernetes-preserve-unknown-fields`);
  }
  if (isSchema(s.properties) && Object.keys(s.properties).length === 0 && !preserve) out.push(`${at}: empty properties`);
  if ('uniqueItems' in s) out.push(`${at}: uniqueItems is not allowed`);
  if (intOrString && 'anyOf' in s) {
    const ok = Array.isArray(s.anyOf) && s.anyOf.length === 2 && s.anyOf.every(isIntOrStringBranch);
    if (!ok) out.push(`${at}: x-kubernetes-int-or-string allows only anyOf [{type: integer}, {type: string}]`);
  }
  if (s.type === 'array' && !isSchema(s.items) && !ctx.inJunctor) out.push(`${at}: an array needs a single items schema`);
  if (Array.isArray(s.required) && isSchema(s.properties)) {
    for (const r of s.required) if (typeof r !== 'string' || !(r in s.properties)) out.push(`${at}: required field "${String(r)}" is not in properties`);
  }
  if (path === '.metadata') {
    // Structural rule 4: only name/generateName restrictions are allowed under metadata.
    if (isSchema(s.properties))
      for (const k of Object.keys(s.properties))
        if (k !== 'name' && k !== 'generateName') out.push(`${at}: only metadata.name and metadata.generateName may be restricted`);
  }

  if (isSchema(s.properties))
    for (const [k, v] of Object.entries(s.properties)) if (isSchema(v)) check(v, `${path}.${k}`, out, { inJunctor: ctx.inJunctor, isRoot: false });
  if (isSchema(s.additionalProperties)) check(s.additionalProperties, `${path}.*`, out, { inJunctor: ctx.inJunctor, isRoot: false });
  if (isSchema(s.items)) check(s.items, `${path}[]`, out, { inJunctor: ctx.inJunctor, isRoot: false });
  for (const j of JUNCTORS) {
    const v = s[j];
    const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
    list.forEach((b, i) => {
      if (isSchema(b)) check(b, `${path}.${j}[${i}]`, out, { inJunctor: true, isRoot: false });
    });
  }
}

function isIntOrStringBranch(b: unknown): boolean {
  return isSchema(b) && Object.keys(b).length === 1 && (b.type === 'integer' || b.type === 'string');
}
