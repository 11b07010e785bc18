import { describe, expect, it } from 'vitest';
import { SourceText, formatRange } from './source';

describe('SourceText', () => {
  const text = new SourceText('a.pkr.hcl', 'ab\ncd\r\n\nxyz');
  it('maps offsets to 1-based lines and columns', () => {
    expect(text.pos(0)).toEqual({ line: 1, column: 1, offset: 0 });
    expect(text.pos(3)).toEqual({ line: 2, column: 1, offset: 3 });
    expect(text.pos(9)).toEqual({ line: 4, column: 2, offset: 9 });
    expect(text.pos(99)).toEqual({ line: 4, column: 4, offset: 11 });
  });
  it('returns lines without their breaks', () => {
    expect(text.line(2)).toBe('cd');
    expect(text.line(3)).toBe('');
    expect(text.lineCount).toBe(4);
  });
  it('formats ranges as Packer does', () => {
    expect(formatRange(text.range(3, 5))).toBe('a.pkr.hcl:2,1-3');
    expect(formatRange(text.range(0, 9))).toBe('a.pkr.hcl:1,1-4,2');
  });
});
