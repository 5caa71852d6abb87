/**
 * C/glibc-compatible number formatting for the httperf-style report.
 *
 * glibc's printf rounds the *exact* binary value of a double, and breaks exact decimal ties
 * to even. JavaScript's `toFixed` does neither reliably (`(0.25).toFixed(1)` is "0.3", glibc
 * prints "0.2"), so the report would drift from httperf's by one in the last digit. Here every
 * finite double is expanded to its exact decimal value with BigInt arithmetic (a double is
 * `mantissa * 2^exponent`, and `2^-k = 5^k / 10^k`), then rounded once, half to even.
 *
 * Non-finite values never reach the output: they format as 0 (the report prints 0 for
 * undefined figures instead of httperf's `inf`, `nan` and `-nan`).
 */

/** A finite double as an exact decimal: |value| = digits / 10^scale. */
interface ExactDecimal {
  negative: boolean;
  digits: bigint;
  scale: number;
}

/** Exact decimal expansion of a finite double (no rounding at all). */
function exactDecimal(value: number): ExactDecimal {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const high = view.getUint32(0);
  const low = view.getUint32(4);
  const negative = high >>> 31 === 1;
  const biasedExponent = (high >>> 20) & 0x7ff;
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
  let exponent: number;
  if (biasedExponent === 0) {
    exponent = -1074; // subnormal: no implicit leading bit
  } else {
    mantissa |= 1n << 52n;
    exponent = biasedExponent - 1075;
  }
  if (exponent >= 0) return { negative, digits: mantissa << BigInt(exponent), scale: 0 };
  const k = -exponent;
  return { negative, digits: mantissa * 5n ** BigInt(k), scale: k };
}

/** Divide by 10^drop, rounding to nearest with ties to even (glibc's default rounding mode). */
function roundDropDigits(digits: bigint, drop: number): bigint {
  if (drop <= 0) return digits * 10n ** BigInt(-drop);
  const divisor = 10n ** BigInt(drop);
  const quotient = digits / divisor;
  const twiceRemainder = (digits % divisor) * 2n;
  if (twiceRemainder > divisor || (twiceRemainder === divisor && quotient % 2n === 1n)) {
    return quotient + 1n;
  }
  return quotient;
}

/** Insert a decimal point so that `precision` digits follow it. */
function placePoint(digits: bigint, precision: number): string {
  let text = digits.toString();
  if (precision === 0) return text;
  if (text.length <= precision) text = '0'.repeat(precision - text.length + 1) + text;
  return `${text.slice(0, text.length - precision)}.${text.slice(text.length - precision)}`;
}

/** Replace values printf would show as inf/nan by 0. */
function finiteOrZero(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

/** printf `%.<digits>f`: exact value rounded half to even, e.g. fixed(0.25, 1) === "0.2". */
export function fixed(value: number, digits: number): string {
  const exact = exactDecimal(finiteOrZero(value));
  const rounded = roundDropDigits(exact.digits, exact.scale - digits);
  return (exact.negative ? '-' : '') + placePoint(rounded, digits);
}

/**
 * printf `%.<precision>e` digits: the value rounded to `precision + 1` significant digits.
 * Returns the significant digits and the decimal exponent of the first one.
 */
function significant(value: number, precision: number): { digits: bigint; exponent: number } {
  const exact = exactDecimal(value);
  if (exact.digits === 0n) return { digits: 0n, exponent: 0 };
  const length = exact.digits.toString().length;
  let exponent = length - exact.scale - 1;
  let digits = roundDropDigits(exact.digits, length - (precision + 1));
  if (digits.toString().length > precision + 1) {
    // Rounding carried into a new leading digit (9.99 -> 10.0).
    digits /= 10n;
    exponent += 1;
  }
  return { digits, exponent };
}

/** Remove trailing zeros after a decimal point, and the point itself if nothing follows. */
function stripFractionZeros(text: string): string {
  if (!text.includes('.')) return text;
  return text.replace(/0+$/, '').replace(/\.$/, '');
}

/** printf `%.<precision>e`, e.g. exponential(12345, 2) === "1.23e+04". */
export function exponential(value: number, precision = 6): string {
  const finite = finiteOrZero(value);
  const sign = exactDecimal(finite).negative ? '-' : '';
  const { digits, exponent } = significant(Math.abs(finite), precision);
  const mantissa = placePoint(digits, precision);
  const expSign = exponent < 0 ? '-' : '+';
  return `${sign}${mantissa}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/** printf `%g` (or `%.<precision>g`): shortest of %f / %e style, trailing zeros removed. */
export function g(value: number, precision = 6): string {
  const finite = finiteOrZero(value);
  const p = precision === 0 ? 1 : precision;
  const sign = exactDecimal(finite).negative ? '-' : '';
  const magnitude = Math.abs(finite);
  const { digits, exponent } = significant(magnitude, p - 1);
  if (digits === 0n) return `${sign}0`;
  if (exponent < -4 || exponent >= p) {
    const mantissa = stripFractionZeros(placePoint(digits, p - 1));
    const expSign = exponent < 0 ? '-' : '+';
    return `${sign}${mantissa}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return sign + stripFractionZeros(fixed(magnitude, p - 1 - exponent));
}

/** printf `%<width>s` on already formatted text: right-aligned in `width` columns. */
export function padLeft(text: string, width: number): string {
  return text.padStart(width, ' ');
}

/** printf `%-<width>s` on already formatted text: left-aligned, e.g. `%-8.1f` = padRight(fixed(v, 1), 8). */
export function padRight(text: string, width: number): string {
  return text.padEnd(width, ' ');
}
