/**
 * Messages between the UI thread and the language worker. The worker holds a copy of every open
 * document (kept current by per-keystroke change messages), checks the template after each burst of
 * changes, and answers completion, hover, definition, format and visual-edit requests from its copy, so no
 * keystroke waits on the Api or the main process.
 */
import type { TreeEntry } from '../../electron/api/types';
import type { Diagnostic } from '../../electron/engine/template/source';
import type {
  CompletionList,
  DefinitionTarget,
  DocumentSymbolInfo,
  FileEdits,
  HoverInfo,
  PipelineEdit,
  PipelineModel,
  TextEdit,
} from '../../electron/engine/template/language/types';

export interface WorkspaceSnapshot {
  root: string;
  kind: 'file' | 'folder';
  /** `.` for a folder, else the template file. */
  entry: string;
  tree: TreeEntry[];
}

export interface ContentChange {
  offset: number;
  length: number;
  text: string;
}

export type ToWorker =
  | {
      type: 'init';
      workspace: WorkspaceSnapshot;
      documents: { path: string; text: string; version: number }[];
      varFiles: string[];
    }
  | { type: 'open'; path: string; text: string; version: number }
  | { type: 'change'; path: string; version: number; changes: ContentChange[] }
  | { type: 'close'; path: string }
  | { type: 'tree'; tree: TreeEntry[] }
  /** The text of a file the checker asked for (null: missing or not text). */
  | { type: 'file'; path: string; text: string | null }
  /** What is at an absolute path outside the workspace (null: nothing). */
  | { type: 'stat'; path: string; kind: 'file' | 'dir' | null }
  /** A file not open as a document changed on disk: forget its cached text. */
  | { type: 'invalidate'; path: string }
  | { type: 'var-files'; files: string[] }
  /** Whether the UI shows the pipeline; the worker sends the model only while it does. */
  | { type: 'pipeline-wanted'; wanted: boolean }
  | { type: 'request'; id: number; request: LanguageRequest };

export type LanguageRequest =
  | { kind: 'complete'; path: string; offset: number }
  | { kind: 'hover'; path: string; offset: number }
  | { kind: 'definition'; path: string; offset: number }
  | { kind: 'symbols'; path: string }
  | { kind: 'format'; path: string }
  | { kind: 'edit'; edit: PipelineEdit };

export interface LanguageResults {
  complete: CompletionList;
  hover: HoverInfo | null;
  definition: DefinitionTarget[];
  symbols: DocumentSymbolInfo[];
  format: TextEdit[];
  edit: FileEdits[];
}

export interface CheckResult {
  /** The document versions this check saw. */
  versions: Record<string, number>;
  /** Every diagnostic, files named relative to the workspace root. */
  diagnostics: Diagnostic[];
  /** Milliseconds the check took inside the worker. */
  elapsedMs: number;
  /** What the checker could run: 'full' once the template module's loader is available. */
  checker: string;
}

export type FromWorker =
  | ({ type: 'checked' } & CheckResult)
  /** The pipeline model of the documents at these versions (sent after the diagnostics, when wanted). */
  | { type: 'pipeline'; versions: Record<string, number>; pipeline: PipelineModel | null }
  /** Workspace files to fetch, and absolute paths outside it to stat, before the check can finish. */
  | { type: 'need'; files: string[]; stats: string[] }
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: string };
