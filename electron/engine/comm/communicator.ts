/**
 * A communicator reaches the machine being built: runs commands and moves files (Packer's
 * packersdk.Communicator). `ssh` and `none` implement it; provisioners only see this interface.
 */
import type { Readable, Writable } from 'node:stream';

/** Exit status Packer reports when a session ended without an exit status (the guest rebooted, sshd died). */
export const CMD_DISCONNECT = 2300218;

export interface RemoteCommand {
  /** Sent as Packer sends it: the server runs `<login shell> -c "<command>\n"`. */
  command: string;
  stdin?: Readable;
  onStdout?(chunk: Buffer): void;
  onStderr?(chunk: Buffer): void;
}

export interface StartedCommand {
  /** Resolves with the exit status, CMD_DISCONNECT when the session ended without one. */
  exited: Promise<number>;
}

/** What to upload: bytes (mode 0644 as Packer uses for scripts) or a local file with its mode and size. */
export type UploadSource =
  | { kind: 'buffer'; data: Buffer; mode?: number }
  | { kind: 'file'; path: string; mode: number; size: number };

export interface TransferProgress {
  (bytesDone: number, total: number | undefined): void;
}

export interface Communicator {
  readonly type: string;
  /** Starts a command; rejects when it cannot be started (no session, connection lost). */
  start(cmd: RemoteCommand, signal?: AbortSignal): Promise<StartedCommand>;
  upload(remotePath: string, source: UploadSource, progress?: TransferProgress): Promise<void>;
  /** Uploads a directory; `src` with a trailing slash uploads its contents, without it the directory itself. */
  uploadDir(dst: string, src: string, exclude?: string[]): Promise<void>;
  download(remotePath: string, dest: Writable): Promise<void>;
  downloadDir(src: string, dst: string, exclude?: string[]): Promise<void>;
  /** Closes connections; idempotent. */
  close(): Promise<void>;
}

/** Runs a command to completion, returning its exit status. */
export async function runCommand(
  comm: Communicator,
  cmd: RemoteCommand,
  signal?: AbortSignal,
): Promise<number> {
  const started = await comm.start(cmd, signal);
  return started.exited;
}

/** Packer's cleanOutputLine: trailing whitespace trimmed, anything up to the last `\r` dropped. */
export function cleanOutputLine(line: string): string {
  const trimmed = line.replace(/\s+$/u, '');
  const cr = trimmed.lastIndexOf('\r');
  return cr >= 0 ? trimmed.slice(cr + 1) : trimmed;
}

/** Splits a byte stream into lines (`\n`), holding the unfinished tail until more comes or `flush`. */
export class LineSplitter {
  private tail = '';
  private readonly decoder = new TextDecoder();

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Uint8Array): void {
    const text = this.tail + this.decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    this.tail = lines.pop() ?? '';
    for (const l of lines) this.onLine(l);
  }

  flush(): void {
    const rest = this.tail + this.decoder.decode();
    this.tail = '';
    if (rest !== '') this.onLine(rest);
  }
}

export interface LineUi {
  message(text: string): void;
  error(text: string): void;
}

/**
 * Packer's RemoteCmd.RunWithUi: runs the command and streams stdout lines as `message` and stderr lines
 * as `error`. Rejects when the command cannot be started or the signal aborts; otherwise the exit status.
 */
export async function runWithUi(
  comm: Communicator,
  command: string,
  ui: LineUi,
  signal?: AbortSignal,
): Promise<number> {
  const out = new LineSplitter((l) => ui.message(cleanOutputLine(l)));
  const err = new LineSplitter((l) => ui.error(cleanOutputLine(l)));
  const started = await comm.start(
    { command, onStdout: (c) => out.push(c), onStderr: (c) => err.push(c) },
    signal,
  );
  const aborted = new Promise<never>((_, reject) => {
    if (!signal) return;
    const fail = () => reject(signal.reason instanceof Error ? signal.reason : new Error('cancelled'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => undefined);
  const status = await Promise.race([started.exited, aborted]);
  out.flush();
  err.flush();
  return status;
}
