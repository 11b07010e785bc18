/**
 * Parallel gzip, pigz-style: the stream is cut into 1 MiB blocks, each deflated on libuv's thread pool
 * (primed with the previous 32 KiB as dictionary, so the ratio stays within a fraction of a percent of
 * single-threaded gzip) and ended with a sync flush so the pieces join into one deflate stream in one
 * gzip member. The CRC is kept on the main thread (zlib's crc32 runs at several GB/s).
 *
 * Zero runs (holes of a disk, a sparse tar member) skip both: a block of zeros that follows zeros always
 * deflates to the same bytes, computed once per level, and its CRC is extended arithmetically.
 */
import { availableParallelism } from 'node:os';
import { constants, crc32, deflateRaw, type ZlibOptions } from 'node:zlib';
import { crc32ExtendZeros } from './crc32';
import type { ByteSink } from './sink';

const BLOCK = 1024 * 1024;
const DICT = 32 * 1024;
const ZERO_BLOCK = Buffer.alloc(BLOCK);
const ZERO_DICT = Buffer.alloc(DICT);

function deflateAsync(data: Buffer, options: ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    deflateRaw(data, options, (err, out) => (err ? reject(err) : resolve(out))),
  );
}

const zeroBlockCache = new Map<number, Promise<Buffer>>();
function compressedZeroBlock(level: number): Promise<Buffer> {
  let cached = zeroBlockCache.get(level);
  if (!cached) {
    cached = deflateAsync(ZERO_BLOCK, { level, dictionary: ZERO_DICT, finishFlush: constants.Z_SYNC_FLUSH });
    zeroBlockCache.set(level, cached);
  }
  return cached;
}

/** How many blocks to keep in flight: one per thread of libuv's pool we may use, plus one queued. */
export function defaultGzipThreads(): number {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(availableParallelism(), pool));
}

export interface ParallelGzipOptions {
  /** 1 (fastest) .. 9 (smallest); default 6 (gzip's default). */
  level?: number;
  threads?: number;
}

export class ParallelGzip implements ByteSink {
  private chunks: Buffer[] = [];
  private pendingBytes = 0;
  private previousTail: Buffer | undefined;
  private tailIsZero = false;
  private crc = 0;
  private size = 0;
  private readonly inFlight: Promise<Buffer>[] = [];
  private started = false;
  private readonly level: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly out: ByteSink,
    options: ParallelGzipOptions = {},
  ) {
    this.level = options.level ?? 6;
    if (!Number.isInteger(this.level) || this.level < 1 || this.level > 9)
      throw new RangeError(`gzip level must be 1..9, not ${options.level}`);
    this.maxInFlight = (options.threads ?? defaultGzipThreads()) + 1;
  }

  private async header(): Promise<void> {
    if (this.started) return;
    this.started = true;
    // magic, deflate, no flags, no mtime (reproducible), XFL (2 = best, 4 = fastest), OS = Unix
    const xfl = this.level === 9 ? 2 : this.level === 1 ? 4 : 0;
    await this.out.write(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3]));
  }

  private async push(job: Promise<Buffer>): Promise<void> {
    job.catch(() => undefined); // observed when drained; avoid an unhandled rejection meanwhile
    this.inFlight.push(job);
    while (this.inFlight.length >= this.maxInFlight) await this.drainOne();
  }

  private async drainOne(): Promise<void> {
    const next = this.inFlight.shift();
    if (next) await this.out.write(await next);
  }

  private async submit(block: Buffer, last: boolean): Promise<void> {
    await this.header();
    const options: ZlibOptions = { level: this.level };
    if (this.previousTail) options.dictionary = this.previousTail;
    if (!last) options.finishFlush = constants.Z_SYNC_FLUSH;
    this.crc = crc32(block, this.crc) >>> 0;
    this.size += block.length;
    const tail = block.subarray(Math.max(0, block.length - DICT));
    if (block.length) {
      this.previousTail = Buffer.from(tail);
      this.tailIsZero = tail.length === DICT && tail.equals(ZERO_DICT);
    }
    await this.push(deflateAsync(block, options));
  }

  private async submitZeroBlock(): Promise<void> {
    if (!this.tailIsZero) {
      await this.submit(ZERO_BLOCK, false);
      return;
    }
    await this.header();
    this.crc = crc32ExtendZeros(this.crc, BLOCK);
    this.size += BLOCK;
    await this.push(compressedZeroBlock(this.level));
  }

  private takeBlock(): Buffer {
    const block = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.pendingBytes);
    this.chunks = [];
    this.pendingBytes = 0;
    return block;
  }

  async write(chunk: Buffer): Promise<void> {
    let rest = chunk;
    while (rest.length) {
      const room = BLOCK - this.pendingBytes;
      const piece = rest.length > room ? rest.subarray(0, room) : rest;
      rest = rest.length > room ? rest.subarray(room) : Buffer.alloc(0);
      this.chunks.push(piece);
      this.pendingBytes += piece.length;
      if (this.pendingBytes === BLOCK) await this.submit(this.takeBlock(), false);
    }
  }

  async writeZeros(n: number): Promise<void> {
    while (n > 0) {
      if (this.pendingBytes === 0 && n >= BLOCK) {
        await this.submitZeroBlock();
        n -= BLOCK;
        continue;
      }
      const k = Math.min(n, BLOCK - this.pendingBytes);
      await this.write(ZERO_BLOCK.subarray(0, k));
      n -= k;
    }
  }

  async end(): Promise<void> {
    await this.submit(this.takeBlock(), true);
    while (this.inFlight.length) await this.drainOne();
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.size % 2 ** 32, 4);
    await this.out.write(trailer);
    await this.out.end();
  }

  async abort(): Promise<void> {
    await Promise.allSettled(this.inFlight.splice(0));
    await this.out.abort();
  }
}
