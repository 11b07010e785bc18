/**
 * The one stream a build run produces, and the controls it takes. The CLI printer, the GUI stores, the
 * build history and the tests read only these types. Every text in an event is already masked for
 * sensitive values (`<sensitive>`); nothing downstream needs to mask again.
 */
import type { LiveHandleName } from './live';

/** Packer's three UI levels: `say` prints `==> target: …`, `message` prints `    target: …`, `error` is a red `==>`. */
export type LogLevel = 'say' | 'message' | 'error';

/** Packer's -on-error modes. */
export type OnErrorMode = 'cleanup' | 'abort' | 'ask' | 'run-cleanup-provisioner';

/** Why the engine is waiting for an answer. */
export type PromptKind =
  /** A `breakpoint` provisioner (or a gutter breakpoint): any answer continues. */
  | 'breakpoint'
  /** -debug: after a step ran, or before its cleanup. Any answer continues. */
  | 'debug-step'
  /** -debug: before each provisioner. Any answer continues. */
  | 'debug-provisioner'
  /** -on-error=ask: `c` clean up, `a` abort, `r` retry. */
  | 'on-error';

export interface PromptChoice {
  /** The answer to send (`c`, `a`, `r`). */
  answer: string;
  label: string;
}

export interface Prompt {
  /** Unique in the run; answer with `{ type: 'answer', promptId }`. */
  id: string;
  build: string;
  /** The UI target the question is printed under (`null`, `mybuild.null.first`). */
  target: string;
  kind: PromptKind;
  /** The question exactly as Packer asks it, e.g. `Press enter to continue.` */
  query: string;
  /** For on-error prompts; free-form answers otherwise. */
  choices?: PromptChoice[];
  /** The step or provisioner concerned: Packer step name (`StepProvision`) or component address. */
  subject?: string;
  /** The template component the build is at (`build[0].provisioner[2]`), when it is at one. */
  address?: string;
}

/** One artifact as the summary and the GUI show it. */
export interface ArtifactInfo {
  build: string;
  builderId: string;
  id: string;
  /** Packer's `artifact.String()`, e.g. `compressed artifacts in: out.tar.gz`. */
  description: string;
  files: string[];
  /** Which post-processor made it (type), absent for the builder's own artifact. */
  postProcessor?: string;
}

export type BuildStatus = 'succeeded' | 'failed' | 'cancelled';

/** A step as the timeline shows it. `name` is Packer's step type name (`StepConnect`, `stepRun`). */
export interface StepRef {
  /** Index in the build's step list, stable for the build. */
  index: number;
  name: string;
  /** Short human title, e.g. `Connect with SSH`. */
  title: string;
}

interface Timed {
  /** Milliseconds since the epoch. */
  time: number;
}

export type BuildEvent = Timed &
  (
    | {
        type: 'run-started';
        builds: string[];
        /** Resolved limit, Infinity when unlimited. */
        parallel: number;
        debug: boolean;
        onError: OnErrorMode;
      }
    | { type: 'build-started'; build: string; builderType: string }
    | { type: 'step-started'; build: string; step: StepRef; phase: 'run' | 'cleanup' }
    | {
        type: 'step-finished';
        build: string;
        step: StepRef;
        phase: 'run' | 'cleanup';
        durationMs: number;
        /** Run phase: `continue`, or `halt` when the step failed or was cancelled. */
        outcome: 'continue' | 'halt' | 'skipped';
        error?: string;
      }
    | {
        type: 'log';
        build?: string;
        /** `null`, or `null (shell-local)` for post-processors; absent for run-level messages. */
        target?: string;
        /** The component that printed it, when a provisioner or post-processor did. */
        address?: string;
        level: LogLevel;
        text: string;
      }
    | { type: 'prompt'; prompt: Prompt }
    | { type: 'prompt-answered'; promptId: string; build: string; answer: string; source: AnswerSource }
    | {
        /** A provisioner or post-processor started or finished (each retry is a new start). */
        type: 'component';
        build: string;
        /** The component's address in the template (`build[0].provisioner[1]`, `post-processors[0][0]`). */
        address: string;
        componentType: string;
        role: ComponentRole;
        phase: 'started' | 'finished';
        /** On finish. */
        outcome?: 'succeeded' | 'failed' | 'cancelled';
        durationMs?: number;
        error?: string;
      }
    | {
        /** A live handle (`shell`, `vm`; see live.ts) became available to the app, or went away. */
        type: 'handle';
        build: string;
        name: LiveHandleName;
        available: boolean;
      }
    | {
        type: 'progress';
        build: string;
        /** Identifies one transfer or operation; repeated events update it. */
        id: string;
        label: string;
        bytes: number;
        total?: number;
        /** Bytes per second over the last second. */
        rate: number;
        done: boolean;
      }
    | { type: 'artifact'; artifact: ArtifactInfo }
    | {
        /** One step of a typed key sequence (boot_command): a key, a held/released key, or a wait. */
        type: 'key';
        build: string;
        /** Which sequence: `boot_command`. */
        source: string;
        /** A character (`*` inside a sensitive value), a special key (`<enter>`), or `<wait 5s>`. */
        key: string;
        action: 'press' | 'down' | 'up' | 'wait';
        /** Position in the sequence and its length. */
        index: number;
        total: number;
      }
    | {
        type: 'console';
        build: string;
        /** Which console: the VM's serial line, the guest shell, ... */
        stream: string;
        data: Uint8Array;
      }
    | {
        type: 'build-finished';
        build: string;
        status: BuildStatus;
        durationMs: number;
        error?: string;
        artifacts: ArtifactInfo[];
      }
    | {
        type: 'run-finished';
        durationMs: number;
        cancelled: boolean;
        /** In build order. */
        results: Array<{ build: string; status: BuildStatus; error?: string; artifacts: ArtifactInfo[] }>;
      }
  );

export type BuildEventType = BuildEvent['type'];
export type EventOf<T extends BuildEventType> = Extract<BuildEvent, { type: T }>;

/** A provisioner's or post-processor's place in its build, as the timeline shows it. */
export type ComponentRole = 'provisioner' | 'error-cleanup-provisioner' | 'post-processor';

/** Where an answer came from: the terminal, an `--answers` file, a GUI button, a test. */
export type AnswerSource = 'terminal' | 'file' | 'gui' | 'test';

export type BuildControl =
  /** Answers one prompt. */
  | { type: 'answer'; promptId: string; answer: string; source?: AnswerSource }
  /** Answers every open prompt of a build (or of the run) with an empty line: continue. */
  | { type: 'continue'; build?: string; source?: AnswerSource }
  /** Cancels the whole run (Ctrl-C): every build cleans up, then the run finishes as cancelled. */
  | { type: 'abort'; reason?: string };
