/**
 * Template trust (VS Code's workspace trust, for templates): a template opened from a folder its author
 * has not trusted cannot run commands on this machine — shell-local provisioners and post-processors —
 * nor fetch with http data sources. The decision is kept per folder (and covers its subfolders) in the
 * config folder; the build service checks it before anything runs, whatever the UI shows.
 */
import { realpathSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { z } from 'zod';
import type { TrustNeed } from '../../api/types';
import type { LoadedTemplate } from '../../engine/template/model';
import { JsonFileStore } from './json-store';

const trustSchema = z.object({ version: z.literal(1), folders: z.array(z.string()) });
type TrustFile = z.infer<typeof trustSchema>;

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

const within = (path: string, folder: string) =>
  path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);

export class TrustStore {
  private readonly store: JsonFileStore<TrustFile>;

  constructor(configDir: string) {
    this.store = new JsonFileStore(join(configDir, 'trusted-folders.json'), trustSchema, () => ({
      version: 1,
      folders: [],
    }));
  }

  /** True when the folder, or a folder above it, is trusted. */
  async isTrusted(folder: string): Promise<boolean> {
    const path = real(folder);
    return (await this.store.read()).folders.some((f) => within(path, f));
  }

  async set(folder: string, trusted: boolean): Promise<void> {
    const path = real(folder);
    await this.store.update((file) => {
      if (trusted) {
        if (!file.folders.includes(path)) file.folders.push(path);
      } else {
        // Withdrawing trust from a folder also withdraws it from the folders above that covered it.
        file.folders = file.folders.filter((f) => !within(path, f) && !within(f, path));
      }
    });
  }
}

/** The blocks of a template that may only run once its folder is trusted. */
export function trustNeeds(
  template: Pick<LoadedTemplate, 'builds' | 'buildBlocks' | 'dataSources'>,
): TrustNeed[] {
  const needs = new Map<string, TrustNeed>();
  const local = 'runs commands on this machine';
  for (const block of template.buildBlocks) {
    const provisioners = [
      ...block.provisioners,
      ...(block.errorCleanupProvisioner ? [block.errorCleanupProvisioner] : []),
    ];
    for (const p of provisioners) {
      if (p.type === 'shell-local')
        needs.set(p.address, { address: p.address, kind: 'provisioner', type: p.type, reason: local });
    }
    for (const pp of block.postProcessors.flat()) {
      if (pp.type === 'shell-local')
        needs.set(pp.address, { address: pp.address, kind: 'post-processor', type: pp.type, reason: local });
    }
  }
  for (const build of template.builds) {
    for (const p of [
      ...build.provisioners,
      ...(build.errorCleanupProvisioner ? [build.errorCleanupProvisioner] : []),
    ])
      if (p.type === 'shell-local' && !needs.has(p.address))
        needs.set(p.address, { address: p.address, kind: 'provisioner', type: p.type, reason: local });
    for (const pp of build.postProcessors.flat())
      if (pp.type === 'shell-local' && !needs.has(pp.address))
        needs.set(pp.address, { address: pp.address, kind: 'post-processor', type: pp.type, reason: local });
  }
  for (const data of template.dataSources) {
    if (data.type === 'http')
      needs.set(data.address, {
        address: data.address,
        kind: 'data',
        type: data.type,
        reason: 'fetches a URL while the template loads',
      });
  }
  return [...needs.values()];
}
