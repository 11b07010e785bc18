/**
 * Runs planned builds for the terminal: a session, Packer's printer, prompts answered from the
 * terminal or an answers file, Ctrl-C cancelling everything, and with `--console` the VMs' serial
 * consoles in the same terminal. Returns Packer's exit code.
 */
import type { PlannedBuild, RunOptions } from '../engine/build/session';
import { BuildSession } from '../engine/build/session';
import type { AnswerSource } from './answers';
import type { ConsoleChoice } from './build-console';
import { BuildConsole } from './build-console';
import type { ConsoleInput } from './console-keys';
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
  /** `--console`: the serial consoles to show, where (bytes as they are), and the keyboard typed into them. */
  console?: {
    choice: ConsoleChoice;
    output: { write(data: string | Uint8Array): void; isTTY?: boolean };
    input?: ConsoleInput;
  };
}

export async function runForTerminal(
  builds: readonly PlannedBuild[],
  options: TerminalRunOptions,
): Promise<number> {
  const session = new BuildSession(builds, { ...options.run, canAnswer: options.answers !== undefined });
  let interrupted = false;
  const onAbort = () => {
    if (interrupted) return;
    interrupted = true;
    buildConsole?.stopTyping();
    const message = options.interruptMessage?.() ?? 'Cancelling build after receiving interrupt';
    write(`${message}\n`);
    session.control({ type: 'abort', reason: message });
  };
  let write = options.printer.write;
  let buildConsole: BuildConsole | undefined;
  const printer = new BuildPrinter({ ...options.printer, write: (text) => write(text) });
  if (options.console) {
    const shown = options.console;
    // Subscribed before the prompt driver: a prompt takes the keyboard back before its answer is read.
    buildConsole = new BuildConsole(session, {
      choice: shown.choice,
      output: shown.output,
      ...(shown.input ? { input: shown.input } : {}),
      paint: (build, text) => printer.paint(build, text),
      say: (build, text) =>
        printer.event({
          type: 'log',
          time: Date.now(),
          level: 'say',
          text,
          ...(build === undefined ? {} : { build, target: build }),
        }),
      onInterrupt: onAbort,
    });
    const view = buildConsole;
    write = (text) => view.write(text);
  }
  session.subscribe((event) => printer.event(event));
  new PromptDriver(session, options.answers, printer);
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
    buildConsole?.dispose();
    options.answers?.close();
  }
}
