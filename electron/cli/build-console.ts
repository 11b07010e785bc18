/**
 * `kiln build --console[=NAME]`: which serial consoles a run shows, and the wiring of the terminal to
 * them: console events to the ConsoleView (with the printer's messages), the keyboard to the VM
 * (ConsoleKeys) while its `vm` handle is published, both paused while a prompt waits for an answer.
 */
import type { BuildEvent } from '../engine/build/events';
import type { BuildSession } from '../engine/build/session';
import type { ConsoleInput } from './console-keys';
import { ConsoleKeys } from './console-keys';
import { ConsoleView } from './console-view';

/** The console stream the VM builders emit for the serial line. */
export const SERIAL_STREAM = 'serial';
/** Builders that run a VM with a serial console. */
const VM_BUILDERS: ReadonlySet<string> = new Set(['qemu']);

export interface ConsoleChoice {
  /** Builds whose consoles are shown. */
  shown: string[];
  /** The one console typed into (only when one is shown). */
  typeInto?: string;
}

/**
 * `requested` is `''` for a bare `--console` (the VM builds' consoles: typeable when there is one), or
 * a build name (exact, or a unique last part: `guest` for `qemu.guest`). A string is an error message.
 */
export function chooseConsoles(
  builds: ReadonlyArray<{ name: string; builderType: string }>,
  requested: string,
): ConsoleChoice | string {
  const names = builds.map((b) => b.name);
  if (requested !== '') {
    const exact = names.filter((n) => n === requested);
    const byLastPart = names.filter((n) => n.endsWith(`.${requested}`));
    const found = exact.length ? exact : byLastPart;
    if (found.length === 1) return { shown: found, typeInto: found[0] };
    const list = names.length ? names.join(', ') : 'none';
    return found.length > 1
      ? `--console=${requested}: several builds match (${found.join(', ')}); name one of them`
      : `--console=${requested}: no build of this run is named "${requested}" (builds: ${list})`;
  }
  const vms =
    builds.length === 1 ? names : builds.filter((b) => VM_BUILDERS.has(b.builderType)).map((b) => b.name);
  return vms.length === 1 ? { shown: vms, typeInto: vms[0] } : { shown: vms };
}

export interface BuildConsoleOptions {
  choice: ConsoleChoice;
  output: { write(data: string | Uint8Array): void; isTTY?: boolean };
  /** The keyboard; typing is off without it. */
  input?: ConsoleInput;
  /** Colours a build's line prefix as its messages. */
  paint?: (build: string, text: string) => string;
  /** Prints a Kiln message for a build (`==> name: text`), or for the run when build is undefined. */
  say(build: string | undefined, text: string): void;
  /** Ctrl-C typed on the raw terminal. */
  onInterrupt(): void;
}

export class BuildConsole {
  private readonly view: ConsoleView;
  private readonly keys: ConsoleKeys | undefined;
  private readonly unsubscribe: () => void;
  private announced = new Set<string>();
  private prompting = false;

  constructor(
    private readonly session: BuildSession,
    private readonly options: BuildConsoleOptions,
  ) {
    const { choice } = options;
    this.view = new ConsoleView({
      write: (data) => options.output.write(data),
      prefixed: choice.shown.length > 1,
      builds: choice.shown,
      tty: options.output.isTTY === true,
      ...(options.paint ? { paint: options.paint } : {}),
    });
    const typeInto = choice.typeInto;
    if (typeInto !== undefined && options.input) {
      this.keys = new ConsoleKeys({
        input: options.input,
        vm: () => session.channel.handle(typeInto, 'vm'),
        onInterrupt: () => options.onInterrupt(),
        note: (text) => options.say(typeInto, text),
      });
    }
    this.unsubscribe = session.subscribe((event) => this.onEvent(event));
  }

  /** Where the printer writes: Kiln's messages share the terminal with the consoles. */
  write(text: string): void {
    this.view.message(text);
  }

  /** Stops typing (cancel, end of the run) and restores the terminal. */
  stopTyping(): void {
    this.keys?.stop();
  }

  dispose(): void {
    this.keys?.stop();
    this.unsubscribe();
    this.view.release();
  }

  private onEvent(event: BuildEvent): void {
    if (event.type === 'console') {
      if (event.stream === SERIAL_STREAM) this.view.console(event.build, event.data);
      return;
    }
    if (event.type === 'handle' && event.name === 'vm') {
      if (event.available) this.announce(event.build);
      if (event.build === this.options.choice.typeInto) this.keys?.setVmRunning(event.available);
    }
    if (event.type === 'prompt-answered' && event.source === 'terminal') this.view.lineEndedByTerminal();
    // Prompts come and go with events, and also end without one (cancelled): ask the channel.
    const prompting = this.session.channel.openPrompts().length > 0;
    if (prompting === this.prompting) return;
    this.prompting = prompting;
    this.keys?.setPrompting(prompting);
    if (prompting) this.view.pause();
    else this.view.release();
  }

  private announce(build: string): void {
    const { choice } = this.options;
    if (!choice.shown.includes(build)) return;
    if (choice.shown.length > 1) {
      if (this.announced.size === 0)
        this.options.say(
          undefined,
          "Serial consoles follow, each line prefixed with its build's name (--console=NAME shows one and types into it).",
        );
      this.announced.add(build);
      return;
    }
    if (this.announced.has(build)) return;
    this.announced.add(build);
    const input = this.keys ? this.options.input : undefined;
    this.options.say(
      build,
      input?.isTTY
        ? 'Serial console follows: what you type goes to the VM (Ctrl-] stops typing, Ctrl-C cancels the build).'
        : input
          ? 'Serial console follows; stdin is typed into it.'
          : 'Serial console follows.',
    );
  }
}
