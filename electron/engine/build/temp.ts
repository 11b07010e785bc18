/**
 * Temp files and folders a build creates, named as Packer names them (`/tmp/packer-shell3692716425`),
 * all removed when the build ends, fails or is cancelled.
 */
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class TempSpace {
  private readonly paths = new Set<string>();

  constructor(private readonly dir: string = tmpdir()) {}

  /** Creates an empty file `<dir>/<prefix><random digits><suffix>` (mode 0600) and returns its path. */
  file(prefix: string, contents: string | Buffer = '', suffix = ''): string {
    for (let attempt = 0; attempt < 100; attempt++) {
      const path = join(this.dir, `${prefix}${randomInt(0, 2 ** 32 - 1)}${suffix}`);
      try {
        writeFileSync(path, contents, { flag: 'wx', mode: 0o600 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw err;
      }
      this.paths.add(path);
      return path;
    }
    throw new Error(`could not create a temp file for ${prefix}`);
  }

  /** Creates a temp directory and returns its path. */
  directory(prefix: string): string {
    const path = mkdtempSync(join(this.dir, prefix));
    this.paths.add(path);
    return path;
  }

  /** Tracks a path made elsewhere so it is removed with the rest. */
  track(path: string): void {
    this.paths.add(path);
  }

  /** Removes one path now. */
  remove(path: string): void {
    rmSync(path, { recursive: true, force: true });
    this.paths.delete(path);
  }

  dispose(): void {
    for (const p of this.paths) rmSync(p, { recursive: true, force: true });
    this.paths.clear();
  }
}
