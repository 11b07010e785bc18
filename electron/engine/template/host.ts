/**
 * What the template module needs from its surroundings. The module itself imports nothing from Node,
 * so it runs unchanged in the main process, the CLI and a browser web worker; each supplies a host.
 * Paths are POSIX-style strings; relative paths are resolved by the caller against `cwd()`.
 */
export interface DirEntry {
  name: string;
  isDirectory: boolean;
}

export interface TemplateHost {
  /** Reads a UTF-8 file; throws an Error whose message says why (not found, is a directory, ...). */
  readFile(path: string): string;
  /** Reads a file as bytes (for filebase64, sha256 of files); throws like readFile. */
  readFileBytes(path: string): Uint8Array;
  /** Lists a directory; throws if it is not one. */
  readDir(path: string): DirEntry[];
  /** `file`, `dir` or undefined when nothing is there. */
  stat(path: string): 'file' | 'dir' | undefined;
  /** An environment variable, or undefined. */
  env(name: string): string | undefined;
  /** Every environment variable name (for PKR_VAR_ lookups). */
  envNames(): string[];
  /** Absolute working directory. */
  cwd(): string;
  /** Absolute home directory (for pathexpand). */
  homeDir(): string;
  /** The current time (timestamp(), {{timestamp}}, isotime). */
  now(): Date;
  /** A random RFC 4122 version 4 UUID. */
  randomUUID(): string;
}

/** A host with no file system and a fixed environment, for tests and in-memory documents. */
export interface MemoryHostOptions {
  files?: Record<string, string>;
  env?: Record<string, string>;
  cwd?: string;
  home?: string;
  now?: Date;
  uuids?: string[];
}

/** A host over in-memory files, for tests and for documents open in the editor. */
export function memoryHost(options: MemoryHostOptions = {}): TemplateHost {
  const files = new Map(Object.entries(options.files ?? {}));
  const env = options.env ?? {};
  const cwd = options.cwd ?? '/work';
  const uuids = [...(options.uuids ?? [])];
  const abs = (p: string) => (p.startsWith('/') ? p : `${cwd}/${p}`).replace(/\/\.\//g, '/');
  const dirs = () => {
    const set = new Set<string>();
    for (const f of files.keys()) {
      const parts = abs(f).split('/');
      for (let i = 1; i < parts.length; i++) set.add(parts.slice(0, i).join('/') || '/');
    }
    return set;
  };
  const read = (path: string) => {
    const text = files.get(path) ?? files.get(abs(path));
    if (text === undefined) throw new Error(`open ${path}: no such file or directory`);
    return text;
  };
  return {
    readFile: read,
    readFileBytes: (path) => new TextEncoder().encode(read(path)),
    readDir(path) {
      const dir = abs(path).replace(/\/$/, '');
      if (!dirs().has(dir)) throw new Error(`open ${path}: not a directory`);
      const out = new Map<string, boolean>();
      for (const f of files.keys()) {
        const full = abs(f);
        if (!full.startsWith(dir + '/')) continue;
        const rest = full.slice(dir.length + 1).split('/');
        out.set(rest[0], rest.length > 1);
      }
      return [...out]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, isDirectory]) => ({ name, isDirectory }));
    },
    stat(path) {
      if (files.has(path) || files.has(abs(path))) return 'file';
      return dirs().has(abs(path).replace(/\/$/, '')) ? 'dir' : undefined;
    },
    env: (name) => env[name],
    envNames: () => Object.keys(env),
    cwd: () => cwd,
    homeDir: () => options.home ?? '/home/user',
    now: () => options.now ?? new Date(),
    randomUUID: () => uuids.shift() ?? crypto.randomUUID(),
  };
}
