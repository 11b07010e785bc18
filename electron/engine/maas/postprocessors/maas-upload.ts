/**
 * The `maas-upload` post-processor: the readiness check (errors stop the build), then the upload helper's
 * chunked, resumable upload of the artifact's image to a MAAS region. The artifact it passes on is the
 * boot resource.
 */
import { resolve } from 'node:path';
import type { Artifact, ComponentContext, PostProcessor, PostProcessResult } from '../../build/components';
import type { MaasUploadConfig } from '../../template/schema';
import { MaasClient } from '../api';
import { FileProfileStore, defaultProfilesPath, resolveConnection } from '../profiles';
import { checkReadiness, detectArtifactFiletype } from '../readiness/check';
import { MAAS_FILETYPES, type MaasFiletype } from '../types';
import { uploadBootResource, type UploadProgress } from '../upload';
import { MaasImageArtifact } from './maas-image';

export const MAAS_UPLOAD_BUILDER_ID = 'kiln.post-processor.maas-upload';

export class MaasResourceArtifact implements Artifact {
  readonly builderId = MAAS_UPLOAD_BUILDER_ID;
  readonly files: string[] = [];
  constructor(
    readonly resourceId: number,
    readonly name: string,
    readonly architecture: string,
    readonly region: string,
    readonly sha256: string,
  ) {}
  get id(): string {
    return String(this.resourceId);
  }
  get generatedData(): Record<string, string> {
    return {
      MaasResourceId: String(this.resourceId),
      MaasName: this.name,
      MaasRegion: this.region,
      Sha256: this.sha256,
    };
  }
  describe(): string {
    return `MAAS boot resource ${this.name} (${this.architecture}, id ${this.resourceId}) on ${this.region}`;
  }
  async destroy(): Promise<void> {
    // The boot resource stays in MAAS: deleting it is `kiln maas delete`, never a side effect of a build.
  }
}

export class MaasUploadPostProcessor implements PostProcessor {
  constructor(
    private readonly config: Partial<MaasUploadConfig>,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private imageFile(input: Artifact): string {
    if (input instanceof MaasImageArtifact) return input.path;
    if (input.files.length !== 1) {
      throw new Error(
        `maas-upload uploads one file; the artifact has ${input.files.length ? `${input.files.length}: ${input.files.join(', ')}` : 'none'} (put a maas-image post-processor before it)`,
      );
    }
    return input.files[0];
  }

  async postProcess(ctx: ComponentContext, input: Artifact): Promise<PostProcessResult> {
    const { ui, build, signal } = ctx;
    const config = this.config;
    const file = resolve(build.cwd, this.imageFile(input));
    const name = config.image_name;
    if (!name) throw new Error('maas-upload: image_name is required');
    let filetype = config.filetype || (input instanceof MaasImageArtifact ? input.filetype : undefined);
    if (!filetype) {
      filetype = await detectArtifactFiletype(file, signal);
      if (!filetype)
        throw new Error(
          `maas-upload: ${file} is neither a MAAS tarball nor a disk image (give filetype, or put maas-image before it)`,
        );
      ui.message(`The file is a ${filetype} image`);
    }
    if (!(MAAS_FILETYPES as readonly string[]).includes(filetype))
      throw new Error(`maas-upload: filetype ${filetype} is not one MAAS takes`);
    if (!config.skip_readiness_check) {
      const report = await checkReadiness(file, {
        filetype,
        name,
        baseImage: config.base_image || undefined,
        signal,
      });
      for (const f of report.findings.filter((x) => x.severity !== 'info')) {
        ui.message(
          `${f.severity === 'error' ? 'Error' : 'Warning'} [${f.rule}]${f.path ? ` ${f.path}` : ''}: ${f.message}. Fix: ${f.fix}`,
        );
      }
      const errors = report.findings.filter((f) => f.severity === 'error');
      if (errors.length) {
        throw new Error(
          `the image is not ready for MAAS (${errors.map((e) => e.rule).join(', ')}); fix it, or set skip_readiness_check = true`,
        );
      }
    }
    const store = new FileProfileStore(defaultProfilesPath(this.env), (warning) =>
      ui.message(`Warning: ${warning}`),
    );
    const connection = await resolveConnection(
      {
        profile: config.profile || undefined,
        url: config.url || undefined,
        apiKey: config.api_key || undefined,
      },
      this.env,
      store,
    );
    ui.addSecret(connection.apiKey);
    const client = new MaasClient({ url: connection.url, apiKey: connection.apiKey });
    const architecture = config.architecture || 'amd64/generic';
    ui.say(
      `Uploading ${this.imageFile(input)} to ${client.url} (${connection.source}) as ${name}, ${architecture}, ${filetype}`,
    );
    const progress = ui.progress(`maas-upload:${name}`, `upload ${name}`);
    let phase = '';
    const result = await uploadBootResource(
      client,
      {
        file,
        name,
        architecture,
        title: config.title || undefined,
        filetype: filetype as MaasFiletype,
        baseImage: config.base_image || undefined,
        sha256: input instanceof MaasImageArtifact ? input.sha256 : undefined,
      },
      {
        signal,
        chunkSize: config.chunk_size || undefined,
        waitForSync: config.wait_for_sync ?? false,
        onProgress: (p: UploadProgress) => {
          if (p.phase !== phase) {
            phase = p.phase;
            if (p.phase !== 'complete') ui.message(`${p.phase[0].toUpperCase()}${p.phase.slice(1)}…`);
          }
          if (p.phase === 'uploading') progress.update(p.bytes);
        },
        onEvent: (event) => {
          if (event.kind === 'resumed') ui.message(`Continuing an unfinished upload at byte ${event.offset}`);
          if (event.kind === 'already-complete')
            ui.message('MAAS already holds this image complete; nothing to send');
          if (event.kind === 'retry') ui.message(`Retrying (${event.reason}), attempt ${event.attempt}`);
        },
      },
    ).finally(() => progress.done());
    ui.say(
      result.skipped
        ? `MAAS already had ${name} (resource ${result.resourceId})`
        : `Uploaded ${name}: resource ${result.resourceId}, set ${result.setVersion}, ${result.size} bytes in ${(result.elapsedMs / 1000).toFixed(1)} s${result.complete ? ', complete' : ''}`,
    );
    return {
      artifact: new MaasResourceArtifact(result.resourceId, name, architecture, client.url, result.sha256),
      keep: true,
      forceOverride: false,
    };
  }
}
