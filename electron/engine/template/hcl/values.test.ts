/** Value construction: NFC strings and keys, key order of objects and maps, deep known/marked checks. */
import { describe, expect, it } from 'vitest';
import { NUMBER, STRING, compareStrings, objectOf, sortedKeys, typeEquals } from './types';
import { DYNAMIC_VALUE, SENSITIVE, Value } from './values';

const decomposed = 'e\u0301'; // "e" + COMBINING ACUTE ACCENT
const composed = '\u00e9';

describe('strings are kept in NFC', () => {
  it('normalizes text with combining marks and leaves other text as it is', () => {
    expect(Value.string(decomposed).asString()).toBe(composed);
    expect(Value.string(`caf${decomposed}`).asString()).toBe(`caf${composed}`);
    // Below U+0300 nothing changes under NFC; above it, only what NFC changes.
    const latin = 'plain ASCII, Latin-1 \u00ff and \u02ff';
    expect(Value.string(latin).asString()).toBe(latin);
    expect(Value.string('\u212b').asString()).toBe('\u00c5'); // ANGSTROM SIGN, a singleton
    expect(Value.string('\ud800 lone').asString()).toBe('\ud800 lone'.normalize('NFC'));
  });

  it('normalizes object and map keys', () => {
    expect([...Value.object({ [decomposed]: Value.string('x') }).entries()].map(([k]) => k)).toEqual([
      composed,
    ]);
    expect(
      Value.map({ [decomposed]: Value.string('x') })
        .get(composed)
        ?.asString(),
    ).toBe('x');
  });
});

describe('key order', () => {
  it('sorts object attributes by code point, in the value and in its type', () => {
    const v = Value.object([
      ['b', Value.string('2')],
      ['a', Value.number(1)],
      ['\u{1f600}', Value.TRUE],
      ['\uffff', Value.FALSE],
    ]);
    const keys = v.entries().map(([k]) => k);
    expect(keys).toEqual(['a', 'b', '\uffff', '\u{1f600}']);
    expect(
      typeEquals(
        v.type,
        objectOf([
          ['a', NUMBER],
          ['b', STRING],
          ['\uffff', v.get('\uffff')!.type],
          ['\u{1f600}', v.get('\u{1f600}')!.type],
        ]),
      ),
    ).toBe(true);
    expect(Value.object({}).type).toBe(Value.EMPTY_OBJECT.type);
  });

  it('sortedKeys returns a sorted copy, sorted or not, and keeps equal keys in order', () => {
    const sorted: [string, number][] = [
      ['a', 1],
      ['b', 2],
    ];
    const copy = sortedKeys(sorted);
    expect(copy).toEqual(sorted);
    expect(copy).not.toBe(sorted);
    const shuffled: [string, number][] = [
      ['c', 1],
      ['a', 2],
      ['b', 3],
      ['a', 4],
    ];
    expect(sortedKeys(shuffled)).toEqual([
      ['a', 2],
      ['a', 4],
      ['b', 3],
      ['c', 1],
    ]);
    expect(shuffled[0]).toEqual(['c', 1]);
    expect(compareStrings('\uffff', '\u{10000}')).toBeLessThan(0);
  });
});

describe('deep checks', () => {
  it('finds unknown and marked values at any depth', () => {
    const deep = (inner: Value) =>
      Value.object({ a: Value.tuple([Value.string('x'), Value.object({ b: inner })]) });
    expect(deep(Value.string('y')).isWhollyKnown()).toBe(true);
    expect(deep(DYNAMIC_VALUE).isWhollyKnown()).toBe(false);
    expect(deep(Value.string('y')).containsMarked()).toBe(false);
    expect(deep(Value.string('y').mark(SENSITIVE)).containsMarked()).toBe(true);
    const [plain, marks] = deep(Value.string('y').mark(SENSITIVE)).unmarkDeep();
    expect(plain.containsMarked()).toBe(false);
    expect([...marks]).toEqual([SENSITIVE]);
  });
});
