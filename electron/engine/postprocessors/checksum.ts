/**
 * The checksum post-processor: writes `<hex>\t<base name>\n` lines per file and type, appending to the
 * output files as Packer does. Each input file is read once for all the requested types.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type {
  Artifact,
  ComponentContext,
  PostProcessor,
  PostProcessResult,
  Render,
} from '../build/components';

export const CHECKSUM_BUILDER_ID = 'packer.post-processor.checksum';
export const CHECKSUM_TYPES = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'];

export interface ChecksumConfig {
  checksum_types?: string[];
  output?: string;
}

/** Checksum and artifice artifacts read the same: a list of files. */
export class FilesArtifact implements Artifact {
  readonly id = '';
  constructor(
    readonly builderId: string,
    readonly files: string[],
    private readonly cwd: string,
  ) {}
  describe(): string {
    return `Created artifact from files: ${this.files.join(', ')}`;
  }
  async destroy(): Promise<void> {
    for (const f of this.files) rmSync(resolve(this.cwd, f), { recursive: true, force: true });
  }
}

export function validateChecksum(config: ChecksumConfig): void {
  const bad = (config.checksum_types ?? []).filter((t) => !CHECKSUM_TYPES.includes(t));
  if (bad.length === 1) throw new Error(`Unrecognized checksum type: ${bad[0]}`);
  if (bad.length)
    throw new Error(
      `${bad.length} errors occurred:\n${bad.map((t) => `\t* Unrecognized checksum type: ${t}`).join('\n')}\n\n`,
    );
}

const READ_SIZE = 4 * 1024 * 1024;

/** Hashes a file with several algorithms in one read. */
export async function hashFile(
  path: string,
  types: readonly string[],
  signal?: AbortSignal,
  onBytes?: (n: number) => void,
): Promise<string[]> {
  const hashes: Hash[] = types.map((t) => createHash(t));
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(READ_SIZE);
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const { bytesRead } = await handle.read(buffer, 0, READ_SIZE, null);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      for (const h of hashes) h.update(chunk);
      onBytes?.(bytesRead);
    }
  } finally {
    await handle.close();
  }
  return hashes.map((h) => h.digest('hex'));
}

export class ChecksumPostProcessor implements PostProcessor {
  private readonly types: string[];
  private readonly output: string;

  constructor(
    config: ChecksumConfig,
    private readonly render: Render,
  ) {
    validateChecksum(config);
    this.types = config.checksum_types ?? ['md5'];
    this.output = config.output || 'packer_{{.BuildName}}_{{.BuilderType}}_{{.ChecksumType}}.checksum';
  }

  async postProcess(ctx: ComponentContext, input: Artifact): Promise<PostProcessResult> {
    const { build, signal } = ctx;
    const files = [...input.files];
    const result = [...files];
    const data = {
      ...(input.generatedData ?? {}),
      BuildName: build.sourceName,
      BuilderType: build.builderType,
    };
    const digests = new Map<string, string[]>();
    for (const f of files) {
      try {
        digests.set(f, await hashFile(resolve(build.cwd, f), this.types, signal));
      } catch (err) {
        if (signal.aborted) throw err;
        throw new Error(`unable to open file ${f}: ${(err as Error).message}`, { cause: err });
      }
    }
    this.types.forEach((type, t) => {
      for (const f of files) {
        const out = this.render(this.output, { ...data, ChecksumType: type });
        const abs = resolve(build.cwd, out);
        if (!existsSync(abs) && !result.includes(out)) result.push(out);
        mkdirSync(dirname(abs), { recursive: true, mode: 0o755 });
        appendFileSync(abs, `${digests.get(f)![t]}\t${basename(f)}\n`, { mode: 0o644 });
      }
    });
    // Packer keeps the input whatever the template says: the checksums describe it.
    return {
      artifact: new FilesArtifact(CHECKSUM_BUILDER_ID, result, build.cwd),
      keep: true,
      forceOverride: true,
    };
  }
}
