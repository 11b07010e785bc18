// Builds what Kiln runs from TypeScript sources. `prepare` (run by `npm ci`) builds the command line;
// `--all` also builds the Electron main/preload bundles, the web host and the renderer.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeStamp } from './sources.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const external = ['electron', 'node-pty', 'ssh2', 'cpu-features', 'ws', 'bufferutil', 'utf-8-validate'];

/**
 * The command line's bundles: the full CLI, and a small one holding only the template commands (what
 * `kiln validate` needs to start), with one stamp of their inputs for bin/kiln.cjs's staleness check
 * and a V8 code cache each.
 */
export const CLI = {
  entry: 'electron/cli/main.ts',
  out: 'dist/cli.cjs',
  templateEntry: 'electron/cli/template-main.ts',
  templateOut: 'dist/cli-template.cjs',
  stamp: 'dist/cli.stamp.json',
};

const nodeBundles = [
  { entry: 'electron/host/main.ts', out: 'dist/host.cjs' },
  { entry: 'electron/main.ts', out: 'dist/electron/main.cjs' },
  { entry: 'electron/preload.ts', out: 'dist/electron/preload.cjs' },
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

/**
 * The CLI: minified (half the bytes to read and deserialize at every start; names kept for messages
 * and stacks), with a stamp of its inputs for the staleness check, then code caches warmed on real work.
 */
async function buildCli() {
  const builtAt = Date.now();
  const bundle = (entry, out) =>
    build({
      ...nodeBundleOptions(join(root, entry), join(root, out)),
      absWorkingDir: root,
      minify: true,
      keepNames: true,
      metafile: true,
    });
  const [full, small] = await Promise.all([
    bundle(CLI.entry, CLI.out),
    bundle(CLI.templateEntry, CLI.templateOut),
  ]);
  writeStamp(root, CLI.stamp, builtAt, { inputs: { ...full.metafile.inputs, ...small.metafile.inputs } });
  warmCodeCache();
}

/**
 * Runs `kiln validate` on a small HCL folder and a small JSON template, and `kiln fmt`, in one process
 * per bundle that then saves V8's code cache (bin/kiln.cjs): later starts skip compiling what these
 * used. A cache that fails to write only costs speed.
 */
function warmCodeCache() {
  const work = mkdtempSync(join(tmpdir(), 'kiln-warm-'));
  try {
    const hcl = join(work, 'hcl');
    mkdirSync(hcl);
    writeFileSync(join(hcl, 'build.pkr.hcl'), WARM_HCL);
    writeFileSync(join(work, 'template.json'), WARM_JSON);
    // A null build with no communicator and no post-processor: the build session, runner and printer,
    // which every `kiln build` runs, go into the full bundle's cache too.
    writeFileSync(
      join(work, 'null.json'),
      JSON.stringify({ builders: [{ type: 'null', communicator: 'none' }] }),
    );
    const commands = [
      ['validate', hcl],
      ['validate', '-syntax-only', hcl],
      ['validate', join(work, 'template.json')],
      ['fmt', '-check', hcl],
    ];
    const fullOnly = [['build', '-color=false', join(work, 'null.json')]];
    for (const bundle of ['template', 'full']) {
      spawnSync(process.execPath, [join(root, 'bin/kiln.cjs')], {
        cwd: work,
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          KILN_NO_REBUILD: '1',
          KILN_BUNDLE: bundle,
          KILN_CODE_CACHE_WARMUP: JSON.stringify(bundle === 'full' ? [...commands, ...fullOnly] : commands),
        },
        stdio: 'ignore',
        timeout: 60_000,
      });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const WARM_HCL = `variable "size" {
  type    = string
  default = "8G"
}

locals {
  name  = "warm-\${var.size}"
  flags = [for f in ["a", "b"] : upper(f)]
}

source "qemu" "warm" {
  iso_url          = "https://example.org/warm.iso"
  iso_checksum     = "sha256:${'ab'.repeat(32)}"
  disk_size        = var.size
  memory           = 1024
  headless         = true
  communicator     = "none"
  output_directory = "output-\${source.name}"
  boot_command     = ["<esc><wait>", "linux ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.cfg<enter>"]
  qemuargs         = [["-m", "1024M"]]
}

build {
  name    = local.name
  sources = ["source.qemu.warm"]

  provisioner "shell-local" {
    inline = ["echo \${source.name} \${join(",", local.flags)}"]
  }

  post-processor "checksum" {
    checksum_types = ["sha256"]
    output         = "output-\${source.name}/SHA256SUMS"
  }
}
`;

const WARM_JSON = JSON.stringify(
  {
    variables: { size: '8G' },
    builders: [
      {
        type: 'qemu',
        iso_url: 'https://example.org/warm.iso',
        iso_checksum: `sha256:${'ab'.repeat(32)}`,
        disk_size: '{{user `size`}}',
        communicator: 'none',
        output_directory: 'output-{{build_name}}',
      },
    ],
    provisioners: [{ type: 'shell-local', inline: ['echo {{user `size`}}'] }],
    'post-processors': [{ type: 'checksum', checksum_types: ['sha256'] }],
  },
  null,
  2,
);

export async function buildNode(which = 'cli') {
  const others = which === 'all' ? nodeBundles.filter((b) => existsSync(join(root, b.entry))) : [];
  await Promise.all([
    buildCli(),
    ...others.map((b) => build(nodeBundleOptions(join(root, b.entry), join(root, b.out)))),
  ]);
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
