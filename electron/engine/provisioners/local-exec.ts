/**
 * Runs a local command for shell-local with Packer's RunWithUi behaviour: stdout lines as `message`,
 * stderr lines as `error`. The command runs in its own process group so a cancel (or a provisioner
 * timeout) kills it and everything it started.
 */
import { spawn } from 'node:child_process';
import { LineSplitter, cleanOutputLine } from '../comm/communicator';
import type { LineUi } from '../comm/communicator';

const KILL_GRACE_MS = 2000;

export interface LocalResult {
  /** Exit code; -1 when killed by a signal (Go's ExitStatus). */
  status: number;
}

/** Spawns `argv`, streams its output to `ui`, resolves when it exits; rejects if it cannot start. */
export function runLocal(
  argv: readonly string[],
  ui: LineUi,
  signal: AbortSignal,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<LocalResult> {
  return new Promise((resolve, reject) => {
    if (signal.aborted)
      return reject(signal.reason instanceof Error ? signal.reason : new Error('cancelled'));
    const child = spawn(argv[0], argv.slice(1), {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const out = new LineSplitter((l) => ui.message(cleanOutputLine(l)));
    const err = new LineSplitter((l) => ui.error(cleanOutputLine(l)));
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const onAbort = () => {
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (e) => {
      signal.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.once('close', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      out.flush();
      err.flush();
      if (signal.aborted)
        return reject(signal.reason instanceof Error ? signal.reason : new Error('cancelled'));
      resolve({ status: code ?? (sig ? -1 : 0) });
    });
  });
}
