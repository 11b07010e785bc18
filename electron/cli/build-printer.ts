/**
 * Prints a build run's events the way `packer build` does: `==> name: …` for say and error,
 * `    name: …` for message (Packer ≤ 1.12), per-build colours, -timestamp-ui, -machine-readable, the
 * `Build 'x' finished after …` lines with durafmt durations, and the summary at the end.
 */
import type { BuildEvent, LogLevel, Prompt } from '../engine/build/events';
import { formatDurafmt } from '../engine/build/duration';

export interface PrinterOptions {
  color: boolean;
  timestamp: boolean;
  machineReadable: boolean;
  write(text: string): void;
  /** Clock for machine-readable lines and timestamps (tests fix it). */
  now?: () => Date;
}

const COLORS = [32, 36, 35, 33, 34]; // green, cyan, magenta, yellow, blue
const RED = 31;

/** Go's time.RFC3339 in UTC, as Packer's TimestampedUi prints it. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Packer's TargetedUI.prefixLines: each line prefixed, trailing whitespace of the whole trimmed. */
export function prefixLines(target: string, text: string, arrow: boolean): string {
  const head = arrow ? '==>' : '   ';
  return text
    .split('\n')
    .map((line) => `${head} ${target}: ${line}`)
    .join('\n')
    .replace(/\s+$/u, '');
}

export function machineEscape(text: string): string {
  return text.replace(/,/g, '%!(PACKER_COMMA)').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

export class BuildPrinter {
  private colorOf = new Map<string, number>();
  private readonly now: () => Date;

  constructor(private readonly options: PrinterOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Prints `name: output will be in this color.` for each build, as Packer does before building. */
  announce(builds: readonly string[]): void {
    builds.forEach((b, i) => this.colorOf.set(b, COLORS[i % COLORS.length]));
    if (!this.options.color || this.options.machineReadable) return;
    builds.forEach((b, i) => {
      this.line(this.colorize(`${b}: output will be in this color.`, this.colorOf.get(b)!, true));
      if (i + 1 === builds.length) this.line('');
    });
  }

  /** Text in a build's colour (the `--console` line prefixes); unchanged without colour. */
  paint(build: string, text: string): string {
    return this.colorize(text, this.colorOf.get(build), false);
  }

  private line(text: string): void {
    this.options.write(`${text}\n`);
  }

  private colorize(text: string, color: number | undefined, bold: boolean): string {
    if (!this.options.color || color === undefined) return text;
    return `\x1b[${bold ? 1 : 0};${color}m${text}\x1b[0m`;
  }

  private machine(target: string, type: string, ...args: string[]): void {
    const stamp = Math.floor(this.now().getTime() / 1000);
    this.line(`${stamp},${target},${type},${args.map(machineEscape).join(',')}`);
  }

  /** A message on a build's UI (Packer's per-build BasicUi, wrapped in colour and timestamps). */
  private buildUi(build: string | undefined, level: LogLevel, text: string): void {
    if (this.options.machineReadable) {
      this.machine('', 'ui', level, text);
      return;
    }
    let out = text;
    if (build !== undefined && this.options.timestamp) out = `${rfc3339(this.now())}: ${out}`;
    if (build !== undefined) {
      const color = level === 'error' ? RED : this.colorOf.get(build);
      out = this.colorize(out, color, level !== 'message');
    }
    this.line(out);
  }

  /** The prompt, without a newline: the answer (echoed by the terminal or printed by `answered`) ends it. */
  prompt(prompt: Prompt): void {
    const text = `${prefixLines(prompt.target, prompt.query, true)} `;
    this.options.write(this.colorize(text, this.colorOf.get(prompt.build), true));
  }

  /** Echoes an answer that did not come from the terminal, as the terminal would have. */
  answered(answer: string): void {
    this.options.write(`${answer}\n`);
  }

  event(event: BuildEvent): void {
    switch (event.type) {
      case 'log': {
        if (event.target === undefined) {
          this.buildUi(undefined, event.level, event.text);
          return;
        }
        this.buildUi(
          event.build,
          event.level,
          prefixLines(event.target, event.text, event.level !== 'message'),
        );
        return;
      }
      case 'build-finished': {
        const d = formatDurafmt(event.durationMs);
        if (event.status === 'failed')
          this.buildUi(event.build, 'error', `Build '${event.build}' errored after ${d}: ${event.error}`);
        else this.buildUi(event.build, 'say', `Build '${event.build}' finished after ${d}.`);
        return;
      }
      case 'run-finished':
        this.summary(event);
        return;
      default:
        return;
    }
  }

  private plain(level: LogLevel, text: string): void {
    if (this.options.machineReadable) this.machine('', 'ui', level, text);
    else this.line(text);
  }

  private summary(event: Extract<BuildEvent, { type: 'run-finished' }>): void {
    this.plain('say', `\n==> Wait completed after ${formatDurafmt(event.durationMs)}`);
    if (event.cancelled) {
      this.plain('say', 'Cleanly cancelled builds after being interrupted.');
      return;
    }
    const failed = event.results.filter((r) => r.status === 'failed');
    if (failed.length) {
      if (this.options.machineReadable) this.machine('', 'error-count', String(failed.length));
      this.plain('error', "\n==> Some builds didn't complete successfully and had errors:");
      for (const r of failed) {
        if (this.options.machineReadable) this.machine(r.build, 'error', r.error ?? '');
        this.plain('error', `--> ${r.build}: ${r.error}`);
      }
    }
    const succeeded = event.results.filter((r) => r.status === 'succeeded' && r.artifacts.length);
    if (!succeeded.length) {
      this.plain('say', '\n==> Builds finished but no artifacts were created.');
      return;
    }
    this.plain('say', '\n==> Builds finished. The artifacts of successful builds are:');
    for (const r of succeeded) {
      if (this.options.machineReadable) this.machine(r.build, 'artifact-count', String(r.artifacts.length));
      r.artifacts.forEach((a, i) => {
        if (this.options.machineReadable) {
          const n = String(i);
          this.machine(r.build, 'artifact', n, 'builder-id', a.builderId);
          this.machine(r.build, 'artifact', n, 'id', a.id);
          this.machine(r.build, 'artifact', n, 'string', a.description);
          this.machine(r.build, 'artifact', n, 'files-count', String(a.files.length));
          a.files.forEach((f, fi) => this.machine(r.build, 'artifact', n, 'file', String(fi), f));
          this.machine(r.build, 'artifact', n, 'end');
        }
        this.plain('say', `--> ${r.build}: ${a.description}`);
      });
    }
  }
}
