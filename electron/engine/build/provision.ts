/**
 * Running the template's provisioners: the provision hook with Packer's per-provisioner wrappers
 * (pause_before, timeout, max_retries, -debug pauses, and Kiln's gutter breakpoints), and
 * StepProvision, the step builders put where provisioning happens.
 */
import { formatGoDuration } from './duration';
import type { BuildInfo, Provisioner, ProvisionerContext, ProvisionHook } from './components';
import type { CleanupContext, Step, StepAction, StepContext } from './step';
import { COMM_DATA, COMMUNICATOR, ERROR, GENERATED_DATA, HTTP_IP, HTTP_PORT, INSTANCE_ID } from './step';
import type { StateBag } from './state';
import type { TempSpace } from './temp';
import type { BuildUi } from './ui';
import { errorMessage, KEEP_CHOICE, KEEPING_MESSAGE, OnErrorDecision } from './runner';
import type { ComponentRole } from './events';

/** A provisioner of the plan, created when it runs so its config sees the generated data of that moment. */
export interface PlannedProvisioner {
  type: string;
  name: string;
  /** Component address (`provisioners[2]`, `build[0].provisioner[1]`), for breakpoints. */
  address: string;
  /** Milliseconds. */
  pauseBefore: number;
  maxRetries: number;
  /** Milliseconds. */
  timeout: number;
  create(generatedData: Readonly<Record<string, string>>): Provisioner | Promise<Provisioner>;
}

export const HTTP_IP_NOT_IMPLEMENTED = 'ERR_HTTP_IP_NOT_IMPLEMENTED_BY_BUILDER';
export const HTTP_PORT_NOT_IMPLEMENTED = 'ERR_HTTP_PORT_NOT_IMPLEMENTED_BY_BUILDER';
export const HTTP_ADDR_NOT_IMPLEMENTED = 'ERR_HTTP_ADDR_NOT_IMPLEMENTED_BY_BUILDER';

/** Packer's PopulateProvisionHookData: the generated data provisioners see. */
export function provisionHookData(state: StateBag, runUuid: string): Record<string, string> {
  const data: Record<string, string> = { ...(state.get(GENERATED_DATA) ?? {}) };
  data.ID = state.get(INSTANCE_ID) ?? 'ERR_ID_NOT_IMPLEMENTED_BY_BUILDER';
  data.PackerRunUUID = runUuid;
  const ip = state.get(HTTP_IP);
  const port = state.get(HTTP_PORT);
  data.PackerHTTPIP = ip ?? HTTP_IP_NOT_IMPLEMENTED;
  data.PackerHTTPPort = port === undefined ? HTTP_PORT_NOT_IMPLEMENTED : String(port);
  data.PackerHTTPAddr = ip !== undefined && port !== undefined ? `${ip}:${port}` : HTTP_ADDR_NOT_IMPLEMENTED;
  Object.assign(data, state.get(COMM_DATA) ?? {});
  return data;
}

/** An AbortSignal that aborts with `reason` after `ms`, or when `parent` aborts. */
function timeoutSignal(
  parent: AbortSignal,
  ms: number,
  onTimeout: () => void,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onParent = () => controller.abort(parent.reason);
  if (parent.aborted) onParent();
  else parent.addEventListener('abort', onParent, { once: true });
  const timer = setTimeout(() => {
    onTimeout();
    controller.abort(new Error('context deadline exceeded'));
  }, ms);
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParent);
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error('context canceled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

type HookContext = Omit<ProvisionerContext, 'build' | 'temp'>;

export interface HookOptions {
  build: BuildInfo;
  temp: TempSpace;
  /** Component addresses to pause before (breakpoints set in the editor gutter). */
  breakpoints?: ReadonlySet<string>;
  /**
   * With -on-error=ask, ask at the failed provisioner itself (the app): retry it, continue with the
   * next one, clean up, abort, or keep the VM for inspection. The CLI asks at the step, as Packer does.
   */
  askPerProvisioner?: boolean;
  /**
   * The provisioner as the template says now, called before each run (after any pause, and for every
   * retry): lets the app run a provisioner its author edited while the build was paused or had failed.
   */
  latest?(provisioner: PlannedProvisioner): Promise<PlannedProvisioner>;
}

const PROVISIONER_ERROR_CHOICES = [
  { answer: 'r', label: 'Retry the provisioner' },
  { answer: 'n', label: 'Continue with the next provisioner' },
  { answer: 'c', label: 'Clean up and exit' },
  { answer: 'a', label: 'Abort without cleanup' },
];

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export class TemplateProvisionHook implements ProvisionHook {
  constructor(
    private readonly provisioners: readonly PlannedProvisioner[],
    private readonly cleanupProvisioner: PlannedProvisioner | undefined,
    private readonly options: HookOptions,
  ) {}

  get hasProvisioners(): boolean {
    return this.provisioners.length > 0;
  }

  async provision(ctx: HookContext): Promise<void> {
    for (const planned of this.provisioners) {
      if (this.options.build.debug) await this.debugPause(ctx, planned);
      if (this.options.breakpoints?.has(planned.address)) await this.breakpoint(ctx, planned);
      let p = planned;
      for (;;) {
        p = await this.current(p);
        try {
          await this.runReported(p, 'provisioner', ctx);
          break;
        } catch (err) {
          if (ctx.signal.aborted || !this.askPerProvisioner) throw err;
          const choice = await this.askAfterFailure(ctx, p, asError(err));
          if (choice === 'r') continue;
          if (choice === 'n') {
            ctx.ui.say(`Continuing after the failed provisioner ${p.address} (${p.type}).`);
            break;
          }
          throw new OnErrorDecision(asError(err), choice);
        }
      }
    }
  }

  async provisionCleanup(ctx: HookContext): Promise<void> {
    if (this.cleanupProvisioner)
      await this.runReported(this.cleanupProvisioner, 'error-cleanup-provisioner', ctx);
  }

  private get askPerProvisioner(): boolean {
    return Boolean(this.options.askPerProvisioner) && this.options.build.onError === 'ask';
  }

  private async current(p: PlannedProvisioner): Promise<PlannedProvisioner> {
    return this.options.latest ? this.options.latest(p) : p;
  }

  /** Runs one provisioner (with its retries) between `component` events, its output attributed to it. */
  private async runReported(p: PlannedProvisioner, role: ComponentRole, ctx: HookContext): Promise<void> {
    const ui = ctx.ui.forComponent(p.address);
    const base = {
      type: 'component' as const,
      build: ui.build,
      address: p.address,
      componentType: p.type,
      role,
    };
    ui.channel.emit({ ...base, phase: 'started' });
    const started = performance.now();
    try {
      await this.runWithRetries(p, { ...ctx, ui });
    } catch (err) {
      ui.channel.emit({
        ...base,
        phase: 'finished',
        outcome: ctx.signal.aborted ? 'cancelled' : 'failed',
        durationMs: performance.now() - started,
        error: errorMessage(err),
      });
      throw err;
    }
    ui.channel.emit({
      ...base,
      phase: 'finished',
      outcome: 'succeeded',
      durationMs: performance.now() - started,
    });
  }

  /** The app's question after a provisioner failed (its retries spent): r, n, c or a; k asks again. */
  private async askAfterFailure(
    ctx: HookContext,
    p: PlannedProvisioner,
    err: Error,
  ): Promise<'r' | 'n' | 'c' | 'a'> {
    const ui = ctx.ui.forComponent(p.address);
    ui.error(err.message);
    let keepOffered = true;
    for (;;) {
      let line: string;
      try {
        line = await ui.ask(
          `Provisioner ${p.address} (${p.type}) failed. [r] retry it, [n] continue with the next, [c] clean up and exit, or [a] abort without cleanup?`,
          'on-error',
          {
            subject: p.address,
            signal: ctx.signal,
            choices: [...PROVISIONER_ERROR_CHOICES, ...(keepOffered ? [KEEP_CHOICE] : [])],
          },
        );
      } catch {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        return 'c';
      }
      const first = (line.toLowerCase() + 'c')[0];
      if (first === 'r' || first === 'n' || first === 'c' || first === 'a') return first;
      if (first === 'k' && keepOffered) {
        keepOffered = false;
        ui.say(KEEPING_MESSAGE);
        continue;
      }
      ui.say(`Incorrect input: ${JSON.stringify(line)}`);
    }
  }

  private async debugPause(ctx: HookContext, p: PlannedProvisioner): Promise<void> {
    try {
      await ctx.ui
        .forComponent(p.address)
        .ask('Pausing before the next provisioner . Press enter to continue.', 'debug-provisioner', {
          signal: ctx.signal,
        });
    } catch {
      if (ctx.signal.aborted) throw ctx.signal.reason;
    }
  }

  private async breakpoint(ctx: HookContext, p: PlannedProvisioner): Promise<void> {
    const ui = ctx.ui.forComponent(p.address);
    ui.say(`Pausing at breakpoint before ${p.address} (${p.type}).`);
    try {
      await ui.ask('Press enter to continue.', 'breakpoint', { subject: p.address, signal: ctx.signal });
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw new Error(`Error asking for input: ${errorMessage(err)}`, { cause: err });
    }
  }

  /** RetriedProvisioner around TimeoutProvisioner around PausedProvisioner (Packer ≥ 1.8 order). */
  private async runWithRetries(p: PlannedProvisioner, ctx: HookContext): Promise<void> {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    let lastError: unknown;
    try {
      await this.runOnce(p, ctx);
      return;
    } catch (err) {
      lastError = err;
    }
    for (let left = p.maxRetries; left > 0; left--) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      ctx.ui.say(
        `Provisioner failed with ${JSON.stringify(errorMessage(lastError))}, retrying with ${left} trie(s) left`,
      );
      try {
        await this.runOnce(p, ctx);
        return;
      } catch (err) {
        lastError = err;
      }
    }
    if (p.maxRetries > 0) ctx.ui.say('retry limit reached.');
    throw lastError;
  }

  private async runOnce(p: PlannedProvisioner, ctx: HookContext): Promise<void> {
    let signal = ctx.signal;
    let dispose = () => {};
    if (p.timeout > 0) {
      ctx.ui.say(`Setting a ${formatGoDuration(p.timeout)} timeout for the next provisioner...`);
      const t = timeoutSignal(ctx.signal, p.timeout, () =>
        ctx.ui.error('Cancelling provisioner after a timeout...'),
      );
      signal = t.signal;
      dispose = t.dispose;
    }
    try {
      if (p.pauseBefore > 0) {
        ctx.ui.say(`Pausing ${formatGoDuration(p.pauseBefore)} before the next provisioner...`);
        await sleep(p.pauseBefore, signal);
      }
      const provisioner = await p.create(ctx.generatedData);
      await provisioner.provision({
        ...ctx,
        signal,
        build: this.options.build,
        temp: this.options.temp,
      });
      if (signal.aborted) throw signal.reason;
    } finally {
      dispose();
    }
  }
}

/** Packer's StepProvision: runs the provision hook; its cleanup runs the error-cleanup-provisioner on error. */
export class StepProvision implements Step {
  readonly name = 'StepProvision';
  readonly title = 'Provision';

  constructor(
    private readonly hook: ProvisionHook,
    private readonly runUuid: string,
  ) {}

  private context(state: StateBag, ui: BuildUi, signal: AbortSignal): HookContext {
    const comm = state.require(COMMUNICATOR);
    const generatedData = provisionHookData(state, this.runUuid);
    state.put(GENERATED_DATA, generatedData);
    return { comm, generatedData, ui, signal };
  }

  async run({ state, ui, signal }: StepContext): Promise<StepAction> {
    const ctx = this.context(state, ui, signal);
    try {
      await this.hook.provision(ctx);
      return 'continue';
    } catch (err) {
      if (!signal.aborted) state.put(ERROR, err instanceof Error ? err : new Error(String(err)));
      return 'halt';
    }
  }

  async cleanup({ state, ui }: CleanupContext): Promise<void> {
    const original = state.get(ERROR);
    if (!original) return;
    ui.say('Provisioning step had errors: Running the cleanup provisioner, if present...');
    // Like Packer's context.Background(): the cleanup provisioner runs even after a cancel.
    const ctx = this.context(state, ui, new AbortController().signal);
    try {
      await this.hook.provisionCleanup(ctx);
    } catch (err) {
      state.put(
        ERROR,
        new Error(`Cleanup failed: ${errorMessage(err)}. Original Provisioning error: ${original.message}`),
      );
    }
  }
}
