#!/usr/bin/env node
// `npm run bench [-- name...]`: runs every bench/*.bench.{ts,mjs} in turn. Each measures Kiln and its
// reference (Packer, sha256sum, the packer-maas pipeline, ...) in the same run and prints the ratios.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2);
const files = readdirSync(join(root, 'bench'))
  .filter((f) => /\.bench\.(ts|mjs)$/.test(f))
  .filter((f) => filters.length === 0 || filters.some((name) => f.includes(name)))
  .sort();
if (files.length === 0) {
  console.error(`No benchmark matches ${filters.join(' ')}`);
  process.exit(1);
}
let failed = 0;
for (const file of files) {
  console.log(`\n### ${file}`);
  const path = join(root, 'bench', file);
  const args = file.endsWith('.ts') ? [join(root, 'node_modules/tsx/dist/cli.mjs'), path] : [path];
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.log(`(${file} failed with exit code ${result.status})`);
  }
}
process.exit(failed ? 1 : 0);
