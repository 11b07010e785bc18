/**
 * The fake region's image store: files on disk, and the sha256 of each kept up to date as it is written.
 *
 * MAAS hashes the whole stored file when the last chunk lands (reference §3.2 step 8); the reference's
 * model of the fake (§8) keeps "the incremental hash state per file" instead. This store does that for
 * the bytes it writes — the bytes that reach the disk, so a `corrupt` fault's flipped byte is in the hash
 * — and reads the file back only when it cannot vouch that its running hash covers exactly what is on
 * disk (a write that is neither at the end nor a rewrite of the last write, a truncation elsewhere than
 * before the last write, a file it did not create empty, a size on disk it did not expect).
 *
 * Writes go around the page cache (O_DIRECT) where they can: on the VMs this project runs on, every new
 * page-cache page costs a fault in the host, and buffered writes of a 2 GiB image took 4.4 CPU-seconds
 * and 12 s against 0.3 and 2 s direct. Direct I/O wants block-aligned memory, offsets and lengths: chunks
 * are copied into a staging buffer backed by WebAssembly memory (which V8 maps page-aligned), their
 * 4 KiB-aligned part is written direct and any tail through the page cache. Where the filesystem refuses
 * O_DIRECT, or a chunk does not start on a 4 KiB boundary, the write is an ordinary one.
 */
import { createHash, type Hash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';

/** Offsets and lengths of direct writes are multiples of this (any block device's logical block divides it). */
const DIRECT_ALIGN = 4096;
/** Chunks larger than this are written through the page cache (MAAS's nginx stops bodies at 10 MiB). */
const STAGING_BYTES = 16 * 1024 * 1024;
const WASM_PAGE = 64 * 1024;

interface Tracked {
  /** Bytes in the file. */
  size: number;
  /** sha256 of all `size` bytes, while the store can vouch for it. */
  hash?: Hash;
  /** The file before the last write: a rollback truncates to it, a resent chunk rewrites from it. */
  undo?: { size: number; hash: Hash };
}

export interface ImageStoreOptions {
  /** Write around the page cache where the filesystem allows it. Default true on Linux. */
  directIo?: boolean;
}

export class ImageStore {
  private readonly tracked = new Map<string, Tracked>();
  private direct: boolean;
  private readonly idleStaging: Buffer[] = [];

  constructor(options: ImageStoreOptions = {}) {
    this.direct = (options.directIo ?? true) && typeof constants.O_DIRECT === 'number';
  }

  /** Whether writes still go around the page cache (false once the filesystem refused it). */
  get directIo(): boolean {
    return this.direct;
  }

  /** An empty file in place of whatever was there. */
  async startEmpty(path: string): Promise<void> {
    // Not by truncating: ext4 flushes a file truncated to zero on every later close (auto_da_alloc).
    await fs.rm(path, { force: true });
    const handle = await fs.open(path, 'wx');
    await handle.close();
    this.tracked.set(path, { size: 0, hash: createHash('sha256') });
  }

  /** Creates the file if it is missing; what it already holds stays. */
  async ensure(path: string): Promise<void> {
    const handle = await fs.open(path, 'a');
    await handle.close();
    await this.track(path);
  }

  /** Writes the pieces one after the other from `offset`. */
  async writeAt(path: string, offset: number, data: Buffer | Buffer[]): Promise<void> {
    const pieces = Array.isArray(data) ? data : [data];
    let length = 0;
    for (const piece of pieces) length += piece.length;
    const tracked = await this.track(path);
    const staging =
      this.direct && offset % DIRECT_ALIGN === 0 && length >= DIRECT_ALIGN
        ? this.takeStaging(length)
        : undefined;
    try {
      let whole: Buffer;
      if (staging) {
        let at = 0;
        for (const piece of pieces) at += piece.copy(staging, at);
        whole = staging.subarray(0, length);
      } else {
        // One write of the joined chunk costs a fifth of a writev of the 64 KiB pieces a body arrives in.
        whole = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, length);
      }
      const writing = staging ? this.writeDirect(path, offset, whole) : writeBuffered(path, offset, whole);
      // Hashed while the write runs on libuv's thread pool.
      this.hashWrite(tracked, offset, whole);
      try {
        await writing;
      } catch (err) {
        forget(tracked);
        throw err;
      }
    } finally {
      if (staging) this.idleStaging.push(staging);
    }
  }

  /** Writes at the end of the file. */
  async append(path: string, data: Buffer | Buffer[]): Promise<void> {
    const tracked = await this.track(path);
    await this.writeAt(path, tracked.size, data);
  }

  async truncate(path: string, size: number): Promise<void> {
    await fs.truncate(path, size);
    const tracked = this.tracked.get(path);
    if (!tracked) return;
    if (tracked.hash && size === tracked.size) return;
    if (tracked.undo && size === tracked.undo.size) {
      tracked.hash = tracked.undo.hash;
      tracked.undo = undefined;
    } else forget(tracked);
    tracked.size = size;
  }

  async rename(from: string, to: string): Promise<void> {
    await fs.rename(from, to);
    const tracked = this.tracked.get(from);
    this.tracked.delete(from);
    if (tracked) this.tracked.set(to, tracked);
    else this.tracked.delete(to);
  }

  async remove(path: string | undefined): Promise<void> {
    if (!path) return;
    await fs.rm(path, { force: true });
    this.tracked.delete(path);
  }

  /** sha256 (hex) of the file's bytes: the running hash when it covers them, else the file read back. */
  async sha256(path: string): Promise<string> {
    const tracked = this.tracked.get(path);
    const { size } = await fs.stat(path);
    if (tracked?.hash && tracked.size === size) return tracked.hash.copy().digest('hex');
    return sha256OfFile(path);
  }

  private async track(path: string): Promise<Tracked> {
    let tracked = this.tracked.get(path);
    if (!tracked) {
      // A file the store did not start: its bytes are unknown unless there are none.
      const { size } = await fs.stat(path);
      tracked = { size, hash: size === 0 ? createHash('sha256') : undefined };
      this.tracked.set(path, tracked);
    }
    return tracked;
  }

  private hashWrite(tracked: Tracked, offset: number, bytes: Buffer): void {
    const end = offset + bytes.length;
    if (tracked.hash && offset === tracked.size) {
      tracked.undo = { size: tracked.size, hash: tracked.hash.copy() };
      tracked.hash.update(bytes);
    } else if (tracked.undo && offset === tracked.undo.size && end >= tracked.size) {
      tracked.hash = tracked.undo.hash.copy().update(bytes);
    } else {
      forget(tracked);
    }
    tracked.size = Math.max(tracked.size, end);
  }

  private takeStaging(length: number): Buffer | undefined {
    if (length > STAGING_BYTES) return undefined;
    const idle = this.idleStaging.pop();
    if (idle) return idle;
    const memory = new WebAssembly.Memory({ initial: STAGING_BYTES / WASM_PAGE });
    return Buffer.from(memory.buffer, 0, STAGING_BYTES);
  }

  private async writeDirect(path: string, offset: number, bytes: Buffer): Promise<void> {
    const aligned = bytes.length - (bytes.length % DIRECT_ALIGN);
    let handle: FileHandle;
    try {
      handle = await fs.open(path, constants.O_WRONLY | constants.O_DIRECT);
    } catch (err) {
      if (!isEinval(err)) throw err;
      this.direct = false;
      return writeBuffered(path, offset, bytes);
    }
    let at = 0;
    try {
      // A short write that leaves a misaligned remainder: the rest goes through the page cache.
      while (at < aligned && at % DIRECT_ALIGN === 0) {
        const { bytesWritten } = await handle.write(bytes, at, aligned - at, offset + at);
        at += bytesWritten;
      }
    } catch (err) {
      if (!isEinval(err) || at > 0) throw err;
      this.direct = false;
    } finally {
      await handle.close();
    }
    if (at < bytes.length) await writeBuffered(path, offset + at, bytes.subarray(at));
  }
}

function forget(tracked: Tracked): void {
  tracked.hash = undefined;
  tracked.undo = undefined;
}

function isEinval(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EINVAL';
}

async function writeBuffered(path: string, offset: number, bytes: Buffer): Promise<void> {
  const handle = await fs.open(path, 'r+');
  try {
    for (let at = 0; at < bytes.length;) {
      const { bytesWritten } = await handle.write(bytes, at, bytes.length - at, offset + at);
      at += bytesWritten;
    }
  } finally {
    await handle.close();
  }
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}
