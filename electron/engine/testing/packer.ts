/**
 * Test support: Debian's packer 1.6.6 as a side-by-side reference (never a dependency of Kiln).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PACKER = '/usr/bin/packer';

export function packerAvailable(): boolean {
  if (!existsSync(PACKER)) return false;
  const r = spawnSync(PACKER, ['version'], {
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1' },
  });
  return r.status === 0 && /Packer v1\.6\.6/.test(r.stdout);
}

/** Runs `packer <args>` in `cwd` with no terminal; stdout (Packer prints everything there) and the exit code. */
export function runPacker(args: string[], cwd: string, input?: string): { code: number; out: string } {
  const r = spawnSync(PACKER, args, {
    cwd,
    encoding: 'utf8',
    input: input ?? '',
    env: { ...process.env, CHECKPOINT_DISABLE: '1', PACKER_NO_COLOR: '1' },
    timeout: 120_000,
  });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

/**
 * Runs packer under a pseudo-terminal (python3's pty module), typing `answers` one line at a time
 * whenever packer waits for input, as the transcripts' "TTY-driven" runs did.
 */
export function runPackerWithTty(
  args: string[],
  cwd: string,
  answers: string[],
): { code: number; out: string } | undefined {
  if (!existsSync('/usr/bin/python3')) return undefined;
  const script = `
import os, pty, sys, time, select, json
answers = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.environ['CHECKPOINT_DISABLE'] = '1'
    os.execv(${JSON.stringify(PACKER)}, [${JSON.stringify(PACKER)}] + sys.argv[2:])
out = b''
pending = b''
deadline = time.time() + 100
while time.time() < deadline:
    try:
        r, _, _ = select.select([fd], [], [], 0.3)
    except Exception:
        break
    if r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
        pending += data
    elif answers and (pending.rstrip(b'\\r\\n').endswith(b'?') or pending.endswith(b'. ') or pending.endswith(b'? ')):
        os.write(fd, (answers.pop(0) + '\\r').encode())
        pending = b''
if time.time() >= deadline:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf8', 'replace').replace('\\r\\n', '\\n'))
sys.exit(os.WEXITSTATUS(status))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script, JSON.stringify(answers), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, out: r.stdout };
}
