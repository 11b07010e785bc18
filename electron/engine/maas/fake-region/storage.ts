/**
 * The fake region's image store: files on disk, and the sha256 of each kept up to date as it is written.
 *
 * MAAS hashes the whole stored file when the last chunk lands (reference §3.2 step 8); the reference's
 * model of the fake (§8) keeps "the incremental hash state per file" instead. This store does that for
 * the bytes it writes — the bytes that reach the disk, so a `corrupt` fault's flipped byte is in the hash
 * — in 1 MiB slices between I/O events, so that a chunk's answer does not wait for its hashing, and reads
 * the file back only when it cannot vouch that its running hash covers exactly what is on disk (a write
 * that is neither at the end nor a rewrite of the last write, a truncation elsewhere than before the last
 * write, a file it did not create empty, a size on disk it did not expect).
 *
 * Writes go around the page cache (O_DIRECT) where they can. This project's VMs hand free memory back to
 * their host, and writing into page-cache pages the kernel has not used lately costs a fault in the host
 * each (into pages freed a moment before, a fifth as much): buffered writes of a 2 GiB image took 4.4
 * CPU-seconds and 12 s, direct ones 0.3 and 2 s. Direct I/O wants block-aligned memory, offsets and
 * lengths: chunks are copied into a page-aligned staging buffer, their 4 KiB-aligned part is written
 * direct and any tail through the page cache. Where the filesystem refuses O_DIRECT, or a chunk does not
 * start on a 4 KiB boundary, the write is an ordinary one.
 */
import { createHash, type Hash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import { pageAlignedBuffer } from '../aligned';

/** Offsets and lengths of direct writes are multiples of this (any block device's logical block divides it). */
const DIRECT_ALIGN = 4096;
/** Chunks larger than this are written through the page cache (MAAS's nginx stops bodies at 10 MiB). */
const STAGING_BYTES = 16 * 1024 * 1024;
/** Bytes hashed per turn of the event loop, so that sockets are served between slices. */
const HASH_SLICE = 1024 * 1024;

interface Tracked {
  /** Bytes in the file (once the write under way has landed). */
  size: number;
  /** sha256 of the file's first `size` bytes less `unhashed`, while the store can vouch for it. */
  hash?: Hash;
  /** Bytes written (or being written) but not yet fed to `hash`, in order. */
  unhashed: Buffer[];
  hashing: boolean;
  /** The file before the last write: a rollback truncates to it, a resent chunk rewrites from it. */
  undo?: { size: number; hash: Hash };
  /** The write (or rename) still on its way to disk. Never rejects: its failure is kept in `failed`. */
  writing?: Promise<void>;
  /** A write that failed: every later operation on the file reports it. */
  failed?: unknown;
}

const tracked = (size: number, hash?: Hash): Tracked => ({ size, hash, unhashed: [], hashing: false });

export interface ImageStoreOptions {
  /** Write around the page cache where the filesystem allows it. Default true on Linux. */
  directIo?: boolean;
}

/**
 * Writes return once the bytes are the store's (copied out of the request, as a page-cache write
 * returns once they are the kernel's); the write to disk and the hashing go on while the next request
 * arrives. One write per file is under way at a time: the next write, and anything that reads, renames,
 * truncates or removes the file, waits for it, and a failed write fails them.
 */
export class ImageStore {
  private readonly files = new Map<string, Tracked>();
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
    await this.flush();
    // Not by truncating: ext4 flushes a file truncated to zero on every later close (auto_da_alloc).
    await fs.rm(path, { force: true });
    const handle = await fs.open(path, 'wx');
    await handle.close();
    this.files.set(path, tracked(0, createHash('sha256')));
  }

  /** Creates the file if it is missing; what it already holds stays. */
  async ensure(path: string): Promise<void> {
    await this.files.get(path)?.writing;
    const handle = await fs.open(path, 'a');
    await handle.close();
    await this.track(path);
  }

  /** Writes the pieces one after the other from `offset`. */
  async writeAt(path: string, offset: number, data: Buffer | Buffer[]): Promise<void> {
    const file = await this.track(path);
    await settle(file);
    const pieces = Array.isArray(data) ? data : [data];
    let length = 0;
    for (const piece of pieces) length += piece.length;
    const staging =
      this.direct && offset % DIRECT_ALIGN === 0 && length >= DIRECT_ALIGN
        ? this.takeStaging(length)
        : undefined;
    let whole: Buffer;
    if (staging) {
      let at = 0;
      for (const piece of pieces) at += piece.copy(staging, at);
      whole = staging.subarray(0, length);
    } else {
      // One write of the joined chunk costs a fifth of a writev of the 64 KiB pieces a body arrives in.
      whole = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, length);
    }
    const writing = (
      staging ? this.writeDirect(path, offset, whole) : writeBuffered(path, offset, whole)
    ).then(
      () => undefined,
      (err: unknown) => {
        file.failed ??= err;
        forget(file);
      },
    );
    file.writing = writing.finally(() => {
      if (staging) this.idleStaging.push(staging);
    });
    this.hashWrite(file, offset, pieces, length);
  }

  /** Writes at the end of the file. */
  async append(path: string, data: Buffer | Buffer[]): Promise<void> {
    const file = await this.track(path);
    await this.writeAt(path, file.size, data);
  }

  async truncate(path: string, size: number): Promise<void> {
    const file = this.files.get(path);
    if (file) await settle(file);
    await fs.truncate(path, size);
    if (!file) return;
    catchUp(file);
    if (file.hash && size === file.size) return;
    if (file.undo && size === file.undo.size) {
      file.hash = file.undo.hash;
      file.undo = undefined;
    } else forget(file);
    file.size = size;
  }

  /**
   * Renames the file; like a write, the rename is the store's at once and reaches the disk in the
   * background (on a busy ext4 journal one rename took half a second, as long as the whole upload's
   * hashing).
   */
  async rename(from: string, to: string): Promise<void> {
    const file = await this.track(from);
    await settle(file);
    this.files.delete(from);
    this.files.set(to, file);
    file.writing = fs.rename(from, to).then(
      () => undefined,
      (err: unknown) => {
        file.failed ??= err;
        forget(file);
      },
    );
  }

  async remove(path: string | undefined): Promise<void> {
    if (!path) return;
    await this.flush();
    await fs.rm(path, { force: true });
    this.files.delete(path);
  }

  /** sha256 (hex) of the file's bytes: the running hash when it covers them, else the file read back. */
  async sha256(path: string): Promise<string> {
    const file = this.files.get(path);
    if (file) {
      await settle(file);
      catchUp(file);
    }
    const { size } = await fs.stat(path);
    if (file?.hash && file.size === size) return file.hash.copy().digest('hex');
    return sha256OfFile(path);
  }

  /** Waits for the writes and renames under way (before files are read from outside the store). */
  async flush(): Promise<void> {
    await Promise.all([...this.files.values()].map((file) => file.writing));
  }

  private async track(path: string): Promise<Tracked> {
    let file = this.files.get(path);
    if (!file) {
      // A file the store did not start: its bytes are unknown unless there are none.
      const { size } = await fs.stat(path);
      file = tracked(size, size === 0 ? createHash('sha256') : undefined);
      this.files.set(path, file);
    }
    return file;
  }

  private hashWrite(file: Tracked, offset: number, pieces: Buffer[], length: number): void {
    catchUp(file);
    const end = offset + length;
    if (file.hash && offset === file.size) {
      file.undo = { size: file.size, hash: file.hash.copy() };
    } else if (file.undo && offset === file.undo.size && end >= file.size) {
      file.hash = file.undo.hash.copy();
    } else {
      forget(file);
    }
    file.size = Math.max(file.size, end);
    if (!file.hash) return;
    // The pieces, not the staging buffer: the next write reuses that.
    file.unhashed.push(...pieces);
    if (file.hashing) return;
    file.hashing = true;
    const slice = () => {
      let budget = HASH_SLICE;
      while (budget > 0 && file.unhashed.length > 0) {
        const head = file.unhashed[0];
        if (head.length <= budget) {
          file.hash?.update(head);
          file.unhashed.shift();
          budget -= head.length;
        } else {
          file.hash?.update(head.subarray(0, budget));
          file.unhashed[0] = head.subarray(budget);
          budget = 0;
        }
      }
      if (file.unhashed.length > 0) setImmediate(slice);
      else file.hashing = false;
    };
    setImmediate(slice);
  }

  private takeStaging(length: number): Buffer | undefined {
    if (length > STAGING_BYTES) return undefined;
    return this.idleStaging.pop() ?? pageAlignedBuffer(STAGING_BYTES);
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

async function settle(file: Tracked): Promise<void> {
  await file.writing;
  if (file.failed !== undefined) throw file.failed;
}

/** Feeds the hash whatever the background slices have not reached yet. */
function catchUp(file: Tracked): void {
  for (const piece of file.unhashed) file.hash?.update(piece);
  file.unhashed = [];
}

function forget(file: Tracked): void {
  file.hash = undefined;
  file.undo = undefined;
  file.unhashed = [];
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
