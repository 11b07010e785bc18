/**
 * The operators of the expression language, as cty's stdlib defines them (AddFunc, EqualFunc, ...), so
 * their null/unknown/mark handling and error texts follow the same calling convention as functions.
 */
import { BigFloat, NaNError } from './bignum';
import { defineFunction, FunctionError, type FunctionDef } from './functions/spec';
import { BOOL, DYNAMIC, NUMBER } from './types';
import { FALSE, TRUE, Value, valuesEqual } from './values';

/** cty's number multiplication: the product rounded to 512 bits, kept at the precision it needs. */
export function multiplyNumbers(a: BigFloat, b: BigFloat): BigFloat {
  const product = a.mul(b, 512);
  return product.withPrec(Math.max(a.prec, b.prec, product.minPrec()));
}

/** cty's Modulo: the remainder of truncated division, with the dividend's precision. */
export function moduloNumbers(a: BigFloat, b: BigFloat): BigFloat {
  if (a.isInf || b.isInf) return multiplyNumbers(a, b);
  if (b.isZero) return a;
  const ratio = a.quo(b);
  const truncated = BigFloat.fromBigInt(ratio.toBigInt()!.value, a.prec);
  const work = b.mul(truncated, a.prec);
  return a.sub(work, a.prec);
}

function arithmetic(
  name: string,
  nanMessage: string,
  op: (a: BigFloat, b: BigFloat) => BigFloat,
): FunctionDef {
  return defineFunction({
    description: name,
    params: [
      { name: 'a', type: NUMBER, allowDynamicType: true },
      { name: 'b', type: NUMBER, allowDynamicType: true },
    ],
    returnType: NUMBER,
    impl([a, b]) {
      try {
        return Value.number(op(a.asNumber(), b.asNumber()));
      } catch (e) {
        if (e instanceof NaNError) throw new FunctionError(nanMessage);
        throw e;
      }
    },
  });
}

export const ADD = arithmetic('add', "can't compute sum of opposing infinities", (a, b) => a.add(b));
export const SUBTRACT = arithmetic('subtract', "can't subtract infinity from itself", (a, b) => a.sub(b));
export const MULTIPLY = arithmetic('multiply', "can't multiply zero by infinity", multiplyNumbers);
export const DIVIDE = arithmetic('divide', "can't divide zero by zero or infinity by infinity", (a, b) =>
  a.quo(b),
);
export const MODULO = arithmetic('modulo', "can't use modulo with zero and infinity", moduloNumbers);

function comparison(name: string, test: (cmp: number) => boolean): FunctionDef {
  const p = { type: NUMBER, allowUnknown: true, allowDynamicType: true, allowMarked: true };
  return defineFunction({
    description: name,
    params: [
      { name: 'a', ...p },
      { name: 'b', ...p },
    ],
    returnType: BOOL,
    impl([a, b]) {
      const [ua, ma] = a.unmark();
      const [ub, mb] = b.unmark();
      if (!ua.isKnown() || !ub.isKnown()) return Value.unknown(BOOL).withMarks(ma, mb);
      return Value.bool(test(ua.asNumber().cmp(ub.asNumber()))).withMarks(ma, mb);
    },
  });
}

/** `a >= b` is cty's `a > b || a == b` (and `<=` likewise), which matters only for unknowns. */
export const GREATER_THAN = comparison('greater than', (c) => c > 0);
export const GREATER_THAN_OR_EQUAL = comparison('greater than or equal', (c) => c >= 0);
export const LESS_THAN = comparison('less than', (c) => c < 0);
export const LESS_THAN_OR_EQUAL = comparison('less than or equal', (c) => c <= 0);

function equality(name: string, negate: boolean): FunctionDef {
  const p = { type: DYNAMIC, allowUnknown: true, allowDynamicType: true, allowNull: true };
  return defineFunction({
    description: name,
    params: [
      { name: 'a', ...p },
      { name: 'b', ...p },
    ],
    returnType: BOOL,
    impl([a, b]) {
      const eq = valuesEqual(a, b);
      return negate ? not(eq) : eq;
    },
  });
}

export const EQUAL = equality('equal', false);
export const NOT_EQUAL = equality('not equal', true);

function not(v: Value): Value {
  const [u, marks] = v.unmark();
  if (!u.isKnown()) return Value.unknown(BOOL).withMarks(marks);
  return (u.asBool() ? FALSE : TRUE).withMarks(marks);
}

function logical(name: string, op: (a: boolean, b: boolean) => boolean): FunctionDef {
  const p = { type: BOOL, allowDynamicType: true, allowMarked: true };
  return defineFunction({
    description: name,
    params: [
      { name: 'a', ...p },
      { name: 'b', ...p },
    ],
    returnType: BOOL,
    impl([a, b]) {
      const [ua, ma] = a.unmark();
      const [ub, mb] = b.unmark();
      return Value.bool(op(ua.asBool(), ub.asBool())).withMarks(ma, mb);
    },
  });
}

export const AND = logical('and', (a, b) => a && b);
export const OR = logical('or', (a, b) => a || b);

export const NOT = defineFunction({
  description: 'not',
  params: [{ name: 'val', type: BOOL, allowDynamicType: true, allowMarked: true }],
  returnType: BOOL,
  impl: ([v]) => not(v),
});

export const NEGATE = defineFunction({
  description: 'negate',
  params: [{ name: 'num', type: NUMBER, allowDynamicType: true, allowMarked: true }],
  returnType: NUMBER,
  impl([v]) {
    const [u, marks] = v.unmark();
    return Value.number(u.asNumber().negate()).withMarks(marks);
  },
});
