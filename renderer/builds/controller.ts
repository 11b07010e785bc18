/**
 * What the build view does: start, answer, continue, cancel, delete runs; follow their events (folded
 * once per animation frame, so a chatty build costs one render a frame, not one per line); load a run's
 * snapshot from the history when it is opened, and meet the live events by their seq.
 */
import { ApiError } from '../../electron/api/errors';
import type {
  ApiEvent,
  BuildRunSummary,
  KilnApi,
  Prompt,
  SequencedBuildEvent,
  StartBuildInput,
} from '../../electron/api/types';
import { notify } from '../state/store';
import { applyEvents, emptyRun, type RunView } from './runView';
import { useBuilds, type BuildForm } from './store';

/** Events kept for a run the UI has not loaded yet (it is loading, or was just started). */
const MAX_PENDING = 20_000;

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class BuildController {
  private queued = new Map<string, SequencedBuildEvent[]>();
  private loading = new Map<string, Promise<void>>();
  private frame: number | undefined;
  private root: string | undefined;
  /** Runs in -debug whose author chose Continue: their step pauses are answered until a breakpoint or error. */
  private readonly autoContinue = new Set<string>();

  constructor(
    private readonly api: KilnApi,
    /** Saves the editor's unsaved documents, so what runs is what the author sees. */
    private readonly saveAll: () => Promise<boolean>,
  ) {}

  /** The open workspace changed: show its runs. */
  async setWorkspace(root: string | undefined): Promise<void> {
    this.root = root;
    this.queued.clear();
    useBuilds.setState({
      runs: {},
      history: [],
      selectedRun: undefined,
      selectedBuild: undefined,
      dismissedPrompts: [],
    });
    if (!root) return;
    const history = await this.api.listBuilds({ root }).catch(() => [] as BuildRunSummary[]);
    if (this.root !== root) return;
    useBuilds.setState({ history });
    const live = history.find((r) => !r.finishedAt);
    const first = live ?? history[0];
    if (first) await this.select(first.runId);
  }

  onEvent(event: ApiEvent): void {
    if (event.topic === 'build') {
      if (event.event.type === 'prompt') this.onPrompt(event.runId, event.event.prompt);
      let list = this.queued.get(event.runId);
      if (!list) this.queued.set(event.runId, (list = []));
      if (list.length < MAX_PENDING) list.push({ seq: event.seq, event: event.event });
      if (useBuilds.getState().runs[event.runId]) this.schedule();
      return;
    }
    if (event.topic === 'run') {
      if (event.type === 'run-removed') {
        this.queued.delete(event.runId);
        useBuilds.setState((s) => {
          const runs = { ...s.runs };
          delete runs[event.runId];
          return {
            runs,
            history: s.history.filter((r) => r.runId !== event.runId),
            ...(s.selectedRun === event.runId ? { selectedRun: undefined } : {}),
          };
        });
        return;
      }
      const summary = event.run;
      if (summary.root !== this.root) return;
      useBuilds.setState((s) => {
        const known = s.history.some((r) => r.runId === summary.runId);
        const history = known
          ? s.history.map((r) => (r.runId === summary.runId ? summary : r))
          : [summary, ...s.history];
        const run = s.runs[summary.runId];
        return { history, ...(run ? { runs: { ...s.runs, [summary.runId]: { ...run, summary } } } : {}) };
      });
      if (!useBuilds.getState().runs[summary.runId]) void this.load(summary.runId);
      return;
    }
    if (event.topic === 'maas') {
      useBuilds.setState((s) => ({ uploads: { ...s.uploads, [event.upload.uploadId]: event.upload } }));
    }
  }

  /** Shows a run, loading it from the history when needed. */
  async select(runId: string, build?: string): Promise<void> {
    useBuilds.setState({ selectedRun: runId, ...(build ? { selectedBuild: build } : {}) });
    if (!useBuilds.getState().runs[runId]) await this.load(runId);
  }

  async start(workspaceId: string, form: BuildForm, varFiles: string[]): Promise<boolean> {
    if (!(await this.saveAll())) return false;
    const names = form.names
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    const vars = Object.fromEntries(Object.entries(form.vars).filter(([, v]) => v !== ''));
    const input: StartBuildInput = {
      workspaceId,
      onError: form.onError,
      debug: form.debug,
      force: form.force,
      ...(form.selection === 'only' && names.length ? { only: names } : {}),
      ...(form.selection === 'except' && names.length ? { except: names } : {}),
      ...(Object.keys(vars).length ? { vars } : {}),
      ...(varFiles.length ? { varFiles } : {}),
    };
    useBuilds.setState({ starting: true });
    try {
      const summary = await this.api.startBuild(input);
      this.adopt(summary);
      useBuilds.setState({
        selectedRun: summary.runId,
        selectedBuild: summary.builds[0]?.name,
        formOpen: false,
        consoleTab: 'log',
      });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'untrusted') {
        notify('error', err.message, {
          label: 'Trust this folder',
          run: () => void this.onTrustRequested?.(),
        });
      } else notify('error', `Could not start the build: ${messageOf(err)}`);
      return false;
    } finally {
      useBuilds.setState({ starting: false });
    }
  }

  /** Set by the session: asks for the folder's trust (the banner's action). */
  onTrustRequested: (() => Promise<void>) | undefined;

  /** Answers a prompt; edits are saved first so a retried provisioner runs as the editor shows it. */
  async answer(runId: string, promptId: string, answer: string): Promise<void> {
    await this.saveAll();
    try {
      await this.api.controlBuild({ runId, control: { type: 'answer', promptId, answer, source: 'gui' } });
    } catch (err) {
      notify('error', `Could not answer: ${messageOf(err)}`);
    }
  }

  async continueRun(runId: string, build?: string): Promise<void> {
    await this.saveAll();
    try {
      await this.api.controlBuild({
        runId,
        control: { type: 'continue', source: 'gui', ...(build ? { build } : {}) },
      });
    } catch (err) {
      notify('error', `Could not continue: ${messageOf(err)}`);
    }
  }

  /** -debug: Continue answers this pause and every step pause after it, until a breakpoint or an error. */
  async continueDebug(runId: string, promptId: string): Promise<void> {
    this.autoContinue.add(runId);
    await this.answer(runId, promptId, '');
  }

  private onPrompt(runId: string, prompt: Prompt): void {
    if (!this.autoContinue.has(runId)) return;
    if (prompt.kind === 'debug-step' || prompt.kind === 'debug-provisioner') {
      void this.api
        .controlBuild({ runId, control: { type: 'answer', promptId: prompt.id, answer: '', source: 'gui' } })
        .catch(() => undefined);
    } else this.autoContinue.delete(runId);
  }

  async cancel(runId: string): Promise<void> {
    try {
      await this.api.cancelBuild({ runId });
      notify('info', 'Cancelling: stopping the build and cleaning up…');
    } catch (err) {
      notify('error', `Could not cancel: ${messageOf(err)}`);
    }
  }

  async remove(runId: string): Promise<void> {
    try {
      await this.api.deleteBuild({ runId });
    } catch (err) {
      notify('error', `Could not delete the run: ${messageOf(err)}`);
    }
  }

  /** A run this UI just started: listed at once, and loaded (its first events may have come already). */
  private adopt(summary: BuildRunSummary): void {
    useBuilds.setState((s) => ({
      history: s.history.some((r) => r.runId === summary.runId) ? s.history : [summary, ...s.history],
    }));
    if (!useBuilds.getState().runs[summary.runId]) void this.load(summary.runId);
  }

  private load(runId: string): Promise<void> {
    const already = this.loading.get(runId);
    if (already) return already;
    const loading = (async () => {
      try {
        const detail = await this.api.getBuild({ runId });
        let view: RunView = applyEvents(emptyRun(detail.summary), detail.events, detail.truncated);
        // Live events that came while loading, beyond the snapshot (older ones are skipped by seq).
        const queued = this.queued.get(runId);
        if (queued) view = applyEvents(view, queued);
        this.queued.delete(runId);
        // The summary may have moved on while loading (run-changed events): keep the newest.
        const summary = useBuilds.getState().history.find((r) => r.runId === runId);
        if (summary) view = { ...view, summary };
        useBuilds.setState((s) => ({ runs: { ...s.runs, [runId]: view } }));
      } catch (err) {
        notify('error', `Could not load the run ${runId}: ${messageOf(err)}`);
      } finally {
        this.loading.delete(runId);
      }
    })();
    this.loading.set(runId, loading);
    return loading;
  }

  private schedule(): void {
    if (this.frame !== undefined) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = undefined;
      this.flush();
    });
  }

  private flush(): void {
    const { runs } = useBuilds.getState();
    const changed: Record<string, RunView> = {};
    for (const [runId, events] of this.queued) {
      const run = runs[runId];
      if (!run) continue;
      changed[runId] = applyEvents(run, events);
      this.queued.delete(runId);
    }
    if (Object.keys(changed).length) useBuilds.setState((s) => ({ runs: { ...s.runs, ...changed } }));
  }
}
