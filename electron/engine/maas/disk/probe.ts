/** What a partition (or a bare disk) holds, from signatures at fixed offsets (as blkid does). */
import { readBytes, type BlockDevice } from './device';

export type ContentKind =
  | 'ext2'
  | 'ext3'
  | 'ext4'
  | 'xfs'
  | 'btrfs'
  | 'vfat'
  | 'ntfs'
  | 'swap'
  | 'lvm2'
  | 'iso9660'
  | 'raid'
  | 'unknown';

export interface ContentProbe {
  kind: ContentKind;
  label?: string;
  uuid?: string;
}

async function at(device: BlockDevice, offset: number, length: number): Promise<Buffer | undefined> {
  if (offset + length > device.size) return undefined;
  return readBytes(device, offset, length);
}

export async function probeContent(device: BlockDevice): Promise<ContentProbe> {
  const sb = await at(device, 1024, 1024);
  if (sb && sb.readUInt16LE(56) === 0xef53) {
    const compat = sb.readUInt32LE(92);
    const incompat = sb.readUInt32LE(96);
    const kind: ContentKind = incompat & (0x40 | 0x80 | 0x200) ? 'ext4' : compat & 0x4 ? 'ext3' : 'ext2';
    const h = sb.subarray(104, 120).toString('hex');
    return {
      kind,
      label: sb.toString('latin1', 120, 136).replace(/\0.*$/s, ''),
      uuid: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`,
    };
  }
  const head = await at(device, 0, 4096);
  if (!head) return { kind: 'unknown' };
  if (head.toString('latin1', 0, 4) === 'XFSB')
    return { kind: 'xfs', label: head.toString('latin1', 108, 120).replace(/\0.*$/s, '') };
  for (const sector of [0, 512, 1024, 1536]) {
    if (
      head.toString('latin1', sector, sector + 8) === 'LABELONE' &&
      head.toString('latin1', sector + 24, sector + 32) === 'LVM2 001'
    )
      return { kind: 'lvm2' };
  }
  if (
    head.toString('latin1', 4086, 4096) === 'SWAPSPACE2' ||
    head.toString('latin1', 4086, 4096) === 'SWAP-SPACE'
  )
    return { kind: 'swap' };
  if (head.toString('latin1', 3, 11) === 'NTFS    ') return { kind: 'ntfs' };
  if (
    head.readUInt16LE(510) === 0xaa55 &&
    (head.toString('latin1', 82, 87) === 'FAT32' || head.toString('latin1', 54, 57) === 'FAT')
  ) {
    const fat32 = head.toString('latin1', 82, 87) === 'FAT32';
    return { kind: 'vfat', label: head.toString('latin1', fat32 ? 71 : 43, fat32 ? 82 : 54).trim() };
  }
  const btrfs = await at(device, 0x10040, 8);
  if (btrfs?.toString('latin1') === '_BHRfS_M') return { kind: 'btrfs' };
  const iso = await at(device, 32769, 5);
  if (iso?.toString('latin1') === 'CD001') return { kind: 'iso9660' };
  const md = await at(device, 4096, 4);
  if (md && md.readUInt32LE(0) === 0xa92b4efc) return { kind: 'raid' };
  return { kind: 'unknown' };
}
