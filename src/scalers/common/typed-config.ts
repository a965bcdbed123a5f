// KEDA's typed scaler configuration (keda-spec §4.3, `pkg/scalers/scalersconfig/typed_config.go`) as a small
// declarative table: each scaler lists its parameters once — name, where it may come from, default, type — and
// `resolveConfig` turns metadata + TriggerAuthentication params + container env into a typed object, or throws a
// ConfigError that names the trigger type and the parameter.
import { ConfigError } from '../scaler.ts';
import { parseDurationMs, parseGoBool, parseJsonFloat, parseJsonInt, parseKeyValueMap } from './go-values.ts';

/** Where a parameter may come from; KEDA's `order=` tag values. */
export type ParamSource = 'triggerMetadata' | 'resolvedEnv' | 'authParams';

/** What a scaler is built from, all strings as in KEDA. */
export interface ConfigInput {
  metadata: Record<string, string>;
  authParams: Record<string, string>;
  resolvedEnv: Record<string, string>;
}

interface FieldOptions<T> {
  /** Metadata key when it differs from the property name. */
  name?: string;
  /** Other accepted keys (KEDA `name=a;b`), tried after the main name within each source. */
  aliases?: string[];
  /** Sources in lookup order; default metadata only. */
  order?: ParamSource[];
  optional?: boolean;
  default?: T;
}

export interface Field<T, V> extends FieldOptions<T> {
  /** Human wording of what is valid, used in errors: "must be <expected>". */
  readonly expected: string;
  /** Converts the trimmed raw string. */
  readonly convert: (raw: string) => Converted<T>;
  /** Phantom: the resolved value type (T, or T | undefined for optional fields without default). */
  readonly __value?: V;
}

/** A conversion result: the value, or why the text is not valid (`why` may be empty). */
export type Converted<T> = { ok: true; value: T } | { ok: false; why?: string };

type ValueOf<T, O> = O extends { default: unknown } ? T : O extends { optional: true } ? T | undefined : T;

function define<T>(expected: string, parse: (raw: string) => T | undefined) {
  return defineWith<T>(expected, (raw) => {
    const value = parse(raw);
    return value === undefined ? { ok: false } : { ok: true, value };
  });
}

function defineWith<T>(expected: string, convert: (raw: string) => Converted<T>) {
  return <const O extends FieldOptions<T> = {}>(options?: O): Field<T, ValueOf<T, O>> => ({
    ...(options ?? {}),
    expected,
    convert,
  });
}

export const str = define<string>('a string', (raw) => raw);
/** Integer (Go int decoded from JSON): "5" is fine, "5.0" is not, as in KEDA. */
export const int = define<number>('a whole number', parseJsonInt);
export const float = define<number>('a number', parseJsonFloat);
/** Go ParseBool spellings: 1/0, t/f, true/false (any of TRUE/True/true). */
export const bool = define<boolean>('true or false', parseGoBool);
/** Go duration ("30s", "1m30s", "500ms") or integer milliseconds; resolves to milliseconds. */
export const duration = define<number>('a duration such as 3s or 500ms (or a number of milliseconds)', parseDurationMs);
/** `k1=v1,k2=v2`. */
export const keyValues = defineWith<Record<string, string>>('a list of key=value pairs separated by commas', (raw) => {
  const r = parseKeyValueMap(raw);
  return 'error' in r ? { ok: false, why: r.error } : { ok: true, value: r.map };
});
/** Comma list, each element trimmed, empty elements dropped. */
export const list = define<string[]>('a comma-separated list', (raw) =>
  raw.split(',').map((s) => s.trim()).filter((s) => s !== ''));

/** A string restricted to `values` (KEDA `enum=`); each comma-element is checked when `multi`. */
export function oneOf<const V extends string>(values: readonly V[]) {
  return define<V>(`one of ${values.join(', ')}`, (raw) => ((values as readonly string[]).includes(raw) ? (raw as V) : undefined));
}
export function someOf<const V extends string>(values: readonly V[]) {
  return define<V[]>(`a comma-separated list of ${values.join(', ')}`, (raw) => {
    const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    return items.every((i) => (values as readonly string[]).includes(i)) ? (items as V[]) : undefined;
  });
}

export type Fields = Record<string, Field<unknown, unknown>>;
export type ConfigOf<F extends Fields> = { -readonly [K in keyof F]: F[K] extends Field<unknown, infer V> ? V : never };

interface Found {
  value: string;
  source: ParamSource;
  key: string;
}

/** First non-empty (trimmed) value, sources in `order`, then aliases within each source (KEDA getParamValue). */
export function lookupParam(input: ConfigInput, name: string, aliases: string[], order: ParamSource[]): Found | undefined {
  for (const source of order) {
    for (const key of [name, ...aliases]) {
      let raw: string | undefined;
      if (source === 'triggerMetadata') raw = input.metadata[key];
      else if (source === 'authParams') raw = input.authParams[key];
      else {
        const envName = input.metadata[`${key}FromEnv`];
        raw = envName === undefined ? undefined : input.resolvedEnv[envName.trim()];
      }
      const value = raw?.trim();
      if (value) return { value, source, key };
    }
  }
  return undefined;
}

function whereToSet(name: string, order: ParamSource[]): string {
  const ways = order.map((s) =>
    s === 'triggerMetadata' ? `metadata.${name}` : s === 'resolvedEnv' ? `metadata.${name}FromEnv` : `a TriggerAuthentication parameter "${name}"`);
  return ways.join(' or ');
}

/**
 * Resolve every field of `fields` from `input`. Errors follow KEDA's wording for missing parameters
 * (`missing required parameter "<name>" in [<orders>]`) plus how to fix it; an invalid value names the field, what
 * is valid and what was given — except values that came from a TriggerAuthentication or the environment, which
 * may be secrets and are never echoed.
 */
export function resolveConfig<F extends Fields>(triggerType: string, fields: F, input: ConfigInput): ConfigOf<F> {
  const out: Record<string, unknown> = {};
  for (const [prop, f] of Object.entries(fields)) {
    const name = f.name ?? prop;
    const order = f.order ?? ['triggerMetadata'];
    const found = lookupParam(input, name, f.aliases ?? [], order);
    if (!found) {
      if (f.default !== undefined) out[prop] = f.default;
      else if (f.optional) out[prop] = undefined;
      else {
        throw new ConfigError(triggerType, name,
          `missing required parameter "${name}" in [${order.join(' ')}]; set ${whereToSet(name, order)}`);
      }
      continue;
    }
    const converted = f.convert(found.value);
    if (!converted.ok) {
      const detail = converted.why && found.source === 'triggerMetadata' ? ` (${converted.why})` : '';
      throw new ConfigError(triggerType, found.key, `${found.key} must be ${f.expected}, got ${shown(found)}${detail}`);
    }
    out[prop] = converted.value;
  }
  return out as ConfigOf<F>;
}

/** How a bad value is shown in an error: metadata is not secret; auth params and env may be. */
export function shown(found: Found): string {
  if (found.source === 'triggerMetadata') return `'${found.value}'`;
  return found.source === 'authParams'
    ? 'a value from the TriggerAuthentication (not shown)'
    : `a value from env ${found.key}FromEnv (not shown)`;
}
