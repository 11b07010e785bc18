/**
 * The qemu builder's steps up to the disks: StepDownload / stepSetISO, stepPrepareOutputDir,
 * stepCreatevTPM, StepCreateFloppy, StepCreateCD, stepCreateDisk, stepCopyDisk, stepResizeDisk.
 * Messages are Packer's.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { CANCELLED, ERROR, HALTED } from '../../build/step';
import type { CleanupContext, Step, StepAction, StepContext } from '../../build/step';
import { download } from '../../vm/download';
import { makeCd, makeFloppy } from '../../vm/media';
import { convertImage, createImage, resizeImage } from '../../vm/qemu-img';
import type { QemuBuildContext } from './context';
import { CD_PATH, DISK_PATHS, FLOPPY_PATH, ISO_PATH, SOURCE_IMAGE_URL, resolvePath } from './context';

function fail(ctx: StepContext, err: Error, print = true): StepAction {
  ctx.state.put(ERROR, err);
  if (print) ctx.ui.error(err.message);
  return 'halt';
}

/** Expands `*`, `?` and `[...]` in the last path components, as filepath.Glob does (sorted). */
export function expandGlob(pattern: string, cwd: string): string[] {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const absolute = pattern.startsWith('/');
  const parts = pattern.split('/').filter((p, i) => p !== '' || i === 0);
  let bases = [absolute ? '/' : ''];
  for (const part of parts) {
    if (part === '') continue;
    if (!/[*?[]/.test(part)) {
      bases = bases.map((b) => (b === '' ? part : b === '/' ? `/${part}` : `${b}/${part}`));
      continue;
    }
    const regex = new RegExp(
      '^' +
        part
          .replace(/[.+^${}()|\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]')
          .replace(/\[!/g, '[^') +
        '$',
    );
    const next: string[] = [];
    for (const base of bases) {
      const dir = resolvePath({ cwd }, base || '.');
      let names: string[];
      try {
        names = readdirSync(dir).sort();
      } catch {
        continue;
      }
      for (const name of names) {
        if (name.startsWith('.') && !part.startsWith('.')) continue;
        if (regex.test(name)) next.push(base === '' ? name : base === '/' ? `/${name}` : `${base}/${name}`);
      }
    }
    bases = next;
  }
  return bases;
}

/** StepDownload (or stepSetISO with iso_skip_cache): puts `iso_path`. */
export class StepDownload implements Step {
  readonly name: string;
  readonly title = 'Get the ISO or disk image';

  constructor(private readonly build: QemuBuildContext) {
    this.name = build.config.iso_skip_cache ? 'stepSetISO' : 'StepDownload';
  }

  async run(ctx: StepContext): Promise<StepAction> {
    const { config } = this.build;
    const urls = config.iso_urls.length ? config.iso_urls : config.iso_url ? [config.iso_url] : [];
    if (urls.length === 0) return 'continue';
    if (config.iso_skip_cache) return this.setIso(ctx, urls);
    ctx.ui.say('Retrieving ISO');
    const errors: string[] = [];
    for (const source of urls) {
      if (ctx.signal.aborted) return fail(ctx, new Error(`Download cancelled: [${errors.join(' ')}]`), false);
      ctx.ui.say(`Trying ${source}`);
      const progress = ctx.ui.progress(`download:${source}`, `Downloading ${basename(source)}`);
      try {
        const result = await download({
          source,
          checksum: config.iso_checksum,
          cwd: this.build.cwd,
          cacheDir: this.build.cacheDir,
          targetPath: config.iso_target_path || undefined,
          extension: config.iso_target_extension || 'iso',
          signal: ctx.signal,
          onProgress: (p) => progress.update(p.bytes),
          onMessage: (text) => ctx.ui.message(text),
        });
        progress.done();
        ctx.ui.say(`Trying ${result.displaySource}`);
        ctx.ui.say(`${result.displaySource} => ${result.path}`);
        ctx.state.put(ISO_PATH, result.path);
        ctx.state.put(SOURCE_IMAGE_URL, source);
        return 'continue';
      } catch (err) {
        progress.done();
        if (ctx.signal.aborted) return 'halt';
        const message = (err as Error).message;
        if (message.startsWith('Checksums did not match')) ctx.ui.say(`Checksum did not match: ${source}`);
        else ctx.ui.say(`Download failed ${message}`);
        errors.push(message);
      }
    }
    return fail(ctx, new Error(`error downloading ISO: [${errors.join(' ')}]`));
  }

  /** stepSetISO: qemu reads the URL itself, which needs byte-range support. */
  private async setIso(ctx: StepContext, urls: string[]): Promise<StepAction> {
    ctx.ui.say('Setting ISO...');
    for (const url of urls) {
      if (!/^https?:\/\//.test(url)) {
        ctx.state.put(ISO_PATH, resolvePath(this.build, url.replace(/^file:\/\//, '')));
        return 'continue';
      }
      try {
        const response = await fetch(url, { method: 'HEAD', signal: ctx.signal });
        if (response.headers.get('accept-ranges') === 'bytes') {
          ctx.state.put(ISO_PATH, url);
          return 'continue';
        }
        ctx.ui.say('No byte serving support. The HTTP server must support Accept-Ranges=bytes');
      } catch (err) {
        if (ctx.signal.aborted) return 'halt';
        ctx.ui.say(`Failed to get ISO: ${(err as Error).message}`);
      }
    }
    return fail(ctx, new Error('Unable to set ISO path, see the logs for details'));
  }
}

/** stepPrepareOutputDir: -force removes it first; cleanup removes it when the build failed. */
export class StepPrepareOutputDir implements Step {
  readonly name = 'stepPrepareOutputDir';
  readonly title = 'Prepare the output folder';

  constructor(private readonly build: QemuBuildContext) {}

  private get dir(): string {
    return resolvePath(this.build, this.build.config.output_directory);
  }

  async run(ctx: StepContext): Promise<StepAction> {
    if (existsSync(this.dir) && this.build.force) {
      ctx.ui.say('Deleting previous output directory...');
      rmSync(this.dir, { recursive: true, force: true });
    }
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    } catch (err) {
      return fail(ctx, err as Error, false);
    }
    return 'continue';
  }

  async cleanup({ state, ui }: CleanupContext): Promise<void> {
    if (!state.has(CANCELLED) && !state.has(HALTED)) return;
    ui.say('Deleting output directory...');
    for (let i = 0; i < 5; i++) {
      try {
        rmSync(this.dir, { recursive: true, force: true });
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }
}

/** stepCreatevTPM: needs swtpm, which Kiln does not drive yet; says so instead of failing later. */
export class StepCreateVtpm implements Step {
  readonly name = 'stepCreatevTPM';
  readonly title = 'Create the vTPM';

  constructor(private readonly build: QemuBuildContext) {}

  async run(ctx: StepContext): Promise<StepAction> {
    if (!this.build.config.vtpm) return 'continue';
    return fail(
      ctx,
      new Error('vtpm: Kiln does not run swtpm yet; remove `vtpm` or build this template with Packer'),
    );
  }
}

/** StepCreateFloppy. */
export class StepCreateFloppy implements Step {
  readonly name = 'StepCreateFloppy';
  readonly title = 'Create the floppy';
  private path: string | undefined;

  constructor(private readonly build: QemuBuildContext) {}

  async run(ctx: StepContext): Promise<StepAction> {
    const c = this.build.config;
    if (
      c.floppy_files.length === 0 &&
      c.floppy_dirs.length === 0 &&
      Object.keys(c.floppy_content).length === 0
    ) {
      return 'continue';
    }
    ctx.ui.say('Creating floppy disk...');
    const expand = (list: string[]) =>
      list.flatMap((p) => expandGlob(p, this.build.cwd)).map((p) => resolvePath(this.build, p));
    this.path = this.build.temp.file('packer', '');
    const staging = this.build.temp.directory('packer-floppy');
    try {
      ctx.ui.message('Copying files flatly from floppy_files');
      await makeFloppy({
        files: expand(c.floppy_files),
        dirs: expand(c.floppy_dirs),
        content: c.floppy_content,
        label: c.floppy_label,
        dest: this.path,
        stagingDir: staging,
        signal: ctx.signal,
      });
      ctx.ui.message('Done copying files from floppy_files');
    } catch (err) {
      if (ctx.signal.aborted) return 'halt';
      return fail(ctx, new Error(`Error creating floppy: ${(err as Error).message}`), false);
    } finally {
      this.build.temp.remove(staging);
    }
    ctx.state.put(FLOPPY_PATH, this.path);
    return 'continue';
  }

  async cleanup(): Promise<void> {
    if (this.path) this.build.temp.remove(this.path);
  }
}

/** StepCreateCD: cd_files/cd_content/cd_label (a NoCloud seed when labelled cidata). */
export class StepCreateCd implements Step {
  readonly name = 'StepCreateCD';
  readonly title = 'Create the CD';
  private path: string | undefined;

  constructor(private readonly build: QemuBuildContext) {}

  async run(ctx: StepContext): Promise<StepAction> {
    const c = this.build.config;
    if (c.cd_files.length === 0 && Object.keys(c.cd_content).length === 0) return 'continue';
    ctx.ui.say('Creating CD disk...');
    this.path = this.build.temp.file('packer', '', '.iso');
    rmSync(this.path, { force: true });
    const staging = this.build.temp.directory('packer_to_cdrom');
    try {
      const files = c.cd_files
        .flatMap((p) => expandGlob(p, this.build.cwd))
        .map((p) => (p.endsWith('/') ? `${resolvePath(this.build, p)}/` : resolvePath(this.build, p)));
      await makeCd({
        files,
        content: c.cd_content,
        label: c.cd_label,
        dest: this.path,
        stagingDir: staging,
        signal: ctx.signal,
        onLine: (line) => ctx.ui.message(line),
      });
    } catch (err) {
      if (ctx.signal.aborted) return 'halt';
      return fail(ctx, new Error(`Error creating temporary file for CD: ${(err as Error).message}`), false);
    } finally {
      this.build.temp.remove(staging);
    }
    ctx.ui.message('Done copying paths from CD_dirs');
    ctx.state.put(CD_PATH, this.path);
    return 'continue';
  }

  async cleanup(): Promise<void> {
    if (this.path) this.build.temp.remove(this.path);
  }
}

/** The main disk's path (`<output_directory>/<vm_name>`). */
export function mainDiskPath(build: QemuBuildContext): string {
  return join(build.config.output_directory, build.config.vm_name);
}

/** stepCreateDisk: the main disk (unless copied from the image) and the extra disks. */
export class StepCreateDisk implements Step {
  readonly name = 'stepCreateDisk';
  readonly title = 'Create the disks';

  constructor(private readonly build: QemuBuildContext) {}

  async run(ctx: StepContext): Promise<StepAction> {
    const c = this.build.config;
    if (c.disk_additional_size.length > 0 || c.use_backing_file)
      ctx.ui.say('Creating required virtual machine disks');
    const paths = [mainDiskPath(this.build)];
    const sizes = [c.disk_size];
    c.disk_additional_size.forEach((size, i) => {
      paths.push(join(c.output_directory, `${c.vm_name}-${i + 1}`));
      sizes.push(size);
    });
    for (const [i, path] of paths.entries()) {
      if (c.disk_image && !c.use_backing_file && i === 0) continue;
      try {
        await createImage({
          format: c.format,
          path,
          size: sizes[i],
          ...(c.disk_image && c.use_backing_file && i === 0
            ? { backingFile: ctx.state.require(ISO_PATH) }
            : {}),
          extraArgs: c.qemu_img_args.create,
          cwd: this.build.cwd,
          signal: ctx.signal,
        });
      } catch (err) {
        if (ctx.signal.aborted) return 'halt';
        return fail(ctx, new Error(`Error creating hard drive: ${(err as Error).message}`));
      }
    }
    ctx.state.put(DISK_PATHS, paths);
    return 'continue';
  }
}

/** stepCopyDisk: disk_image without a backing file: copy (same format) or convert the image. */
export class StepCopyDisk implements Step {
  readonly name = 'stepCopyDisk';
  readonly title = 'Copy the disk image';

  constructor(private readonly build: QemuBuildContext) {}

  async run(ctx: StepContext): Promise<StepAction> {
    const c = this.build.config;
    if (!c.disk_image || c.use_backing_file) return 'continue';
    const iso = ctx.state.require(ISO_PATH);
    const target = resolvePath(this.build, mainDiskPath(this.build));
    const ext = extname(iso);
    try {
      if (ext.length >= 1 && ext.slice(1) === c.format && c.qemu_img_args.convert.length === 0) {
        ctx.ui.message(
          'File extension already matches desired output format. Skipping qemu-img convert step',
        );
        copyFileSync(iso, target);
        return 'continue';
      }
      ctx.ui.say('Copying hard drive...');
      await convertImage({
        source: iso,
        dest: target,
        outputFormat: c.format,
        extraArgs: c.qemu_img_args.convert,
        signal: ctx.signal,
      });
    } catch (err) {
      if (ctx.signal.aborted) return 'halt';
      return fail(ctx, new Error(`Error creating hard drive: ${(err as Error).message}`));
    }
    return 'continue';
  }
}

/** stepResizeDisk: grows a disk image to disk_size. */
export class StepResizeDisk implements Step {
  readonly name = 'stepResizeDisk';
  readonly title = 'Resize the disk';

  constructor(private readonly build: QemuBuildContext) {}

  async run(ctx: StepContext): Promise<StepAction> {
    const c = this.build.config;
    if (!c.disk_image || c.skip_resize_disk) return 'continue';
    ctx.ui.say('Resizing hard drive...');
    try {
      await resizeImage({
        path: mainDiskPath(this.build),
        format: c.format,
        size: c.disk_size,
        extraArgs: c.qemu_img_args.resize,
        cwd: this.build.cwd,
        signal: ctx.signal,
      });
    } catch (err) {
      if (ctx.signal.aborted) return 'halt';
      return fail(ctx, new Error(`Error creating hard drive: ${(err as Error).message}`));
    }
    return 'continue';
  }
}
