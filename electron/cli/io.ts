/** What a command may touch of its process: injected so commands run the same in tests and for real. */
export interface CliIo {
  /** Text, or bytes passed through as they are (a VM's serial console). */
  stdout: { write(data: string | Uint8Array): void; isTTY?: boolean };
  stderr: { write(text: string): void; isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on Ctrl-C (SIGINT/SIGTERM). */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  /** One line for `kiln --help`. */
  synopsis: string;
  /** Full usage text for `kiln <name> -h`. */
  usage: string;
  /** Returns the exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}
