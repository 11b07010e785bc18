/**
 * The image inspector in the app: what an ISO, tarball or disk image holds, as `kiln inspect-image`
 * reports it. Listings are bounded (the UI asks for one directory level of a disk at a time), and a file
 * that is missing or unreadable is an error naming it.
 */
import { promises as fs } from 'node:fs';
import { ApiError } from '../../api/errors';
import type { InspectImageInput, InspectReport } from '../../api/types';

/** Enough for a directory level or a tarball's first screens; the UI says when a list is cut. */
const DEFAULT_MAX_ENTRIES = 5000;
/** A damaged or huge image must not hold the dialog forever. */
const INSPECT_TIMEOUT_MS = 60_000;

export async function inspectImageFile(input: InspectImageInput): Promise<InspectReport> {
  const st = await fs.stat(input.path).catch(() => undefined);
  if (!st) throw new ApiError('not-found', `${input.path}: no such file`);
  if (!st.isFile()) throw new ApiError('invalid-input', `${input.path} is not a file`);
  try {
    // The disk, ISO and tar readers load when first used, not with the app.
    const { inspectImage } = await import('../../engine/maas/inspect');
    return await inspectImage(input.path, {
      ...(input.files !== undefined ? { files: input.files } : {}),
      ...(input.partition !== undefined ? { partition: input.partition } : {}),
      ...(input.under !== undefined ? { under: input.under } : {}),
      ...(input.depth !== undefined ? { depth: input.depth } : {}),
      ...(input.isoNames !== undefined ? { isoNames: input.isoNames } : {}),
      maxEntries: input.maxEntries ?? DEFAULT_MAX_ENTRIES,
      signal: AbortSignal.timeout(INSPECT_TIMEOUT_MS),
    });
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError('io', `${input.path}: ${(err as Error).message}`);
  }
}
