/**
 * Binary floating point with a chosen mantissa precision, rounding to nearest even: the subset of Go's
 * `math/big.Float` that cty numbers rely on. cty parses every number literal to a 512-bit mantissa, so
 * `"${1/3}"` renders 155 digits and `0.1 + 0.2` is exactly `0.3`; plain JS doubles cannot reproduce either.
 * The value is `(-1)^neg × mant × 2^exp` with `mant` odd (or zero / infinite).
 */

export type Accuracy = -1 | 0 | 1;

/** Thrown where Go's big.Float panics with ErrNaN (0/0, ∞−∞, 0×∞). */
export class NaNError extends Error {}

type Form = 'zero' | 'finite' | 'inf';

/** The precision cty gives numbers parsed from text. */
export const PARSE_PRECISION = 512;

export function bitLength(n: bigint): number {
  if (n === 0n) return 0;
  if (n < 0n) n = -n;
  const hex = n.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0], 16)));
}

function trailingZeroBits(n: bigint): number {
  if (n === 0n) return 0;
  let count = 0;
  while ((n & 0xffffffffn) === 0n) {
    n >>= 32n;
    count += 32;
  }
  while ((n & 1n) === 0n) {
    n >>= 1n;
    count++;
  }
  return count;
}

/** An exact decimal `0.digits × 10^exp` with no leading or trailing zero digits (empty for zero). */
interface Decimal {
  digits: string;
  exp: number;
}

function trimDecimal(d: Decimal): Decimal {
  const digits = d.digits.replace(/0+$/, '');
  return digits === '' ? { digits: '', exp: 0 } : { digits, exp: d.exp };
}

/** The exact decimal expansion of `mant × 2^exp` (mant ≥ 0). */
function exactDecimal(mant: bigint, exp: number): Decimal {
  if (mant === 0n) return { digits: '', exp: 0 };
  if (exp >= 0) {
    const digits = (mant << BigInt(exp)).toString();
    return trimDecimal({ digits, exp: digits.length });
  }
  // mant / 2^k = mant × 5^k / 10^k
  const k = -exp;
  const digits = (mant * 5n ** BigInt(k)).toString();
  return trimDecimal({ digits, exp: digits.length - k });
}

function digitAt(d: Decimal, i: number): string {
  return i >= 0 && i < d.digits.length ? d.digits[i] : '0';
}

/** Go's decimal rounding: half to even when the dropped part is exactly one half. */
function shouldRoundUp(d: Decimal, n: number): boolean {
  if (d.digits[n] === '5' && n + 1 === d.digits.length) {
    return n > 0 && (d.digits.charCodeAt(n - 1) - 48) % 2 !== 0;
  }
  return d.digits[n] >= '5';
}

function roundDown(d: Decimal, n: number): Decimal {
  if (n < 0 || n >= d.digits.length) return d;
  return trimDecimal({ digits: d.digits.slice(0, n), exp: d.exp });
}

function roundUp(d: Decimal, n: number): Decimal {
  if (n < 0 || n >= d.digits.length) return d;
  let i = n - 1;
  while (i >= 0 && d.digits[i] === '9') i--;
  if (i < 0) return { digits: '1', exp: d.exp + 1 };
  const digits = d.digits.slice(0, i) + String.fromCharCode(d.digits.charCodeAt(i) + 1);
  return { digits, exp: d.exp };
}

function roundDecimal(d: Decimal, n: number): Decimal {
  if (n < 0 || n >= d.digits.length) return d;
  return shouldRoundUp(d, n) ? roundUp(d, n) : roundDown(d, n);
}

export class BigFloat {
  private constructor(
    readonly form: Form,
    readonly neg: boolean,
    /** Odd for finite values, 0n otherwise. */
    readonly mant: bigint,
    readonly exp: number,
    readonly prec: number,
  ) {}

  static zero(prec = 64, neg = false): BigFloat {
    return new BigFloat('zero', neg, 0n, 0, prec);
  }

  static inf(neg: boolean, prec = 64): BigFloat {
    return new BigFloat('inf', neg, 0n, 0, prec);
  }

  /** Rounds `(-1)^neg × mant × 2^exp` to `prec` bits; `sticky` says nonzero bits were already cut off below `mant`. */
  static make(neg: boolean, mant: bigint, exp: number, prec: number, sticky = false): BigFloat {
    if (mant < 0n) {
      mant = -mant;
      neg = !neg;
    }
    if (mant === 0n) return BigFloat.zero(prec, neg);
    const length = bitLength(mant);
    if (length > prec) {
      const shift = length - prec;
      const bigShift = BigInt(shift);
      let q = mant >> bigShift;
      const rem = mant & ((1n << bigShift) - 1n);
      const half = 1n << (bigShift - 1n);
      if (rem > half || (rem === half && (sticky || (q & 1n) === 1n))) q += 1n;
      mant = q;
      exp += shift;
    }
    const tz = trailingZeroBits(mant);
    return new BigFloat('finite', neg, mant >> BigInt(tz), exp + tz, prec);
  }

  /** Like Go's SetInt64/SetInt: the precision is 64 bits, or more if the integer needs it. */
  static fromBigInt(n: bigint, prec?: number): BigFloat {
    const p = prec ?? Math.max(64, bitLength(n));
    return BigFloat.make(n < 0n, n < 0n ? -n : n, 0, p);
  }

  static fromInt(n: number): BigFloat {
    if (!Number.isSafeInteger(n)) return BigFloat.fromFloat64(n);
    return BigFloat.fromBigInt(BigInt(n), 64);
  }

  /** Like Go's SetFloat64: exact, with 53 bits of precision. Throws NaNError for NaN. */
  static fromFloat64(x: number): BigFloat {
    if (Number.isNaN(x)) throw new NaNError('NaN');
    if (x === Infinity || x === -Infinity) return BigFloat.inf(x < 0, 53);
    if (x === 0) return BigFloat.zero(53, Object.is(x, -0));
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x);
    const bits = view.getBigUint64(0);
    const neg = bits >> 63n === 1n;
    const biased = Number((bits >> 52n) & 0x7ffn);
    const fraction = bits & ((1n << 52n) - 1n);
    const mant = biased === 0 ? fraction : fraction | (1n << 52n);
    const exp = (biased === 0 ? 1 : biased) - 1075;
    return BigFloat.make(neg, mant, exp, 53);
  }

  /**
   * Parses a decimal number the way Go's `big.ParseFloat(s, 10, prec, ToNearestEven)` does: optional sign,
   * digits with an optional fraction, an optional `e`/`E` (power of ten) or `p`/`P` (power of two)
   * exponent, or `Inf`. Returns undefined when the text is not such a number.
   */
  static parse(text: string, prec = PARSE_PRECISION): BigFloat | undefined {
    const inf = /^([+-]?)(Inf|inf)$/.exec(text);
    if (inf) return BigFloat.inf(inf[1] === '-', prec);
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:([eEpP])([+-]?\d+))?$/.exec(text);
    if (!m) return undefined;
    const [, sign, intPart, fracPart = '', expKind, expDigits] = m;
    if (intPart === '' && fracPart === '') return undefined;
    const neg = sign === '-';
    const digits = BigInt((intPart + fracPart).replace(/^0+(?=.)/, '') || '0');
    let exp10 = -fracPart.length;
    let exp2 = 0;
    if (expKind) {
      const e = Number(expDigits);
      if (!Number.isFinite(e) || Math.abs(e) > 1e7) return undefined;
      if (expKind === 'e' || expKind === 'E') exp10 += e;
      else exp2 += e;
    }
    if (digits === 0n) return BigFloat.zero(prec, neg);
    if (exp10 >= 0) return BigFloat.make(neg, digits * 10n ** BigInt(exp10), exp2, prec);
    return BigFloat.quotient(neg, digits, exp2, 10n ** BigInt(-exp10), 0, prec);
  }

  /** `(num × 2^numExp) / den × 2^denExp`, correctly rounded to prec bits. */
  private static quotient(
    neg: boolean,
    num: bigint,
    numExp: number,
    den: bigint,
    denExp: number,
    prec: number,
  ): BigFloat {
    const shift = Math.max(0, prec + 3 + bitLength(den) - bitLength(num));
    const scaled = num << BigInt(shift);
    const q = scaled / den;
    const sticky = scaled % den !== 0n;
    return BigFloat.make(neg, q, numExp - denExp - shift, prec, sticky);
  }

  get isZero(): boolean {
    return this.form === 'zero';
  }

  get isInf(): boolean {
    return this.form === 'inf';
  }

  /** -1, 0 or 1 (zero of either sign is 0). */
  get sign(): number {
    if (this.form === 'zero') return 0;
    return this.neg ? -1 : 1;
  }

  isInt(): boolean {
    return this.form === 'zero' || (this.form === 'finite' && this.exp >= 0);
  }

  withPrec(prec: number): BigFloat {
    if (this.form !== 'finite') return new BigFloat(this.form, this.neg, 0n, 0, prec);
    return BigFloat.make(this.neg, this.mant, this.exp, prec);
  }

  /** The smallest precision that represents this value exactly. */
  minPrec(): number {
    return this.form === 'finite' ? bitLength(this.mant) : 0;
  }

  negate(): BigFloat {
    return new BigFloat(this.form, !this.neg, this.mant, this.exp, this.prec);
  }

  abs(): BigFloat {
    return new BigFloat(this.form, false, this.mant, this.exp, this.prec);
  }

  add(other: BigFloat, prec = Math.max(this.prec, other.prec)): BigFloat {
    return BigFloat.sum(this, other, prec);
  }

  private static sum(x: BigFloat, y: BigFloat, prec: number): BigFloat {
    if (x.form === 'inf' || y.form === 'inf') {
      if (x.form === 'inf' && y.form === 'inf' && x.neg !== y.neg)
        throw new NaNError('addition of opposing infinities');
      return BigFloat.inf(x.form === 'inf' ? x.neg : y.neg, prec);
    }
    if (x.form === 'zero' && y.form === 'zero') return BigFloat.zero(prec, x.neg && y.neg);
    if (x.form === 'zero') return y.withPrec(prec);
    if (y.form === 'zero') return x.withPrec(prec);
    const exp = Math.min(x.exp, y.exp);
    const a = (x.mant << BigInt(x.exp - exp)) * (x.neg ? -1n : 1n);
    const b = (y.mant << BigInt(y.exp - exp)) * (y.neg ? -1n : 1n);
    const sum = a + b;
    if (sum === 0n) return BigFloat.zero(prec, false);
    return BigFloat.make(sum < 0n, sum < 0n ? -sum : sum, exp, prec);
  }

  sub(other: BigFloat, prec = Math.max(this.prec, other.prec)): BigFloat {
    return this.add(other.negate(), prec);
  }

  mul(other: BigFloat, prec = Math.max(this.prec, other.prec)): BigFloat {
    const neg = this.neg !== other.neg;
    if (this.form === 'inf' || other.form === 'inf') {
      if (this.form === 'zero' || other.form === 'zero')
        throw new NaNError('multiplication of zero with infinity');
      return BigFloat.inf(neg, prec);
    }
    if (this.form === 'zero' || other.form === 'zero') return BigFloat.zero(prec, neg);
    return BigFloat.make(neg, this.mant * other.mant, this.exp + other.exp, prec);
  }

  quo(other: BigFloat, prec = Math.max(this.prec, other.prec)): BigFloat {
    const neg = this.neg !== other.neg;
    if (this.form === 'zero' && other.form === 'zero') throw new NaNError('division of zero by zero');
    if (this.form === 'inf' && other.form === 'inf') throw new NaNError('division of infinity by infinity');
    if (this.form === 'inf' || other.form === 'zero') return BigFloat.inf(neg, prec);
    if (this.form === 'zero' || other.form === 'inf') return BigFloat.zero(prec, neg);
    return BigFloat.quotient(neg, this.mant, this.exp, other.mant, other.exp, prec);
  }

  cmp(other: BigFloat): number {
    const sx = this.sign;
    const sy = other.sign;
    if (sx !== sy) return sx < sy ? -1 : 1;
    if (sx === 0) return 0;
    const magnitude = this.cmpAbs(other);
    return sx < 0 ? -magnitude : magnitude;
  }

  private cmpAbs(other: BigFloat): number {
    if (this.form === 'inf' || other.form === 'inf') {
      if (this.form === other.form) return 0;
      return this.form === 'inf' ? 1 : -1;
    }
    const topX = bitLength(this.mant) + this.exp;
    const topY = bitLength(other.mant) + other.exp;
    if (topX !== topY) return topX < topY ? -1 : 1;
    const exp = Math.min(this.exp, other.exp);
    const a = this.mant << BigInt(this.exp - exp);
    const b = other.mant << BigInt(other.exp - exp);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  /** Truncates toward zero, like Go's `Int`: accuracy is -1 when the result is below the value. */
  toBigInt(): { value: bigint; accuracy: Accuracy } | undefined {
    if (this.form === 'inf') return undefined;
    if (this.form === 'zero') return { value: 0n, accuracy: 0 };
    if (this.exp >= 0) {
      const v = this.mant << BigInt(this.exp);
      return { value: this.neg ? -v : v, accuracy: 0 };
    }
    const v = this.mant >> BigInt(-this.exp);
    return { value: this.neg ? -v : v, accuracy: this.neg ? 1 : -1 };
  }

  /** The nearest double, like Go's `Float64` (ties to even, subnormals, overflow to ±Infinity). */
  toFloat64(): number {
    if (this.form === 'zero') return this.neg ? -0 : 0;
    if (this.form === 'inf') return this.neg ? -Infinity : Infinity;
    const top = bitLength(this.mant) + this.exp - 1;
    const unit = Math.max(top - 52, -1074);
    let q: bigint;
    if (this.exp >= unit) {
      q = this.mant << BigInt(this.exp - unit);
    } else {
      const shift = BigInt(unit - this.exp);
      q = this.mant >> shift;
      const rem = this.mant & ((1n << shift) - 1n);
      const half = 1n << (shift - 1n);
      if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    }
    const magnitude = Number(q) * 2 ** unit;
    return this.neg ? -magnitude : magnitude;
  }

  private decimal(): Decimal {
    return this.form === 'finite' ? exactDecimal(this.mant, this.exp) : { digits: '', exp: 0 };
  }

  /** The shortest decimal that rounds back to this value at its precision (Go's `roundShortest`). */
  private shortestDecimal(): Decimal {
    const d = this.decimal();
    if (d.digits === '') return d;
    // A mantissa of prec+1 bits whose lowest bit is half an ulp.
    let mant = this.mant;
    let exp = this.exp;
    const s = bitLength(mant) - (this.prec + 1);
    if (s < 0) mant <<= BigInt(-s);
    else if (s > 0) mant >>= BigInt(s);
    exp += s;
    const lower = exactDecimal(mant - 1n, exp);
    const upper = exactDecimal(mant + 1n, exp);
    const inclusive = (mant & 2n) === 0n;
    for (let i = 0; i < d.digits.length; i++) {
      const m = d.digits[i];
      const l = digitAt(lower, i);
      const u = digitAt(upper, i);
      const okDown = l !== m || (inclusive && i + 1 === lower.digits.length);
      const okUp =
        m !== u && (inclusive || m.charCodeAt(0) + 1 < u.charCodeAt(0) || i + 1 < upper.digits.length);
      if (okDown && okUp) return roundDecimal(d, i + 1);
      if (okDown) return roundDown(d, i + 1);
      if (okUp) return roundUp(d, i + 1);
    }
    return d;
  }

  /** Go's `Text('f', -1)`: plain decimal notation with the fewest digits that identify the value. */
  toFixedShortest(): string {
    return this.text('f', -1);
  }

  /** Go's `String()`, i.e. `Text('g', 10)`. */
  toString(): string {
    return this.text('g', 10);
  }

  /**
   * Go's `Text(format, prec)` for `e`, `E`, `f`, `g`, `G`: a negative precision asks for the fewest
   * digits that identify the value at its precision.
   */
  text(format: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
    if (this.form === 'inf') return this.neg ? '-Inf' : '+Inf';
    const sign = this.neg ? '-' : '';
    let d = this.decimal();
    const shortest = prec < 0;
    if (shortest) {
      d = this.shortestDecimal();
      if (format === 'e' || format === 'E') prec = d.digits.length - 1;
      else if (format === 'f') prec = Math.max(d.digits.length - d.exp, 0);
      else prec = d.digits.length;
    } else if (format === 'e' || format === 'E') {
      d = roundDecimal(d, 1 + prec);
    } else if (format === 'f') {
      d = roundDecimal(d, d.exp + prec);
    } else {
      if (prec === 0) prec = 1;
      d = roundDecimal(d, prec);
    }
    if (format === 'e' || format === 'E') return sign + formatExponent(d, prec, format);
    if (format === 'f') return sign + formatFixed(d, prec);
    let eprec = prec;
    if (eprec > d.digits.length && d.digits.length >= d.exp) eprec = d.digits.length;
    if (shortest) eprec = 6;
    const exp = d.exp - 1;
    if (exp < -4 || exp >= eprec) {
      if (prec > d.digits.length) prec = d.digits.length;
      return sign + formatExponent(d, prec - 1, format === 'g' ? 'e' : 'E');
    }
    if (prec > d.exp) prec = d.digits.length;
    return sign + formatFixed(d, Math.max(prec - d.exp, 0));
  }
}

function formatFixed(d: Decimal, fractionDigits: number): string {
  let out = d.exp > 0 ? d.digits.slice(0, d.exp).padEnd(d.exp, '0') : '0';
  if (fractionDigits > 0) {
    out += '.';
    for (let i = 0; i < fractionDigits; i++) out += digitAt(d, d.exp + i);
  }
  return out;
}

function formatExponent(d: Decimal, fractionDigits: number, marker: 'e' | 'E'): string {
  let out = d.digits[0] ?? '0';
  if (fractionDigits > 0) {
    out += '.';
    for (let i = 1; i <= fractionDigits; i++) out += digitAt(d, i);
  }
  const exp = d.digits === '' ? 0 : d.exp - 1;
  const abs = Math.abs(exp);
  return `${out}${marker}${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
}
