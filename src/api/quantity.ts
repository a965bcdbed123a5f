// Kubernetes resource.Quantity (k8s.io/apimachinery pkg/api/resource/quantity.go), exactly: parse a quantity
// string the way `resource.ParseQuantity` does and print it the way `Quantity.String()` does (the canonical form
// the API server stores). KEDA's cpu/memory scalers write `resource.MustParse(metadata.value)` into the HPA, so
// Updraft must print "500m", "256Mi", "1536Mi" for "1.5Gi" and so on byte for byte. Pure, BigInt arithmetic.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface ParsedQuantity {
  /** The value is `unscaled × 10^-scale`, exact (rounded up to nano units as Kubernetes does). */
  unscaled: bigint;
  scale: number;
  format: QuantityFormat;
}

const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIX_OF: Record<number, string> = Object.fromEntries(Object.entries(DECIMAL).map(([s, e]) => [e, s]));
const BINARY_SUFFIX_OF: Record<number, string> = Object.fromEntries(Object.entries(BINARY).map(([s, e]) => [e, s]));

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** `resource.ParseQuantity`: undefined where Go returns ErrFormatWrong / ErrSuffix / ErrNumeric. */
export function parseKubeQuantity(text: string): ParsedQuantity | undefined {
  if (text.length === 0) return undefined;
  if (text === '0') return { unscaled: 0n, scale: 0, format: 'DecimalSI' };
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(.*)$/s.exec(text);
  if (!m) return undefined;
  const [, sign, num, denom = '', suffix] = m;
  // Go takes missing digits as 0 ("-", "m" and "1.G" all parse).
  let format: QuantityFormat;
  let exp10 = 0;
  let exp2 = 0;
  if (Object.hasOwn(DECIMAL, suffix)) {
    format = 'DecimalSI';
    exp10 = DECIMAL[suffix];
  } else if (Object.hasOwn(BINARY, suffix)) {
    format = 'BinarySI';
    exp2 = BINARY[suffix];
  } else if (/^[eE][+-]?\d+$/.test(suffix)) {
    format = 'DecimalExponent';
    exp10 = Number(suffix.slice(1));
    if (!Number.isSafeInteger(exp10)) return undefined;
  } else {
    return undefined;
  }
  // value = (num.denom) × 10^exp10 × 2^exp2
  let unscaled = BigInt((num || '0') + denom) * (1n << BigInt(exp2));
  let scale = denom.length - exp10;
  if (sign === '-') unscaled = -unscaled;
  // Values finer than nano are rounded up (away from zero) to the nano unit.
  if (scale > 9) {
    const div = pow10(scale - 9);
    const q = unscaled / div;
    const r = unscaled % div;
    unscaled = r === 0n ? q : q + (unscaled > 0n ? 1n : -1n);
    scale = 9;
  }
  if (unscaled === 0n) return { unscaled: 0n, scale: 0, format };
  return { unscaled, scale, format };
}

/** The value as a JS number (base units), like `AsApproximateFloat64`. */
export function quantityNumber(q: ParsedQuantity): number {
  return Number(q.unscaled) / 10 ** q.scale;
}

/** `Quantity.MilliValue()`: the value in thousandths, rounded up. */
export function quantityMilliValue(q: ParsedQuantity): bigint {
  const shift = q.scale - 3;
  if (shift <= 0) return q.unscaled * pow10(-shift);
  const div = pow10(shift);
  const quo = q.unscaled / div;
  return q.unscaled % div === 0n || q.unscaled < 0n ? quo : quo + 1n;
}

/** `Quantity.String()` (CanonicalizeBytes): no precision lost, no fractional digits, the largest exponent. */
export function formatKubeQuantity(q: ParsedQuantity): string {
  if (q.unscaled === 0n) return '0';
  const negative = q.unscaled < 0n;
  const abs = negative ? -q.unscaled : q.unscaled;
  const sign = negative ? '-' : '';
  let format = q.format;
  if (format === 'BinarySI') {
    const tiny = q.scale <= 0 ? abs * pow10(-q.scale) < 1024n : abs < 1024n * pow10(q.scale);
    const integral = q.scale <= 0 || abs % pow10(q.scale) === 0n;
    if (tiny || !integral) format = 'DecimalSI';
    else {
      let n = q.scale <= 0 ? abs * pow10(-q.scale) : abs / pow10(q.scale);
      let e2 = 0;
      while (e2 < 60 && n % 1024n === 0n) {
        n /= 1024n;
        e2 += 10;
      }
      return `${sign}${n}${BINARY_SUFFIX_OF[e2]}`;
    }
  }
  // Decimal: mantissa × 10^exp with exp a multiple of 3, as large as possible without fractional digits.
  let mant = abs;
  let exp = -q.scale;
  const rem = ((exp % 3) + 3) % 3;
  if (rem !== 0) {
    mant *= pow10(rem);
    exp -= rem;
  }
  while (mant % 1000n === 0n && (format === 'DecimalExponent' || exp < 18)) {
    mant /= 1000n;
    exp += 3;
  }
  if (format === 'DecimalExponent') return `${sign}${mant}${exp === 0 ? '' : `e${exp}`}`;
  // DecimalSI: below nano cannot happen (rounded at parse); above exa the mantissa carries the rest.
  return `${sign}${mant}${DECIMAL_SUFFIX_OF[exp]}`;
}

/** `resource.MustParse(s).String()`, or undefined when Go would fail (panic, for MustParse). */
export function canonicalQuantity(text: string): string | undefined {
  const q = parseKubeQuantity(text);
  return q ? formatKubeQuantity(q) : undefined;
}
