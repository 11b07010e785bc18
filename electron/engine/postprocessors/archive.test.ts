import { describe, expect, it } from 'vitest';
import { xxh32 } from './archive';

describe('archive formats', () => {
  it('hashes with xxHash32 (the LZ4 frame header checksum)', () => {
    // LZ4's own frame header for FLG 0x60, BD 0x70 carries 0x73 (as `lz4` writes it).
    expect((xxh32(Buffer.from([0x60, 0x70])) >>> 8) & 0xff).toBe(0x73);
    expect(xxh32(Buffer.from(''))).toBe(0x02cc5d05);
  });
});
