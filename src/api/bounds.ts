// Bounds on what the manifest edge reads, checked by design (a linear scan, an iterative walk) before any recursive
// code (the YAML composer, zod, the null-pruning copy) sees the input, so hostile input is refused quickly with a
// clear problem instead of a hang, an out-of-memory or a caught stack overflow.
import { CST, Lexer } from 'yaml';
import { joinPath } from './problem.ts';

/**
 * Largest file (or stdin) `updraft validate` reads. The API server refuses a request body over 3 MiB
 * (staging/src/k8s.io/apiserver/pkg/server/config.go, MaxRequestBodyBytes), but a file is many requests
 * (`kubectl apply -f` sends one per object) and `kubectl get -A -o yaml` output of a few thousand objects is
 * larger, so a file may hold more; each object must still fit MAX_OBJECT_BYTES.
 */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

/**
 * Largest object the cluster stores: etcd refuses a request over its --max-request-bytes (1.5 MiB by default,
 * "etcdserver: request is too large"), and the API server stores custom resources as JSON. Measured as the
 * object's compact JSON.
 */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

/**
 * Deepest nesting of maps and lists accepted in a document or object. No KEDA object comes close (a ScaledJob's pod
 * template with affinity rules reaches about 15); Go's encoding/json, which decodes API requests, stops at 10000.
 */
export const MAX_DEPTH = 100;

/**
 * YAML aliases: the `yaml` library's maxAliasCount, which refuses "billion laughs" documents whose aliases expand
 * exponentially. Aliases that each expand to a large node are bounded by the expanded size (MAX_FILE_BYTES).
 */
export const MAX_ALIAS_COUNT = 1000;

/** Keys that could replace an object's prototype when copied into a plain JavaScript object. */
export const PROTOTYPE_KEYS = new Set(['__proto__']);

export interface DeepRegion {
  /** Offset of the document's first character after its `---` marker (or of the text). */
  start: number;
  end: number;
  /** The nesting depth reached when the scan gave up on this document (more than the bound). */
  depth: number;
  /** Offset where the bound was crossed. */
  at: number;
}

const CONTROL = new Set(['\x02', '\x18', '\x1f', '\u{FEFF}']);

/**
 * Documents of a YAML stream nested deeper than `max`, found with the `yaml` library's lexer (linear; its parser
 * and composer need time and memory that grow faster than the nesting, e.g. 17 s and 2.7 GB for 3 MiB of `[`).
 * Flow collections (`[`, `{`) count exactly; block collections count by the indentation of their indicators
 * (`-`, `?`, `key:`), a seq at its parent key's column counting as one more level.
 */
export function findDeepDocuments(text: string, max = MAX_DEPTH): DeepRegion[] {
  const out: DeepRegion[] = [];
  let pos = 0;
  while (pos <= text.length) {
    const found = scanFrom(text, pos, max);
    if (!found) break;
    // Skip the rest of a too-deep document without lexing it: the next `---`/`...` line starts the next one.
    const marker = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;
    marker.lastIndex = found.at + 1;
    const next = marker.exec(text);
    const end = next ? next.index : text.length;
    out.push({ start: found.start, end, depth: found.depth, at: found.at });
    if (!next) break;
    pos = end;
  }
  return out;
}

/** Lex from `from` (the start of the text or of a `---`/`...` line) to the first document deeper than `max`. */
function scanFrom(text: string, from: number, max: number): { start: number; depth: number; at: number } | undefined {
  let offset = from;
  let col = 0;
  let flow = 0;
  let stack: Array<{ col: number; seq: boolean }> = [];
  let segStart = -1;
  let regionStart = from;
  const block = (c: number, seq: boolean) => {
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.col > c || (top.col === c && top.seq && !seq)) stack.pop();
      else break;
    }
    const top = stack[stack.length - 1];
    if (!top || top.col !== c || top.seq !== seq) stack.push({ col: c, seq });
  };
  for (const tok of new Lexer().lex(from === 0 ? text : text.slice(from))) {
    if (tok.length === 1 && CONTROL.has(tok)) continue;
    const type = CST.tokenType(tok);
    const here = offset;
    const startCol = col;
    offset += tok.length;
    const nl = tok.lastIndexOf('\n');
    col = nl >= 0 ? tok.length - nl - 1 : col + tok.length;
    switch (type) {
      case 'doc-start':
      case 'doc-end':
        regionStart = offset;
        stack = [];
        flow = 0;
        segStart = -1;
        continue;
      case 'newline':
        segStart = -1;
        break;
      case 'space':
      case 'comment':
        if (nl >= 0) segStart = -1;
        break;
      case 'flow-map-start':
      case 'flow-seq-start':
        flow++;
        break;
      case 'flow-map-end':
      case 'flow-seq-end':
        if (flow > 0) flow--;
        break;
      case 'seq-item-ind':
      case 'explicit-key-ind':
        if (flow === 0) block(startCol, type === 'seq-item-ind');
        segStart = -1;
        break;
      case 'map-value-ind':
        if (flow === 0) block(segStart >= 0 ? segStart : startCol, false);
        break;
      default:
        if (segStart < 0) segStart = startCol;
    }
    const depth = stack.length + flow;
    if (depth > max) return { start: regionStart, depth, at: here };
  }
  return undefined;
}

/**
 * `text` with the given regions blanked: each character but newlines becomes a space and the region's first
 * character a `~` (null), so the YAML parser sees an empty document there while offsets and lines stay as they were.
 */
export function blankRegions(text: string, regions: ReadonlyArray<DeepRegion>): string {
  if (regions.length === 0) return text;
  let out = '';
  let last = 0;
  for (const r of regions) {
    out += text.slice(last, r.start);
    const blank = text.slice(r.start, r.end).replace(/[^\n]/g, ' ');
    out += r.end > r.start && blank[0] !== '\n' ? `~${blank.slice(1)}` : blank;
    last = r.end;
  }
  return out + text.slice(last);
}

export interface Measure {
  /** Approximate size of the value as compact JSON, in bytes (stops counting once over `maxBytes`). */
  bytes: number;
  overBytes: boolean;
  /** Path where the nesting first went deeper than `maxDepth`. */
  tooDeep?: string;
  /** Paths of keys in PROTOTYPE_KEYS (at most 10). */
  prototypeKeys: string[];
}

type Frame = { v: unknown; depth: number; parent?: Frame; key?: string | number };

function pathOf(f: Frame, base: ReadonlyArray<string | number>): string {
  const parts: Array<string | number> = [];
  for (let x: Frame | undefined = f; x && x.key !== undefined; x = x.parent) parts.push(x.key);
  return joinPath([...base, ...parts.reverse()]);
}

function utf8Length(s: string): number {
  return s.length < 256 ? s.length : Buffer.byteLength(s, 'utf8');
}

/**
 * Walk a parsed value without recursion: its JSON size, whether it nests deeper than `maxDepth`, and where it has
 * prototype keys. YAML aliases make the value a graph whose shared parts count each time they appear, as they do
 * once the object is serialized, so a size bound also bounds the work (the walk stops at `maxBytes`).
 */
export function measure(value: unknown, opts: { maxDepth?: number; maxBytes?: number; base?: ReadonlyArray<string | number> } = {}): Measure {
  const maxDepth = opts.maxDepth ?? MAX_DEPTH;
  const maxBytes = opts.maxBytes ?? MAX_FILE_BYTES;
  const base = opts.base ?? [];
  const out: Measure = { bytes: 0, overBytes: false, prototypeKeys: [] };
  const stack: Frame[] = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const f = stack.pop()!;
    const v = f.v;
    if (typeof v === 'string') out.bytes += utf8Length(v) + 3;
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') out.bytes += String(v).length + 1;
    else if (v === null || v === undefined) out.bytes += 5;
    else if (typeof v === 'object') {
      if (f.depth >= maxDepth) {
        out.tooDeep = pathOf(f, base);
        return out;
      }
      out.bytes += 3;
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], depth: f.depth + 1, parent: f, key: i });
      } else {
        const keys = Object.keys(v);
        for (let i = keys.length - 1; i >= 0; i--) {
          const k = keys[i];
          out.bytes += utf8Length(k) + 3;
          if (PROTOTYPE_KEYS.has(k) && out.prototypeKeys.length < 10) out.prototypeKeys.push(pathOf({ v: undefined, depth: 0, parent: f, key: k }, base));
          stack.push({ v: (v as Record<string, unknown>)[k], depth: f.depth + 1, parent: f, key: k });
        }
      }
    }
    if (out.bytes > maxBytes) {
      out.overBytes = true;
      return out;
    }
  }
  return out;
}

/** "1.5 MiB", "812 KiB", "12 bytes". */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}
