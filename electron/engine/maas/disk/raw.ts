/** A raw disk image: the file's bytes are the disk's bytes. */
import { checkRange, type BlockDevice, type DeviceExtent } from './device';
import { ImageFile } from './file';

export class RawDevice implements BlockDevice {
  readonly size: number;
  readonly description: string;
  private readonly file: ImageFile;

  constructor(path: string) {
    this.file = new ImageFile(path);
    this.size = this.file.size;
    this.description = `raw image ${path}`;
  }

  async read(buffer: Buffer, position: number, length = buffer.length, bufferOffset = 0): Promise<void> {
    checkRange(this, position, length);
    this.file.read(buffer, bufferOffset, length, position);
  }

  /** Node has no SEEK_DATA/SEEK_HOLE, so a raw file is all data; writers find zero runs by content. */
  async extents(position: number, length: number): Promise<DeviceExtent[]> {
    checkRange(this, position, length);
    return length ? [{ offset: position, length, kind: 'data' }] : [];
  }

  async close(): Promise<void> {
    this.file.close();
  }
}
