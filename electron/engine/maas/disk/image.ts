/**
 * A built disk opened for reading files: the image, its partition table, and the root file system,
 * picked by partition number or found (the ext4 partition with /etc and /usr, as packer-maas's
 * ROOT_PARTITION would name it).
 */
import { Ext4Fs } from '../ext4/fs';
import { Ext4FormatError } from '../ext4/superblock';
import { lookupPath } from '../fs/lookup';
import type { FileSystemReader } from '../fs/types';
import { DeviceError, type BlockDevice } from './device';
import { openDisk, type OpenDiskOptions } from './open';
import { partitionDevice, readPartitionTable, type Partition, type PartitionTable } from './partitions';
import { probeContent, type ContentProbe } from './probe';

export interface OpenedImage {
  path: string;
  disk: BlockDevice;
  table: PartitionTable;
  /** The partition the file system is on; undefined for a disk that is a bare file system. */
  partition?: Partition;
  fs: FileSystemReader & Ext4Fs;
  close(): Promise<void>;
}

export interface OpenImageOptions extends OpenDiskOptions {
  /** Partition number (as /dev/vdaN), 0 for a disk without a partition table, or 'auto' (default). */
  partition?: number | 'auto';
}

export interface PartitionSurvey {
  partition?: Partition;
  content: ContentProbe;
  /** Why this partition is or is not the root file system. */
  note: string;
  isRoot: boolean;
  hasOsRelease: boolean;
}

function partitionLabel(p: Partition | undefined): string {
  return p ? `partition ${p.number}` : 'the whole disk';
}

async function openExt4(disk: BlockDevice, partition: Partition | undefined): Promise<Ext4Fs> {
  const device = partition ? partitionDevice(disk, partition) : disk;
  return Ext4Fs.open(device, { description: `ext4 on ${partitionLabel(partition)} of ${disk.description}` });
}

/** Looks at every partition (or the bare disk) and says what it holds and whether it looks like a root. */
export async function surveyPartitions(disk: BlockDevice, table: PartitionTable): Promise<PartitionSurvey[]> {
  const candidates: Array<Partition | undefined> = table.partitions.length ? table.partitions : [undefined];
  const out: PartitionSurvey[] = [];
  for (const partition of candidates) {
    const device = partition ? partitionDevice(disk, partition) : disk;
    const content =
      partition && /^0x(05|0f|85)$/.test(partition.type)
        ? { kind: 'unknown' as const }
        : await probeContent(device);
    let note: string = content.kind;
    let isRoot = false;
    let hasOsRelease = false;
    if (content.kind === 'ext2' || content.kind === 'ext3' || content.kind === 'ext4') {
      try {
        const fs = await openExt4(disk, partition);
        const etc = await lookupPath(fs, '/etc', { follow: true });
        const usr = await lookupPath(fs, '/usr', { follow: true });
        isRoot =
          etc !== undefined &&
          usr !== undefined &&
          (await fs.stat(etc)).type === 'dir' &&
          (await fs.stat(usr)).type === 'dir';
        hasOsRelease = (await lookupPath(fs, '/etc/os-release', { follow: true })) !== undefined;
        note = isRoot
          ? `${content.kind} root file system (/etc and /usr)`
          : `${content.kind} without /etc and /usr`;
      } catch (err) {
        note = `${content.kind} that Kiln cannot read: ${(err as Error).message}`;
      }
    } else if (content.kind === 'xfs') note = 'xfs (Kiln reads ext2/3/4 only)';
    else if (content.kind === 'lvm2')
      note = 'an LVM physical volume (Kiln reads ext4 partitions; ship such disks as a dd image, e.g. ddgz)';
    out.push({ partition, content, note, isRoot, hasOsRelease });
  }
  return out;
}

export async function openImage(path: string, options: OpenImageOptions = {}): Promise<OpenedImage> {
  const disk = await openDisk(path, options);
  try {
    const table = await readPartitionTable(disk);
    const wanted = options.partition ?? 'auto';
    let partition: Partition | undefined;
    if (wanted === 'auto') {
      const survey = await surveyPartitions(disk, table);
      const roots = survey.filter((s) => s.isRoot);
      const pick = roots.find((s) => s.hasOsRelease) ?? roots[0];
      if (!pick) {
        const lines = survey.map((s) => `  ${partitionLabel(s.partition)}: ${s.note}`).join('\n');
        throw new DeviceError(
          `${path}: no root file system found (an ext4 partition with /etc and /usr):\n${lines}`,
        );
      }
      partition = pick.partition;
    } else if (wanted === 0) {
      if (table.partitions.length)
        throw new DeviceError(
          `${path} has a ${table.scheme} partition table; name a partition (1-${Math.max(...table.partitions.map((p) => p.number))})`,
        );
    } else {
      partition = table.partitions.find((p) => p.number === wanted);
      if (!partition) {
        const have = table.partitions.map((p) => `${p.number} (${p.typeName})`).join(', ') || 'none';
        throw new DeviceError(`${path} has no partition ${wanted}; its partitions: ${have}`);
      }
    }
    let fs: Ext4Fs;
    try {
      fs = await openExt4(disk, partition);
    } catch (err) {
      if (err instanceof Ext4FormatError) {
        const probe = await probeContent(partition ? partitionDevice(disk, partition) : disk);
        throw new DeviceError(
          `${path}: ${partitionLabel(partition)} holds ${probe.kind === 'unknown' ? 'no file system Kiln recognises' : probe.kind}, not ext2/3/4 (${err.message})`,
        );
      }
      throw err;
    }
    return { path, disk, table, partition, fs: fs as FileSystemReader & Ext4Fs, close: () => disk.close() };
  } catch (err) {
    await disk.close();
    throw err;
  }
}
