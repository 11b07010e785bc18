/** Host tools the MAAS artifact tests use, and whether each is here (tests skip with a clear message). */
import { execFileSync, spawnSync } from 'node:child_process';

const cache = new Map<string, boolean>();

export function hasTool(name: string): boolean {
  let ok = cache.get(name);
  if (ok === undefined) {
    ok = spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
    cache.set(name, ok);
  }
  return ok;
}

/** The tools from `names` that are missing, as a sentence for a skip message ('' when all are here). */
export function missingTools(...names: string[]): string {
  const missing = names.filter((n) => !hasTool(n));
  return missing.length
    ? `needs ${missing.join(', ')} (apt-get install e2fsprogs gdisk qemu-utils attr acl ...)`
    : '';
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** FUSE is usable: /dev/fuse opens and fusermount exists. */
export function hasFuse(): boolean {
  if (!hasTool('fusermount') && !hasTool('fusermount3')) return false;
  return spawnSync('sh', ['-c', 'exec 3<>/dev/fuse'], { stdio: 'ignore' }).status === 0;
}

export function run(
  command: string,
  args: string[],
  options: { cwd?: string; input?: Buffer | string } = {},
): string {
  try {
    return execFileSync(command, args, {
      cwd: options.cwd,
      input: options.input,
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 256 * 1024 * 1024,
    }).toString();
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.stderr?.toString() || e.message}`, {
      cause: err,
    });
  }
}
