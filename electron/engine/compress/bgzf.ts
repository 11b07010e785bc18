/**
 * BGZF (the SAM/BAM spec's blocked gzip, what Packer's compress writes for `.bgzf` through biogo/hts):
 * a series of gzip members, each holding at most 65,280 input bytes and naming its own compressed size
 * in a `BC` extra field, ended by the spec's empty EOF member. Each block is deflated by zlib on libuv's
 * pool, several at once, and written in order.
 */
import { gzip } from 'node:zlib';
import { availableParallelism } from 'node:os';

/** Input bytes per block: biogo's BlockSize, which keeps even incompressible blocks under 64 KiB. */
export const BGZF_BLOCK_INPUT = 0xff00;

/** The spec's end-of-file marker: an empty block. */
export const BGZF_EOF = Buffer.from('1f8b08040000000000ff0600424302001b0003000000000000000000', 'hex');

/** Node's gzip header: ID1 ID2 CM FLG MTIME(4) XFL OS, no optional fields. */
const NODE_GZIP_HEADER = 10;

interface Out {
  write(chunk: Buffer): Promise<void>;
  end(): Promise<void>;
}

function deflateBlock(input: Buffer, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    gzip(input, { level }, (err, member) => {
      if (err) return reject(err);
      // Re-frame zlib's member: the BGZF header (FEXTRA, BC subfield), the same deflate data and trailer.
      const body = member.subarray(NODE_GZIP_HEADER);
      const block = Buffer.allocUnsafe(18 + body.length);
      block.set([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, 0x42, 0x43, 2, 0], 0);
      block.writeUInt16LE(block.length - 1, 16);
      body.copy(block, 18);
      resolve(block);
    }),
  );
}

export class BgzfWriter {
  private pending = Buffer.allocUnsafe(BGZF_BLOCK_INPUT);
  private filled = 0;
  /** Blocks being deflated, oldest first; written in this order. */
  private readonly inFlight: Promise<Buffer>[] = [];
  private readonly maxInFlight: number;

  constructor(
    private readonly out: Out,
    private readonly level: number,
    threads = availableParallelism(),
  ) {
    this.maxInFlight = Math.max(2, threads * 2);
  }

  async write(chunk: Buffer): Promise<void> {
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(BGZF_BLOCK_INPUT - this.filled, chunk.length - at);
      chunk.copy(this.pending, this.filled, at, at + n);
      this.filled += n;
      at += n;
      if (this.filled === BGZF_BLOCK_INPUT) await this.dispatch();
    }
  }

  private async dispatch(): Promise<void> {
    const input = this.pending.subarray(0, this.filled);
    this.pending = Buffer.allocUnsafe(BGZF_BLOCK_INPUT);
    this.filled = 0;
    this.inFlight.push(deflateBlock(input, this.level));
    while (this.inFlight.length >= this.maxInFlight) await this.out.write(await this.inFlight.shift()!);
  }

  async end(): Promise<void> {
    if (this.filled > 0) await this.dispatch();
    while (this.inFlight.length > 0) await this.out.write(await this.inFlight.shift()!);
    await this.out.write(BGZF_EOF);
    await this.out.end();
  }

  /** Drops what is in flight (its results are ignored). */
  abort(): void {
    for (const p of this.inFlight.splice(0)) p.catch(() => undefined);
  }
}
