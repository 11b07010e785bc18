/**
 * Brings a cloud image into the download cache the qemu builder reads, verified by its sha256, so a
 * build that names the same `iso_url` and `iso_checksum` starts without downloading it again.
 */
import { cacheTarget, download, type DownloadProgress } from '../vm/download';
import { templateKeys, type CloudImage } from './simplestreams';

/** The qemu builder's `iso_target_extension` default: the cache file is named as a build names it. */
const BUILD_CACHE_EXTENSION = 'iso';

export interface FetchOptions {
  cacheDir: string;
  cwd: string;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  onMessage?: (text: string) => void;
}

export interface FetchedImage {
  /** The verified file: in the cache, or the mirror's own file for a local mirror. */
  path: string;
  /** Already there (and verified again) rather than downloaded. */
  cached: boolean;
}

/** Where the image lands in the cache (whether or not it is there yet). */
export function cachedImagePath(image: CloudImage, options: Pick<FetchOptions, 'cacheDir' | 'cwd'>): string {
  const keys = templateKeys(image);
  return cacheTarget({
    source: keys.iso_url,
    checksum: keys.iso_checksum,
    cacheDir: options.cacheDir,
    cwd: options.cwd,
    extension: BUILD_CACHE_EXTENSION,
  });
}

export async function fetchCloudImage(image: CloudImage, options: FetchOptions): Promise<FetchedImage> {
  const keys = templateKeys(image);
  const result = await download({
    source: keys.iso_url,
    checksum: keys.iso_checksum,
    cwd: options.cwd,
    cacheDir: options.cacheDir,
    extension: BUILD_CACHE_EXTENSION,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.onMessage ? { onMessage: options.onMessage } : {}),
  });
  return { path: result.path, cached: result.cached };
}
