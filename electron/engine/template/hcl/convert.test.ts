import { describe, expect, it } from 'vitest';
import { convert, mismatchMessage, tryConvert, unify } from './convert';
import {
  BOOL,
  DYNAMIC,
  EMPTY_OBJECT,
  EMPTY_TUPLE,
  NUMBER,
  STRING,
  listOf,
  mapOf,
  objectOf,
  setOf,
  tupleOf,
  typeString,
  type Type,
} from './types';
import { NULL_DYNAMIC, SENSITIVE, Value, ValueError, numberToString, rawEquals, valuesEqual } from './values';

const s = (x: string) => Value.string(x);
const n = (x: number | string) => (typeof x === 'number' ? Value.number(x) : Value.number(numberFrom(x)));
const numberFrom = (x: string) => convert(Value.string(x), NUMBER).asNumber();
const err = (v: Value, t: Type) => {
  const r = tryConvert(v, t);
  if (r.ok) throw new Error(`converted to ${typeString(r.value.type)}`);
  return r.error.message;
};

describe('primitive conversions', () => {
  it('converts between string, number and bool as cty does', () => {
    expect(convert(n(42), STRING).asString()).toBe('42');
    expect(convert(n('1.50'), STRING).asString()).toBe('1.5');
    expect(convert(Value.bool(true), STRING).asString()).toBe('true');
    expect(numberToString(convert(s('12.5'), NUMBER).asNumber())).toBe('12.5');
    expect(convert(s('1'), BOOL).asBool()).toBe(true);
    expect(convert(s('false'), BOOL).asBool()).toBe(false);
  });

  it("uses cty's error wording", () => {
    expect(err(s('abc'), NUMBER)).toBe('a number is required');
    expect(err(s('TRUE'), BOOL)).toBe('a bool is required; to convert from string, use lowercase "true"');
    expect(err(s('nope'), BOOL)).toBe('a bool is required');
    expect(err(n(1), BOOL)).toBe('bool required, but have number');
    expect(err(Value.bool(true), NUMBER)).toBe('number required, but have bool');
    expect(err(Value.tuple([s('a')]), STRING)).toBe('string required, but have tuple');
    expect(err(Value.list([s('a')]), STRING)).toBe('string required, but have list of string');
  });

  it('passes nulls and unknowns through with the target type', () => {
    const nul = convert(NULL_DYNAMIC, STRING);
    expect(nul.isNull()).toBe(true);
    expect(nul.type).toEqual(STRING);
    const unk = convert(Value.unknown(DYNAMIC), listOf(NUMBER));
    expect(unk.isKnown()).toBe(false);
    expect(unk.type).toEqual(listOf(NUMBER));
  });

  it('keeps marks', () => {
    const v = convert(n(1).mark(SENSITIVE), STRING);
    expect(v.hasMark(SENSITIVE)).toBe(true);
    expect(v.unmark()[0].asString()).toBe('1');
  });
});

describe('structural conversions', () => {
  it('turns tuples into lists and sets, unifying element types', () => {
    const l = convert(Value.tuple([n(1), s('two')]), listOf(DYNAMIC));
    expect(typeString(l.type)).toBe('list(string)');
    expect(l.elements().map((e) => e.asString())).toEqual(['1', 'two']);
    const st = convert(Value.tuple([s('b'), s('a'), s('b')]), setOf(STRING));
    expect(st.elements().map((e) => e.asString())).toEqual(['a', 'b']);
    expect(err(Value.tuple([EMPTY_OBJECT_VALUE(), Value.tuple([])]), listOf(DYNAMIC))).toBe(
      'all list elements must have the same type',
    );
  });

  it('turns objects into maps and maps into objects', () => {
    const m = convert(Value.object({ a: n(1), b: s('x') }), mapOf(STRING));
    expect(typeString(m.type)).toBe('map(string)');
    expect(m.get('a')!.asString()).toBe('1');
    const o = convert(Value.map({ a: s('1'), extra: s('2') }), objectOf({ a: NUMBER }));
    expect(typeString(o.type)).toBe('object({a=number})');
    expect(err(Value.map({ b: s('1') }), objectOf({ a: STRING }))).toBe(
      'map has no element for required attribute "a"',
    );
  });

  it('drops extra object attributes and fills optional ones with null', () => {
    const want = objectOf({ a: STRING, b: NUMBER }, ['b']);
    const o = convert(Value.object({ a: s('x'), extra: n(1) }), want);
    expect([...o.entries().map(([k]) => k)]).toEqual(['a', 'b']);
    expect(o.get('b')!.isNull()).toBe(true);
  });

  it('reports nested paths', () => {
    const r = tryConvert(Value.object({ xs: Value.tuple([n(1), s('x')]) }), objectOf({ xs: listOf(NUMBER) }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toBeInstanceOf(ValueError);
      expect(r.error.reason).toBe('a number is required');
      expect(r.error.message).toBe('.xs[1]: a number is required');
    }
  });
});

function EMPTY_OBJECT_VALUE(): Value {
  return Value.object({});
}

describe('mismatch messages (cty mismatch_msg_test vectors)', () => {
  const foo = objectOf({ foo: STRING });
  const cases: [Type, Type, string][] = [
    [BOOL, NUMBER, 'number required, but have bool'],
    [EMPTY_OBJECT, foo, 'attribute "foo" is required'],
    [EMPTY_OBJECT, objectOf({ foo: STRING, bar: STRING }), 'attributes "bar" and "foo" are required'],
    [
      EMPTY_OBJECT,
      objectOf({ foo: STRING, bar: STRING, baz: STRING }),
      'attributes "bar", "baz", and "foo" are required',
    ],
    [EMPTY_OBJECT, listOf(objectOf({ foo: STRING, bar: STRING, baz: STRING })), 'list of object required'],
    [listOf(STRING), listOf(foo), 'incorrect list element type: object required, but have string'],
    [listOf(EMPTY_OBJECT), listOf(foo), 'incorrect list element type: attribute "foo" is required'],
    [tupleOf([EMPTY_OBJECT]), listOf(foo), 'element 0: attribute "foo" is required'],
    [listOf(EMPTY_OBJECT), setOf(foo), 'incorrect set element type: attribute "foo" is required'],
    [tupleOf([EMPTY_OBJECT]), setOf(foo), 'element 0: attribute "foo" is required'],
    [mapOf(EMPTY_OBJECT), mapOf(foo), 'incorrect map element type: attribute "foo" is required'],
    [objectOf({ boop: EMPTY_OBJECT }), mapOf(foo), 'element "boop": attribute "foo" is required'],
    [tupleOf([EMPTY_OBJECT, EMPTY_TUPLE]), listOf(DYNAMIC), 'all list elements must have the same type'],
    [
      objectOf({ foo: BOOL, bar: STRING, baz: objectOf({ boop: NUMBER }) }),
      objectOf({ foo: BOOL, bar: STRING, baz: objectOf({ boop: NUMBER, beep: BOOL }) }),
      'attribute "baz": attribute "beep" is required',
    ],
  ];
  for (const [got, want, message] of cases) {
    it(`${typeString(got)} → ${typeString(want)}`, () => expect(mismatchMessage(got, want)).toBe(message));
  }
});

describe('unification', () => {
  const u = (...types: Type[]) => {
    const r = unify(types);
    return r ? typeString(r.type) : undefined;
  };
  it('prefers string among primitives', () => {
    expect(u(STRING, NUMBER)).toBe('string');
    expect(u(NUMBER, BOOL)).toBeUndefined();
    expect(u(NUMBER, NUMBER)).toBe('number');
  });
  it('unifies collections and structures', () => {
    expect(u(listOf(STRING), listOf(NUMBER))).toBe('list(string)');
    expect(u(tupleOf([STRING]), tupleOf([NUMBER, NUMBER]))).toBe('list(string)');
    expect(u(objectOf({ a: STRING }), objectOf({ a: NUMBER }))).toBe('object({a=string})');
    expect(u(objectOf({ a: STRING }), objectOf({ b: NUMBER }))).toBe('map(string)');
    expect(u(mapOf(STRING), objectOf({ b: NUMBER }))).toBe('map(string)');
    expect(u(listOf(STRING), tupleOf([STRING, STRING]))).toBe('list(string)');
    expect(u(objectOf({ a: STRING }), tupleOf([]))).toBeUndefined();
    expect(u(DYNAMIC, listOf(STRING))).toBe('any');
    expect(u(DYNAMIC, STRING)).toBe('string');
    expect(u(listOf(STRING), DYNAMIC, listOf(NUMBER))).toBe('any');
  });
});

describe('equality', () => {
  const eq = (a: Value, b: Value) => {
    const r = valuesEqual(a, b);
    return r.isKnown() ? r.asBool() : 'unknown';
  };
  it('compares numbers by value whatever their precision', () => {
    expect(eq(n('1'), Value.number(1))).toBe(true);
    expect(eq(n('0.1'), Value.number(0.1))).toBe(true);
    expect(eq(n('-0'), n('0'))).toBe(true);
  });
  it('treats nulls of any type as equal and unknowns as unknown', () => {
    expect(eq(Value.null(STRING), NULL_DYNAMIC)).toBe(true);
    expect(eq(Value.null(STRING), s('x'))).toBe(false);
    expect(eq(Value.unknown(STRING), s('x'))).toBe('unknown');
    expect(eq(Value.unknown(STRING), n(1))).toBe(false);
  });
  it('compares collections deeply and types strictly', () => {
    expect(eq(Value.tuple([s('a')]), Value.tuple([s('a')]))).toBe(true);
    expect(eq(Value.tuple([s('a')]), Value.list([s('a')]))).toBe(false);
    expect(eq(Value.object({ a: n(1) }), Value.object({ a: n(1) }))).toBe(true);
    expect(eq(Value.set([s('a'), s('b')]), Value.set([s('b'), s('a')]))).toBe(true);
  });
  it('carries marks', () => {
    expect(valuesEqual(s('a').mark(SENSITIVE), s('a')).hasMark(SENSITIVE)).toBe(true);
    expect(rawEquals(s('a').mark(SENSITIVE), s('a'))).toBe(false);
  });
});

describe('sets', () => {
  it('orders and deduplicates as cty does', () => {
    expect(
      Value.set([n(10), n(2), n(2), n(-1)])
        .elements()
        .map((e) => numberToString(e.asNumber())),
    ).toEqual(['-1', '2', '10']);
    expect(
      Value.set([Value.bool(true), Value.bool(false)])
        .elements()
        .map((e) => e.asBool()),
    ).toEqual([false, true]);
    expect(
      Value.set([s('é'), s('z'), s('a')])
        .elements()
        .map((e) => e.asString()),
    ).toEqual(['a', 'z', 'é']);
  });
  it('keeps unknown elements apart and moves element marks to the set', () => {
    const st = Value.set([Value.unknown(STRING), Value.unknown(STRING), s('a').mark(SENSITIVE)]);
    expect(st.elements()).toHaveLength(3);
    expect(st.length()).toBe(-1);
    expect(st.hasMark(SENSITIVE)).toBe(true);
    expect(st.elements()[0].isMarked()).toBe(false);
  });
});
