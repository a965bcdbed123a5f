// Kubernetes resource.Quantity, the part Updraft needs: write milli-precision decimal quantities in the
// canonical form the API server stores (so a written HPA compares equal to what is read back), and read any
// quantity string into a number.

const DECIMAL_SUFFIXES: Array<[number, string]> = [
  [18, 'E'],
  [15, 'P'],
  [12, 'T'],
  [9, 'G'],
  [6, 'M'],
  [3, 'k'],
  [0, ''],
  [-3, 'm'],
];

/**
 * Canonical DecimalSI string of `milli` thousandths (resource.NewMilliQuantity(milli, DecimalSI).String()):
 * 5000 → "5", 100500 → "100500m", 2000000 → "2k", 0 → "0".
 */
export function formatMilliQuantity(milli: bigint | number): string {
  let mant = typeof milli === 'bigint' ? milli : BigInt(Math.trunc(milli));
  if (mant === 0n) return '0';
  const negative = mant < 0n;
  if (negative) mant = -mant;
  let exp = -3;
  while (mant % 1000n === 0n && exp < 18) {
    mant /= 1000n;
    exp += 3;
  }
  const suffix = DECIMAL_SUFFIXES.find(([e]) => e === exp)?.[1] ?? '';
  return `${negative ? '-' : ''}${mant}${suffix}`;
}

/**
 * A KEDA metric target as a quantity: integers as whole quantities (resource.NewQuantity), fractions truncated to
 * milli units (resource.NewMilliQuantity(int64(v*1000))), e.g. 100.5 → "100500m" (KEDA `pkg/scalers/scaler.go`
 * `GetMetricTargetMili`, `controllers/keda/hpa.go`).
 */
export function targetQuantity(value: number): string {
  if (Number.isInteger(value)) return formatMilliQuantity(BigInt(value) * 1000n);
  return formatMilliQuantity(Math.trunc(value * 1000));
}

/**
 * A metric value as sent to the HPA: rounded to milli units; NaN, ±Infinity and negative values become 0
 * (KEDA 2.20.2 `pkg/scalers/scaler.go` quantityFromFloat64).
 */
export function metricValueQuantity(value: number): string {
  if (!Number.isFinite(value) || value < 0) return '0';
  return formatMilliQuantity(Math.round(value * 1000));
}

const MULTIPLIERS: Record<string, number> = {
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
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Parse a quantity ("1500m", "2k", "1Gi", "1e3") to a number; throws on anything else. */
export function parseQuantity(text: string | number): number {
  if (typeof text === 'number') return text;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not a Kubernetes quantity (examples: 5, 100500m, 2k, 1Gi)`);
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  return base * MULTIPLIERS[m[3] ?? ''];
}
