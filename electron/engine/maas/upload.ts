/**
 * Uploads a file as a MAAS boot resource: hash it (pass 1), create the resource with no content, then PUT
 * it in chunks (pass 2), one request in flight, over a kept-alive connection. The file is read twice and
 * never held in memory: two chunk buffers (one being sent, the next being read) are all there is.
 *
 * MAAS's chunks carry no offset: the region appends each at the bytes it holds. So after any failure
 * whose outcome is unknown (a reset, a timeout, a 502/504) the uploader re-reads the resource, derives
 * the region's offset from `progress` (reference §3.5), and accepts it only if it is the offset before
 * or after the chunk in doubt; it never resends a chunk the region may have applied. A definite refusal
 * that rolled back (409, 503) is resent as it is.
 */
import fs, { type FileHandle } from 'node:fs/promises';
import type { MaasClient } from './api';
import { sha256OfHandle } from './digest';
import { MaasApiError, MaasConnectionError, MaasUploadError, formatDuration } from './errors';
import { RateMeter } from './progress';
import { bytesFromProgress, findUploadTarget, newestSet, reconcileOffset, type UploadTarget } from './resume';
import { onlyFile, storedFiletype, type BootResource, type MaasFiletype } from './types';
import { pageAlignedBuffer } from './aligned';

export const MAX_CHUNK_SIZE = 8 * 1024 * 1024;
export const MIN_CHUNK_SIZE = 64 * 1024;
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

export type UploadPhase = 'hashing' | 'creating' | 'uploading' | 'verifying' | 'syncing' | 'complete';

export interface UploadProgress {
  phase: UploadPhase;
  /** Bytes done in this phase: hashed, or held by the region (confirmed by its answers). */
  bytes: number;
  total: number;
  /** Bytes per second over the last few seconds. */
  rate: number;
  /** Seconds left in this phase at that rate. */
  etaSeconds?: number;
}

export type UploadEvent =
  | { kind: 'created'; resourceId: number; setVersion: string; uploadUri: string }
  | { kind: 'resumed'; resourceId: number; setVersion: string; offset: number }
  | { kind: 'already-complete'; resourceId: number; setVersion: string }
  | { kind: 'retry'; reason: string; attempt: number; delayMs: number; offset: number }
  | { kind: 'resync'; reason: string; offset: number; regionOffset: number }
  | { kind: 'waiting'; reason: string; offset: number }
  | { kind: 'restart'; reason: string }
  /** An unfinished upload was found but is not continued (several regions each keep their own copy). */
  | { kind: 'fresh-start'; reason: string }
  | { kind: 'chunk-size'; chunkSize: number; reason: string };

export interface UploadRequest {
  /** The image file (tarball or disk image). */
  file: string;
  /** `custom/NAME`, `NAME`, or `os/series` (e.g. `rhel/9`). */
  name: string;
  /** `arch/subarch`, e.g. `amd64/generic`. */
  architecture: string;
  title?: string;
  /** Default `tgz`. */
  filetype?: MaasFiletype;
  /** `os/series` a custom image is built on (MAAS defaults to its commissioning release). */
  baseImage?: string;
  /** The file's sha256 if already known (e.g. from a checksum post-processor); skips the hashing pass. */
  sha256?: string;
}

export interface RetryPolicy {
  /** Failures in a row (without a chunk getting through) before giving up. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Cap on a `Retry-After` wait. */
  maxRetryAfterMs: number;
  /** Fresh starts (re-creating the resource) when the region holds bytes the uploader cannot vouch for. */
  maxRestarts: number;
}

export interface UploadTimeouts {
  /** Idle timeout of one chunk. Default 120 s. */
  requestMs: number;
  /** Idle timeout of the last chunk, which the region answers only after hashing the whole file. Default 930 s (nginx gives up at 900 s). */
  finalChunkMs: number;
  /** After an unknown outcome, how long the region's offset must stay put before the chunk is resent. Default 5 s. */
  settleMs: number;
  /** The same for the last chunk (the region may still be hashing). Default: the size at 50 MB/s, at least `settleMs`, at most 15 min. */
  finalSettleMs?: number;
  /** Between two reads of the resource while waiting. Default 2 s. */
  pollIntervalMs: number;
}

export interface UploadOptions {
  signal?: AbortSignal;
  onProgress?: (progress: UploadProgress) => void;
  onEvent?: (event: UploadEvent) => void;
  /** Bytes per PUT: 64 KiB to 8 MiB (MAAS's nginx refuses bodies over 10 MiB). Default 4 MiB. */
  chunkSize?: number;
  /**
   * Continue an unfinished upload of the same content to the same name and architecture, and skip the
   * upload when the region already holds it complete. Default true.
   */
  resume?: boolean;
  /** Wait until every region holds the file (MAAS 3.5+ copies it between regions). Default false. */
  waitForSync?: boolean;
  /** How long to wait for that. Default 30 min. */
  syncTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  timeouts?: Partial<UploadTimeouts>;
  /** Test hook. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface UploadResult {
  resourceId: number;
  /** The resource as MAAS last showed it. */
  resource: BootResource;
  setVersion: string;
  filename: string;
  sha256: string;
  size: number;
  /** MAAS reports the file complete (on every region). */
  complete: boolean;
  /** Bytes the region already held when this run started sending (a resumed upload). */
  resumedFrom: number;
  /** Bytes sent in PUT bodies, resent chunks included. */
  bytesSent: number;
  chunks: number;
  retries: number;
  resyncs: number;
  restarts: number;
  /** Whole run, hashing included. */
  elapsedMs: number;
  /** From the first PUT to the region's last answer. */
  transferMs: number;
  /** The upload was skipped: the region already had this file complete. */
  skipped: boolean;
}

interface Session {
  resourceId: number;
  setVersion: string;
  uploadUri: string;
  offset: number;
}

class RestartNeeded extends Error {}

const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 10,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
  maxRestarts: 2,
};

export async function uploadBootResource(
  client: MaasClient,
  request: UploadRequest,
  options: UploadOptions = {},
): Promise<UploadResult> {
  const started = performance.now();
  const signal = options.signal;
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const sleep = options.sleep ?? abortableSleep;
  let chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new MaasUploadError(
      `chunk size ${chunkSize} is out of range: ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE} bytes (MAAS's proxy refuses bodies over 10 MiB)`,
    );
  }
  const emit = (event: UploadEvent) => options.onEvent?.(event);
  const meter = new RateMeter();
  const progress = (phase: UploadPhase, bytes: number, total: number) => {
    if (!options.onProgress) return;
    const { rate, etaSeconds } = meter.update(bytes, total);
    options.onProgress({ phase, bytes, total, rate, etaSeconds });
  };

  const handle = await openImage(request.file);
  try {
    const before = await handle.stat();
    if (!before.isFile()) throw new MaasUploadError(`${request.file} is not a regular file`);
    if (before.size === 0) throw new MaasUploadError(`${request.file} is empty`);

    // ---- pass 1: size and sha256 ----------------------------------------------------------------
    let sha256 = request.sha256?.trim().toLowerCase();
    let size = before.size;
    if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) {
      throw new MaasUploadError(`"${request.sha256}" is not a sha256 (64 hexadecimal digits)`);
    }
    if (sha256 === undefined) {
      meter.reset(0);
      progress('hashing', 0, size);
      const digest = await sha256OfHandle(handle, {
        signal,
        onBytes: (bytes) => progress('hashing', bytes, size),
      });
      sha256 = digest.sha256;
      size = digest.size;
    }
    const fingerprint = await handle.stat();
    if (fingerprint.size !== size || fingerprint.mtimeMs !== before.mtimeMs) {
      throw new MaasUploadError(
        `${request.file} changed while it was being read; upload it once it is finished`,
      );
    }
    const fileChanged = async () => {
      const now = await fs.stat(request.file).catch(() => undefined);
      return (
        !now ||
        now.size !== fingerprint.size ||
        now.mtimeMs !== fingerprint.mtimeMs ||
        now.ino !== fingerprint.ino
      );
    };

    const stats = { bytesSent: 0, chunks: 0, retries: 0, resyncs: 0, restarts: 0 };
    /** The resource as the region last showed it. */
    let lastSeen: BootResource | undefined;
    const fields = {
      name: request.name,
      architecture: request.architecture,
      sha256,
      size,
      title: request.title,
      filetype: request.filetype ?? 'tgz',
      base_image: request.baseImage,
    };

    /** Calls `fn`, retrying what a region says "try again" to, and connection failures (reads are safe to repeat). */
    const withRetry = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await fn();
        } catch (err) {
          signal?.throwIfAborted();
          const transient =
            err instanceof MaasConnectionError ||
            (err instanceof MaasApiError && [409, 502, 503, 504].includes(err.status)) ||
            (err instanceof MaasApiError && err.status === 401 && isStaleSignature(err) && attempt === 1);
          if (!transient || attempt >= retry.maxAttempts) throw err;
          const delayMs = retryDelay(err, attempt, retry);
          stats.retries++;
          emit({ kind: 'retry', reason: `${what}: ${describe(err)}`, attempt, delayMs, offset: 0 });
          await sleep(delayMs, signal);
        }
      }
    };

    /**
     * Regions that MAAS 3.5+ spreads `progress` over (≤3.4 has a single large object: 1). Asked only when
     * needed; undefined if the region will not say.
     */
    let regionCount: number | undefined;
    const knowRegions = async (target: UploadTarget): Promise<number | undefined> => {
      if (regionCount !== undefined) return regionCount;
      if (target.file.filename_on_disk === undefined) return (regionCount = 1);
      try {
        regionCount = await client.regionControllerCount({ signal });
      } catch (err) {
        signal?.throwIfAborted();
        if (!(err instanceof MaasApiError || err instanceof MaasConnectionError)) throw err;
      }
      return regionCount;
    };

    const settleMs = options.timeouts?.settleMs ?? 5_000;
    const pollIntervalMs = options.timeouts?.pollIntervalMs ?? 2_000;
    // The region hashes the whole file before it answers the last chunk: allow it 50 MB/s.
    const finalSettleMs =
      options.timeouts?.finalSettleMs ?? Math.min(15 * 60_000, Math.max(settleMs, (size / 50e6) * 1000));

    /** The offset once two reads `settleMs` apart agree ('complete' if the file completes meanwhile). */
    const settledOffset = async (resourceId: number, target: UploadTarget, first: number) => {
      const session: Session = { resourceId, setVersion: target.set.version, uploadUri: '', offset: first };
      // Within a chunk of the end, the earlier run's last chunk may be in flight (the region hashing).
      const wait = size - first <= MAX_CHUNK_SIZE ? finalSettleMs : settleMs;
      let previous = first;
      emit({
        kind: 'waiting',
        reason: `making sure no request of an earlier run is still at work (${formatDuration(wait)})`,
        offset: first,
      });
      for (;;) {
        await sleep(wait, signal);
        const resource = await withRetry('read the resource', () =>
          client.readBootResource(resourceId, { signal }),
        );
        lastSeen = resource;
        const now = locate(resource, session, sha256 as string, size);
        if (!now)
          throw new MaasUploadError(
            `the unfinished upload's set ${target.set.version} is gone from boot resource ${resourceId}`,
          );
        if (now.file.complete) return 'complete' as const;
        const offset = bytesFromProgress(now);
        if (offset === previous) return offset;
        previous = offset;
      }
    };

    // ---- find or create the resource ---------------------------------------------------------------
    type Opened =
      { kind: 'upload'; session: Session } | { kind: 'complete'; resource: BootResource; setVersion: string };
    const openSession = async (allowResume: boolean): Promise<Opened> => {
      if (allowResume) {
        const found = await findExisting(client, request, sha256, size, signal);
        if (found?.target.file.complete) {
          return { kind: 'complete', resource: found.resource, setVersion: found.target.set.version };
        }
        const derived = found ? bytesFromProgress(found.target) : 0;
        const regions = found && derived > 0 ? await knowRegions(found.target) : 1;
        if (found?.target.file.upload_uri && regions !== 1) {
          emit({
            kind: 'fresh-start',
            reason:
              regions === undefined
                ? 'cannot tell how many region controllers share the unfinished upload'
                : `${regions} region controllers each keep their own partial copy`,
          });
        } else if (found?.target.file.upload_uri) {
          // A request of the earlier run may still be at work on the region: wait until the offset holds.
          const settled = await settledOffset(found.resource.id, found.target, derived);
          if (settled === 'complete') {
            const latest = lastSeen ?? found.resource;
            return { kind: 'complete', resource: latest, setVersion: found.target.set.version };
          }
          const session = {
            resourceId: found.resource.id,
            setVersion: found.target.set.version,
            uploadUri: found.target.file.upload_uri,
            offset: settled,
          };
          lastSeen = found.resource;
          emit({
            kind: 'resumed',
            resourceId: session.resourceId,
            setVersion: session.setVersion,
            offset: session.offset,
          });
          return { kind: 'upload', session };
        }
      }
      progress('creating', 0, size);
      const resource = await withRetry('create', () => client.createBootResource(fields, { signal }));
      const target = findUploadTarget(resource, sha256, size);
      if (!target) {
        throw new MaasUploadError(
          `MAAS created boot resource ${resource.id} but its answer shows no file with sha256 ${sha256} and size ${size}`,
        );
      }
      lastSeen = resource;
      // ≤3.4 shares content by sha256: the region may hold this file already.
      if (target.file.complete) return { kind: 'complete', resource, setVersion: target.set.version };
      if (!target.file.upload_uri) {
        throw new MaasUploadError(`MAAS's answer gives no upload URI for boot resource ${resource.id}`);
      }
      const session = {
        resourceId: resource.id,
        setVersion: target.set.version,
        uploadUri: target.file.upload_uri,
        // ≤3.4 shares a partial large object with an earlier upload of the same content.
        offset: bytesFromProgress(target),
      };
      emit({
        kind: 'created',
        resourceId: session.resourceId,
        setVersion: session.setVersion,
        uploadUri: session.uploadUri,
      });
      return { kind: 'upload', session };
    };

    const resultOf = (
      resource: BootResource,
      setVersion: string,
      complete: boolean,
      skipped: boolean,
      transferMs: number,
      resumedFrom: number,
    ): UploadResult => {
      const set = resource.sets[setVersion];
      return {
        resourceId: resource.id,
        resource,
        setVersion,
        filename: (set && onlyFile(set)?.filename) ?? '',
        sha256: sha256 as string,
        size,
        complete,
        resumedFrom,
        ...stats,
        elapsedMs: performance.now() - started,
        transferMs,
        skipped,
      };
    };

    const opened = await openSession(options.resume ?? true);
    if (opened.kind === 'complete') {
      emit({ kind: 'already-complete', resourceId: opened.resource.id, setVersion: opened.setVersion });
      progress('complete', size, size);
      return resultOf(opened.resource, opened.setVersion, true, true, 0, size);
    }
    let session = opened.session;

    // ---- pass 2: the chunks ------------------------------------------------------------------------
    const reader = new ChunkReader(handle, size);
    const transferStarted = performance.now();
    const resumedFrom = session.offset;
    let confirmed = session.offset;
    let failures = 0;
    let staleSignatureRetried = false;
    meter.reset(confirmed);
    progress('uploading', confirmed, size);

    /**
     * Reads the resource until the region's offset is explained; 'done' when the file is complete.
     * `refused`: the region said it holds more than `confirmed` ("Too much data received."), so finding
     * exactly `confirmed` there means its bytes and its bookkeeping disagree (master deletes the file).
     */
    const resync = async (
      reason: string,
      pendingLength: number,
      refused = false,
    ): Promise<'continue' | 'done'> => {
      const s = session;
      stats.resyncs++;
      const final = confirmed + pendingLength === size;
      const deadline = performance.now() + (final ? finalSettleMs : settleMs);
      let waitingAnnounced = false;
      for (;;) {
        const resource = await withRetry('read the resource', () =>
          client.readBootResource(s.resourceId, { signal }),
        );
        lastSeen = resource;
        const target = locate(resource, s, sha256 as string, size);
        if (!target)
          throw new RestartNeeded(`the upload's set ${s.setVersion} is gone from resource ${s.resourceId}`);
        if (target.file.complete) return 'done';
        const derived = bytesFromProgress(target);
        const candidates = [confirmed, confirmed + pendingLength];
        let reconciled = reconcileOffset(derived, candidates, regionCount);
        if (!reconciled.ok && reconciled.ambiguous) {
          reconciled = reconcileOffset(derived, candidates, await knowRegions(target));
          if (!reconciled.ok && reconciled.ambiguous) {
            throw new RestartNeeded(
              `the region's progress fits both ${confirmed} and ${confirmed + pendingLength} bytes, and it does not say how many regions share it`,
            );
          }
        }
        if (reconciled.ok && reconciled.offset === confirmed + pendingLength && pendingLength > 0) {
          emit({ kind: 'resync', reason, offset: confirmed, regionOffset: reconciled.offset });
          confirmed = reconciled.offset;
          return confirmed === size ? 'done' : 'continue';
        }
        if (reconciled.ok && reconciled.offset === confirmed && refused) {
          throw new RestartNeeded(
            `the region refused the chunk at ${confirmed} as too much data but holds ${confirmed} bytes`,
          );
        }
        if (reconciled.ok && reconciled.offset === confirmed) {
          if (performance.now() >= deadline) {
            emit({ kind: 'resync', reason, offset: confirmed, regionOffset: confirmed });
            return 'continue';
          }
          if (!waitingAnnounced) {
            waitingAnnounced = true;
            emit({
              kind: 'waiting',
              reason: `${reason}; the region holds ${confirmed} bytes, waiting up to ${formatDuration(final ? finalSettleMs : settleMs)} in case it is still at work on the chunk`,
              offset: confirmed,
            });
          }
          await sleep(pollIntervalMs, signal);
          continue;
        }
        // Past our confirmed bytes on the last chunk with several regions syncing: resending is safe
        // (a complete file answers "Cannot upload to a complete file.").
        if (final && derived > confirmed) return 'continue';
        throw new RestartNeeded(
          `the region reports ${derived} bytes where ${confirmed} or ${confirmed + pendingLength} were expected`,
        );
      }
    };

    for (;;) {
      try {
        while (confirmed < size) {
          signal?.throwIfAborted();
          const length = Math.min(chunkSize, size - confirmed);
          const data = await reader.get(confirmed, length);
          const next = confirmed + length;
          if (next < size) reader.prefetch(next, Math.min(chunkSize, size - next));
          const final = next === size;
          try {
            stats.bytesSent += length;
            await client.uploadChunk(session.uploadUri, data, {
              signal,
              timeoutMs: final
                ? (options.timeouts?.finalChunkMs ?? 930_000)
                : (options.timeouts?.requestMs ?? 120_000),
            });
            confirmed = next;
            stats.chunks++;
            failures = 0;
            staleSignatureRetried = false;
            progress('uploading', confirmed, size);
            continue;
          } catch (err) {
            signal?.throwIfAborted();
            failures++;
            if (failures > retry.maxAttempts) {
              throw new MaasUploadError(
                `gave up after ${retry.maxAttempts} failed attempts: ${describe(err)}`,
                {
                  cause: err,
                },
              );
            }
            const action = await classify(err, {
              chunkSize,
              staleSignatureRetried,
              fileChanged,
            });
            if (action.kind === 'fatal') throw action.error;
            stats.retries++;
            if (action.kind === 'smaller-chunks') {
              chunkSize = action.chunkSize;
              emit({ kind: 'chunk-size', chunkSize, reason: describe(err) });
              continue;
            }
            if (action.kind === 'region-complete') {
              // This region holds the whole file (other regions may still be copying it).
              confirmed = size;
              progress('uploading', confirmed, size);
              continue;
            }
            if (action.kind === 'resend') {
              if (action.staleSignature) staleSignatureRetried = true;
              const delayMs = retryDelay(err, failures, retry);
              emit({ kind: 'retry', reason: describe(err), attempt: failures, delayMs, offset: confirmed });
              await sleep(delayMs, signal);
              continue;
            }
            // Outcome unknown: find out what the region holds before sending anything.
            const delayMs = retryDelay(err, failures, retry);
            emit({ kind: 'retry', reason: describe(err), attempt: failures, delayMs, offset: confirmed });
            await sleep(delayMs, signal);
            const outcome = await resync(describe(err), length, action.kind === 'recheck');
            if (outcome === 'done') confirmed = size;
            progress('uploading', confirmed, size);
          }
        }
        break;
      } catch (err) {
        if (!(err instanceof RestartNeeded)) throw err;
        if (stats.restarts >= retry.maxRestarts) {
          throw new MaasUploadError(`cannot resume the upload: ${err.message}`);
        }
        stats.restarts++;
        emit({ kind: 'restart', reason: err.message });
        const fresh = await openSession(false);
        if (fresh.kind === 'complete') {
          emit({ kind: 'already-complete', resourceId: fresh.resource.id, setVersion: fresh.setVersion });
          progress('complete', size, size);
          return resultOf(
            fresh.resource,
            fresh.setVersion,
            true,
            false,
            performance.now() - transferStarted,
            0,
          );
        }
        session = fresh.session;
        confirmed = session.offset;
        failures = 0;
        meter.reset(confirmed);
      }
    }
    const transferMs = performance.now() - transferStarted;

    // ---- the region's word --------------------------------------------------------------------------
    progress('verifying', size, size);
    const s = session;
    let resource = await withRetry('read the resource', () =>
      client.readBootResource(s.resourceId, { signal }),
    );
    lastSeen = resource;
    let target = locate(resource, s, sha256, size);
    if (!target)
      throw new MaasUploadError(
        `the upload's set ${s.setVersion} is gone from boot resource ${s.resourceId}`,
      );
    if (!target.file.complete && options.waitForSync) {
      const deadline = performance.now() + (options.syncTimeoutMs ?? 30 * 60_000);
      meter.reset(0);
      while (!target.file.complete) {
        progress('syncing', Math.round(((target.set.progress ?? 0) * size) / 100), size);
        if (performance.now() >= deadline) {
          throw new MaasUploadError(
            `the region holds the file, but MAAS still reports it incomplete (${(target.set.progress ?? 0).toFixed(1)}%) after ${formatDuration(options.syncTimeoutMs ?? 30 * 60_000)}: other regions have not copied it yet`,
          );
        }
        await sleep(pollIntervalMs, signal);
        resource = await withRetry('read the resource', () =>
          client.readBootResource(s.resourceId, { signal }),
        );
        lastSeen = resource;
        target = locate(resource, s, sha256, size);
        if (!target)
          throw new MaasUploadError(
            `the upload's set ${s.setVersion} is gone from boot resource ${s.resourceId}`,
          );
      }
    }
    progress('complete', size, size);
    return resultOf(resource, s.setVersion, target.file.complete, false, transferMs, resumedFrom);
  } finally {
    await handle.close();
  }
}

async function openImage(file: string): Promise<FileHandle> {
  try {
    return await fs.open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new MaasUploadError(`cannot read ${file}: ${why}`);
  }
}

/** The set the session writes to, found by version, holding our content. */
function locate(
  resource: BootResource,
  session: Session,
  sha256: string,
  size: number,
): UploadTarget | undefined {
  const set = resource.sets[session.setVersion];
  const file = set ? onlyFile(set) : undefined;
  if (!set || !file || file.sha256.toLowerCase() !== sha256 || file.size !== size) return undefined;
  return { set, file };
}

/**
 * An earlier upload of the same content to the same name, architecture, title and file type, in the
 * resource's newest set: incomplete (to continue) or complete (nothing to do).
 */
async function findExisting(
  client: MaasClient,
  request: UploadRequest,
  sha256: string,
  size: number,
  signal: AbortSignal | undefined,
): Promise<{ resource: BootResource; target: UploadTarget } | undefined> {
  const names = new Set([request.name]);
  if (request.name.startsWith('custom/')) names.add(request.name.slice('custom/'.length));
  const list = await client.listBootResources({ type: 'uploaded', signal });
  const candidate = list.find((r) => names.has(r.name) && r.architecture === request.architecture);
  if (!candidate || (candidate.title ?? '') !== (request.title ?? '')) return undefined;
  const resource = await client.readBootResource(candidate.id, { signal });
  const target = findUploadTarget(resource, sha256, size);
  if (!target || target.set !== newestSet(resource)) return undefined;
  if (target.file.filetype !== storedFiletype(request.filetype ?? 'tgz')) return undefined;
  return { resource, target };
}

type Action =
  | { kind: 'fatal'; error: Error }
  /** The request ended and was rolled back: send the same chunk again. */
  | { kind: 'resend'; staleSignature?: boolean }
  /** The region refused the body size: smaller chunks. */
  | { kind: 'smaller-chunks'; chunkSize: number }
  /** Outcome unknown: read the resource first. */
  | { kind: 'resync' }
  /** The region holds more than expected: read the resource. */
  | { kind: 'recheck' }
  /** "Cannot upload to a complete file.": this region holds it all. */
  | { kind: 'region-complete' };

async function classify(
  err: unknown,
  state: { chunkSize: number; staleSignatureRetried: boolean; fileChanged: () => Promise<boolean> },
): Promise<Action> {
  if (err instanceof MaasConnectionError) return { kind: 'resync' };
  if (!(err instanceof MaasApiError)) {
    return { kind: 'fatal', error: err instanceof Error ? err : new Error(String(err)) };
  }
  const message = err.maasMessage;
  switch (err.status) {
    case 409:
    case 503:
      return { kind: 'resend' };
    case 502:
    case 504:
      return { kind: 'resync' };
    case 413:
      if (state.chunkSize / 2 >= MIN_CHUNK_SIZE)
        return { kind: 'smaller-chunks', chunkSize: state.chunkSize / 2 };
      break;
    case 401:
      if (isStaleSignature(err) && !state.staleSignatureRetried)
        return { kind: 'resend', staleSignature: true };
      break;
    case 400:
      if (message === 'Too much data received.') return { kind: 'recheck' };
      if (message === 'Cannot upload to a complete file.') return { kind: 'region-complete' };
      if (message === 'Saved content does not match given SHA256 value.' && (await state.fileChanged())) {
        return {
          kind: 'fatal',
          error: new MaasUploadError(`${err.message} (the file changed while it was being uploaded)`, {
            cause: err,
          }),
        };
      }
      break;
  }
  return { kind: 'fatal', error: err };
}

function isStaleSignature(err: MaasApiError): boolean {
  return /Expired timestamp|Nonce already used/.test(err.maasMessage);
}

function retryDelay(err: unknown, attempt: number, policy: RetryPolicy): number {
  if (err instanceof MaasApiError && err.retryAfterSeconds !== undefined) {
    return Math.min(policy.maxRetryAfterMs, err.retryAfterSeconds * 1000);
  }
  if (err instanceof MaasApiError && err.status === 401) return 0;
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  // ±20% jitter so that several uploaders do not retry in step.
  return Math.round(exponential * (0.8 + Math.random() * 0.4));
}

function describe(err: unknown): string {
  if (err instanceof MaasApiError) return `${err.status} ${err.maasMessage}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Two buffers: the chunk being sent stays untouched (it may have to be resent) while the next one is
 * read into the other.
 */
class ChunkReader {
  private slots: Array<{ buffer: Buffer; offset: number; length: number; read: Promise<void> }> = [];

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {}

  async get(offset: number, length: number): Promise<Buffer> {
    const slot =
      this.slots.find((s) => s.offset === offset && s.length === length) ??
      this.load(this.spare(offset), offset, length);
    await slot.read;
    return slot.buffer.subarray(0, length);
  }

  /** Starts reading the chunk at `offset` into the buffer that is not being sent. */
  prefetch(offset: number, length: number): void {
    if (this.slots.some((s) => s.offset === offset && s.length === length)) return;
    // A failed read surfaces when the chunk is asked for.
    this.load(this.spare(offset), offset, length).read.catch(() => undefined);
  }

  /** The buffer to (re)use for `offset`: never the one holding the chunk just before it (in flight). */
  private spare(offset: number): number {
    if (this.slots.length < 2) return this.slots.length;
    return this.slots.findIndex((s) => s.offset + s.length === offset) === 0 ? 1 : 0;
  }

  private load(index: number, offset: number, length: number) {
    const previous = this.slots[index];
    const buffer = previous && previous.buffer.length >= length ? previous.buffer : pageAlignedBuffer(length);
    const read = (async () => {
      // The buffer may still be filling for an earlier request.
      if (previous) await previous.read.catch(() => undefined);
      await this.readFully(buffer, offset, length);
    })();
    const slot = { buffer, offset, length, read };
    this.slots[index] = slot;
    return slot;
  }

  private async readFully(buffer: Buffer, offset: number, length: number): Promise<void> {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buffer, done, length - done, offset + done);
      if (bytesRead === 0) {
        throw new MaasUploadError(
          `the file is shorter than when it was hashed (${offset + done} of ${this.size} bytes); it changed during the upload`,
        );
      }
      done += bytesRead;
    }
  }
}
