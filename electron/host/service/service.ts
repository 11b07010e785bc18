/**
 * Kiln's Api service in Node: what both the Electron shell and the web host serve. It trusts the shape of
 * its inputs (the transports parse them with the Api's schemas first) and checks their meaning.
 */
import { inspectImageFile } from './inspect-image';
import { BaseImageService } from './base-images';
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
import type { MaasKeyStorage, WorkspaceInfo, WorkspaceTrust } from '../../api/types';
import type { ProfileStore } from '../../engine/maas/profiles';
import { nodeHost } from '../../engine/node-host';
import { loadTemplate } from '../../engine/template/load';
import { KILN_VERSION } from '../../engine/version';
import { BreakpointStore } from './breakpoints';
import { BuildHistory } from './builds/history';
import { BuildManager } from './builds/manager';
import { StreamHub } from './builds/streams';
import { copyGalleryTemplate, listGallery } from './gallery';
import { MaasService } from './maas';
import { RecentList } from './recent';
import { TrustStore, trustNeeds } from './trust';
import { WorkspaceRegistry } from './workspaces';

export interface ServiceOptions {
  platform: AppPlatform;
  /** Where settings (the recent list, breakpoints, trusted folders) live. */
  configDir: string;
  /** Where the build history lives (the user's data folder). */
  dataDir: string;
  /** Where MAAS profiles are kept: the OS keychain (Electron) or the CLI's 0600 file (web host). */
  maasProfiles: { store: ProfileStore; storage: MaasKeyStorage };
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
  /** Cancels running builds (waiting for their cleanup), closes every workspace and its watcher. */
  dispose(): Promise<void>;
  /** Console streams made by `openStream`, for the transports to claim. */
  readonly streams: StreamHub;
}

export function defaultConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KILN_CONFIG_DIR) return resolve(env.KILN_CONFIG_DIR);
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'kiln');
}

/** Where the build history goes: KILN_DATA_DIR, else `$XDG_DATA_HOME/kiln` (~/.local/share/kiln). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KILN_DATA_DIR) return resolve(env.KILN_DATA_DIR);
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'kiln');
}

export function createKilnService(options: ServiceOptions): KilnService {
  const home = options.homeDir ?? homedir();
  const workspaces = new WorkspaceRegistry(options.emit);
  const recent = new RecentList(options.configDir);
  const trust = new TrustStore(options.configDir);
  const breakpoints = new BreakpointStore(options.configDir);
  const history = new BuildHistory(options.dataDir);
  const streams = new StreamHub();
  const builds = new BuildManager({
    history,
    trust,
    breakpoints,
    streams,
    emit: options.emit,
    workspace: (id) => {
      const info = workspaces.info(id);
      return { id, root: info.root, entry: info.entry, name: info.name };
    },
  });
  const baseImages = new BaseImageService({ emit: options.emit });
  const maas = new MaasService({
    ...options.maasProfiles,
    emit: options.emit,
    run: async (runId) => (await builds.list()).find((r) => r.runId === runId),
  });

  /** What the workspace's template asks for that needs trust, read from its files on disk. */
  const trustOf = async (info: WorkspaceInfo): Promise<WorkspaceTrust> => {
    const host = nodeHost({ cwd: info.root });
    const template = loadTemplate(
      info.entry === '.' ? info.root : join(info.root, info.entry),
      { vars: [], varFiles: [] },
      host,
    );
    return { folder: info.root, trusted: await trust.isTrusted(info.root), needs: trustNeeds(template) };
  };

  const openAndRemember = async (path: string) => {
    const info = await workspaces.openWorkspace(path);
    info.breakpoints = await breakpoints.get(info.root, info.entry);
    info.trust = await trustOf(info);
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
      // The folder holds Kiln's own gallery template, made at the user's request: trusted.
      await trust.set(resolve(destination), true);
      return openAndRemember(destination);
    },

    startBuild: (input) => builds.start(input),
    controlBuild: async ({ runId, control }) => builds.control(runId, control),
    cancelBuild: async ({ runId }) => builds.cancel(runId),
    listBuilds: ({ root }) => builds.list(root),
    getBuild: ({ runId, maxEvents }) => builds.get(runId, maxEvents),
    deleteBuild: ({ runId }) => builds.remove(runId),
    async setBreakpoints({ workspaceId, breakpoints: list }) {
      const info = workspaces.info(workspaceId);
      info.breakpoints = await breakpoints.set(info.root, info.entry, list);
      builds.breakpointsChanged(info.root, info.entry, info.breakpoints);
      return info.breakpoints;
    },
    async setTrust({ workspaceId, trusted }) {
      const info = workspaces.info(workspaceId);
      await trust.set(info.root, trusted);
      info.trust = await trustOf(info);
      return info.trust;
    },
    async checkTrust({ workspaceId }) {
      const info = workspaces.info(workspaceId);
      info.trust = await trustOf(info);
      return info.trust;
    },
    openStream: (input) => builds.openStream(input),
    vmScreenshot: ({ runId, build }) => builds.screenshot(runId, build),
    maasProfiles: () => maas.profiles(),
    maasSaveProfile: (input) => maas.saveProfile(input),
    maasRemoveProfile: ({ name }) => maas.removeProfile(name),
    maasTestConnection: (target) => maas.test(target),
    maasListImages: ({ profile }) => maas.images(profile),
    maasDeleteImage: ({ profile, id }) => maas.deleteImage(profile, id),
    maasPlanUpload: ({ runId, file, profile, fields }) => maas.plan(runId, file, profile, fields),
    maasUpload: ({ runId, file, profile, fields }) => maas.upload(runId, file, profile, fields),
    maasCancelUpload: async ({ uploadId }) => maas.cancel(uploadId),
    maasUploads: async () => maas.list(),
    listBaseImages: (input) => baseImages.list(input),
    fetchBaseImage: (input) => baseImages.fetch(input),
    cancelBaseImageFetch: async ({ fetchId }) => baseImages.cancel(fetchId),
    inspectImage: (input) => inspectImageFile(input),

    streams,
    async dispose() {
      maas.dispose();
      await baseImages.dispose();
      await builds.dispose();
      streams.dispose();
      await workspaces.closeAll();
    },
  };
}
