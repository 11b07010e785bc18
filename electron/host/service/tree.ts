/** Lists a workspace's files for the file list and the checker, leaving out build outputs and VCS folders. */
import { promises as fs, type Dirent } from 'node:fs';
import { join } from 'node:path';
import type { TreeEntry } from '../../api/types';

export const TREE_LIMIT = 5000;
const MAX_DEPTH = 8;

/** Folders never worth listing or watching: version control, dependencies, Packer's outputs and caches. */
export function isIgnoredDir(name: string): boolean {
  return (
    name === '.git' ||
    name === '.hg' ||
    name === '.svn' ||
    name === 'node_modules' ||
    name === 'packer_cache' ||
    name === '.kiln' ||
    name.startsWith('output-')
  );
}

/** True when a workspace-relative path lies inside an ignored folder. */
export function isIgnoredPath(relative: string): boolean {
  const parts = relative.split('/');
  return parts.slice(0, -1).some(isIgnoredDir) || isIgnoredDir(parts[parts.length - 1] ?? '');
}

export interface ScannedTree {
  entries: TreeEntry[];
  truncated: boolean;
}

/** Breadth-first, sorted by path within each folder, cut at TREE_LIMIT entries. */
export async function scanTree(root: string): Promise<ScannedTree> {
  const entries: TreeEntry[] = [];
  let truncated = false;
  let level: string[] = [''];
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0 && !truncated; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let names: Dirent[];
      try {
        names = await fs.readdir(join(root, dir), { withFileTypes: true });
      } catch {
        continue;
      }
      names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const d of names) {
        const path = dir ? `${dir}/${d.name}` : d.name;
        if (d.isDirectory()) {
          if (isIgnoredDir(d.name)) continue;
          entries.push({ path, kind: 'dir' });
          next.push(path);
        } else if (d.isFile() || d.isSymbolicLink()) {
          let size: number | undefined;
          try {
            const st = await fs.stat(join(root, path));
            if (st.isDirectory()) {
              entries.push({ path, kind: 'dir' });
              continue;
            }
            size = st.size;
          } catch {
            continue;
          }
          entries.push({ path, kind: 'file', size });
        }
        if (entries.length >= TREE_LIMIT) {
          truncated = true;
          break;
        }
      }
      if (truncated) break;
    }
    level = next;
  }
  // Folders deeper than MAX_DEPTH were not listed.
  if (level.length > 0) truncated = true;
  return { entries, truncated };
}

/** The files of a folder workspace that the editor opens as documents: templates and variable files. */
export function isDocumentFile(name: string): boolean {
  return /\.pkr\.(hcl|json)$/.test(name) || /\.pkrvars\.(hcl|json)$/.test(name);
}
