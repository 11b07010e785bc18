/**
 * A run as the build view shows it, folded from its events: per build, the timeline of steps and of
 * provisioners and post-processors with status and durations, transfers in progress, the live handles
 * (guest shell, VM screen), the keys boot_command typed; and the run's log lines. Pure functions over
 * plain data, so a snapshot from `getBuild` and the live events fold the same way, and tests can check it.
 * The log is bounded: the newest MAX_LOG_LINES are kept, the count of earlier ones is shown.
 */
import type {
  ApiBuildEvent,
  BuildRunSummary,
  ComponentRole,
  LogLevel,
  SequencedBuildEvent,
} from '../../electron/api/types';

export const MAX_LOG_LINES = 5000;
export const MAX_KEYS = 80;

export interface StepView {
  /** `index:phase`, unique in a build. */
  key: string;
  index: number;
  name: string;
  title: string;
  phase: 'run' | 'cleanup';
  state: 'running' | 'done' | 'failed' | 'skipped';
  startedAt: number;
  durationMs?: number;
  error?: string;
}

export interface ComponentView {
  address: string;
  type: string;
  role: ComponentRole;
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  startedAt: number;
  durationMs?: number;
  /** How many times it started (retries from the on-error question count). */
  runs: number;
  error?: string;
}

export interface ProgressView {
  id: string;
  label: string;
  bytes: number;
  total?: number;
  rate: number;
  done: boolean;
  updatedAt: number;
}

export interface KeyView {
  key: string;
  action: string;
  index: number;
  total: number;
}

export interface BuildView {
  name: string;
  state: 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  startedAt?: number;
  durationMs?: number;
  error?: string;
  steps: StepView[];
  components: ComponentView[];
  progress: ProgressView[];
  handles: { shell: boolean; vm: boolean };
  keys: KeyView[];
  /** The component being run, for the editor and the pipeline view. */
  currentAddress?: string;
}

export interface LogLine {
  /** `seq` of the event, and the line within it (a log event's text may hold several lines). */
  id: string;
  seq: number;
  time: number;
  build?: string;
  address?: string;
  level: LogLevel;
  text: string;
}

export interface RunView {
  summary: BuildRunSummary;
  builds: Record<string, BuildView>;
  logs: LogLine[];
  /** Log lines left out (older than the newest MAX_LOG_LINES, or not sent by the snapshot). */
  droppedLines: number;
  lastSeq: number;
}

export function emptyRun(summary: BuildRunSummary): RunView {
  const builds: Record<string, BuildView> = {};
  for (const b of summary.builds) builds[b.name] = emptyBuild(b.name);
  return { summary, builds, logs: [], droppedLines: 0, lastSeq: 0 };
}

function emptyBuild(name: string): BuildView {
  return {
    name,
    state: 'pending',
    steps: [],
    components: [],
    progress: [],
    handles: { shell: false, vm: false },
    keys: [],
  };
}

/** Folds events (in seq order; older ones are skipped) into a copy of the run. */
export function applyEvents(run: RunView, events: readonly SequencedBuildEvent[], dropped = 0): RunView {
  const next: RunView = {
    ...run,
    builds: { ...run.builds },
    logs: run.logs,
    droppedLines: run.droppedLines + dropped,
  };
  const touched = new Set<string>();
  const build = (name: string): BuildView => {
    if (!touched.has(name)) {
      const was = next.builds[name] ?? emptyBuild(name);
      next.builds[name] = {
        ...was,
        steps: [...was.steps],
        components: [...was.components],
        progress: [...was.progress],
        keys: [...was.keys],
        handles: { ...was.handles },
      };
      touched.add(name);
    }
    return next.builds[name];
  };
  const newLines: LogLine[] = [];
  for (const { seq, event } of events) {
    if (seq <= next.lastSeq) continue;
    next.lastSeq = seq;
    fold(event, seq, build, newLines);
  }
  if (newLines.length) {
    const all = next.logs.concat(newLines);
    const over = all.length - MAX_LOG_LINES;
    next.logs = over > 0 ? all.slice(over) : all;
    if (over > 0) next.droppedLines += over;
  }
  return next;
}

function fold(event: ApiBuildEvent, seq: number, build: (name: string) => BuildView, lines: LogLine[]): void {
  switch (event.type) {
    case 'build-started': {
      const b = build(event.build);
      b.state = 'running';
      b.startedAt = event.time;
      return;
    }
    case 'build-finished': {
      const b = build(event.build);
      b.state = event.status;
      b.durationMs = event.durationMs;
      if (event.error !== undefined) b.error = event.error;
      b.currentAddress = undefined;
      b.progress = b.progress.map((p) => ({ ...p, done: true }));
      return;
    }
    case 'step-started': {
      const b = build(event.build);
      b.steps.push({
        key: `${event.step.index}:${event.phase}`,
        index: event.step.index,
        name: event.step.name,
        title: event.step.title,
        phase: event.phase,
        state: 'running',
        startedAt: event.time,
      });
      return;
    }
    case 'step-finished': {
      const b = build(event.build);
      const key = `${event.step.index}:${event.phase}`;
      const i = findLast(b.steps, (s) => s.key === key && s.state === 'running');
      const state =
        event.error || event.outcome === 'halt' ? 'failed' : event.outcome === 'skipped' ? 'skipped' : 'done';
      const patch = {
        state,
        durationMs: event.durationMs,
        ...(event.error !== undefined ? { error: event.error } : {}),
      } as const;
      if (i >= 0) b.steps[i] = { ...b.steps[i], ...patch };
      return;
    }
    case 'component': {
      const b = build(event.build);
      const i = b.components.findIndex((c) => c.address === event.address);
      if (event.phase === 'started') {
        const was = i >= 0 ? b.components[i] : undefined;
        const view: ComponentView = {
          address: event.address,
          type: event.componentType,
          role: event.role,
          state: 'running',
          startedAt: event.time,
          runs: (was?.runs ?? 0) + 1,
        };
        if (i >= 0) b.components[i] = view;
        else b.components.push(view);
        b.currentAddress = event.address;
      } else if (i >= 0) {
        b.components[i] = {
          ...b.components[i],
          state: event.outcome ?? 'succeeded',
          ...(event.durationMs !== undefined ? { durationMs: event.durationMs } : {}),
          ...(event.error !== undefined ? { error: event.error } : {}),
        };
      }
      return;
    }
    case 'prompt':
      if (event.prompt.address) build(event.prompt.build).currentAddress = event.prompt.address;
      return;
    case 'progress': {
      const b = build(event.build);
      const view: ProgressView = {
        id: event.id,
        label: event.label,
        bytes: event.bytes,
        ...(event.total !== undefined ? { total: event.total } : {}),
        rate: event.rate,
        done: event.done,
        updatedAt: event.time,
      };
      const i = b.progress.findIndex((p) => p.id === event.id);
      if (i >= 0) b.progress[i] = view;
      else b.progress.push(view);
      return;
    }
    case 'handle': {
      const b = build(event.build);
      if (event.name === 'shell' || event.name === 'vm') b.handles[event.name] = event.available;
      return;
    }
    case 'log': {
      const parts = event.text.split('\n');
      parts.forEach((text, i) =>
        lines.push({
          id: `${seq}:${i}`,
          seq,
          time: event.time,
          ...(event.build !== undefined ? { build: event.build } : {}),
          ...(event.address !== undefined ? { address: event.address } : {}),
          level: event.level,
          text,
        }),
      );
      return;
    }
    default:
      foldOther(event, build);
  }
}

/** Events other helpers' parts add (the qemu builder's typed keys), read by shape. */
function foldOther(event: ApiBuildEvent, build: (name: string) => BuildView): void {
  const e = event as unknown as {
    type: string;
    build?: string;
    key?: string;
    action?: string;
    index?: number;
    total?: number;
  };
  if (e.type === 'key' && typeof e.build === 'string' && typeof e.key === 'string') {
    const b = build(e.build);
    b.keys.push({ key: e.key, action: e.action ?? 'press', index: e.index ?? 0, total: e.total ?? 0 });
    if (b.keys.length > MAX_KEYS) b.keys.splice(0, b.keys.length - MAX_KEYS);
  }
}

function findLast<T>(list: T[], match: (t: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (match(list[i])) return i;
  return -1;
}

/** `1.2 s`, `3 min 4 s`, `1 h 2 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.floor(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** `512 B`, `1.5 KiB`, `2.0 GiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** Seconds left at the current rate, or undefined when it cannot be told. */
export function etaSeconds(p: { bytes: number; total?: number; rate: number }): number | undefined {
  if (p.total === undefined || p.rate <= 0 || p.bytes >= p.total) return undefined;
  return (p.total - p.bytes) / p.rate;
}
