/**
 * The manifest post-processor: adds this build to a JSON manifest (Packer's format, Go's indentation
 * and escaping), truncating it first under -force when it comes from another run (last_run_uuid).
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Artifact, ComponentContext, PostProcessor, PostProcessResult } from '../build/components';

export interface ManifestConfig {
  output?: string;
  strip_path?: boolean;
  strip_time?: boolean;
  custom_data?: Record<string, string>;
}

interface ManifestBuild {
  name: string;
  builder_type: string;
  build_time?: number;
  files: Array<{ name: string; size: number }> | null;
  artifact_id: string;
  packer_run_uuid: string;
  custom_data: Record<string, string> | null;
}

interface ManifestFile {
  builds: ManifestBuild[];
  last_run_uuid: string;
}

/** Go's json.MarshalIndent(v, "", "  "): sorted map keys, `<`, `>`, `&` escaped. */
export function goJson(value: unknown): string {
  return JSON.stringify(value, null, 2)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Go's map marshalling, sorted keys; an empty map is written `null` (the decoder cannot tell unset from `{}`). */
function sortedMap(map: Record<string, string> | null | undefined): Record<string, string> | null {
  if (!map || Object.keys(map).length === 0) return null;
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Re-shapes a build read from disk into Packer's field order (unknown fields are dropped, as Go does). */
function normalise(b: Partial<ManifestBuild>): ManifestBuild {
  return {
    name: b.name ?? '',
    builder_type: b.builder_type ?? '',
    ...(b.build_time ? { build_time: b.build_time } : {}),
    files: b.files ?? null,
    artifact_id: b.artifact_id ?? '',
    packer_run_uuid: b.packer_run_uuid ?? '',
    custom_data: sortedMap(b.custom_data),
  };
}

/** Serialises writers of one manifest inside this process (parallel builds); the lock file guards others. */
const queues = new Map<string, Promise<unknown>>();

async function withLock<T>(path: string, fn: () => T): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  const run = previous.then(async () => {
    const lock = `${path}.lock`;
    let fd: number | undefined;
    for (let i = 0; i < 3 && fd === undefined; i++) {
      await new Promise((r) => setTimeout(r, i * 200));
      try {
        fd = openSync(lock, 'wx', 0o600);
      } catch {
        // held by another process: Packer retries twice, then goes on regardless
      }
    }
    try {
      return fn();
    } finally {
      if (fd !== undefined) closeSync(fd);
      rmSync(lock, { force: true });
    }
  });
  queues.set(
    path,
    run.catch(() => undefined),
  );
  return run;
}

export class ManifestPostProcessor implements PostProcessor {
  constructor(private readonly config: ManifestConfig) {}

  async postProcess(ctx: ComponentContext, input: Artifact): Promise<PostProcessResult> {
    const { build } = ctx;
    const output = this.config.output || 'packer-manifest.json';
    const path = resolve(build.cwd, output);
    const files = input.files.map((name) => {
      let size = 0;
      try {
        size = statSync(resolve(build.cwd, name)).size;
      } catch {
        // Packer records 0 for a file it cannot stat
      }
      return { name: this.config.strip_path ? basename(name) : name, size };
    });
    const entry: ManifestBuild = {
      name: build.sourceName,
      builder_type: build.builderType,
      ...(this.config.strip_time ? {} : { build_time: Math.floor(Date.now() / 1000) }),
      files: files.length ? files : null,
      artifact_id: input.id,
      packer_run_uuid: build.runUuid,
      custom_data: sortedMap(this.config.custom_data),
    };
    await withLock(path, () => {
      let manifest: ManifestFile = { builds: [], last_run_uuid: '' };
      if (existsSync(path)) {
        const text = readFileSync(path, 'utf8');
        if (text.length) {
          try {
            const parsed = JSON.parse(text) as Partial<ManifestFile>;
            manifest = {
              builds: (parsed.builds ?? []).map(normalise),
              last_run_uuid: parsed.last_run_uuid ?? '',
            };
          } catch (err) {
            throw new Error(`Unable to parse content from ${output}: ${(err as Error).message}`, {
              cause: err,
            });
          }
        }
      }
      if (build.force && manifest.last_run_uuid !== build.runUuid)
        manifest = { builds: [], last_run_uuid: '' };
      manifest.builds.push(entry);
      manifest.last_run_uuid = build.runUuid;
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, goJson(manifest), { mode: 0o664 });
    });
    // The manifest never deletes what it records.
    return { artifact: input, keep: true, forceOverride: true };
  }
}
