/**
 * qemu-img, as the qemu builder drives it: create (with `-F` naming the backing format, which
 * qemu ≥ 6.1 requires and Packer 1.6.6 omits), convert, resize and info. Failures read
 * `QemuImg error: <stderr>` as in Packer's driver. Every call can be cancelled.
 */
import { spawn } from 'node:child_process';

export class QemuImgError extends Error {}

export interface QemuImgOptions {
  /** The qemu-img binary (default: on PATH). */
  binary?: string;
  signal?: AbortSignal;
  cwd?: string;
  /** Progress lines from `-p` (percent), when asked for. */
  onProgress?: (percent: number) => void;
}

/** Runs qemu-img with arguments; resolves with stdout, rejects with `QemuImg error: <stderr>`. */
export function qemuImg(args: string[], options: QemuImgOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    options.signal?.throwIfAborted();
    const child = spawn(options.binary ?? 'qemu-img', args, {
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stdout += text;
      if (options.onProgress) {
        for (const m of text.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)) options.onProgress(Number(m[1]));
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const onAbort = () => child.kill('SIGKILL');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(new QemuImgError(`QemuImg error: ${err.message}`));
    });
    child.on('close', (code) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (options.signal?.aborted) reject(options.signal.reason);
      else if (code === 0) resolve(stdout);
      else reject(new QemuImgError(`QemuImg error: ${stderr.trim() || `qemu-img exited with ${code}`}`));
    });
  });
}

export interface CreateOptions extends QemuImgOptions {
  format: string;
  path: string;
  /** With a backing file, qemu-img create needs no size (it takes the backing file's). */
  size?: string;
  backingFile?: string;
  /** The backing file's format (`-F`); detected with `info` when not given. */
  backingFormat?: string;
  /** qemu_img_args.create, placed before the path as Packer does. */
  extraArgs?: string[];
}

/** The argument list of `qemu-img create` (exported for tests). */
export function createArgs(o: Omit<CreateOptions, keyof QemuImgOptions>): string[] {
  const args = ['create', '-f', o.format];
  if (o.backingFile) {
    args.push('-b', o.backingFile);
    // qemu_img_args.create may already name the backing format (packer-maas passes `-F qcow2`).
    if (o.backingFormat && !(o.extraArgs ?? []).includes('-F')) args.push('-F', o.backingFormat);
  }
  args.push(...(o.extraArgs ?? []), o.path);
  if (o.size) args.push(o.size);
  return args;
}

export async function createImage(options: CreateOptions): Promise<void> {
  let backingFormat = options.backingFormat;
  if (options.backingFile && !backingFormat && !(options.extraArgs ?? []).includes('-F')) {
    backingFormat = (await imageInfo(options.backingFile, options)).format;
  }
  await qemuImg(createArgs({ ...options, backingFormat }), options);
}

export interface ConvertOptions extends QemuImgOptions {
  source: string;
  dest: string;
  outputFormat: string;
  compress?: boolean;
  extraArgs?: string[];
}

export function convertArgs(o: Omit<ConvertOptions, keyof QemuImgOptions>, progress = false): string[] {
  return [
    'convert',
    ...(progress ? ['-p'] : []),
    ...(o.compress ? ['-c'] : []),
    ...(o.extraArgs ?? []),
    '-O',
    o.outputFormat,
    o.source,
    o.dest,
  ];
}

export async function convertImage(options: ConvertOptions): Promise<void> {
  await qemuImg(convertArgs(options, options.onProgress !== undefined), options);
}

export interface ResizeOptions extends QemuImgOptions {
  path: string;
  format: string;
  size: string;
  extraArgs?: string[];
}

export function resizeArgs(o: Omit<ResizeOptions, keyof QemuImgOptions>): string[] {
  return ['resize', '-f', o.format, ...(o.extraArgs ?? []), o.path, o.size];
}

export async function resizeImage(options: ResizeOptions): Promise<void> {
  await qemuImg(resizeArgs(options), options);
}

export interface ImageInfo {
  format: string;
  virtualSize: number;
  actualSize: number;
  backingFile?: string;
  backingFormat?: string;
  dirty?: boolean;
}

interface RawInfo {
  format: string;
  'virtual-size': number;
  'actual-size'?: number;
  'backing-filename'?: string;
  'full-backing-filename'?: string;
  'backing-filename-format'?: string;
  'dirty-flag'?: boolean;
}

/** `qemu-img info --output=json` (with -U so a running VM's image can be read). */
export async function imageInfo(path: string, options: QemuImgOptions = {}): Promise<ImageInfo> {
  const raw = JSON.parse(await qemuImg(['info', '-U', '--output=json', path], options)) as RawInfo;
  return {
    format: raw.format,
    virtualSize: raw['virtual-size'],
    actualSize: raw['actual-size'] ?? 0,
    ...(raw['backing-filename']
      ? { backingFile: raw['full-backing-filename'] ?? raw['backing-filename'] }
      : {}),
    ...(raw['backing-filename-format'] ? { backingFormat: raw['backing-filename-format'] } : {}),
    ...(raw['dirty-flag'] !== undefined ? { dirty: raw['dirty-flag'] } : {}),
  };
}

/** `qemu-img check` result: throws QemuImgError naming the problems when the image is not clean. */
export async function checkImage(path: string, options: QemuImgOptions = {}): Promise<void> {
  await qemuImg(['check', '-q', path], options);
}
