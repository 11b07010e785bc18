/**
 * The `maas-image` post-processor: the MAAS artifact from the builder's disk (rootfs.ts, ddimage.ts),
 * then the readiness check on that disk, reported as messages. The artifact it passes on is the image.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type {
  Artifact,
  ComponentContext,
  PostProcessor,
  PostProcessResult,
  Render,
} from '../../build/components';
import type { MaasImageConfig } from '../../template/schema';
import { MAAS_IMAGE_EXTENSIONS } from '../../template/schema/components/pp-maas-image';
import { makeDiskImage, type DiskImageFiletype } from '../ddimage';
import { sniffFormat } from '../disk/open';
import { readHead } from '../compress/decompress';
import { checkReadiness, looksLikeDisk } from '../readiness/check';
import { makeRootTarball, type ArtifactResult, type TarballFiletype } from '../rootfs';

export const MAAS_IMAGE_BUILDER_ID = 'kiln.post-processor.maas-image';

/** A MAAS image file, with what maas-upload needs to know about it. */
export class MaasImageArtifact implements Artifact {
  readonly builderId = MAAS_IMAGE_BUILDER_ID;
  constructor(
    readonly path: string,
    private readonly cwd: string,
    readonly filetype: string,
    readonly sha256: string,
    readonly size: number,
  ) {}
  get id(): string {
    return this.sha256;
  }
  get files(): string[] {
    return [this.path];
  }
  get generatedData(): Record<string, string> {
    return { MaasFiletype: this.filetype, Sha256: this.sha256, Size: String(this.size), Path: this.path };
  }
  describe(): string {
    return `MAAS ${this.filetype} image: ${this.path} (sha256 ${this.sha256})`;
  }
  async destroy(): Promise<void> {
    rmSync(resolve(this.cwd, this.path), { force: true });
  }
}

/** The builder's disk among the artifact's files: a VM disk image, or a raw file with a disk in it. */
export function pickDisk(files: readonly string[], cwd: string): string {
  const disks = files
    .map((f) => ({ f, abs: resolve(cwd, f) }))
    .filter(({ abs }) => {
      try {
        if (!statSync(abs).isFile()) return false;
        const format = sniffFormat(abs);
        return format !== 'raw' || looksLikeDisk(readHead(abs, 4096));
      } catch {
        return false;
      }
    })
    .sort((a, b) => statSync(b.abs).size - statSync(a.abs).size);
  if (!disks.length) {
    throw new Error(
      `maas-image needs a disk image in the artifact; its files are: ${files.length ? files.join(', ') : 'none'}`,
    );
  }
  return disks[0].f;
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

export class MaasImagePostProcessor implements PostProcessor {
  constructor(
    private readonly config: Partial<MaasImageConfig>,
    private readonly render: Render,
  ) {}

  async postProcess(ctx: ComponentContext, input: Artifact): Promise<PostProcessResult> {
    const { ui, build, signal } = ctx;
    const filetype = this.config.filetype || 'tgz';
    const template = this.config.output || `{{.BuildName}}${MAAS_IMAGE_EXTENSIONS[filetype] ?? ''}`;
    let target: string;
    try {
      target = this.render(template, {
        ...(input.generatedData ?? {}),
        BuildName: build.sourceName,
        BuilderType: build.builderType,
      });
    } catch (err) {
      throw new Error(`Error interpolating output value: ${(err as Error).message}`, { cause: err });
    }
    const output = resolve(build.cwd, target);
    mkdirSync(dirname(output), { recursive: true });
    const disk = pickDisk(input.files, build.cwd);
    const diskPath = resolve(build.cwd, disk);
    ui.say(`Making MAAS ${filetype} image ${target} from ${disk}`);
    const progress = ui.progress(`maas-image:${target}`, target);
    const onProgress = (p: { done: number }) => progress.update(p.done);
    let result: ArtifactResult;
    try {
      if (filetype.startsWith('t')) {
        result = await makeRootTarball(diskPath, output, filetype as TarballFiletype, {
          partition: this.config.partition || undefined,
          curtinDir: this.config.curtin_hooks ? resolve(build.cwd, this.config.curtin_hooks) : undefined,
          clean: !this.config.skip_clean,
          blsBoot: this.config.skip_bls_boot ? false : 'auto',
          level: this.config.compression_level || undefined,
          signal,
          onProgress,
        });
      } else {
        result = await makeDiskImage(diskPath, output, filetype as DiskImageFiletype, {
          level: this.config.compression_level || undefined,
          signal,
          onProgress,
        });
      }
    } finally {
      progress.done();
    }
    const from = result.partition !== undefined ? `, root partition ${result.partition}` : '';
    ui.say(
      `Wrote ${target}: ${formatBytes(result.size)} (${formatBytes(result.rawBytes)} before compression${result.entries !== undefined ? `, ${result.entries} entries` : ''}${from}) in ${result.seconds.toFixed(1)} s`,
    );
    for (const note of result.notes) ui.message(note);
    if (!this.config.skip_readiness_check) {
      const report = await checkReadiness(diskPath, {
        filetype,
        partition: this.config.partition || undefined,
        signal,
      });
      const problems = report.findings.filter((f) => f.severity !== 'info');
      ui.say(
        problems.length
          ? `Readiness check: ${problems.length} problem(s) MAAS or curtin will trip on`
          : 'Readiness check: nothing MAAS or curtin would trip on',
      );
      for (const f of problems)
        ui.message(
          `${f.severity === 'error' ? 'Error' : 'Warning'} [${f.rule}]${f.path ? ` ${f.path}` : ''}: ${f.message}. Fix: ${f.fix}`,
        );
    }
    return {
      artifact: new MaasImageArtifact(target, build.cwd, filetype, result.sha256, result.size),
      keep: true,
      forceOverride: false,
    };
  }
}
