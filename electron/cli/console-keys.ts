/**
 * `kiln build --console`: what is typed on the terminal goes to the VM's serial console while the VM
 * runs. On a terminal, stdin is in raw mode then (every key as the guest expects it: Enter as `\r`,
 * arrows and Tab as their sequences), except for two keys Kiln keeps: Ctrl-] stops typing into the VM
 * (the console output goes on), and Ctrl-C cancels the build as it always does. Piped stdin is
 * passed through as it comes. Typing pauses while a build prompt waits for its answer.
 */
import type { VmControls } from '../engine/build/live';

export const STOP_TYPING = 0x1d; // Ctrl-]
export const INTERRUPT = 0x03; // Ctrl-C

export interface ConsoleInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface ConsoleKeysOptions {
  input: ConsoleInput;
  /** The VM typed into, while it runs. */
  vm: () => VmControls | undefined;
  /** Ctrl-C on a raw terminal: cancel the build. */
  onInterrupt(): void;
  /** Tells the person at the terminal what happened (typing stopped). */
  note(text: string): void;
}

export class ConsoleKeys {
  private vmRunning = false;
  private prompting = false;
  /** Ctrl-], Ctrl-C, the end of stdin or the end of the run: typing is over for good. */
  private stopped = false;
  private reading = false;
  private readonly raw: boolean;

  constructor(private readonly options: ConsoleKeysOptions) {
    this.raw = options.input.isTTY === true && typeof options.input.setRawMode === 'function';
  }

  /** The VM's console became available (its handle was published) or went away. */
  setVmRunning(running: boolean): void {
    this.vmRunning = running;
    this.update();
  }

  /** A prompt is open: its answer is read from the terminal, a line at a time, not typed into the VM. */
  setPrompting(prompting: boolean): void {
    this.prompting = prompting;
    this.update();
  }

  /** Ends typing (the run ended or was cancelled); leaves the terminal as it was. */
  stop(): void {
    this.stopped = true;
    this.update();
  }

  private readonly onData = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (!this.raw) {
      this.forward(bytes);
      return;
    }
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] !== STOP_TYPING && bytes[i] !== INTERRUPT) continue;
      this.forward(bytes.subarray(0, i));
      this.stop();
      if (bytes[i] === INTERRUPT) this.options.onInterrupt();
      else this.options.note('Stopped typing into the serial console (Ctrl-]); its output goes on.');
      return;
    }
    this.forward(bytes);
  };

  private readonly onEnd = (): void => this.stop();

  private forward(bytes: Uint8Array): void {
    if (bytes.length) this.options.vm()?.writeConsole(bytes);
  }

  private update(): void {
    const read = this.vmRunning && !this.prompting && !this.stopped;
    if (read === this.reading) return;
    this.reading = read;
    const { input } = this.options;
    if (read) {
      if (this.raw) input.setRawMode!(true);
      input.on('data', this.onData);
      input.on('end', this.onEnd);
      input.resume();
    } else {
      input.removeListener('data', this.onData);
      input.removeListener('end', this.onEnd);
      input.pause();
      if (this.raw) input.setRawMode!(false);
    }
  }
}
