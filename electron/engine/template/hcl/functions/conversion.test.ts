import { describe, expect, it } from 'vitest';
import { displayValue } from '../display';
import { evaluate } from '../eval';
import { parseHclExpression } from '../syntax';
import { STRING, typeString } from '../types';
import { Value } from '../values';
import { packerFunctions } from './index';
import { b, evalCall, list, n, numbers, problem, s, show, strings, value } from './test-support';

/** Evaluates expression text as `packer console` does; fails the test on diagnostics. */
function consoleShow(text: string): string {
  const parsed = parseHclExpression(text, '<console-input>');
  const r = evaluate(parsed.expr, { variables: {}, functions: packerFunctions() });
  const problems = [...parsed.diagnostics, ...r.diagnostics];
  if (problems.length > 0) throw new Error(problems.map((d) => d.detail).join(' | '));
  return displayValue(r.value);
}

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

describe("convert, with the examples of Packer's convert documentation", () => {
  // Outputs checked with packer 1.6.6's console, one expression at a time.
  it('converts between primitives and to collection types', () => {
    expect(show('convert', n(3), b.ref('string'))).toBe('3');
    expect(show('convert', s('3'), b.ref('number'))).toBe('3');
    expect(show('convert', s('false'), b.ref('bool'))).toBe('false');
    expect(show('convert', b.bool(false), b.ref('string'))).toBe('false');
    expect(show('convert', list(s('a'), s('b'), n(3)), b.call('list', b.ref('string')))).toBe(
      '[\n  "a",\n  "b",\n  "3",\n]',
    );
    expect(show('convert', strings('c', 'b', 'b'), b.call('set', b.ref('any')))).toBe('[\n  "b",\n  "c",\n]');
    expect(show('convert', b.obj(['a', s('foo')], ['b', b.bool(true)]), b.call('map', b.ref('string')))).toBe(
      '{\n  "a" = "foo"\n  "b" = "true"\n}',
    );
  });

  it('rejects the bare `list`, `set` and `map` the documentation shows, as Packer does', () => {
    for (const kind of ['list', 'set', 'map']) {
      expect(problem('convert', strings('a'), b.ref(kind))).toBe(
        `The ${kind} type constructor requires one argument specifying the element type.`,
      );
    }
  });
});

describe('Terraform-only conversion and set functions', () => {
  // packer 1.6.6 and Packer's function table up to 1.16 have none of these: "There is no function named".
  it('are unknown, as in Packer, with a note on what to write instead', () => {
    const tolist = problem('tolist', numbers(1));
    expect(tolist.split('\n')[0]).toBe('There is no function named "tolist".');
    expect(tolist).toContain('write convert(value, list(any))');
    expect(problem('tonumber', s('x'))).toContain('write convert(value, number)');
    expect(problem('setsubtract', numbers(1), numbers(2))).toContain('[for v in a : v if !contains(b, v)]');
    expect(problem('sensitive', n(1))).toContain('`sensitive = true` in its variable block');
    for (const name of ['toset', 'tomap', 'tostring', 'tobool', 'one', 'transpose', 'nonsensitive']) {
      expect(problem(name, n(1))).toContain(
        `"${name}" is a Terraform function; Packer templates do not have it`,
      );
    }
  });

  it('are written with convert, for expressions and the set functions Packer has', () => {
    // The replacements the notes suggest give what Terraform's functions would (Terraform's docs' examples).
    expect(show('convert', strings('a', 'b', 'c'), b.call('list', b.ref('any')))).toBe(
      '[\n  "a",\n  "b",\n  "c",\n]',
    );
    expect(show('convert', strings('c', 'b', 'b'), b.call('set', b.ref('any')))).toBe('[\n  "b",\n  "c",\n]');
    expect(problem('convert', s('hello'), b.ref('number'))).toBe(
      'Invalid value for "value" parameter: a number is required.',
    );
    // Terraform's transpose and setsubtract examples; outputs checked with packer 1.6.6's console.
    const m = '{"a" = ["1", "2"], "b" = ["2", "3"]}';
    expect(
      consoleShow(
        `{ for v in distinct(flatten(values(${m}))) : v => [for k, vs in ${m} : k if contains(vs, v)] }`,
      ),
    ).toBe('{\n  "1" = [\n    "a",\n  ]\n  "2" = [\n    "a",\n    "b",\n  ]\n  "3" = [\n    "b",\n  ]\n}');
    expect(consoleShow('[for v in ["a", "b", "c"] : v if !contains(["b"], v)]')).toBe('[\n  "a",\n  "c",\n]');
    expect(consoleShow('length([]) == 0 ? null : [][0]')).toBe('null');
    expect(show('setunion', strings('a', 'b'), strings('b', 'c'), strings('d'))).toBe(
      '[\n  "a",\n  "b",\n  "c",\n  "d",\n]',
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
