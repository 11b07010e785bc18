/**
 * The build history on disk, under the user's data folder: one folder per run with its summary
 * (`run.json`), its events (`events.jsonl`, console bytes left out) and each build's console log. It is
 * bounded: the newest MAX_RUNS runs are kept; a run's log lines stop being kept past EVENTS_CAP bytes
 * (the steps, prompts and artifacts still are); a console log keeps its newest 8–16 MiB in two halves.
 */
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  existsSync,
  openSync,
  promises as fs,
  readSync,
  renameSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import type { ApiBuildEvent, BuildRunSummary, SequencedBuildEvent } from '../../../api/types';
import { writeFileAtomic } from '../files';

export const MAX_RUNS = 50;
export const EVENTS_CAP = 32 * 1024 * 1024;
export const CONSOLE_HALF = 8 * 1024 * 1024;
const FLUSH_MS = 250;
const FLUSH_BYTES = 256 * 1024;

/** Events that make the shape of a run (kept whatever the size); the rest is output. */
const OUTPUT_EVENTS: ReadonlySet<string> = new Set(['log', 'progress', 'key']);

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

const consoleName = (build: string) => `console-${encodeURIComponent(build).replace(/\./g, '%2E')}.log`;

/** Appends to a file in batches: sync writes of whole batches, so a crash loses at most FLUSH_MS. */
class BufferedAppender {
  private chunks: Array<string | Uint8Array> = [];
  private size = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly file: string) {}

  write(data: string | Uint8Array): void {
    this.chunks.push(data);
    this.size += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    if (this.size >= FLUSH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.chunks.length === 0) return;
    const data = Buffer.concat(this.chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
    this.chunks = [];
    this.size = 0;
    try {
      appendFileSync(this.file, data);
    } catch {
      // The history is a record, not the build: a full disk must not stop the build.
    }
  }
}

/** One run's files, written while it runs. */
export class RunRecorder {
  readonly dir: string;
  private readonly events: BufferedAppender;
  private eventBytes = 0;
  private outputDropped = false;
  private readonly consoles = new Map<string, { appender: BufferedAppender; bytes: number }>();
  consoleBytes = 0;

  constructor(
    root: string,
    readonly runId: string,
  ) {
    this.dir = join(root, runId);
    this.events = new BufferedAppender(join(this.dir, 'events.jsonl'));
  }

  async create(summary: BuildRunSummary): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await this.writeSummary(summary);
  }

  writeSummary(summary: BuildRunSummary): Promise<void> {
    return writeFileAtomic(join(this.dir, 'run.json'), `${JSON.stringify(summary)}\n`).catch(() => undefined);
  }

  event(seq: number, event: ApiBuildEvent): void {
    if (this.eventBytes >= EVENTS_CAP && OUTPUT_EVENTS.has(event.type)) {
      if (this.outputDropped) return;
      this.outputDropped = true;
      const note: ApiBuildEvent = {
        type: 'log',
        level: 'error',
        text: `The history keeps the first ${EVENTS_CAP / 1024 / 1024} MiB of this run's output; later lines were shown but not kept.`,
        time: event.time,
      };
      event = note;
    }
    const line = `${JSON.stringify({ seq, event } satisfies SequencedBuildEvent)}\n`;
    this.eventBytes += Buffer.byteLength(line);
    this.events.write(line);
  }

  console(build: string, data: Uint8Array): void {
    let entry = this.consoles.get(build);
    if (!entry) {
      entry = { appender: new BufferedAppender(join(this.dir, consoleName(build))), bytes: 0 };
      this.consoles.set(build, entry);
    }
    if (entry.bytes + data.byteLength > CONSOLE_HALF) {
      // Keep the newest bytes: the current half becomes the older one.
      entry.appender.flush();
      const file = join(this.dir, consoleName(build));
      try {
        if (existsSync(file)) renameSync(file, `${file}.1`);
      } catch {
        // Keep appending to the same file rather than lose bytes.
      }
      entry.bytes = 0;
    }
    entry.bytes += data.byteLength;
    this.consoleBytes += data.byteLength;
    entry.appender.write(data);
  }

  flush(): void {
    this.events.flush();
    for (const c of this.consoles.values()) c.appender.flush();
  }
}

export class BuildHistory {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'builds');
  }

  recorder(runId: string): RunRecorder {
    return new RunRecorder(this.root, runId);
  }

  /** Every run kept, newest first. Runs left running by a Kiln that stopped read as interrupted. */
  async list(): Promise<BuildRunSummary[]> {
    const names = await fs.readdir(this.root).catch(() => [] as string[]);
    const out: BuildRunSummary[] = [];
    for (const name of names) {
      const summary = await this.read(name);
      if (summary) out.push(summary);
    }
    return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.runId.localeCompare(a.runId));
  }

  async read(runId: string): Promise<BuildRunSummary | undefined> {
    const text = await fs.readFile(join(this.root, runId, 'run.json'), 'utf8').catch(() => undefined);
    if (!text) return undefined;
    try {
      return JSON.parse(text) as BuildRunSummary;
    } catch {
      return undefined;
    }
  }

  /**
   * A run's events: every event that shapes it, and the newest `maxOutput` output events (log lines,
   * progress, keys). Returns how many output events were left out.
   */
  async events(
    runId: string,
    maxOutput: number,
  ): Promise<{ events: SequencedBuildEvent[]; truncated: number }> {
    const text = await fs.readFile(join(this.root, runId, 'events.jsonl'), 'utf8').catch(() => '');
    const all: SequencedBuildEvent[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        all.push(JSON.parse(line) as SequencedBuildEvent);
      } catch {
        // A line cut short by a crash.
      }
    }
    const outputCount = all.filter((e) => OUTPUT_EVENTS.has(e.event.type)).length;
    let skip = Math.max(0, outputCount - maxOutput);
    const truncated = skip;
    const events = all.filter((e) => {
      if (!OUTPUT_EVENTS.has(e.event.type)) return true;
      if (skip > 0) {
        skip--;
        return false;
      }
      return true;
    });
    return { events, truncated };
  }

  /** The newest `max` bytes of a build's console log. */
  consoleTail(runId: string, build: string, max: number): Uint8Array {
    const file = join(this.root, runId, consoleName(build));
    const parts: Buffer[] = [];
    let left = max;
    for (const f of [file, `${file}.1`]) {
      if (left <= 0) break;
      const tail = readTail(f, left);
      parts.unshift(tail);
      left -= tail.byteLength;
    }
    return Buffer.concat(parts);
  }

  async remove(runId: string): Promise<void> {
    await fs.rm(join(this.root, runId), { recursive: true, force: true });
  }

  /** Removes the oldest runs beyond MAX_RUNS, never one in `keep` (the live ones). */
  async prune(keep: ReadonlySet<string>): Promise<string[]> {
    const runs = await this.list();
    const removed: string[] = [];
    for (const run of runs.slice(MAX_RUNS)) {
      if (keep.has(run.runId)) continue;
      await this.remove(run.runId);
      removed.push(run.runId);
    }
    return removed;
  }
}

function readTail(file: string, max: number): Buffer {
  let fd: number | undefined;
  try {
    const size = statSync(file).size;
    const length = Math.min(size, max);
    const buffer = Buffer.alloc(length);
    fd = openSync(file, 'r');
    readSync(fd, buffer, 0, length, size - length);
    return buffer;
  } catch {
    return Buffer.alloc(0);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
