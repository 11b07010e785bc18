/** Where Kiln's own files are, whether running from sources (tests) or from the `dist/` bundle. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding Kiln's package.json, found by walking up from this module. */
export function appRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return dir;
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'electron'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return from;
    dir = parent;
  }
}

export const rendererDir = (root: string = appRoot()): string => join(root, 'dist/renderer');
export const galleryDir = (root: string = appRoot()): string => join(root, 'templates');
