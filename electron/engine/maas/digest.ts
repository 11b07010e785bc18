/** sha256 and size of a file, streamed through one reused buffer (memory stays flat whatever the size). */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { pageAlignedBuffer } from './aligned';

export interface DigestOptions {
  signal?: AbortSignal;
  /** Called after each read with the bytes hashed so far. */
  onBytes?: (bytes: number) => void;
  bufferSize?: number;
}

export async function sha256OfHandle(
  handle: FileHandle,
  options: DigestOptions = {},
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  const buffer = pageAlignedBuffer(options.bufferSize ?? 4 * 1024 * 1024);
  let position = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
    options.onBytes?.(position);
  }
  return { sha256: hash.digest('hex'), size: position };
}
