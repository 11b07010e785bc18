/**
 * Upload progress for a terminal: one line redrawn in place on a TTY, plain lines every few seconds
 * otherwise (CI logs), plus a line for each notable event (retry, resume, ...).
 */
import type { UploadEvent, UploadPhase, UploadProgress } from '../../engine/maas/upload';

export interface ProgressStream {
  write(text: string): void;
  isTTY?: boolean;
  columns?: number;
}

const LABELS: Record<UploadPhase, string> = {
  hashing: 'Hashing',
  creating: 'Creating',
  uploading: 'Uploading',
  verifying: 'Verifying',
  syncing: 'Syncing',
  complete: 'Complete',
};

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0
    ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`
    : `${m}:${String(sec).padStart(2, '0')}`;
}

export class UploadProgressPrinter {
  private lastDraw = Number.NEGATIVE_INFINITY;
  private lastKey = '';
  private lineShown = false;
  private last: UploadProgress | undefined;

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: { intervalMs?: number; now?: () => number } = {},
  ) {}

  private get tty(): boolean {
    return this.stream.isTTY === true;
  }

  private now(): number {
    return (this.options.now ?? (() => performance.now()))();
  }

  update(progress: UploadProgress): void {
    this.last = progress;
    const now = this.now();
    const key = `${progress.phase}:${progress.bytes >= progress.total}`;
    const interval = this.tty ? 100 : (this.options.intervalMs ?? 5_000);
    // Draw on a new phase, on reaching 100%, and otherwise at most once per interval.
    if (key === this.lastKey && (progress.bytes >= progress.total || now - this.lastDraw < interval)) return;
    this.lastDraw = now;
    this.lastKey = key;
    this.draw(progress);
  }

  /** A line of its own for events worth telling (the bar is redrawn under it). */
  event(event: UploadEvent): void {
    const text = describeEvent(event);
    if (!text) return;
    this.clearLine();
    this.stream.write(`${text}\n`);
    if (this.tty && this.last) this.draw(this.last);
  }

  /** Ends the redrawn line. */
  finish(): void {
    if (this.tty && this.lineShown) this.stream.write('\n');
    this.lineShown = false;
  }

  private clearLine(): void {
    if (this.tty && this.lineShown) {
      this.stream.write('\r\x1b[2K');
      this.lineShown = false;
    }
  }

  private draw(p: UploadProgress): void {
    const line = renderLine(p, this.tty ? Math.max(40, (this.stream.columns ?? 80) - 1) : undefined);
    if (this.tty) {
      this.stream.write(`\r\x1b[2K${line}`);
      this.lineShown = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }
}

export function renderLine(p: UploadProgress, width?: number): string {
  const label = LABELS[p.phase].padEnd(9);
  if (p.phase === 'creating' || p.phase === 'verifying' || p.phase === 'complete') {
    return `${label} ${formatBytes(p.total)}`;
  }
  const fraction = p.total > 0 ? Math.min(1, p.bytes / p.total) : 0;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const numbers = `${formatBytes(p.bytes)} / ${formatBytes(p.total)}  ${formatBytes(p.rate)}/s  ETA ${formatEta(p.etaSeconds)}`;
  if (width === undefined) return `${label} ${percent}  ${numbers}`;
  const room = width - label.length - percent.length - numbers.length - 6;
  if (room < 10) return `${label} ${percent}  ${numbers}`.slice(0, width);
  const barWidth = Math.min(40, room);
  const filled = Math.round(fraction * barWidth);
  const bar = `${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (fraction >= 1 ? '=' : '>') : ''}${' '.repeat(barWidth - filled)}`;
  return `${label} ${percent} [${bar}] ${numbers}`;
}

function describeEvent(event: UploadEvent): string | undefined {
  switch (event.kind) {
    case 'created':
      return `Created boot resource ${event.resourceId} (set ${event.setVersion})`;
    case 'resumed':
      return `Resuming the unfinished upload to boot resource ${event.resourceId} (set ${event.setVersion}) at ${formatBytes(event.offset)}`;
    case 'already-complete':
      return undefined;
    case 'retry':
      return `Retrying in ${(event.delayMs / 1000).toFixed(1)} s (attempt ${event.attempt}): ${event.reason}`;
    case 'resync':
      return event.regionOffset > event.offset
        ? `The region had committed the chunk before the failure; continuing at ${formatBytes(event.regionOffset)}`
        : `The region holds ${formatBytes(event.regionOffset)}; resending from there`;
    case 'waiting':
      return `Waiting: ${event.reason}`;
    case 'restart':
      return `Starting the upload over: ${event.reason}`;
    case 'fresh-start':
      return `Not continuing the unfinished upload (${event.reason}); starting a new one`;
    case 'chunk-size':
      return `The region refused the chunk size (${event.reason}); using ${formatBytes(event.chunkSize)} chunks`;
  }
}
