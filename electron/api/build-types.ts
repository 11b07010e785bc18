/**
 * The Api's part for builds, their live consoles, template trust and MAAS uploads. The build events are
 * the engine's own (`electron/engine/build/events.ts`), re-exported here so the renderer imports every
 * type it needs from `electron/api/` alone.
 */
import type { ArtifactInfo, BuildEvent, BuildStatus, OnErrorMode, Prompt } from '../engine/build/events';

export type {
  AnswerSource,
  ArtifactInfo,
  BuildControl,
  BuildEvent,
  BuildStatus,
  ComponentRole,
  EventOf,
  LogLevel,
  OnErrorMode,
  Prompt,
  PromptChoice,
  PromptKind,
  StepRef,
} from '../engine/build/events';

/** A build event as the Api carries it: console bytes travel on streams (`openStream`), not as events. */
export type ApiBuildEvent = Exclude<BuildEvent, { type: 'console' }>;

/** What a run is doing, or how it ended. `interrupted`: Kiln stopped while it ran (found so at the next start). */
export type RunState = 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export interface StartBuildInput {
  workspaceId: string;
  /** -only: build names (globs for HCL). */
  only?: string[];
  /** -except: build or post-processor names. */
  except?: string[];
  /** -var: name → value. */
  vars?: Record<string, string>;
  /** -var-file: paths relative to the workspace root. */
  varFiles?: string[];
  onError: OnErrorMode;
  debug: boolean;
  force?: boolean;
}

/** An artifact file with what the build view shows of it. */
export interface ArtifactFile {
  /** Absolute path. */
  path: string;
  /** Bytes; absent when the file is gone. */
  size?: number;
  /** sha256 in hex, computed by Kiln after the build; absent until then (or when the file is gone). */
  sha256?: string;
}

export interface RunArtifact extends Omit<ArtifactInfo, 'files'> {
  files: ArtifactFile[];
}

export interface RunBuildSummary {
  name: string;
  builderType?: string;
  state: 'pending' | 'running' | BuildStatus;
  error?: string;
  durationMs?: number;
}

/** One run of `Build` in the app, live or from the history. */
export interface BuildRunSummary {
  runId: string;
  /** The workspace root and entry it ran from, and its display name. */
  root: string;
  entry: string;
  name: string;
  /** ISO 8601. */
  startedAt: string;
  finishedAt?: string;
  state: RunState;
  builds: RunBuildSummary[];
  options: {
    only: string[];
    except: string[];
    onError: OnErrorMode;
    debug: boolean;
    force: boolean;
    varFiles: string[];
    /** The names of the -var values given (their values are not kept: they may be secrets). */
    varNames: string[];
  };
  artifacts: RunArtifact[];
  /** Prompts waiting for an answer (a breakpoint, a -debug pause, an on-error question). */
  openPrompts: Prompt[];
  /** Why the run could not start a build (Packer's "Failed to prepare build"), by build. */
  prepareFailures: Array<{ build: string; error: string }>;
  /** The console log kept on disk for this run, in bytes. */
  consoleBytes: number;
}

export interface SequencedBuildEvent {
  /** Position in the run's event stream, from 1: a snapshot and the live events meet by it. */
  seq: number;
  event: ApiBuildEvent;
}

export interface BuildRunDetail {
  summary: BuildRunSummary;
  /** The run's events (the newest when there are more than fit; see `truncated`). */
  events: SequencedBuildEvent[];
  /** How many earlier events were left out. */
  truncated: number;
}

/** A live console of a build: the VM's serial line, or a shell on the guest over SSH. */
export type StreamKind = 'serial' | 'shell';

export interface OpenStreamInput {
  runId: string;
  build: string;
  stream: StreamKind;
  cols: number;
  rows: number;
}

/** What a workspace's folder is allowed to run on this machine (VS Code's workspace trust). */
export interface WorkspaceTrust {
  /** The folder the decision is kept for (the workspace root). */
  folder: string;
  trusted: boolean;
  /** Blocks that need trust before they run: shell-local provisioners and post-processors, http data sources. */
  needs: TrustNeed[];
}

export interface TrustNeed {
  address: string;
  kind: 'provisioner' | 'post-processor' | 'data';
  type: string;
  /** Why it needs trust, in a few words. */
  reason: string;
}

/** A VM screenshot: a PNG as base64, and when it was taken. */
export interface VmScreenshot {
  png: string;
  takenAt: string;
}
