/** Disk operations of the fake region's image store: positional writes, appends, truncation, hashing. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';

/** Writes the pieces one after the other from `offset` (one writev; the rest piece by piece if short). */
export async function writeAt(path: string, offset: number, data: Buffer | Buffer[]): Promise<void> {
  const pieces = Array.isArray(data) ? data : [data];
  const total = pieces.reduce((n, p) => n + p.length, 0);
  const handle = await fs.open(path, 'r+');
  try {
    let written = (await handle.writev(pieces, offset)).bytesWritten;
    if (written < total) {
      const rest = Buffer.concat(pieces, total).subarray(written);
      for (let at = 0; at < rest.length;) {
        const { bytesWritten } = await handle.write(rest, at, rest.length - at, offset + written);
        at += bytesWritten;
        written += bytesWritten;
      }
    }
  } finally {
    await handle.close();
  }
}

/**
 * An empty file in place of whatever was there. Not by truncating: ext4 flushes a file truncated to zero
 * on every later close (auto_da_alloc), which would make each chunk's write cost several times more.
 */
export async function startEmpty(path: string): Promise<void> {
  await fs.rm(path, { force: true });
  const handle = await fs.open(path, 'wx');
  await handle.close();
}

export async function appendTo(path: string, data: Buffer | Buffer[]): Promise<void> {
  const { size } = await fs.stat(path);
  await writeAt(path, size, data);
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
