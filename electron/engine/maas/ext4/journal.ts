/**
 * jbd2 journal replay in memory: a disk whose guest was killed (packer-maas's azurelinux template ends
 * with `kill -9`) leaves ext4 with `needs_recovery`. The committed transactions are found (scan), the
 * revoke records gathered, and the logged blocks laid over the file system as an overlay device; the
 * image file is never written. Internal journals only (an external journal device is refused earlier).
 */
import { checkRange, type BlockDevice, type DeviceExtent } from '../disk/device';
import { FsError } from '../fs/types';
import type { BlockRun, Ext4Fs } from './fs';

const JBD2_MAGIC = 0xc03b3998;
const T_DESCRIPTOR = 1;
const T_COMMIT = 2;
const T_SUPERBLOCK_V1 = 3;
const T_SUPERBLOCK_V2 = 4;
const T_REVOKE = 5;

const F_64BIT = 0x2;
const F_CSUM_V2 = 0x8;
const F_CSUM_V3 = 0x10;
const F_FAST_COMMIT = 0x20;

const TAG_ESCAPE = 1;
const TAG_SAME_UUID = 2;
const TAG_LAST = 8;

/** A device with some blocks replaced by in-memory copies. */
export class OverlayDevice implements BlockDevice {
  readonly size: number;
  readonly description: string;
  private readonly sorted: number[];

  constructor(
    private readonly base: BlockDevice,
    private readonly blockSize: number,
    private readonly blocks: Map<number, Buffer>,
  ) {
    this.size = base.size;
    this.description = `${base.description} (journal replayed in memory)`;
    this.sorted = [...blocks.keys()].sort((a, b) => a - b);
  }

  async read(buffer: Buffer, position: number, length = buffer.length, bufferOffset = 0): Promise<void> {
    checkRange(this, position, length);
    await this.base.read(buffer, position, length, bufferOffset);
    const first = Math.floor(position / this.blockSize);
    const last = Math.floor((position + length - 1) / this.blockSize);
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid] < first) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.sorted.length && this.sorted[i] <= last; i++) {
      const block = this.sorted[i];
      const data = this.blocks.get(block) as Buffer;
      const blockStart = block * this.blockSize;
      const from = Math.max(position, blockStart);
      const to = Math.min(position + length, blockStart + this.blockSize);
      data.copy(buffer, bufferOffset + (from - position), from - blockStart, to - blockStart);
    }
  }

  async extents(position: number, length: number): Promise<DeviceExtent[]> {
    return length ? [{ offset: position, length, kind: 'data' }] : [];
  }

  async close(): Promise<void> {
    await this.base.close();
  }
}

interface JournalSuper {
  blockSize: number;
  maxLen: number;
  first: number;
  sequence: number;
  start: number;
  incompat: number;
  logEnd: number;
}

export interface Replay {
  device: OverlayDevice;
  transactions: number;
}

export async function replayJournal(fs: Ext4Fs, device: BlockDevice): Promise<Replay | undefined> {
  const where = `${fs.description}: journal`;
  const inum = fs.sb.journalInode;
  if (!inum) throw new FsError(`${fs.description} needs journal recovery but has no internal journal`);
  const runs: BlockRun[] = await fs.blockRuns(await fs.inode(inum));
  const bs = fs.blockSize;
  const physical = (logical: number): number => {
    for (const r of runs)
      if (logical >= r.logical && logical < r.logical + r.length) return r.physical + (logical - r.logical);
    throw new FsError(`${where}: block ${logical} is not mapped`);
  };
  const readJournalBlock = async (logical: number): Promise<Buffer> => {
    const out = Buffer.alloc(bs);
    await device.read(out, physical(logical) * bs, bs, 0);
    return out;
  };

  const head = await readJournalBlock(0);
  if (head.readUInt32BE(0) !== JBD2_MAGIC) throw new FsError(`${where}: bad journal superblock magic`);
  const type = head.readUInt32BE(4);
  if (type !== T_SUPERBLOCK_V1 && type !== T_SUPERBLOCK_V2)
    throw new FsError(`${where}: unknown journal superblock type ${type}`);
  const incompat = type === T_SUPERBLOCK_V2 ? head.readUInt32BE(40) : 0;
  const maxLen = head.readUInt32BE(16);
  const numFc = incompat & F_FAST_COMMIT ? head.readUInt32BE(84) || 256 : 0;
  const js: JournalSuper = {
    blockSize: head.readUInt32BE(12),
    maxLen,
    first: head.readUInt32BE(20),
    sequence: head.readUInt32BE(24),
    start: head.readUInt32BE(28),
    incompat,
    logEnd: maxLen - numFc,
  };
  if (js.blockSize !== bs)
    throw new FsError(`${where}: journal block size ${js.blockSize} differs from the file system's ${bs}`);
  if (js.start === 0) return undefined; // clean: nothing to replay

  const wrap = (b: number) => (b >= js.logEnd ? js.first + (b - js.logEnd) : b);
  const is64 = Boolean(incompat & F_64BIT);
  const csum3 = Boolean(incompat & F_CSUM_V3);
  const csum2 = Boolean(incompat & F_CSUM_V2);
  const tagBytes = csum3 ? 16 : (csum2 ? 14 : 12) - (is64 ? 0 : 4);
  const tailBytes = csum2 || csum3 ? 4 : 0;

  interface Tag {
    fsBlock: number;
    escape: boolean;
  }
  const tagsOf = (block: Buffer): Tag[] => {
    const tags: Tag[] = [];
    let at = 12;
    const limit = bs - tailBytes;
    while (at + tagBytes <= limit) {
      const lo = block.readUInt32BE(at);
      const flags = csum3 ? block.readUInt32BE(at + 4) : block.readUInt16BE(at + 6);
      const hi = is64 ? block.readUInt32BE(at + 8) : 0;
      tags.push({ fsBlock: hi * 2 ** 32 + lo, escape: Boolean(flags & TAG_ESCAPE) });
      at += tagBytes;
      if (!(flags & TAG_SAME_UUID)) at += 16;
      if (flags & TAG_LAST) break;
    }
    return tags;
  };

  // Pass 1: find the end of the committed log.
  let seq = js.sequence;
  let block = js.start;
  let steps = 0;
  while (steps++ < js.maxLen * 2) {
    const data = await readJournalBlock(block);
    if (data.readUInt32BE(0) !== JBD2_MAGIC || data.readUInt32BE(8) !== seq) break;
    const kind = data.readUInt32BE(4);
    if (kind === T_DESCRIPTOR) block = wrap(block + 1 + tagsOf(data).length);
    else if (kind === T_COMMIT) {
      seq++;
      block = wrap(block + 1);
    } else if (kind === T_REVOKE) block = wrap(block + 1);
    else break;
  }
  const endSeq = seq;
  if (endSeq === js.sequence) return undefined;

  // Passes 2 and 3 together: walk the committed transactions, collecting revokes and logged blocks;
  // a revoke in transaction T cancels copies of that block logged in T or before.
  const revoked = new Map<number, number>();
  const logged: Array<{ fsBlock: number; seq: number; journalBlock: number; escape: boolean }> = [];
  seq = js.sequence;
  block = js.start;
  while (seq < endSeq) {
    const data = await readJournalBlock(block);
    const kind = data.readUInt32BE(4);
    if (kind === T_DESCRIPTOR) {
      const tags = tagsOf(data);
      tags.forEach((t, i) =>
        logged.push({ fsBlock: t.fsBlock, seq, journalBlock: wrap(block + 1 + i), escape: t.escape }),
      );
      block = wrap(block + 1 + tags.length);
    } else if (kind === T_COMMIT) {
      seq++;
      block = wrap(block + 1);
    } else if (kind === T_REVOKE) {
      const count = Math.min(data.readUInt32BE(12), bs);
      const size = is64 ? 8 : 4;
      for (let at = 16; at + size <= count; at += size) {
        const b = is64 ? data.readUInt32BE(at) * 2 ** 32 + data.readUInt32BE(at + 4) : data.readUInt32BE(at);
        revoked.set(b, Math.max(revoked.get(b) ?? 0, seq));
      }
      block = wrap(block + 1);
    } else throw new FsError(`${where}: unexpected block type ${kind} while replaying`);
  }
  const blocks = new Map<number, Buffer>();
  for (const entry of logged) {
    const revokedAt = revoked.get(entry.fsBlock);
    if (revokedAt !== undefined && revokedAt >= entry.seq) continue;
    const data = await readJournalBlock(entry.journalBlock);
    if (entry.escape) data.writeUInt32BE(JBD2_MAGIC, 0);
    blocks.set(entry.fsBlock, data);
  }
  // The recovered file system no longer needs recovery: clear the flag in the overlay's superblock.
  const sbBlock = Math.floor(1024 / bs);
  const sbData = blocks.get(sbBlock) ?? Buffer.from(await readBlock(device, sbBlock, bs));
  const sbAt = 1024 - sbBlock * bs;
  sbData.writeUInt32LE(sbData.readUInt32LE(sbAt + 96) & ~0x4, sbAt + 96);
  blocks.set(sbBlock, sbData);
  return { device: new OverlayDevice(device, bs, blocks), transactions: endSeq - js.sequence };
}

async function readBlock(device: BlockDevice, block: number, bs: number): Promise<Buffer> {
  const out = Buffer.alloc(bs);
  await device.read(out, block * bs, bs, 0);
  return out;
}
