/** Disk operations of the fake region's image store: positional writes, appends, truncation, hashing. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';

export async function writeAt(path: string, offset: number, data: Buffer): Promise<void> {
  const handle = await fs.open(path, 'r+');
  try {
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await handle.write(data, written, data.length - written, offset + written);
      written += bytesWritten;
    }
  } finally {
    await handle.close();
  }
}

/** Creates the file (if needed) with exactly `size` bytes (sparse): MAAS 3.5+ pre-allocates `.incomplete`. */
export async function allocate(path: string, size: number): Promise<void> {
  const handle = await fs.open(path, 'w');
  try {
    await handle.truncate(size);
  } finally {
    await handle.close();
  }
}

export async function appendTo(path: string, data: Buffer): Promise<void> {
  await fs.appendFile(path, data);
}

export async function truncateTo(path: string, size: number): Promise<void> {
  await fs.truncate(path, size);
}

export async function ensureFile(path: string): Promise<void> {
  const handle = await fs.open(path, 'a');
  await handle.close();
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function removeQuietly(path: string | undefined): Promise<void> {
  if (path) await fs.rm(path, { force: true });
}
