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

  it('reuses the compressed form of zero runs, and the stream still round-trips', async () => {
    const input = Buffer.concat([
      randomBytes(3 << 20),
      Buffer.alloc(7 << 20),
      Buffer.from('hello world '.repeat(300_000)),
      Buffer.alloc((5 << 20) | 123),
      randomBytes(1000),
    ]);
    const out: Buffer[] = [];
    const gzip = new ParallelGzip(
      { write: async (c: Buffer) => void out.push(Buffer.from(c)), end: async () => {} },
      1,
      2,
    );
    for (let at = 0; at < input.length; at += 3_000_000)
      await gzip.write(Buffer.from(input.subarray(at, at + 3_000_000)));
    await gzip.end();
    expect(gunzipSync(Buffer.concat(out)).equals(input)).toBe(true);
  });
});
