/** Base images in the Api: Ubuntu cloud images from a SimpleStreams mirror, and fetches into the cache. */
import type { CloudImage } from '../engine/images/simplestreams';
import type { FileEntry, InspectReport, PartitionReport } from '../engine/maas/inspect';

export type { CloudImage, FileEntry, InspectReport, PartitionReport };

/** What the image inspector asks for: the file, and for a disk which partition's files and where. */
export interface InspectImageInput {
  path: string;
  /** Disks: list files (of the root partition, or `partition`). */
  files?: boolean;
  partition?: number;
  /** Only under this path. */
  under?: string;
  /** Directory levels below `under` (disks). */
  depth?: number;
  maxEntries?: number;
  isoNames?: 'iso' | 'rock-ridge' | 'joliet';
}

export interface BaseImage extends CloudImage {
  /** What a template names to build from it (a local mirror's file as a path). */
  iso_url: string;
  iso_checksum: string;
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
