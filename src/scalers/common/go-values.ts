// Parsers for metadata values written the way KEDA (Go) reads them, so a manifest that KEDA accepts is accepted
// here with the same meaning, and one KEDA rejects is rejected (KEDA `pkg/scalers/scalersconfig/typed_config.go`).

/** Go `strconv.ParseBool`: exactly these spellings, nothing else (so "yes" is an error, as in KEDA). */
export function parseGoBool(raw: string): boolean | undefined {
  switch (raw) {
    case '1': case 't': case 'T': case 'true': case 'TRUE': case 'True':
      return true;
    case '0': case 'f': case 'F': case 'false': case 'FALSE': case 'False':
      return false;
    default:
      return undefined;
  }
}

// JSON number grammar: KEDA decodes numeric fields with encoding/json, so "5" and "-2" are ints, "5.0" and "1e3"
// are floats only, and " 5", "+5", "0x10", "05" are errors.
const JSON_INT = /^-?(0|[1-9]\d*)$/;
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** An integer field (Go int/int64 decoded from JSON): "5.0" fails like in KEDA. */
export function parseJsonInt(raw: string): number | undefined {
  if (!JSON_INT.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A float field (Go float64 decoded from JSON). */
export function parseJsonFloat(raw: string): number | undefined {
  if (!JSON_NUMBER.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

const GO_DURATION_UNITS: Record<string, number> = {
  ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000,
};
const GO_DURATION = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/;

/**
 * KEDA's duration fields: a Go duration string ("1m30s", "500ms") or a bare integer meaning milliseconds.
 * Negative durations are rejected (KEDA `typed_config.go`). Returns milliseconds.
 */
export function parseDurationMs(raw: string): number | undefined {
  if (JSON_INT.test(raw)) {
    const n = Number(raw);
    return n >= 0 ? n : undefined;
  }
  let rest = raw;
  if (rest.startsWith('-')) return undefined;
  if (rest.startsWith('+')) rest = rest.slice(1);
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  while (rest.length > 0) {
    const m = GO_DURATION.exec(rest);
    if (!m || m[1] === '' || m[1] === '.') return undefined;
    total += Number(m[1]) * GO_DURATION_UNITS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** `k1=v1,k2=v2`: each element must contain exactly one `=` (KEDA typed config maps). Keys and values trimmed. */
export function parseKeyValueMap(raw: string): { map: Record<string, string> } | { error: string } {
  const out: Record<string, string> = {};
  for (const element of raw.split(',')) {
    const item = element.trim();
    if (item === '') continue;
    const parts = item.split('=');
    if (parts.length !== 2) return { error: `'${item}' is not key=value` };
    out[parts[0].trim()] = parts[1].trim();
  }
  return { map: out };
}
