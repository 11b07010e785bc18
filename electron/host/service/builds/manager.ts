/**
 * Builds in the app: runs the engine on a workspace's template in this (the main) process, forwards its
 * events to the UI in order, keeps each run's history on disk, routes console bytes to streams, and
 * answers the controls (continue, answer, cancel). Template trust is enforced here, before anything runs.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ApiError } from '../../../api/errors';
import type {
  ApiBuildEvent,
  ApiEvent,
  BuildControl,
  BuildEvent,
  BuildRunDetail,
  BuildRunSummary,
  OpenStreamInput,
  RunArtifact,
  RunBuildSummary,
  StartBuildInput,
  VmScreenshot,
} from '../../../api/types';
import { selectBuilds } from '../../../cli/commands/build';
import { prepareBuilds } from '../../../engine/build/plan';
import { BuildSession } from '../../../engine/build/session';
import type { ShellSession } from '../../../engine/build/live';
import { nodeHost } from '../../../engine/node-host';
import { loadTemplate, type LoadOptions } from '../../../engine/template/load';
import { loadTemplateForBuild } from '../../../engine/build/data-sources';
import { hasErrors } from '../../../engine/template/source';
import type { BreakpointStore } from '../breakpoints';
import type { TrustStore } from '../trust';
import { trustNeeds } from '../trust';
import type { BuildHistory, RunRecorder } from './history';
import { newRunId } from './history';
import { describeDiagnostics, LiveTemplate } from './live-template';
import type { StreamEnd, StreamHub, StreamPeer } from './streams';
import { SerialFeed } from './streams';

/** What the manager needs to know of an open workspace. */
export interface WorkspaceRef {
  id: string;
  root: string;
  entry: string;
  name: string;
}

export interface BuildManagerOptions {
  history: BuildHistory;
  trust: TrustStore;
  breakpoints: BreakpointStore;
  streams: StreamHub;
  workspace(id: string): WorkspaceRef;
  emit(event: ApiEvent): void;
  /** The environment templates see (PKR_VAR_*, env()). */
  env?: NodeJS.ProcessEnv;
}

/** The newest console bytes a terminal gets when it attaches to a finished run. */
const HISTORY_REPLAY = 1024 * 1024;
const CANCEL_WAIT_MS = 60_000;

interface LiveRun {
  summary: BuildRunSummary;
  session: BuildSession;
  recorder: RunRecorder;
  seq: number;
  serial: Map<string, SerialFeed>;
  breakpoints: Set<string>;
  workspaceKey: string;
  done: Promise<void>;
  cancelling: boolean;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class BuildManager {
  private readonly live = new Map<string, LiveRun>();
  private disposed = false;

  constructor(private readonly options: BuildManagerOptions) {}

  async start(input: StartBuildInput): Promise<BuildRunSummary> {
    if (this.disposed) throw new ApiError('unsupported', 'Kiln is shutting down');
    const ws = this.options.workspace(input.workspaceId);
    const workspaceKey = `${ws.root}\0${ws.entry}`;
    for (const run of this.live.values()) {
      if (run.workspaceKey === workspaceKey && !run.summary.finishedAt)
        throw new ApiError(
          'conflict',
          `${ws.name} is already building (run ${run.summary.runId}); cancel it or let it finish first`,
        );
    }
    const host = nodeHost({ cwd: ws.root, env: this.options.env ?? process.env });
    const path = ws.entry === '.' ? ws.root : join(ws.root, ws.entry);
    const varFiles = (input.varFiles ?? []).map((f) => resolve(ws.root, f));
    let load: LoadOptions = { vars: Object.entries(input.vars ?? {}), varFiles };
    let template = loadTemplate(path, load, host);
    if (hasErrors(template.diagnostics)) {
      throw new ApiError(
        'invalid-input',
        `${ws.name} has errors; fix them before building:\n${describeDiagnostics(template.diagnostics)}`,
      );
    }
    const needs = trustNeeds(template);
    if (needs.length && !(await this.options.trust.isTrusted(ws.root))) {
      throw new ApiError(
        'untrusted',
        `${ws.root} is not a trusted folder, and this template runs commands on this machine: ` +
          `${needs.map((n) => `${n.type} ${n.kind} ${n.address}`).join(', ')}. Trust the folder to build it.`,
      );
    }
    // Data sources reach the network, so they run only now, for a trusted folder, and once per run.
    const dataSays: string[] = [];
    if (template.dataSources.length > 0) {
      const loaded = await loadTemplateForBuild(path, load, host, { say: (line) => dataSays.push(line) });
      if (hasErrors(loaded.template.diagnostics)) {
        throw new ApiError(
          'invalid-input',
          `${ws.name}: a data source failed:\n${describeDiagnostics(loaded.template.diagnostics)}`,
        );
      }
      template = loaded.template;
      load = { ...load, dataValues: loaded.dataValues };
    }
    const only = input.only ?? [];
    const except = input.except ?? [];
    const selected = selectBuilds(template.builds, template.format, only, except);
    if (selected.length === 0) {
      throw new ApiError(
        'invalid-input',
        template.builds.length === 0
          ? `${ws.name} has no build to run`
          : `no build of ${ws.name} matches the -only/-except choice`,
      );
    }
    const force = input.force ?? false;
    const prepared = prepareBuilds(selected, { template, host, cwd: ws.root, force });
    if (prepared.builds.length === 0) {
      throw new ApiError(
        'invalid-input',
        prepared.failures.map((f) => `Failed to prepare build "${f.build}": ${f.error}`).join('\n'),
      );
    }

    const runId = newRunId();
    const breakpoints = new Set(await this.options.breakpoints.get(ws.root, ws.entry));
    const liveTemplate = new LiveTemplate(
      {
        path,
        load,
        host,
        cwd: ws.root,
        only,
        except,
        force,
        trusted: () => this.options.trust.isTrusted(ws.root),
      },
      template,
      prepared.builds,
    );
    const session = new BuildSession(prepared.builds, {
      debug: input.debug,
      force,
      onError: input.onError,
      parallel: 0,
      cwd: ws.root,
      sensitiveValues: template.sensitiveValues,
      canAnswer: true,
      breakpoints,
      app: {
        interactiveErrors: true,
        latestProvisioner: (build, p) => liveTemplate.provisioner(build, p),
        latestPostProcessor: (build, pp) => liveTemplate.postProcessor(build, pp),
      },
    });
    liveTemplate.attach(session);
    const summary: BuildRunSummary = {
      runId,
      root: ws.root,
      entry: ws.entry,
      name: ws.name,
      startedAt: new Date().toISOString(),
      state: 'running',
      builds: prepared.builds.map((b) => ({ name: b.name, builderType: b.builderType, state: 'pending' })),
      options: {
        only,
        except,
        onError: input.onError,
        debug: input.debug,
        force,
        varFiles: input.varFiles ?? [],
        varNames: Object.keys(input.vars ?? {}),
      },
      artifacts: [],
      openPrompts: [],
      prepareFailures: prepared.failures,
      consoleBytes: 0,
    };
    const recorder = this.options.history.recorder(runId);
    await recorder.create(summary);
    const run: LiveRun = {
      summary,
      session,
      recorder,
      seq: 0,
      serial: new Map(),
      breakpoints,
      workspaceKey,
      done: Promise.resolve(),
      cancelling: false,
    };
    this.live.set(runId, run);
    session.subscribe((event) => this.onEvent(run, event));
    for (const line of dataSays) session.channel.emit({ type: 'log', level: 'say', text: line });
    for (const w of prepared.warnings)
      session.channel.emit({ type: 'log', build: w.build, level: 'say', text: `Warning: ${w.warning}` });
    for (const f of prepared.failures)
      session.channel.emit({
        type: 'log',
        level: 'error',
        text: `Failed to prepare build "${f.build}": ${f.error}`,
      });
    run.done = session
      .run()
      .then(
        () => undefined,
        (err) => {
          session.channel.emit({ type: 'log', level: 'error', text: `The run stopped: ${errorText(err)}` });
        },
      )
      .then(() => this.finish(run));
    this.changed(run);
    void this.options.history.prune(new Set(this.live.keys())).then((removed) => {
      for (const id of removed) this.options.emit({ topic: 'run', type: 'run-removed', runId: id });
    });
    return structuredClone(summary);
  }

  control(runId: string, control: BuildControl): boolean {
    const run = this.liveRun(runId);
    if (control.type === 'abort') {
      this.cancel(runId);
      return true;
    }
    return run.session.control({ ...control, source: control.source ?? 'gui' });
  }

  cancel(runId: string): void {
    const run = this.liveRun(runId);
    if (run.summary.finishedAt || run.cancelling) return;
    run.cancelling = true;
    run.session.control({ type: 'abort', reason: 'cancelled in Kiln' });
  }

  /** Breakpoints changed in the editor: the runs of that workspace see them at their next component. */
  breakpointsChanged(root: string, entry: string, breakpoints: readonly string[]): void {
    for (const run of this.live.values()) {
      if (run.workspaceKey !== `${root}\0${entry}`) continue;
      run.breakpoints.clear();
      for (const b of breakpoints) run.breakpoints.add(b);
    }
  }

  async list(root?: string): Promise<BuildRunSummary[]> {
    const history = await this.options.history.list();
    const out: BuildRunSummary[] = [...this.live.values()].map((r) => structuredClone(r.summary));
    for (const run of history) {
      if (this.live.has(run.runId)) continue;
      out.push(await this.settleInterrupted(run));
    }
    out.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.runId.localeCompare(a.runId));
    return root ? out.filter((r) => r.root === root) : out;
  }

  async get(runId: string, maxEvents = 20_000): Promise<BuildRunDetail> {
    const run = this.live.get(runId);
    run?.recorder.flush();
    const summary = run ? structuredClone(run.summary) : await this.options.history.read(runId);
    if (!summary) throw new ApiError('not-found', `no build run ${runId}`);
    const { events, truncated } = await this.options.history.events(runId, maxEvents);
    return { summary: run ? summary : await this.settleInterrupted(summary), events, truncated };
  }

  async remove(runId: string): Promise<void> {
    const run = this.live.get(runId);
    if (run && !run.summary.finishedAt)
      throw new ApiError('conflict', `run ${runId} is still going; cancel it first`);
    this.live.delete(runId);
    await this.options.history.remove(runId);
    this.options.emit({ topic: 'run', type: 'run-removed', runId });
  }

  /** Opens a console stream of a build (live, or the saved tail of a finished one). */
  async openStream(input: OpenStreamInput): Promise<{ streamId: string }> {
    const run = this.live.get(input.runId);
    if (input.stream === 'serial') {
      if (run) {
        const feed = this.feed(run, input.build);
        const streamId = this.options.streams.offer((peer) => {
          const detach = feed.attach(peer);
          return {
            input: (data) => run.session.channel.handle(input.build, 'vm')?.writeConsole(data),
            resize: () => undefined,
            close: detach,
          };
        });
        return { streamId };
      }
      const summary = await this.options.history.read(input.runId);
      if (!summary) throw new ApiError('not-found', `no build run ${input.runId}`);
      const tail = this.options.history.consoleTail(input.runId, input.build, HISTORY_REPLAY);
      const streamId = this.options.streams.offer((peer) => {
        if (tail.byteLength) peer.data(tail);
        peer.closed('The build has ended; this is the end of its console as kept in the history.');
        return { input: () => undefined, resize: () => undefined, close: () => undefined };
      });
      return { streamId };
    }
    const shellHandle = run?.session.channel.handle(input.build, 'shell');
    if (!run || run.summary.finishedAt || !shellHandle) {
      throw new ApiError(
        'unsupported',
        `The guest shell opens once ${input.build} has connected to the guest over SSH, and closes when the build cleans up.`,
      );
    }
    let shell: ShellSession;
    try {
      shell = await shellHandle.openShell({ cols: input.cols, rows: input.rows });
    } catch (err) {
      throw new ApiError('io', `Could not open a shell on the guest: ${errorText(err)}`);
    }
    const streamId = this.options.streams.offer(
      (peer) => this.wireShell(shell, peer),
      () => shell.close(),
    );
    return { streamId };
  }

  async screenshot(runId: string, build: string): Promise<VmScreenshot | null> {
    const vm = this.live.get(runId)?.session.channel.handle(build, 'vm');
    if (!vm) return null;
    const file = join(tmpdir(), `kiln-screen-${randomBytes(8).toString('hex')}.png`);
    try {
      await vm.screendump(file);
      const png = await fs.readFile(file);
      return { png: png.toString('base64'), takenAt: new Date().toISOString() };
    } catch (err) {
      throw new ApiError('io', `Could not take a screenshot of the VM: ${errorText(err)}`);
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  /** Cancels every run and waits (a while) for their cleanup: VMs stopped, temporary files removed. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const waiting = [...this.live.values()].map((run) => {
      if (!run.summary.finishedAt) {
        run.cancelling = true;
        run.session.control({ type: 'abort', reason: 'Kiln is closing' });
      }
      return run.done;
    });
    await Promise.race([Promise.all(waiting), new Promise((r) => setTimeout(r, CANCEL_WAIT_MS).unref?.())]);
    for (const run of this.live.values()) run.recorder.flush();
  }

  private wireShell(shell: ShellSession, peer: StreamPeer): StreamEnd {
    shell.onData((d) => peer.data(d));
    shell.onClose((reason) =>
      peer.closed(reason ? `The guest shell ended: ${reason}.` : 'The guest shell ended.'),
    );
    return {
      input: (d) => shell.write(d),
      resize: (cols, rows) => shell.resize(cols, rows),
      close: () => shell.close(),
    };
  }

  private feed(run: LiveRun, build: string): SerialFeed {
    let feed = run.serial.get(build);
    if (!feed) {
      feed = new SerialFeed();
      if (run.summary.finishedAt) feed.end('The build has ended.');
      run.serial.set(build, feed);
    }
    return feed;
  }

  private liveRun(runId: string): LiveRun {
    const run = this.live.get(runId);
    if (!run) throw new ApiError('not-found', `run ${runId} is not running`);
    return run;
  }

  private onEvent(run: LiveRun, event: BuildEvent): void {
    if (event.type === 'console') {
      if (event.stream === 'serial') this.feed(run, event.build).push(event.data);
      run.recorder.console(event.build, event.data);
      run.summary.consoleBytes = run.recorder.consoleBytes;
      return;
    }
    const seq = ++run.seq;
    run.recorder.event(seq, event);
    this.options.emit({ topic: 'build', runId: run.summary.runId, seq, event });
    if (this.summarise(run.summary, event)) this.changed(run);
  }

  /** Folds an event into the run's summary; true when the summary changed in a way lists show. */
  private summarise(s: BuildRunSummary, event: ApiBuildEvent): boolean {
    const build = (name: string): RunBuildSummary | undefined => s.builds.find((b) => b.name === name);
    switch (event.type) {
      case 'build-started': {
        const b = build(event.build);
        if (b) b.state = 'running';
        return true;
      }
      case 'build-finished': {
        const b = build(event.build);
        if (b) {
          b.state = event.status;
          b.durationMs = event.durationMs;
          if (event.error !== undefined) b.error = event.error;
        }
        // Artifact files are relative to the build's working directory (the workspace root).
        for (const a of event.artifacts)
          s.artifacts.push({ ...a, files: a.files.map((path) => ({ path: resolve(s.root, path) })) });
        return true;
      }
      case 'prompt':
        s.openPrompts.push(event.prompt);
        s.state = 'paused';
        return true;
      case 'prompt-answered':
        s.openPrompts = s.openPrompts.filter((p) => p.id !== event.promptId);
        if (s.openPrompts.length === 0 && s.state === 'paused') s.state = 'running';
        return true;
      case 'run-finished':
        s.openPrompts = [];
        s.state = event.cancelled
          ? 'cancelled'
          : event.results.some((r) => r.status !== 'succeeded') || s.prepareFailures.length
            ? 'failed'
            : 'succeeded';
        return true;
      default:
        return false;
    }
  }

  private changed(run: LiveRun): void {
    void run.recorder.writeSummary(run.summary);
    this.options.emit({ topic: 'run', type: 'run-changed', run: structuredClone(run.summary) });
  }

  private async finish(run: LiveRun): Promise<void> {
    const s = run.summary;
    if (s.state === 'running' || s.state === 'paused') s.state = run.cancelling ? 'cancelled' : 'failed';
    if (s.state === 'cancelled') {
      run.session.channel.emit({
        type: 'log',
        level: 'say',
        text: 'Build cancelled: every step that ran was cleaned up (VMs stopped, temporary files removed).',
      });
    }
    for (const feed of run.serial.values()) feed.end('The build has ended.');
    s.finishedAt = new Date().toISOString();
    run.recorder.flush();
    this.changed(run);
    await this.checkArtifacts(s.artifacts);
    run.recorder.flush();
    this.changed(run);
  }

  /** Sizes and sha256 of every artifact file, for the build view and the upload form. */
  private async checkArtifacts(artifacts: RunArtifact[]): Promise<void> {
    for (const artifact of artifacts) {
      for (const file of artifact.files) {
        if (this.disposed) return;
        const st = await fs.stat(file.path).catch(() => undefined);
        if (!st?.isFile()) continue;
        file.size = st.size;
        file.sha256 = await sha256File(file.path).catch(() => undefined);
      }
    }
  }

  /** A run the history says is going, that no Kiln is running: it was interrupted. */
  private async settleInterrupted(run: BuildRunSummary): Promise<BuildRunSummary> {
    if (run.finishedAt || (run.state !== 'running' && run.state !== 'paused')) return run;
    const settled: BuildRunSummary = { ...run, state: 'interrupted', openPrompts: [] };
    await this.options.history.recorder(run.runId).writeSummary(settled);
    return settled;
  }
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}
