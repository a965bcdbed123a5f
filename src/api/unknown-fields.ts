// Fields the schema does not know. KEDA's CRDs are structural, so the API server prunes unknown fields on write
// (or, with kubectl's default strict field validation, rejects the request). Updraft accepts them like a pruning
// API server but reports each one, with the closest known field name when there is a likely typo.
import type { z } from 'zod';
import { joinPath } from './problem.ts';

export interface UnknownField {
  path: string;
  /** The known field it most likely meant, if any. */
  suggestion?: string;
}

type Def = { type: string } & Record<string, unknown>;

function defOf(schema: z.core.$ZodType): Def {
  return schema._zod.def as unknown as Def;
}

/** Strip wrappers that do not change the shape (optional, default, ...). */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let s = schema;
  for (;;) {
    const d = defOf(s);
    if (d.type === 'optional' || d.type === 'nullable' || d.type === 'default' || d.type === 'prefault' || d.type === 'readonly' || d.type === 'nonoptional') {
      s = d.innerType as z.core.$ZodType;
    } else if (d.type === 'pipe') {
      s = d.in as z.core.$ZodType;
    } else {
      return s;
    }
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Walk `value` along `schema` and list every object key the schema has no field for. */
export function findUnknownFields(schema: z.core.$ZodType, value: unknown, base: ReadonlyArray<string | number> = []): UnknownField[] {
  const out: UnknownField[] = [];
  walk(schema, value, [...base], out);
  return out;
}

function walk(schema: z.core.$ZodType, value: unknown, path: Array<string | number>, out: UnknownField[]): void {
  const s = unwrap(schema);
  const d = defOf(s);
  if (d.type === 'object' && isPlainObject(value)) {
    const shape = d.shape as Record<string, z.core.$ZodType>;
    // A catchall (looseObject) means unknown fields are kept on purpose (x-kubernetes-preserve-unknown-fields).
    const keepsUnknown = d.catchall !== undefined && defOf(d.catchall as z.core.$ZodType).type !== 'never';
    for (const [k, v] of Object.entries(value)) {
      // Own fields only: `shape.constructor` would be Object's, not a field (a `constructor:` key in the input).
      const field = Object.hasOwn(shape, k) ? shape[k] : undefined;
      if (field) walk(field, v, [...path, k], out);
      else if (!keepsUnknown) {
        const u: UnknownField = { path: joinPath([...path, k]) };
        const suggestion = closest(k, Object.keys(shape));
        if (suggestion) u.suggestion = suggestion;
        out.push(u);
      }
    }
  } else if (d.type === 'array' && Array.isArray(value)) {
    value.forEach((item, i) => walk(d.element as z.core.$ZodType, item, [...path, i], out));
  } else if (d.type === 'record' && isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) walk(d.valueType as z.core.$ZodType, v, [...path, k], out);
  }
}

/** The known name a typo most likely meant: same letters ignoring case, a shared prefix, or a small edit distance. */
export function closest(name: string, known: ReadonlyArray<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const k of known) {
    const kl = k.toLowerCase();
    let score: number;
    if (kl === lower) score = 0;
    else if (lower.length >= 4 && (kl.startsWith(lower) || lower.startsWith(kl))) score = 1;
    else if (commonPrefix(lower, kl) >= 7) score = 2;
    else {
      const dist = editDistance(lower, kl);
      score = dist <= Math.max(2, Math.floor(Math.max(lower.length, kl.length) / 4)) ? 1 + dist : Infinity;
    }
    if (score < bestScore) {
      bestScore = score;
      best = k;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
