/**
 * How engine code talks to the person running the build: Packer's Ui (say, message, error, ask) plus
 * progress and console bytes, all turned into masked BuildEvents on one channel.
 */
import type {
  AnswerSource,
  ArtifactInfo,
  BuildControl,
  BuildEvent,
  LogLevel,
  Prompt,
  PromptChoice,
  PromptKind,
} from './events';
import type { LiveHandleName, LiveHandles } from './live';
import { Masker } from './mask';

type Untimed<E> = E extends unknown ? Omit<E, 'time'> : never;
export type EventInput = Untimed<BuildEvent>;

/** The error Packer's Ask gives when no terminal (and, in Kiln, no other answer source) exists. */
export class NoAnswerSourceError extends Error {
  constructor() {
    super('no available tty');
  }
}

export class InterruptedError extends Error {
  constructor() {
    super('interrupted');
  }
}

interface PendingPrompt {
  prompt: Prompt;
  resolve(answer: string): void;
  reject(err: Error): void;
}

/**
 * The run's event channel: masks every text, stamps the time, hands events to listeners, and keeps the
 * open prompts until a control answers them.
 */
export class EventChannel {
  readonly masker: Masker;
  private listeners = new Set<(event: BuildEvent) => void>();
  private pending = new Map<string, PendingPrompt>();
  private nextPromptId = 1;
  private handles = new Map<string, Map<LiveHandleName, unknown>>();

  constructor(
    secrets: Iterable<string> = [],
    /** True when something can answer prompts (a terminal, an answers file, the GUI). */
    public canAnswer = false,
  ) {
    this.masker = new Masker(secrets);
  }

  subscribe(listener: (event: BuildEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: EventInput): void {
    const masked = this.maskEvent(event);
    const stamped = { ...masked, time: Date.now() } as BuildEvent;
    for (const listener of this.listeners) listener(stamped);
  }

  /** Packer's ui.Ask: emits a prompt and waits for its answer. */
  ask(fields: Omit<Prompt, 'id'>, signal?: AbortSignal): Promise<string> {
    if (!this.canAnswer) return Promise.reject(new NoAnswerSourceError());
    if (signal?.aborted) return Promise.reject(new InterruptedError());
    const prompt: Prompt = { ...fields, id: `p${this.nextPromptId++}` };
    return new Promise<string>((resolve, reject) => {
      const onAbort = () => {
        if (this.pending.delete(prompt.id)) reject(new InterruptedError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(prompt.id, {
        prompt,
        resolve: (a) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(a);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      this.emit({ type: 'prompt', prompt });
    });
  }

  openPrompts(): Prompt[] {
    return [...this.pending.values()].map((p) => p.prompt);
  }

  /** Applies an answer control; returns false when no such prompt is open. */
  answer(control: Extract<BuildControl, { type: 'answer' | 'continue' }>): boolean {
    const source: AnswerSource = control.source ?? 'gui';
    const targets =
      control.type === 'answer'
        ? [this.pending.get(control.promptId)].filter((p): p is PendingPrompt => p !== undefined)
        : [...this.pending.values()].filter((p) => !control.build || p.prompt.build === control.build);
    const answer = control.type === 'answer' ? control.answer : '';
    for (const p of targets) {
      this.pending.delete(p.prompt.id);
      this.emit({ type: 'prompt-answered', promptId: p.prompt.id, build: p.prompt.build, answer, source });
      p.resolve(answer);
    }
    return targets.length > 0;
  }

  /** Fails one prompt, as Packer's Ask fails (`no available tty` when the answers ran out). */
  fail(promptId: string, err: Error): boolean {
    const p = this.pending.get(promptId);
    if (!p) return false;
    this.pending.delete(promptId);
    p.reject(err);
    return true;
  }

  /** Publishes a live handle of a build; returns the function that withdraws it (idempotent). */
  expose<K extends LiveHandleName>(build: string, name: K, handle: LiveHandles[K]): () => void {
    let byName = this.handles.get(build);
    if (!byName) this.handles.set(build, (byName = new Map()));
    byName.set(name, handle);
    this.emit({ type: 'handle', build, name, available: true });
    return () => {
      if (this.handles.get(build)?.get(name) !== handle) return;
      this.handles.get(build)?.delete(name);
      this.emit({ type: 'handle', build, name, available: false });
    };
  }

  /** A live handle of a build, while it is published. */
  handle<K extends LiveHandleName>(build: string, name: K): LiveHandles[K] | undefined {
    return this.handles.get(build)?.get(name) as LiveHandles[K] | undefined;
  }

  /** Withdraws whatever a build still publishes (it ended). */
  withdrawHandles(build: string): void {
    const byName = this.handles.get(build);
    if (!byName) return;
    this.handles.delete(build);
    for (const name of byName.keys()) this.emit({ type: 'handle', build, name, available: false });
  }

  /** Fails every open prompt (the run was cancelled). */
  interruptPrompts(): void {
    for (const p of this.pending.values()) p.reject(new InterruptedError());
    this.pending.clear();
  }

  private maskEvent(event: EventInput): EventInput {
    const m = (s: string) => this.masker.mask(s);
    switch (event.type) {
      case 'log':
        return { ...event, text: m(event.text) };
      case 'prompt':
        return { ...event, prompt: { ...event.prompt, query: m(event.prompt.query) } };
      case 'step-finished':
        return event.error === undefined ? event : { ...event, error: m(event.error) };
      case 'artifact':
        return { ...event, artifact: maskArtifact(event.artifact, m) };
      case 'build-finished':
        return {
          ...event,
          error: event.error === undefined ? undefined : m(event.error),
          artifacts: event.artifacts.map((a) => maskArtifact(a, m)),
        };
      case 'run-finished':
        return {
          ...event,
          results: event.results.map((r) => ({
            ...r,
            error: r.error === undefined ? undefined : m(r.error),
            artifacts: r.artifacts.map((a) => maskArtifact(a, m)),
          })),
        };
      case 'progress':
        return { ...event, label: m(event.label) };
      default:
        return event;
    }
  }
}

function maskArtifact(a: ArtifactInfo, m: (s: string) => string): ArtifactInfo {
  return { ...a, description: m(a.description), id: m(a.id), files: a.files.map(m) };
}

export interface ProgressReporter {
  update(bytes: number): void;
  done(): void;
}

/** Packer's TargetedUI: one build (and for post-processors, `build (type)`) as the prefix of every line. */
export class BuildUi {
  constructor(
    readonly channel: EventChannel,
    readonly build: string,
    readonly target: string = build,
    private readonly signal?: AbortSignal,
    /** The template component (address) this UI speaks for, if any: stamped on its logs and prompts. */
    readonly component?: string,
  ) {}

  /** The UI Packer gives a post-processor: `==> build (type): …`. */
  withTarget(target: string): BuildUi {
    return new BuildUi(this.channel, this.build, target, this.signal, this.component);
  }

  /** The same UI, its logs and prompts attributed to a template component. */
  forComponent(address: string): BuildUi {
    return new BuildUi(this.channel, this.build, this.target, this.signal, address);
  }

  log(level: LogLevel, text: string): void {
    this.channel.emit({
      type: 'log',
      build: this.build,
      target: this.target,
      level,
      text,
      ...(this.component ? { address: this.component } : {}),
    });
  }
  say(text: string): void {
    this.log('say', text);
  }
  message(text: string): void {
    this.log('message', text);
  }
  error(text: string): void {
    this.log('error', text);
  }

  ask(
    query: string,
    kind: PromptKind,
    options: { choices?: PromptChoice[]; subject?: string; signal?: AbortSignal } = {},
  ): Promise<string> {
    return this.channel.ask(
      {
        build: this.build,
        target: this.target,
        kind,
        query,
        ...(options.choices ? { choices: options.choices } : {}),
        ...(options.subject ? { subject: options.subject } : {}),
        ...(this.component ? { address: this.component } : {}),
      },
      options.signal ?? this.signal,
    );
  }

  /** Registers a value to mask from now on (a password, a generated private key). */
  addSecret(secret: string | undefined): void {
    this.channel.masker.add(secret);
  }

  /** Publishes a live handle for the app (see live.ts); returns the function that withdraws it. */
  expose<K extends LiveHandleName>(name: K, handle: LiveHandles[K]): () => void {
    return this.channel.expose(this.build, name, handle);
  }

  console(stream: string, data: Uint8Array): void {
    this.channel.emit({ type: 'console', build: this.build, stream, data });
  }

  artifact(artifact: ArtifactInfo): void {
    this.channel.emit({ type: 'artifact', artifact });
  }

  /** Reports a long operation's progress; events are throttled to about 4 a second. */
  progress(id: string, label: string, total?: number): ProgressReporter {
    let bytes = 0;
    let lastEmit = 0;
    let windowStart = Date.now();
    let windowBytes = 0;
    let rate = 0;
    const emit = (done: boolean) =>
      this.channel.emit({
        type: 'progress',
        build: this.build,
        id,
        label,
        bytes,
        ...(total === undefined ? {} : { total }),
        rate,
        done,
      });
    return {
      update: (n: number) => {
        bytes = n;
        const now = Date.now();
        if (now - windowStart >= 1000) {
          rate = ((bytes - windowBytes) * 1000) / (now - windowStart);
          windowStart = now;
          windowBytes = bytes;
        }
        if (now - lastEmit >= 250) {
          lastEmit = now;
          emit(false);
        }
      },
      done: () => emit(true),
    };
  }
}
