/**
 * The file builder: writes `content` (or copies `source`) to `target`, then runs the provisioners
 * directly, with no steps (as Packer's does). Kiln gives those provisioners the `none` communicator,
 * where Packer gave a mock that accepted uploads without doing anything.
 */
import { copyFileSync, mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Artifact, Builder, BuilderContext } from '../../build/components';
import { NoneCommunicator } from '../../comm/none';

export const FILE_BUILDER_ID = 'packer.file';

export interface FileBuilderConfig {
  source?: string;
  target?: string;
  content?: string;
}

export function validateFileBuilder(config: FileBuilderConfig): string[] {
  const errors: string[] = [];
  if (!config.target) errors.push('target required');
  if (config.content && config.source) errors.push('Cannot specify source file AND content');
  if (errors.length === 1) throw new Error(errors[0]);
  if (errors.length)
    throw new Error(`${errors.length} errors occurred:\n${errors.map((e) => `\t* ${e}`).join('\n')}\n\n`);
  const warnings: string[] = [];
  if (!config.content && !config.source)
    warnings.push('Both source file and contents are blank; target will have no content');
  return warnings;
}

export class FileArtifact implements Artifact {
  readonly builderId = FILE_BUILDER_ID;
  readonly id = 'File';
  constructor(
    private readonly filename: string,
    private readonly cwd: string,
  ) {}
  get files(): string[] {
    return [this.filename];
  }
  describe(): string {
    return `Stored file: ${this.filename}`;
  }
  async destroy(): Promise<void> {
    unlinkSync(resolve(this.cwd, this.filename));
  }
}

export class FileBuilder implements Builder {
  constructor(private readonly config: FileBuilderConfig) {
    validateFileBuilder(config);
  }

  async run(ctx: BuilderContext): Promise<Artifact | undefined> {
    const { ui, build } = ctx;
    const target = this.config.target!;
    const absTarget = resolve(build.cwd, target);
    if (dirname(target) !== '.') mkdirSync(dirname(absTarget), { recursive: true, mode: 0o755 });
    if (this.config.source) {
      ui.say(`Copying ${this.config.source} to ${target}`);
      copyFileSync(resolve(build.cwd, this.config.source), absTarget);
      ui.say(`Copied ${statSync(absTarget).size} bytes`);
    } else {
      writeFileSync(absTarget, this.config.content ?? '', { mode: 0o600 });
    }
    await ctx.hook.provision({ ui, comm: new NoneCommunicator(), generatedData: {}, signal: ctx.signal });
    return new FileArtifact(target, build.cwd);
  }
}
