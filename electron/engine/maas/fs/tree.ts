/**
 * The tree an archive is written from: nodes of an image's file system, nodes of a directory on the
 * host (the `curtin/` hooks packer-maas copies in), and merges of the two — with one shape, so the tar
 * walk does not care where a file comes from.
 */
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { DataRun, FileSystemReader, FileType, FsStat, OpenFile } from './types';
import { FsError } from './types';

export interface TreeNode {
  name: Buffer;
  stat: FsStat;
  /** Identity for hard links (same key = same file); undefined when the file has one link. */
  linkKey?: string;
  xattrs(): Promise<Map<string, Buffer>>;
  readlink(): Promise<Buffer>;
  open(): Promise<OpenFile>;
  children(): Promise<TreeNode[]>;
}

let fsIds = 0;
const fsKeys = new WeakMap<FileSystemReader, number>();

/** A node of an image's file system. */
export async function imageNode(fs: FileSystemReader, ino: number, name: Buffer): Promise<TreeNode> {
  let id = fsKeys.get(fs);
  if (id === undefined) fsKeys.set(fs, (id = ++fsIds));
  const stat = await fs.stat(ino);
  return {
    name,
    stat,
    linkKey: stat.type !== 'dir' && stat.nlink > 1 ? `${id}:${ino}` : undefined,
    xattrs: () => fs.xattrs(ino),
    readlink: () => fs.readlink(ino),
    open: () => fs.open(ino),
    async children() {
      const out: TreeNode[] = [];
      for (const e of await fs.readdir(ino)) out.push(await imageNode(fs, e.ino, e.raw));
      return out;
    },
  };
}

function hostType(st: Stats): FileType {
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return 'file';
}

/**
 * A file or directory on the host, owned by root in the image (what `cp -r` as root gives; as another
 * user it would carry that user's uid, which nothing on the deployed machine means).
 */
export function hostNode(hostPath: string, name: Buffer): TreeNode {
  const st = lstatSync(hostPath);
  const type = hostType(st);
  const stat: FsStat = {
    ino: Number(st.ino),
    type,
    perm: st.mode & 0o7777,
    uid: 0,
    gid: 0,
    size: type === 'file' ? st.size : 0,
    nlink: 1,
    mtime: Math.floor(st.mtimeMs / 1000),
    mtimeNs: 0,
    atime: Math.floor(st.atimeMs / 1000),
    ctime: Math.floor(st.ctimeMs / 1000),
    rdevMajor: Math.floor(st.rdev / 256) & 0xfff,
    rdevMinor: (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00),
  };
  return {
    name,
    stat,
    xattrs: async () => new Map(),
    readlink: async () => readlinkSync(hostPath, { encoding: 'buffer' }),
    async open(): Promise<OpenFile> {
      const size = stat.size;
      const runs: DataRun[] = size ? [{ offset: 0, length: size }] : [];
      return {
        size,
        runs,
        async read(buffer, position, length, bufferOffset = 0) {
          const fd = openSync(hostPath, 'r');
          try {
            let done = 0;
            while (done < length) {
              const n = readSync(fd, buffer, bufferOffset + done, length - done, position + done);
              if (n === 0) throw new FsError(`${hostPath} shrank while it was being archived`);
              done += n;
            }
          } finally {
            closeSync(fd);
          }
        },
      };
    },
    async children() {
      if (type !== 'dir') return [];
      return readdirSync(hostPath, { encoding: 'buffer' }).map((child) =>
        hostNode(path.join(hostPath, child.toString('utf8')), child),
      );
    },
  };
}

/**
 * `cp -r host/ into image/`: the image's directory keeps its own attributes, host entries are added,
 * and where both have a name the host's wins (directories on both sides merge).
 */
export function mergedNode(base: TreeNode, overlay: TreeNode): TreeNode {
  if (base.stat.type !== 'dir' || overlay.stat.type !== 'dir') return overlay;
  return {
    ...base,
    async children() {
      const byName = new Map<string, TreeNode>();
      for (const child of await base.children()) byName.set(child.name.toString('latin1'), child);
      for (const child of await overlay.children()) {
        const key = child.name.toString('latin1');
        const existing = byName.get(key);
        byName.set(key, existing ? mergedNode(existing, child) : child);
      }
      return [...byName.values()];
    },
  };
}

/** A regular file with other contents (an emptied machine-id), keeping the original's attributes. */
export function replacedContent(node: TreeNode, content: Buffer): TreeNode {
  return {
    ...node,
    linkKey: undefined,
    stat: { ...node.stat, size: content.length },
    async open() {
      return {
        size: content.length,
        runs: content.length ? [{ offset: 0, length: content.length }] : [],
        async read(buffer, position, length, bufferOffset = 0) {
          content.copy(buffer, bufferOffset, position, position + length);
        },
      };
    },
  };
}
