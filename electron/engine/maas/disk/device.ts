/**
 * A disk (or a slice of one) read by byte offset. Every reader of a built disk — raw files, qcow2, a
 * partition of either, an NBD export — implements this, so the partition table, ext4 and the artifact
 * writers never care where the bytes come from.
 */

/** A run of the device: `data` must be read; `zero` reads as zeros (a hole, an unallocated cluster). */
export interface DeviceExtent {
  offset: number;
  length: number;
  kind: 'data' | 'zero';
}

export interface BlockDevice {
  /** Size in bytes. */
  readonly size: number;
  /** Names the device in messages, e.g. `qcow2 image out/disk.qcow2` or `partition 2 of …`. */
  readonly description: string;
  /**
   * Fills `buffer[bufferOffset, bufferOffset+length)` with the bytes at `position`. Reading past the end
   * is an error naming the device (a truncated image or a corrupt table, never silent zeros).
   */
  read(buffer: Buffer, position: number, length?: number, bufferOffset?: number): Promise<void>;
  /**
   * Which parts of [position, position+length) hold data and which read as zeros, in order and
   * covering the range. Devices that cannot tell report `data`; callers may still find zeros by content.
   */
  extents(position: number, length: number): Promise<DeviceExtent[]>;
  close(): Promise<void>;
}

export class DeviceError extends Error {}

export function checkRange(device: { size: number; description: string }, position: number, length: number) {
  if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0)
    throw new DeviceError(`${device.description}: bad read of ${length} bytes at ${position}`);
  if (position + length > device.size) {
    throw new DeviceError(
      `${device.description}: read of ${length} bytes at offset ${position} goes past its end (${device.size} bytes); the image or a table in it is truncated or corrupt`,
    );
  }
}

/** Reads `length` bytes at `position` into a new buffer. */
export async function readBytes(device: BlockDevice, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  await device.read(buffer, position, length, 0);
  return buffer;
}

/** Joins neighbouring extents of the same kind (devices report them cluster by cluster). */
export function mergeExtents(extents: DeviceExtent[]): DeviceExtent[] {
  const out: DeviceExtent[] = [];
  for (const e of extents) {
    if (e.length === 0) continue;
    const last = out[out.length - 1];
    if (last && last.kind === e.kind && last.offset + last.length === e.offset) last.length += e.length;
    else out.push({ ...e });
  }
  return out;
}

/** A window onto part of another device: a partition. Closing it leaves the parent open. */
export class SliceDevice implements BlockDevice {
  constructor(
    private readonly parent: BlockDevice,
    readonly start: number,
    readonly size: number,
    readonly description: string,
  ) {
    if (start < 0 || start + size > parent.size) {
      throw new DeviceError(
        `${description} (bytes ${start}..${start + size}) lies outside ${parent.description} (${parent.size} bytes)`,
      );
    }
  }

  async read(buffer: Buffer, position: number, length = buffer.length, bufferOffset = 0): Promise<void> {
    checkRange(this, position, length);
    await this.parent.read(buffer, this.start + position, length, bufferOffset);
  }

  async extents(position: number, length: number): Promise<DeviceExtent[]> {
    checkRange(this, position, length);
    const inner = await this.parent.extents(this.start + position, length);
    return inner.map((e) => ({ ...e, offset: e.offset - this.start }));
  }

  async close(): Promise<void> {}
}
