/**
 * Parallel gzip, pigz-style, for the compress post-processor and MAAS tarballs alike. The stream is cut
 * into 1 MiB blocks, each deflated on a worker thread (compress/deflate-worker.ts) primed with the 32 KiB
 * before it (so the ratio stays within a fraction of a percent of single-threaded gzip) and ended with a
 * sync flush, so the pieces join in order into one deflate stream in one gzip member.
 *
 * The main thread does as little as it can, since it shares the cores with the workers:
 *  - `writeFile` queues a range of an open file: the worker reads it straight into the block, so file
 *    bytes never pass through the main thread (nor through libuv's pool);
 *  - block buffers go to the workers and come back (transferred both ways): no allocation, page faults
 *    or garbage per block; outputs are transferred too;
 *  - CRCs are computed per block by the workers and combined here (O(log n) each);
 *  - whole blocks of zeros after 32 KiB of zeros always deflate to the same bytes: written with
 *    `writeZeros` (holes of a disk, sparse tar members), they reuse the compressed form a worker made
 *    once, and no thread touches them; zeros read from a file are detected by the worker and reuse it.
 * Incompressible blocks (two probes at level 1 do not shrink) are stored, as Go's deflate effectively does.
 * Blocks go to whichever worker has the least queued, so a slow block never holds the other worker idle.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { crc32Combine } from './crc32';
import { DEFLATE_WORKER_SOURCE, OUTPUT_CAPACITY } from './deflate-worker';

export const GZIP_BLOCK_SIZE = 1024 * 1024;
const DICTIONARY_SIZE = 32 * 1024;
const ZERO_DICTIONARY: Job['dictionary'] = {
  length: DICTIONARY_SIZE,
  fills: [{ kind: 'zeros', at: 0, length: DICTIONARY_SIZE }],
};
/** Jobs a worker holds at once: the one it deflates and the next, so it never waits for this thread. */
const JOBS_PER_WORKER = 2;

/** Where the gzip bytes go, in order. */
export interface GzipOutput {
  /** `chunk` is reused once the promise resolves: copy what must be kept. */
  write(chunk: Buffer): Promise<void>;
  end(): Promise<void>;
  /** Called by `abort()`: drop the output. */
  abort?(): Promise<void>;
}

export interface ParallelGzipOptions {
  /** 1 (fastest) .. 9 (smallest); default 6 (gzip's default). */
  level?: number;
  /** Worker threads; default one per core. */
  threads?: number;
  /** The header's OS byte: 3 (Unix, as gzip writes) by default; Go's gzip writes 255 (unknown). */
  os?: number;
}

/** Bytes of a block the worker puts in itself. */
type Fill =
  | { kind: 'file'; fd: number; position: number; length: number; at: number; name: string }
  | { kind: 'zeros'; length: number; at: number };

interface Job {
  id: number;
  block: ArrayBuffer;
  length: number;
  fills: Fill[];
  /** The 32 KiB before the block: inline bytes (absent when fills make all of it) and fills. */
  dictionary?: { length: number; bytes?: Uint8Array; fills: Fill[] };
  level: number;
  last: boolean;
  /** Written output buffers given back for the worker to fill again (transferred). */
  outputs: ArrayBuffer[];
}

interface WorkerReply {
  id: number;
  block: ArrayBuffer;
  out?: ArrayBuffer;
  outOffset?: number;
  outLength?: number;
  crc?: number;
  zeroRun?: boolean;
  error?: string;
}

interface Deflated {
  out: Buffer;
  crc: number;
  length: number;
}

interface Pending {
  job: Job;
  resolve(d: Deflated): void;
  reject(e: Error): void;
  worker?: DeflateWorker;
}

interface DeflateWorker {
  thread: Worker;
  jobs: number;
}

export function defaultGzipThreads(): number {
  return availableParallelism();
}

/** The fills of `fills` that fall in [from, to) of a block, moved to start at 0. */
function fillsWithin(fills: readonly Fill[], from: number, to: number): Fill[] {
  const out: Fill[] = [];
  for (const fill of fills) {
    const start = Math.max(from, fill.at);
    const end = Math.min(to, fill.at + fill.length);
    if (start >= end) continue;
    if (fill.kind === 'zeros') out.push({ kind: 'zeros', at: start - from, length: end - start });
    else
      out.push({ ...fill, at: start - from, length: end - start, position: fill.position + start - fill.at });
  }
  return out;
}

export class ParallelGzip {
  private readonly level: number;
  private readonly threads: number;
  private readonly os: number;
  private readonly maxInFlight: number;
  private readonly workers: DeflateWorker[] = [];
  private readonly freeBlocks: ArrayBuffer[] = [];
  private readonly freeOutputs: ArrayBuffer[] = [];
  /** Jobs not yet given to a worker, oldest first. */
  private readonly queue: Pending[] = [];
  private readonly byId = new Map<number, Pending>();
  /** Every block submitted and not yet written out, in stream order. */
  private readonly inFlight: Array<Promise<Deflated>> = [];
  private block: Buffer | undefined;
  private filled = 0;
  private fills: Fill[] = [];
  /** The 32 KiB before the current block, as the worker will rebuild it. */
  private dictionary: Job['dictionary'];
  /** How many bytes at the end of the stream so far are known to be zeros (from `writeZeros`). */
  private zeroTail = 0;
  /** The compressed form of a zero block after zeros, once a worker has made one. */
  private zeroBlock: Buffer | undefined;
  private zeroBlockCrc = 0;
  private nextId = 0;
  private crc = 0;
  private size = 0;
  private started = false;
  private failure: Error | undefined;
  private closed = false;

  constructor(
    private readonly out: GzipOutput,
    options: ParallelGzipOptions = {},
  ) {
    this.level = options.level ?? 6;
    if (!Number.isInteger(this.level) || this.level < 1 || this.level > 9)
      throw new RangeError(`gzip level must be 1..9, not ${options.level}`);
    this.threads = Math.max(1, Math.floor(options.threads ?? defaultGzipThreads()));
    this.os = options.os ?? 3;
    this.maxInFlight = this.threads * JOBS_PER_WORKER + 1;
  }

  /** Appends `chunk` (copied: the caller may reuse it). */
  async write(chunk: Uint8Array): Promise<void> {
    this.throwIfFailed();
    let offset = 0;
    if (chunk.length) this.zeroTail = 0;
    while (offset < chunk.length) {
      const block = this.currentBlock();
      const n = Math.min(chunk.length - offset, GZIP_BLOCK_SIZE - this.filled);
      block.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === GZIP_BLOCK_SIZE) await this.submit(false);
    }
  }

  /** Appends `n` zero bytes; whole blocks of zeros after zeros cost no thread any work. */
  async writeZeros(n: number): Promise<void> {
    this.throwIfFailed();
    let left = n;
    while (left > 0) {
      if (
        this.filled === 0 &&
        left >= GZIP_BLOCK_SIZE &&
        this.zeroTail >= DICTIONARY_SIZE &&
        this.zeroBlock
      ) {
        await this.submitZeroBlock();
        left -= GZIP_BLOCK_SIZE;
        continue;
      }
      const k = Math.min(left, GZIP_BLOCK_SIZE - this.filled);
      this.currentBlock();
      this.fills.push({ kind: 'zeros', at: this.filled, length: k });
      this.filled += k;
      this.zeroTail += k;
      left -= k;
      if (this.filled === GZIP_BLOCK_SIZE) await this.submit(false);
    }
  }

  /**
   * Appends `length` bytes of the open file `fd` from `position`. The workers read them: `fd` must stay
   * open until `end()` or `abort()` has resolved. A file that turns out shorter fails the stream with
   * an error naming `name`.
   */
  async writeFile(fd: number, position: number, length: number, name: string): Promise<void> {
    this.throwIfFailed();
    let done = 0;
    if (length > 0) this.zeroTail = 0;
    while (done < length) {
      this.currentBlock();
      const k = Math.min(length - done, GZIP_BLOCK_SIZE - this.filled);
      this.fills.push({ kind: 'file', fd, position: position + done, length: k, at: this.filled, name });
      this.filled += k;
      done += k;
      if (this.filled === GZIP_BLOCK_SIZE) await this.submit(false);
    }
  }

  /** Finishes the stream: the last block, the trailer (CRC, size), then `out.end()`. */
  async end(): Promise<void> {
    this.throwIfFailed();
    try {
      this.currentBlock();
      await this.submit(true);
      while (this.inFlight.length) await this.drainOne();
    } catch (err) {
      await this.stopWorkers();
      throw err;
    }
    await this.stopWorkers();
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.size % 2 ** 32, 4);
    await this.out.write(trailer);
    await this.out.end();
  }

  /** Stops early (cancel or failure): stops the workers and drops the output without finishing it. */
  async abort(): Promise<void> {
    this.failure ??= new Error('gzip stream aborted');
    await this.stopWorkers();
    this.inFlight.splice(0);
    await this.out.abort?.();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error('gzip stream already ended');
  }

  private currentBlock(): Buffer {
    if (!this.block) {
      const buffer = this.freeBlocks.pop() ?? new ArrayBuffer(GZIP_BLOCK_SIZE);
      this.block = Buffer.from(buffer);
      this.filled = 0;
      this.fills = [];
    }
    return this.block;
  }

  private async header(): Promise<void> {
    if (this.started) return;
    this.started = true;
    // magic, deflate, no flags, no mtime (reproducible), XFL (2 = best, 4 = fastest), OS
    const xfl = this.level === 9 ? 2 : this.level === 1 ? 4 : 0;
    await this.out.write(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, this.os]));
  }

  private async submit(last: boolean): Promise<void> {
    await this.header();
    const block = this.block!;
    const length = this.filled;
    const fills = this.fills;
    const job: Job = {
      id: this.nextId++,
      block: block.buffer as ArrayBuffer,
      length,
      fills,
      level: this.level,
      last,
      outputs: [],
      ...(this.dictionary ? { dictionary: this.dictionary } : {}),
    };
    this.dictionary = this.nextDictionary(block, length, fills);
    this.block = undefined;
    this.filled = 0;
    this.fills = [];
    this.closed = last;
    this.push(this.dispatch(job));
    while (this.inFlight.length >= this.maxInFlight) await this.drainOne();
  }

  /**
   * The next block's dictionary: this block's last 32 KiB, as fills where the worker makes them, and
   * the inline bytes copied now (the buffer is about to go) when there are any.
   */
  private nextDictionary(block: Buffer, length: number, fills: readonly Fill[]): Job['dictionary'] {
    if (this.zeroTail >= DICTIONARY_SIZE) return ZERO_DICTIONARY;
    const start = Math.max(0, length - DICTIONARY_SIZE);
    const tailFills = fillsWithin(fills, start, length);
    const covered = tailFills.reduce((n, f) => n + f.length, 0);
    return covered === length - start
      ? { length: length - start, fills: tailFills }
      : { length: length - start, bytes: new Uint8Array(block.subarray(start, length)), fills: tailFills };
  }

  private async submitZeroBlock(): Promise<void> {
    await this.header();
    const out = this.zeroBlock!;
    this.dictionary = ZERO_DICTIONARY;
    this.zeroTail += GZIP_BLOCK_SIZE;
    this.push(Promise.resolve({ out, crc: this.zeroBlockCrc, length: GZIP_BLOCK_SIZE }));
    while (this.inFlight.length >= this.maxInFlight) await this.drainOne();
  }

  private push(result: Promise<Deflated>): void {
    result.catch(() => undefined); // observed when drained; no unhandled rejection meanwhile
    this.inFlight.push(result);
  }

  private async drainOne(): Promise<void> {
    const next = this.inFlight.shift();
    if (!next) return;
    let done: Deflated;
    try {
      done = await next;
    } catch (err) {
      this.failure ??= err as Error;
      throw err;
    }
    this.crc = crc32Combine(this.crc, done.crc, done.length);
    this.size += done.length;
    await this.out.write(done.out);
    // Written: the worker may fill it again (the zero block is kept: it is written again and again).
    if (done.out.buffer.byteLength === OUTPUT_CAPACITY && done.out !== this.zeroBlock)
      this.freeOutputs.push(done.out.buffer as ArrayBuffer);
  }

  private dispatch(job: Job): Promise<Deflated> {
    return new Promise((resolve, reject) => {
      const pending: Pending = { job, resolve, reject };
      this.byId.set(job.id, pending);
      this.queue.push(pending);
      this.pump();
    });
  }

  /** Gives queued jobs to the least busy workers that have room. */
  private pump(): void {
    while (this.queue.length) {
      const worker = this.idlestWorker();
      if (!worker) return;
      const pending = this.queue.shift()!;
      pending.worker = worker;
      if (worker.jobs++ === 0) worker.thread.ref();
      const job = pending.job;
      job.outputs = this.freeOutputs.splice(0, JOBS_PER_WORKER);
      worker.thread.postMessage(job, [job.block, ...job.outputs]);
    }
  }

  private idlestWorker(): DeflateWorker | undefined {
    let best: DeflateWorker | undefined;
    for (const w of this.workers) if (w.jobs < JOBS_PER_WORKER && (!best || w.jobs < best.jobs)) best = w;
    if (best?.jobs === 0 || this.workers.length >= this.threads) return best;
    return this.startWorker();
  }

  private startWorker(): DeflateWorker {
    const worker: DeflateWorker = { thread: new Worker(DEFLATE_WORKER_SOURCE, { eval: true }), jobs: 0 };
    // Referenced only while it holds jobs: an idle pool never keeps the process alive.
    worker.thread.unref();
    worker.thread.on('message', (reply: WorkerReply) => this.settle(worker, reply));
    worker.thread.on('error', (err) => this.fail(err));
    worker.thread.on('exit', (code) => {
      if (!this.workers.includes(worker)) return;
      this.fail(new Error(`gzip worker stopped (exit code ${code})`));
    });
    this.workers.push(worker);
    return worker;
  }

  private settle(worker: DeflateWorker, reply: WorkerReply): void {
    const pending = this.byId.get(reply.id);
    if (!pending) return;
    this.byId.delete(reply.id);
    if (--worker.jobs === 0) worker.thread.unref();
    this.freeBlocks.push(reply.block);
    if (reply.error !== undefined) pending.reject(new Error(reply.error));
    else {
      const out = Buffer.from(reply.out!, reply.outOffset!, reply.outLength!);
      if (reply.zeroRun && pending.job.length === GZIP_BLOCK_SIZE && !this.zeroBlock) {
        this.zeroBlock = out;
        this.zeroBlockCrc = reply.crc!;
      }
      pending.resolve({ out, crc: reply.crc!, length: pending.job.length });
    }
    this.pump();
  }

  /** A worker died: every job still out fails, and so does the stream. */
  private fail(err: Error): void {
    this.failure ??= err;
    for (const pending of this.byId.values()) pending.reject(err);
    this.byId.clear();
    this.queue.splice(0);
  }

  private async stopWorkers(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.thread.terminate()));
    for (const pending of this.byId.values())
      pending.reject(this.failure ?? new Error('gzip stream stopped'));
    this.byId.clear();
    this.queue.splice(0);
  }
}
