/** Where artifact bytes go: a chain of sinks ending in a file (hashed as it is written). */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, ftruncateSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export interface ByteSink {
  /** Takes ownership of `chunk` (callers never reuse it). */
  write(chunk: Buffer): Promise<void>;
  /** `n` zero bytes; sinks that can, make them cheap (sparse files, precompressed zero blocks). */
  writeZeros(n: number): Promise<void>;
  end(): Promise<void>;
  /** Stops early (cancel or failure): releases processes and files without finishing the output. */
  abort(): Promise<void>;
}

const ZEROS = Buffer.alloc(1024 * 1024);

/** Writes `n` zeros as shared zero chunks (for sinks with nothing cheaper). */
export async function writeZeroChunks(sink: Pick<ByteSink, 'write'>, n: number): Promise<void> {
  while (n > 0) {
    const k = Math.min(n, ZEROS.length);
    await sink.write(ZEROS.subarray(0, k));
    n -= k;
  }
}

export interface FileSinkResult {
  path: string;
  size: number;
  sha256: string;
}

/**
 * A file written through `<path>.part` and renamed into place by `end()`, so a cancelled or failed run
 * never leaves a half-written artifact under the real name. Writes are synchronous: output is already
 * compressed and small next to the input, and it keeps libuv's pool for the compressors. With `sparse`,
 * zero runs become holes (`ddraw`), and are hashed all the same.
 */
export class FileSink implements ByteSink {
  private fd: number | undefined;
  private position = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly partPath: string;
  result: FileSinkResult | undefined;

  constructor(
    readonly path: string,
    private readonly options: { sparse?: boolean } = {},
  ) {
    this.partPath = `${path}.part`;
    this.fd = openSync(this.partPath, 'w', 0o644);
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.fd === undefined) throw new Error(`${this.path}: write after close`);
    this.hash.update(chunk);
    let done = 0;
    while (done < chunk.length)
      done += writeSync(this.fd, chunk, done, chunk.length - done, this.position + done);
    this.position += chunk.length;
  }

  async writeZeros(n: number): Promise<void> {
    if (!this.options.sparse) return writeZeroChunks(this, n);
    let left = n;
    while (left > 0) {
      const k = Math.min(left, ZEROS.length);
      this.hash.update(ZEROS.subarray(0, k));
      left -= k;
    }
    this.position += n;
  }

  async end(): Promise<void> {
    if (this.fd === undefined) return;
    ftruncateSync(this.fd, this.position); // a trailing hole still counts towards the size
    closeSync(this.fd);
    this.fd = undefined;
    renameSync(this.partPath, this.path);
    this.result = { path: this.path, size: this.position, sha256: this.hash.digest('hex') };
  }

  async abort(): Promise<void> {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.partPath, { force: true });
  }
}

/** Counts bytes on their way to another sink (progress of the uncompressed stream). */
export class CountingSink implements ByteSink {
  bytes = 0;
  constructor(
    private readonly next: ByteSink,
    private readonly onBytes?: (total: number) => void,
  ) {}
  async write(chunk: Buffer): Promise<void> {
    this.bytes += chunk.length;
    this.onBytes?.(this.bytes);
    await this.next.write(chunk);
  }
  async writeZeros(n: number): Promise<void> {
    this.bytes += n;
    this.onBytes?.(this.bytes);
    await this.next.writeZeros(n);
  }
  end(): Promise<void> {
    return this.next.end();
  }
  abort(): Promise<void> {
    return this.next.abort();
  }
}
