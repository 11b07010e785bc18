/**
 * The byte formats of the compress post-processor: tar headers as Go's archive/tar writes them for
 * Packer (GNU format, base name only, times zeroed, owner names looked up), parallel gzip (pigz-style:
 * independent deflate blocks primed with the previous 32 KiB, compressed on libuv's thread pool and
 * joined in order), and the LZ4 frame format over lz4js blocks.
 */
import { readFileSync } from 'node:fs';
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
// lz4js ships no types; its block API is declared in lz4js.d.ts beside this file.
import * as lz4 from 'lz4js';

/** Something bytes are written to in order; resolves when it may take more. */
export interface ByteSink {
  write(chunk: Buffer): Promise<void>;
  end(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------- tar

function idNames(file: string): Map<number, string> {
  const names = new Map<number, string>();
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && id !== undefined && !names.has(Number(id))) names.set(Number(id), name);
    }
  } catch {
    // no such database: names stay empty, as Go's lookup does when it fails
  }
  return names;
}

let users: Map<number, string> | undefined;
let groups: Map<number, string> | undefined;

function putString(block: Buffer, offset: number, size: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  bytes.copy(block, offset, 0, Math.min(bytes.length, size));
}

/** Go's formatOctal: zero-padded octal, NUL-terminated when it fits. */
function putOctal(block: Buffer, offset: number, size: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length < size) putString(block, offset, size, digits.padStart(size - 1, '0'));
  else {
    // base-256 for values too large for octal (files of 8 GiB and more)
    let v = BigInt(value);
    for (let i = size - 1; i >= 0; i--) {
      block[offset + i] = Number(v & 0xffn);
      v >>= 8n;
    }
    block[offset] |= 0x80;
  }
}

function header(name: string, stats: Stats, typeflag: string, size: number): Buffer {
  const block = Buffer.alloc(512);
  putString(block, 0, 100, name);
  putOctal(block, 100, 8, stats.mode & 0o7777);
  putOctal(block, 108, 8, stats.uid);
  putOctal(block, 116, 8, stats.gid);
  putOctal(block, 124, 12, size);
  putOctal(block, 136, 12, 0); // Packer zeroes the times
  block.fill(0x20, 148, 156);
  block[156] = typeflag.charCodeAt(0);
  putString(block, 257, 8, 'ustar  \0');
  users ??= idNames('/etc/passwd');
  groups ??= idNames('/etc/group');
  putString(block, 265, 32, users.get(stats.uid) ?? '');
  putString(block, 297, 32, groups.get(stats.gid) ?? '');
  putOctal(block, 329, 8, 0);
  putOctal(block, 337, 8, 0);
  let sum = 0;
  for (const b of block) sum += b;
  putString(block, 148, 6, sum.toString(8).padStart(6, '0'));
  block[154] = 0;
  block[155] = 0x20;
  return block;
}

/** The header block(s) of one regular file: a GNU long-name entry first when the name exceeds 100 bytes. */
export function tarFileHeader(name: string, stats: Stats): Buffer {
  const main = header(name, stats, '0', stats.size);
  if (Buffer.byteLength(name) <= 100) return main;
  const longName = Buffer.from(name + '\0', 'utf8');
  const long = header('././@LongLink', stats, 'L', longName.length);
  return Buffer.concat([long, longName, Buffer.alloc(tarPadding(longName.length)), main]);
}

export function tarPadding(size: number): number {
  return (512 - (size % 512)) % 512;
}

/** Go's tar.Writer.Close: two zero blocks. */
export const TAR_END = Buffer.alloc(1024);

// --------------------------------------------------------------------------------------------- gzip

/**
 * The zlib level for a compression_level. An explicit 1..9 is passed through (above 9 is 9, as in
 * Packer). Unset, 0 and -1 mean "the library default": Packer's pgzip default (klauspost flate level 6)
 * is a much faster algorithm than zlib's level 6. zlib's level 1 comes closest in speed, and its output
 * is within 1 % of pgzip's default size on the benchmark's mixed data (level 4: 0.3 % smaller than
 * pgzip, but half as fast), so level 1 is Kiln's default. See docs/engine.md for the figures.
 */
export const DEFAULT_GZIP_LEVEL = 1;
export function gzipLevel(level: number | undefined): number {
  if (level === undefined || level === 0 || level === -1) return DEFAULT_GZIP_LEVEL;
  return Math.min(level, 9);
}

const BLOCK_SIZE = 1024 * 1024;
const DICTIONARY_SIZE = 32 * 1024;

/** zlib's crc32_combine: the CRC of A+B from crc(A), crc(B) and B's length (GF(2) matrix powers). */
export function crc32Combine(crc1: number, crc2: number, len2: number): number {
  if (len2 <= 0) return crc1 >>> 0;
  const times = (mat: Uint32Array, vec: number) => {
    let sum = 0;
    for (let i = 0, v = vec >>> 0; v !== 0; i++, v >>>= 1) if (v & 1) sum ^= mat[i];
    return sum >>> 0;
  };
  const square = (out: Uint32Array, mat: Uint32Array) => {
    for (let n = 0; n < 32; n++) out[n] = times(mat, mat[n]);
  };
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = 0xedb88320;
  for (let n = 1, row = 1; n < 32; n++, row <<= 1) odd[n] = row;
  square(even, odd);
  square(odd, even);
  let c = crc1 >>> 0;
  let len = len2;
  for (;;) {
    square(even, odd);
    if (len % 2) c = times(even, c);
    len = Math.floor(len / 2);
    if (len === 0) break;
    square(odd, even);
    if (len % 2) c = times(odd, c);
    len = Math.floor(len / 2);
    if (len === 0) break;
  }
  return (c ^ crc2) >>> 0;
}

/**
 * Deflates blocks on worker threads (zlib is synchronous there), so the libuv pool stays free for the
 * file reads and writes that feed and drain it. The worker is plain JS evaluated from a string, so it
 * works unbundled and bundled alike.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');
const PROBE = 32 * 1024;
// Already-compressed data (a third of a typical disk image) makes zlib search in vain; Go's deflate
// gives up early on it. Probe both ends of the block at level 1: if neither shrinks, store the block.
function incompressible(input) {
  if (input.length < 4 * PROBE) return false;
  const head = zlib.deflateRawSync(input.subarray(0, PROBE), { level: 1 });
  if (head.length < PROBE * 0.98) return false;
  const tail = zlib.deflateRawSync(input.subarray(input.length - PROBE), { level: 1 });
  return tail.length >= PROBE * 0.98;
}
// Deflate stored blocks (RFC 1951 3.2.4): byte-aligned, so they join the sync-flushed pieces.
function stored(input, last) {
  const pieces = [];
  for (let at = 0; at < input.length || pieces.length === 0; at += 65535) {
    const piece = input.subarray(at, Math.min(input.length, at + 65535));
    const final = last && at + 65535 >= input.length;
    const head = Buffer.from([final ? 1 : 0, piece.length & 255, piece.length >> 8, ~piece.length & 255, (~piece.length >> 8) & 255]);
    pieces.push(head, piece);
  }
  return Buffer.concat(pieces);
}
// Runs of zeros (holes in disk images) deflate to the same bytes whenever the block before was zeros
// too: compress such a block once per size and level, and reuse it with its CRC.
const zeroBlocks = new Map();
function isZeros(buffer) {
  if (buffer.length === 0 || buffer[0] !== 0 || buffer[buffer.length - 1] !== 0) return false;
  return buffer.equals(Buffer.alloc(buffer.length));
}
parentPort.on('message', ({ id, block, dictionary, level, last }) => {
  try {
    const input = Buffer.from(block);
    const zeroRun = !last && dictionary && dictionary.length === PROBE && isZeros(input) && isZeros(Buffer.from(dictionary));
    if (zeroRun) {
      const key = input.length + ':' + level;
      let cached = zeroBlocks.get(key);
      if (!cached) {
        const out = zlib.deflateRawSync(input, { level, dictionary: Buffer.from(dictionary), finishFlush: zlib.constants.Z_SYNC_FLUSH });
        cached = { out, crc: zlib.crc32(input) };
        zeroBlocks.set(key, cached);
      }
      parentPort.postMessage({ id, out: Buffer.from(cached.out), crc: cached.crc });
      return;
    }
    let out;
    if (incompressible(input)) out = stored(input, last);
    else {
      const options = { level };
      if (dictionary) options.dictionary = Buffer.from(dictionary);
      if (!last) options.finishFlush = zlib.constants.Z_SYNC_FLUSH;
      out = zlib.deflateRawSync(input, options);
    }
    parentPort.postMessage({ id, out, crc: zlib.crc32(input) });
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.message) || err) });
  }
});`;

interface Deflated {
  out: Uint8Array;
  crc: number;
  length: number;
}

class DeflatePool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<
    number,
    { resolve(d: Deflated): void; reject(e: Error): void; length: number }
  >();
  private nextId = 0;
  private next = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.unref();
      worker.on('message', (m: { id: number; out?: Uint8Array; crc?: number; error?: string }) => {
        const job = this.waiting.get(m.id);
        if (!job) return;
        this.waiting.delete(m.id);
        if (m.error !== undefined) job.reject(new Error(m.error));
        else job.resolve({ out: m.out!, crc: m.crc!, length: job.length });
      });
      worker.on('error', (err) => {
        for (const job of this.waiting.values()) job.reject(err);
        this.waiting.clear();
      });
      this.workers.push(worker);
    }
  }

  /** Hands `block` (its ArrayBuffer is transferred) to the next worker. */
  deflate(block: Buffer, dictionary: Buffer | undefined, level: number, last: boolean): Promise<Deflated> {
    const id = this.nextId++;
    const worker = this.workers[this.next++ % this.workers.length];
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, length: block.length });
      const ab = block.buffer as ArrayBuffer;
      const owned = block.byteOffset === 0 && block.length === ab.byteLength;
      const payload = owned ? ab : block.buffer.slice(block.byteOffset, block.byteOffset + block.length);
      worker.postMessage({ id, block: payload, dictionary, level, last }, [payload as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * A gzip stream compressed on several threads. Each block is deflated independently (primed with the
 * 32 KiB before it, so the ratio stays close to single-threaded gzip) and ended with a sync flush, so
 * the pieces concatenate into one valid deflate stream; the last block finishes it. CRCs are computed
 * per block by the workers and combined here.
 */
export class ParallelGzip implements ByteSink {
  private block: Buffer = Buffer.allocUnsafeSlow(BLOCK_SIZE);
  private filled = 0;
  private previousTail: Buffer | undefined;
  private inFlight: Array<Promise<Deflated>> = [];
  private crc = 0;
  private size = 0;
  private headerWritten = false;
  private readonly concurrency: number;
  private readonly pool: DeflatePool;

  constructor(
    private readonly out: ByteSink,
    private readonly level = DEFAULT_GZIP_LEVEL,
    threads = availableParallelism(),
  ) {
    const n = Math.max(1, threads);
    this.pool = new DeflatePool(n);
    // A couple of blocks per thread in flight, so a thread never waits for the reader.
    this.concurrency = n * 2;
  }

  private async writeHeader(): Promise<void> {
    if (this.headerWritten) return;
    this.headerWritten = true;
    const xfl = this.level === 9 ? 2 : this.level === 1 ? 4 : 0;
    await this.out.write(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 0xff]));
  }

  private async submit(last: boolean): Promise<void> {
    const block = this.filled === this.block.length ? this.block : this.block.subarray(0, this.filled);
    const tail = Buffer.from(block.subarray(Math.max(0, block.length - DICTIONARY_SIZE)));
    const job = this.pool.deflate(block, this.previousTail, this.level, last);
    job.catch(() => undefined);
    this.inFlight.push(job);
    this.previousTail = tail;
    this.block = Buffer.allocUnsafeSlow(BLOCK_SIZE);
    this.filled = 0;
    while (this.inFlight.length >= this.concurrency) await this.drainOne();
  }

  private async drainOne(): Promise<void> {
    const next = this.inFlight.shift();
    if (!next) return;
    const done = await next;
    this.crc = this.size === 0 ? done.crc : crc32Combine(this.crc, done.crc, done.length);
    this.size += done.length;
    await this.out.write(Buffer.from(done.out.buffer, done.out.byteOffset, done.out.byteLength));
  }

  /**
   * Reads up to `max` bytes from `file` straight into the block being filled, saving the copy `write`
   * makes; 0 at the end of the file.
   */
  async readFrom(file: FileHandle, max: number): Promise<number> {
    await this.writeHeader();
    const { bytesRead } = await file.read(
      this.block,
      this.filled,
      Math.min(max, BLOCK_SIZE - this.filled),
      null,
    );
    this.filled += bytesRead;
    if (this.filled === BLOCK_SIZE) await this.submit(false);
    return bytesRead;
  }

  async write(chunk: Buffer): Promise<void> {
    await this.writeHeader();
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(chunk.length - offset, BLOCK_SIZE - this.filled);
      chunk.copy(this.block, this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
      if (this.filled === BLOCK_SIZE) await this.submit(false);
    }
  }

  async end(): Promise<void> {
    try {
      await this.writeHeader();
      await this.submit(true);
      while (this.inFlight.length) await this.drainOne();
    } finally {
      await this.pool.close();
    }
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.size % 2 ** 32, 4);
    await this.out.write(trailer);
    await this.out.end();
  }

  /** Stops the workers without finishing the stream (an error or a cancel). */
  async abort(): Promise<void> {
    await this.pool.close();
  }
}

// ---------------------------------------------------------------------------------------------- lz4

const LZ4_BLOCK = 4 * 1024 * 1024;

/** The LZ4 frame format (what `lz4 -d` reads): 4 MiB independent blocks, no checksums. */
export class Lz4Frame implements ByteSink {
  private pending: Buffer = Buffer.alloc(0);
  private started = false;
  private readonly hashTable = new Uint32Array(1 << 16);
  private readonly scratch = Buffer.alloc(lz4.compressBound(LZ4_BLOCK));

  constructor(private readonly out: ByteSink) {}

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    // magic, FLG (version 01, independent blocks), BD (4 MiB), header checksum (xxh32 >> 8)
    const descriptor = Buffer.from([0x60, 0x70]);
    const hc = (xxh32(descriptor) >>> 8) & 0xff;
    await this.out.write(Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x70, hc]));
  }

  private async block(data: Buffer): Promise<void> {
    this.hashTable.fill(0);
    const size = lz4.compressBlock(data, this.scratch, 0, data.length, this.hashTable);
    const head = Buffer.alloc(4);
    if (size > 0 && size < data.length) {
      head.writeUInt32LE(size, 0);
      await this.out.write(Buffer.concat([head, this.scratch.subarray(0, size)]));
    } else {
      head.writeUInt32LE((data.length | 0x80000000) >>> 0, 0);
      await this.out.write(Buffer.concat([head, data]));
    }
  }

  async write(chunk: Buffer): Promise<void> {
    await this.start();
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= LZ4_BLOCK) {
      await this.block(this.pending.subarray(0, LZ4_BLOCK));
      this.pending = this.pending.subarray(LZ4_BLOCK);
    }
  }

  async end(): Promise<void> {
    await this.start();
    if (this.pending.length) await this.block(this.pending);
    await this.out.write(Buffer.alloc(4)); // end mark
    await this.out.end();
  }
}

/** xxHash32 with seed 0 (for the LZ4 frame header checksum of a couple of bytes). */
export function xxh32(data: Uint8Array): number {
  const P1 = 0x9e3779b1;
  const P2 = 0x85ebca77;
  const P3 = 0xc2b2ae3d;
  const P4 = 0x27d4eb2f;
  const P5 = 0x165667b1;
  const rotl = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
  let i = 0;
  let h: number;
  const len = data.length;
  const read32 = (p: number) =>
    (data[p] | (data[p + 1] << 8) | (data[p + 2] << 16) | (data[p + 3] << 24)) >>> 0;
  if (len >= 16) {
    let v1 = (P1 + P2) >>> 0;
    let v2 = P2;
    let v3 = 0;
    let v4 = (0 - P1) >>> 0;
    const round = (v: number, input: number) =>
      Math.imul(rotl((v + Math.imul(input, P2)) >>> 0, 13), P1) >>> 0;
    for (; i + 16 <= len; i += 16) {
      v1 = round(v1, read32(i));
      v2 = round(v2, read32(i + 4));
      v3 = round(v3, read32(i + 8));
      v4 = round(v4, read32(i + 12));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else h = P5;
  h = (h + len) >>> 0;
  for (; i + 4 <= len; i += 4) h = Math.imul(rotl((h + Math.imul(read32(i), P3)) >>> 0, 17), P4) >>> 0;
  for (; i < len; i++) h = Math.imul(rotl((h + Math.imul(data[i], P5)) >>> 0, 11), P1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), P2) >>> 0;
  h = Math.imul(h ^ (h >>> 13), P3) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
