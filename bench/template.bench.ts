/**
 * The template language, measured: parse + validate in process on a generated 5,000-line HCL folder
 * (goal: under 30 ms warm), and `kiln validate` wall time beside `packer validate -syntax-only` on the
 * same files (goal: Kiln faster), printed as ratios.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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

function main(): void {
  const work = mkdtempSync(join(tmpdir(), 'kiln-bench-template-'));
  try {
    const folder = join(work, 'generated');
    const lines = generateHclFolder(folder, 5000);
    const host = nodeHost({ cwd: work });
    const options = { vars: [] as [string, string][], varFiles: [] };

    // In process: cold (first call) and warm (median of 20 after 5 warm-ups).
    let start = performance.now();
    const first = validateTemplate(folder, options, host);
    const cold = performance.now() - start;
    for (let i = 0; i < 5; i++) validateTemplate(folder, options, host);
    const warm: number[] = [];
    for (let i = 0; i < 20; i++) {
      start = performance.now();
      validateTemplate(folder, options, host);
      warm.push(performance.now() - start);
    }
    const errors = first.diagnostics.filter((d) => d.severity === 'error').length;
    console.log(`generated folder: ${lines} lines, ${first.template.builds.length} builds, ${errors} errors`);
    console.log(
      `parse+validate in process: cold ${cold.toFixed(1)} ms, warm median ${median(warm).toFixed(1)} ms (goal < 30 ms)`,
    );

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
      cases.push(['corpus maas-ubuntu-cloudimg (HCL)', join(corpus, 'maas-ubuntu-cloudimg')]);
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

main();
