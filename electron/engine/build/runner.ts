/**
 * The step runner: Packer's BasicRunner with the -on-error wrappers (abortStep, askStep) and the
 * -debug pauses (DebugRunner), kept structurally the same so Packer's observable behaviour (messages,
 * their order, and its quirks) comes out the same. Each real step's run and cleanup emit
 * step-started/step-finished events with durations.
 */
import type { StepRef } from './events';
import type { CleanupContext, RunnerOptions, Step, StepAction, StepContext } from './step';
import { ABORTED, CANCELLED, ERROR, HALTED } from './step';
import type { StateBag } from './state';
import type { BuildUi } from './ui';
import { goQuote } from '../template/hcl/gostrings';

interface Runnable {
  /** The inner step's name (Packer's InnerStepName). */
  readonly name: string;
  run(ctx: StepContext): Promise<StepAction>;
  cleanup(ctx: CleanupContext): Promise<void>;
}

export const ON_ERROR_QUERY =
  '[c] Clean up and exit, [a] abort without cleanup, or [r] retry step (build may fail even if retry succeeds)?';

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A failure already answered where it happened (the app asks per provisioner): carries the choice,
 * `c` (clean up) or `a` (abort), so the step-level -on-error=ask does not ask again.
 */
export class OnErrorDecision extends Error {
  constructor(
    readonly original: Error,
    readonly choice: 'c' | 'a',
  ) {
    super(original.message, { cause: original });
  }
}

export const KEEP_CHOICE = { answer: 'k', label: 'Keep the VM running for inspection' };
export const KEEPING_MESSAGE =
  'Keeping the VM running for inspection: retry, clean up or abort when you are done.';

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** A step with events and error capture; the innermost wrapper. */
class InstrumentedStep implements Runnable {
  readonly ref: StepRef;
  constructor(
    private readonly step: Step,
    index: number,
  ) {
    this.ref = { index, name: step.name, title: step.title ?? step.name };
  }

  get name(): string {
    return this.step.name;
  }

  async run(ctx: StepContext): Promise<StepAction> {
    const build = ctx.ui.build;
    ctx.ui.channel.emit({ type: 'step-started', build, step: this.ref, phase: 'run' });
    const started = performance.now();
    let action: StepAction;
    try {
      action = await this.step.run(ctx);
    } catch (err) {
      ctx.state.put(ERROR, asError(err));
      action = 'halt';
    }
    const error = action === 'halt' ? ctx.state.get(ERROR) : undefined;
    ctx.ui.channel.emit({
      type: 'step-finished',
      build,
      step: this.ref,
      phase: 'run',
      durationMs: performance.now() - started,
      outcome: action,
      ...(error ? { error: error.message } : {}),
    });
    return action;
  }

  async cleanup(ctx: CleanupContext): Promise<void> {
    const build = ctx.ui.build;
    if (!this.step.cleanup) return;
    ctx.ui.channel.emit({ type: 'step-started', build, step: this.ref, phase: 'cleanup' });
    const started = performance.now();
    let error: string | undefined;
    try {
      await this.step.cleanup(ctx);
    } catch (err) {
      // A failed cleanup must not stop the others; say it and go on.
      error = errorMessage(err);
      ctx.ui.error(`Error cleaning up step '${this.step.name}': ${error}`);
    }
    ctx.ui.channel.emit({
      type: 'step-finished',
      build,
      step: this.ref,
      phase: 'cleanup',
      durationMs: performance.now() - started,
      outcome: 'continue',
      ...(error ? { error } : {}),
    });
  }
}

/** handleAbortsAndInterupts: prints once, then says which cleanups are skipped; true = do clean up. */
function handleAbortsAndInterrupts(
  state: StateBag,
  ui: BuildUi,
  stepName: string,
  logged: { done: boolean },
): boolean {
  const err = state.get(ERROR);
  const alreadyLogged = logged.done;
  if (err && !alreadyLogged) {
    ui.error(err.message);
    logged.done = true;
  }
  if (state.has(CANCELLED)) {
    if (!alreadyLogged) {
      ui.error('Interrupted, aborting...');
      logged.done = true;
    } else ui.error(`aborted: skipping cleanup of step ${goQuote(stepName)}`);
    return false;
  }
  if (state.has(HALTED)) {
    if (!alreadyLogged) {
      ui.error(`Step ${goQuote(stepName)} failed, aborting...`);
      logged.done = true;
    } else ui.error(`aborted: skipping cleanup of step ${goQuote(stepName)}`);
    return false;
  }
  return true;
}

/** -on-error=abort and run-cleanup-provisioner: skip every cleanup (but StepProvision's for the latter). */
class AbortStep implements Runnable {
  constructor(
    private readonly inner: Runnable,
    private readonly cleanupProvisioner: boolean,
    private readonly logged: { done: boolean },
  ) {}
  get name(): string {
    return this.inner.name;
  }
  run(ctx: StepContext): Promise<StepAction> {
    return this.inner.run(ctx);
  }
  async cleanup(ctx: CleanupContext): Promise<void> {
    if (this.inner.name === 'StepProvision' && this.cleanupProvisioner) return this.inner.cleanup(ctx);
    if (!handleAbortsAndInterrupts(ctx.state, ctx.ui, this.inner.name, this.logged)) return;
    return this.inner.cleanup(ctx);
  }
}

/** -on-error=ask: on failure, ask to clean up, abort or retry the step. */
class AskStep implements Runnable {
  constructor(
    private readonly inner: Runnable,
    private readonly logged: { done: boolean },
    private readonly keepForInspection = false,
  ) {}
  get name(): string {
    return this.inner.name;
  }
  async run(ctx: StepContext): Promise<StepAction> {
    for (;;) {
      const action = await this.inner.run(ctx);
      if (action !== 'halt') return action;
      if (ctx.signal.aborted) return action;
      const err = ctx.state.get(ERROR);
      if (err instanceof OnErrorDecision) {
        // Answered where it failed: act on that answer without asking again.
        if (err.choice === 'a') ctx.state.put(ABORTED, true);
        return action;
      }
      if (err) ctx.ui.error(err.message);
      const choice = await this.ask(ctx);
      if (choice === 'c') return action;
      if (choice === 'a') {
        ctx.state.put(ABORTED, true);
        return action;
      }
      // Retry: Kiln clears the error first, so a retry that succeeds lets the build succeed
      // (Packer keeps the old error in state and fails the build anyway).
      ctx.state.delete(ERROR);
    }
  }

  private async ask(ctx: StepContext): Promise<'c' | 'a' | 'r'> {
    ctx.ui.say(`Step ${goQuote(this.inner.name)} failed`);
    let keepOffered = this.keepForInspection;
    for (;;) {
      let line: string;
      try {
        line = await ctx.ui.ask(ON_ERROR_QUERY, 'on-error', {
          subject: this.inner.name,
          signal: ctx.signal,
          choices: [
            { answer: 'c', label: 'Clean up and exit' },
            { answer: 'a', label: 'Abort without cleanup' },
            { answer: 'r', label: 'Retry step' },
            ...(keepOffered ? [KEEP_CHOICE] : []),
          ],
        });
      } catch {
        // No terminal, or interrupted: clean up, as Packer does.
        return 'c';
      }
      const first = (line.toLowerCase() + 'c')[0];
      if (first === 'c' || first === 'a' || first === 'r') return first;
      if (first === 'k' && keepOffered) {
        // Nothing is cleaned up while the question is open; say so and ask again, without `k`.
        keepOffered = false;
        ctx.ui.say(KEEPING_MESSAGE);
        continue;
      }
      ctx.ui.say(`Incorrect input: ${goQuote(line)}`);
    }
  }

  async cleanup(ctx: CleanupContext): Promise<void> {
    if (ctx.state.has(ABORTED) && !handleAbortsAndInterrupts(ctx.state, ctx.ui, this.inner.name, this.logged))
      return;
    return this.inner.cleanup(ctx);
  }
}

/** -debug: a pause after each step's run and before its cleanup. */
class DebugPause implements Runnable {
  constructor(
    readonly name: string,
    private readonly signal: AbortSignal,
  ) {}
  async run(ctx: StepContext): Promise<StepAction> {
    await this.pause(ctx.ui, ctx.state, 'after run of');
    return 'continue';
  }
  async cleanup(ctx: CleanupContext): Promise<void> {
    await this.pause(ctx.ui, ctx.state, 'before cleanup of');
  }
  private async pause(ui: BuildUi, state: StateBag, where: string): Promise<void> {
    if (state.has(CANCELLED)) return;
    try {
      await ui.ask(`Pausing ${where} step '${this.name}'. Press enter to continue.`, 'debug-step', {
        subject: this.name,
        signal: this.signal,
      });
    } catch {
      // Packer logs the Ask error and goes on.
    }
  }
}

/**
 * Runs the steps: each in order until one halts or the build is cancelled, then the cleanup of every
 * step that ran, in reverse order. The outcome is in the state: ERROR, CANCELLED, HALTED, ABORTED.
 */
export async function runSteps(
  steps: readonly Step[],
  ctx: StepContext,
  options: RunnerOptions,
): Promise<void> {
  const logged = { done: false };
  let runnables: Runnable[] = steps.map((s, i) => {
    const inner = new InstrumentedStep(s, i);
    switch (options.onError) {
      case 'abort':
        return new AbortStep(inner, false, logged);
      case 'run-cleanup-provisioner':
        return new AbortStep(inner, true, logged);
      case 'ask':
        return new AskStep(inner, logged, options.keepForInspection);
      default:
        return inner;
    }
  });
  if (options.debug) runnables = runnables.flatMap((r) => [r, new DebugPause(r.name, ctx.signal)]);

  const { state, signal } = ctx;
  const onAbort = () => state.put(CANCELLED, true);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });

  const ran: Runnable[] = [];
  try {
    for (const step of runnables) {
      if (signal.aborted || state.has(CANCELLED)) {
        state.put(CANCELLED, true);
        break;
      }
      ran.push(step);
      const action = await step.run(ctx);
      if (state.has(CANCELLED)) break;
      if (action === 'halt') {
        state.put(HALTED, true);
        break;
      }
    }
  } finally {
    const cleanupCtx: CleanupContext = { state, ui: ctx.ui };
    for (const step of ran.reverse()) await step.cleanup(cleanupCtx);
    signal.removeEventListener('abort', onAbort);
  }
}
