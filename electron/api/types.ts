/**
 * The contract between Kiln's UI and its engine: every verb the renderer may call, what it returns, and
 * the events that flow back. The Electron shell serves it over IPC, the web host over a loopback
 * WebSocket; both validate every input with the zod schemas in `schemas.ts` before it reaches the service.
 * The renderer imports only types from here (and the method list), never an implementation.
 */
import type {
  ApiBuildEvent,
  BuildControl,
  BuildRunDetail,
  BuildRunSummary,
  OpenStreamInput,
  StartBuildInput,
  VmScreenshot,
  WorkspaceTrust,
} from './build-types';
import type {
  MaasConnectionInfo,
  MaasImage,
  MaasProfilesResult,
  MaasTarget,
  MaasUploadFields,
  MaasUploadPlan,
  MaasUploadState,
} from './maas-types';
import type {
  BaseImageFetch,
  BaseImageFetchInput,
  BaseImageList,
  BaseImageListInput,
  InspectImageInput,
  InspectReport,
} from './image-types';

export type * from './build-types';
export type * from './maas-types';
export type * from './image-types';

/** Where Kiln runs: the Electron shell or the web host in a browser. */
export type AppPlatform = 'electron' | 'web';

export interface AppInfo {
  version: string;
  platform: AppPlatform;
  /** The user's home directory: where the open dialog starts. */
  homeDir: string;
  /** A suggested parent folder for new projects made from the gallery. */
  projectsDir: string;
  /** True when `pickPath` shows the operating system's dialog (Electron); the renderer draws its own otherwise. */
  nativeDialogs: boolean;
}

export interface DirectoryEntry {
  name: string;
  kind: 'file' | 'dir';
}

export interface DirectoryListing {
  /** The absolute, normalised path that was listed. */
  path: string;
  /** Its parent, absent at the root. */
  parent?: string;
  entries: DirectoryEntry[];
}

/** One file or folder of an open workspace, relative to its root with `/` separators. */
export interface TreeEntry {
  path: string;
  kind: 'file' | 'dir';
  /** Bytes, for files. */
  size?: number;
}

/** What a file on disk looks like now: its text and a version that changes whenever its content does. */
export interface FileContent {
  path: string;
  text: string;
  version: string;
}

/**
 * An open template: a single file (JSON or HCL2), or a folder whose top-level `*.pkr.hcl` files load
 * together. File paths inside are relative to `root`; the service never accepts a path outside it.
 */
export interface WorkspaceInfo {
  id: string;
  /** Absolute folder every path of the workspace is relative to. */
  root: string;
  /** Display name: the file or folder name. */
  name: string;
  kind: 'file' | 'folder';
  /** What to load: `.` for a folder, else the template file's path relative to root. */
  entry: string;
  /** The files the editor opens as documents at once (the template files and var files), with their text. */
  documents: FileContent[];
  /** Every file and folder under root (build outputs and VCS folders left out), for the file list and the checker. */
  tree: TreeEntry[];
  /** True when the tree was cut short because the folder is very large. */
  treeTruncated: boolean;
  /** Breakpoints set in the editor gutter, by component address (kept per workspace, not in the file). */
  breakpoints: string[];
  /** Whether this folder may run local commands (shell-local, http data sources). */
  trust: WorkspaceTrust;
}

export interface SaveResult {
  path: string;
  version: string;
}

export interface RecentWorkspace {
  path: string;
  kind: 'file' | 'folder';
  /** ISO 8601 time it was last opened. */
  openedAt: string;
}

export interface GalleryTemplate {
  /** The folder name under `templates/`. */
  id: string;
  title: string;
  description: string;
  /** The template files it contains, relative to its folder. */
  files: string[];
}

export type PickPathKind = 'file' | 'folder';

/** Commands the Electron menu sends to the renderer (the web UI has the same actions as buttons). */
export type MenuCommand =
  | 'open-path'
  | 'open-file'
  | 'open-folder'
  | 'save'
  | 'save-all'
  | 'format'
  | 'close-workspace'
  | 'toggle-pipeline'
  | 'toggle-problems';

export type FileChange = 'changed' | 'created' | 'removed';

/**
 * Events from the engine side to the UI, on one channel. Every event names its topic so subscribers can
 * filter. The build engine's events will join this union under `topic: 'build'` (defined by
 * `electron/engine/build/events.ts`), so the UI keeps a single subscription.
 */
export type ApiEvent =
  | {
      topic: 'workspace';
      type: 'file-changed';
      workspaceId: string;
      path: string;
      change: FileChange;
      /** The new version on disk; absent when removed. */
      version?: string;
      kind: 'file' | 'dir';
      size?: number;
    }
  | { topic: 'workspace'; type: 'tree-truncated'; workspaceId: string }
  | { topic: 'app'; type: 'menu'; command: MenuCommand; path?: string }
  /** A build event of a run, in order (`seq` from 1, so a snapshot from getBuild and the events meet). */
  | { topic: 'build'; runId: string; seq: number; event: ApiBuildEvent }
  /** A run started, paused, went on, finished, had its artifacts checked, or was deleted. */
  | { topic: 'run'; type: 'run-changed'; run: BuildRunSummary }
  | { topic: 'run'; type: 'run-removed'; runId: string }
  /** An upload to MAAS moved on (throttled to a few a second) or ended. */
  | { topic: 'maas'; type: 'upload'; upload: MaasUploadState }
  /** A base image's download moved on (throttled to a few a second) or ended. */
  | { topic: 'images'; type: 'fetch'; fetch: BaseImageFetch };

export type ApiEventListener = (event: ApiEvent) => void;

/** The inputs of each verb (the zod schemas in `schemas.ts` check them at runtime). */
export interface ApiInputs {
  appInfo: Record<string, never>;
  listDirectory: { path: string };
  statPaths: { paths: string[] };
  pickPath: { kind: PickPathKind; title?: string; defaultPath?: string };
  openWorkspace: { path: string };
  closeWorkspace: { workspaceId: string };
  readFile: { workspaceId: string; path: string };
  saveFile: { workspaceId: string; path: string; text: string; expectedVersion?: string | null };
  recentWorkspaces: Record<string, never>;
  forgetRecent: { path: string };
  listGallery: Record<string, never>;
  createFromGallery: { templateId: string; destination: string };
  startBuild: StartBuildInput;
  controlBuild: { runId: string; control: BuildControl };
  cancelBuild: { runId: string };
  listBuilds: { root?: string };
  getBuild: { runId: string; maxEvents?: number };
  deleteBuild: { runId: string };
  setBreakpoints: { workspaceId: string; breakpoints: string[] };
  setTrust: { workspaceId: string; trusted: boolean };
  checkTrust: { workspaceId: string };
  openStream: OpenStreamInput;
  vmScreenshot: { runId: string; build: string };
  maasProfiles: Record<string, never>;
  maasSaveProfile: { name: string; url: string; apiKey: string; makeDefault?: boolean };
  maasRemoveProfile: { name: string };
  maasTestConnection: MaasTarget;
  maasListImages: { profile: string };
  maasDeleteImage: { profile: string; id: number };
  maasPlanUpload: { runId: string; file: string; profile: string; fields?: Partial<MaasUploadFields> };
  maasUpload: { runId: string; file: string; profile: string; fields: MaasUploadFields };
  maasCancelUpload: { uploadId: string };
  maasUploads: Record<string, never>;
  listBaseImages: BaseImageListInput;
  fetchBaseImage: BaseImageFetchInput;
  cancelBaseImageFetch: { fetchId: string };
  inspectImage: InspectImageInput;
}

/** What each verb resolves to. */
export interface ApiOutputs {
  appInfo: AppInfo;
  listDirectory: DirectoryListing;
  /** What is at each absolute path (for the checker's existence checks outside a workspace); null: nothing. */
  statPaths: Record<string, 'file' | 'dir' | null>;
  /** The chosen absolute path, or null when the user cancelled. */
  pickPath: string | null;
  openWorkspace: WorkspaceInfo;
  closeWorkspace: void;
  /** The file's text; `null` when it is missing or is not UTF-8 text. */
  readFile: FileContent | null;
  saveFile: SaveResult;
  recentWorkspaces: RecentWorkspace[];
  forgetRecent: RecentWorkspace[];
  listGallery: GalleryTemplate[];
  createFromGallery: WorkspaceInfo;
  startBuild: BuildRunSummary;
  /** False when there was nothing to answer (the prompt was answered already). */
  controlBuild: boolean;
  cancelBuild: void;
  /** Newest first: live runs and the history kept on disk. */
  listBuilds: BuildRunSummary[];
  getBuild: BuildRunDetail;
  deleteBuild: void;
  setBreakpoints: string[];
  setTrust: WorkspaceTrust;
  checkTrust: WorkspaceTrust;
  /** A stream to attach with `KilnApi.attachStream` within a few seconds. */
  openStream: { streamId: string };
  /** Null when the build has no VM screen now. */
  vmScreenshot: VmScreenshot | null;
  maasProfiles: MaasProfilesResult;
  maasSaveProfile: MaasProfilesResult;
  maasRemoveProfile: MaasProfilesResult;
  maasTestConnection: MaasConnectionInfo;
  maasListImages: MaasImage[];
  maasDeleteImage: void;
  maasPlanUpload: MaasUploadPlan;
  maasUpload: MaasUploadState;
  maasCancelUpload: void;
  maasUploads: MaasUploadState[];
  listBaseImages: BaseImageList;
  fetchBaseImage: BaseImageFetch;
  cancelBaseImageFetch: void;
  inspectImage: InspectReport;
}

export type ApiMethod = keyof ApiInputs;

/**
 * A console stream as the renderer holds it: bytes both ways (a terminal's output and its keys), the
 * terminal's size, and its end. Electron carries it on a MessagePort, the web host on its own WebSocket.
 */
export interface StreamConnection {
  send(data: Uint8Array | string): void;
  resize(cols: number, rows: number): void;
  close(): void;
  onData(listener: (data: Uint8Array) => void): void;
  /** Called once with why the stream ended. */
  onClose(listener: (reason: string) => void): void;
}

/** The Api as the renderer sees it: one async function per verb, plus the event subscription. */
export type KilnApi = { [M in ApiMethod]: (input: ApiInputs[M]) => Promise<ApiOutputs[M]> } & {
  /** Subscribes to engine events; returns the function that unsubscribes. */
  onEvent(listener: ApiEventListener): () => void;
  /** Connects to a stream `openStream` made. */
  attachStream(streamId: string): Promise<StreamConnection>;
};

/** A verb's outcome as a transport carries it: the value, or the error with its code intact. */
export type ApiResult<M extends ApiMethod> =
  { ok: true; value: ApiOutputs[M] } | { ok: false; error: ApiErrorShape };

/**
 * What Electron's preload exposes as `window.kiln`: one function per verb resolving to its ApiResult (errors
 * crossing contextBridge lose their fields, so they travel as values), plus the event subscription.
 */
export type KilnBridge = { [M in ApiMethod]: (input: ApiInputs[M]) => Promise<ApiResult<M>> } & {
  onEvent(listener: ApiEventListener): () => void;
};

/** The service behind a transport: the same verbs, without the subscription (transports own that). */
export type ApiService = { [M in ApiMethod]: (input: ApiInputs[M]) => Promise<ApiOutputs[M]> };

/** Error codes a verb may fail with; the message always names the path or input at fault. */
export type ApiErrorCode =
  | 'invalid-input'
  | 'unknown-method'
  | 'not-found'
  | 'outside-workspace'
  | 'conflict'
  | 'exists'
  | 'unsupported'
  | 'io'
  /** The workspace's folder is not trusted to run what it asks for (shell-local, http data). */
  | 'untrusted'
  /** A MAAS region refused; the message is the region's own words. */
  | 'refused'
  | 'internal';

export interface ApiErrorShape {
  code: ApiErrorCode;
  message: string;
}
