/** The ext2/3/4 superblock: geometry and feature flags (offsets from the kernel's struct ext4_super_block). */

export const EXT4_MAGIC = 0xef53;
export const SUPERBLOCK_OFFSET = 1024;

export const COMPAT = {
  HAS_JOURNAL: 0x4,
  EXT_ATTR: 0x8,
  RESIZE_INODE: 0x10,
  DIR_INDEX: 0x20,
  SPARSE_SUPER2: 0x200,
} as const;

export const INCOMPAT = {
  COMPRESSION: 0x1,
  FILETYPE: 0x2,
  RECOVER: 0x4,
  JOURNAL_DEV: 0x8,
  META_BG: 0x10,
  EXTENTS: 0x40,
  BIT64: 0x80,
  MMP: 0x100,
  FLEX_BG: 0x200,
  EA_INODE: 0x400,
  DIRDATA: 0x1000,
  CSUM_SEED: 0x2000,
  LARGEDIR: 0x4000,
  INLINE_DATA: 0x8000,
  ENCRYPT: 0x10000,
  CASEFOLD: 0x20000,
} as const;

export const RO_COMPAT = {
  SPARSE_SUPER: 0x1,
  LARGE_FILE: 0x2,
  HUGE_FILE: 0x8,
  GDT_CSUM: 0x10,
  DIR_NLINK: 0x20,
  EXTRA_ISIZE: 0x40,
  QUOTA: 0x100,
  BIGALLOC: 0x200,
  METADATA_CSUM: 0x400,
  READONLY: 0x1000,
  PROJECT: 0x2000,
  VERITY: 0x8000,
} as const;

/** Incompatible features this reader understands; anything else is refused by name. */
const SUPPORTED_INCOMPAT =
  INCOMPAT.FILETYPE |
  INCOMPAT.RECOVER |
  INCOMPAT.META_BG |
  INCOMPAT.EXTENTS |
  INCOMPAT.BIT64 |
  INCOMPAT.MMP |
  INCOMPAT.FLEX_BG |
  INCOMPAT.EA_INODE |
  INCOMPAT.CSUM_SEED |
  INCOMPAT.LARGEDIR |
  INCOMPAT.INLINE_DATA |
  INCOMPAT.ENCRYPT |
  INCOMPAT.CASEFOLD;

const INCOMPAT_NAMES: Record<number, string> = {
  0x1: 'compression',
  0x8: 'journal_dev (an external journal device)',
  0x1000: 'dirdata',
};

export interface Superblock {
  inodesCount: number;
  blocksCount: number;
  freeBlocks: number;
  freeInodes: number;
  firstDataBlock: number;
  blockSize: number;
  /** Allocation unit: the block size, or the bigalloc cluster size. */
  clusterSize: number;
  blocksPerGroup: number;
  inodesPerGroup: number;
  revLevel: number;
  firstIno: number;
  inodeSize: number;
  featureCompat: number;
  featureIncompat: number;
  featureRoCompat: number;
  uuid: string;
  volumeName: string;
  lastMounted: string;
  journalInode: number;
  descSize: number;
  firstMetaBg: number;
  backupBgs: [number, number];
  state: number;
  mtime: number;
  wtime: number;
  groupCount: number;
}

export class Ext4FormatError extends Error {}

function uuidString(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Whether `block` (1024 bytes from offset 1024 of a device) carries the ext2/3/4 magic. */
export function hasExt4Magic(block: Buffer): boolean {
  return block.length >= 58 && block.readUInt16LE(56) === EXT4_MAGIC;
}

export function parseSuperblock(sb: Buffer, where: string): Superblock {
  if (!hasExt4Magic(sb))
    throw new Ext4FormatError(`${where} holds no ext2/3/4 file system (no superblock magic)`);
  const logBlock = sb.readUInt32LE(24);
  if (logBlock > 6) throw new Ext4FormatError(`${where}: implausible ext4 block size 2^${10 + logBlock}`);
  const revLevel = sb.readUInt32LE(76);
  const featureIncompat = revLevel >= 1 ? sb.readUInt32LE(96) : 0;
  const bit64 = Boolean(featureIncompat & INCOMPAT.BIT64);
  const hi = (at: number) => (bit64 ? sb.readUInt32LE(at) * 2 ** 32 : 0);
  const unsupported = featureIncompat & ~SUPPORTED_INCOMPAT;
  if (unsupported) {
    const names = Object.entries(INCOMPAT_NAMES)
      .filter(([bit]) => unsupported & Number(bit))
      .map(([, name]) => name);
    throw new Ext4FormatError(
      `${where}: ext4 feature${names.length > 1 ? 's' : ''} ${names.join(', ') || `0x${unsupported.toString(16)}`} not supported`,
    );
  }
  const blocksCount = sb.readUInt32LE(4) + hi(336);
  const firstDataBlock = sb.readUInt32LE(20);
  const blocksPerGroup = sb.readUInt32LE(32);
  const inodesPerGroup = sb.readUInt32LE(40);
  if (!blocksPerGroup || !inodesPerGroup)
    throw new Ext4FormatError(`${where}: corrupt superblock (zero blocks or inodes per group)`);
  const inodeSize = revLevel >= 1 ? sb.readUInt16LE(88) : 128;
  if (inodeSize < 128 || inodeSize & (inodeSize - 1))
    throw new Ext4FormatError(`${where}: corrupt superblock (inode size ${inodeSize})`);
  const descSize = bit64 ? sb.readUInt16LE(254) || 32 : 32;
  return {
    inodesCount: sb.readUInt32LE(0),
    blocksCount,
    freeBlocks: sb.readUInt32LE(12) + hi(344),
    freeInodes: sb.readUInt32LE(16),
    firstDataBlock,
    blockSize: 1024 << logBlock,
    clusterSize:
      (revLevel >= 1 ? sb.readUInt32LE(100) : 0) & RO_COMPAT.BIGALLOC
        ? 1024 << sb.readUInt32LE(28)
        : 1024 << logBlock,
    blocksPerGroup,
    inodesPerGroup,
    revLevel,
    firstIno: revLevel >= 1 ? sb.readUInt32LE(84) : 11,
    inodeSize,
    featureCompat: revLevel >= 1 ? sb.readUInt32LE(92) : 0,
    featureIncompat,
    featureRoCompat: revLevel >= 1 ? sb.readUInt32LE(100) : 0,
    uuid: uuidString(sb.subarray(104, 120)),
    volumeName: sb.toString('latin1', 120, 136).replace(/\0.*$/s, ''),
    lastMounted: sb.toString('latin1', 136, 200).replace(/\0.*$/s, ''),
    journalInode: sb.readUInt32LE(224),
    descSize,
    firstMetaBg: sb.readUInt32LE(260),
    backupBgs: [sb.readUInt32LE(0x24c), sb.readUInt32LE(0x250)],
    state: sb.readUInt16LE(58),
    mtime: sb.readUInt32LE(44),
    wtime: sb.readUInt32LE(48),
    groupCount: Math.ceil((blocksCount - firstDataBlock) / blocksPerGroup),
  };
}

/** The names of the features a file system has (for the inspector and messages). */
export function featureNames(sb: Superblock): string[] {
  const out: string[] = [];
  // dumpe2fs's spellings where they differ from the constant names
  const spelling: Record<string, string> = { BIT64: '64bit', EXTENTS: 'extent', RECOVER: 'needs_recovery' };
  const add = (table: Record<string, number>, mask: number) => {
    for (const [name, bit] of Object.entries(table))
      if (mask & bit) out.push(spelling[name] ?? name.toLowerCase());
  };
  add(COMPAT, sb.featureCompat);
  add(INCOMPAT, sb.featureIncompat);
  add(RO_COMPAT, sb.featureRoCompat);
  return out;
}
