/**
 * Where an upload stands, derived from what `GET boot-resources/{id}/` shows (reference §3.5). MAAS has
 * no "bytes received" field and chunks carry no offset, so the offset is computed from `progress`, and a
 * derived value is accepted only if it is one the uploader can explain.
 */
import {
  onlyFile,
  setsNewestFirst,
  type BootResource,
  type BootResourceFile,
  type BootResourceSet,
} from './types';

export interface UploadTarget {
  set: BootResourceSet;
  file: BootResourceFile;
}

/**
 * The set and file an upload of `sha256`/`size` writes to: the newest set whose single file has that
 * content. MAAS adds a new set on every create, so older sets are earlier uploads.
 */
export function findUploadTarget(
  resource: BootResource,
  sha256: string,
  size: number,
): UploadTarget | undefined {
  for (const set of setsNewestFirst(resource)) {
    const file = onlyFile(set);
    if (file && file.sha256.toLowerCase() === sha256 && file.size === size) return { set, file };
  }
  return undefined;
}

/** The newest set of a resource, whatever it holds. */
export function newestSet(resource: BootResource): BootResourceSet | undefined {
  return setsNewestFirst(resource)[0];
}

/**
 * Bytes the region holds of the file, as far as `progress` tells. The set-level value works on every
 * version (≤3.4's file-level `progress` is inverted): `round(set.progress × set.size / 100)`. On 3.5+ with
 * N regions this is bytes/N while the upload runs; `reconcileOffset` catches that.
 */
export function bytesFromProgress(target: UploadTarget): number {
  const { set, file } = target;
  if (file.complete) return file.size;
  if (Object.keys(set.files).length === 1 && set.progress !== undefined && set.size > 0) {
    return clamp(Math.round((set.progress * set.size) / 100), 0, file.size);
  }
  if (file.progress === undefined) return 0;
  // ≤3.4 has no filename_on_disk and an inverted file progress (total/size).
  if (file.filename_on_disk === undefined) {
    return file.progress > 0 ? clamp(Math.round(file.size / file.progress), 0, file.size) : 0;
  }
  return clamp(Math.round((file.progress * file.size) / 100), 0, file.size);
}

export type Reconciled =
  /** The region holds `offset` bytes; `regions` is how many regions the progress was spread over. */
  { ok: true; offset: number; regions: number } | { ok: false };

/**
 * Accepts a derived offset only if it is one of `candidates` (the bytes confirmed, and those plus the
 * chunk whose answer was lost), directly or once multiplied by a region count (3.5+ divides by N).
 * Anything else means the region holds bytes the uploader cannot vouch for.
 */
export function reconcileOffset(derived: number, candidates: readonly number[], maxRegions = 16): Reconciled {
  for (let regions = 1; regions <= maxRegions; regions++) {
    for (const candidate of candidates) {
      // progress is a float: allow for its rounding when scaled back up.
      if (Math.abs(derived * regions - candidate) <= regions) return { ok: true, offset: candidate, regions };
    }
    if (derived === 0) break;
  }
  return { ok: false };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
