import { describe, expect, it } from 'vitest';
import { b, n, problem, s, show, strings } from './test-support';

describe('case and trimming', () => {
  it('maps case per character as Go does', () => {
    expect(show('upper', s('hello ß é'))).toBe('HELLO ß É');
    expect(show('lower', s('HeLLo İ'))).toBe('hello i');
    expect(show('title', s('hello world-wide web_site'))).toBe('Hello World-Wide Web_site');
  });

  it('trims', () => {
    expect(show('trimspace', s('\t hi \n\u00a0'))).toBe('hi');
    expect(show('trim', s('?!hello?!'), s('!?'))).toBe('hello');
    expect(show('trimprefix', s('helloworld'), s('hello'))).toBe('world');
    expect(show('trimprefix', s('helloworld'), s('world'))).toBe('helloworld');
    expect(show('trimsuffix', s('helloworld'), s('world'))).toBe('hello');
    expect(show('chomp', s('hello\r\n\n'))).toBe('hello');
    expect(show('chomp', s('hello\n\nx'))).toBe('hello\n\nx');
  });
});

describe('splitting and joining', () => {
  it('splits and joins', () => {
    expect(show('split', s(','), s('a,b,,c'))).toBe('[\n  "a",\n  "b",\n  "",\n  "c",\n]');
    expect(show('split', s(','), s(''))).toBe('[\n  "",\n]');
    expect(show('join', s('-'), strings('a', 'b'), strings('c'))).toBe('a-b-c');
    expect(show('join', s('-'), b.tuple())).toBe('');
  });

  it('refuses nulls and missing lists', () => {
    expect(problem('join', s('-'), b.tuple(s('a'), b.nul()))).toBe(
      'Invalid value for "lists" parameter: element 1 is null; cannot concatenate null values.',
    );
    expect(problem('join', s('-'))).toBe('Call to function "join" failed: at least one list is required.');
  });

  it('replaces plain substrings', () => {
    expect(show('replace', s('1 + 2 + 3'), s('+'), s('-'))).toBe('1 - 2 - 3');
    expect(show('replace', s('abc'), s(''), s('.'))).toBe('.a.b.c.');
  });
});

describe('grapheme-aware functions', () => {
  it('reverses and slices by user-perceived characters', () => {
    expect(show('strrev', s('hello'))).toBe('olleh');
    expect(show('strrev', s('e\u0301a'))).toBe('ae\u0301'.normalize('NFC'));
    expect(show('substr', s('hello world'), n(1), n(4))).toBe('ello');
    expect(show('substr', s('hello world'), n(-5), n(3))).toBe('wor');
    expect(show('substr', s('hello'), n(2), n(-1))).toBe('llo');
    expect(show('substr', s('hello'), n(10), n(2))).toBe('');
    expect(show('substr', s('🤔🤷'), n(1), n(1))).toBe('🤷');
    expect(show('length', s('🤔🤷 e\u0301'))).toBe('4');
  });

  it('requires whole numbers', () => {
    expect(problem('substr', s('hello'), n('1.5'), n(1))).toBe(
      'Call to function "substr" failed: value must be a whole number, between -9223372036854775808 and 9223372036854775807.',
    );
  });
});

describe('other string functions', () => {
  it('indents continuation lines', () => {
    expect(show('indent', n(2), s('a\nb\n'))).toBe('a\n  b\n  ');
  });

  it('tests prefixes, suffixes and contents', () => {
    expect(show('startswith', s('hello'), s('he'))).toBe('true');
    expect(show('endswith', s('hello'), s('he'))).toBe('false');
    expect(show('strcontains', s('hello'), s('ll'))).toBe('true');
  });
});
