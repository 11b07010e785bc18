/**
 * Number functions (cty stdlib number.go and Packer's sum). `log` and `pow` go through doubles, as in
 * cty; the rest keep cty's arbitrary precision.
 */
import { BigFloat, NaNError } from '../bignum';
import { convert } from '../convert';
import { goQuote } from '../gostrings';
import { DYNAMIC, NUMBER, friendlyName } from '../types';
import { Value, ValueError } from '../values';
import { ArgError, defineFunction, FunctionError } from './spec';
import { toInt } from './util';

export const abs = defineFunction({
  description: 'abs',
  params: [{ name: 'num', type: NUMBER, allowDynamicType: true, allowMarked: true }],
  returnType: NUMBER,
  impl([n]) {
    const [u, marks] = n.unmark();
    return Value.number(u.asNumber().abs()).withMarks(marks);
  },
});

function rounding(name: 'ceil' | 'floor') {
  return defineFunction({
    description: name,
    params: [{ name: 'num', type: NUMBER }],
    returnType: NUMBER,
    impl([n]) {
      const f = n.asNumber();
      if (f.isInf) return n;
      const { value, accuracy } = f.toBigInt()!;
      let i = value;
      if (name === 'ceil' && accuracy === -1) i += 1n;
      if (name === 'floor' && accuracy === 1) i -= 1n;
      return Value.number(BigFloat.fromBigInt(i, f.prec));
    },
  });
}

export const ceil = rounding('ceil');
export const floor = rounding('floor');

function viaDouble(name: string, second: string, f: (a: number, b: number) => number) {
  return defineFunction({
    description: name,
    params: [
      { name: 'num', type: NUMBER },
      { name: second, type: NUMBER },
    ],
    returnType: NUMBER,
    impl([a, b]) {
      const result = f(a.asNumber().toFloat64(), b.asNumber().toFloat64());
      if (Number.isNaN(result)) throw new FunctionError('the result is not a number');
      return Value.number(BigFloat.fromFloat64(result));
    },
  });
}

export const log = viaDouble('log', 'base', (n, base) => Math.log(n) / Math.log(base));
export const pow = viaDouble('pow', 'power', goPow);

/** Go's math.Pow differs from JS for a few special cases (e.g. pow(1, ±Inf) and pow(-1, ±Inf) are 1). */
function goPow(x: number, y: number): number {
  if ((x === 1 || x === -1) && !Number.isFinite(y)) return 1;
  return Math.pow(x, y);
}

export const signum = defineFunction({
  description: 'signum',
  params: [{ name: 'num', type: NUMBER }],
  returnType: NUMBER,
  impl([n]) {
    const i = toInt(n);
    return Value.number(i < 0 ? -1 : i > 0 ? 1 : 0);
  },
});

const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Go's big.Int SetString with a base: optional sign, digits of that base (letters case-insensitive up to 36). */
function parseBigInt(text: string, base: number): bigint | undefined {
  const m = /^([+-]?)(.+)$/s.exec(text);
  if (!m) return undefined;
  const [, sign, digits] = m;
  let n = 0n;
  const b = BigInt(base);
  for (const c of digits) {
    const d = base <= 36 ? DIGITS.indexOf(c.toLowerCase()) : DIGITS.indexOf(c);
    if (d < 0 || d >= base) return undefined;
    n = n * b + BigInt(d);
  }
  return sign === '-' ? -n : n;
}

export const parseint = defineFunction({
  description: 'parseint',
  params: [
    { name: 'number', type: DYNAMIC },
    { name: 'base', type: NUMBER },
  ],
  returnType(args) {
    if (args[0].type.kind !== 'string') {
      throw new ArgError(0, `first argument must be a string, not ${friendlyName(args[0].type)}`);
    }
    return NUMBER;
  },
  impl([s, baseValue]) {
    const text = s.asString();
    let base: number;
    try {
      base = toInt(baseValue);
    } catch (e) {
      if (e instanceof FunctionError) throw new ArgError(1, e.message);
      throw e;
    }
    if (base < 2 || base > 62)
      throw new ArgError(1, 'base must be a whole number between 2 and 62 inclusive');
    const n = parseBigInt(text, base);
    if (n === undefined) throw new ArgError(0, `cannot parse ${goQuote(text)} as a base ${base} integer`);
    return Value.number(BigFloat.fromBigInt(n));
  },
});

function extremum(name: 'min' | 'max') {
  return defineFunction({
    description: name,
    params: [],
    varParam: { name: 'numbers', type: NUMBER, allowDynamicType: true },
    returnType: NUMBER,
    impl(args) {
      if (args.length === 0) throw new FunctionError('must pass at least one number');
      let best = args[0];
      for (const v of args.slice(1)) {
        const c = v.asNumber().cmp(best.asNumber());
        if ((name === 'min' && c < 0) || (name === 'max' && c > 0)) best = v;
      }
      return best;
    },
  });
}

export const min = extremum('min');
export const max = extremum('max');

export const sum = defineFunction({
  description: 'sum',
  params: [{ name: 'list', type: DYNAMIC }],
  returnType: NUMBER,
  impl([list]) {
    if (!list.canIterate()) throw new ArgError(0, 'cannot sum noniterable');
    const kind = list.type.kind;
    const elements = kind === 'map' || kind === 'object' ? list.entries().map(([, v]) => v) : list.elements();
    if (elements.length === 0) throw new ArgError(0, 'cannot sum an empty list');
    if (kind !== 'list' && kind !== 'set' && kind !== 'tuple') {
      throw new ArgError(0, `argument must be list, set, or tuple. Received ${friendlyName(list.type)}`);
    }
    if (!list.isWhollyKnown()) return Value.unknown(NUMBER);
    const notNumbers = () => new ArgError(0, 'argument must be list, set, or tuple of number values');
    let total: BigFloat | undefined;
    for (const v of elements) {
      if (v.isNull()) throw notNumbers();
      let n: BigFloat;
      try {
        n = convert(v, NUMBER).asNumber();
      } catch (e) {
        if (e instanceof ValueError) throw notNumbers();
        throw e;
      }
      try {
        total = total ? total.add(n) : n;
      } catch (e) {
        if (e instanceof NaNError) throw new FunctionError("can't compute sum of opposing infinities");
        throw e;
      }
    }
    return Value.number(total!);
  },
});
