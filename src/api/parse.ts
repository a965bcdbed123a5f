// The edge where manifests enter Updraft: YAML (multi-document) or JSON text → typed, defaulted keda.sh objects,
// plus every problem the API server (CRD schema, ObjectMeta rules) would report, in Updraft's words.
// Non-KEDA objects (Deployments, updraft.dev ProcessGroups, ...) are passed through untouched in `others`.
//
// YAML is read the way kubectl reads it (sigs.k8s.io/yaml, a go-yaml v2 fork): YAML 1.1 scalars with merge keys,
// so `yes`/`on`/`y` are booleans and `0755` is octal (an unquoted `yes` in trigger metadata is rejected, as by the
// API server), but without 1.1's sexagesimal numbers and timestamps, which go-yaml v2 leaves as strings
// (`10:30`, `2024-01-01`).
import { isScalar, LineCounter, parseAllDocuments, visit, type Document, type Tags, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { describeIssue } from './issue-messages.ts';
import { DNS_LABEL, objectMetaSchema, toObjectMeta } from './object-meta.ts';
import {
  blankRegions,
  findDeepDocuments,
  formatBytes,
  MAX_ALIAS_COUNT,
  MAX_DEPTH,
  MAX_FILE_BYTES,
  MAX_OBJECT_BYTES,
  measure,
  PROTOTYPE_KEYS,
} from './bounds.ts';
import { hasErrors, joinPath, objectLabel, quote, splitPath, truncate, type Problem } from './problem.ts';
import { scaledJobSpecSchema, scaledJobStatusSchema, toScaledJob, toScaledJobSpec } from './scaled-job.ts';
import { scaledObjectSpecSchema, scaledObjectStatusSchema, toScaledObject, toScaledObjectSpec } from './scaled-object.ts';
import {
  toTriggerAuthentication,
  toTriggerAuthenticationSpec,
  triggerAuthenticationSpecSchema,
  triggerAuthenticationStatusSchema,
} from './trigger-authentication.ts';
import type { KedaObject, ScaledJob, ScaledObject, TriggerAuthentication } from './types.ts';
import { KEDA_API_VERSION, KEDA_GROUP } from './types.ts';
import { closest, findUnknownFields } from './unknown-fields.ts';

export type ParseOutcome<T> = { ok: true; value: T; warnings: Problem[] } | { ok: false; problems: Problem[] };

export interface OtherObject {
  apiVersion?: string;
  kind?: string;
  name?: string;
  raw: unknown;
}

export interface ParsedManifests {
  objects: KedaObject[];
  others: OtherObject[];
  problems: Problem[];
  /** "file:line" of a field of a parsed object (for problems found later, e.g. by validate.ts), if known. */
  locate(object: KedaObject, path: string): string | undefined;
}

export const KEDA_KINDS = ['ScaledObject', 'ScaledJob', 'TriggerAuthentication', 'ClusterTriggerAuthentication'] as const;
type KedaKind = (typeof KEDA_KINDS)[number];

const TOP_LEVEL_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];

/** The YAML 1.1 tags minus the ones go-yaml v2 does not resolve for untyped values (`10:30`, timestamps). */
function goYamlV2Tags(tags: Tags): Tags {
  return tags.filter((t) => typeof t === 'string' || (t.format !== 'TIME' && t.tag !== 'tag:yaml.org,2002:timestamp'));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Text → documents → items

function tooDeepProblem(object: string, depth: number, source: string | undefined): Problem {
  return {
    severity: 'error',
    object,
    path: '',
    message: `the document nests maps and lists more than ${MAX_DEPTH} levels deep (${depth} at this line); refused without parsing it`,
    fix: `nest at most ${MAX_DEPTH} levels (no Kubernetes object needs more than about 20)`,
    source,
  };
}

/** A YAML error as a Problem; a duplicate key is named (the yaml library's message does not say which). */
function yamlErrorProblem(doc: Document.Parsed, e: YAMLError, object: string, source: string | undefined): Problem {
  if (e.code === 'DUPLICATE_KEY') {
    let key: string | undefined;
    visit(doc, {
      Pair(_, pair) {
        const k = pair.key as { range?: [number, number, number]; value?: unknown } | null;
        if (k?.range?.[0] === e.pos[0]) {
          key = isScalar(k) ? String(k.value) : String(k);
          return visit.BREAK;
        }
        return undefined;
      },
    });
    return {
      severity: 'error',
      object,
      path: '',
      message: `duplicate key${key === undefined ? '' : ` ${quote(key)}`}: a map must have each key once (the API server's strict field validation refuses duplicate fields, and tools disagree on which copy wins)`,
      fix: 'remove one of the two, or merge them',
      source,
    };
  }
  return {
    severity: 'error',
    object,
    path: '',
    message: `YAML syntax error: ${truncate(e.message.split('\n')[0], 200)}`,
    fix: 'fix the YAML at the given line',
    source,
  };
}

export function parseManifests(text: string, source?: string): ParsedManifests {
  const objects: KedaObject[] = [];
  const others: OtherObject[] = [];
  const problems: Problem[] = [];
  const locators = new Map<KedaObject, (path: string) => string | undefined>();
  const lineCounter = new LineCounter();
  const where = (line: number | undefined) => (line === undefined ? undefined : `${source ?? '<input>'}:${line}`);

  // Bounds first (src/api/bounds.ts): documents nested too deep are blanked before the YAML parser sees them.
  const deep = findDeepDocuments(text);
  const docs = parseAllDocuments(blankRegions(text, deep), {
    version: '1.1',
    merge: true,
    uniqueKeys: true,
    lineCounter,
    prettyErrors: false,
    customTags: goYamlV2Tags,
  });
  const list: Document.Parsed[] = Array.isArray(docs) ? docs : [];
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  // A too-deep first document with no `---` blanks to nothing and yields no Document; report it on its own.
  for (const r of deep) {
    if (!list.some((d) => d.range[0] <= r.start && r.start <= d.range[2])) problems.push(tooDeepProblem('document 1', r.depth, where(lineAt(r.at))));
  }
  list.forEach((doc, docIndex) => {
    const docLabel = `document ${docIndex + 1}`;
    const tooDeep = deep.find((r) => doc.range[0] <= r.start && r.start <= doc.range[2]);
    if (tooDeep) {
      problems.push(tooDeepProblem(docLabel, tooDeep.depth, where(lineAt(tooDeep.at))));
      return;
    }
    for (const e of doc.errors) {
      const line = e.linePos?.[0]?.line ?? lineAt(e.pos[0]);
      problems.push(yamlErrorProblem(doc, e, docLabel, where(line)));
    }
    for (const w of doc.warnings) {
      problems.push({
        severity: 'warning',
        object: docLabel,
        path: '',
        message: `YAML: ${truncate(w.message.split('\n')[0], 200)}`,
        source: where(w.linePos?.[0]?.line ?? lineAt(w.pos[0])),
      });
    }
    if (doc.errors.length > 0 || doc.contents === null) return;
    const contentStart = (doc.contents as { range?: [number, number, number] }).range?.[0] ?? doc.range[0];
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      // The yaml library throws a ReferenceError for too many aliases ("billion laughs") and unresolved ones.
      const excessive = e instanceof ReferenceError && /Excessive alias count/.test(e.message);
      problems.push({
        severity: 'error',
        object: docLabel,
        path: '',
        message: excessive
          ? `YAML aliases expand too much: the document refers to its anchors more than ${MAX_ALIAS_COUNT} times over (nested aliases, as in a "billion laughs" attack); refused`
          : `YAML: ${truncate(e instanceof Error ? e.message : String(e), 200)}`,
        fix: excessive ? 'write the repeated parts out, or use fewer, non-nested aliases' : 'fix the YAML at the given line',
        source: where(lineAt(contentStart)),
      });
      return;
    }
    if (value === null || value === undefined) return; // empty documents (`---` alone, only comments) are fine
    const size = measure(value, { maxBytes: MAX_FILE_BYTES });
    if (size.tooDeep !== undefined || size.overBytes) {
      const m =
        size.tooDeep !== undefined
          ? `the document nests maps and lists more than ${MAX_DEPTH} levels deep (at ${truncate(size.tooDeep, 200)}${/[&*]/.test(text.slice(doc.range[0], doc.range[2])) ? ', with its aliases expanded' : ''}); refused`
          : `the document expands to more than ${formatBytes(MAX_FILE_BYTES)} (with its YAML aliases expanded); refused`;
      problems.push({
        severity: 'error',
        object: docLabel,
        path: '',
        message: m,
        fix: size.tooDeep !== undefined ? `nest at most ${MAX_DEPTH} levels` : 'write the repeated parts out once, or split the document',
        source: where(lineAt(contentStart)),
      });
      return;
    }
    const lineOf = (path: ReadonlyArray<string | number>): number | undefined => {
      for (let n = path.length; n >= 0; n--) {
        const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
        if (node && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    };

    const items: Array<{ value: unknown; base: Array<string | number> }> = [];
    if (Array.isArray(value)) value.forEach((v, i) => items.push({ value: v, base: [i] }));
    else if (isPlainObject(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      value.items.forEach((v, i) => items.push({ value: v, base: ['items', i] }));
    } else items.push({ value, base: [] });

    for (const item of items) {
      const itemLine = lineOf(item.base);
      if (!isPlainObject(item.value)) {
        problems.push({
          severity: 'error',
          object: `${docLabel}${item.base.length ? ` ${joinPath(item.base)}` : ''}`,
          path: '',
          message: 'not a Kubernetes object (expected a map with apiVersion and kind)',
          source: where(itemLine),
        });
        continue;
      }
      const locate = (path: string) => where(lineOf([...item.base, ...splitPath(path)]));
      const raw = item.value;
      const kind = str(raw.kind);
      const apiVersion = str(raw.apiVersion);
      const name = isPlainObject(raw.metadata) ? str(raw.metadata.name) : undefined;
      const outcome = parseKedaObject(raw);
      if (outcome === undefined) {
        others.push({ apiVersion, kind, name, raw });
        continue;
      }
      const found = outcome.ok ? outcome.warnings : outcome.problems;
      for (const p of found) {
        const located: Problem = { ...p, source: p.source ?? locate(p.path) };
        // "quote it" fixes show a number as written (`0755`, not 493). Booleans stay "true"/"false" (not `yes`):
        // KEDA parses boolean metadata with Go's ParseBool, which rejects "yes".
        if (p.fix?.startsWith('quote it: ')) {
          const parts = splitPath(p.path);
          const node = doc.getIn([...item.base, ...parts], true);
          if (isScalar(node) && typeof node.value === 'number' && typeof node.source === 'string')
            located.fix = `quote it: ${String(parts[parts.length - 1])}: ${JSON.stringify(node.source)}`;
        }
        problems.push(located);
      }
      if (outcome.ok) {
        objects.push(outcome.value);
        locators.set(outcome.value, locate);
      }
    }
  });

  return { objects, others, problems, locate: (object, path) => locators.get(object)?.(path) };
}

/**
 * Parse any keda.sh object by its apiVersion/kind. Returns undefined for objects that are not KEDA's (they belong
 * in `others`). keda.sh kinds with a wrong version and the retired KEDA v1 group are errors, not "others".
 */
export function parseKedaObject(raw: unknown): ParseOutcome<KedaObject> | undefined {
  if (!isPlainObject(raw)) return undefined;
  const kind = str(raw.kind);
  const apiVersion = str(raw.apiVersion) ?? '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const isKedaKind = (KEDA_KINDS as readonly string[]).includes(kind ?? '');
  if (apiVersion === KEDA_API_VERSION) {
    if (!isKedaKind) return unknownKedaKind(raw, kind);
  } else if (group === KEDA_GROUP || (group === 'keda.k8s.io' && isKedaKind)) {
    const label = objectLabel(kind, metaNamespace(raw, kind !== 'ClusterTriggerAuthentication'), metaName(raw));
    const fix =
      group === 'keda.k8s.io' ? `KEDA v1 (keda.k8s.io) objects must be migrated: use apiVersion: ${KEDA_API_VERSION}` : `use apiVersion: ${KEDA_API_VERSION}`;
    return {
      ok: false,
      problems: [
        {
          severity: 'error',
          object: label,
          path: 'apiVersion',
          message: `apiVersion ${apiVersion} is not served; KEDA and Updraft serve ${KEDA_API_VERSION}`,
          fix,
        },
      ],
    };
  } else return undefined;

  switch (kind as KedaKind) {
    case 'ScaledObject':
      return parseScaledObject(raw);
    case 'ScaledJob':
      return parseScaledJob(raw);
    default:
      return parseTriggerAuthentication(raw);
  }
}

/**
 * keda.sh/v1alpha1 serves exactly KEDA_KINDS (KEDA `apis/keda/v1alpha1/*_types.go`; CloudEventSources are
 * eventing.keda.sh), so any other kind there is a typo the API server would refuse ("no matches for kind").
 * `*List` kinds (kubectl output) stay with the other objects.
 */
function unknownKedaKind(raw: Record<string, unknown>, kind: string | undefined): ParseOutcome<KedaObject> | undefined {
  if (kind && kind.endsWith('List') && (KEDA_KINDS as readonly string[]).includes(kind.slice(0, -'List'.length))) return undefined;
  const label = objectLabel(kind, metaNamespace(raw, true), metaName(raw));
  const known = KEDA_KINDS.join(', ');
  if (kind === undefined || kind === '') {
    return {
      ok: false,
      problems: [
        {
          severity: 'error',
          object: label,
          path: 'kind',
          message: `kind is required; ${KEDA_API_VERSION} serves ${known}`,
          fix: 'add kind: ScaledObject (or another of these kinds)',
        },
      ],
    };
  }
  const eventing = kind === 'CloudEventSource' || kind === 'ClusterCloudEventSource';
  const guess = closest(kind, KEDA_KINDS);
  const fix = eventing ? `use apiVersion: eventing.keda.sh/v1alpha1 for ${kind}` : guess ? `did you mean kind: ${guess}?` : `use one of ${known}`;
  return {
    ok: false,
    problems: [
      {
        severity: 'error',
        object: label,
        path: 'kind',
        message: `kind ${quote(kind)} is not served by ${KEDA_API_VERSION} (the API server refuses it: no matches for kind); the kinds are ${known}`,
        fix,
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// One object

function metaName(raw: Record<string, unknown>): string | undefined {
  return isPlainObject(raw.metadata) ? str(raw.metadata.name) : undefined;
}
function metaNamespace(raw: Record<string, unknown>, namespaced: boolean): string | undefined {
  if (!namespaced) return undefined;
  return (isPlainObject(raw.metadata) ? str(raw.metadata.namespace) : undefined) || 'default';
}

/**
 * Copy of `raw` without null-valued map entries. The API server drops nulls for fields that are not nullable
 * before validating, so `minReplicaCount:` (empty) means "unset" and a bare `metadata:` under a trigger means
 * "missing". Nulls under spec are reported; kubectl output has harmless ones elsewhere (creationTimestamp: null).
 */
function pruneNulls(v: unknown, path: Array<string | number>, dropped: string[]): unknown {
  if (Array.isArray(v)) return v.map((x, i) => pruneNulls(x, [...path, i], dropped));
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (PROTOTYPE_KEYS.has(k)) continue; // reported by parseCommon; `out[k] = ` would set out's prototype
    if (x === null) {
      if (path[0] === 'spec' || (path.length === 0 && k === 'spec')) dropped.push(joinPath([...path, k]));
      continue;
    }
    out[k] = pruneNulls(x, [...path, k], dropped);
  }
  return out;
}

interface Collected {
  label: string;
  problems: Problem[];
}

function collectIssues(
  c: Collected,
  issues: ReadonlyArray<z.core.$ZodIssue>,
  prefix: string,
  root: unknown,
  kind: string,
  severity: 'error' | 'warning' = 'error',
) {
  for (const issue of issues) {
    const full = { ...issue, path: [prefix, ...issue.path] } as z.core.$ZodIssue;
    const d = describeIssue(full, root, kind);
    const p: Problem = { severity, object: c.label, path: d.path, message: d.message };
    if (d.fix) p.fix = d.fix;
    c.problems.push(p);
  }
}

function collectUnknown(c: Collected, schema: z.core.$ZodType, value: unknown, prefix: string) {
  for (const u of findUnknownFields(schema, value, [prefix])) {
    c.problems.push({
      severity: 'warning',
      object: c.label,
      path: u.path,
      message: `unknown field ${u.path}: KEDA's CRD does not have it, so the API server drops it (kubectl's default strict validation rejects it) and it has no effect`,
      fix: u.suggestion ? `did you mean ${u.suggestion}?` : 'remove it',
    });
  }
}

interface Common<Spec, Status> {
  c: Collected;
  pruned: Record<string, unknown>;
  meta?: z.output<typeof objectMetaSchema>;
  spec?: Spec;
  status?: Status;
  specKeys: Set<string>;
}

function parseCommon<SpecSchema extends z.ZodType, StatusSchema extends z.ZodType>(
  raw: unknown,
  kind: KedaKind,
  specSchema: SpecSchema,
  statusSchema: StatusSchema,
): Common<z.output<SpecSchema>, z.output<StatusSchema>> {
  const namespaced = kind !== 'ClusterTriggerAuthentication';
  const rawObj = isPlainObject(raw) ? raw : {};
  const c: Collected = { label: objectLabel(kind, metaNamespace(rawObj, namespaced), metaName(rawObj)), problems: [] };
  // Bounds before anything recursive (src/api/bounds.ts); the admission webhook's objects come here directly.
  const size = measure(rawObj, { maxBytes: MAX_OBJECT_BYTES });
  if (size.tooDeep !== undefined || size.overBytes) {
    c.problems.push(
      size.tooDeep !== undefined
        ? {
            severity: 'error',
            object: c.label,
            path: size.tooDeep,
            message: `the object nests maps and lists more than ${MAX_DEPTH} levels deep; refused`,
            fix: `nest at most ${MAX_DEPTH} levels`,
          }
        : {
            severity: 'error',
            object: c.label,
            path: '',
            message: `the object is larger than ${formatBytes(MAX_OBJECT_BYTES)} as JSON; etcd refuses to store it ("etcdserver: request is too large", its default --max-request-bytes is 1.5 MiB)`,
            fix: 'make it smaller: move large values (scripts, certificates) into a Secret or ConfigMap and refer to it',
          },
    );
    return { c, pruned: {}, specKeys: new Set() };
  }
  for (const path of size.prototypeKeys) {
    c.problems.push({
      severity: 'error',
      object: c.label,
      path,
      message: `the key __proto__ is refused: no Kubernetes or KEDA field has this name, and copied into a JavaScript object it would replace the object's prototype (e.g. make spec.__proto__.scaleTargetRef count as spec.scaleTargetRef)`,
      fix: 'remove it',
    });
  }
  const dropped: string[] = [];
  const pruned = pruneNulls(rawObj, [], dropped) as Record<string, unknown>;
  const out: Common<z.output<SpecSchema>, z.output<StatusSchema>> = {
    c,
    pruned,
    specKeys: new Set(isPlainObject(pruned.spec) ? Object.keys(pruned.spec) : []),
  };
  for (const path of dropped) {
    c.problems.push({
      severity: 'warning',
      object: c.label,
      path,
      message: `${path} is empty (null); the API server drops null fields, so it counts as not set`,
      fix: 'give it a value or remove the line',
    });
  }
  for (const k of Object.keys(pruned)) {
    if (!TOP_LEVEL_FIELDS.includes(k)) {
      c.problems.push({
        severity: 'warning',
        object: c.label,
        path: k,
        message: `unknown top-level field ${k}: the API server drops it`,
        fix: k === 'triggers' || k === 'scaleTargetRef' ? `move it under spec` : 'remove it',
      });
    }
  }

  const meta = objectMetaSchema.safeParse(pruned.metadata);
  if (meta.success) out.meta = meta.data;
  else collectIssues(c, meta.error.issues, 'metadata', pruned, kind);
  if (meta.success && namespaced && meta.data.namespace && !DNS_LABEL.test(meta.data.namespace)) {
    // ObjectMeta validation (staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go, ValidateNamespaceName).
    const ns = meta.data.namespace;
    c.problems.push({
      severity: 'error',
      object: c.label,
      path: 'metadata.namespace',
      message: `namespace ${quote(ns)} is not a valid namespace name: it must be an RFC 1123 label (at most 63 characters of a-z, 0-9 and "-", starting and ending alphanumeric)${ns.length > 63 ? `, and it has ${ns.length}` : ''}`,
      fix: 'use the name of an existing namespace, e.g. lowercase it and replace "_" and "." with "-"',
    });
  }
  if (meta.success && !namespaced && meta.data.namespace) {
    c.problems.push({
      severity: 'warning',
      object: c.label,
      path: 'metadata.namespace',
      message: `${kind} is cluster-scoped; metadata.namespace is ignored`,
      fix: 'remove metadata.namespace',
    });
  }

  const spec = specSchema.safeParse(pruned.spec);
  if (spec.success) out.spec = spec.data;
  else collectIssues(c, spec.error.issues, 'spec', pruned, kind);
  collectUnknown(c, specSchema, pruned.spec, 'spec');

  if (pruned.status !== undefined) {
    const status = statusSchema.safeParse(pruned.status);
    if (status.success) out.status = status.data;
    else {
      // The status subresource makes the API server ignore `status` on create/update, so this cannot break anything.
      const before = c.problems.length;
      collectIssues(c, status.error.issues, 'status', pruned, kind, 'warning');
      for (const p of c.problems.slice(before)) p.message += ' (status is ignored on apply; the operator writes it)';
    }
  }
  return out;
}

function outcome<T>(c: Collected, build: () => T): ParseOutcome<T> {
  if (hasErrors(c.problems)) return { ok: false, problems: c.problems };
  return { ok: true, value: build(), warnings: c.problems };
}

export function parseScaledObject(raw: unknown): ParseOutcome<ScaledObject> {
  const r = parseCommon(raw, 'ScaledObject', scaledObjectSpecSchema, scaledObjectStatusSchema);
  return outcome(r.c, () => toScaledObject(toObjectMeta(r.meta!, true), toScaledObjectSpec(r.spec!, r.specKeys), r.status));
}

export function parseScaledJob(raw: unknown): ParseOutcome<ScaledJob> {
  const r = parseCommon(raw, 'ScaledJob', scaledJobSpecSchema, scaledJobStatusSchema);
  return outcome(r.c, () => toScaledJob(toObjectMeta(r.meta!, true), toScaledJobSpec(r.spec!), r.status));
}

/** TriggerAuthentication or ClusterTriggerAuthentication, by `kind` (TriggerAuthentication when absent). */
export function parseTriggerAuthentication(raw: unknown): ParseOutcome<TriggerAuthentication> {
  const kind = isPlainObject(raw) && raw.kind === 'ClusterTriggerAuthentication' ? 'ClusterTriggerAuthentication' : 'TriggerAuthentication';
  const r = parseCommon(raw, kind, triggerAuthenticationSpecSchema, triggerAuthenticationStatusSchema);
  return outcome(r.c, () =>
    toTriggerAuthentication(kind, toObjectMeta(r.meta!, kind === 'TriggerAuthentication'), toTriggerAuthenticationSpec(r.spec!), r.status),
  );
}
