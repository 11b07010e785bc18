/** Opens a disk image by sniffing its format: raw and qcow2 natively, other formats through qemu-nbd. */
import { DeviceError, type BlockDevice } from './device';
import { ImageFile } from './file';
import { NbdDevice } from './nbd';
import { QCOW2_MAGIC, Qcow2Device } from './qcow2';
import { RawDevice } from './raw';

export type ImageFormat = 'raw' | 'qcow2' | 'vmdk' | 'vhdx' | 'vdi' | 'qed' | 'vpc' | 'luks';

/** How to read the image: Kiln's own readers (raw, qcow2), qemu-nbd, or native where possible. */
export type DiskReader = 'auto' | 'native' | 'qemu-nbd';

export interface OpenDiskOptions {
  /** The image's format; sniffed from its first bytes when absent. */
  format?: ImageFormat;
  reader?: DiskReader;
  signal?: AbortSignal;
}

/** The format of an image file, from its magic bytes (raw when none matches). */
export function sniffFormat(path: string): ImageFormat {
  const file = new ImageFile(path);
  try {
    const head = Buffer.alloc(512);
    file.read(head, 0, 512, 0);
    if (head.readUInt32BE(0) === QCOW2_MAGIC) return 'qcow2';
    if (
      head.toString('latin1', 0, 4) === 'KDMV' ||
      head.toString('latin1', 0, 21) === '# Disk DescriptorFile'
    )
      return 'vmdk';
    if (head.toString('latin1', 0, 8) === 'vhdxfile') return 'vhdx';
    if (head.readUInt32LE(0x40) === 0xbeda107f) return 'vdi';
    if (head.toString('latin1', 0, 4) === 'QED\0') return 'qed';
    if (head.toString('latin1', 0, 6) === 'LUKS\xba\xbe') return 'luks';
    if (head.toString('latin1', 0, 8) === 'conectix') return 'vpc';
    if (file.size >= 512) {
      const tail = Buffer.alloc(512);
      file.read(tail, 0, 512, file.size - 512);
      if (tail.toString('latin1', 0, 8) === 'conectix') return 'vpc';
    }
    return 'raw';
  } finally {
    file.close();
  }
}

export async function openDisk(
  path: string,
  options: OpenDiskOptions = {},
  chain: string[] = [],
): Promise<BlockDevice> {
  const format = options.format ?? sniffFormat(path);
  const reader = options.reader ?? 'auto';
  if (reader === 'qemu-nbd') return NbdDevice.viaQemuNbd(path, format, options.signal);
  if (format === 'raw') return new RawDevice(path);
  if (format === 'qcow2') {
    return Qcow2Device.open(
      path,
      (backing, backingFormat, nextChain) =>
        openDisk(backing, { ...options, format: backingFormat as ImageFormat | undefined }, nextChain),
      chain,
    );
  }
  if (reader === 'native') {
    throw new DeviceError(
      `${path} is a ${format} image; Kiln reads raw and qcow2 itself, and ${format} through qemu-nbd (--reader qemu-nbd)`,
    );
  }
  return NbdDevice.viaQemuNbd(path, format, options.signal);
}
