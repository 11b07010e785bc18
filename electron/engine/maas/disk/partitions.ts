/**
 * Partition tables: GPT (primary header, or the backup when the primary is damaged, CRCs checked) and
 * MBR (primary and logical partitions in an extended chain). Numbers follow Linux: GPT entry index + 1,
 * MBR 1-4 for primaries and 5+ for logicals, so `--partition 2` means what `/dev/vda2` means.
 */
import { crc32 } from 'node:zlib';
import { DeviceError, SliceDevice, readBytes, type BlockDevice } from './device';

export interface Partition {
  number: number;
  /** Byte offset and size on the disk. */
  start: number;
  size: number;
  /** GPT type GUID (upper case) or MBR type byte as `0x83`. */
  type: string;
  typeName: string;
  /** GPT partition name (label); empty for MBR. */
  name: string;
  /** GPT unique partition GUID. */
  uuid?: string;
  bootable?: boolean;
}

export interface PartitionTable {
  scheme: 'gpt' | 'mbr' | 'none';
  sectorSize: number;
  diskGuid?: string;
  partitions: Partition[];
  /** Problems found and worked around (a damaged primary GPT header, ...). */
  warnings: string[];
}

export const GPT_TYPES: Record<string, string> = {
  'C12A7328-F81F-11D2-BA4B-00A0C93EC93B': 'EFI System',
  '21686148-6449-6E6F-744E-656564454649': 'BIOS boot',
  '0FC63DAF-8483-4772-8E79-3D69D8477DE4': 'Linux filesystem',
  '44479540-F297-41B2-9AF7-D131D5F0458A': 'Linux root (x86)',
  '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709': 'Linux root (x86-64)',
  'B921B045-1DF0-41C3-AF44-4C6F280D3FAE': 'Linux root (ARM64)',
  '69DAD710-2CE4-4E3C-B16C-21A1D49ABED3': 'Linux root (ARM)',
  '72EC70A6-CF74-40E6-BD49-4BDA08E8F224': 'Linux root (RISC-V 64)',
  'BC13C2FF-59E6-4262-A352-B275FD6F7172': 'Linux extended boot (XBOOTLDR, bls_boot)',
  '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F': 'Linux swap',
  'E6D6D379-F507-44C2-A23C-238F2A3DF928': 'Linux LVM',
  'A19D880F-05FC-4D3B-A006-743F0F84911E': 'Linux RAID',
  '933AC7E1-2EB4-4F13-B844-0E14E2AEF915': 'Linux home',
  '3B8F8425-20E0-4F3B-907F-1A25A76F98E8': 'Linux server data',
  '8DA63339-0007-60C0-C436-083AC8230908': 'Linux reserved',
  'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7': 'Microsoft basic data',
  'E3C9E316-0B5C-4DB8-817D-F92DF00215AE': 'Microsoft reserved',
  'DE94BBA4-06D1-4D40-A16A-BFD50179D6AC': 'Windows recovery',
  '9E1A2D38-C612-4316-AA26-8B49521E5A8B': 'PowerPC PReP boot',
  '6A898CC3-1DD2-11B2-99A6-080020736631': 'ZFS',
  '9D275380-40AD-11DB-BF97-000C2911D1B8': 'VMware vmkcore',
  'AA31E02A-400F-11DB-9590-000C2911D1B8': 'VMware VMFS',
};

export const XBOOTLDR_GUID = 'BC13C2FF-59E6-4262-A352-B275FD6F7172';

export const MBR_TYPES: Record<number, string> = {
  0x01: 'FAT12',
  0x04: 'FAT16 <32M',
  0x05: 'Extended',
  0x06: 'FAT16',
  0x07: 'HPFS/NTFS/exFAT',
  0x0b: 'W95 FAT32',
  0x0c: 'W95 FAT32 (LBA)',
  0x0e: 'W95 FAT16 (LBA)',
  0x0f: 'W95 Extended (LBA)',
  0x82: 'Linux swap',
  0x83: 'Linux',
  0x85: 'Linux extended',
  0x8e: 'Linux LVM',
  0xa5: 'FreeBSD',
  0xea: 'Linux extended boot (XBOOTLDR)',
  0xee: 'GPT protective',
  0xef: 'EFI System',
  0xfb: 'VMware VMFS',
  0xfc: 'VMware VMKCORE',
  0xfd: 'Linux RAID autodetect',
};

const EXTENDED = new Set([0x05, 0x0f, 0x85]);

/** Formats a mixed-endian GUID as GPT tools print it. */
export function formatGuid(bytes: Buffer): string {
  const hex = (b: Buffer) => b.toString('hex').toUpperCase();
  const le = (start: number, end: number) => hex(Buffer.from(bytes.subarray(start, end)).reverse());
  return `${le(0, 4)}-${le(4, 6)}-${le(6, 8)}-${hex(bytes.subarray(8, 10))}-${hex(bytes.subarray(10, 16))}`;
}

interface GptHeader {
  entriesLba: number;
  count: number;
  entrySize: number;
  entriesCrc: number;
  diskGuid: string;
  backupLba: number;
}

function parseGptHeader(block: Buffer): GptHeader | string {
  if (block.toString('latin1', 0, 8) !== 'EFI PART') return 'no "EFI PART" signature';
  const headerSize = block.readUInt32LE(12);
  if (headerSize < 92 || headerSize > block.length) return `bad header size ${headerSize}`;
  const copy = Buffer.from(block.subarray(0, headerSize));
  copy.writeUInt32LE(0, 16);
  if (crc32(copy) >>> 0 !== block.readUInt32LE(16)) return 'header CRC mismatch';
  const entrySize = block.readUInt32LE(84);
  const count = block.readUInt32LE(80);
  if (entrySize < 128 || entrySize % 8 !== 0 || count > 65536)
    return `bad entry geometry (${count} × ${entrySize})`;
  return {
    entriesLba: Number(block.readBigUInt64LE(72)),
    count,
    entrySize,
    entriesCrc: block.readUInt32LE(88),
    diskGuid: formatGuid(block.subarray(56, 72)),
    backupLba: Number(block.readBigUInt64LE(32)),
  };
}

async function readGpt(
  device: BlockDevice,
  sectorSize: number,
  warnings: string[],
): Promise<PartitionTable | undefined> {
  const sectors = Math.floor(device.size / sectorSize);
  const NO_SIGNATURE = 'no "EFI PART" signature';
  const tryHeader = async (lba: number): Promise<{ header: GptHeader; entries: Buffer } | string> => {
    if (lba <= 0 || lba >= sectors) return NO_SIGNATURE;
    const parsed = parseGptHeader(await readBytes(device, lba * sectorSize, sectorSize));
    if (typeof parsed === 'string') return parsed;
    const bytes = parsed.count * parsed.entrySize;
    if (parsed.entriesLba * sectorSize + bytes > device.size)
      return 'partition entries lie past the end of the disk';
    const entries = await readBytes(device, parsed.entriesLba * sectorSize, bytes);
    if (crc32(entries) >>> 0 !== parsed.entriesCrc) return 'partition entries CRC mismatch';
    return { header: parsed, entries };
  };
  let found = await tryHeader(1);
  if (typeof found === 'string') {
    const primaryProblem = found;
    const backup = await tryHeader(sectors - 1);
    if (typeof backup === 'string') {
      if (primaryProblem === NO_SIGNATURE && backup === NO_SIGNATURE) return undefined;
      throw new DeviceError(
        `${device.description}: the GPT is damaged (primary: ${primaryProblem}; backup: ${backup})`,
      );
    }
    warnings.push(`primary GPT header: ${primaryProblem}; using the backup header`);
    found = backup;
  }
  const { header, entries } = found;
  const partitions: Partition[] = [];
  for (let i = 0; i < header.count; i++) {
    const e = entries.subarray(i * header.entrySize, (i + 1) * header.entrySize);
    if (e.subarray(0, 16).every((b) => b === 0)) continue;
    const first = Number(e.readBigUInt64LE(32));
    const last = Number(e.readBigUInt64LE(40));
    const type = formatGuid(e.subarray(0, 16));
    const name = e.toString('utf16le', 56, 128).replace(/\0[\s\S]*$/, '');
    if (last < first || (last + 1) * sectorSize > device.size) {
      warnings.push(`partition ${i + 1} (sectors ${first}-${last}) lies outside the disk; skipped`);
      continue;
    }
    partitions.push({
      number: i + 1,
      start: first * sectorSize,
      size: (last - first + 1) * sectorSize,
      type,
      typeName: GPT_TYPES[type] ?? 'unknown',
      name,
      uuid: formatGuid(e.subarray(16, 32)),
      bootable: Boolean(e.readBigUInt64LE(48) & 4n), // legacy BIOS bootable attribute
    });
  }
  return { scheme: 'gpt', sectorSize, diskGuid: header.diskGuid, partitions, warnings };
}

async function readMbr(device: BlockDevice, mbr: Buffer, warnings: string[]): Promise<PartitionTable> {
  const partitions: Partition[] = [];
  const entry = (block: Buffer, i: number) => {
    const at = 446 + i * 16;
    return {
      status: block[at],
      type: block[at + 4],
      lba: block.readUInt32LE(at + 8),
      count: block.readUInt32LE(at + 12),
    };
  };
  const add = (number: number, startLba: number, count: number, type: number, status: number) => {
    if ((startLba + count) * 512 > device.size) {
      warnings.push(`partition ${number} (sectors ${startLba}+${count}) lies outside the disk; skipped`);
      return;
    }
    partitions.push({
      number,
      start: startLba * 512,
      size: count * 512,
      type: `0x${type.toString(16).padStart(2, '0')}`,
      typeName: MBR_TYPES[type] ?? 'unknown',
      name: '',
      bootable: status === 0x80,
    });
  };
  let extended: { lba: number; count: number } | undefined;
  for (let i = 0; i < 4; i++) {
    const e = entry(mbr, i);
    if (e.type === 0 || e.count === 0) continue;
    add(i + 1, e.lba, e.count, e.type, e.status);
    if (EXTENDED.has(e.type)) extended = { lba: e.lba, count: e.count };
  }
  if (extended) {
    // Each EBR holds one logical partition (relative to the EBR) and a link to the next EBR (relative
    // to the start of the extended partition).
    let ebrLba = extended.lba;
    let number = 5;
    const seen = new Set<number>();
    while (ebrLba && !seen.has(ebrLba) && number < 5 + 256) {
      seen.add(ebrLba);
      if ((ebrLba + 1) * 512 > device.size) break;
      const ebr = await readBytes(device, ebrLba * 512, 512);
      if (ebr.readUInt16LE(510) !== 0xaa55) {
        warnings.push(`extended boot record at sector ${ebrLba} has no signature`);
        break;
      }
      const logical = entry(ebr, 0);
      if (logical.type && logical.count)
        add(number++, ebrLba + logical.lba, logical.count, logical.type, logical.status);
      const next = entry(ebr, 1);
      ebrLba = next.type && EXTENDED.has(next.type) ? extended.lba + next.lba : 0;
    }
  }
  // The extended container itself is not something to read files from; keep it listed for the inspector.
  return { scheme: 'mbr', sectorSize: 512, partitions, warnings };
}

/** Reads the partition table; a disk with none is `scheme: 'none'` (maybe a bare file system). */
export async function readPartitionTable(device: BlockDevice): Promise<PartitionTable> {
  const warnings: string[] = [];
  if (device.size < 1024) return { scheme: 'none', sectorSize: 512, partitions: [], warnings };
  const mbr = await readBytes(device, 0, 512);
  const hasMbr = mbr.readUInt16LE(510) === 0xaa55;
  const protective = hasMbr && [0, 1, 2, 3].some((i) => mbr[446 + i * 16 + 4] === 0xee);
  for (const sectorSize of [512, 4096]) {
    if (device.size < sectorSize * 3) continue;
    const gpt = await readGpt(device, sectorSize, warnings);
    if (gpt) return gpt;
  }
  if (protective)
    throw new DeviceError(
      `${device.description}: a protective MBR but no readable GPT (${warnings.join('; ') || 'none found'})`,
    );
  // A FAT/NTFS boot sector also ends in 55AA; a partition table has sane entries.
  if (hasMbr && looksLikeMbr(mbr, device.size)) return readMbr(device, mbr, warnings);
  return { scheme: 'none', sectorSize: 512, partitions: [], warnings };
}

function looksLikeMbr(mbr: Buffer, size: number): boolean {
  let any = false;
  for (let i = 0; i < 4; i++) {
    const at = 446 + i * 16;
    const status = mbr[at];
    const type = mbr[at + 4];
    if (status !== 0 && status !== 0x80) return false;
    if (type === 0) continue;
    const lba = mbr.readUInt32LE(at + 8);
    if (lba === 0 || lba * 512 >= size) return false;
    any = true;
  }
  return any;
}

/** A partition as a device of its own. */
export function partitionDevice(disk: BlockDevice, partition: Partition): BlockDevice {
  return new SliceDevice(
    disk,
    partition.start,
    partition.size,
    `partition ${partition.number} of ${disk.description}`,
  );
}
