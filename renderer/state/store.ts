/** The UI's state, in one zustand store; `../workspace/session.ts` holds the actions that change it. */
import { create } from 'zustand';
import type { AppInfo, GalleryTemplate, RecentWorkspace, WorkspaceInfo } from '../../electron/api/types';
import type { PipelineModel } from '../../electron/engine/template/language/types';
import type { Diagnostic } from '../../electron/engine/template/source';

export type DocLanguage = 'hcl' | 'json' | 'text';

export interface DocState {
  path: string;
  language: DocLanguage;
  /** The version on disk the text was loaded from or saved as; null for a file not on disk yet. */
  diskVersion: string | null;
  dirty: boolean;
  /** Set when the file changed or vanished on disk after it was opened. */
  diskChange?: { change: 'changed' | 'removed'; version?: string };
}

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
  /** An optional action offered with the notice. */
  action?: { label: string; run(): void };
}

export type DialogState =
  { kind: 'open'; pick: 'file' | 'folder' } | { kind: 'create'; template: GalleryTemplate };

export interface AppState {
  connection: 'connecting' | 'ready' | 'lost' | 'failed';
  connectionError?: string;
  appInfo?: AppInfo;
  gallery: GalleryTemplate[];
  recent: RecentWorkspace[];
  workspace?: WorkspaceInfo;
  docs: Record<string, DocState>;
  tabs: string[];
  active?: string;
  diagnostics: Diagnostic[];
  /** Milliseconds the last check took in the worker. */
  checkMs?: number;
  checking: boolean;
  pipeline: PipelineModel | null;
  varFiles: string[];
  view: 'text' | 'pipeline' | 'build';
  problemsOpen: boolean;
  /** The pipeline card whose form is open. */
  selectedBlock?: string;
  notices: Notice[];
  dialog?: DialogState;
}

export const initialState: AppState = {
  connection: 'connecting',
  gallery: [],
  recent: [],
  docs: {},
  tabs: [],
  diagnostics: [],
  checking: false,
  pipeline: null,
  varFiles: [],
  view: 'text',
  problemsOpen: true,
  notices: [],
};

export const useStore = create<AppState>(() => initialState);

let noticeId = 1;
export function notify(kind: Notice['kind'], text: string, action?: Notice['action']): void {
  const id = noticeId++;
  useStore.setState((s) => ({ notices: [...s.notices, { id, kind, text, ...(action ? { action } : {}) }] }));
  if (kind === 'info') setTimeout(() => dismissNotice(id), 6000);
}

export function dismissNotice(id: number): void {
  useStore.setState((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
}
