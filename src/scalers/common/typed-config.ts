// KEDA's typed scaler configuration (`pkg/scalers/scalersconfig/typed_config.go`) as a small
// declarative table: each scaler lists its parameters once — name, where it may come from, default, type — and
// `resolveConfig` turns metadata + TriggerAuthentication params + container env into a typed object, or throws a
// ConfigError that names the trigger type and the parameter.
import { truncate } from '../../api/problem.ts';
import { ConfigError } from '../scaler.ts';
import { parseDurationMs, parseGoBool, parseJsonFloat, parseJsonInt, parseKeyValueMap } from '../../api/values.ts';

/** Where a parameter may come from; KEDA's `order=` tag values. */
export type ParamSource = 'triggerMetadata' | 'resolvedEnv' | 'authParams';

/** What a scaler is built from, all strings as in KEDA. */
export interface ConfigInput {
  metadata: Record<string, string>;
  authParams: Record<string, string>;
  resolvedEnv: Record<string, string>;
  /** Set when parsing without the cluster (`validate`, the webhook, `simulate`, `explain`). */
  offline?: OfflineParse;
}

/**
 * Offline, a TriggerAuthentication's parameters and the target's env are unknown. A parameter that only they can
 * supply is then not an error: it gets a placeholder that passes its own type check, and a note says it was not
 * checked. The placeholder never reaches a reader (offline parses build none).
 */
export interface OfflineParse {
  /** The trigger has an authenticationRef: its parameters and pod identity are unknown. */
  authUnknown: boolean;
  /** The target's container env is unknown, so `xxxFromEnv` values are too. */
  envUnknown: boolean;
  /** What parse could not check, one sentence each. */
  notes: string[];
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
  /** A raw value that converts: stands in offline for a value only the cluster knows. */
  readonly placeholder: string;
  /** Converts the trimmed raw string. */
  readonly convert: (raw: string) => Converted<T>;
  /** Phantom: the resolved value type (T, or T | undefined for optional fields without default). */
  readonly __value?: V;
}

/** A conversion result: the value, or why the text is not valid (`why` may be empty). */
export type Converted<T> = { ok: true; value: T } | { ok: false; why?: string };

type ValueOf<T, O> = O extends { default: unknown } ? T : O extends { optional: true } ? T | undefined : T;

function define<T>(expected: string, placeholder: string, parse: (raw: string) => T | undefined) {
  return defineWith<T>(expected, placeholder, (raw) => {
    const value = parse(raw);
    return value === undefined ? { ok: false } : { ok: true, value };
  });
}

function defineWith<T>(expected: string, placeholder: string, convert: (raw: string) => Converted<T>) {
  return <const O extends FieldOptions<T> = {}>(options?: O): Field<T, ValueOf<T, O>> => ({
    ...(options ?? {}),
    expected,
    placeholder,
    convert,
  });
}

export const str = define<string>('a string', 'placeholder', (raw) => raw);
/** Integer (Go int decoded from JSON): "5" is fine, "5.0" is not, as in KEDA. */
export const int = define<number>('a whole number', '1', parseJsonInt);
export const float = define<number>('a number', '1', parseJsonFloat);
/** Go ParseBool spellings: 1/0, t/f, true/false (any of TRUE/True/true). */
export const bool = define<boolean>('true or false', 'false', parseGoBool);
/** Go duration ("30s", "1m30s", "500ms") or integer milliseconds; resolves to milliseconds. */
export const duration = define<number>('a duration such as 3s or 500ms (or a number of milliseconds)', '1s', parseDurationMs);
/** `k1=v1,k2=v2`. */
export const keyValues = defineWith<Record<string, string>>('a list of key=value pairs separated by commas', 'k=v', (raw) => {
  const r = parseKeyValueMap(raw);
  return 'error' in r ? { ok: false, why: r.error } : { ok: true, value: r.map };
});
/** Comma list, each element trimmed, empty elements dropped. */
export const list = define<string[]>('a comma-separated list', 'placeholder', (raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
);

/** A string restricted to `values` (KEDA `enum=`); each comma-element is checked when `multi`. */
export function oneOf<const V extends string>(values: readonly V[]) {
  return define<V>(`one of ${values.join(', ')}`, values[0], (raw) => ((values as readonly string[]).includes(raw) ? (raw as V) : undefined));
}
export function someOf<const V extends string>(values: readonly V[]) {
  return define<V[]>(`a comma-separated list of ${values.join(', ')}`, values[0], (raw) => {
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
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

/** `map[key]` only when it is the map's own string (`constructor`, `__proto__` never resolve to inherited members). */
function own(map: Record<string, string>, key: string): string | undefined {
  const v = Object.hasOwn(map, key) ? map[key] : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** First non-empty (trimmed) value, sources in `order`, then aliases within each source (KEDA getParamValue). */
export function lookupParam(input: ConfigInput, name: string, aliases: string[], order: ParamSource[]): Found | undefined {
  for (const source of order) {
    for (const key of [name, ...aliases]) {
      let raw: string | undefined;
      if (source === 'triggerMetadata') raw = own(input.metadata, key);
      else if (source === 'authParams') raw = own(input.authParams, key);
      else {
        const envName = own(input.metadata, `${key}FromEnv`);
        raw = envName === undefined ? undefined : own(input.resolvedEnv, envName.trim());
      }
      const value = raw?.trim();
      if (value) return { value, source, key };
    }
  }
  return undefined;
}

function whereToSet(name: string, order: ParamSource[]): string {
  const ways = order.map((s) =>
    s === 'triggerMetadata' ? `metadata.${name}` : s === 'resolvedEnv' ? `metadata.${name}FromEnv` : `a TriggerAuthentication parameter "${name}"`,
  );
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
    let found = lookupParam(input, name, f.aliases ?? [], order);
    if (!found && input.offline && f.default === undefined) {
      // Offline, a value the cluster may supply stands in as a placeholder; a note says so for required ones
      // (optional ones are silent: most triggers never set them).
      const unknownSource = offlineSource(input, name, order);
      if (unknownSource) {
        if (!f.optional) input.offline.notes.push(`${name} is taken from ${unknownSource} at run time; not checked offline`);
        found = { value: f.placeholder, source: 'authParams', key: name };
      }
    }
    if (!found) {
      if (f.default !== undefined) out[prop] = f.default;
      else if (f.optional) out[prop] = undefined;
      else {
        throw new ConfigError(triggerType, name, `missing required parameter "${name}" in [${order.join(' ')}]; set ${whereToSet(name, order)}`);
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

/** Offline: which unknown source could supply `name`, if any (a TriggerAuthentication, or the env var named by `xxxFromEnv`). */
function offlineSource(input: ConfigInput, name: string, order: ParamSource[]): string | undefined {
  const o = input.offline!;
  const envName = own(input.metadata, `${name}FromEnv`)?.trim();
  if (order.includes('resolvedEnv') && o.envUnknown && envName) {
    return `env ${envName} of the target's container (${name}FromEnv)`;
  }
  if (order.includes('authParams') && o.authUnknown) return 'the TriggerAuthentication';
  return undefined;
}

/** The keys of `fields` a trigger's metadata may hold: names, aliases and `xxxFromEnv` forms. */
export function metadataKeys(fields: Fields): string[] {
  const keys: string[] = [];
  for (const [prop, f] of Object.entries(fields)) {
    const order = f.order ?? ['triggerMetadata'];
    for (const k of [f.name ?? prop, ...(f.aliases ?? [])]) {
      if (order.includes('triggerMetadata')) keys.push(k);
      if (order.includes('resolvedEnv')) keys.push(`${k}FromEnv`);
    }
  }
  return keys;
}

/** How a bad value is shown in an error: metadata is not secret; auth params and env may be. */
export function shown(found: Found): string {
  if (found.source === 'triggerMetadata') return `'${truncate(found.value)}'`;
  return found.source === 'authParams' ? 'a value from the TriggerAuthentication (not shown)' : `a value from env ${found.key}FromEnv (not shown)`;
}
