/**
 * Runs planned builds for the terminal: a session, Packer's printer, prompts answered from the
 * terminal or an answers file, Ctrl-C cancelling everything. Returns Packer's exit code.
 */
import type { PlannedBuild, RunOptions } from '../engine/build/session';
import { BuildSession } from '../engine/build/session';
import type { AnswerSource } from './answers';
import { PromptDriver } from './answers';
import type { PrinterOptions } from './build-printer';
import { BuildPrinter } from './build-printer';

export interface TerminalRunOptions {
  run: Omit<RunOptions, 'canAnswer'>;
  printer: PrinterOptions;
  answers?: AnswerSource;
  /** Ctrl-C. */
  signal: AbortSignal;
  /** Exit code before the builds ran (1 when some builds failed to prepare). */
  initialExitCode?: number;
  /** Printed for Ctrl-C, as Packer: `Cancelling build after receiving interrupt`. */
  interruptMessage?: () => string;
}

export async function runForTerminal(
  builds: readonly PlannedBuild[],
  options: TerminalRunOptions,
): Promise<number> {
  const printer = new BuildPrinter(options.printer);
  const session = new BuildSession(builds, { ...options.run, canAnswer: options.answers !== undefined });
  session.subscribe((event) => printer.event(event));
  new PromptDriver(session, options.answers, printer);
  const onAbort = () => {
    const message = options.interruptMessage?.() ?? 'Cancelling build after receiving interrupt';
    options.printer.write(`${message}\n`);
    session.control({ type: 'abort', reason: message });
  };
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener('abort', onAbort, { once: true });
  printer.announce(builds.map((b) => b.name));
  try {
    const result = await session.run();
    if (result.cancelled) return 1;
    if (result.results.some((r) => r.status === 'failed')) return 1;
    return options.initialExitCode ?? 0;
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    options.answers?.close();
  }
}
