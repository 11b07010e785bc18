import { describe, expect, it } from 'vitest';
import { b, problem, s, show, value } from './test-support';

describe('regex and regexall (Terraform documentation examples)', () => {
  it('returns the match, the groups as a tuple, or named groups as an object', () => {
    expect(show('regex', s('[a-z]+'), s('53453453.345345aaabbbccc23454'))).toBe('aaabbbccc');
    expect(show('regex', s('(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)'), s('2019-02-01'))).toBe(
      '[\n  "2019",\n  "02",\n  "01",\n]',
    );
    expect(
      show(
        'regex',
        s('^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?'),
        s('https://terraform.io/docs/'),
      ),
    ).toBe('{\n  "authority" = "terraform.io"\n  "scheme" = "https"\n}');
    expect(show('regexall', s('[a-z]+'), s('1234abcd5678efgh9'))).toBe('[\n  "abcd",\n  "efgh",\n]');
    expect(show('length', b.call('regexall', s('[a-z]+'), s('1234abcd5678efgh9')))).toBe('2');
  });

  it('gives null for groups that did not take part', () => {
    const v = value('regex', s('(a)|(b)'), s('b'));
    expect(v.elements()[0].isNull()).toBe(true);
    expect(v.elements()[1].asString()).toBe('b');
  });

  it('skips empty matches right after a match, as Go does', () => {
    expect(show('regexall', s('a*'), s('baaa'))).toBe('[\n  "",\n  "aaa",\n]');
  });

  it('reports failures', () => {
    expect(problem('regex', s('[a-z]+'), s('123'))).toBe(
      'Call to function "regex" failed: pattern did not match any part of the given string.',
    );
    expect(problem('regex', s('(abc'), s('x'))).toBe(
      'Invalid value for "pattern" parameter: invalid regexp pattern: missing closing ) in (abc.',
    );
    expect(problem('regex', s('(a)(?P<n>b)'), s('ab'))).toBe(
      'Invalid value for "pattern" parameter: invalid regexp pattern: cannot mix both named and unnamed capture groups.',
    );
  });
});

// Expected texts were produced by Debian's packer 1.6.6 (`packer console`).
describe('regex_replace', () => {
  it('expands Go replacement templates', () => {
    expect(show('regex_replace', s('hello world'), s('o'), s('0'))).toBe('hell0 w0rld');
    expect(show('regex_replace', s('abc'), s('(b)'), s('[$1]'))).toBe('a[b]c');
    expect(show('regex_replace', s('abc'), s('(?P<x>b)'), s('${x}$x.'))).toBe('abb.c');
    expect(show('regex_replace', s('a1b2'), s('(?P<d>[0-9])'), s('<$d>'))).toBe('a<1>b<2>');
    expect(show('regex_replace', s('ab'), s('(a)'), s('$1x'))).toBe('b');
    expect(show('regex_replace', s('abc'), s('b'), s('$$'))).toBe('a$c');
    expect(show('regex_replace', s('2024-01-02T03:04:05Z'), s('[- TZ:]'), s(''))).toBe('20240102030405');
  });

  it('follows Go on empty matches, dots, anchors and flags', () => {
    expect(show('regex_replace', s('aaa'), s('a*'), s('X'))).toBe('X');
    expect(show('regex_replace', s('abab'), s('b*'), s('-'))).toBe('-a-a-');
    expect(show('regex_replace', s('a\nb'), s('.'), s('x'))).toBe('x\nx');
    expect(show('regex_replace', s('a\r\nb'), s('.'), s('x'))).toBe('xx\nx');
    expect(show('regex_replace', s('a\nb'), s('(?s).'), s('x'))).toBe('xxx');
    expect(show('regex_replace', s('Ab'), s('(?i)a'), s('x'))).toBe('xb');
    expect(show('regex_replace', s('AbA'), s('b(?i:a)'), s('x'))).toBe('Ax');
    expect(show('regex_replace', s('ab\ncd'), s('(?m)^'), s('>'))).toBe('>ab\n>cd');
    expect(show('regex_replace', s('ab\ncd'), s('$'), s('<'))).toBe('ab\ncd<');
    expect(show('regex_replace', s('a b\u00a0c'), s('\\s'), s('_'))).toBe('a_b\u00a0c');
    expect(show('regex_replace', s('aaa'), s('(?U)a+'), s('x'))).toBe('xxx');
    expect(show('regex_replace', s('a.b'), s('\\Q.\\E'), s('!'))).toBe('a!b');
    expect(show('regex_replace', s('abc'), s('(?P<1a>a)'), s('X'))).toBe('Xbc');
    expect(show('regex_replace', s('abc'), s('a{,3}'), s('X'))).toBe('abc');
    expect(show('regex_replace', s('12ab'), s('[[:alpha:]]+'), s('X'))).toBe('12X');
    expect(show('regex_replace', s('12éa'), s('\\pL+'), s('X'))).toBe('12X');
    expect(show('regex_replace', s('x-y'), s('[^[:^alpha:]]'), s('.'))).toBe('.-.');
  });

  it("reports Go's syntax errors", () => {
    const cases: [string, string][] = [
      ['(abc', 'missing closing ): `(abc`'],
      ['abc)', 'unexpected ): `abc)`'],
      ['a(?=b)', 'invalid or unsupported Perl syntax: `(?=`'],
      ['x{2,1}', 'invalid repeat count: `{2,1}`'],
      ['x{1001}', 'invalid repeat count: `{1001}`'],
      ['a**', 'invalid nested repetition operator: `**`'],
      ['\\1', 'invalid escape sequence: `\\1`'],
      ['\\y', 'invalid escape sequence: `\\y`'],
      ['[a-', 'missing closing ]: `[a-`'],
      ['[z-a]', 'invalid character class range: `z-a`'],
      ['*a', 'missing argument to repetition operator: `*`'],
      ['(?P<>a)', 'invalid named capture: `(?P<>`'],
      ['\\p{Foo}', 'invalid character class range: `\\p{Foo}`'],
      ['\\x{110000}', 'invalid escape sequence: `\\x{110000`'],
      ['(?z)', 'invalid or unsupported Perl syntax: `(?z`'],
      ['a\\', 'trailing backslash at end of expression: ``'],
    ];
    for (const [pattern, message] of cases) {
      expect(problem('regex_replace', s('abc'), s(pattern), s('X'))).toBe(
        `Call to function "regex_replace" failed: error parsing regexp: ${message}.`,
      );
    }
  });
});
