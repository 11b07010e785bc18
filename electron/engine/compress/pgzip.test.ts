import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, gunzipSync, gzipSync } from 'node:zlib';
import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32Combine, crc32ExtendZeros } from './crc32';
import { GZIP_BLOCK_SIZE, ParallelGzip, type GzipOutput } from './pgzip';

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'kiln-pgzip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// libuv's pool starts its threads on the first asynchronous file call: start it before counting threads.
beforeAll(() => stat(dir));

/** An output that keeps the bytes, and whether it was ended or aborted. */
function memoryOutput(): GzipOutput & { bytes(): Buffer; ended: boolean; aborted: boolean } {
  const chunks: Buffer[] = [];
  return {
    ended: false,
    aborted: false,
    async write(chunk) {
      chunks.push(Buffer.from(chunk));
    },
    async end() {
      this.ended = true;
    },
    async abort() {
      this.aborted = true;
    },
    bytes: () => Buffer.concat(chunks),
  };
}

/** Text that deflates well but not trivially. */
function text(bytes: number): Buffer {
  const lines: string[] = [];
  for (let i = 0, n = 0; n < bytes; i++) {
    const line = `line ${i}: the quick brown fox ${(i * 7919) % 100_003} jumps over ${i % 13}\n`;
    lines.push(line);
    n += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

/** Threads of this process (Linux): workers that were not stopped show up here. */
function threadCount(): number {
  return readdirSync('/proc/self/task').length;
}

async function gzipOf(
  parts: Array<Buffer | { zeros: number } | { file: string; position: number; length: number }>,
  options: { level?: number; threads?: number } = {},
): Promise<Buffer> {
  const out = memoryOutput();
  const gzip = new ParallelGzip(out, options);
  const fds: number[] = [];
  try {
    for (const part of parts) {
      if (Buffer.isBuffer(part)) await gzip.write(part);
      else if ('zeros' in part) await gzip.writeZeros(part.zeros);
      else {
        const fd = openSync(part.file, 'r');
        fds.push(fd);
        await gzip.writeFile(fd, part.position, part.length, part.file);
      }
    }
    await gzip.end();
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  expect(out.ended).toBe(true);
  return out.bytes();
}

describe('CRC-32 combination', () => {
  it('combines and extends CRC-32s as zlib does', () => {
    const a = randomBytes(100_000);
    const b = randomBytes(1_234_567);
    expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(crc32(Buffer.concat([a, b])));
    expect(crc32Combine(crc32(a), crc32(Buffer.alloc(0)), 0)).toBe(crc32(a));
    expect(crc32Combine(0, crc32(b), b.length)).toBe(crc32(b));
    expect(crc32ExtendZeros(crc32(a), 3 * MiB + 7)).toBe(
      crc32(Buffer.concat([a, Buffer.alloc(3 * MiB + 7)])),
    );
  });
});

describe('parallel gzip', () => {
  it('round-trips empty, tiny, incompressible and compressible streams written unevenly', async () => {
    for (const data of [
      Buffer.alloc(0),
      Buffer.from('hello'),
      Buffer.concat([randomBytes(2_500_000), text(1_100_000), randomBytes(10)]),
    ]) {
      const parts: Buffer[] = [];
      for (let at = 0; at < data.length; at += 777_777) parts.push(data.subarray(at, at + 777_777));
      const gz = await gzipOf(parts, { level: 6, threads: 2 });
      expect(gunzipSync(gz).equals(data)).toBe(true);
    }
  });

  it('reads file ranges itself, mixed with written bytes and zero runs, and gzip -t accepts the result', async () => {
    const file = join(dir, 'mixed.bin');
    const content = Buffer.concat([randomBytes(3 * MiB + 5), Buffer.alloc(4 * MiB), text(3 * MiB)]);
    writeFileSync(file, content);
    const header = Buffer.from('a 512-byte header'.padEnd(512, '.'));
    const expected = Buffer.concat([
      header,
      content.subarray(1000, 1000 + 9 * MiB),
      Buffer.alloc(3 * MiB + 11),
      content.subarray(0, 10),
      text(100_000),
    ]);
    const gz = await gzipOf(
      [
        header,
        { file, position: 1000, length: 9 * MiB },
        { zeros: 3 * MiB + 11 },
        { file, position: 0, length: 10 },
        text(100_000),
      ],
      { level: 1, threads: 2 },
    );
    expect(gunzipSync(gz).equals(expected)).toBe(true);
    const gzipTool = spawnSync('gzip', ['-t'], { input: gz });
    if (gzipTool.error === undefined) expect(gzipTool.status).toBe(0);
  });

  it('is deterministic: the same bytes whatever the thread count and however zeros arrive', async () => {
    const file = join(dir, 'zeros-and-text.bin');
    const zeros = 6 * MiB + 100;
    writeFileSync(file, Buffer.concat([text(2 * MiB), Buffer.alloc(zeros), text(MiB)]));
    const fromFile = [{ file, position: 0, length: 3 * MiB + zeros }];
    const written = [text(2 * MiB), Buffer.alloc(zeros), text(MiB)];
    const viaZeros = [text(2 * MiB), { zeros }, text(MiB)];
    const one = await gzipOf(fromFile, { level: 1, threads: 1 });
    expect((await gzipOf(fromFile, { level: 1, threads: 3 })).equals(one)).toBe(true);
    expect((await gzipOf(written, { level: 1, threads: 2 })).equals(one)).toBe(true);
    expect((await gzipOf(viaZeros, { level: 1, threads: 2 })).equals(one)).toBe(true);
    expect(gunzipSync(one).length).toBe(3 * MiB + zeros);
  });

  it('compresses within 1 % of single-threaded zlib at the same level, and stores random data', async () => {
    const data = Buffer.concat([text(4 * MiB), randomBytes(2 * MiB), text(2 * MiB)]);
    for (const level of [1, 6, 9]) {
      const parallel = await gzipOf([data], { level, threads: 2 });
      const single = gzipSync(data, { level });
      expect(gunzipSync(parallel).equals(data)).toBe(true);
      expect(parallel.length / single.length).toBeLessThan(1.01);
    }
    const random = randomBytes(3 * MiB);
    const stored = await gzipOf([random], { level: 6 });
    // Stored blocks: 5 bytes per 64 KiB, plus the 10-byte header and 8-byte trailer.
    expect(stored.length).toBeLessThan(random.length + Math.ceil(random.length / 65535) * 5 + 18 + 64);
    expect(gunzipSync(stored).equals(random)).toBe(true);
  });

  it('writes the header as asked: XFL for the level, the OS byte', async () => {
    const out = memoryOutput();
    const gzip = new ParallelGzip(out, { level: 1, os: 255 });
    await gzip.write(Buffer.from('x'));
    await gzip.end();
    expect([...out.bytes().subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255]);
    expect(() => new ParallelGzip(out, { level: 10 })).toThrow(/gzip level must be 1\.\.9/);
  });

  it('fails with the file named when a file is shorter than the range asked for', async () => {
    const file = join(dir, 'short.bin');
    writeFileSync(file, text(GZIP_BLOCK_SIZE + 100));
    const out = memoryOutput();
    const gzip = new ParallelGzip(out, { level: 1, threads: 2 });
    const fd = openSync(file, 'r');
    try {
      await expect(
        (async () => {
          await gzip.writeFile(fd, 0, 3 * GZIP_BLOCK_SIZE, file);
          await gzip.end();
        })(),
      ).rejects.toThrow(`${file}: the file ended early`);
      await gzip.abort();
    } finally {
      closeSync(fd);
    }
    expect(out.ended).toBe(false);
    expect(out.aborted).toBe(true);
  });

  it('abort stops every worker and drops the output', async () => {
    const before = threadCount();
    const out = memoryOutput();
    const gzip = new ParallelGzip(out, { level: 6, threads: 2 });
    await gzip.write(text(5 * MiB));
    expect(threadCount()).toBeGreaterThan(before);
    await gzip.abort();
    expect(threadCount()).toBe(before);
    expect(out.aborted).toBe(true);
    expect(out.ended).toBe(false);
    await expect(gzip.write(Buffer.from('more'))).rejects.toThrow(/aborted/);
  });

  it('stops its workers when the stream ends', async () => {
    const before = threadCount();
    await gzipOf([text(3 * MiB)], { threads: 2 });
    expect(threadCount()).toBe(before);
  });
});
