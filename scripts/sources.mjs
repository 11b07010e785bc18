// The stamp that tells whether a bundle is older than its sources, cheaply: the build records the files
// esbuild read, so bin/kiln.mjs (which reads it, inline: importing a module costs more than the check)
// stats those files instead of walking the source tree.
import { writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Files that change every bundle without being its inputs: the build's own options and the installed packages. */
const BUILD_FILES = ['package.json', 'tsconfig.json', 'scripts/build.mjs', 'node_modules/.package-lock.json'];

/**
 * Records what a bundle was built from: `builtAt` (taken before the build began, so an edit made during
 * the build counts as newer) and the repository's files among esbuild's inputs. Files in node_modules
 * are covered by npm's `.package-lock.json`, rewritten by every install (package files keep the
 * tarball's old times).
 */
export function writeStamp(root, stampFile, builtAt, metafile) {
  const inputs = Object.keys(metafile.inputs)
    .map((p) => relative(root, join(root, p)).split(sep).join('/'))
    .filter((p) => !p.startsWith('node_modules/') && !p.startsWith('..'));
  const files = [...new Set([...inputs, ...BUILD_FILES])].sort();
  writeFileSync(join(root, stampFile), JSON.stringify({ builtAt, files, optional: BUILD_FILES }) + '\n');
}
