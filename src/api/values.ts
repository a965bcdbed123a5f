// The one home of the small value grammars Kubernetes, Go and KEDA read strings with: quantities, Go bools,
// ints, floats and durations, JSON numbers in scaler metadata, and `k=v` lists. Every layer imports these from
// here, so a value accepted in one place (validate, the webhook, the operator, simulate) is accepted everywhere.

// ---- Kubernetes resource.Quantity ----

const QUANTITY_SUFFIX: Record<string, number> = {
  // decimalSI, with n and u (k8s.io/apimachinery/pkg/api/resource/suffix.go newSuffixer)
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  // binarySI
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const QUANTITY_MAX = 2 ** 63 - 1;

/**
 * A Kubernetes quantity as a number, or undefined when it is not one. The grammar is
 * k8s.io/apimachinery/pkg/api/resource/quantity.go (`parseQuantityString` + `suffixer.interpret`):
 * `[+-]? digits? (. digits?)? suffix`, suffix one of n u m "" k M G T P E Ki Mi Gi Ti Pi Ei, or `e`/`E` followed
 * by a base-10 int (strconv.ParseInt). So "1.5", "5.", ".5", "100500m", "1Gi", "1e3", "1E" (one exa) parse, and
 * "1e3k", "1K", "0x10", "five", "" do not. Surrounding whitespace is trimmed as `Quantity.UnmarshalJSON` does
 * (every quantity here comes from a decoded object). The magnitude is capped at 2^63-1 like ParseQuantity;
 * the round-up to nano precision is not modelled (values are float64, as in `AsApproximateFloat64`).
 */
export function parseQuantity(text: string): number | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(.*)$/s.exec(s);
  if (!m) return undefined;
  const [, sign, whole, frac, suffix] = m;
  let scale: number;
  if (suffix in QUANTITY_SUFFIX && Object.hasOwn(QUANTITY_SUFFIX, suffix)) scale = QUANTITY_SUFFIX[suffix];
  else if (/^[eE][+-]?\d+$/.test(suffix)) scale = 10 ** Number(suffix.slice(1));
  else return undefined;
  const magnitude = Math.min(Number(`${whole || '0'}.${frac ?? ''}0`) * scale, QUANTITY_MAX);
  const n = sign === '-' ? -magnitude : magnitude;
  return Number.isNaN(n) ? undefined : n === 0 ? 0 : n;
}

// ---- Go strconv ----

/** Go `strconv.ParseBool`: exactly these spellings; anything else ("yes", " true", "") is not a bool. */
export function parseGoBool(raw: string): boolean | undefined {
  switch (raw) {
    case '1':
    case 't':
    case 'T':
    case 'true':
    case 'TRUE':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'false':
    case 'FALSE':
    case 'False':
      return false;
    default:
      return undefined;
  }
}

/**
 * Go `strconv.ParseInt(raw, 10, bitSize)`: an optional sign and decimal digits, nothing else (no spaces, no
 * underscores, which only base 0 allows); out of the bitSize range is an error. Results beyond 2^53 lose
 * precision as JS numbers, but the range check itself is exact.
 */
export function parseGoInt(raw: string, bitSize: 32 | 64 = 64): number | undefined {
  if (!/^[+-]?\d+$/.test(raw)) return undefined;
  const n = BigInt(raw);
  const limit = 1n << BigInt(bitSize - 1);
  if (n < -limit || n >= limit) return undefined;
  return Number(n);
}

const GO_DECIMAL_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const GO_HEX_FLOAT = /^([+-]?)0[xX]((?:[0-9a-fA-F_]+\.?[0-9a-fA-F_]*|\.[0-9a-fA-F_]+))[pP]([+-]?\d+)$/;

/**
 * Go `strconv.ParseFloat(raw, 64)` (strconv/atof.go): decimal floats ("5", "-2.5", "1e3", ".5", "5."), hex floats
 * with a p exponent ("0x1p-2"; `_` only there), and case-insensitive "inf"/"infinity" (signed) and "nan".
 * Values out of the float64 range are ErrRange, so undefined here; no spaces.
 */
export function parseGoFloat(raw: string): number | undefined {
  if (GO_DECIMAL_FLOAT.test(raw)) {
    const n = Number(raw);
    return Number.isFinite(n) ? n : undefined;
  }
  const special = /^([+-]?)(inf|infinity)$/i.exec(raw);
  if (special) return special[1] === '-' ? -Infinity : Infinity;
  if (/^nan$/i.test(raw)) return NaN;
  const hex = GO_HEX_FLOAT.exec(raw);
  if (hex) {
    // underscoreOK: underscores only between digits (a `0x_1` base prefix separator is allowed too).
    if (/__|_\.|\._|_$/.test(hex[2])) return undefined;
    const [intPart, fracPart = ''] = hex[2].replace(/_/g, '').split('.');
    if (intPart === '' && fracPart === '') return undefined;
    const mantissa = parseInt(`${intPart || '0'}${fracPart}`, 16);
    const n = mantissa * 2 ** (Number(hex[3]) - 4 * fracPart.length);
    if (!Number.isFinite(n)) return undefined;
    return hex[1] === '-' ? -n : n;
  }
  return undefined;
}

// ---- Go time.ParseDuration ----

const GO_DURATION_UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};
const GO_MAX_DURATION_NS = 2 ** 63 - 1;

/**
 * Go `time.ParseDuration` (time/format.go), in milliseconds: an optional sign, then one or more
 * `<digits>[.<digits>]<unit>` with unit ns, us, µs, μs, ms, s, m or h ("1h30m", "1.5s", ".5s", "-2m"); a bare
 * number is an error except "0"; longer than 2^63-1 ns is an error. Negative durations are valid Go durations.
 */
export function parseGoDuration(raw: string): number | undefined {
  let s = raw;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let totalNs = 0;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?([^\d.]*)/.exec(s)!;
    const [all, whole, frac, unit] = m;
    if (whole === '' && (frac === undefined || frac === '')) return undefined; // no digits, e.g. ".s"
    if (unit === '' || !Object.hasOwn(GO_DURATION_UNIT_NS, unit)) return undefined; // missing or unknown unit
    totalNs += Number(`${whole || '0'}.${frac ?? ''}0`) * GO_DURATION_UNIT_NS[unit];
    if (totalNs > GO_MAX_DURATION_NS) return undefined;
    s = s.slice(all.length);
  }
  const ms = totalNs / 1e6;
  return negative && ms !== 0 ? -ms : ms;
}

// ---- KEDA scaler metadata (pkg/scalers/scalersconfig/typed_config.go) ----

// typed_config.go decodes numeric fields with encoding/json (`json.Unmarshal`), on the trimmed value: so "5" and
// "-2" are ints, "5.0" and "1e3" only floats, and "+5", "0x10", "05", ".5", "NaN" are errors. This is a different
// grammar from strconv (which takes "+5" and "05") and from quantities; use it only for scaler metadata.
const JSON_INT = /^-?(0|[1-9]\d*)$/;
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** An int metadata field (typed_config.go: json.Unmarshal into int): "5.0" fails as in KEDA. */
export function parseJsonInt(raw: string): number | undefined {
  if (!JSON_INT.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A float64 metadata field (typed_config.go: json.Unmarshal into float64). */
export function parseJsonFloat(raw: string): number | undefined {
  if (!JSON_NUMBER.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * A time.Duration metadata field, in milliseconds (typed_config.go `setConfigValueHelper`): first
 * `time.ParseDuration` ("1m30s", "500ms"), else `strconv.ParseInt(v, 10, 64)` as a number of milliseconds
 * ("3000", "+5", "05"); negative either way is an error.
 */
export function parseDurationMs(raw: string): number | undefined {
  const d = parseGoDuration(raw);
  if (d !== undefined) return d < 0 ? undefined : d;
  const ms = parseGoInt(raw, 64);
  return ms === undefined || ms < 0 ? undefined : ms;
}

/**
 * A map metadata field, `k1=v1,k2=v2` (typed_config.go `setConfigValueMap`): each element must split on `=`
 * into exactly two parts; keys and values are trimmed. An empty element ("a=1,", "a=1,,b=2") is an error there
 * too (`strings.Split` keeps it, and "" is not key=value).
 */
export function parseKeyValueMap(raw: string): { map: Record<string, string> } | { error: string } {
  const out: Record<string, string> = {};
  for (const element of raw.split(',')) {
    const item = element.trim();
    const parts = item.split('=');
    if (parts.length !== 2) return { error: `'${item}' is not key=value` };
    out[parts[0].trim()] = parts[1].trim();
  }
  return { map: out };
}

/** Kubernetes metav1.Time as the API server writes it: RFC 3339 in UTC, to the second (k8s.io/apimachinery/pkg/apis/meta/v1/time.go). */
export function rfc3339Seconds(t: number | Date): string {
  return (typeof t === 'number' ? new Date(t) : t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
