/**
 * A TemplateHost over what the editor knows: the open documents (their unsaved text), the workspace's file
 * list, and other files fetched on demand. The template module is synchronous, so a read of a file the
 * editor has not fetched yet cannot wait: it is recorded as missing, the check's result is discarded, and
 * the caller fetches the files and checks again. Paths outside the workspace root can be stat'ed (fetched
 * the same way) but not read.
 */
import type { DirEntry, TemplateHost } from '../host';

export type PathKind = 'file' | 'dir';

/** `a/./b/../c` → `a/c`, keeping a leading `/`; `..` never climbs above the root of an absolute path. */
export function normalizePath(path: string): string {
  const absolute = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (!part || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  return absolute ? `/${joined}` : joined || '.';
}

export function joinPath(base: string, path: string): string {
  return normalizePath(path.startsWith('/') ? path : `${base}/${path}`);
}

/** Thrown (inside the template module) when a file is not known yet; the check is redone once it is. */
export class NotLoadedYet extends Error {
  constructor(path: string) {
    super(`open ${path}: not loaded in the editor yet`);
    this.name = 'NotLoadedYet';
  }
}

export interface DocumentHostOptions {
  /** Absolute workspace root: the host's working directory. */
  root: string;
  homeDir?: string;
  env?: Record<string, string>;
}

export class DocumentFiles {
  readonly root: string;
  private readonly documents = new Map<string, string>();
  private readonly fetched = new Map<string, string | null>();
  private readonly tree = new Map<string, PathKind>();
  private readonly outside = new Map<string, PathKind | null>();
  private treeComplete = true;
  /** Workspace-relative files to fetch. */
  readonly missingFiles = new Set<string>();
  /** Absolute paths outside the root to stat. */
  readonly missingStats = new Set<string>();

  constructor(private readonly options: DocumentHostOptions) {
    this.root = normalizePath(options.root);
  }

  setDocument(path: string, text: string): void {
    this.documents.set(normalizePath(path), text);
  }

  closeDocument(path: string): void {
    this.documents.delete(normalizePath(path));
  }

  document(path: string): string | undefined {
    return this.documents.get(normalizePath(path));
  }

  documentPaths(): string[] {
    return [...this.documents.keys()];
  }

  setTree(entries: readonly { path: string; kind: PathKind }[], complete = true): void {
    this.tree.clear();
    for (const e of entries) this.tree.set(normalizePath(e.path), e.kind);
    this.treeComplete = complete;
  }

  /** Records a fetched file: its text, or null when it is missing or not text. */
  setFile(path: string, text: string | null): void {
    const rel = normalizePath(path);
    this.fetched.set(rel, text);
    this.missingFiles.delete(rel);
  }

  setStat(absolute: string, kind: PathKind | null): void {
    this.outside.set(absolute, kind);
    this.missingStats.delete(absolute);
  }

  /** Forgets a fetched file (it changed on disk). */
  invalidate(path: string): void {
    this.fetched.delete(normalizePath(path));
  }

  /** True when the last use of the host needed something not known yet. */
  get incomplete(): boolean {
    return this.missingFiles.size > 0 || this.missingStats.size > 0;
  }

  resetMissing(): void {
    this.missingFiles.clear();
    this.missingStats.clear();
  }

  /** The workspace-relative path of a host path, or undefined when it lies outside the root. */
  relative(path: string): string | undefined {
    const abs = joinPath(this.root, path);
    if (abs === this.root) return '.';
    return abs.startsWith(this.root === '/' ? '/' : `${this.root}/`)
      ? abs.slice(this.root.length + 1)
      : undefined;
  }

  private kindOf(rel: string): PathKind | undefined {
    if (rel === '.') return 'dir';
    if (this.documents.has(rel)) return 'file';
    const fetched = this.fetched.get(rel);
    if (fetched !== undefined) return fetched === null ? this.tree.get(rel) : 'file';
    const known = this.tree.get(rel);
    if (known) return known;
    // A folder that only exists because a document lives in it.
    for (const doc of this.documents.keys()) if (doc.startsWith(rel + '/')) return 'dir';
    return undefined;
  }

  host(): TemplateHost {
    const readText = (path: string): string => {
      const rel = this.relative(path);
      if (rel === undefined) {
        throw new Error(
          `open ${path}: the editor reads only files inside the template's folder ${this.root}`,
        );
      }
      const doc = this.documents.get(rel);
      if (doc !== undefined) return doc;
      const fetched = this.fetched.get(rel);
      if (typeof fetched === 'string') return fetched;
      const kind = this.tree.get(rel);
      if (fetched === null) {
        if (kind === 'dir') throw new Error(`read ${path}: is a directory`);
        if (kind === 'file') throw new Error(`open ${path}: not a text file`);
        throw new Error(`open ${path}: no such file or directory`);
      }
      if (kind === 'dir') throw new Error(`read ${path}: is a directory`);
      if (kind === 'file' || !this.treeComplete) {
        this.missingFiles.add(rel);
        throw new NotLoadedYet(path);
      }
      throw new Error(`open ${path}: no such file or directory`);
    };
    return {
      readFile: readText,
      readFileBytes: (path) => new TextEncoder().encode(readText(path)),
      readDir: (path): DirEntry[] => {
        const rel = this.relative(path);
        if (rel === undefined) {
          throw new Error(
            `open ${path}: the editor lists only folders inside the template's folder ${this.root}`,
          );
        }
        if (this.kindOf(rel) !== 'dir') throw new Error(`open ${path}: not a directory`);
        const prefix = rel === '.' ? '' : `${rel}/`;
        const children = new Map<string, boolean>();
        const consider = (p: string, kind: PathKind) => {
          if (!p.startsWith(prefix) || p === rel) return;
          const rest = p.slice(prefix.length).split('/');
          children.set(rest[0], rest.length > 1 || kind === 'dir');
        };
        for (const [p, kind] of this.tree) consider(p, kind);
        for (const p of this.documents.keys()) consider(p, 'file');
        return [...children]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([name, isDirectory]) => ({ name, isDirectory }));
      },
      stat: (path) => {
        const rel = this.relative(path);
        if (rel !== undefined) {
          const kind = this.kindOf(rel);
          if (kind === undefined && !this.treeComplete && !this.fetched.has(rel)) {
            this.missingFiles.add(rel);
          }
          return kind;
        }
        const abs = joinPath(this.root, path);
        const known = this.outside.get(abs);
        if (known !== undefined) return known ?? undefined;
        this.missingStats.add(abs);
        return undefined;
      },
      env: (name) => this.options.env?.[name],
      envNames: () => Object.keys(this.options.env ?? {}),
      cwd: () => this.root,
      homeDir: () => this.options.homeDir ?? '/',
      now: () => new Date(),
      randomUUID: () => crypto.randomUUID(),
    };
  }
}
