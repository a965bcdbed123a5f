// A Problem is one thing wrong (error) or suspicious (warning) with one object, at one field. Every check in api/
// returns these; `updraft validate`, the admission webhook and the operator's status messages print them.

export interface Problem {
  /** `note`: something that could not be checked offline (a value only the cluster supplies); never fails. */
  severity: 'error' | 'warning' | 'note';
  /** Kind and namespace/name, e.g. "ScaledObject keda-sqs-guidance/sqsconsumer-hpa" (no namespace for CTA). */
  object: string;
  /** Field path in the manifest, e.g. "spec.triggers[0].metadata"; "" for the whole object. */
  path: string;
  message: string;
  fix?: string;
  /** "file:line" when known. */
  source?: string;
}

/** "ScaledObject ns/name", "ClusterTriggerAuthentication name"; tolerant of missing parts (raw input). */
export function objectLabel(kind: string | undefined, namespace: string | undefined, name: string | undefined): string {
  const k = kind ? truncate(kind) : '<no kind>';
  const n = name ? truncate(name) : '<no name>';
  return namespace ? `${k} ${truncate(namespace)}/${n}` : `${k} ${n}`;
}

/** Join a path of keys/indexes the way Problem.path spells it: `spec.triggers[0].metadata`. */
export function joinPath(parts: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? truncate(String(p)) : `.${truncate(String(p))}`;
  }
  return out;
}

/** Inverse of joinPath: `spec.triggers[0].metadata` → ['spec', 'triggers', 0, 'metadata']. */
export function splitPath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  const re = /([^.[\]]+)|\[(\d+)\]/g;
  for (let m = re.exec(path); m; m = re.exec(path)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

export function hasErrors(problems: ReadonlyArray<Problem>): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** Longest value (in characters) a message echoes; longer ones are cut, with an ellipsis and the original length. */
export const MAX_ECHO = 80;

/** `s` cut to MAX_ECHO characters: "abc…" plus "(1048576 characters)", so no message carries a megabyte name. */
export function truncate(s: string, max = MAX_ECHO): string {
  if (s.length <= max) return s;
  return `${s.slice(0, max)}… (${s.length} characters)`;
}

/** JSON-quoted and truncated: the form messages use to echo a string value. */
export function quote(s: string, max = MAX_ECHO): string {
  if (s.length <= max) return JSON.stringify(s);
  return `${JSON.stringify(s.slice(0, max)).slice(0, -1)}…" (${s.length} characters)`;
}
