/** A CliIo for tests: what a command writes, captured as text. */
import { Readable } from 'node:stream';
import type { CliIo } from './io';

export interface CapturedIo extends CliIo {
  readonly out: { stdout: string; stderr: string };
}

export function captureIo(options: {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}): CapturedIo {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    stdout: { write: (t: string | Uint8Array) => void (out.stdout += t.toString()), isTTY: false },
    stderr: { write: (t: string) => void (out.stderr += t), isTTY: false },
    stdin: Readable.from([]),
    env: options.env ?? {},
    cwd: options.cwd,
    signal: options.signal ?? new AbortController().signal,
  };
}
