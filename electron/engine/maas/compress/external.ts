/**
 * xz and bzip2 through the system's tools, streamed over pipes: `xz -T0` (every core), and for bzip2
 * `pbzip2` (every core) or `lbzip2`, else plain `bzip2` on one core. Writing these formats in JS would be
 * slower than the C tools by a wide margin and they are packaged everywhere (xz-utils, pbzip2).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { writeZeroChunks, type ByteSink } from './sink';

export type ExternalFormat = 'xz' | 'bzip2';

export interface CompressorCommand {
  command: string;
  args: string[];
  /** Threads the tool will use (for messages and the docs). */
  threads: number;
}

const found = new Map<string, boolean>();
function onPath(command: string): boolean {
  let ok = found.get(command);
  if (ok === undefined) {
    ok = spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
    found.set(command, ok);
  }
  return ok;
}

export class CompressorMissingError extends Error {}

/** The command line that compresses stdin to stdout at `level` (default: the tool's own default). */
export function compressorCommand(format: ExternalFormat, level?: number): CompressorCommand {
  const cores = availableParallelism();
  if (format === 'xz') {
    if (!onPath('xz'))
      throw new CompressorMissingError('xz is not installed (Debian/Ubuntu: apt-get install xz-utils)');
    return { command: 'xz', args: ['-T0', '-c', `-${level ?? 6}`], threads: cores };
  }
  const lvl = `-${level ?? 9}`;
  if (onPath('pbzip2')) return { command: 'pbzip2', args: ['-c', `-p${cores}`, lvl], threads: cores };
  if (onPath('lbzip2')) return { command: 'lbzip2', args: ['-c', `-n${cores}`, lvl], threads: cores };
  if (onPath('bzip2')) return { command: 'bzip2', args: ['-c', lvl], threads: 1 };
  throw new CompressorMissingError(
    'no bzip2 compressor is installed (Debian/Ubuntu: apt-get install pbzip2)',
  );
}

/** Pipes the stream through a compressor process into `out`; the process is killed on abort. */
export class ExternalCompressor implements ByteSink {
  private readonly child: ChildProcess;
  private failure: Error | undefined;
  private stderr = '';
  private readonly exited: Promise<number | null>;
  private readonly drained: Promise<void>;

  constructor(
    private readonly out: ByteSink,
    readonly command: CompressorCommand,
  ) {
    this.child = spawn(command.command, command.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        this.failure ??= new Error(`cannot run ${command.command}: ${err.message}`);
        resolve(null);
      });
      this.child.once('close', (code) => resolve(code));
    });
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.stdin?.on('error', (err) => (this.failure ??= err));
    // Compressed output is written to `out` in order; a chain of promises keeps order and backpressure.
    let chain = Promise.resolve();
    this.drained = new Promise((resolve) => {
      const stdout = this.child.stdout;
      if (!stdout) return resolve();
      stdout.on('data', (data: Buffer) => {
        stdout.pause();
        chain = chain
          .then(() => this.out.write(data))
          .catch((err: Error) => void (this.failure ??= err))
          .finally(() => stdout.resume());
      });
      stdout.once('end', () => void chain.then(() => resolve()));
    });
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    const stdin = this.child.stdin;
    if (!stdin) throw new Error(`${this.command.command} has no stdin`);
    if (!stdin.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          stdin.off('drain', done);
          this.child.off('close', done);
          resolve();
        };
        stdin.on('drain', done);
        this.child.on('close', done);
      });
    }
    if (this.failure) throw this.failure;
  }

  writeZeros(n: number): Promise<void> {
    return writeZeroChunks(this, n);
  }

  async end(): Promise<void> {
    this.child.stdin?.end();
    const [code] = await Promise.all([this.exited, this.drained]);
    if (this.failure) throw this.failure;
    if (code !== 0) throw new Error(`${this.command.command} failed (exit ${code}): ${this.stderr.trim()}`);
    await this.out.end();
  }

  async abort(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
    await this.out.abort();
  }
}
