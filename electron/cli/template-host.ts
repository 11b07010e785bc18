/** The template module's host for the command line: the real file system, environment and clock. */
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { TemplateHost } from '../engine/template/host';

export function nodeTemplateHost(cwd: string, env: NodeJS.ProcessEnv): TemplateHost {
  const abs = (p: string) => resolve(cwd, p);
  const why = (path: string, err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file or directory'
        : code === 'EISDIR'
          ? 'is a directory'
          : (err as Error).message;
    return new Error(`open ${path}: ${reason}`);
  };
  return {
    readFile(path) {
      try {
        return readFileSync(abs(path), 'utf8');
      } catch (err) {
        throw why(path, err);
      }
    },
    readFileBytes(path) {
      try {
        return readFileSync(abs(path));
      } catch (err) {
        throw why(path, err);
      }
    },
    readDir(path) {
      return readdirSync(abs(path), { withFileTypes: true })
        .map((e) => ({ name: e.name, isDirectory: e.isDirectory() }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    stat(path) {
      try {
        return statSync(abs(path)).isDirectory() ? 'dir' : 'file';
      } catch {
        return undefined;
      }
    },
    env: (name) => env[name],
    envNames: () => Object.keys(env),
    cwd: () => cwd,
    homeDir: () => homedir(),
    now: () => new Date(),
    randomUUID: () => randomUUID(),
  };
}
