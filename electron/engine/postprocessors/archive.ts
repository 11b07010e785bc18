/**
 * The byte formats of the compress post-processor: tar headers as Go's archive/tar writes them for
 * Packer (GNU format, base name only, times zeroed, owner names looked up), the gzip level for a
 * compression_level (the parallel gzip itself is compress/pgzip.ts), and the LZ4 frame format over
 * lz4js blocks.
 */
import { readFileSync } from 'node:fs';
import type { Stats } from 'node:fs';
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
