// The edge where manifests enter Updraft: YAML (multi-document) or JSON text → typed, defaulted keda.sh objects,
// plus every problem the API server (CRD schema, ObjectMeta rules) would report, in Updraft's words.
// Non-KEDA objects (Deployments, updraft.dev ProcessGroups, ...) are passed through untouched in `others`.
//
// YAML is read the way kubectl reads it (sigs.k8s.io/yaml, a go-yaml v2 fork): YAML 1.1 scalars with merge keys,
// so `yes`/`on`/`y` are booleans and `0755` is octal (an unquoted `yes` in trigger metadata is rejected, as by the
// API server), but without 1.1's sexagesimal numbers and timestamps, which go-yaml v2 leaves as strings
// (`10:30`, `2024-01-01`).
import { isScalar, LineCounter, parseAllDocuments, type Document, type Tags } from 'yaml';
import type { z } from 'zod';
import { describeIssue } from './issue-messages.ts';
import { objectMetaSchema, toObjectMeta } from './object-meta.ts';
import { hasErrors, joinPath, objectLabel, splitPath, type Problem } from './problem.ts';
import { scaledJobSpecSchema, scaledJobStatusSchema, toScaledJob, toScaledJobSpec } from './scaled-job.ts';
import { scaledObjectSpecSchema, scaledObjectStatusSchema, toScaledObject, toScaledObjectSpec } from './scaled-object.ts';
import { toTriggerAuthentication, toTriggerAuthenticationSpec, triggerAuthenticationSpecSchema, triggerAuthenticationStatusSchema } from './trigger-authentication.ts';
import type { KedaObject, ScaledJob, ScaledObject, TriggerAuthentication } from './types.ts';
import { KEDA_API_VERSION, KEDA_GROUP } from './types.ts';
import { findUnknownFields } from './unknown-fields.ts';

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

export function parseManifests(text: string, source?: string): ParsedManifests {
  const objects: KedaObject[] = [];
  const others: OtherObject[] = [];
  const problems: Problem[] = [];
  const locators = new Map<KedaObject, (path: string) => string | undefined>();
  const lineCounter = new LineCounter();
  const where = (line: number | undefined) => (line === undefined ? undefined : `${source ?? '<input>'}:${line}`);

  const docs = parseAllDocuments(text, { version: '1.1', merge: true, lineCounter, prettyErrors: false, customTags: goYamlV2Tags });
  const list: Document.Parsed[] = Array.isArray(docs) ? docs : [];
  list.forEach((doc, docIndex) => {
    const docLabel = `document ${docIndex + 1}`;
    for (const e of doc.errors) {
      const line = e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line;
      problems.push({ severity: 'error', object: docLabel, path: '', message: `YAML syntax error: ${e.message.split('\n')[0]}`, fix: 'fix the YAML at the given line', source: where(line) });
    }
    for (const w of doc.warnings) {
      problems.push({ severity: 'warning', object: docLabel, path: '', message: `YAML: ${w.message.split('\n')[0]}`, source: where(w.linePos?.[0]?.line ?? lineCounter.linePos(w.pos[0]).line) });
    }
    if (doc.errors.length > 0 || doc.contents === null) return;
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) return; // empty documents (`---` alone, only comments) are fine
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
        problems.push({ severity: 'error', object: `${docLabel}${item.base.length ? ` ${joinPath(item.base)}` : ''}`, path: '', message: 'not a Kubernetes object (expected a map with apiVersion and kind)', source: where(itemLine) });
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
          if (isScalar(node) && typeof node.value === 'number' && typeof node.source === 'string') located.fix = `quote it: ${String(parts[parts.length - 1])}: ${JSON.stringify(node.source)}`;
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
    if (!isKedaKind) return undefined; // e.g. a future keda.sh kind: not ours to judge
  } else if (group === KEDA_GROUP || (group === 'keda.k8s.io' && isKedaKind)) {
    const label = objectLabel(kind, metaNamespace(raw, kind !== 'ClusterTriggerAuthentication'), metaName(raw));
    const fix = group === 'keda.k8s.io' ? `KEDA v1 (keda.k8s.io) objects must be migrated: use apiVersion: ${KEDA_API_VERSION}` : `use apiVersion: ${KEDA_API_VERSION}`;
    return { ok: false, problems: [{ severity: 'error', object: label, path: 'apiVersion', message: `apiVersion ${apiVersion} is not served; KEDA and Updraft serve ${KEDA_API_VERSION}`, fix }] };
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

function collectIssues(c: Collected, issues: ReadonlyArray<z.core.$ZodIssue>, prefix: string, root: unknown, kind: string, severity: 'error' | 'warning' = 'error') {
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
  const dropped: string[] = [];
  const pruned = pruneNulls(rawObj, [], dropped) as Record<string, unknown>;
  const out: Common<z.output<SpecSchema>, z.output<StatusSchema>> = { c, pruned, specKeys: new Set(isPlainObject(pruned.spec) ? Object.keys(pruned.spec) : []) };
  for (const path of dropped) {
    c.problems.push({ severity: 'warning', object: c.label, path, message: `${path} is empty (null); the API server drops null fields, so it counts as not set`, fix: 'give it a value or remove the line' });
  }
  for (const k of Object.keys(pruned)) {
    if (!TOP_LEVEL_FIELDS.includes(k)) {
      c.problems.push({ severity: 'warning', object: c.label, path: k, message: `unknown top-level field ${k}: the API server drops it`, fix: k === 'triggers' || k === 'scaleTargetRef' ? `move it under spec` : 'remove it' });
    }
  }

  const meta = objectMetaSchema.safeParse(pruned.metadata);
  if (meta.success) out.meta = meta.data;
  else collectIssues(c, meta.error.issues, 'metadata', pruned, kind);
  if (meta.success && !namespaced && meta.data.namespace) {
    c.problems.push({ severity: 'warning', object: c.label, path: 'metadata.namespace', message: `${kind} is cluster-scoped; metadata.namespace is ignored`, fix: 'remove metadata.namespace' });
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
  return outcome(r.c, () => toTriggerAuthentication(kind, toObjectMeta(r.meta!, kind === 'TriggerAuthentication'), toTriggerAuthenticationSpec(r.spec!), r.status));
}
