import { describe, expect, it } from 'vitest';
import {
  formatGoDuration,
  formatGoDurationNs,
  formatGoFloatPlain,
  formatGoFloatV,
  formatGoValue,
  goQuote,
  levenshtein,
  nameSuggestion,
  parseGoBool,
  parseGoDuration,
  parseGoDurationNs,
  parseGoFloat,
  parseGoInt,
} from './go';

describe('time.ParseDuration', () => {
  it.each([
    ['0', 0n],
    ['5s', 5_000_000_000n],
    ['30s', 30_000_000_000n],
    ['1478s', 1478_000_000_000n],
    ['-5s', -5_000_000_000n],
    ['+5s', 5_000_000_000n],
    ['-0', 0n],
    ['1.5h', 5400_000_000_000n],
    ['1h30m', 5400_000_000_000n],
    ['.5m', 30_000_000_000n],
    ['1.s', 1_000_000_000n],
    ['300ms', 300_000_000n],
    ['10us', 10_000n],
    ['10µs', 10_000n],
    ['10μs', 10_000n],
    ['100ns', 100n],
    ['1m30s', 90_000_000_000n],
    ['2562047h47m16.854775807s', 9223372036854775807n],
    ['-2562047h47m16.854775808s', -9223372036854775808n],
  ])('parses %s', (text, ns) => {
    expect(parseGoDurationNs(text)).toEqual({ ok: true, value: ns });
  });

  it.each([
    ['', 'time: invalid duration ""'],
    ['xx', 'time: invalid duration "xx"'],
    ['3', 'time: missing unit in duration "3"'],
    ['-', 'time: invalid duration "-"'],
    ['s', 'time: invalid duration "s"'],
    ['.', 'time: invalid duration "."'],
    ['-.', 'time: invalid duration "-."'],
    ['.s', 'time: invalid duration ".s"'],
    ['+.s', 'time: invalid duration "+.s"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['1m-30s', 'time: unknown unit "m-" in duration "1m-30s"'],
    ['9223372036854775810ns', 'time: invalid duration "9223372036854775810ns"'],
    ['2562047h47m16.854775808s', 'time: invalid duration "2562047h47m16.854775808s"'],
    ['3µ', 'time: unknown unit "\\xc2\\xb5" in duration "3\\xc2\\xb5"'],
  ])('rejects %j with Go’s message', (text, message) => {
    expect(parseGoDurationNs(text)).toEqual({ ok: false, error: message });
  });

  it('gives milliseconds', () => {
    expect(parseGoDuration('1m30s')).toEqual({ ok: true, value: 90_000 });
    expect(parseGoDuration('1ns')).toEqual({ ok: true, value: 1e-6 });
  });
});

describe('time.Duration.String', () => {
  it.each([
    [0n, '0s'],
    [1n, '1ns'],
    [1100n, '1.1µs'],
    [2_200_000n, '2.2ms'],
    [3_300_000_000n, '3.3s'],
    [4n * 60_000_000_000n + 5_000_000_000n, '4m5s'],
    [4n * 60_000_000_000n + 5_001_000_000n, '4m5.001s'],
    [5n * 3_600_000_000_000n + 6n * 60_000_000_000n + 7_001_000_000n, '5h6m7.001s'],
    [8n * 60_000_000_000n + 1n, '8m0.000000001s'],
    [3_600_000_000_000n, '1h0m0s'],
    [-1_000_000_000n, '-1s'],
    [9223372036854775807n, '2562047h47m16.854775807s'],
    [-9223372036854775808n, '-2562047h47m16.854775808s'],
  ])('prints %s ns as %s', (ns, text) => {
    expect(formatGoDurationNs(ns)).toBe(text);
  });

  it('formats milliseconds', () => {
    expect(formatGoDuration(300_000)).toBe('5m0s');
    expect(formatGoDuration(10_000)).toBe('10s');
    expect(formatGoDuration(-1000)).toBe('-1s');
  });
});

describe('strconv', () => {
  it('ParseInt with base 0', () => {
    expect(parseGoInt('2048')).toEqual({ ok: true, value: 2048 });
    expect(parseGoInt('-12')).toEqual({ ok: true, value: -12 });
    expect(parseGoInt('0x10')).toEqual({ ok: true, value: 16 });
    expect(parseGoInt('010')).toEqual({ ok: true, value: 8 });
    expect(parseGoInt('0o17')).toEqual({ ok: true, value: 15 });
    expect(parseGoInt('0b101')).toEqual({ ok: true, value: 5 });
    expect(parseGoInt('1_000')).toEqual({ ok: true, value: 1000 });
    expect(parseGoInt('0')).toEqual({ ok: true, value: 0 });
    expect(parseGoInt('abc')).toEqual({
      ok: false,
      error: 'strconv.ParseInt: parsing "abc": invalid syntax',
    });
    expect(parseGoInt('2048M')).toEqual({
      ok: false,
      error: 'strconv.ParseInt: parsing "2048M": invalid syntax',
    });
    expect(parseGoInt('09')).toEqual({ ok: false, error: 'strconv.ParseInt: parsing "09": invalid syntax' });
    expect(parseGoInt('1__0')).toEqual({
      ok: false,
      error: 'strconv.ParseInt: parsing "1__0": invalid syntax',
    });
    expect(parseGoInt('1.5')).toEqual({
      ok: false,
      error: 'strconv.ParseInt: parsing "1.5": invalid syntax',
    });
    expect(parseGoInt('99999999999999999999')).toEqual({
      ok: false,
      error: 'strconv.ParseInt: parsing "99999999999999999999": value out of range',
    });
  });

  it('ParseBool', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True'])
      expect(parseGoBool(t)).toEqual({ ok: true, value: true });
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False'])
      expect(parseGoBool(f)).toEqual({ ok: true, value: false });
    expect(parseGoBool('yes')).toEqual({
      ok: false,
      error: 'strconv.ParseBool: parsing "yes": invalid syntax',
    });
    expect(parseGoBool('tRUE')).toEqual({
      ok: false,
      error: 'strconv.ParseBool: parsing "tRUE": invalid syntax',
    });
  });

  it('ParseFloat', () => {
    expect(parseGoFloat('1.5')).toEqual({ ok: true, value: 1.5 });
    expect(parseGoFloat('1e3')).toEqual({ ok: true, value: 1000 });
    expect(parseGoFloat('0x1p-2')).toEqual({ ok: true, value: 0.25 });
    expect(parseGoFloat('x')).toEqual({
      ok: false,
      error: 'strconv.ParseFloat: parsing "x": invalid syntax',
    });
  });

  it('formats floats as Go does', () => {
    expect(formatGoFloatPlain(2048)).toBe('2048');
    expect(formatGoFloatPlain(1.5)).toBe('1.5');
    expect(formatGoFloatPlain(1e21)).toBe('1000000000000000000000');
    expect(formatGoFloatPlain(1e-7)).toBe('0.0000001');
    expect(formatGoFloatPlain(-0.25)).toBe('-0.25');
    expect(formatGoFloatV(2048)).toBe('2048');
    expect(formatGoFloatV(1e21)).toBe('1e+21');
    expect(formatGoFloatV(0.00001)).toBe('1e-05');
    expect(formatGoFloatV(123456789)).toBe('123456789');
  });

  it('quotes like strconv.Quote', () => {
    expect(goQuote('a"b\\c\n')).toBe('"a\\"b\\\\c\\n"');
    expect(goQuote('bogus')).toBe('"bogus"');
  });

  it('prints decoded JSON like %v', () => {
    expect(formatGoValue(['a', 1, true])).toBe('[a 1 true]');
    expect(formatGoValue({ b: 1, a: 'x' })).toBe('map[a:x b:1]');
    expect(formatGoValue(null)).toBe('<nil>');
  });
});

describe('suggestions', () => {
  it('measures edit distance in code points', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('µs', 'us')).toBe(1);
  });
  it('suggests the first name within distance 2', () => {
    expect(nameSuggestion('cpu', ['cores', 'cpus'])).toBe('cpus');
    expect(nameSuggestion('memroy', ['memory'])).toBe('memory');
    expect(nameSuggestion('disk', ['memory'])).toBeUndefined();
  });
});
