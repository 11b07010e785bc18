/**
 * Kiln's runtime directory: sockets, pid records of running VMs, port locks and the accelerator
 * verdict live here, gone after a reboot. `$XDG_RUNTIME_DIR/kiln` when the session has one, else a
 * private `kiln-<uid>` folder in the temp dir. Paths stay short: a unix socket path is limited to
 * 107 bytes.
 */
import { chmodSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.KILN_RUNTIME_DIR;
  const base =
    override ||
    (env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'kiln') : join(tmpdir(), `kiln-${userInfo().uid}`));
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const st = lstatSync(base);
  if (!st.isDirectory() || st.uid !== userInfo().uid) {
    throw new Error(`Kiln's runtime directory ${base} is not a directory owned by this user`);
  }
  if ((st.mode & 0o077) !== 0) chmodSync(base, 0o700);
  return base;
}

/** A sub-directory of the runtime directory, created on demand. */
export function runtimePath(...parts: string[]): string {
  const path = join(runtimeDir(), ...parts);
  mkdirSync(path, { recursive: true, mode: 0o700 });
  return path;
}

/** Removes a file or folder, ignoring what is already gone. */
export function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // Already gone or not ours to remove; cleanup must not throw.
  }
}
