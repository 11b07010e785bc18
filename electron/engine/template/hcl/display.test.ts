import { describe, expect, it } from 'vitest';
import { UNKNOWN } from '../config';
import { BigFloat } from './bignum';
import { containsSensitive, displayValue, toConfigValue } from './display';
import { DYNAMIC, NUMBER, STRING } from './types';
import { NULL_DYNAMIC, SENSITIVE, Value } from './values';

const num = (s: string) => Value.number(BigFloat.parse(s)!);

describe('displayValue', () => {
  it('prints numbers as the shim passes them: ints exactly, others with %g', () => {
    expect(displayValue(num('42'))).toBe('42');
    expect(displayValue(num('-7'))).toBe('-7');
    expect(displayValue(num('9223372036854775807'))).toBe('9223372036854775807');
    expect(displayValue(num('9223372036854775808'))).toBe('9.223372036854776e+18');
    expect(displayValue(num('0.5'))).toBe('0.5');
    expect(displayValue(num('1e-5'))).toBe('1e-05');
    expect(displayValue(num('100000.5'))).toBe('100000.5');
    expect(displayValue(num('1000000.5'))).toBe('1.0000005e+06');
    expect(displayValue(num('Inf'))).toBe('+Inf');
  });

  it('prints strings raw at the top and quoted with Go escapes inside', () => {
    expect(displayValue(Value.string('a "b"\n'))).toBe('a "b"\n');
    expect(displayValue(Value.tuple([Value.string('a "b"\n\t\u0001é\u00a0')]))).toBe(
      '[\n  "a \\"b\\"\\n\\t\\x01é\\u00a0",\n]',
    );
  });

  it('sorts keys, drops null attributes, keeps null elements', () => {
    const v = Value.object({ b: Value.number(1), a: NULL_DYNAMIC, c: Value.tuple([NULL_DYNAMIC]) });
    expect(displayValue(v)).toBe('{\n  "b" = 1\n  "c" = [\n    null,\n  ]\n}');
    expect(displayValue(Value.object({ a: NULL_DYNAMIC }))).toBe('{}');
    expect(displayValue(NULL_DYNAMIC)).toBe('null');
  });

  it('prints <unknown> for anything partly unknown and <sensitive> for marked values', () => {
    expect(displayValue(Value.tuple([Value.string('a'), Value.unknown(STRING)]))).toBe('<unknown>');
    expect(displayValue(Value.string('pw').mark(SENSITIVE))).toBe('<sensitive>');
    expect(
      displayValue(Value.tuple([Value.string('pw').mark(SENSITIVE), Value.number(1).mark(SENSITIVE)])),
    ).toBe('[\n  "<sensitive>",\n  <sensitive>,\n]');
  });
});

describe('toConfigValue', () => {
  it('turns values into plain configuration', () => {
    const v = Value.object({
      name: Value.string('x'),
      size: num('10'),
      ratio: num('0.1'),
      on: Value.bool(true),
      none: Value.null(STRING),
      list: Value.list([Value.string('a')]),
      set: Value.set([Value.number(2), Value.number(1)]),
      tuple: Value.tuple([Value.number(1), Value.string('b')]),
      map: Value.map({ k: Value.string('v') }),
      later: Value.unknown(NUMBER),
      nested: Value.tuple([Value.unknown(DYNAMIC)]),
    });
    expect(toConfigValue(v)).toEqual({
      name: 'x',
      size: 10,
      ratio: 0.1,
      on: true,
      none: null,
      list: ['a'],
      set: [1, 2],
      tuple: [1, 'b'],
      map: { k: 'v' },
      later: UNKNOWN,
      nested: [UNKNOWN],
    });
    expect(toConfigValue(Value.unknown(DYNAMIC))).toBe(UNKNOWN);
  });

  it('keeps keys that look like object internals', () => {
    const v = toConfigValue(
      Value.object([
        ['__proto__', Value.string('x')],
        ['constructor', Value.string('y')],
      ]),
    );
    expect(Object.keys(v as object)).toEqual(['__proto__', 'constructor']);
  });

  it('tells whether a value holds something sensitive', () => {
    expect(containsSensitive(Value.tuple([Value.string('a'), Value.string('b').mark(SENSITIVE)]))).toBe(true);
    expect(containsSensitive(Value.string('a'))).toBe(false);
  });
});
