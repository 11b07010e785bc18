/**
 * MAAS in the app: connection profiles (behind the engine's ProfileStore, which each shell provides:
 * the OS keychain in Electron, the CLI's 0600 file in the web host), testing a connection, the region's
 * images, and uploads of a build's artifacts with a form checked against the region first.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename } from 'node:path';
import { ApiError } from '../../api/errors';
import type {
  ApiEvent,
  BuildRunSummary,
  MaasConnectionInfo,
  MaasImage,
  MaasKeyStorage,
  MaasProfilesResult,
  MaasTarget,
  MaasUploadFields,
  MaasUploadPlan,
  MaasUploadState,
} from '../../api/types';
import { describeError, filetypeFromName } from '../../cli/commands/maas';
import { MaasClient, normalizeRegionUrl, RegionUrlError } from '../../engine/maas/api';
import { MaasApiError, MaasConnectionError, MaasUploadError } from '../../engine/maas/errors';
import { ApiKeyFormatError, parseApiKey } from '../../engine/maas/oauth';
import type { ProfileStore } from '../../engine/maas/profiles';
import { ProfileError, validateProfileName } from '../../engine/maas/profiles';
import { checkReadiness } from '../../engine/maas/readiness/check';
import { newestSet } from '../../engine/maas/resume';
import { MAAS_FILETYPES, type MaasFiletype } from '../../engine/maas/types';
import { uploadBootResource } from '../../engine/maas/upload';

/** The readiness check reads the image's file system; a huge or odd file must not hold the dialog. */
const READINESS_TIMEOUT_MS = 60_000;
export interface MaasServiceOptions {
  store: ProfileStore;
  storage: MaasKeyStorage;
  emit(event: ApiEvent): void;
  /** The run a file comes from, to check it is one of its artifacts. */
  run(runId: string): Promise<BuildRunSummary | undefined>;
}

const PROGRESS_EVERY_MS = 250;
const KEEP_FINISHED = 20;

/** An error with the region's own words, as the UI shows it. */
function refusal(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ProfileError || err instanceof ApiKeyFormatError || err instanceof RegionUrlError)
    return new ApiError('invalid-input', err.message);
  if (err instanceof MaasApiError || (err instanceof MaasUploadError && err.cause instanceof MaasApiError))
    return new ApiError('refused', describeError(err));
  if (err instanceof MaasConnectionError) return new ApiError('io', describeError(err));
  return new ApiError('internal', describeError(err));
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'image'
  );
}

/** The image's name from its file: `custom-cloudimg.tar.gz` → `custom/custom-cloudimg`. */
export function nameFromFile(file: string): string {
  const stem = basename(file).replace(
    /\.(tar\.(gz|xz|bz2)|tgz|txz|tbz|dd\.(gz|xz|bz2)|img\.(gz|xz)|gz|xz|bz2|img|raw|dd|tar|qcow2)$/i,
    '',
  );
  return `custom/${slug(stem)}`;
}

export class MaasService {
  private readonly uploads = new Map<string, { state: MaasUploadState; abort: AbortController }>();

  constructor(private readonly options: MaasServiceOptions) {}

  async profiles(): Promise<MaasProfilesResult> {
    try {
      const list = await this.options.store.list();
      return { profiles: list, storage: this.options.storage };
    } catch (err) {
      throw refusal(err);
    }
  }

  /** Checks the region and the key (as `kiln maas login` does), then saves. */
  async saveProfile(input: {
    name: string;
    url: string;
    apiKey: string;
    makeDefault?: boolean;
  }): Promise<MaasProfilesResult> {
    try {
      validateProfileName(input.name);
      const url = normalizeRegionUrl(input.url);
      await this.test({ url, apiKey: input.apiKey });
      await this.options.store.save(
        { name: input.name, url, apiKey: input.apiKey.trim() },
        input.makeDefault ? { makeDefault: true } : {},
      );
    } catch (err) {
      throw refusal(err);
    }
    return this.profiles();
  }

  async removeProfile(name: string): Promise<MaasProfilesResult> {
    try {
      if (!(await this.options.store.remove(name)))
        throw new ApiError('not-found', `no MAAS profile "${name}"`);
    } catch (err) {
      throw refusal(err);
    }
    return this.profiles();
  }

  async test(target: MaasTarget): Promise<MaasConnectionInfo> {
    return this.withClient(target, async (client, url) => {
      const { version, user } = await client.testConnection({ timeoutMs: 20_000 });
      return { url, maasVersion: version.version, user: user.username, isAdmin: user.is_superuser };
    });
  }

  async images(profile: string): Promise<MaasImage[]> {
    return this.withClient({ profile }, async (client) => {
      const list = await client.listBootResources({ timeoutMs: 30_000 });
      const out: MaasImage[] = [];
      for (const r of list) {
        const image: MaasImage = {
          id: r.id,
          type: r.type,
          name: r.name,
          architecture: r.architecture,
          ...(r.title ? { title: r.title } : {}),
          ...(r.base_image ? { baseImage: r.base_image } : {}),
          ...(r.last_deployed !== undefined ? { lastDeployed: r.last_deployed } : {}),
        };
        if (r.type.toLowerCase() === 'uploaded') {
          const full = await client.readBootResource(r.id, { timeoutMs: 30_000 }).catch(() => undefined);
          const set = full ? newestSet(full) : undefined;
          if (set) {
            image.size = set.size;
            image.complete = set.complete;
          }
        }
        out.push(image);
      }
      return out;
    });
  }

  async deleteImage(profile: string, id: number): Promise<void> {
    await this.withClient({ profile }, (client) => client.deleteBootResource(id, { timeoutMs: 30_000 }));
  }

  /** The upload form for one of a run's artifact files: pre-filled, and checked against the region. */
  async plan(
    runId: string,
    file: string,
    profile: string,
    given: Partial<MaasUploadFields> = {},
  ): Promise<MaasUploadPlan> {
    const run = await this.artifactRun(runId, file);
    const st = await fs.stat(file).catch(() => undefined);
    const problems: MaasUploadPlan['problems'] = [];
    if (!st?.isFile()) problems.push({ field: 'file', message: `${file} is no longer on disk` });
    const resources = await this.withClient({ profile }, (client) =>
      client.listBootResources({ timeoutMs: 30_000 }),
    );
    const synced = resources.filter((r) => r.type.toLowerCase() !== 'uploaded');
    // MAAS's usable architectures: arch/subarch of its synced images, subarches included (amd64/generic).
    const usable = new Set<string>();
    for (const r of synced) {
      usable.add(r.architecture);
      const arch = r.architecture.split('/')[0];
      for (const sub of (r.subarches ?? '').split(',').filter(Boolean)) usable.add(`${arch}/${sub}`);
    }
    const architectures = [...usable].sort(
      (a, b) => Number(!a.endsWith('/generic')) - Number(!b.endsWith('/generic')) || a.localeCompare(b),
    );
    const baseImages = [
      ...new Set(synced.filter((r) => r.name.startsWith('ubuntu/')).map((r) => r.name)),
    ].sort();
    const guessedType = filetypeFromName(file);
    const fields: MaasUploadFields = {
      name: given.name ?? nameFromFile(file),
      title: given.title ?? `${run.name} (${new Date(run.startedAt).toISOString().slice(0, 10)})`,
      architecture:
        given.architecture ??
        (architectures.includes('amd64/generic') ? 'amd64/generic' : (architectures[0] ?? 'amd64/generic')),
      filetype: given.filetype ?? guessedType ?? 'tgz',
      ...(given.baseImage ? { baseImage: given.baseImage } : {}),
    };
    const notes: string[] = [];
    if (!given.filetype && !guessedType)
      notes.push(`The file name does not say its type; MAAS's default, tgz (a root tarball), is filled in.`);
    const name = fields.name.trim();
    if (!name) problems.push({ field: 'name', message: 'A name is required.' });
    else if (/\s/.test(name)) problems.push({ field: 'name', message: 'A name has no spaces.' });
    else if (name.split('/').length > 2)
      problems.push({
        field: 'name',
        message: 'A name is NAME, custom/NAME or os/series: one slash at most.',
      });
    if (!(MAAS_FILETYPES as readonly string[]).includes(fields.filetype))
      problems.push({ field: 'filetype', message: `MAAS takes ${MAAS_FILETYPES.join(', ')}.` });
    if (architectures.length === 0) {
      problems.push({
        field: 'architecture',
        message:
          'The region has no synced images yet, so it accepts no architecture: sync an Ubuntu image first.',
      });
    } else if (!architectures.includes(fields.architecture)) {
      problems.push({
        field: 'architecture',
        message: `The region accepts ${architectures.join(', ')} (the architectures of its synced images).`,
      });
    }
    const os = name.includes('/') ? name.split('/')[0] : 'custom';
    if (fields.baseImage) {
      if (!/^[a-z][a-z0-9-]*\/[a-z0-9][a-z0-9.-]*$/.test(fields.baseImage))
        problems.push({
          field: 'baseImage',
          message: 'A base image is os/series, for example ubuntu/noble.',
        });
      else if (baseImages.length && !baseImages.includes(fields.baseImage))
        notes.push(`The region has no synced ${fields.baseImage}; it has ${baseImages.join(', ')}.`);
    } else if (os !== 'custom' && os !== 'ubuntu') {
      problems.push({
        field: 'baseImage',
        message: `A ${os} image needs a base image (the Ubuntu release it deploys with), for example ${baseImages[0] ?? 'ubuntu/noble'}.`,
      });
    }
    const bare = name.replace(/^custom\//, '');
    const existing = resources.find(
      (r) =>
        r.type.toLowerCase() === 'uploaded' &&
        r.name.replace(/^custom\//, '') === bare &&
        r.architecture === fields.architecture,
    );
    if (existing)
      notes.push(
        `The region already has ${existing.name} for ${existing.architecture} (id ${existing.id}): this upload adds a new version of it.`,
      );
    const readiness = st?.isFile() ? await this.readiness(file, fields) : undefined;
    return {
      file,
      size: st?.size ?? 0,
      fields,
      architectures,
      baseImages,
      problems,
      notes,
      ...(readiness ? { readiness } : {}),
    };
  }

  /** The readiness check maas-upload runs, for the dialog to show before the upload (bounded in time). */
  private async readiness(file: string, fields: MaasUploadFields): Promise<MaasUploadPlan['readiness']> {
    try {
      const report = await checkReadiness(file, {
        filetype: fields.filetype,
        name: fields.name.trim(),
        ...(fields.baseImage ? { baseImage: fields.baseImage } : {}),
        signal: AbortSignal.timeout(READINESS_TIMEOUT_MS),
      });
      return { detail: report.detail, ready: report.ready, findings: report.findings };
    } catch (err) {
      return { detail: '', ready: false, findings: [], error: describeError(err) };
    }
  }

  async upload(
    runId: string,
    file: string,
    profile: string,
    fields: MaasUploadFields,
  ): Promise<MaasUploadState> {
    const run = await this.artifactRun(runId, file);
    if (!(MAAS_FILETYPES as readonly string[]).includes(fields.filetype))
      throw new ApiError('invalid-input', `filetype must be one of ${MAAS_FILETYPES.join(', ')}`);
    const stored = await this.options.store.get(profile).catch((err) => {
      throw refusal(err);
    });
    if (!stored) throw new ApiError('not-found', `no MAAS profile "${profile}"`);
    const sha256 = run.artifacts.flatMap((a) => a.files).find((f) => f.path === file)?.sha256;
    const uploadId = randomBytes(9).toString('base64url');
    const abort = new AbortController();
    const state: MaasUploadState = {
      uploadId,
      runId,
      file,
      profile,
      fields,
      state: 'running',
      phase: sha256 ? 'creating' : 'hashing',
      bytes: 0,
      total: (await fs.stat(file).catch(() => undefined))?.size ?? 0,
      rate: 0,
    };
    this.uploads.set(uploadId, { state, abort });
    this.publish(state);
    const client = new MaasClient({ url: stored.url, apiKey: stored.apiKey });
    let lastEmit = 0;
    void uploadBootResource(
      client,
      {
        file,
        name: fields.name.trim(),
        architecture: fields.architecture,
        title: fields.title,
        filetype: fields.filetype as MaasFiletype,
        ...(fields.baseImage ? { baseImage: fields.baseImage } : {}),
        ...(sha256 ? { sha256 } : {}),
      },
      {
        signal: abort.signal,
        onProgress: (p) => {
          state.phase = p.phase;
          state.bytes = p.bytes;
          state.total = p.total;
          state.rate = p.rate;
          if (p.etaSeconds !== undefined) state.etaSeconds = p.etaSeconds;
          else delete state.etaSeconds;
          const now = Date.now();
          if (now - lastEmit >= PROGRESS_EVERY_MS) {
            lastEmit = now;
            this.publish(state);
          }
        },
      },
    )
      .then((result) => {
        state.state = 'succeeded';
        state.phase = 'complete';
        state.bytes = result.size;
        state.total = result.size;
        state.resourceId = result.resourceId;
        state.complete = result.complete;
        state.summary = result.skipped
          ? `The region already had this file complete (resource ${result.resourceId}); nothing was sent.`
          : `Uploaded ${result.filename} as resource ${result.resourceId} in ${(result.elapsedMs / 1000).toFixed(1)} s` +
            `${result.resumedFrom ? `, resumed from ${result.resumedFrom} bytes` : ''}; MAAS reports it ${result.complete ? 'complete' : 'not complete yet (still syncing)'}.`;
      })
      .catch((err) => {
        if (abort.signal.aborted) {
          state.state = 'cancelled';
          state.summary =
            'Upload cancelled. What the region already holds stays; uploading again continues it.';
        } else {
          state.state = 'failed';
          state.error = describeError(err);
        }
      })
      .finally(() => {
        client.close();
        this.publish(state);
        this.prune();
      });
    return structuredClone(state);
  }

  cancel(uploadId: string): void {
    const upload = this.uploads.get(uploadId);
    if (!upload) throw new ApiError('not-found', `no upload ${uploadId}`);
    upload.abort.abort(new Error('cancelled in Kiln'));
  }

  list(): MaasUploadState[] {
    return [...this.uploads.values()].map((u) => structuredClone(u.state));
  }

  dispose(): void {
    for (const u of this.uploads.values()) u.abort.abort(new Error('Kiln is closing'));
  }

  private publish(state: MaasUploadState): void {
    this.options.emit({ topic: 'maas', type: 'upload', upload: structuredClone(state) });
  }

  private prune(): void {
    const finished = [...this.uploads.entries()].filter(([, u]) => u.state.state !== 'running');
    for (const [id] of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED)))
      this.uploads.delete(id);
  }

  /** Only a file a run made may be uploaded: the renderer names files, the service checks them. */
  private async artifactRun(runId: string, file: string): Promise<BuildRunSummary> {
    const run = await this.options.run(runId);
    if (!run) throw new ApiError('not-found', `no build run ${runId}`);
    if (!run.artifacts.some((a) => a.files.some((f) => f.path === file)))
      throw new ApiError('invalid-input', `${file} is not an artifact of run ${runId}`);
    return run;
  }

  private async withClient<T>(
    target: MaasTarget,
    use: (client: MaasClient, url: string) => Promise<T>,
  ): Promise<T> {
    let url: string;
    let apiKey: string;
    try {
      if ('profile' in target) {
        const profile = await this.options.store.get(target.profile);
        if (!profile) throw new ApiError('not-found', `no MAAS profile "${target.profile}"`);
        ({ url, apiKey } = profile);
      } else {
        url = normalizeRegionUrl(target.url);
        apiKey = target.apiKey.trim();
        parseApiKey(apiKey);
      }
    } catch (err) {
      throw refusal(err);
    }
    const client = new MaasClient({ url, apiKey });
    try {
      return await use(client, url);
    } catch (err) {
      throw refusal(err);
    } finally {
      client.close();
    }
  }
}
