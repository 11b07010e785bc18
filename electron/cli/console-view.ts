/**
 * `kiln build --console`: one terminal shows both the build's messages and the VMs' serial consoles.
 * One console is written byte for byte; several are written a line at a time, each line prefixed with
 * its build's name. Whoever writes after the other starts on a fresh line, so a message never lands in
 * the middle of a half-printed console line (a `login: ` prompt) and console output never continues a
 * message. While a prompt waits for an answer, console output is held back and shown after it.
 */

export interface ConsoleViewOptions {
  write(data: string | Uint8Array): void;
  /** Prefix each console line with its build's name (several consoles shown at once). */
  prefixed: boolean;
  /** The builds whose consoles are shown. */
  builds: readonly string[];
  /** The terminal understands escape sequences: reset the guest's colours before Kiln's text. */
  tty: boolean;
  /** Colours a build's prefix as the printer colours its messages (identity without colour). */
  paint?: (build: string, text: string) => string;
  /** Most console bytes held while a prompt is open; older ones are dropped (the console log has all). */
  holdLimit?: number;
}

const MESSAGES = Symbol('messages');
const NEWLINE = 0x0a;
/** Control sequences (CSI ...) and carriage returns: what leaves the cursor on a line without text. */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\r/g;

function hasVisibleText(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  return Buffer.from(bytes).toString('latin1').replace(INVISIBLE, '') !== '';
}

export class ConsoleView {
  /** Who left the cursor in the middle of a line: Kiln's messages, a build's console, or nobody. */
  private lineOwner: string | typeof MESSAGES | undefined;
  /** The last thing written was console output (which may have changed the terminal's colours). */
  private consoleWroteLast = false;
  private held: Array<{ build: string; data: Uint8Array }> | undefined;
  private heldBytes = 0;
  private droppedBytes = 0;
  private readonly shown: ReadonlySet<string>;
  private readonly prefixWidth: number;

  constructor(private readonly options: ConsoleViewOptions) {
    this.shown = new Set(options.builds);
    this.prefixWidth = Math.max(0, ...options.builds.map((b) => b.length));
  }

  /** Kiln's own output (the printer's lines, a prompt, the interrupt message). */
  message(text: string): void {
    if (text === '') return;
    this.leaveConsole();
    if (this.lineOwner !== undefined && this.lineOwner !== MESSAGES) this.options.write('\n');
    this.options.write(text);
    this.lineOwner = text.endsWith('\n') ? undefined : MESSAGES;
  }

  /** The terminal ended the line itself (the answer to a prompt was typed and echoed with Enter). */
  lineEndedByTerminal(): void {
    if (this.lineOwner === MESSAGES) this.lineOwner = undefined;
  }

  /** Bytes from a build's serial console. */
  console(build: string, data: Uint8Array): void {
    if (!this.shown.has(build) || data.length === 0) return;
    if (this.held) {
      this.hold(build, data);
      return;
    }
    if (this.options.prefixed) this.prefixedLines(build, data);
    else this.raw(build, data);
  }

  /** Holds console output back (a prompt is open) until release(). */
  pause(): void {
    this.held ??= [];
  }

  /** Shows what was held, saying how much was dropped if the hold overflowed. */
  release(): void {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    if (this.droppedBytes > 0) {
      this.message(
        `(${this.droppedBytes} bytes of console output were not shown while waiting for an answer; the console log has them)\n`,
      );
      this.droppedBytes = 0;
    }
    this.heldBytes = 0;
    for (const chunk of held) this.console(chunk.build, chunk.data);
  }

  private hold(build: string, data: Uint8Array): void {
    const held = this.held!;
    held.push({ build, data: Uint8Array.from(data) });
    this.heldBytes += data.length;
    const limit = this.options.holdLimit ?? 4 * 1024 * 1024;
    while (this.heldBytes > limit && held.length > 1) {
      const dropped = held.shift()!;
      this.heldBytes -= dropped.data.length;
      this.droppedBytes += dropped.data.length;
    }
  }

  /** One console: its bytes as they are, on a fresh line after Kiln's text. */
  private raw(build: string, data: Uint8Array): void {
    if (this.lineOwner === MESSAGES) this.options.write('\n');
    this.options.write(data);
    this.consoleWroteLast = true;
    const lastNewline = data.lastIndexOf(NEWLINE);
    if (lastNewline >= 0) {
      this.lineOwner = hasVisibleText(data.subarray(lastNewline + 1)) ? build : undefined;
    } else if (hasVisibleText(data)) this.lineOwner = build;
  }

  /** Several consoles: every line starts with `name | `, and a line another writer interrupted is resumed on a new prefixed line. */
  private prefixedLines(build: string, data: Uint8Array): void {
    let start = 0;
    while (start < data.length) {
      const newline = data.indexOf(NEWLINE, start);
      const end = newline < 0 ? data.length : newline + 1;
      const segment = data.subarray(start, end);
      start = end;
      if (this.lineOwner !== build) {
        if (this.lineOwner !== undefined) this.options.write('\n');
        this.leaveConsole();
        const prefix = `${build.padEnd(this.prefixWidth)} | `;
        this.options.write(this.options.paint ? this.options.paint(build, prefix) : prefix);
      }
      this.options.write(segment);
      this.consoleWroteLast = true;
      this.lineOwner = newline < 0 ? build : undefined;
    }
  }

  /** Resets colours a guest may have left set, before Kiln writes its own text. */
  private leaveConsole(): void {
    if (this.consoleWroteLast && this.options.tty) this.options.write('\x1b[0m');
    this.consoleWroteLast = false;
  }
}
