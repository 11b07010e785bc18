/** Reading and writing the user's files safely: content versions, text detection, atomic replacement. */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A short content hash: equal versions mean equal bytes, so our own writes can be told from others'. */
export function contentVersion(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 20);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as text, or undefined when they are not UTF-8 text (a NUL byte or an invalid sequence). */
export function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.subarray(0, 8192).includes(0)) return undefined;
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Replaces a file's content atomically: writes a temporary file beside it, then renames it over the
 * original, so a crash mid-write never leaves a half-written template. Keeps the original's mode.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  let mode = 0o644;
  try {
    mode = (await fs.stat(path)).mode & 0o7777;
  } catch {
    // A new file gets the default mode.
  }
  const temp = join(dirname(path), `.${basename(path)}.kiln-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fs.writeFile(temp, text, { mode, flag: 'wx' });
    await fs.rename(temp, path);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}
