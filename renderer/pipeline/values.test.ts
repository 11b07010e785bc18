import { describe, expect, it } from 'vitest';
import { formatForInput, inputKind, parseInput } from './values';

describe('form values', () => {
  it('chooses an input for each schema type', () => {
    expect(inputKind({ kind: 'string' })).toBe('text');
    expect(inputKind({ kind: 'string' }, ['a', 'b'])).toBe('select');
    expect(inputKind({ kind: 'int' })).toBe('number');
    expect(inputKind({ kind: 'bool' })).toBe('bool');
    expect(inputKind({ kind: 'list', of: { kind: 'string' } })).toBe('lines');
    expect(inputKind({ kind: 'list', of: { kind: 'list', of: { kind: 'string' } } })).toBe('expression');
    expect(inputKind({ kind: 'map', of: { kind: 'string' } })).toBe('pairs');
    expect(inputKind(undefined)).toBe('expression');
  });

  it('round-trips lists and maps through their text', () => {
    expect(formatForInput('lines', ['a', 'b c'])).toBe('a\nb c');
    expect(parseInput('lines', 'a\nb c', undefined)).toEqual({ ok: true, value: ['a', 'b c'] });
    expect(formatForInput('pairs', { A: '1', B: 'x=y' })).toBe('A=1\nB=x=y');
    expect(parseInput('pairs', 'A=1\nB=x=y\n', undefined)).toEqual({ ok: true, value: { A: '1', B: 'x=y' } });
  });

  it('says what is wrong with a value that does not fit', () => {
    expect(parseInput('number', '2.5', { kind: 'int' })).toEqual({
      ok: false,
      error: 'Enter a whole number.',
    });
    expect(parseInput('number', 'x', { kind: 'float' })).toEqual({ ok: false, error: 'Enter a number.' });
    expect(parseInput('pairs', 'novalue', undefined)).toEqual({
      ok: false,
      error: 'Line 1: write key=value.',
    });
    expect(parseInput('number', '4096', { kind: 'int' })).toEqual({ ok: true, value: 4096 });
  });
});
