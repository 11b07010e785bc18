/**
 * Where `kiln build` gets answers to prompts (breakpoints, -debug pauses, -on-error=ask): the terminal
 * like Packer, or an `--answers` file (one answer per line, in order). Prompts are asked one at a time
 * even when parallel builds ask together, as Packer's UI lock does.
 */
import { createInterface } from 'node:readline';
import type { Interface } from 'node:readline';
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

export class TerminalAnswers implements AnswerSource {
  readonly kind = 'terminal';
  private rl: Interface | undefined;
  private queued: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private ended = false;

  constructor(private readonly input: NodeJS.ReadableStream) {}

  private open(): void {
    if (this.rl) return;
    this.rl = createInterface({ input: this.input, terminal: false });
    this.rl.on('line', (line) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (w) w(line);
      else this.queued.push(line);
    });
    this.rl.on('close', () => {
      this.ended = true;
      const w = this.waiting;
      this.waiting = undefined;
      w?.(undefined);
    });
  }

  next(signal: AbortSignal): Promise<string | undefined> {
    this.open();
    if (this.queued.length) return Promise.resolve(this.queued.shift());
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiting = (line) => {
        signal.removeEventListener('abort', onAbort);
        resolve(line);
      };
      const onAbort = () => {
        this.waiting = undefined;
        resolve(undefined);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.rl?.close();
    // Let the process exit: stdin must not keep the event loop alive after the build.
    (this.input as NodeJS.ReadableStream & { pause?: () => void }).pause?.();
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
