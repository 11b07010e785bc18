/**
 * Kiln's ext2/3/4 reader: group descriptors (32- and 64-bit, meta_bg), inodes, extent trees and the old
 * direct/indirect block maps, directories (linear, htree, inline_data), symlinks (fast, slow, inline),
 * devices, FIFOs, sparse files, extended attributes (in-inode, xattr block, EA inodes) and POSIX ACLs.
 * Read-only, no mount, no root. A journal that needs recovery is replayed in memory (journal.ts).
 */
import { DeviceError, readBytes, type BlockDevice } from '../disk/device';
import type { DataRun, DirEntry, FileSystemReader, FileType, FsStat, OpenFile } from '../fs/types';
import { FsError } from '../fs/types';
import { replayJournal } from './journal';
import { INCOMPAT, RO_COMPAT, SUPERBLOCK_OFFSET, parseSuperblock, type Superblock } from './superblock';
import { aclToXattr, parseExt4Acl, parseXattrEntries, XATTR_MAGIC, type RawXattr } from './xattr';

const ROOT_INO = 2;

// i_flags
const EXT4_ENCRYPT_FL = 0x800;
const EXT4_HUGE_FILE_FL = 0x40000;
const EXT4_EXTENTS_FL = 0x80000;
const EXT4_EA_INODE_FL = 0x200000;
const EXT4_INLINE_DATA_FL = 0x10000000;

const EXTENT_MAGIC = 0xf30a;
const INLINE_AREA = 60;

const S_IFMT = 0o170000;
const TYPES: Record<number, FileType> = {
  0o100000: 'file',
  0o040000: 'dir',
  0o120000: 'symlink',
  0o020000: 'char',
  0o060000: 'block',
  0o010000: 'fifo',
  0o140000: 'socket',
};

export interface Ext4Inode {
  ino: number;
  mode: number;
  type: FileType;
  uid: number;
  gid: number;
  size: number;
  links: number;
  /** i_blocks in 512-byte units. */
  blocks512: number;
  flags: number;
  iBlock: Buffer;
  fileAcl: number;
  atime: number;
  ctime: number;
  mtime: number;
  mtimeNs: number;
  /** The in-inode xattr area (after i_extra_isize), if any. */
  inlineXattrs?: Buffer;
}

/** A contiguous mapping of file blocks to disk blocks. */
export interface BlockRun {
  logical: number;
  physical: number;
  length: number;
  unwritten: boolean;
}

/** Least-recently-used metadata blocks (inode tables, directories, extent nodes, indirect blocks). */
class BlockCache {
  private readonly map = new Map<number, Buffer>();
  constructor(private readonly capacity: number) {}
  get(block: number): Buffer | undefined {
    const hit = this.map.get(block);
    if (hit) {
      this.map.delete(block);
      this.map.set(block, hit);
    }
    return hit;
  }
  set(block: number, data: Buffer): void {
    this.map.set(block, data);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as number);
  }
}

export interface Ext4OpenOptions {
  /** Names the file system in messages (defaults to `ext4 on <device>`). */
  description?: string;
  /** Read the file system as it is even if its journal needs recovery (default: replay it in memory). */
  skipJournalReplay?: boolean;
}

export class Ext4Fs implements FileSystemReader {
  readonly kind = 'ext4';
  readonly rootIno = ROOT_INO;
  readonly description: string;
  readonly sb: Superblock;
  readonly blockSize: number;
  /** Set when the journal needed recovery and was replayed in memory (for the inspector and logs). */
  journalReplayed = 0;
  private readonly device: BlockDevice;
  private groupDescs: Buffer = Buffer.alloc(0);
  private readonly cache = new BlockCache(4096);
  private readonly inodeCache = new Map<number, Ext4Inode>();

  private constructor(device: BlockDevice, sb: Superblock, description: string) {
    this.device = device;
    this.sb = sb;
    this.blockSize = sb.blockSize;
    this.description = description;
  }

  static async open(device: BlockDevice, options: Ext4OpenOptions = {}): Promise<Ext4Fs> {
    const description = options.description ?? `ext4 on ${device.description}`;
    if (device.size < SUPERBLOCK_OFFSET + 1024)
      throw new FsError(`${description}: too small for a file system`);
    const sb = parseSuperblock(await readBytes(device, SUPERBLOCK_OFFSET, 1024), device.description);
    if (sb.blocksCount * sb.blockSize > device.size) {
      throw new FsError(
        `${description}: the file system claims ${sb.blocksCount * sb.blockSize} bytes but the partition holds ${device.size} (truncated image or wrong partition)`,
      );
    }
    const fs = new Ext4Fs(device, sb, description);
    await fs.loadGroupDescriptors();
    if (sb.featureIncompat & INCOMPAT.RECOVER && !options.skipJournalReplay) {
      // Replay into an in-memory overlay, then read everything (the superblock too) through it.
      const replay = await replayJournal(fs, device);
      if (replay) {
        const replayed = parseSuperblock(
          await readBytes(replay.device, SUPERBLOCK_OFFSET, 1024),
          device.description,
        );
        const recovered = new Ext4Fs(replay.device, replayed, description);
        recovered.journalReplayed = replay.transactions;
        await recovered.loadGroupDescriptors();
        return recovered;
      }
    }
    return fs;
  }

  private async loadGroupDescriptors(): Promise<void> {
    const { sb } = this;
    const perBlock = this.blockSize / sb.descSize;
    const out = Buffer.alloc(sb.groupCount * sb.descSize);
    const metaBg = Boolean(sb.featureIncompat & INCOMPAT.META_BG);
    const firstMeta = metaBg ? sb.firstMetaBg : Number.MAX_SAFE_INTEGER;
    const descBlocks = Math.ceil(sb.groupCount / perBlock);
    // The descriptors follow the block holding the primary superblock (block 1 with 1 KiB blocks, even
    // when bigalloc makes s_first_data_block 0), as the kernel's descriptor_loc computes.
    const sbBlock = Math.floor(SUPERBLOCK_OFFSET / this.blockSize);
    for (let i = 0; i < descBlocks; i++) {
      let block: number;
      if (i < firstMeta) block = sbBlock + 1 + i;
      else {
        // meta_bg: descriptor block i sits in the first group of meta group i (after its superblock backup)
        const group = i * perBlock;
        let hasSuper = this.groupHasSuper(group) ? 1 : 0;
        if (this.blockSize === 1024 && i === 0 && sb.firstDataBlock === 0) hasSuper++;
        block = this.groupFirstBlock(group) + hasSuper;
      }
      const data = await this.readBlockUncached(block);
      data.copy(out, i * this.blockSize, 0, Math.min(this.blockSize, out.length - i * this.blockSize));
    }
    this.groupDescs = out;
  }

  private groupFirstBlock(group: number): number {
    return this.sb.firstDataBlock + group * this.sb.blocksPerGroup;
  }

  private groupHasSuper(group: number): boolean {
    if (group === 0) return true;
    if (this.sb.featureCompat & 0x200)
      return group === this.sb.backupBgs[0] || group === this.sb.backupBgs[1];
    if (!(this.sb.featureRoCompat & RO_COMPAT.SPARSE_SUPER)) return true;
    if (group === 1) return true;
    for (const base of [3, 5, 7]) {
      let p = base;
      while (p < group) p *= base;
      if (p === group) return true;
    }
    return false;
  }

  private inodeTableBlock(group: number): number {
    const at = group * this.sb.descSize;
    const lo = this.groupDescs.readUInt32LE(at + 8);
    const hi = this.sb.descSize >= 64 ? this.groupDescs.readUInt32LE(at + 0x28) : 0;
    return hi * 2 ** 32 + lo;
  }

  private async readBlockUncached(block: number): Promise<Buffer> {
    if (block >= this.sb.blocksCount) {
      throw new FsError(
        `${this.description}: reference to block ${block} beyond the end of the file system (corrupt metadata)`,
      );
    }
    return readBytes(this.device, block * this.blockSize, this.blockSize);
  }

  /** A metadata block, cached. */
  async block(block: number): Promise<Buffer> {
    let data = this.cache.get(block);
    if (!data) {
      data = await this.readBlockUncached(block);
      this.cache.set(block, data);
    }
    return data;
  }

  /** Reads `length` bytes at a byte offset of the file system (journal replay, big data reads). */
  async readRaw(buffer: Buffer, position: number, length: number, bufferOffset: number): Promise<void> {
    if (position + length > this.sb.blocksCount * this.blockSize) {
      throw new FsError(
        `${this.description}: a file maps beyond the end of the file system (corrupt metadata)`,
      );
    }
    await this.device.read(buffer, position, length, bufferOffset);
  }

  async inode(ino: number): Promise<Ext4Inode> {
    const cached = this.inodeCache.get(ino);
    if (cached) return cached;
    if (ino < 1 || ino > this.sb.inodesCount)
      throw new FsError(`${this.description}: inode ${ino} does not exist`);
    const group = Math.floor((ino - 1) / this.sb.inodesPerGroup);
    const index = (ino - 1) % this.sb.inodesPerGroup;
    const byteInTable = index * this.sb.inodeSize;
    const block = await this.block(this.inodeTableBlock(group) + Math.floor(byteInTable / this.blockSize));
    const at = byteInTable % this.blockSize;
    const raw = block.subarray(at, at + this.sb.inodeSize);
    const inode = this.parseInode(ino, raw);
    if (this.inodeCache.size > 8192) this.inodeCache.clear();
    this.inodeCache.set(ino, inode);
    return inode;
  }

  private parseInode(ino: number, raw: Buffer): Ext4Inode {
    const mode = raw.readUInt16LE(0);
    const type = TYPES[mode & S_IFMT];
    if (!type)
      throw new FsError(
        `${this.description}: inode ${ino} has an unknown type (mode 0${mode.toString(8)}); the file system may be corrupt`,
      );
    const flags = raw.readUInt32LE(32);
    const extra = raw.length > 128 ? raw.readUInt16LE(128) : 0;
    const time = (base: number, extraAt: number) => {
      let seconds = raw.readInt32LE(base);
      let ns = 0;
      if (extra >= extraAt - 128 + 4 && 128 + extra <= raw.length) {
        const e = raw.readUInt32LE(extraAt);
        seconds += (e & 3) * 2 ** 32;
        ns = e >>> 2;
      }
      return { seconds, ns };
    };
    const mtime = time(16, 136);
    let blocks512 = raw.readUInt32LE(28);
    if (this.sb.featureRoCompat & RO_COMPAT.HUGE_FILE) blocks512 += raw.readUInt16LE(116) * 2 ** 32;
    if (flags & EXT4_HUGE_FILE_FL) blocks512 *= this.blockSize / 512;
    const inode: Ext4Inode = {
      ino,
      mode,
      type,
      uid: raw.readUInt16LE(2) | (raw.readUInt16LE(120) << 16),
      gid: raw.readUInt16LE(24) | (raw.readUInt16LE(122) << 16),
      size: raw.readUInt32LE(4) + raw.readUInt32LE(108) * 2 ** 32,
      links: raw.readUInt16LE(26),
      blocks512,
      flags,
      iBlock: Buffer.from(raw.subarray(40, 100)),
      fileAcl: raw.readUInt32LE(104) + raw.readUInt16LE(118) * 2 ** 32,
      atime: time(8, 140).seconds,
      ctime: time(12, 132).seconds,
      mtime: mtime.seconds,
      mtimeNs: mtime.ns,
    };
    inode.uid >>>= 0;
    inode.gid >>>= 0;
    const xattrStart = 128 + extra;
    if (extra && xattrStart + 4 <= raw.length && raw.readUInt32LE(xattrStart) === XATTR_MAGIC) {
      inode.inlineXattrs = Buffer.from(raw.subarray(xattrStart + 4));
    }
    return inode;
  }

  async stat(ino: number): Promise<FsStat> {
    const inode = await this.inode(ino);
    let rdevMajor = 0;
    let rdevMinor = 0;
    if (inode.type === 'char' || inode.type === 'block') {
      const old = inode.iBlock.readUInt32LE(0);
      if (old) {
        rdevMajor = (old >> 8) & 0xff;
        rdevMinor = old & 0xff;
      } else {
        const dev = inode.iBlock.readUInt32LE(4);
        rdevMajor = (dev & 0xfff00) >> 8;
        rdevMinor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
      }
    }
    return {
      ino,
      type: inode.type,
      perm: inode.mode & 0o7777,
      uid: inode.uid,
      gid: inode.gid,
      size: inode.type === 'file' || inode.type === 'dir' || inode.type === 'symlink' ? inode.size : 0,
      nlink: inode.links,
      mtime: inode.mtime,
      mtimeNs: inode.mtimeNs,
      atime: inode.atime,
      ctime: inode.ctime,
      rdevMajor,
      rdevMinor,
    };
  }

  // ------------------------------------------------------------------------------------ block mapping

  /** The block runs of an inode's data, in logical order (extents or the old block map). */
  async blockRuns(inode: Ext4Inode): Promise<BlockRun[]> {
    if (inode.flags & EXT4_INLINE_DATA_FL) return [];
    if (inode.flags & EXT4_EXTENTS_FL) {
      const runs: BlockRun[] = [];
      await this.walkExtents(inode.iBlock, runs, inode.ino, 0);
      runs.sort((a, b) => a.logical - b.logical);
      return runs;
    }
    return this.blockMapRuns(inode);
  }

  private async walkExtents(node: Buffer, out: BlockRun[], ino: number, level: number): Promise<void> {
    if (node.readUInt16LE(0) !== EXTENT_MAGIC)
      throw new FsError(`${this.description}: inode ${ino} has a corrupt extent tree (bad magic)`);
    const entries = node.readUInt16LE(2);
    const depth = node.readUInt16LE(6);
    if (level > 5 || 12 + entries * 12 > node.length)
      throw new FsError(`${this.description}: inode ${ino} has a corrupt extent tree`);
    for (let i = 0; i < entries; i++) {
      const at = 12 + i * 12;
      const logical = node.readUInt32LE(at);
      if (depth === 0) {
        let length = node.readUInt16LE(at + 4);
        const unwritten = length > 32768;
        if (unwritten) length -= 32768;
        const physical = node.readUInt16LE(at + 6) * 2 ** 32 + node.readUInt32LE(at + 8);
        if (length) out.push({ logical, physical, length, unwritten });
      } else {
        const child = node.readUInt32LE(at + 4) + node.readUInt16LE(at + 8) * 2 ** 32;
        await this.walkExtents(await this.block(child), out, ino, level + 1);
      }
    }
  }

  private async blockMapRuns(inode: Ext4Inode): Promise<BlockRun[]> {
    const total = Math.ceil(inode.size / this.blockSize);
    const perBlock = this.blockSize / 4;
    const runs: BlockRun[] = [];
    let logical = 0;
    const push = (physical: number) => {
      const last = runs[runs.length - 1];
      if (physical) {
        if (last && last.logical + last.length === logical && last.physical + last.length === physical)
          last.length++;
        else runs.push({ logical, physical, length: 1, unwritten: false });
      }
      logical++;
    };
    const walk = async (block: number, level: number): Promise<void> => {
      const span = perBlock ** level;
      if (!block) {
        logical += span; // a hole in the map: `span` blocks of zeros
        return;
      }
      const data = await this.block(block);
      for (let i = 0; i < perBlock && logical < total; i++) {
        const child = data.readUInt32LE(i * 4);
        if (level === 1) push(child);
        else await walk(child, level - 1);
      }
    };
    for (let i = 0; i < 12 && logical < total; i++) push(inode.iBlock.readUInt32LE(i * 4));
    for (let level = 1; level <= 3 && logical < total; level++)
      await walk(inode.iBlock.readUInt32LE((11 + level) * 4), level);
    return runs;
  }

  // ------------------------------------------------------------------------------------------ contents

  /** Inline data (inline_data feature): the 60 bytes of i_block, then the `system.data` xattr. */
  private async inlineData(inode: Ext4Inode): Promise<Buffer> {
    const extra = (await this.rawXattrs(inode)).find((x) => x.name === 'system.data');
    const more = extra ? await this.xattrValue(extra) : Buffer.alloc(0);
    return Buffer.concat([inode.iBlock, more]).subarray(0, Math.max(inode.size, 0));
  }

  async open(ino: number): Promise<OpenFile> {
    const inode = await this.inode(ino);
    if (inode.flags & EXT4_ENCRYPT_FL)
      throw new FsError(`${this.description}: inode ${ino} is encrypted (fscrypt); Kiln cannot read it`);
    return this.openInode(inode);
  }

  private async openInode(inode: Ext4Inode): Promise<OpenFile> {
    const size = inode.size;
    const where = `${this.description}: inode ${inode.ino}`;
    if (inode.flags & EXT4_INLINE_DATA_FL) {
      const data = await this.inlineData(inode);
      return {
        size,
        runs: size ? [{ offset: 0, length: size }] : [],
        async read(buffer, position, length, bufferOffset = 0) {
          if (position + length > size) throw new FsError(`${where}: read past the end of the file`);
          data.copy(buffer, bufferOffset, position, position + length);
        },
      };
    }
    const bs = this.blockSize;
    const blockRuns = (await this.blockRuns(inode)).filter((r) => !r.unwritten && r.logical * bs < size);
    const runs: DataRun[] = [];
    for (const r of blockRuns) {
      const offset = r.logical * bs;
      const length = Math.min(r.length * bs, size - offset);
      const last = runs[runs.length - 1];
      if (last && last.offset + last.length === offset) last.length += length;
      else runs.push({ offset, length });
    }
    const readRaw = (buf: Buffer, pos: number, len: number, at: number) => this.readRaw(buf, pos, len, at);
    return {
      size,
      runs,
      async read(buffer, position, length, bufferOffset = 0) {
        if (position < 0 || position + length > size)
          throw new FsError(`${where}: read past the end of the file`);
        let pos = position;
        const end = position + length;
        // first run that ends after `pos`
        let lo = 0;
        let hi = blockRuns.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          const r = blockRuns[mid];
          if ((r.logical + r.length) * bs <= pos) lo = mid + 1;
          else hi = mid;
        }
        for (let i = lo; pos < end; i++) {
          const r = blockRuns[i];
          const runStart = r ? r.logical * bs : end;
          if (runStart > pos) {
            const gap = Math.min(runStart, end) - pos;
            buffer.fill(0, bufferOffset + (pos - position), bufferOffset + (pos - position) + gap);
            pos += gap;
            if (!r || pos >= end) continue;
          }
          const runEnd = Math.min((r.logical + r.length) * bs, end);
          const n = runEnd - pos;
          await readRaw(buffer, r.physical * bs + (pos - runStart), n, bufferOffset + (pos - position));
          pos += n;
        }
      },
    };
  }

  private async readAll(inode: Ext4Inode, limit = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
    const file = await this.openInode(inode);
    const n = Math.min(file.size, limit);
    const out = Buffer.alloc(n);
    await file.read(out, 0, n, 0);
    return out;
  }

  async readlink(ino: number): Promise<Buffer> {
    const inode = await this.inode(ino);
    if (inode.type !== 'symlink')
      throw new FsError(`${this.description}: inode ${ino} is not a symbolic link`);
    if (inode.flags & EXT4_INLINE_DATA_FL) return this.inlineData(inode);
    // Fast symlinks keep the target in i_block (kernel: ext4_inode_is_fast_symlink).
    const eaBlocks = inode.fileAcl ? this.sb.clusterSize / 512 : 0;
    const fast = inode.flags & EXT4_EA_INODE_FL ? inode.size < INLINE_AREA : inode.blocks512 - eaBlocks === 0;
    if (fast) {
      if (inode.size >= INLINE_AREA)
        throw new FsError(
          `${this.description}: symlink inode ${ino} is corrupt (a ${inode.size}-byte target with no blocks)`,
        );
      return Buffer.from(inode.iBlock.subarray(0, inode.size));
    }
    if (inode.size > 65536)
      throw new FsError(`${this.description}: symlink inode ${ino} claims a ${inode.size}-byte target`);
    return this.readAll(inode);
  }

  // ----------------------------------------------------------------------------------------- directories

  async readdir(ino: number): Promise<DirEntry[]> {
    const inode = await this.inode(ino);
    if (inode.type !== 'dir') throw new FsError(`${this.description}: inode ${ino} is not a directory`);
    if (inode.flags & EXT4_ENCRYPT_FL)
      throw new FsError(
        `${this.description}: directory inode ${ino} is encrypted (fscrypt); Kiln cannot list it`,
      );
    const entries: DirEntry[] = [];
    if (inode.flags & EXT4_INLINE_DATA_FL) {
      const data = await this.inlineData(inode);
      // 4 bytes of parent inode, then entries in the rest of i_block, then in system.data
      this.parseDirBlock(data.subarray(4, Math.min(INLINE_AREA, data.length)), entries, ino);
      if (data.length > INLINE_AREA) this.parseDirBlock(data.subarray(INLINE_AREA), entries, ino);
      return entries;
    }
    for (const run of await this.blockRuns(inode)) {
      if (run.unwritten) continue;
      for (let i = 0; i < run.length; i++) {
        if ((run.logical + i) * this.blockSize >= inode.size) break;
        this.parseDirBlock(await this.block(run.physical + i), entries, ino);
      }
    }
    return entries;
  }

  /**
   * One block of directory entries. htree index blocks look like a single empty entry spanning the
   * block, and metadata_csum tails like an empty 12-byte entry, so a linear pass reads every name.
   */
  private parseDirBlock(data: Buffer, out: DirEntry[], dirIno: number): void {
    const filetype = Boolean(this.sb.featureIncompat & INCOMPAT.FILETYPE);
    let at = 0;
    while (at + 8 <= data.length) {
      const ino = data.readUInt32LE(at);
      let recLen = data.readUInt16LE(at + 4);
      if (recLen === 65535 || (recLen === 0 && data.length === 65536)) recLen = 65536; // 64 KiB blocks
      const nameLen = filetype ? data[at + 6] : data.readUInt16LE(at + 6);
      if (recLen < 8 || recLen % 4 || at + recLen > data.length || 8 + nameLen > recLen) {
        throw new FsError(
          `${this.description}: directory inode ${dirIno} has a corrupt entry at byte ${at} of a block`,
        );
      }
      if (ino && nameLen) {
        const raw = Buffer.from(data.subarray(at + 8, at + 8 + nameLen));
        const isDot = nameLen <= 2 && raw[0] === 0x2e && (nameLen === 1 || raw[1] === 0x2e);
        if (!isDot) out.push({ name: raw.toString('utf8'), raw, ino });
      }
      at += recLen;
    }
  }

  // -------------------------------------------------------------------------------------------- xattrs

  private async rawXattrs(inode: Ext4Inode): Promise<RawXattr[]> {
    const where = `${this.description}: xattrs of inode ${inode.ino}`;
    const out: RawXattr[] = [];
    if (inode.inlineXattrs) out.push(...parseXattrEntries(inode.inlineXattrs, 0, 0, where));
    if (inode.fileAcl) {
      const block = await this.block(inode.fileAcl);
      if (block.readUInt32LE(0) !== XATTR_MAGIC)
        throw new FsError(`${where}: the xattr block ${inode.fileAcl} has a bad magic`);
      out.push(...parseXattrEntries(block, 32, 0, where));
    }
    return out;
  }

  private async xattrValue(x: RawXattr): Promise<Buffer> {
    if (x.value) return x.value;
    const eaInode = await this.inode(x.valueInode as number);
    return (await this.readAll(eaInode, x.valueSize)).subarray(0, x.valueSize);
  }

  async xattrs(ino: number): Promise<Map<string, Buffer>> {
    const inode = await this.inode(ino);
    const out = new Map<string, Buffer>();
    for (const x of await this.rawXattrs(inode)) {
      if (x.name === 'system.data') continue; // inline_data's storage, not an attribute
      let value = await this.xattrValue(x);
      if (x.name === 'system.posix_acl_access' || x.name === 'system.posix_acl_default') {
        value = aclToXattr(parseExt4Acl(value, `${this.description}: inode ${ino} ${x.name}`));
      }
      out.set(x.name, value);
    }
    return out;
  }
}

export { DeviceError };
