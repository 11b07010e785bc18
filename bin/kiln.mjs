#!/usr/bin/env node
// The `kiln` command. Runs the bundled CLI, rebuilding it first when a source is newer than the bundle,
// so `npx kiln` works straight after `npm ci` and after every edit, with no build step by hand.
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist/cli.cjs');
const isStale = async () => {
  if (!existsSync(bundle)) return true;
  if (!existsSync(join(root, 'electron'))) return false;
  const { newestSource } = await import('../scripts/sources.mjs');
  return newestSource(root) > statSync(bundle).mtimeMs;
};
if (process.env.KILN_NO_REBUILD !== '1' && (await isStale())) {
  const { buildNode } = await import('../scripts/build.mjs');
  await buildNode('cli');
}
const require = createRequire(import.meta.url);
const { main } = require(bundle);
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  },
);
