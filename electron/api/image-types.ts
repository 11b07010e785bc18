/** Base images in the Api: Ubuntu cloud images from a SimpleStreams mirror, and fetches into the cache. */
import type { CloudImage } from '../engine/images/simplestreams';

export type { CloudImage };

export interface BaseImage extends CloudImage {
  /** Already in the download cache a build reads (or in a local mirror): a build will not download it. */
  cached: boolean;
}

export interface BaseImageList {
  /** The mirror's root URL as resolved (Canonical's for `stable`/`candidate`). */
  stream: string;
  updated?: string;
  images: BaseImage[];
}

export interface BaseImageListInput {
  /** `stable`, `candidate`, a mirror URL (http, https, file) or an absolute mirror folder. */
  stream: string;
  arch?: string;
  release?: string;
  allVersions?: boolean;
}

export interface BaseImageFetchInput {
  stream: string;
  product: string;
  serial: string;
}

export interface BaseImageFetch {
  fetchId: string;
  product: string;
  serial: string;
  release: string;
  arch: string;
  url: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  bytes: number;
  total: number;
  /** The verified file, when done. */
  path?: string;
  error?: string;
}
