/** The build side of the UI's state: runs (live and loaded from the history), the form, uploads, dialogs. */
import { create } from 'zustand';
import type { BuildRunSummary, MaasUploadState, OnErrorMode } from '../../electron/api/types';
import type { RunView } from './runView';

export interface BuildForm {
  selection: 'all' | 'only' | 'except';
  /** Build names (or globs), comma separated. */
  names: string;
  vars: Record<string, string>;
  onError: OnErrorMode;
  debug: boolean;
  force: boolean;
}

export const defaultForm: BuildForm = {
  selection: 'all',
  names: '',
  vars: {},
  onError: 'ask',
  debug: false,
  force: false,
};

export type ConsoleTab = 'log' | 'serial' | 'shell' | 'screen';

export interface BuildsState {
  runs: Record<string, RunView>;
  /** Runs of the open workspace, newest first (live and from the history). */
  history: BuildRunSummary[];
  /** The run the build view shows. */
  selectedRun?: string;
  /** The build of that run the console and timeline show. */
  selectedBuild?: string;
  consoleTab: ConsoleTab;
  form: BuildForm;
  formOpen: boolean;
  starting: boolean;
  /** The on-error question's dialog was put aside (the prompt stays open in the bar). */
  dismissedPrompts: string[];
  uploads: Record<string, MaasUploadState>;
  /** The upload dialog: which artifact file of which run. */
  upload?: { runId: string; file: string };
  maasOpen: boolean;
  /** Log filter: text, level, and whether to follow new lines. */
  logFilter: { text: string; level: 'all' | 'say' | 'error'; build: string };
}

export const useBuilds = create<BuildsState>(() => ({
  runs: {},
  history: [],
  consoleTab: 'log',
  form: defaultForm,
  formOpen: false,
  starting: false,
  dismissedPrompts: [],
  uploads: {},
  maasOpen: false,
  logFilter: { text: '', level: 'all', build: '' },
}));

/** The run shown, with the build chosen in it (or its first). */
export function selectedRunView(s: BuildsState): { run?: RunView; build?: string } {
  const run = s.selectedRun ? s.runs[s.selectedRun] : undefined;
  if (!run) return {};
  const names = run.summary.builds.map((b) => b.name);
  const build = s.selectedBuild && names.includes(s.selectedBuild) ? s.selectedBuild : names[0];
  return { run, build };
}
