/**
 * The compress post-processor (Packer 1.6.6): archives the artifact's files into `output`, choosing
 * tar/zip and gzip/lz4/bgzf/xz from the output's extensions (or `format`), with Packer's messages and errors.
 */
import { createReadStream, createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { ZipFile } from 'yazl';
import type {
  Artifact,
  ComponentContext,
  PostProcessor,
  PostProcessResult,
  Render,
} from '../build/components';
import { ParallelGzip } from '../compress/pgzip';
import { BgzfWriter } from '../compress/bgzf';
import { compressorCommand, ExternalCompressor } from '../maas/compress/external';
import { writeZeroChunks } from '../maas/compress/sink';
import type { ByteSink } from './archive';
import { Lz4Frame, TAR_END, gzipLevel, tarFileHeader, tarPadding } from './archive';

export const COMPRESS_BUILDER_ID = 'packer.post-processor.compress';

export interface CompressConfig {
  output?: string;
  format?: string;
  compression_level?: number;
}

export interface CompressMode {
  archive: '' | 'tar' | 'zip';
  algorithm: '' | 'pgzip' | 'lz4' | 'bgzf' | 'xz';
}

const EXTENSIONS: Record<string, CompressMode['algorithm']> = {
  tar: '',
  zip: '',
  gz: 'pgzip',
  lz4: 'lz4',
  bgzf: 'bgzf',
  xz: 'xz',
};

/** Packer's detectFromFilename, on the output as written (before its template is rendered). */
export function detectFormat(output: string, format?: string): CompressMode {
  const text = format ? `${output}.${format}` : output;
  const found = [...text.matchAll(/\.([a-z0-9]+)/g)].map((m) => m[1]);
  if (found.length === 0) return { archive: 'tar', algorithm: 'pgzip' };
  const last = found[found.length - 1];
  const nextToLast = found.length > 1 ? found[found.length - 2] : '';
  let archive: CompressMode['archive'] = nextToLast === 'tar' ? 'tar' : '';
  if (last === 'zip' || last === 'tar') return { archive: last, algorithm: '' };
  if (last in EXTENSIONS) return { archive, algorithm: EXTENSIONS[last] };
  archive = 'tar';
  return { archive, algorithm: 'pgzip' };
}

export class CompressArtifact implements Artifact {
  readonly builderId = COMPRESS_BUILDER_ID;
  readonly id = '';
  constructor(
    readonly path: string,
    private readonly cwd: string,
  ) {}
  get files(): string[] {
    return [this.path];
  }
  describe(): string {
    return `compressed artifacts in: ${this.path}`;
  }
  async destroy(): Promise<void> {
    rmSync(resolve(this.cwd, this.path));
  }
}

/** Appends to a file, one write at a time. */
async function fileSink(
  path: string,
): Promise<ByteSink & { close(): Promise<void>; abort(): Promise<void> }> {
  const handle = await open(path, 'w', 0o644);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return {
    async write(chunk: Buffer) {
      let offset = 0;
      while (offset < chunk.length) offset += (await handle.write(chunk, offset)).bytesWritten;
    },
    end: close,
    abort: close,
    close,
  };
}

const READ_SIZE = 4 * 1024 * 1024;

/** Where the archive's bytes go: a sink, or parallel gzip, which reads the files on its own threads. */
type ArchiveSink = ByteSink | ParallelGzip;

/** Files opened for the archive; gzip's workers read them until the stream ends, so they close last. */
type OpenFiles = Array<Awaited<ReturnType<typeof open>>>;

/**
 * Streams a file's `size` bytes (its size when the tar header was written) to `sink` in large steps;
 * `onBytes` gets each step. Parallel gzip is given the file's ranges and reads them on its workers.
 * Returns the file's size after the copy, so a file that grew meanwhile can be refused as Go's tar does.
 */
async function copyFile(
  path: string,
  size: number,
  sink: ArchiveSink,
  files: OpenFiles,
  signal: AbortSignal,
  onBytes: (n: number) => void,
): Promise<number> {
  const handle = await open(path, 'r');
  files.push(handle);
  for (let at = 0; at < size;) {
    if (signal.aborted) throw signal.reason;
    const want = Math.min(READ_SIZE, size - at);
    let n = want;
    if (sink instanceof ParallelGzip) await sink.writeFile(handle.fd, at, want, path);
    else {
      const buffer = Buffer.allocUnsafe(want);
      n = (await handle.read(buffer, 0, want, at)).bytesRead;
      if (n === 0) throw new Error(`${path}: the file ended early (it shrank while being compressed)`);
      await sink.write(buffer.subarray(0, n));
    }
    at += n;
    onBytes(n);
  }
  return (await handle.stat()).size;
}

export class CompressPostProcessor implements PostProcessor {
  private readonly mode: CompressMode;
  private readonly output: string;

  constructor(
    private readonly config: CompressConfig,
    private readonly render: Render,
  ) {
    this.output = config.output || 'packer_{{.BuildName}}_{{.BuilderType}}';
    this.mode = detectFormat(this.output, config.format);
  }

  async postProcess(ctx: ComponentContext, input: Artifact): Promise<PostProcessResult> {
    const { ui, build, signal } = ctx;
    let target: string;
    try {
      target = this.render(this.output, {
        ...(input.generatedData ?? {}),
        BuildName: build.sourceName,
        BuilderType: build.builderType,
      });
    } catch (err) {
      throw new Error(`Error interpolating output value: ${(err as Error).message}`, { cause: err });
    }
    const absTarget = resolve(build.cwd, target);
    try {
      mkdirSync(dirname(absTarget), { recursive: true, mode: 0o755 });
    } catch (err) {
      throw new Error(`Unable to create dir for archive ${target}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const cores = availableParallelism();
    const { archive, algorithm } = this.mode;
    const files = [...input.files];
    const total = files.reduce((n, f) => n + statSync(resolve(build.cwd, f)).size, 0);
    const progress = ui.progress(`compress:${target}`, target, total);
    let done = 0;
    const onBytes = (n: number) => progress.update((done += n));

    let file: Awaited<ReturnType<typeof fileSink>> | undefined;
    let gzip: ParallelGzip | undefined;
    let bgzf: BgzfWriter | undefined;
    let xz: ExternalCompressor | undefined;
    const opened: OpenFiles = [];
    try {
      if (archive === 'zip') {
        ui.say(`Zipping ${target}`);
        await this.zip(files, absTarget, build.cwd, signal, onBytes);
      } else {
        file = await fileSink(absTarget);
        let sink: ArchiveSink = file;
        if (algorithm === 'pgzip') {
          ui.say(`Using pgzip compression with ${cores} cores for ${target}`);
          // OS byte 255 (unknown), as Go's gzip writes it.
          const level = gzipLevel(this.config.compression_level);
          sink = gzip = new ParallelGzip(file, { level, threads: cores, os: 255 });
        } else if (algorithm === 'lz4') {
          ui.say(`Using lz4 compression with ${cores} cores for ${target}`);
          sink = new Lz4Frame(file);
        } else if (algorithm === 'bgzf') {
          ui.say(`Using bgzf compression with ${cores} cores for ${target}`);
          sink = bgzf = new BgzfWriter(file, gzipLevel(this.config.compression_level), cores);
        } else if (algorithm === 'xz') {
          // Packer's Go library is single-threaded; xz-utils with -T0 uses every core for the same format.
          const out = file;
          const command = compressorCommand('xz');
          ui.say(`Using xz compression with ${command.threads} cores for ${target}`);
          sink = xz = new ExternalCompressor(
            {
              write: (c) => out.write(c),
              writeZeros: (n) => writeZeroChunks(out, n),
              end: out.end,
              abort: out.abort,
            },
            command,
          );
        }
        const compression = algorithm || 'no compression';
        if (archive === 'tar') {
          ui.say(`Tarring ${target} with ${compression}`);
          try {
            for (const f of files) {
              const abs = resolve(build.cwd, f);
              const stats = statSync(abs);
              await sink.write(tarFileHeader(basename(f), stats));
              const sizeAfter = await copyFile(abs, stats.size, sink, opened, signal, onBytes);
              if (sizeAfter > stats.size) throw new Error(`archive/tar: write too long`);
              const pad = tarPadding(stats.size);
              if (pad) await sink.write(Buffer.alloc(pad));
            }
            await sink.write(TAR_END);
            await sink.end();
          } catch (err) {
            if (signal.aborted) throw err;
            throw new Error(`Error creating tar: ${(err as Error).message}`, { cause: err });
          }
        } else {
          if (files.length !== 1) {
            throw new Error(
              `Can only have 1 input file when not using tar/zip. Found ${files.length} files: [${files.join(' ')}]`,
            );
          }
          ui.say(`Archiving ${files[0]} with ${compression}`);
          const abs = resolve(build.cwd, files[0]);
          await copyFile(abs, statSync(abs).size, sink, opened, signal, onBytes);
          await sink.end();
        }
      }
    } catch (err) {
      await gzip?.abort();
      bgzf?.abort();
      await xz?.abort();
      await file?.close();
      rmSync(absTarget, { force: true });
      throw err;
    } finally {
      await Promise.all(opened.map((h) => h.close()));
      progress.done();
    }
    ui.say(`Archive ${target} completed`);
    return { artifact: new CompressArtifact(target, build.cwd), keep: false, forceOverride: false };
  }

  private async zip(
    files: string[],
    target: string,
    cwd: string,
    signal: AbortSignal,
    onBytes: (n: number) => void,
  ): Promise<void> {
    const zip = new ZipFile();
    const out = createWriteStream(target, { mode: 0o644 });
    const finished = new Promise<void>((resolvePromise, reject) => {
      out.on('close', () => resolvePromise());
      out.on('error', reject);
      zip.outputStream.on('error', reject);
    });
    zip.outputStream.pipe(out);
    const onAbort = () => out.destroy(new Error('cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (const f of files) {
        // Entry names are the paths as given (Go's zip keeps them); yazl refuses a leading `/`.
        const name = f.split('\\').join('/').replace(/^\/+/, '');
        const stream = createReadStream(resolve(cwd, f));
        stream.on('data', (c) => onBytes(c.length));
        zip.addReadStream(stream, name, { mtime: new Date(1980, 0, 1), compress: true });
      }
      zip.end();
      await finished;
    } catch (err) {
      throw new Error(`Error creating zip: ${(err as Error).message}`, { cause: err });
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}
