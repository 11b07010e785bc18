/**
 * Getting the ISO or disk image a build starts from (packer-plugin-sdk StepDownload with go-getter):
 * local paths and `file://` URLs are used in place after their checksum is verified; http(s) URLs are
 * downloaded into the cache under `sha1(checksum).<ext>` (or `sha1(url)` without a checksum), resuming
 * a partial download with a Range request, verified, then renamed into place. `iso_checksum` may be
 * `none`, `type:hex`, or `file:<url or path>` naming a checksum list in which the image's file name
 * is looked up (GNU `hex  name`/`hex *name` lines or BSD `TYPE (name) = hex` lines).
 */
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { closeSync, openSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { identify, isAlive } from './process-identity';

export const HASH_TYPES: Record<number, string> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };

export interface Checksum {
  type: string;
  hex: string;
}

export class ChecksumError extends Error {}

/** The file name a URL or path ends in (what a checksum list names). */
export function sourceFileName(source: string): string {
  try {
    const u = new URL(source);
    if (u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'file:') {
      return decodeURIComponent(u.pathname.split('/').pop() ?? '');
    }
  } catch {
    // A plain path.
  }
  return basename(source.split('?')[0]);
}

/** Finds a file's checksum in a checksum list. */
export function findInChecksumList(text: string, fileName: string, typeHint?: string): Checksum | undefined {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const bsd = /^([A-Za-z0-9-]+) ?\((.+)\) ?= ?([0-9a-fA-F]+)$/.exec(line);
    if (bsd) {
      if (basename(bsd[2]) === fileName || bsd[2] === fileName) {
        return { type: bsd[1].toLowerCase().replace('-', ''), hex: bsd[3].toLowerCase() };
      }
      continue;
    }
    const gnu = /^([0-9a-fA-F]+)\s+\*?(.+)$/.exec(line);
    if (gnu) {
      const name = gnu[2].replace(/^\.\//, '');
      if (name === fileName || basename(name) === fileName) {
        const hex = gnu[1].toLowerCase();
        const type = typeHint ?? HASH_TYPES[hex.length];
        if (type) return { type, hex };
      }
    }
  }
  return undefined;
}

function localPath(source: string, cwd: string): string | undefined {
  if (source.startsWith('file://')) return fileURLToPath(source);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return undefined;
  return isAbsolute(source) ? source : resolve(cwd, source);
}

/** Reads a text from a path or an http(s) URL. */
async function fetchText(location: string, cwd: string, signal?: AbortSignal): Promise<string> {
  const path = localPath(location, cwd);
  if (path !== undefined) return readFileSync(path, 'utf8');
  const response = await fetch(location, { signal });
  if (!response.ok) throw new Error(`${location}: HTTP ${response.status} ${response.statusText}`);
  return response.text();
}

/** Resolves `iso_checksum` into a type and hex value (undefined for `none`). */
export async function resolveChecksum(
  checksum: string,
  source: string,
  cwd: string,
  signal?: AbortSignal,
): Promise<Checksum | undefined> {
  if (checksum === '' || checksum === 'none') return undefined;
  if (checksum.startsWith('file:')) {
    let list = checksum.slice(5);
    // `file:./SHA256SUMS`, `file:https://…/SHA256SUMS`, `file:///abs/SHA256SUMS`.
    if (list.startsWith('///')) list = `file://${list.slice(2)}`;
    const text = await fetchText(list, cwd, signal);
    const name = sourceFileName(source);
    const hint = /sha512/i.test(list)
      ? 'sha512'
      : /sha256/i.test(list)
        ? 'sha256'
        : /sha1/i.test(list)
          ? 'sha1'
          : /md5/i.test(list)
            ? 'md5'
            : undefined;
    const found = findInChecksumList(text, name, hint);
    if (!found) throw new ChecksumError(`no checksum found for ${JSON.stringify(name)} in ${list}`);
    return found;
  }
  const colon = checksum.indexOf(':');
  if (colon < 0) {
    const type = HASH_TYPES[checksum.length];
    if (!type) throw new ChecksumError(`Unknown type for checksum ${checksum}`);
    return { type, hex: checksum.toLowerCase() };
  }
  return { type: checksum.slice(0, colon).toLowerCase(), hex: checksum.slice(colon + 1).toLowerCase() };
}

export async function hashFile(
  path: string,
  type: string,
  signal?: AbortSignal,
  onBytes?: (n: number) => void,
): Promise<string> {
  const hash = createHash(type);
  let n = 0;
  await pipeline(
    createReadStream(path),
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        n += chunk.length;
        onBytes?.(n);
        done();
      },
    }),
    { signal },
  );
  return hash.digest('hex');
}

export async function verifyFile(path: string, checksum: Checksum, signal?: AbortSignal): Promise<void> {
  const actual = await hashFile(path, checksum.type, signal);
  if (actual !== checksum.hex) {
    throw new ChecksumError(
      `Checksums did not match for ${path}.\nExpected: ${checksum.hex}\nGot: ${actual}\n${checksum.type}`,
    );
  }
}

export interface DownloadProgress {
  bytes: number;
  total?: number;
}

export interface DownloadOptions {
  /** The URL or path as the template gives it. */
  source: string;
  checksum: string;
  cwd: string;
  /** Cache folder for downloads (Packer's packer_cache). */
  cacheDir: string;
  /** iso_target_path. */
  targetPath?: string;
  /** iso_target_extension (`iso`). */
  extension: string;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  onMessage?: (text: string) => void;
}

export interface DownloadResult {
  /** The file to use. */
  path: string;
  /** True when it was already in the cache (or local). */
  cached: boolean;
  /** How Packer prints the source (`url?checksum=type%3Ahex`). */
  displaySource: string;
}

/** Where downloads are cached: PACKER_CACHE_DIR, else ~/.cache/kiln/downloads (shared by builds and `kiln images`). */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PACKER_CACHE_DIR) return env.PACKER_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kiln', 'downloads');
}

/** The URL Packer prints and keys the cache by: the source with `?checksum=` added. */
export function displaySource(source: string, checksum: string): string {
  if (!checksum || checksum === 'none') return source;
  const sep = source.includes('?') ? '&' : '?';
  return `${source}${sep}checksum=${encodeURIComponent(checksum)}`;
}

/** UseSourceToFindCacheTarget: where a download lands. */
export function cacheTarget(
  options: Pick<DownloadOptions, 'source' | 'checksum' | 'cacheDir' | 'targetPath' | 'extension' | 'cwd'>,
): string {
  const key =
    options.checksum && options.checksum !== 'none'
      ? options.checksum
      : displaySource(options.source, options.checksum);
  const sha = createHash('sha1').update(key).digest('hex');
  const ext = options.extension ? `.${options.extension}` : '';
  if (!options.targetPath) return join(options.cacheDir, `${sha}${ext}`);
  const target = isAbsolute(options.targetPath)
    ? options.targetPath
    : resolve(options.cwd, options.targetPath);
  if (/\.[^/]+$/.test(basename(target))) return target;
  return join(target, `${sha}${options.extension ? ext : '.iso'}`);
}

/** An exclusive lock on a download target (another build may be fetching the same file). */
async function lockTarget(target: string, signal?: AbortSignal): Promise<() => void> {
  const lock = `${target}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    signal?.throwIfAborted();
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, JSON.stringify(identify(process.pid)));
      closeSync(fd);
      return () => rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        const owner = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number; startTicks?: number };
        if (!isAlive(owner)) {
          rmSync(lock, { force: true });
          continue;
        }
      } catch {
        // Being written; wait.
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function httpDownload(url: string, part: string, options: DownloadOptions): Promise<void> {
  const have = existsSync(part) ? statSync(part).size : 0;
  const response = await fetch(url, {
    signal: options.signal,
    headers: have > 0 ? { Range: `bytes=${have}-` } : {},
  });
  if (response.status === 416 && have > 0) return; // Already complete.
  if (!response.ok || !response.body) throw new Error(`bad response code: ${response.status}`);
  const resumed = response.status === 206;
  if (have > 0 && resumed) options.onMessage?.(`Resuming the download at ${have} bytes`);
  const length = Number(response.headers.get('content-length') ?? NaN);
  const total = Number.isFinite(length) ? (resumed ? have + length : length) : undefined;
  let bytes = resumed ? have : 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      options.onProgress?.({ bytes, ...(total !== undefined ? { total } : {}) });
      done(null, chunk);
    },
  });
  await pipeline(
    Readable.fromWeb(response.body as WebReadableStream),
    counter,
    createWriteStream(part, { flags: resumed ? 'a' : 'w' }),
    { signal: options.signal },
  );
}

/** Gets one source: in place for local files, through the cache for URLs. Verifies the checksum. */
export async function download(options: DownloadOptions): Promise<DownloadResult> {
  const shown = displaySource(options.source, options.checksum);
  const checksum = await resolveChecksum(options.checksum, options.source, options.cwd, options.signal);
  const local = localPath(options.source, options.cwd);
  if (local !== undefined) {
    if (!existsSync(local)) throw new Error(`stat ${local}: no such file or directory`);
    if (checksum) await verifyFile(local, checksum, options.signal);
    return { path: local, cached: true, displaySource: shown };
  }
  const target = cacheTarget(options);
  mkdirSync(dirname(target), { recursive: true });
  const unlock = await lockTarget(target, options.signal);
  try {
    if (existsSync(target)) {
      if (!checksum) return { path: target, cached: true, displaySource: shown };
      try {
        await verifyFile(target, checksum, options.signal);
        return { path: target, cached: true, displaySource: shown };
      } catch (err) {
        if (!(err instanceof ChecksumError)) throw err;
        rmSync(target, { force: true });
      }
    }
    const part = `${target}.part`;
    await httpDownload(options.source, part, options);
    if (checksum) {
      try {
        await verifyFile(part, checksum, options.signal);
      } catch (err) {
        if (err instanceof ChecksumError) rmSync(part, { force: true });
        throw err;
      }
    }
    renameSync(part, target);
    return { path: target, cached: false, displaySource: shown };
  } finally {
    unlock();
  }
}
