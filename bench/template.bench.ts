/**
 * The template language, measured: parse + validate in process on a generated 5,000-line HCL folder
 * (goal: under 30 ms warm), and `kiln validate` wall time beside `packer validate -syntax-only` on the
 * same files (goal: Kiln faster), printed as ratios.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { nodeHost } from '../electron/engine/node-host';
import { validateTemplate } from '../electron/engine/template/validate';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = resolve(root, '../shared/corpus');

/** A realistic folder: variables, locals, qemu sources and builds with provisioners, about `lines` lines. */
export function generateHclFolder(dir: string, lines: number): number {
  mkdirSync(dir, { recursive: true });
  const vars: string[] = [];
  const sources: string[] = [];
  const builds: string[] = [];
  let count = 0;
  let i = 0;
  while (count < lines) {
    vars.push(
      `variable "disk_size_${i}" {\n  type        = string\n  default     = "${8 + (i % 10)}G"\n  description = "Disk size of image ${i}"\n}\n\n`,
    );
    sources.push(
      `source "qemu" "image_${i}" {\n  iso_url          = "https://example.org/images/\${var.disk_size_${i}}/image-${i}.iso"\n  iso_checksum     = "sha256:${'ab'.repeat(32)}"\n  disk_size        = var.disk_size_${i}\n  memory           = ${1024 + i}\n  cpus             = 2\n  format           = "qcow2"\n  headless         = true\n  accelerator      = "tcg"\n  communicator     = "none"\n  shutdown_timeout = "30m"\n  output_directory = "output-\${source.name}"\n  boot_command     = ["<esc><wait>", "linux ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks-${i}.cfg<enter>"]\n  qemuargs = [\n    ["-m", "${1024 + i}M"],\n    ["-smp", "2"],\n  ]\n}\n\n`,
    );
    builds.push(
      `build {\n  name    = "build_${i}"\n  sources = ["source.qemu.image_${i}"]\n\n  provisioner "shell-local" {\n    inline = [\n      "echo building \${source.name} of size \${var.disk_size_${i}}",\n      "echo ${i}",\n    ]\n  }\n\n  post-processor "checksum" {\n    checksum_types = ["sha256"]\n    output         = "output-\${source.name}/SHA256SUMS"\n  }\n}\n\n`,
    );
    count = [vars, sources, builds].flat().join('').split('\n').length;
    i++;
  }
  writeFileSync(join(dir, 'variables.pkr.hcl'), vars.join(''));
  writeFileSync(join(dir, 'sources.pkr.hcl'), sources.join(''));
  writeFileSync(join(dir, 'builds.pkr.hcl'), builds.join(''));
  return count;
}

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

    const kiln = join(root, 'bin/kiln.mjs');
    spawnSync(process.execPath, [kiln, 'version'], { cwd: root }); // make sure the bundle is built
    const packer = existsSync('/usr/bin/packer') ? '/usr/bin/packer' : undefined;
    const cases: [string, string][] = [['generated 5,000-line folder', folder]];
    if (existsSync(corpus)) {
      cases.push(['corpus maas-ubuntu-cloudimg (HCL)', join(corpus, 'maas-ubuntu-cloudimg')]);
      cases.push(['corpus goffinet-json/focal.json (JSON)', join(corpus, 'goffinet-json/focal.json')]);
    }
    for (const [label, target] of cases) {
      const k = timeCommand(process.execPath, [kiln, 'validate', '-syntax-only', target], work, 7);
      const kFull = timeCommand(process.execPath, [kiln, 'validate', target], work, 7);
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
