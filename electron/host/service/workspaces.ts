/**
 * Open workspaces: a template file or folder the user chose, its files, and a watcher that reports changes
 * made on disk by anything other than Kiln. Every path the renderer sends is relative to a workspace root
 * and is resolved here, symlinks included, so nothing outside the root can be read or written.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { ApiError } from '../../api/errors';
import type { ApiEvent, FileContent, SaveResult, TreeEntry, WorkspaceInfo } from '../../api/types';
import { contentVersion, decodeText, writeFileAtomic } from './files';
import { isDocumentFile, scanTree } from './tree';
import { TreeWatcher } from './watch';

/** Files larger than this are not offered to the editor as text. */
const MAX_TEXT_FILE = 16 * 1024 * 1024;
/** Changes to one path within this window are reported once. */
const SETTLE_MS = 40;

interface Workspace {
  info: WorkspaceInfo;
  /** realpath of the root, for containment checks. */
  realRoot: string;
  /** The version of each file as Kiln last read or wrote it; a watch event with the same version is our own. */
  known: Map<string, string>;
  /** Paths known to exist, with their kind. */
  present: Map<string, 'file' | 'dir'>;
  watcher?: TreeWatcher;
  pending: Map<string, NodeJS.Timeout>;
}

export class WorkspaceRegistry {
  private readonly open = new Map<string, Workspace>();

  constructor(private readonly emit: (event: ApiEvent) => void) {}

  async openWorkspace(path: string): Promise<WorkspaceInfo> {
    const target = resolve(path);
    const stat = await fs.stat(target).catch(() => {
      throw new ApiError('not-found', `${target}: no such file or folder`);
    });
    const kind = stat.isDirectory() ? 'folder' : 'file';
    const root = kind === 'folder' ? target : dirname(target);
    const realRoot = await fs.realpath(root);
    const entry = kind === 'folder' ? '.' : basename(target);
    const { entries, truncated } = await scanTree(root);
    const id = randomBytes(9).toString('base64url');
    const ws: Workspace = {
      info: {
        id,
        root,
        name: basename(target),
        kind,
        entry,
        documents: [],
        tree: entries,
        treeTruncated: truncated,
        // Filled in by the service, which keeps breakpoints and trust decisions.
        breakpoints: [],
        trust: { folder: root, trusted: false, needs: [] },
      },
      realRoot,
      known: new Map(),
      present: new Map(entries.map((e) => [e.path, e.kind])),
      pending: new Map(),
    };
    const documentPaths =
      kind === 'folder'
        ? entries
            .filter((e) => e.kind === 'file' && !e.path.includes('/') && isDocumentFile(e.path))
            .map((e) => e.path)
        : [entry];
    for (const doc of documentPaths) {
      const content = await this.readIn(ws, doc);
      if (content) ws.info.documents.push(content);
    }
    if (kind === 'file' && ws.info.documents.length === 0) {
      throw new ApiError('unsupported', `${target}: not a UTF-8 text file`);
    }
    this.open.set(id, ws);
    this.startWatching(ws);
    return ws.info;
  }

  /** The open workspace's info (the live object: the service fills in breakpoints and trust). */
  info(workspaceId: string): WorkspaceInfo {
    return this.get(workspaceId).info;
  }

  async close(workspaceId: string): Promise<void> {
    const ws = this.open.get(workspaceId);
    if (!ws) return;
    this.open.delete(workspaceId);
    ws.watcher?.close();
    for (const t of ws.pending.values()) clearTimeout(t);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open.keys()].map((id) => this.close(id)));
  }

  async readFile(workspaceId: string, path: string): Promise<FileContent | null> {
    const ws = this.get(workspaceId);
    return this.readIn(ws, path);
  }

  async saveFile(
    workspaceId: string,
    path: string,
    text: string,
    expectedVersion: string | null | undefined,
  ): Promise<SaveResult> {
    const ws = this.get(workspaceId);
    const absolute = await this.resolveInside(ws, path, { mayNotExist: true });
    const current = await fs.readFile(absolute).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw new ApiError('io', `${path}: ${err.message}`);
    });
    if (expectedVersion === null && current !== undefined) {
      throw new ApiError('exists', `${path} already exists`);
    }
    if (
      typeof expectedVersion === 'string' &&
      current !== undefined &&
      contentVersion(current) !== expectedVersion
    ) {
      throw new ApiError(
        'conflict',
        `${path} changed on disk since it was opened; reload it or save again to overwrite`,
      );
    }
    const version = contentVersion(text);
    // Record the version first so the watcher recognises the write as ours.
    ws.known.set(path, version);
    try {
      await fs.mkdir(dirname(absolute), { recursive: true });
      await writeFileAtomic(absolute, text);
    } catch (err) {
      throw new ApiError('io', `${path}: ${(err as Error).message}`);
    }
    if (!ws.present.has(path)) {
      ws.present.set(path, 'file');
      ws.info.tree.push({ path, kind: 'file', size: Buffer.byteLength(text) });
    }
    return { path, version };
  }

  private get(workspaceId: string): Workspace {
    const ws = this.open.get(workspaceId);
    if (!ws) throw new ApiError('not-found', `workspace ${workspaceId} is not open`);
    return ws;
  }

  /** The absolute path of a workspace file, refusing anything whose real location is outside the root. */
  private async resolveInside(
    ws: Workspace,
    path: string,
    opts: { mayNotExist?: boolean } = {},
  ): Promise<string> {
    const absolute = resolve(ws.info.root, path);
    const inside = (p: string, root: string) =>
      p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
    if (!inside(absolute, resolve(ws.info.root))) {
      throw new ApiError('outside-workspace', `${path} is outside the workspace ${ws.info.root}`);
    }
    // Resolve symlinks of the nearest existing ancestor: the file itself may not exist yet.
    let probe = absolute;
    let suffix = '';
    for (;;) {
      try {
        const real = await fs.realpath(probe);
        const full = suffix ? join(real, suffix) : real;
        if (!inside(full, ws.realRoot)) {
          throw new ApiError('outside-workspace', `${path} leads outside the workspace ${ws.info.root}`);
        }
        if (!opts.mayNotExist && suffix) throw new ApiError('not-found', `${path}: no such file`);
        return absolute;
      } catch (err) {
        if (err instanceof ApiError) throw err;
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
          throw new ApiError('io', `${path}: ${(err as Error).message}`);
        const parent = dirname(probe);
        if (parent === probe) throw new ApiError('not-found', `${path}: no such file`);
        suffix = suffix ? join(basename(probe), suffix) : basename(probe);
        probe = parent;
      }
    }
  }

  private async readIn(ws: Workspace, path: string): Promise<FileContent | null> {
    let absolute: string;
    try {
      absolute = await this.resolveInside(ws, path);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'not-found') return null;
      throw err;
    }
    let bytes: Buffer;
    try {
      const st = await fs.stat(absolute);
      if (!st.isFile() || st.size > MAX_TEXT_FILE) return null;
      bytes = await fs.readFile(absolute);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR') return null;
      throw new ApiError('io', `${path}: ${(err as Error).message}`);
    }
    const text = decodeText(bytes);
    if (text === undefined) return null;
    const version = contentVersion(bytes);
    ws.known.set(path, version);
    return { path, text, version };
  }

  private startWatching(ws: Workspace): void {
    const watcher = new TreeWatcher(ws.info.root, (rel) => {
      const timer = ws.pending.get(rel);
      if (timer) clearTimeout(timer);
      ws.pending.set(
        rel,
        setTimeout(() => {
          ws.pending.delete(rel);
          void this.check(ws, rel);
        }, SETTLE_MS),
      );
    });
    watcher.add('');
    for (const e of ws.info.tree) if (e.kind === 'dir') watcher.add(e.path);
    ws.watcher = watcher;
  }

  /** Looks at one changed path and reports what changed, unless it is Kiln's own write. */
  private async check(ws: Workspace, rel: string): Promise<void> {
    if (!this.open.has(ws.info.id)) return;
    const absolute = join(ws.info.root, rel);
    const st = await fs.stat(absolute).catch(() => undefined);
    const wasKind = ws.present.get(rel);
    const base = {
      topic: 'workspace' as const,
      type: 'file-changed' as const,
      workspaceId: ws.info.id,
      path: rel,
    };
    if (!st) {
      if (!wasKind) return;
      ws.present.delete(rel);
      ws.known.delete(rel);
      if (wasKind === 'dir') ws.watcher?.remove(rel);
      ws.info.tree = ws.info.tree.filter((e) => e.path !== rel && !e.path.startsWith(rel + '/'));
      this.emit({ ...base, change: 'removed', kind: wasKind });
      return;
    }
    if (st.isDirectory()) {
      if (wasKind) return;
      ws.present.set(rel, 'dir');
      ws.info.tree.push({ path: rel, kind: 'dir' });
      ws.watcher?.add(rel);
      this.emit({ ...base, change: 'created', kind: 'dir' });
      return;
    }
    if (!st.isFile()) return;
    let version: string | undefined;
    if (st.size <= MAX_TEXT_FILE) {
      const bytes = await fs.readFile(absolute).catch(() => undefined);
      if (!bytes) return;
      version = contentVersion(bytes);
    }
    if (!this.open.has(ws.info.id)) return;
    if (!wasKind) {
      ws.present.set(rel, 'file');
      const entry: TreeEntry = { path: rel, kind: 'file', size: st.size };
      ws.info.tree.push(entry);
      if (version && ws.known.get(rel) === version) return; // our own new file
      this.emit({ ...base, change: 'created', kind: 'file', size: st.size, ...(version ? { version } : {}) });
      return;
    }
    if (version && ws.known.get(rel) === version) return;
    if (version) ws.known.set(rel, version);
    const entry = ws.info.tree.find((e) => e.path === rel);
    if (entry) entry.size = st.size;
    this.emit({ ...base, change: 'changed', kind: 'file', size: st.size, ...(version ? { version } : {}) });
  }
}

/** For tests and the host: the relative path of an absolute one inside root, with `/` separators. */
export function toWorkspacePath(root: string, absolute: string): string {
  return relative(root, absolute).split(sep).join('/');
}
