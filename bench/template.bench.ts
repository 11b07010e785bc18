/**
 * The template language, measured: parse + validate in process on a generated 5,000-line HCL folder
 * (goal: under 30 ms warm), and `kiln validate` wall time beside `packer validate -syntax-only` on the
 * same files (goal: Kiln faster), printed as ratios.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { build, type BuildOptions } from 'esbuild';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { nodeHost } from '../electron/engine/node-host';
import { validateTemplate } from '../electron/engine/template/validate';
import { generateHclFolder } from './hcl-folder';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = resolve(root, '../shared/corpus');

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface ValidateModule {
  validateTemplate: typeof validateTemplate;
  nodeHost: typeof nodeHost;
}

/** validateTemplate and nodeHost bundled with the CLI's own esbuild options (scripts/build.mjs). */
async function bundledValidate(work: string): Promise<ValidateModule> {
  const { nodeBundleOptions } = (await import(pathToFileURL(join(root, 'scripts/build.mjs')).href)) as {
    nodeBundleOptions: (entry: string, outfile: string) => BuildOptions;
  };
  const outfile = join(work, 'validate.cjs');
  const { entryPoints: _entry, ...options } = nodeBundleOptions('', outfile);
  await build({
    ...options,
    stdin: {
      contents:
        "export { validateTemplate } from './electron/engine/template/validate';\n" +
        "export { nodeHost } from './electron/engine/node-host';\n",
      resolveDir: root,
      loader: 'ts',
    },
    absWorkingDir: root,
    minify: true,
    keepNames: true,
    sourcemap: false,
  });
  return createRequire(import.meta.url)(outfile) as ValidateModule;
}

function timeCommand(
  cmd: string,
  args: string[],
  cwd: string,
  runs: number,
): { ms: number; status: number | null } {
  const times: number[] = [];
  let status: number | null = 0;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const r = spawnSync(cmd, args, {
      cwd,
      env: { ...process.env, CHECKPOINT_DISABLE: '1' },
      encoding: 'utf8',
    });
    times.push(performance.now() - start);
    status = r.status;
  }
  return { ms: median(times), status };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'kiln-bench-template-'));
  try {
    const folder = join(work, 'generated');
    const lines = generateHclFolder(folder, 5000);
    const options = { vars: [] as [string, string][], varFiles: [] };

    // In process, twice: as the CLI and the app ship it (one esbuild bundle, minified, names kept), and
    // as this benchmark's own TypeScript loader (tsx) runs the sources, which is slower.
    const shipped = await bundledValidate(work);
    const measured = [
      { label: 'shipped bundle', validate: shipped.validateTemplate, host: shipped.nodeHost({ cwd: work }) },
      { label: 'sources via tsx', validate: validateTemplate, host: nodeHost({ cwd: work }) },
    ];
    for (const { label, validate, host } of measured) {
      let start = performance.now();
      const first = validate(folder, options, host);
      const cold = performance.now() - start;
      for (let i = 0; i < 5; i++) validate(folder, options, host);
      const warm: number[] = [];
      for (let i = 0; i < 20; i++) {
        start = performance.now();
        validate(folder, options, host);
        warm.push(performance.now() - start);
      }
      const errors = first.diagnostics.filter((d) => d.severity === 'error').length;
      if (label === measured[0].label)
        console.log(
          `generated folder: ${lines} lines, ${first.template.builds.length} builds, ${errors} errors`,
        );
      console.log(
        `parse+validate in process (${label}): cold ${cold.toFixed(1)} ms, warm median ${median(warm).toFixed(1)} ms (goal < 30 ms)`,
      );
    }

    // The command as users run it (package.json `bin`): a shell launcher that starts bin/kiln.cjs.
    const kiln = join(root, 'bin/kiln');
    spawnSync(kiln, ['version'], { cwd: root }); // make sure the bundles are built
    const packer = existsSync('/usr/bin/packer') ? '/usr/bin/packer' : undefined;
    // The floors: starting Node with nothing to do, and Packer printing its version.
    const nodeFloor = timeCommand(process.execPath, ['-e', '0'], work, 7);
    const packerFloor = packer ? timeCommand(packer, ['version'], work, 7) : undefined;
    const extraCerts = process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset';
    console.log(
      `start-up floors (NODE_EXTRA_CA_CERTS ${extraCerts}): node -e 0 ${nodeFloor.ms.toFixed(0)} ms` +
        (packerFloor ? `, packer version ${packerFloor.ms.toFixed(0)} ms` : ''),
    );
    const cases: [string, string][] = [['generated 5,000-line folder', folder]];
    if (existsSync(corpus)) {
      // packer 1.6.6 refuses this one (it needs Packer >= 1.11): both still read and check every file.
      cases.push(['corpus maas-ubuntu-cloudimg (HCL)', join(corpus, 'maas-ubuntu-cloudimg')]);
      // One that packer 1.6.6 accepts.
      cases.push(['corpus goffinet-focal-hcl (HCL)', join(corpus, 'goffinet-focal-hcl')]);
      cases.push(['corpus goffinet-json/focal.json (JSON)', join(corpus, 'goffinet-json/focal.json')]);
    }
    for (const [label, target] of cases) {
      const k = timeCommand(kiln, ['validate', '-syntax-only', target], work, 7);
      const kFull = timeCommand(kiln, ['validate', target], work, 7);
      if (!packer) {
        console.log(
          `${label}: kiln validate -syntax-only ${k.ms.toFixed(0)} ms, full ${kFull.ms.toFixed(0)} ms (packer absent: no reference)`,
        );
        continue;
      }
      const p = timeCommand(packer, ['validate', '-syntax-only', target], work, 7);
      console.log(
        `${label}: kiln validate -syntax-only ${k.ms.toFixed(0)} ms (exit ${k.status}), full ${kFull.ms.toFixed(0)} ms; ` +
          `packer 1.6.6 validate -syntax-only ${p.ms.toFixed(0)} ms (exit ${p.status}); ratio kiln/packer ${(k.ms / p.ms).toFixed(2)}`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

void main();
