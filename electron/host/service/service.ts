/**
 * Kiln's Api service in Node: what both the Electron shell and the web host serve. It trusts the shape of
 * its inputs (the transports parse them with the Api's schemas first) and checks their meaning.
 */
import { promises as fs, type Dirent } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ApiError } from '../../api/errors';
import type {
  ApiEvent,
  ApiInputs,
  ApiService,
  AppPlatform,
  DirectoryEntry,
  RecentWorkspace,
} from '../../api/types';
import { KILN_VERSION } from '../../engine/version';
import { copyGalleryTemplate, listGallery } from './gallery';
import { RecentList } from './recent';
import { WorkspaceRegistry } from './workspaces';

export interface ServiceOptions {
  platform: AppPlatform;
  /** Where settings (the recent list) live. */
  configDir: string;
  /** The gallery's `templates/` folder. */
  galleryDir: string;
  /** Receives every event for the UI. */
  emit(event: ApiEvent): void;
  /** The operating system's open dialog, when there is one (Electron). */
  pickPath?(input: ApiInputs['pickPath']): Promise<string | null>;
  homeDir?: string;
  /** Called after the recent list changed (the Electron menu shows it). */
  onRecentChanged?(recent: RecentWorkspace[]): void;
}

export interface KilnService extends ApiService {
  /** Closes every workspace and its watcher. */
  dispose(): Promise<void>;
}

export function defaultConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KILN_CONFIG_DIR) return resolve(env.KILN_CONFIG_DIR);
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'kiln');
}

export function createKilnService(options: ServiceOptions): KilnService {
  const home = options.homeDir ?? homedir();
  const workspaces = new WorkspaceRegistry(options.emit);
  const recent = new RecentList(options.configDir);

  const openAndRemember = async (path: string) => {
    const info = await workspaces.openWorkspace(path);
    const list = await recent.add(resolve(path), info.kind).catch(() => undefined);
    if (list) options.onRecentChanged?.(list);
    return info;
  };

  return {
    async appInfo() {
      return {
        version: KILN_VERSION,
        platform: options.platform,
        homeDir: home,
        projectsDir: join(home, 'kiln'),
        nativeDialogs: Boolean(options.pickPath),
      };
    },

    async listDirectory({ path }) {
      const dir = resolve(path);
      let dirents: Dirent[];
      try {
        dirents = await fs.readdir(dir, { withFileTypes: true });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw new ApiError('not-found', `${dir}: no such folder`);
        if (code === 'ENOTDIR') throw new ApiError('invalid-input', `${dir} is not a folder`);
        throw new ApiError('io', `${dir}: ${(err as Error).message}`);
      }
      const entries: DirectoryEntry[] = [];
      for (const d of dirents) {
        let isDir = d.isDirectory();
        if (d.isSymbolicLink())
          isDir = (await fs.stat(join(dir, d.name)).catch(() => undefined))?.isDirectory() ?? false;
        entries.push({ name: d.name, kind: isDir ? 'dir' : 'file' });
      }
      entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
      const parent = dirname(dir);
      return parent === dir ? { path: dir, entries } : { path: dir, parent, entries };
    },

    async statPaths({ paths }) {
      const out: Record<string, 'file' | 'dir' | null> = {};
      await Promise.all(
        paths.map(async (p) => {
          const st = await fs.stat(p).catch(() => undefined);
          out[p] = st ? (st.isDirectory() ? 'dir' : 'file') : null;
        }),
      );
      return out;
    },

    async pickPath(input) {
      if (!options.pickPath)
        throw new ApiError('unsupported', 'this host has no native dialog; use the in-app one');
      return options.pickPath(input);
    },

    openWorkspace: ({ path }) => openAndRemember(path),
    closeWorkspace: ({ workspaceId }) => workspaces.close(workspaceId),
    readFile: ({ workspaceId, path }) => workspaces.readFile(workspaceId, path),
    saveFile: ({ workspaceId, path, text, expectedVersion }) =>
      workspaces.saveFile(workspaceId, path, text, expectedVersion),
    recentWorkspaces: () => recent.list(),
    async forgetRecent({ path }) {
      const list = await recent.forget(path);
      options.onRecentChanged?.(list);
      return list;
    },
    listGallery: () => listGallery(options.galleryDir),

    async createFromGallery({ templateId, destination }) {
      await copyGalleryTemplate(options.galleryDir, templateId, resolve(destination));
      return openAndRemember(destination);
    },

    dispose: () => workspaces.closeAll(),
  };
}
