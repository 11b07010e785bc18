/** The template module's host over the real file system and process environment. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { TemplateHost } from './template/host';

export function nodeHost(options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): TemplateHost {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const abs = (p: string) => resolve(cwd, p);
  const describe = (e: unknown, path: string) => {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return new Error(`open ${path}: no such file or directory`);
    if (code === 'EISDIR') return new Error(`read ${path}: is a directory`);
    if (code === 'EACCES') return new Error(`open ${path}: permission denied`);
    return new Error(`${path}: ${(e as Error).message}`);
  };
  return {
    readFile(path) {
      try {
        return readFileSync(abs(path), 'utf8');
      } catch (e) {
        throw describe(e, path);
      }
    },
    readFileBytes(path) {
      try {
        return new Uint8Array(readFileSync(abs(path)));
      } catch (e) {
        throw describe(e, path);
      }
    },
    readDir(path) {
      try {
        return readdirSync(abs(path), { withFileTypes: true }).map((d) => ({
          name: d.name,
          isDirectory:
            d.isDirectory() ||
            (d.isSymbolicLink() &&
              statSync(resolve(abs(path), d.name), { throwIfNoEntry: false })?.isDirectory() === true),
        }));
      } catch (e) {
        throw describe(e, path);
      }
    },
    stat(path) {
      const s = statSync(abs(path), { throwIfNoEntry: false });
      if (!s) return undefined;
      return s.isDirectory() ? 'dir' : 'file';
    },
    env: (name) => env[name],
    envNames: () => Object.keys(env),
    cwd: () => cwd,
    homeDir: () => homedir(),
    now: () => new Date(),
    randomUUID: () => randomUUID(),
  };
}
