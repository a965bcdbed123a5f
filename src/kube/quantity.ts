// Kubernetes resource.Quantity, the part Updraft needs: write milli-precision decimal quantities in the
// canonical form the API server stores (so a written HPA compares equal to what is read back). Reading a
// quantity string into a number is api/values.ts `parseQuantity`.

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
