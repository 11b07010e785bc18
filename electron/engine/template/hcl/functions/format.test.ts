import { describe, expect, it } from 'vitest';
import { STRING } from '../types';
import { Value } from '../values';
import { b, evalCall, n, problem, s, show, strings } from './test-support';

// Expected texts were produced by Debian's packer 1.6.6 (`packer console`).
describe('format', () => {
  it('supports the Go verbs, flags, widths and precisions', () => {
    expect(
      show(
        'format',
        s('%5.2f|%-4d|%q|%v|%#v|%t|%x|%X|%o|%b|%e|%g|%+d|% d|%05d|%3s|%-3s|%.2s'),
        n('3.14159'),
        n(7),
        s('x"y'),
        strings('a'),
        s('s'),
        b.bool(true),
        n(255),
        n(255),
        n(8),
        n(5),
        n('1234.5678'),
        n('0.00001'),
        n(5),
        n(5),
        n(42),
        s('a'),
        s('b'),
        s('hello'),
      ),
    ).toBe(' 3.14|7   |"x\\"y"|["a"]|"s"|true|ff|FF|10|101|1.234568e+03|1e-05|+5| 5|00042|  a|b  |he');
  });

  it('matches packer 1.6.6 on the edge cases', () => {
    expect(show('format', s('%[2]s %[1]s'), s('a'), s('b'))).toBe('b a');
    expect(show('format', s('%v'), n(1234567))).toBe('1.234567e+06');
    expect(show('format', s('%v'), b.nul())).toBe('null');
    expect(show('format', s('%.3f'), n('2.0005'))).toBe('2.001');
    expect(show('format', s('%08.3f'), b.neg(n('3.5')))).toBe('-003.500');
    expect(show('format', s('%x'), b.neg(n(255)))).toBe('-ff');
    expect(show('format', s('%#x %#o %#b'), n(255), n(8), n(5))).toBe('0xff 010 0b101');
    expect(show('format', s('%.0d'), n(0))).toBe('');
    expect(show('format', s('%6.2e'), n('1234.5'))).toBe('1.23e+03');
    expect(show('format', s('%G'), n('1e-10'))).toBe('1E-10');
    expect(show('format', s('%q'), s('<&>'))).toBe('"\\u003c\\u0026\\u003e"');
    expect(show('format', s('100%% %s'), s('sure'))).toBe('100% sure');
    expect(show('format', s('%5s|%-5v|'), s('é'), n(1))).toBe('    é|1    |');
  });

  it("reports cty's errors", () => {
    expect(problem('format', s('%s'))).toBe(
      'Call to function "format" failed: not enough arguments for "%s" at 0: need index 1 but have 0 total.',
    );
    expect(problem('format', s('%d'), n('1.5'))).toBe(
      'Call to function "format" failed: unsupported value for "%d" at 0: an integer is required.',
    );
    expect(problem('format', s('x'), n(1))).toBe(
      'Invalid value for "args" parameter: too many arguments; no verbs in format string.',
    );
    expect(problem('format', s('%s'), s('a'), s('b'))).toBe(
      'Invalid value for "args" parameter: too many arguments; only 1 used by format string.',
    );
    expect(problem('format', s('%z'), n(1))).toBe(
      'Call to function "format" failed: unsupported format verb \'z\' in "%z" at offset 0.',
    );
    expect(problem('format', s('%5'))).toBe(
      'Call to function "format" failed: invalid format string starting at offset 2.',
    );
    expect(problem('format', s('%!'))).toBe(
      'Call to function "format" failed: unrecognized format character \'!\' at offset 1.',
    );
    expect(problem('format', s('%d'), s('x'))).toBe(
      'Call to function "format" failed: unsupported value for "%d" at 0: a number is required.',
    );
    expect(problem('format', s('%s'), b.nul())).toBe(
      'Call to function "format" failed: unsupported value for "%s" at 0: null value cannot be formatted.',
    );
  });

  it('is unknown when an argument is', () => {
    const r = evalCall('format', [s('%s'), b.ref('x')], { variables: { x: Value.unknown(STRING) } });
    expect(r.diagnostics).toEqual([]);
    expect(r.value.isKnown()).toBe(false);
  });
});

describe('formatlist', () => {
  it('iterates over list arguments and repeats the others', () => {
    expect(show('formatlist', s('%s=%s'), strings('a', 'b'), s('x'))).toBe('[\n  "a=x",\n  "b=x",\n]');
    expect(show('formatlist', s('%s'), b.tuple())).toBe('[]');
    expect(show('formatlist', s('x'))).toBe('[\n  "x",\n]');
  });

  it('requires consistent lengths', () => {
    expect(problem('formatlist', s('%s=%s'), strings('a', 'b'), strings('x'))).toBe(
      'Invalid value for "args" parameter: argument 2 has length 1, which is inconsistent with argument 1 of length 2.',
    );
    expect(problem('formatlist', s('%d'), strings('a'))).toBe(
      'Call to function "formatlist" failed: error on format iteration 0: unsupported value for "%d" at 0: a number is required.',
    );
  });
});
