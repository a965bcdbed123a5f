// The value extraction of the `metrics-api` trigger (KEDA pkg/scalers/metrics_api_scaler.go GetValueFromResponse):
// a response body + valueLocation + format → one number. Pure; shared code (metrics-api today).
//  - json: a GJSON path (github.com/tidwall/gjson), the subset below; anything else is a clear error;
//  - yaml, xml: KEDA's dot path (pkg/util/value_by_path.go: `a.b.0.c`, array elements by index);
//  - prometheus: a metric selector `name{label="value",...}` over the text exposition format.
// A string value is read as a Kubernetes quantity ("64", "1k", "500m"), as KEDA does.
import { createRequire } from 'node:module';
import type { XMLParser } from 'fast-xml-parser';
import YAML from 'yaml';
import { parseQuantity } from '../../api/values.ts';

export type ApiFormat = 'json' | 'yaml' | 'xml' | 'prometheus';

/** Why a value could not be taken from a body; `kind` tells a bad valueLocation from a body that does not parse. */
export class ValueError extends Error {
  constructor(
    readonly kind: 'bad-query' | 'other',
    message: string,
  ) {
    super(message);
    this.name = 'ValueError';
  }
}

const wrongType = (loc: string, type: string) =>
  new ValueError('bad-query', `valueLocation "${loc}" must point to a numeric value or a string parseable as a Quantity, got ${type}`);

function fromString(loc: string, s: string): number {
  const v = parseQuantity(s);
  if (v === undefined) throw new ValueError('bad-query', `valueLocation "${loc}" points to a string that is not parseable as a Quantity`);
  return v;
}

// ---- json: GJSON ----

/** GJSON's name for a value's type (Result.Type.String()). */
function gjsonType(v: unknown): string {
  if (v === undefined || v === null) return 'Null';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return 'Number';
  if (typeof v === 'string') return 'String';
  return 'JSON';
}

/** Split a GJSON path on unescaped dots, keeping `#(...)` queries whole; `\x` escapes x. */
export function gjsonComponents(path: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < path.length; i++) {
    const ch = path[i];
    if (ch === '\\' && i + 1 < path.length) {
      cur += `\\${path[++i]}`;
    } else if (ch === '(') {
      depth++;
      cur += ch;
    } else if (ch === ')') {
      depth--;
      cur += ch;
    } else if (ch === '.' && depth === 0) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out;
}

const unescape = (s: string) => s.replace(/\\(.)/g, '$1');

/** GJSON wildcard match: `*` any run, `?` one character (escapes honoured). */
function wildcardMatch(pattern: string, key: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\' && i + 1 < pattern.length) re += pattern[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 's').test(key);
}

/** A `#(...)` condition: `path`, or `path op value` with op == != < <= > >= and a JSON literal value. */
function queryMatcher(cond: string, loc: string): (el: unknown) => boolean {
  const m = /^(.*?)\s*(==|!=|<=|>=|<|>)\s*(.+)$/s.exec(cond);
  if (!m) return (el) => gjsonGet(el, cond.trim(), loc) !== undefined;
  const [, left, op, rawRight] = m;
  let right: unknown;
  try {
    right = JSON.parse(rawRight.trim());
  } catch {
    throw new ValueError(
      'bad-query',
      `valueLocation "${loc}": the query value ${rawRight.trim()} must be a JSON literal (a number, "a string", true, false or null)`,
    );
  }
  return (el) => {
    const v = left.trim() === '' ? el : gjsonGet(el, left.trim(), loc);
    if (v === undefined || (typeof v === 'object' && v !== null)) return false;
    switch (op) {
      case '==':
        return v === right;
      case '!=':
        return v !== right;
      case '<':
        return (v as number) < (right as number);
      case '<=':
        return (v as number) <= (right as number);
      case '>':
        return (v as number) > (right as number);
      default:
        return (v as number) >= (right as number);
    }
  };
}

function gjsonStep(cur: unknown, comp: string, rest: string[], loc: string): unknown {
  if (comp.startsWith('@') || comp.includes('|') || comp.startsWith('[') || comp.startsWith('{') || comp.startsWith('!')) {
    throw new ValueError(
      'bad-query',
      `valueLocation "${loc}": GJSON modifiers (@...), pipes, multipaths and literals are not supported by Updraft; use dot paths, array indexes, # and #(...) queries`,
    );
  }
  if (Array.isArray(cur)) {
    if (comp === '#') {
      if (rest.length === 0) return cur.length;
      return cur.map((el) => gjsonWalk(el, rest, loc)).filter((v) => v !== undefined);
    }
    const q = /^#\((.*)\)(#?)$/s.exec(comp);
    if (q) {
      const match = queryMatcher(q[1], loc);
      if (q[2] === '#')
        return cur
          .filter(match)
          .map((el) => gjsonWalk(el, rest, loc))
          .filter((v) => v !== undefined);
      const hit = cur.find(match);
      return hit === undefined ? undefined : gjsonWalk(hit, rest, loc);
    }
    if (/^\d+$/.test(comp)) return gjsonWalk(cur[Number(comp)], rest, loc);
    return undefined;
  }
  if (cur !== null && typeof cur === 'object') {
    const obj = cur as Record<string, unknown>;
    const key = /(^|[^\\])[*?]/.test(comp) ? Object.keys(obj).find((k) => wildcardMatch(comp, k)) : unescape(comp);
    if (key === undefined || !Object.hasOwn(obj, key)) return undefined;
    return gjsonWalk(obj[key], rest, loc);
  }
  return undefined;
}

function gjsonWalk(cur: unknown, comps: string[], loc: string): unknown {
  if (comps.length === 0) return cur;
  return gjsonStep(cur, comps[0], comps.slice(1), loc);
}

/** GJSON Get on parsed JSON: the value at `path`, or undefined when nothing is there. */
export function gjsonGet(doc: unknown, path: string, loc = path): unknown {
  return gjsonWalk(doc, gjsonComponents(path), loc);
}

function fromJson(body: string, loc: string): number {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    // GJSON reads what it can of invalid JSON; KEDA then reports the path's type (Null). Say what is wrong instead.
    throw new ValueError('other', 'the response is not valid JSON; check url and format');
  }
  const v = gjsonGet(doc, loc);
  if (typeof v === 'string') return fromString(loc, v);
  if (typeof v !== 'number') throw wrongType(loc, gjsonType(v));
  return v;
}

// ---- yaml, xml: KEDA's dot path ----

/** pkg/util/value_by_path.go: walk maps and arrays by key; the first scalar reached is the value. */
export function valueByPath(data: unknown, path: string): unknown {
  const keys = path.split('.');
  let current: unknown = data;
  for (const key of keys) {
    if (current === null || typeof current !== 'object') break;
    const map = current as Record<string, unknown>;
    if (!Object.hasOwn(map, key)) throw new ValueError('bad-query', `key '${key}' not found in path '${path}'`);
    const val = map[key];
    if (val === null || typeof val !== 'object') return val;
    current = val;
  }
  throw new ValueError('bad-query', `path '${path}' does not lead to a value`);
}

function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

function fromTree(tree: unknown, loc: string): number {
  const v = valueByPath(tree, loc);
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return fromString(loc, v);
  throw wrongType(loc, goType(v));
}

function fromYaml(body: string, loc: string): number {
  let doc: unknown;
  try {
    doc = YAML.parse(body);
  } catch (e) {
    throw new ValueError('other', `the response is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new ValueError('other', 'the YAML response must be a mapping at the top');
  return fromTree(doc, loc);
}

// fast-xml-parser is required (its CommonJS build, synchronously) by the first XML answer, not with the registry
// (lazy-client.ts explains why): most operators never read XML.
let xmlParserMade: XMLParser | undefined;
function xmlParser(): XMLParser {
  if (!xmlParserMade) {
    const { XMLParser: Parser } = createRequire(import.meta.url)('fast-xml-parser') as typeof import('fast-xml-parser');
    xmlParserMade = new Parser({
      ignoreAttributes: true,
      parseTagValue: false,
      trimValues: true,
      processEntities: true,
      ignoreDeclaration: true,
      ignorePiTags: true,
    });
  }
  return xmlParserMade;
}

function fromXml(body: string, loc: string): number {
  let doc: unknown;
  try {
    doc = xmlParser().parse(body, true);
  } catch (e) {
    throw new ValueError('other', `the response is not valid XML: ${(e as Error).message.split('\n')[0]}`);
  }
  // The path starts at the root element: <stats><queue><length>5</length></queue></stats> → stats.queue.length;
  // repeated elements are an array (stats.queue.0.length).
  return fromTree(doc, loc);
}

// ---- prometheus text format ----

export interface MetricSelector {
  name: string;
  labels: Array<[string, string]>;
}

/** `name`, `name{a="x",b="y"}` or `{__name__="name",...}`; only `=` matchers (what KEDA compares). */
export function parseMetricSelector(loc: string): MetricSelector {
  const bad = (why: string) =>
    new ValueError('bad-query', `valueLocation "${loc}" is not a metric selector such as backend_queue_size{queueName="one"}: ${why}`);
  const m = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(?:\{(.*)\})?\s*$/s.exec(loc);
  if (!m || (!m[1] && m[2] === undefined)) throw bad('expected a metric name and optional {label="value"} matchers');
  let name = m[1] ?? '';
  const labels: Array<[string, string]> = [];
  const body = m[2] ?? '';
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/gsy;
  let pos = 0;
  while (pos < body.length) {
    re.lastIndex = pos;
    const lm = re.exec(body);
    if (!lm) throw bad(`cannot read the matcher at '${body.slice(pos, pos + 30)}' (values must be "quoted")`);
    if (lm[2] !== '=') throw bad(`only label="value" matchers are supported (KEDA compares every matcher for equality), got ${lm[1]}${lm[2]}`);
    const value = lm[3].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    if (lm[1] === '__name__') name = value;
    else labels.push([lm[1], value]);
    pos = re.lastIndex;
    if (lm[4] === '') break;
  }
  if (!name) throw bad('no metric name');
  return { name, labels };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseLabels(text: string, line: number): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/gsy;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new ValueError('other', `prometheus format parsing error: line ${line}: bad label set`);
    out[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    pos = re.lastIndex;
    if (m[3] === '') break;
  }
  return out;
}

function goFloat(s: string): number | undefined {
  if (/^[+-]?inf$/i.test(s) || /^[+-]?infinity$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  const v = Number(s);
  return s.trim() !== '' && !Number.isNaN(v) ? v : undefined;
}

/** The samples of the text exposition format, with each family's TYPE. Histogram/summary samples are not selectable. */
export function parsePrometheusText(body: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  body
    .replace(/\r\n/g, '\n')
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.trim();
      if (line === '') return;
      if (line.startsWith('#')) {
        const t = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
        if (t) types.set(t[1], t[2]);
        return;
      }
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/s.exec(line);
      if (!m) throw new ValueError('other', `prometheus format parsing error: line ${i + 1}: cannot read '${line.slice(0, 60)}'`);
      const value = goFloat(m[3]);
      if (value === undefined) throw new ValueError('other', `prometheus format parsing error: line ${i + 1}: value ${m[3]} is not a number`);
      samples.push({ name: m[1], labels: m[2] ? parseLabels(m[2], i + 1) : {}, value });
    });
  return { samples, types };
}

function fromPrometheus(body: string, loc: string): number {
  const sel = parseMetricSelector(loc);
  const { samples, types } = parsePrometheusText(body);
  const kind = types.get(sel.name) ?? 'untyped';
  const family = samples.filter((s) => s.name === sel.name);
  if (family.length === 0 || !['counter', 'gauge', 'untyped'].includes(kind)) {
    throw new ValueError('bad-query', `metric '${sel.name}' not found`);
  }
  const hit = family.find((s) => sel.labels.every(([k, v]) => s.labels[k] === v));
  if (!hit) throw new ValueError('bad-query', `value ${loc} not found`);
  return hit.value;
}

/** KEDA GetValueFromResponse. Throws ValueError. */
export function valueFromResponse(body: string, valueLocation: string, format: ApiFormat): number {
  switch (format) {
    case 'json':
      return fromJson(body, valueLocation);
    case 'yaml':
      return fromYaml(body, valueLocation);
    case 'xml':
      return fromXml(body, valueLocation);
    default:
      return fromPrometheus(body, valueLocation);
  }
}
