/**
 * What the readiness rules look at: an image's files by path, whether they come from a disk's file
 * system (read through Kiln's ext4 reader) or from a tarball (indexed in one streaming pass). Paths are
 * resolved as inside the image (symlinks relative to its root).
 */
import { lookupPath, readSmallFile } from '../fs/lookup';
import type { FileSystemReader, FileType } from '../fs/types';
import { TarReader } from '../tar/reader';

export interface ViewStat {
  type: FileType | 'hardlink' | 'other';
  perm: number;
  size: number;
}

export interface ImageView {
  readonly description: string;
  /** lstat of the last component unless `follow`. */
  stat(path: string, follow?: boolean): Promise<ViewStat | undefined>;
  /** Names in a directory (symlinks followed), or undefined when it is not one. */
  list(path: string): Promise<string[] | undefined>;
  /** A small file's bytes (symlinks followed), or undefined. */
  read(path: string, limit?: number): Promise<Buffer | undefined>;
}

export class FsView implements ImageView {
  readonly description: string;
  constructor(private readonly fs: FileSystemReader) {
    this.description = fs.description;
  }
  async stat(path: string, follow = false): Promise<ViewStat | undefined> {
    const ino = await lookupPath(this.fs, path, { follow });
    if (ino === undefined) return undefined;
    const st = await this.fs.stat(ino);
    return { type: st.type, perm: st.perm, size: st.size };
  }
  async list(path: string): Promise<string[] | undefined> {
    const ino = await lookupPath(this.fs, path, { follow: true });
    if (ino === undefined || (await this.fs.stat(ino)).type !== 'dir') return undefined;
    return (await this.fs.readdir(ino)).map((e) => e.name);
  }
  read(path: string, limit = 256 * 1024): Promise<Buffer | undefined> {
    return readSmallFile(this.fs, path, limit);
  }
}

interface TarNode {
  stat: ViewStat;
  target?: string;
  content?: Buffer;
  children?: Set<string>;
}

function normalise(path: string): string {
  return path
    .split('/')
    .filter((p) => p && p !== '.')
    .join('/');
}

/** Files whose contents the rules read (kept while indexing a tarball; everything else is listed only). */
export function isInteresting(path: string, size: number): boolean {
  if (size > 256 * 1024) return false;
  return /^(etc\/|curtin\/|var\/lib\/dbus\/machine-id$|root\/\.ssh\/)/.test(path);
}

export class TarView implements ImageView {
  private readonly nodes = new Map<string, TarNode>([
    ['', { stat: { type: 'dir', perm: 0o755, size: 0 }, children: new Set() }],
  ]);
  members = 0;

  private constructor(readonly description: string) {}

  /** Indexes a tarball's members in one pass over its (decompressed) bytes. */
  static async index(source: AsyncIterable<Buffer>, description: string): Promise<TarView> {
    const view = new TarView(description);
    const reader = new TarReader(source);
    for (;;) {
      const next = await reader.next();
      if (!next) break;
      const m = next.member;
      view.members++;
      const path = normalise(m.path);
      const node: TarNode = {
        stat: { type: m.type === 'hardlink' ? 'file' : m.type, perm: m.perm, size: m.size },
      };
      if (m.type === 'symlink') node.target = m.linkTarget;
      if (m.type === 'hardlink') {
        const target = view.nodes.get(normalise(m.linkTarget));
        if (target) Object.assign(node, { stat: target.stat, content: target.content });
      }
      if (m.type === 'file' && isInteresting(path, m.size)) {
        const chunks: Buffer[] = [];
        for await (const chunk of next.data()) chunks.push(Buffer.from(chunk));
        node.content = Buffer.concat(chunks);
      }
      view.add(path, node);
    }
    return view;
  }

  private add(path: string, node: TarNode): void {
    const existing = this.nodes.get(path);
    if (node.stat.type === 'dir') node.children = existing?.children ?? new Set();
    this.nodes.set(path, node);
    if (!path) return;
    const slash = path.lastIndexOf('/');
    const parent = slash < 0 ? '' : path.slice(0, slash);
    if (!this.nodes.has(parent)) this.add(parent, { stat: { type: 'dir', perm: 0o755, size: 0 } });
    this.nodes.get(parent)?.children?.add(path.slice(slash + 1));
  }

  /** Resolves a path like lookupPath does, in the index. */
  private resolve(path: string, follow: boolean): string | undefined {
    let parts = path.split('/').filter((p) => p && p !== '.');
    const stack: string[] = [];
    let links = 0;
    while (parts.length) {
      const part = parts.shift() as string;
      if (part === '..') {
        stack.pop();
        continue;
      }
      const candidate = [...stack, part].join('/');
      const node = this.nodes.get(candidate);
      if (!node) return undefined;
      if (node.stat.type === 'symlink' && (parts.length || follow)) {
        if (++links > 40) return undefined;
        const target = node.target ?? '';
        if (target.startsWith('/')) stack.length = 0;
        parts = [...target.split('/').filter((p) => p && p !== '.'), ...parts];
        continue;
      }
      stack.push(part);
    }
    return stack.join('/');
  }

  async stat(path: string, follow = false): Promise<ViewStat | undefined> {
    const key = this.resolve(path, follow);
    return key === undefined ? undefined : this.nodes.get(key)?.stat;
  }
  async list(path: string): Promise<string[] | undefined> {
    const key = this.resolve(path, true);
    const node = key === undefined ? undefined : this.nodes.get(key);
    return node?.children ? [...node.children] : undefined;
  }
  async read(path: string): Promise<Buffer | undefined> {
    const key = this.resolve(path, true);
    return key === undefined ? undefined : this.nodes.get(key)?.content;
  }
}
