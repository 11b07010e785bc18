/**
 * A build run (`kiln build`): several builds of one template, run in parallel up to a limit, each
 * doing what Packer's CoreBuild.Run does (builder with its provision hook, then post-processor
 * sequences with keep_input_artifact rules), all reporting on one masked event channel and answering
 * to the same controls wherever they come from.
 */
import { randomUUID } from 'node:crypto';
import type { Artifact, Builder, BuildInfo, PostProcessor } from './components';
import type { ArtifactInfo, BuildControl, BuildEvent, BuildStatus, OnErrorMode } from './events';
import type { PlannedProvisioner } from './provision';
import { TemplateProvisionHook } from './provision';
import { errorMessage, runSteps } from './runner';
import { StateBag } from './state';
import { TempSpace } from './temp';
import { BuildUi, EventChannel, NoAnswerSourceError } from './ui';

export interface PlannedPostProcessor {
  type: string;
  /** Component address (`post-processors[1][0]`, `build[0].post-processors[0][1]`), for breakpoints. */
  address?: string;
  /** The `name` meta-argument, else the type. */
  name: string;
  keepInputArtifact?: boolean;
  create(): PostProcessor;
}

/** One build ready to run; components are created from the template when needed. */
export interface PlannedBuild {
  name: string;
  builderType: string;
  sourceName: string;
  buildBlockName: string;
  createBuilder(): Builder;
  provisioners: PlannedProvisioner[];
  errorCleanupProvisioner?: PlannedProvisioner;
  postProcessors: PlannedPostProcessor[][];
}

export interface RunOptions {
  debug: boolean;
  force: boolean;
  onError: OnErrorMode;
  /** Builds at once; 0 = unlimited. -debug forces 1. */
  parallel: number;
  cwd: string;
  /** Values to mask in every event (sensitive variables). */
  sensitiveValues?: readonly string[];
  /** True when something can answer prompts (a terminal, an answers file, the GUI). */
  canAnswer: boolean;
  /**
   * Provisioner and post-processor addresses to pause before (gutter breakpoints). A Set is consulted
   * as it is at each component, so the app can add and remove breakpoints while the build runs.
   */
  breakpoints?: readonly string[] | ReadonlySet<string>;
  runUuid?: string;
  /** What the app adds to a run; the CLI leaves it out. */
  app?: AppRunHooks;
}

/** The app's hooks into a run: interactive error handling and edits picked up while a build runs. */
export interface AppRunHooks {
  /**
   * With -on-error=ask: ask at the failed provisioner (retry it, continue, clean up, abort) rather than
   * at StepProvision, and offer keeping the VM running for inspection at every on-error question.
   */
  interactiveErrors?: boolean;
  /** The provisioner as the template says now (see HookOptions.latest). */
  latestProvisioner?(build: string, provisioner: PlannedProvisioner): Promise<PlannedProvisioner>;
  /** The post-processor as the template says now, called before it runs. */
  latestPostProcessor?(build: string, postProcessor: PlannedPostProcessor): Promise<PlannedPostProcessor>;
}

export interface BuildResult {
  build: string;
  status: BuildStatus;
  error?: string;
  artifacts: ArtifactInfo[];
  durationMs: number;
}

export interface RunResult {
  cancelled: boolean;
  durationMs: number;
  results: BuildResult[];
}

/** Go's packersdk.MultiError text. */
export function multiError(errors: readonly string[]): string {
  return `${errors.length} error(s) occurred:\n\n${errors.map((e) => `* ${e}`).join('\n')}`;
}

function artifactInfo(build: string, artifact: Artifact, postProcessor?: string): ArtifactInfo {
  return {
    build,
    builderId: artifact.builderId,
    id: artifact.id,
    description: artifact.describe(),
    files: [...artifact.files],
    ...(postProcessor ? { postProcessor } : {}),
  };
}

export class BuildSession {
  readonly channel: EventChannel;
  readonly runUuid: string;
  private readonly abortController = new AbortController();

  constructor(
    private readonly builds: readonly PlannedBuild[],
    private readonly options: RunOptions,
  ) {
    this.channel = new EventChannel(options.sensitiveValues ?? [], options.canAnswer);
    this.runUuid = options.runUuid ?? randomUUID();
  }

  subscribe(listener: (event: BuildEvent) => void): () => void {
    return this.channel.subscribe(listener);
  }

  get signal(): AbortSignal {
    return this.abortController.signal;
  }

  control(control: BuildControl): boolean {
    if (control.type === 'abort') {
      if (!this.abortController.signal.aborted) {
        this.abortController.abort(new Error(control.reason ?? 'cancelled'));
        this.channel.interruptPrompts();
      }
      return true;
    }
    return this.channel.answer(control);
  }

  /** Fails a prompt as if no terminal were there (an answers file ran out of lines). */
  failPrompt(promptId: string): boolean {
    return this.channel.fail(promptId, new NoAnswerSourceError());
  }

  async run(): Promise<RunResult> {
    const started = performance.now();
    const limit = this.options.debug ? 1 : this.options.parallel > 0 ? this.options.parallel : Infinity;
    this.channel.emit({
      type: 'run-started',
      builds: this.builds.map((b) => b.name),
      parallel: limit,
      debug: this.options.debug,
      onError: this.options.onError,
    });
    if (this.options.debug) {
      this.channel.emit({
        type: 'log',
        level: 'say',
        text: 'Debug mode enabled. Builds will not be parallelized.',
      });
    }
    const results: Array<BuildResult | undefined> = new Array(this.builds.length);
    let next = 0;
    const worker = async () => {
      while (next < this.builds.length && !this.signal.aborted) {
        const index = next++;
        results[index] = await this.runBuild(this.builds[index]);
      }
    };
    const workers = Array.from({ length: Math.min(limit, this.builds.length) }, worker);
    await Promise.all(workers);
    const done = results.filter((r): r is BuildResult => r !== undefined);
    const result: RunResult = {
      cancelled: this.signal.aborted,
      durationMs: performance.now() - started,
      results: done,
    };
    this.channel.emit({
      type: 'run-finished',
      durationMs: result.durationMs,
      cancelled: result.cancelled,
      results: done.map(({ build, status, error, artifacts }) => ({
        build,
        status,
        ...(error !== undefined ? { error } : {}),
        artifacts,
      })),
    });
    return result;
  }

  private async runBuild(plan: PlannedBuild): Promise<BuildResult> {
    const started = performance.now();
    const signal = this.signal;
    const ui = new BuildUi(this.channel, plan.name, plan.name, signal);
    const temp = new TempSpace();
    const info: BuildInfo = {
      name: plan.name,
      builderType: plan.builderType,
      sourceName: plan.sourceName,
      buildBlockName: plan.buildBlockName,
      debug: this.options.debug,
      force: this.options.force,
      onError: this.options.onError,
      runUuid: this.runUuid,
      cwd: this.options.cwd,
    };
    this.channel.emit({ type: 'build-started', build: plan.name, builderType: plan.builderType });
    let status: BuildStatus = 'succeeded';
    let error: string | undefined;
    let artifacts: ArtifactInfo[] = [];
    try {
      artifacts = await this.buildAndPostProcess(plan, info, ui, temp, signal);
    } catch (err) {
      status = 'failed';
      error = errorMessage(err);
    } finally {
      temp.dispose();
      this.channel.withdrawHandles(plan.name);
    }
    if (signal.aborted && status === 'succeeded') status = 'cancelled';
    if (status !== 'succeeded') artifacts = [];
    const durationMs = performance.now() - started;
    this.channel.emit({
      type: 'build-finished',
      build: plan.name,
      status,
      durationMs,
      ...(error !== undefined ? { error } : {}),
      artifacts,
    });
    return { build: plan.name, status, ...(error !== undefined ? { error } : {}), artifacts, durationMs };
  }

  /** A gutter breakpoint before a post-processor. */
  private async pauseBefore(ui: BuildUi, address: string, type: string, signal: AbortSignal): Promise<void> {
    const at = ui.forComponent(address);
    at.say(`Pausing at breakpoint before ${address} (${type}).`);
    try {
      await at.ask('Press enter to continue.', 'breakpoint', { subject: address, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      throw new Error(`Error asking for input: ${errorMessage(err)}`, { cause: err });
    }
  }

  /** Packer's CoreBuild.Run. Throws the build's error (post-processor failures as a MultiError). */
  private async buildAndPostProcess(
    plan: PlannedBuild,
    info: BuildInfo,
    ui: BuildUi,
    temp: TempSpace,
    signal: AbortSignal,
  ): Promise<ArtifactInfo[]> {
    const app = this.options.app;
    const given = this.options.breakpoints;
    const breakpoints: ReadonlySet<string> = given instanceof Set ? given : new Set(given ?? []);
    const latestProvisioner = app?.latestProvisioner;
    const hook = new TemplateProvisionHook(plan.provisioners, plan.errorCleanupProvisioner, {
      build: info,
      temp,
      breakpoints,
      ...(app?.interactiveErrors ? { askPerProvisioner: true } : {}),
      ...(latestProvisioner ? { latest: (p: PlannedProvisioner) => latestProvisioner(plan.name, p) } : {}),
    });
    const builder = plan.createBuilder();
    const builderArtifact = await builder.run({
      signal,
      ui,
      build: info,
      temp,
      hook,
      newState: () => new StateBag(),
      runSteps: (steps, state) =>
        runSteps(
          steps,
          { signal, state, ui },
          {
            debug: this.options.debug,
            onError: this.options.onError,
            ...(app?.interactiveErrors ? { keepForInspection: true } : {}),
          },
        ),
    });
    if (!builderArtifact || signal.aborted) return [];

    const errors: string[] = [];
    const kept: Array<{ artifact: Artifact; postProcessor?: string }> = [];
    let keepOriginal = plan.postProcessors.length === 0;
    sequences: for (const sequence of plan.postProcessors) {
      let prior: { artifact: Artifact; postProcessor?: string } = { artifact: builderArtifact };
      for (const [i, planned] of sequence.entries()) {
        if (signal.aborted) break sequences;
        if (planned.address && breakpoints.has(planned.address)) {
          try {
            await this.pauseBefore(ui, planned.address, planned.type, signal);
          } catch (err) {
            if (signal.aborted) break sequences;
            errors.push(`Post-processor failed: ${errorMessage(err)}`);
            continue sequences;
          }
        }
        const pp = app?.latestPostProcessor ? await app.latestPostProcessor(plan.name, planned) : planned;
        ui.say(
          pp.name === pp.type
            ? `Running post-processor: ${pp.type}`
            : `Running post-processor: ${pp.name} (type ${pp.type})`,
        );
        let ppUi = ui.withTarget(`${plan.name} (${pp.type})`);
        if (pp.address) ppUi = ppUi.forComponent(pp.address);
        const report = pp.address
          ? {
              type: 'component' as const,
              build: plan.name,
              address: pp.address,
              componentType: pp.type,
              role: 'post-processor' as const,
            }
          : undefined;
        if (report) this.channel.emit({ ...report, phase: 'started' });
        const ppStarted = performance.now();
        let result;
        try {
          const processor = pp.create();
          result = await processor.postProcess({ signal, ui: ppUi, build: info, temp }, prior.artifact);
        } catch (err) {
          if (report)
            this.channel.emit({
              ...report,
              phase: 'finished',
              outcome: signal.aborted ? 'cancelled' : 'failed',
              durationMs: performance.now() - ppStarted,
              error: errorMessage(err),
            });
          if (signal.aborted) break sequences;
          errors.push(`Post-processor failed: ${errorMessage(err)}`);
          continue sequences;
        }
        if (report)
          this.channel.emit({
            ...report,
            phase: 'finished',
            outcome: 'succeeded',
            durationMs: performance.now() - ppStarted,
          });
        if (!result.artifact) continue sequences;
        let keep = result.keep;
        if (
          pp.keepInputArtifact !== undefined &&
          !(result.keep && !pp.keepInputArtifact && result.forceOverride)
        ) {
          keep = pp.keepInputArtifact;
        }
        if (i === 0) {
          if (!keepOriginal && keep) keepOriginal = true;
        } else if (keep) {
          kept.push(prior);
        } else {
          try {
            await prior.artifact.destroy();
          } catch (err) {
            errors.push(`Failed cleaning up prior artifact: ${errorMessage(err)}; pp is ${pp.type}`);
          }
        }
        prior = { artifact: result.artifact, postProcessor: pp.type };
      }
      kept.push(prior);
    }
    if (keepOriginal) kept.unshift({ artifact: builderArtifact });
    else {
      try {
        await builderArtifact.destroy();
      } catch (err) {
        errors.push(
          `Error destroying builder artifact: ${errorMessage(err)}; bad artifact: [${builderArtifact.files.join(' ')}]`,
        );
      }
    }
    if (errors.length) throw new Error(multiError(errors));
    const infos = kept.map((k) => artifactInfo(plan.name, k.artifact, k.postProcessor));
    for (const a of infos) ui.artifact(a);
    return infos;
  }
}
