/**
 * The file provisioner (Packer HEAD semantics): uploads or downloads files and directories. A source
 * directory without a trailing slash is copied as itself into the destination, with one its contents;
 * a destination ending in `/` receives files under their own names. `content` uploads a string.
 */
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Provisioner, ProvisionerContext } from '../build/components';
import { fileSource } from '../comm/ssh/client';

export interface FileConfig {
  source?: string;
  sources?: string[];
  destination?: string;
  direction?: string;
  /** The source is made during the build, so it need not exist before it starts. */
  generated?: boolean;
  content?: string;
}

interface Prepared {
  sources: string[];
  destination: string;
  direction: 'upload' | 'download';
}

/** Packer's Prepare, errors included. */
export function prepareFile(config: FileConfig, cwd: string): Prepared {
  const errors: string[] = [];
  const direction = config.direction || 'upload';
  if (direction !== 'upload' && direction !== 'download')
    errors.push('Direction must be one of: download, upload.');
  const sources = [...(config.sources ?? [])];
  // The schema's Prepare already appends `source` to `sources` (as Packer's does): add it only once.
  if (config.source && !sources.includes(config.source)) sources.push(config.source);
  if (direction === 'upload' && !config.generated) {
    for (const s of sources) {
      if (!existsSync(resolve(cwd, s)))
        errors.push(`Bad source '${s}': stat ${s}: no such file or directory`);
    }
  }
  if (sources.length > 0 && config.content) errors.push('source(s) conflicts with content.');
  if (sources.length === 0 && !config.content) errors.push('Source must be specified.');
  if (!config.destination) errors.push('Destination must be specified.');
  if (errors.length) {
    throw new Error(
      errors.length === 1
        ? errors[0]
        : `${errors.length} errors occurred:\n${errors.map((e) => `\t* ${e}`).join('\n')}\n\n`,
    );
  }
  return { sources, destination: config.destination!, direction: direction as 'upload' | 'download' };
}

export class FileProvisioner implements Provisioner {
  private readonly prepared: Prepared;

  constructor(
    private readonly config: FileConfig,
    cwd: string,
  ) {
    this.prepared = prepareFile(config, cwd);
  }

  async provision(ctx: ProvisionerContext): Promise<void> {
    const sources = [...this.prepared.sources];
    let contentFile: string | undefined;
    if (this.config.content) {
      contentFile = ctx.temp.file('pkr-file-content', this.config.content);
      sources.push(contentFile);
    }
    try {
      if (this.prepared.direction === 'download') await this.download(ctx, sources);
      else await this.upload(ctx, sources);
    } finally {
      if (contentFile) ctx.temp.remove(contentFile);
    }
  }

  private async upload(ctx: ProvisionerContext, sources: string[]): Promise<void> {
    const { ui, comm, build } = ctx;
    const dst = this.prepared.destination;
    for (const src of sources) {
      ui.say(`Uploading ${src} => ${dst}`);
      const local = resolve(build.cwd, src);
      const info = statSync(local);
      if (info.isDirectory()) {
        try {
          // The trailing slash of the source as written decides: contents, or the directory itself.
          await comm.uploadDir(dst, src.endsWith('/') ? local + '/' : local);
        } catch (err) {
          ui.error(`Upload failed: ${(err as Error).message}`);
          throw err;
        }
        continue;
      }
      const fileDst = dst.endsWith('/') ? dst + basename(src) : dst;
      const progress = ui.progress(`upload:${src}`, basename(src), info.size);
      try {
        await comm.upload(fileDst, fileSource(local), (done) => progress.update(done));
      } catch (err) {
        const message = (err as Error).message;
        if (message.includes('Error restoring file')) {
          ui.error(
            `Upload failed: ${message}; this can occur when your file destination is a folder without a trailing slash.`,
          );
        }
        ui.error(`Upload failed: ${message}`);
        throw err;
      } finally {
        progress.done();
      }
    }
  }

  private async download(ctx: ProvisionerContext, sources: string[]): Promise<void> {
    const { ui, comm, build } = ctx;
    for (const src of sources) {
      let dst = this.prepared.destination;
      // 1.6.6 names the destination as written (HEAD names the joined path).
      ui.say(`Downloading ${src} => ${dst}`);
      let dir = dst;
      if (!dst.endsWith('/')) dir = dirname(dst);
      else if (!src.endsWith('/') && !src.endsWith('*')) dst = join(dst, basename(src));
      if (dir !== '') mkdirSync(resolve(build.cwd, dir), { recursive: true, mode: 0o755 });
      if (src.endsWith('/') || /[*?[]/.test(src)) {
        await comm.downloadDir(src, resolve(build.cwd, dst));
        return;
      }
      const out = createWriteStream(resolve(build.cwd, dst), { mode: 0o644 });
      try {
        await comm.download(src, out);
      } catch (err) {
        ui.error(`Download failed: ${(err as Error).message}`);
        throw err;
      } finally {
        await new Promise<void>((r) => out.end(() => r()));
      }
    }
  }
}
