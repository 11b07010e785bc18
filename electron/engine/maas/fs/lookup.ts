/**
 * Path lookup inside an image, as a process chrooted into it would see it: absolute symlinks resolve
 * against the image's root (merged-/usr links such as /lib -> usr/lib work), `..` stops at the root,
 * and loops end after 40 links (Linux's limit).
 */
import { FsError, type FileSystemReader } from './types';

const names = new WeakMap<FileSystemReader, Map<number, Map<string, number>>>();

async function childMap(fs: FileSystemReader, dir: number): Promise<Map<string, number>> {
  let perFs = names.get(fs);
  if (!perFs) names.set(fs, (perFs = new Map()));
  let map = perFs.get(dir);
  if (!map) {
    map = new Map((await fs.readdir(dir)).map((e) => [e.name, e.ino]));
    if (perFs.size > 2048) perFs.clear();
    perFs.set(dir, map);
  }
  return map;
}

export interface LookupOptions {
  /** Follow a symlink in the last component (stat rather than lstat). Default false. */
  follow?: boolean;
}

/** The inode at `path` (absolute or relative to the image root), or undefined when it does not exist. */
export async function lookupPath(
  fs: FileSystemReader,
  path: string,
  options: LookupOptions = {},
): Promise<number | undefined> {
  let links = 0;
  const stack: number[] = [fs.rootIno]; // the directories walked through, for `..`
  let parts = path.split('/').filter((p) => p && p !== '.');
  while (parts.length) {
    const part = parts.shift() as string;
    if (part === '..') {
      if (stack.length > 1) stack.pop();
      continue;
    }
    const dir = stack[stack.length - 1];
    const dirStat = await fs.stat(dir);
    if (dirStat.type !== 'dir') return undefined;
    const ino = (await childMap(fs, dir)).get(part);
    if (ino === undefined) return undefined;
    const st = await fs.stat(ino);
    if (st.type === 'symlink' && (parts.length > 0 || options.follow)) {
      if (++links > 40)
        throw new FsError(`${fs.description}: too many levels of symbolic links resolving ${path}`);
      const target = (await fs.readlink(ino)).toString('utf8');
      if (target.startsWith('/')) stack.splice(1);
      parts = [...target.split('/').filter((p) => p && p !== '.'), ...parts];
      continue;
    }
    stack.push(ino);
  }
  return stack[stack.length - 1];
}

/** Reads a whole (small) file at `path`, following symlinks; undefined when missing or not a file. */
export async function readSmallFile(
  fs: FileSystemReader,
  path: string,
  limit = 1024 * 1024,
): Promise<Buffer | undefined> {
  const ino = await lookupPath(fs, path, { follow: true });
  if (ino === undefined) return undefined;
  const st = await fs.stat(ino);
  if (st.type !== 'file') return undefined;
  const file = await fs.open(ino);
  const n = Math.min(file.size, limit);
  const out = Buffer.alloc(n);
  await file.read(out, 0, n, 0);
  return out;
}
