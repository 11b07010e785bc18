/**
 * What the UI does: opening and closing workspaces, files and tabs, saving, reacting to changes on disk,
 * feeding the language worker and showing its results. Components call these actions; state lives in the
 * store, text in the Monaco models.
 */
import { ApiError } from '../../electron/api/errors';
import type { ApiEvent, KilnApi, WorkspaceInfo } from '../../electron/api/types';
import type { FileEdits, PipelineEdit } from '../../electron/engine/template/language/types';
import type { Diagnostic } from '../../electron/engine/template/source';
import { BuildController } from '../builds/controller';
import { monaco } from '../editor/monaco';
import { LanguageClient } from '../language/client';
import type { CheckResult } from '../language/protocol';
import { onBaseImageFetch } from '../state/baseImages';
import { notify, useStore, type DocState } from '../state/store';
import { provideSession } from './current';
import { Documents, languageOf, pathOf } from './documents';

const MARKER_OWNER = 'kiln';

/** Files the checker loads with the template, so they open as documents with the workspace. */
export function isTemplateFile(path: string): boolean {
  return /\.pkr\.(hcl|json)$/.test(path) || /\.pkrvars\.(hcl|json)$/.test(path) || /\.json$/.test(path);
}

/**
 * Runs `run` once the next frame has painted: the frame callback comes before the paint, a task queued from
 * it after. A timer covers pages that do not render (a hidden window gets no frames).
 */
function afterNextPaint(run: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    run();
  };
  requestAnimationFrame(() => setTimeout(once, 0));
  setTimeout(once, 500);
}

export class Session {
  readonly documents = new Documents();
  readonly language: LanguageClient;
  private editor: monaco.editor.IStandaloneCodeEditor | undefined;
  private readonly modelListeners = new Map<string, monaco.IDisposable>();
  private readonly versions = new Map<string, number>();
  readonly builds: BuildController;

  constructor(readonly api: KilnApi) {
    this.builds = new BuildController(api, () => this.saveAllOk());
    this.builds.onTrustRequested = () => this.setTrust(true);
    this.language = new LanguageClient(
      api,
      (result) => this.applyCheck(result),
      (pipeline, versions) => {
        if (this.current(versions)) useStore.setState({ pipeline });
      },
    );
    // The worker computes the pipeline model while a workspace is open: the pipeline view, the gutter
    // breakpoints and the paused-here highlight all read it.
    let wanted = false;
    useStore.subscribe((s) => {
      const now = s.workspace !== undefined;
      if (now !== wanted) {
        wanted = now;
        this.language.post({ type: 'pipeline-wanted', wanted });
      }
    });
    api.onEvent((event) => this.onEvent(event));
  }

  // ---------------------------------------------------------------------------------------------
  // Start screen (its data is fetched by main.tsx while the editor's modules load)

  /** Opens a template file or folder; `opening` is its `openWorkspace` already under way, if it is. */
  async openPath(path: string, opening?: Promise<WorkspaceInfo>): Promise<void> {
    try {
      const info = await (opening ?? this.api.openWorkspace({ path }));
      await this.setWorkspace(info);
    } catch (err) {
      notify('error', `Could not open ${path}: ${messageOf(err)}`);
      void this.refreshRecent();
    }
  }

  async createFromGallery(templateId: string, destination: string): Promise<boolean> {
    try {
      const info = await this.api.createFromGallery({ templateId, destination });
      await this.setWorkspace(info);
      return true;
    } catch (err) {
      notify('error', `Could not create ${destination}: ${messageOf(err)}`);
      return false;
    }
  }

  async forgetRecent(path: string): Promise<void> {
    const recent = await this.api.forgetRecent({ path });
    useStore.setState({ recent });
  }

  async refreshRecent(): Promise<void> {
    const recent = await this.api.recentWorkspaces({}).catch(() => useStore.getState().recent);
    useStore.setState({ recent });
  }

  /** Opens a file or folder chosen in the operating system's dialog, or in Kiln's own one. */
  async pickAndOpen(kind: 'file' | 'folder'): Promise<void> {
    const info = useStore.getState().appInfo;
    if (info?.nativeDialogs) {
      const path = await this.api.pickPath({ kind });
      if (path) await this.openPath(path);
      return;
    }
    useStore.setState({ dialog: { kind: 'open', pick: kind } });
  }

  // ---------------------------------------------------------------------------------------------
  // Workspace

  private async setWorkspace(info: WorkspaceInfo): Promise<void> {
    await this.closeWorkspace({ keepScreen: true });
    const docs: Record<string, DocState> = {};
    for (const doc of info.documents) {
      this.openModel(doc.path, doc.text);
      docs[doc.path] = {
        path: doc.path,
        language: languageOf(doc.path),
        diskVersion: doc.version,
        dirty: false,
      };
    }
    const first =
      info.kind === 'file'
        ? info.entry
        : (info.documents.find((d) => /\.pkr\.(hcl|json)$/.test(d.path))?.path ?? info.documents[0]?.path);
    performance.mark('kiln:workspace-models');
    this.language.setWorkspace(info.id);
    this.language.post({
      type: 'init',
      workspace: { root: info.root, kind: info.kind, entry: info.entry, tree: info.tree },
      documents: info.documents.map((d) => ({
        path: d.path,
        text: d.text,
        version: this.versions.get(d.path) ?? 1,
      })),
      varFiles: [],
    });
    useStore.setState({
      workspace: info,
      docs,
      tabs: first ? [first] : [],
      active: first,
      diagnostics: [],
      pipeline: null,
      varFiles: [],
      selectedBlock: undefined,
      checking: true,
      dialog: undefined,
    });
    // The first check waits until the workspace has painted (see LanguageClient).
    afterNextPaint(() => this.language.start());
    void this.refreshRecent();
    void this.builds.setWorkspace(info.root);
  }

  async closeWorkspace(options: { keepScreen?: boolean } = {}): Promise<void> {
    const { workspace } = useStore.getState();
    for (const l of this.modelListeners.values()) l.dispose();
    this.modelListeners.clear();
    this.versions.clear();
    this.documents.dispose();
    this.language.setWorkspace(undefined);
    if (workspace) await this.api.closeWorkspace({ workspaceId: workspace.id }).catch(() => undefined);
    if (!options.keepScreen) {
      void this.builds.setWorkspace(undefined);
      useStore.setState({
        workspace: undefined,
        docs: {},
        tabs: [],
        active: undefined,
        diagnostics: [],
        pipeline: null,
      });
      void this.refreshRecent();
    }
  }

  private openModel(path: string, text: string): monaco.editor.ITextModel {
    const model = this.documents.open(path, text);
    this.versions.set(path, model.getVersionId());
    this.modelListeners.set(
      path,
      model.onDidChangeContent((e) => {
        const version = model.getVersionId();
        this.versions.set(path, version);
        this.language.post({
          type: 'change',
          path,
          version,
          changes: e.changes.map((c) => ({ offset: c.rangeOffset, length: c.rangeLength, text: c.text })),
        });
        const dirty = this.documents.isDirty(path);
        const doc = useStore.getState().docs[path];
        if (doc && doc.dirty !== dirty) this.updateDoc(path, { dirty });
        useStore.setState({ checking: true });
      }),
    );
    return model;
  }

  private updateDoc(path: string, patch: Partial<DocState>): void {
    useStore.setState((s) => {
      const doc = s.docs[path];
      return doc ? { docs: { ...s.docs, [path]: { ...doc, ...patch } } } : {};
    });
  }

  /** Opens a workspace file in a tab (reading it first if needed) and makes it the active one. */
  async openFile(path: string): Promise<boolean> {
    const state = useStore.getState();
    if (!state.workspace) return false;
    if (!this.documents.get(path)) {
      const content = await this.api.readFile({ workspaceId: state.workspace.id, path }).catch((err) => {
        notify('error', `Could not open ${path}: ${messageOf(err)}`);
        return undefined;
      });
      if (content === undefined) return false;
      if (content === null) {
        notify('error', `${path} is not a text file Kiln can edit.`);
        return false;
      }
      this.openModel(path, content.text);
      this.language.post({ type: 'open', path, text: content.text, version: this.versions.get(path) ?? 1 });
      useStore.setState((s) => ({
        docs: {
          ...s.docs,
          [path]: { path, language: languageOf(path), diskVersion: content.version, dirty: false },
        },
      }));
      this.applyMarkers();
    }
    useStore.setState((s) => ({ tabs: s.tabs.includes(path) ? s.tabs : [...s.tabs, path], active: path }));
    return true;
  }

  activate(path: string): void {
    useStore.setState({ active: path, view: 'text' });
  }

  closeTab(path: string): void {
    useStore.setState((s) => {
      const tabs = s.tabs.filter((t) => t !== path);
      const index = s.tabs.indexOf(path);
      const active = s.active === path ? (tabs[Math.min(index, tabs.length - 1)] ?? undefined) : s.active;
      return { tabs, active };
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Saving and disk changes

  async save(path: string | undefined = useStore.getState().active, force = false): Promise<boolean> {
    const { workspace, docs } = useStore.getState();
    const model = path ? this.documents.get(path) : undefined;
    if (!workspace || !path || !model) return false;
    const doc = docs[path];
    const text = model.getValue();
    const altVersion = model.getAlternativeVersionId();
    try {
      const result = await this.api.saveFile({
        workspaceId: workspace.id,
        path,
        text,
        ...(force ? {} : { expectedVersion: doc?.diskVersion ?? null }),
      });
      if (model.getAlternativeVersionId() === altVersion) this.documents.markSaved(path);
      this.updateDoc(path, {
        diskVersion: result.version,
        dirty: this.documents.isDirty(path),
        diskChange: undefined,
      });
      void this.refreshTrust();
      return true;
    } catch (err) {
      if (err instanceof ApiError && (err.code === 'conflict' || err.code === 'exists')) {
        notify('error', `${path} changed on disk since you opened it.`, {
          label: 'Overwrite',
          run: () => void this.save(path, true),
        });
      } else {
        notify('error', `Could not save ${path}: ${messageOf(err)}`);
      }
      return false;
    }
  }

  async saveAll(): Promise<void> {
    for (const path of this.documents.paths()) if (this.documents.isDirty(path)) await this.save(path);
  }

  /** Saves every unsaved document; false when one could not be saved (the notice says why). */
  async saveAllOk(): Promise<boolean> {
    await this.saveAll();
    return this.documents.paths().every((p) => !this.documents.isDirty(p));
  }

  // ---------------------------------------------------------------------------------------------
  // Trust and breakpoints

  async setTrust(trusted: boolean): Promise<void> {
    const { workspace } = useStore.getState();
    if (!workspace) return;
    try {
      const trust = await this.api.setTrust({ workspaceId: workspace.id, trusted });
      useStore.setState((s) => (s.workspace ? { workspace: { ...s.workspace, trust } } : {}));
    } catch (err) {
      notify('error', `Could not change the folder's trust: ${messageOf(err)}`);
    }
  }

  /** Looks again at what the saved template needs trust for (after a save). */
  async refreshTrust(): Promise<void> {
    const { workspace } = useStore.getState();
    if (!workspace) return;
    const trust = await this.api.checkTrust({ workspaceId: workspace.id }).catch(() => undefined);
    if (trust) useStore.setState((s) => (s.workspace ? { workspace: { ...s.workspace, trust } } : {}));
  }

  async toggleBreakpoint(address: string): Promise<void> {
    const { workspace } = useStore.getState();
    if (!workspace) return;
    const set = new Set(workspace.breakpoints);
    if (set.has(address)) set.delete(address);
    else set.add(address);
    try {
      const breakpoints = await this.api.setBreakpoints({ workspaceId: workspace.id, breakpoints: [...set] });
      useStore.setState((s) => (s.workspace ? { workspace: { ...s.workspace, breakpoints } } : {}));
    } catch (err) {
      notify('error', `Could not set the breakpoint: ${messageOf(err)}`);
    }
  }

  /** Replaces a document with what is on disk now. */
  async reload(path: string): Promise<void> {
    const { workspace } = useStore.getState();
    if (!workspace) return;
    const content = await this.api.readFile({ workspaceId: workspace.id, path }).catch(() => null);
    if (!content) {
      notify('error', `${path} is no longer on disk.`);
      return;
    }
    this.documents.replace(path, content.text);
    this.updateDoc(path, { diskVersion: content.version, dirty: false, diskChange: undefined });
  }

  /** Keeps the editor's text after a change on disk; the next save overwrites the disk. */
  keepMine(path: string): void {
    const doc = useStore.getState().docs[path];
    this.updateDoc(path, {
      diskChange: undefined,
      diskVersion: doc?.diskChange?.version ?? doc?.diskVersion ?? null,
    });
  }

  private onEvent(event: ApiEvent): void {
    if (event.topic === 'build' || event.topic === 'run' || event.topic === 'maas') {
      this.builds.onEvent(event);
      return;
    }
    if (event.topic === 'images') {
      onBaseImageFetch(event.fetch);
      return;
    }
    if (event.topic === 'app') {
      void this.onMenu(event.command, event.path);
      return;
    }
    if (event.topic !== 'workspace' || event.type !== 'file-changed') return;
    const state = useStore.getState();
    if (!state.workspace || event.workspaceId !== state.workspace.id) return;
    const tree =
      event.change === 'removed'
        ? state.workspace.tree.filter((e) => e.path !== event.path && !e.path.startsWith(`${event.path}/`))
        : event.change === 'created' && !state.workspace.tree.some((e) => e.path === event.path)
          ? [
              ...state.workspace.tree,
              {
                path: event.path,
                kind: event.kind,
                ...(event.size !== undefined ? { size: event.size } : {}),
              },
            ]
          : state.workspace.tree;
    if (tree !== state.workspace.tree) {
      useStore.setState({ workspace: { ...state.workspace, tree } });
      this.language.post({ type: 'tree', tree });
    }
    const doc = state.docs[event.path];
    if (doc) {
      if (event.change === 'changed' && event.version === doc.diskVersion) return;
      this.updateDoc(event.path, {
        diskChange: {
          change: event.change === 'removed' ? 'removed' : 'changed',
          ...(event.version ? { version: event.version } : {}),
        },
      });
    } else {
      this.language.post({ type: 'invalidate', path: event.path });
      const topLevel = !event.path.includes('/');
      if (
        event.change === 'created' &&
        event.kind === 'file' &&
        topLevel &&
        state.workspace.kind === 'folder' &&
        /\.pkr(vars)?\.(hcl|json)$/.test(event.path)
      ) {
        void this.openFile(event.path).then(() => this.closeTab(event.path));
      }
    }
  }

  private async onMenu(command: string, path?: string): Promise<void> {
    switch (command) {
      case 'open-path':
        if (path) await this.openPath(path);
        return;
      case 'open-file':
        return this.pickAndOpen('file');
      case 'open-folder':
        return this.pickAndOpen('folder');
      case 'save':
        await this.save();
        return;
      case 'save-all':
        return this.saveAll();
      case 'format':
        return this.formatActive();
      case 'close-workspace':
        return this.closeWorkspace();
      case 'toggle-pipeline':
        useStore.setState((s) => ({ view: s.view === 'pipeline' ? 'text' : 'pipeline' }));
        return;
      case 'toggle-problems':
        useStore.setState((s) => ({ problemsOpen: !s.problemsOpen }));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Checking, markers, navigation

  setVarFiles(files: string[]): void {
    useStore.setState({ varFiles: files, checking: true });
    this.language.post({ type: 'var-files', files });
  }

  /** False when a result was computed from text that has changed since (a newer one is on its way). */
  private current(versions: Record<string, number>): boolean {
    return Object.entries(versions).every(
      ([path, version]) => !this.versions.has(path) || this.versions.get(path) === version,
    );
  }

  private applyCheck(result: CheckResult): void {
    if (!this.current(result.versions)) return;
    useStore.setState({ diagnostics: result.diagnostics, checkMs: result.elapsedMs, checking: false });
    this.applyMarkers();
  }

  private applyMarkers(): void {
    const { diagnostics } = useStore.getState();
    const byFile = new Map<string, Diagnostic[]>();
    for (const d of diagnostics) {
      if (!d.range) continue;
      const list = byFile.get(d.range.file) ?? [];
      list.push(d);
      byFile.set(d.range.file, list);
    }
    for (const path of this.documents.paths()) {
      const model = this.documents.get(path);
      if (!model) continue;
      monaco.editor.setModelMarkers(
        model,
        MARKER_OWNER,
        (byFile.get(path) ?? []).map((d) => ({
          severity: d.severity === 'error' ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning,
          message: d.detail ? `${d.summary}\n\n${d.detail}` : d.summary,
          startLineNumber: d.range!.start.line,
          startColumn: d.range!.start.column,
          endLineNumber: d.range!.end.line,
          endColumn: Math.max(
            d.range!.end.column,
            d.range!.end.line === d.range!.start.line ? d.range!.start.column + 1 : 1,
          ),
        })),
      );
    }
  }

  attachEditor(editor: monaco.editor.IStandaloneCodeEditor | undefined): void {
    this.editor = editor;
  }

  /** Opens a file at a position and puts the cursor there. */
  async reveal(
    path: string,
    line: number,
    column: number,
    endLine = line,
    endColumn = column,
  ): Promise<void> {
    if (!(await this.openFile(path))) return;
    useStore.setState({ view: 'text' });
    // The editor switches model on the next render; reveal after it.
    requestAnimationFrame(() => {
      const editor = this.editor;
      if (!editor) return;
      const selection = new monaco.Selection(line, column, endLine, endColumn);
      editor.setSelection(selection);
      editor.revealRangeInCenterIfOutsideViewport(selection);
      editor.focus();
    });
  }

  async formatActive(): Promise<void> {
    const path = useStore.getState().active;
    const model = path ? this.documents.get(path) : undefined;
    if (!path || !model) return;
    try {
      const edits = await this.language.request({ kind: 'format', path });
      this.applyFileEdits([{ file: path, edits }]);
    } catch (err) {
      notify('error', `Could not format ${path}: ${messageOf(err)}`);
    }
  }

  /** Applies a visual edit: asks the worker for the minimal text edits, applies them as one undo step per file. */
  async editPipeline(edit: PipelineEdit): Promise<boolean> {
    try {
      const fileEdits = await this.language.request({ kind: 'edit', edit });
      this.applyFileEdits(fileEdits);
      return true;
    } catch (err) {
      notify('error', messageOf(err));
      return false;
    }
  }

  private applyFileEdits(fileEdits: FileEdits[]): void {
    for (const { file, edits } of fileEdits) {
      const model = this.documents.get(file);
      if (!model || edits.length === 0) continue;
      const operations = edits.map((e) => {
        const start = model.getPositionAt(e.offset);
        const end = model.getPositionAt(e.offset + e.length);
        return {
          range: new monaco.Range(start.lineNumber, start.column, end.lineNumber, end.column),
          text: e.text,
        };
      });
      model.pushStackElement();
      model.pushEditOperations([], operations, () => null);
      model.pushStackElement();
    }
  }

  modelPath(model: monaco.editor.ITextModel): string | undefined {
    return pathOf(model);
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

let current: Session | undefined;
export function setSession(session: Session): void {
  current = session;
  provideSession(session);
}
export function session(): Session {
  if (!current) throw new Error('Kiln is not connected yet');
  return current;
}
