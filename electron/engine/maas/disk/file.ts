/**
 * Positional reads of an image file. Reads are synchronous on purpose: they come from the page cache or
 * a local disk in well under a millisecond per MiB, and keeping them off libuv's thread pool leaves every
 * pool thread to the compressors (parallel gzip runs there), which is where the time goes.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DeviceError } from './device';

export class ImageFile {
  private fd: number | undefined;
  readonly size: number;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch (err) {
      throw new DeviceError(`cannot open ${path}: ${(err as Error).message}`);
    }
    const stats = fstatSync(this.fd);
    if (stats.isDirectory()) {
      closeSync(this.fd);
      throw new DeviceError(`${path} is a directory, not a disk image`);
    }
    this.size = stats.isBlockDevice() ? blockDeviceSize(this.fd) : stats.size;
  }

  /** Reads exactly `length` bytes at `position`; bytes past the end of the file read as zeros. */
  read(buffer: Buffer, bufferOffset: number, length: number, position: number): void {
    if (this.fd === undefined) throw new DeviceError(`${this.path} is closed`);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buffer, bufferOffset + done, length - done, position + done);
      if (n === 0) {
        buffer.fill(0, bufferOffset + done, bufferOffset + length);
        return;
      }
      done += n;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A block device's size: stat says 0, so find the end by reading (binary search on 512-byte reads). */
function blockDeviceSize(fd: number): number {
  const probe = Buffer.alloc(512);
  const readable = (offset: number) => {
    try {
      return readSync(fd, probe, 0, 1, offset) === 1;
    } catch {
      return false;
    }
  };
  let low = 0;
  let high = 512;
  while (readable(high)) high *= 2;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (readable(mid)) low = mid;
    else high = mid;
  }
  return readable(0) ? low + 1 : 0;
}
