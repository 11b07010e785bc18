// Builds what Kiln runs from TypeScript sources. `prepare` (run by `npm ci`) builds the command line;
// `--all` also builds the Electron main/preload bundles, the web host and the renderer.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const external = ['electron', 'node-pty', 'ssh2', 'cpu-features', 'ws', 'bufferutil', 'utf-8-validate'];

const nodeBundles = [
  { entry: 'electron/cli/main.ts', out: 'dist/cli.cjs' },
  { entry: 'electron/host/main.ts', out: 'dist/host.cjs', all: true },
  { entry: 'electron/main.ts', out: 'dist/electron/main.cjs', all: true },
  { entry: 'electron/preload.ts', out: 'dist/electron/preload.cjs', all: true },
];

/** esbuild options for one Node bundle of Kiln (the CLI, the host, Electron's main and preload). */
export function nodeBundleOptions(entry, outfile) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'linked',
    external,
    // Prefer ES modules: jsonc-parser's UMD build hides its requires from the bundler.
    mainFields: ['module', 'main'],
    logLevel: 'warning',
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
  };
}

export async function buildNode(which = 'cli') {
  const wanted = nodeBundles.filter(
    (b) => (which === 'all' ? true : !b.all) && existsSync(join(root, b.entry)),
  );
  await Promise.all(wanted.map((b) => build(nodeBundleOptions(join(root, b.entry), join(root, b.out)))));
}

async function buildRenderer() {
  if (!existsSync(join(root, 'renderer/index.html'))) return;
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: join(root, 'renderer/vite.config.ts'), logLevel: 'warn' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const all = process.argv.includes('--all');
  await buildNode(all ? 'all' : 'cli');
  if (all) await buildRenderer();
}
