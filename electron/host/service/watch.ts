/**
 * Watches a workspace's folders, one inotify watch per folder. (Node's recursive mode on Linux loses track
 * of a file once an editor replaces it by rename, which is how Kiln and most editors save; a folder watch
 * keeps reporting by name.) Reports workspace-relative paths; the caller decides what changed.
 */
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { isIgnoredPath } from './tree';

const MAX_WATCHED_DIRS = 1000;

export class TreeWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly onPath: (relative: string) => void,
  ) {}

  /** Starts watching a folder ('' is the root); ignored folders and folders past the limit are skipped. */
  add(dir: string): void {
    if (this.closed || this.watchers.has(dir) || (dir && isIgnoredPath(dir))) return;
    if (this.watchers.size >= MAX_WATCHED_DIRS) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(join(this.root, dir), { persistent: false }, (_type, filename) => {
        if (!filename) return;
        const rel = dir ? `${dir}/${filename.toString()}` : filename.toString();
        if (!isIgnoredPath(rel)) this.onPath(rel);
      });
    } catch {
      return; // Gone already, or out of inotify watches: changes there go unreported.
    }
    watcher.on('error', () => this.remove(dir));
    this.watchers.set(dir, watcher);
  }

  /** Stops watching a folder and everything under it. */
  remove(dir: string): void {
    for (const [path, watcher] of this.watchers) {
      if (path === dir || path.startsWith(dir + '/')) {
        watcher.close();
        this.watchers.delete(path);
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}
