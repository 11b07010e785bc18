import { randomBytes } from 'node:crypto';
import { gunzipSync, crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ParallelGzip, crc32Combine, xxh32 } from './archive';

describe('archive formats', () => {
  it('combines CRC-32s as zlib does', () => {
    const a = randomBytes(100_000);
    const b = randomBytes(1_234_567);
    expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(crc32(Buffer.concat([a, b])));
    expect(crc32Combine(crc32(a), crc32(Buffer.alloc(0)), 0)).toBe(crc32(a));
  });

  it('hashes with xxHash32 (the LZ4 frame header checksum)', () => {
    // LZ4's own frame header for FLG 0x60, BD 0x70 carries 0x73 (as `lz4` writes it).
    expect((xxh32(Buffer.from([0x60, 0x70])) >>> 8) & 0xff).toBe(0x73);
    expect(xxh32(Buffer.from(''))).toBe(0x02cc5d05);
  });

  it('writes gzip that round-trips: empty, tiny, incompressible and compressible blocks', async () => {
    for (const data of [
      Buffer.alloc(0),
      Buffer.from('hello'),
      Buffer.concat([randomBytes(2_500_000), Buffer.alloc(1_100_000, 'ab'), randomBytes(10)]),
    ]) {
      const out: Buffer[] = [];
      const gz = new ParallelGzip(
        { write: async (b) => void out.push(Buffer.from(b)), end: async () => {} },
        6,
        2,
      );
      // Uneven writes, as a tar stream makes them.
      for (let at = 0; at < data.length; at += 777_777) await gz.write(data.subarray(at, at + 777_777));
      await gz.end();
      expect(gunzipSync(Buffer.concat(out)).equals(data)).toBe(true);
    }
  });
});
