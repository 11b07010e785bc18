/**
 * Where `kiln build` gets answers to prompts (breakpoints, -debug pauses, -on-error=ask): the terminal
 * like Packer, or an `--answers` file (one answer per line, in order). Prompts are asked one at a time
 * even when parallel builds ask together, as Packer's UI lock does.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Prompt } from '../engine/build/events';
import type { BuildSession } from '../engine/build/session';
import type { BuildPrinter } from './build-printer';

export interface AnswerSource {
  readonly kind: 'terminal' | 'file';
  /** The next answer, or undefined when there are no more. */
  next(signal: AbortSignal): Promise<string | undefined>;
  close(): void;
}

export class FileAnswers implements AnswerSource {
  readonly kind = 'file';
  private readonly lines: string[];

  constructor(text: string) {
    this.lines = text.split(/\r?\n/);
    if (this.lines[this.lines.length - 1] === '') this.lines.pop();
  }

  async next(): Promise<string | undefined> {
    return this.lines.shift();
  }

  close(): void {}
}

/**
 * Answers typed on the terminal, a line each. Stdin is read only while a question waits, so between
 * questions it belongs to whoever else reads it (`kiln build --console` types it into the VM).
 */
export class TerminalAnswers implements AnswerSource {
  readonly kind = 'terminal';
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';
  private queued: string[] = [];
  private ended = false;

  constructor(private readonly input: NodeJS.ReadableStream) {}

  /** Moves complete lines from the buffer to the queue (`\n` or `\r\n` ends a line, as readline). */
  private takeLines(): void {
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      this.queued.push(this.buffer.slice(0, nl).replace(/\r$/, ''));
      this.buffer = this.buffer.slice(nl + 1);
    }
  }

  next(signal: AbortSignal): Promise<string | undefined> {
    if (this.queued.length) return Promise.resolve(this.queued.shift());
    if (this.ended || signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const finish = (line: string | undefined) => {
        this.input.removeListener('data', onData);
        this.input.removeListener('end', onEnd);
        signal.removeEventListener('abort', onAbort);
        this.input.pause();
        resolve(line);
      };
      const onData = (chunk: Buffer | string) => {
        this.buffer += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
        this.takeLines();
        if (this.queued.length) finish(this.queued.shift());
      };
      const onEnd = () => {
        this.ended = true;
        // The last line may have no newline, as readline gives it.
        const last = this.buffer + this.decoder.end();
        this.buffer = '';
        finish(last === '' ? undefined : last);
      };
      const onAbort = () => finish(undefined);
      this.input.on('data', onData);
      this.input.on('end', onEnd);
      signal.addEventListener('abort', onAbort, { once: true });
      this.input.resume();
    });
  }

  close(): void {
    // Let the process exit: stdin must not keep the event loop alive after the build.
    this.input.pause();
  }
}

/** Answers a session's prompts from `source`, printing them as Packer does. */
export class PromptDriver {
  private queue: Prompt[] = [];
  private busy = false;

  constructor(
    private readonly session: BuildSession,
    private readonly source: AnswerSource | undefined,
    private readonly printer: BuildPrinter,
  ) {
    session.subscribe((event) => {
      if (event.type === 'prompt') {
        this.queue.push(event.prompt);
        void this.pump();
      }
    });
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length) {
        const prompt = this.queue.shift()!;
        if (!this.source) {
          this.session.failPrompt(prompt.id);
          continue;
        }
        this.printer.prompt(prompt);
        const answer = await this.source.next(this.session.signal);
        if (answer === undefined) {
          this.printer.answered('');
          this.session.failPrompt(prompt.id);
          continue;
        }
        if (this.source.kind === 'file') this.printer.answered(answer);
        this.session.control({
          type: 'answer',
          promptId: prompt.id,
          answer: answer.trim(),
          source: this.source.kind,
        });
      }
    } finally {
      this.busy = false;
    }
  }
}
