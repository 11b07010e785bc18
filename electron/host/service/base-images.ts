/**
 * Base images in the app: lists a SimpleStreams mirror's cloud images (marking those a build would find
 * in its download cache) and fetches one into that cache, verified, with progress events. A fetch names
 * the image by product and serial only; its URL and sha256 come from the stream, never from the UI.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { ApiError } from '../../api/errors';
import type { ApiEvent, BaseImageFetch, BaseImageList, BaseImageListInput } from '../../api/types';
import { cachedImagePath, fetchCloudImage } from '../../engine/images/fetch';
import {
  listCloudImages,
  selectImages,
  StreamError,
  templateKeys,
  type CloudImage,
  type CloudImageList,
} from '../../engine/images/simplestreams';
import { ChecksumError, defaultCacheDir } from '../../engine/vm/download';

const PROGRESS_EVERY_MS = 250;
/** A stream's products file is megabytes: listing it again within this time reuses the last read. */
const LISTING_FRESH_MS = 5 * 60_000;
const KEEP_FINISHED = 20;
/** A mirror that does not answer (no network, a black-holed host) fails the listing after this. */
const LIST_TIMEOUT_MS = 60_000;

export interface BaseImageServiceOptions {
  emit(event: ApiEvent): void;
  /** The download cache (PACKER_CACHE_DIR, else ~/.cache/kiln/downloads). */
  cacheDir?: string;
}

function refusal(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StreamError) return new ApiError('io', err.message);
  return new ApiError('internal', (err as Error).message);
}

export class BaseImageService {
  private readonly cacheDir: string;
  private readonly listings = new Map<string, { at: number; list: Promise<CloudImageList> }>();
  private readonly fetches = new Map<
    string,
    { state: BaseImageFetch; abort: AbortController; ended: Promise<void> }
  >();

  constructor(private readonly options: BaseImageServiceOptions) {
    this.cacheDir = options.cacheDir ?? defaultCacheDir();
  }

  /** Every serial of every product and architecture, read once per few minutes per stream. */
  private listing(stream: string): Promise<CloudImageList> {
    const now = Date.now();
    const hit = this.listings.get(stream);
    if (hit && now - hit.at < LISTING_FRESH_MS) return hit.list;
    const list = listCloudImages({
      stream,
      cwd: homedir(),
      allVersions: true,
      signal: AbortSignal.timeout(LIST_TIMEOUT_MS),
    });
    this.listings.set(stream, { at: now, list });
    list.catch(() => this.listings.delete(stream));
    return list;
  }

  private isCached(image: CloudImage): boolean {
    if (image.url.startsWith('file:')) return true;
    return existsSync(cachedImagePath(image, { cacheDir: this.cacheDir, cwd: homedir() }));
  }

  async list(input: BaseImageListInput): Promise<BaseImageList> {
    let all: CloudImageList;
    try {
      all = await this.listing(input.stream);
    } catch (err) {
      throw refusal(err);
    }
    return {
      stream: all.stream,
      ...(all.updated ? { updated: all.updated } : {}),
      images: selectImages(all.images, input).map((i) => ({
        ...i,
        ...templateKeys(i),
        cached: this.isCached(i),
      })),
    };
  }

  async fetch(input: { stream: string; product: string; serial: string }): Promise<BaseImageFetch> {
    let image: CloudImage | undefined;
    try {
      image = (await this.listing(input.stream)).images.find(
        (i) => i.product === input.product && i.serial === input.serial,
      );
    } catch (err) {
      throw refusal(err);
    }
    if (!image) throw new ApiError('not-found', `${input.product} ${input.serial} is not in ${input.stream}`);
    const running = [...this.fetches.values()].find(
      (f) => f.state.state === 'running' && f.state.url === image.url,
    );
    if (running) return structuredClone(running.state);
    const state: BaseImageFetch = {
      fetchId: randomBytes(9).toString('base64url'),
      product: image.product,
      serial: image.serial,
      release: image.release,
      arch: image.arch,
      url: templateKeys(image).iso_url,
      state: 'running',
      bytes: 0,
      total: image.size,
    };
    const abort = new AbortController();
    let lastEmit = 0;
    const emit = () => this.options.emit({ topic: 'images', type: 'fetch', fetch: structuredClone(state) });
    const ended = fetchCloudImage(image, {
      cacheDir: this.cacheDir,
      cwd: homedir(),
      signal: abort.signal,
      onProgress: ({ bytes, total }) => {
        state.bytes = bytes;
        if (total) state.total = total;
        const now = Date.now();
        if (now - lastEmit >= PROGRESS_EVERY_MS) {
          lastEmit = now;
          emit();
        }
      },
    }).then(
      (fetched) => {
        state.state = 'done';
        state.path = fetched.path;
        state.bytes = state.total;
        emit();
      },
      (err: unknown) => {
        state.state = abort.signal.aborted ? 'cancelled' : 'failed';
        if (!abort.signal.aborted)
          state.error =
            err instanceof ChecksumError ? err.message : `Download failed: ${(err as Error).message}`;
        emit();
      },
    );
    this.fetches.set(state.fetchId, { state, abort, ended });
    this.prune();
    emit();
    return structuredClone(state);
  }

  cancel(fetchId: string): void {
    const entry = this.fetches.get(fetchId);
    if (!entry) throw new ApiError('not-found', `no download ${fetchId}`);
    entry.abort.abort();
  }

  private prune(): void {
    const finished = [...this.fetches.values()].filter((f) => f.state.state !== 'running');
    for (const f of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED)))
      this.fetches.delete(f.state.fetchId);
  }

  /** Stops every download (the app is closing): each leaves its partial file to resume, and no lock. */
  async dispose(): Promise<void> {
    const running = [...this.fetches.values()].filter((f) => f.state.state === 'running');
    for (const f of running) f.abort.abort();
    // Each download releases its cache lock as it ends: wait for that before the process goes.
    await Promise.all(running.map((f) => f.ended));
  }
}
