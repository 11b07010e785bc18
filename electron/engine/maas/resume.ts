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
  | { ok: true; offset: number; regions: number }
  /** No candidate explains it, or (region count unknown) more than one does. */
  | { ok: false; ambiguous: boolean };

/**
 * Accepts a derived offset only if it is one of `candidates` (the bytes confirmed, and those plus the
 * chunk whose answer was lost), directly or once multiplied by the number of regions (3.5+ divides the
 * progress by it). With the region count unknown, every count up to 16 is tried, and an answer that two
 * candidates explain (E/2 = (E+len)/3) is ambiguous.
 */
export function reconcileOffset(
  derived: number,
  candidates: readonly number[],
  regions?: number,
): Reconciled {
  const counts = regions !== undefined ? [regions] : Array.from({ length: 16 }, (_, i) => i + 1);
  const matches = new Map<number, number>();
  for (const count of counts) {
    for (const candidate of candidates) {
      // progress is a float and the offset is rounded: allow for that once scaled back up.
      if (Math.abs(derived * count - candidate) <= count && !matches.has(candidate))
        matches.set(candidate, count);
    }
    if (derived === 0) break;
  }
  if (matches.size === 1) {
    const [[offset, count]] = [...matches.entries()];
    return { ok: true, offset, regions: count };
  }
  return { ok: false, ambiguous: matches.size > 1 };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
