import { describe, expect, it } from 'vitest';
import { BigFloat, NaNError } from './bignum';
import { Value } from './values';

const p = (s: string) => {
  const n = BigFloat.parse(s);
  if (!n) throw new Error(`unparsable ${s}`);
  return n;
};

describe('BigFloat parsing', () => {
  it('accepts Go big.ParseFloat decimal syntax', () => {
    for (const [text, shown] of [
      ['1', '1'],
      ['-2.5', '-2.5'],
      ['+3', '3'],
      ['.5', '0.5'],
      ['5.', '5'],
      ['1e3', '1000'],
      ['1E-3', '0.001'],
      ['1p4', '16'],
      ['007', '7'],
      ['Inf', '+Inf'],
      ['-inf', '-Inf'],
    ]) {
      expect(p(text).toFixedShortest()).toBe(shown);
    }
  });

  it('rejects what Go rejects', () => {
    for (const text of ['', ' 1', '1 ', 'abc', '1.2.3', '0x10', '1_000', '--1', 'e5', '.', '1e']) {
      expect(BigFloat.parse(text)).toBeUndefined();
    }
  });

  it('keeps integers of any size exactly', () => {
    expect(p('123456789012345678901234567890').toFixedShortest()).toBe('123456789012345678901234567890');
    expect(p('9007199254740993').toBigInt()).toEqual({ value: 9007199254740993n, accuracy: 0 });
  });
});

describe('BigFloat arithmetic at 512 bits, printed as cty prints (vectors from packer 1.6.6)', () => {
  it('divides with 155 significant digits', () => {
    expect(p('1').quo(p('3')).toFixedShortest()).toBe(
      '0.33333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333335',
    );
    expect(p('2').quo(p('3')).toFixedShortest()).toBe(
      '0.6666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666667',
    );
  });

  it('keeps decimal sums exact where float64 would not', () => {
    expect(p('0.1').add(p('0.2')).toFixedShortest()).toBe('0.3');
    expect(p('0.1').mul(p('3')).toFixedShortest()).toBe('0.3');
    expect(p('1').quo(p('3')).mul(p('3')).toFixedShortest()).toBe('1');
  });

  it('shows the binary rounding cty shows', () => {
    expect(p('1.1').mul(p('3')).toFixedShortest()).toBe(
      '3.3000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002',
    );
    expect(BigFloat.fromInt(3).quo(p('7')).toFixedShortest()).toBe(
      '0.42857142857142857142857142857142857142857142857142857142857142857142857142857142857142857142857142857142857142857142857142857142857142857142857142857142856',
    );
  });

  it('prints very large and very small numbers in plain notation', () => {
    expect(p('1e23').toFixedShortest()).toBe('1' + '0'.repeat(23));
    expect(p('1e-7').toFixedShortest()).toBe('0.0000001');
    const tiny = p('1e-400').toFixedShortest();
    expect(tiny).toBe('0.' + '0'.repeat(399) + '1');
    // packer 1.6.6: "${1.5e300*1.5e300}" is 225, 151 zeros, a 2, then zeros to 601 digits.
    const product = p('1.5e300').mul(p('1.5e300')).toFixedShortest();
    expect(product).toBe('225' + '0'.repeat(151) + '2' + '0'.repeat(446));
  });

  it('keeps the sign of zero as Go does', () => {
    expect(p('0').negate().toFixedShortest()).toBe('-0');
    expect(p('0').mul(p('-1')).toFixedShortest()).toBe('-0');
    expect(p('0').negate().cmp(p('0'))).toBe(0);
  });

  it('handles infinities and the cases Go calls NaN', () => {
    expect(p('1').quo(p('0')).toFixedShortest()).toBe('+Inf');
    expect(p('-1').quo(p('0')).toFixedShortest()).toBe('-Inf');
    expect(() => p('0').quo(p('0'))).toThrow(NaNError);
    expect(() => p('Inf').sub(p('Inf'))).toThrow(NaNError);
    expect(() => p('Inf').mul(p('0'))).toThrow(NaNError);
    expect(p('Inf').add(p('1')).isInf).toBe(true);
  });

  it('compares exactly', () => {
    expect(p('0.1').add(p('0.2')).cmp(p('0.3'))).toBe(0);
    expect(p('-3').cmp(p('2'))).toBe(-1);
    expect(p('1e100').cmp(p('1e99'))).toBe(1);
    expect(p('-Inf').cmp(p('-1e1000'))).toBe(-1);
  });
});

describe('BigFloat conversions', () => {
  it('round-trips doubles exactly at 53 bits', () => {
    for (const x of [
      0,
      1,
      -1,
      0.1,
      Math.PI,
      1e300,
      2 ** 53 + 2,
      -123.456,
      Number.MAX_VALUE,
      2.2250738585072014e-308,
    ]) {
      const f = BigFloat.fromFloat64(x);
      expect(f.toFloat64()).toBe(x);
      expect(f.text('g', -1)).toBe(shortestG(x));
    }
  });

  it('does not know about subnormals, like Go big.Float', () => {
    const tiny = BigFloat.fromFloat64(5e-324);
    expect(tiny.toFloat64()).toBe(5e-324);
    expect(tiny.text('g', -1)).toBe('4.940656458412465e-324');
  });

  it('rounds to the nearest double, ties to even', () => {
    expect(p('0.1').toFloat64()).toBe(0.1);
    expect(p('9007199254740993').toFloat64()).toBe(9007199254740992);
    expect(p('9007199254740995').toFloat64()).toBe(9007199254740996);
    expect(p('1e400').toFloat64()).toBe(Infinity);
    expect(p('1e-400').toFloat64()).toBe(0);
    expect(p('2.4703282292062328e-324').toFloat64()).toBe(5e-324);
  });

  it('truncates to integers with Go accuracy', () => {
    expect(p('2.7').toBigInt()).toEqual({ value: 2n, accuracy: -1 });
    expect(p('-2.7').toBigInt()).toEqual({ value: -2n, accuracy: 1 });
    expect(p('Inf').toBigInt()).toBeUndefined();
  });

  it('formats with Go verbs and precisions', () => {
    const pi = p('3.14159265358979');
    expect(pi.text('f', 2)).toBe('3.14');
    expect(pi.text('e', 3)).toBe('3.142e+00');
    expect(pi.text('E', 0)).toBe('3E+00');
    expect(pi.text('g', 3)).toBe('3.14');
    expect(p('1234567').text('g', -1)).toBe('1.234567e+06');
    expect(p('123456').text('g', -1)).toBe('123456');
    expect(p('0.0001').text('g', -1)).toBe('0.0001');
    expect(p('0.00001').text('g', -1)).toBe('1e-05');
    expect(p('2.5').text('f', 0)).toBe('2');
    expect(p('3.5').text('f', 0)).toBe('4');
    expect(p('123456789012').toString()).toBe('1.23456789e+11');
  });
});

/** JavaScript's shortest digits, written the way Go's %g writes them. */
function shortestG(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [m, e] = x.toExponential().split('e');
  const exp = Number(e);
  const digits = m.replace('.', '').replace('-', '');
  const sign = x < 0 ? '-' : '';
  if (exp < -4 || exp >= 6) {
    return `${sign}${digits[0]}${digits.length > 1 ? '.' + digits.slice(1) : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  return (
    sign +
    (digits.length > exp + 1
      ? `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`
      : digits.padEnd(exp + 1, '0'))
  );
}

describe('numbers from JavaScript', () => {
  it('takes the shortest decimal text of a double, and infinities', () => {
    expect(Value.number(0.1).asNumber().cmp(p('0.1'))).toBe(0);
    expect(Value.number(1e21).asNumber().toFixedShortest()).toBe('1' + '0'.repeat(21));
    expect(Value.number(-Infinity).asNumber().toFixedShortest()).toBe('-Inf');
    expect(() => Value.number(NaN)).toThrow(NaNError);
  });
});
