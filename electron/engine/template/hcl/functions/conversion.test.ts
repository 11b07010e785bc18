import { describe, expect, it } from 'vitest';
import { STRING, typeString } from '../types';
import { Value } from '../values';
import { b, evalCall, list, n, numbers, problem, s, show, value } from './test-support';

// Unless noted, expected texts were produced by Debian's packer 1.6.6 (`packer console`).
describe('convert', () => {
  it('converts to a type constraint', () => {
    expect(show('convert', list(n(1), s('a')), b.call('list', b.ref('string')))).toBe('[\n  "1",\n  "a",\n]');
    expect(show('convert', b.obj(['a', n(1)]), b.call('map', b.ref('string')))).toBe('{\n  "a" = "1"\n}');
    expect(typeString(value('convert', numbers(1), b.call('set', b.ref('number'))).type)).toBe('set(number)');
    expect(show('convert', b.nul(), b.ref('string'))).toBe('null');
    expect(
      typeString(
        value('convert', b.obj(), b.call('object', b.obj(['a', b.call('optional', b.ref('string'))]))).type,
      ),
    ).toBe('object({a=string})');
  });

  it('explains failures', () => {
    expect(problem('convert', s('x'), b.ref('number'))).toBe(
      'Invalid value for "value" parameter: a number is required.',
    );
    expect(problem('convert', b.obj(), b.call('object', b.obj(['a', b.ref('string')])))).toBe(
      'Invalid value for "value" parameter: attribute "a" is required.',
    );
    expect(problem('convert', s('x'), b.ref('strin'))).toBe(
      'The keyword "strin" is not a valid type specification.',
    );
  });
});

describe('try and can', () => {
  it('returns the first expression that works', () => {
    expect(show('try', b.ref('nosuch'), s('fallback'))).toBe('fallback');
    expect(show('try', b.ref('nosuch'), b.index(b.tuple(), n(0)), n(3))).toBe('3');
    expect(show('can', b.ref('nosuch'))).toBe('false');
    expect(show('can', n(1))).toBe('true');
  });

  it('lists every failure when nothing works', () => {
    const [message] = evalCall('try', [b.ref('nosuch'), b.ref('nosuch2')]).diagnostics.map((d) => d.detail);
    expect(message).toBe(
      'Call to function "try" failed: no expression succeeded:\n' +
        '- Unknown variable (at <synthetic>:1,1-1)\n  There is no variable named "nosuch".\n' +
        '- Unknown variable (at <synthetic>:1,1-1)\n  There is no variable named "nosuch2".\n\n' +
        'At least one expression must produce a successful result.',
    );
    expect(problem('try')).toBe('Call to function "try" failed: at least one argument is required.');
  });

  it('is unknown while the answer depends on unknown values', () => {
    const variables = { x: Value.unknown(STRING) };
    expect(evalCall('try', [b.ref('x'), s('y')], { variables }).value.isKnown()).toBe(false);
    expect(evalCall('can', [b.ref('x')], { variables }).value.isKnown()).toBe(false);
  });
});

describe('number functions', () => {
  it('computes', () => {
    expect(show('min', n(3), s('1'))).toBe('1');
    expect(show('max', n('1.5'), n(2))).toBe('2');
    expect(show('abs', b.neg(n('1.5')))).toBe('1.5');
    expect(show('ceil', n('1.2'))).toBe('2');
    expect(show('floor', b.neg(n('1.2')))).toBe('-2');
    expect(show('floor', n(5))).toBe('5');
    expect(show('log', n(16), n(2))).toBe('4');
    expect(show('pow', n(3), n(2))).toBe('9');
    expect(show('pow', n(2), n('0.5'))).toBe('1.4142135623730951');
    expect(show('signum', b.neg(n(7)))).toBe('-1');
    expect(show('parseint', s('FF'), n(16))).toBe('255');
    expect(show('parseint', s('-10'), n(2))).toBe('-2');
    expect(show('parseint', s('zz'), n(36))).toBe('1295');
    expect(show('parseint', s('Zz'), n(62))).toBe('3817');
    expect(value('parseint', s('123456789012345678901234567890'), n(10)).asNumber().toFixedShortest()).toBe(
      '123456789012345678901234567890',
    );
  });

  it('reports errors', () => {
    expect(problem('max')).toBe('Call to function "max" failed: must pass at least one number.');
    expect(problem('parseint', s('12'), n(1))).toBe(
      'Invalid value for "base" parameter: base must be a whole number between 2 and 62 inclusive.',
    );
    expect(problem('parseint', n(12), n(10))).toBe(
      'Invalid value for "number" parameter: first argument must be a string, not number.',
    );
    expect(problem('parseint', s('1.5'), n(10))).toBe(
      'Invalid value for "number" parameter: cannot parse "1.5" as a base 10 integer.',
    );
    expect(problem('signum', n('0.5'))).toBe(
      'Call to function "signum" failed: value must be a whole number, between -9223372036854775808 and 9223372036854775807.',
    );
  });
});
