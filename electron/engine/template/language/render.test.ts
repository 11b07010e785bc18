import { describe, expect, it } from 'vitest';
import { hclKey, hclString, hclValue } from './render';

describe('hclValue', () => {
  it('escapes what HCL needs escaped and keeps interpolations', () => {
    expect(hclString('say "hi"\\ now\n')).toBe('"say \\"hi\\"\\\\ now\\n"');
    expect(hclString('${var.x}-$${literal}')).toBe('"${var.x}-$${literal}"');
    expect(hclString('\u0001')).toBe('"\\u0001"');
  });

  it('writes scalars, short lists on one line and long ones one item per line', () => {
    expect(hclValue(2)).toBe('2');
    expect(hclValue(true)).toBe('true');
    expect(hclValue(null)).toBe('null');
    expect(hclValue(['a', 'b'])).toBe('["a", "b"]');
    const long = Array.from({ length: 8 }, (_, i) => `item number ${i}`);
    expect(hclValue(long, '  ')).toBe(`[\n${long.map((s) => `    "${s}",`).join('\n')}\n  ]`);
  });

  it('writes objects with aligned keys, quoting keys that are not identifiers', () => {
    expect(hclValue({ a: '1' })).toBe('{ a = "1" }');
    expect(hclValue({ a: '1', '/user-data': 'x' }, '  ')).toBe(
      '{\n    a            = "1"\n    "/user-data" = "x"\n  }',
    );
    expect(hclKey('http_proxy')).toBe('http_proxy');
    expect(hclKey('a b')).toBe('"a b"');
  });

  it('refuses numbers HCL cannot write', () => {
    expect(() => hclValue(Number.NaN)).toThrow(/not a number/);
  });
});
