/**
 * `kiln fmt`: Packer's `fmt` command. Rewrites `*.pkr.hcl` and `*.pkrvars.hcl` files to the canonical
 * layout, with Packer's (1.7+) flags, output and exit codes: it prints each changed file's name,
 * `-check` exits 3 when something would change, `-diff` prints a unified diff (GNU diff, as Packer
 * runs it), `-` formats stdin to stdout, and errors, like every Packer message, go to stdout.
 */
import { execFile } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatHcl } from '../../engine/template/hcl/fmt';
import { decodeHclBytes, encodeHclText } from '../../engine/template/hcl/lexer';
import { formatRange, type Diagnostic } from '../../engine/template/source';
import { parseFlags } from '../flags';
import type { CliIo, Command } from '../io';

const usage = `Usage: kiln fmt [options] [TEMPLATE]

  Rewrites all Packer configuration files to a canonical format. Both
  configuration files (.pkr.hcl) and variable files (.pkrvars.hcl) are updated.
  JSON files (.json) are not modified.

  If TEMPLATE is "." the current directory will be used.
  If TEMPLATE is "-" then content will be read from STDIN.

  The given content must be in Packer's HCL2 configuration language; JSON is
  not supported.

Options:
  -check        Check if the input is formatted. Exit status will be 0 if all
                 input is properly formatted and non-zero otherwise.

  -diff         Display diffs of formatting change

  -write=false  Don't write to source files
                (always disabled if using -check)

  -recursive     Also process files in subdirectories. By default, only the
                 given directory (or current directory) is processed.`;

const flagSpecs = {
  check: { kind: 'bool' },
  diff: { kind: 'bool' },
  write: { kind: 'bool', default: true },
  recursive: { kind: 'bool' },
} as const;

export const fmtCommand: Command = {
  name: 'fmt',
  synopsis: 'Rewrites HCL2 config files to canonical format',
  usage,
  async run(args, io) {
    const { flags, rest } = parseFlags(flagSpecs, args);
    if (rest.length === 0) {
      io.stdout.write(`${usage}\n`);
      return 1;
    }
    const run = new FmtRun(io, {
      showDiff: flags.diff,
      write: flags.write && !flags.check,
      recursive: flags.recursive,
    });
    await run.format(rest);
    if (run.problems.length > 0) {
      io.stdout.write(`${run.problems.map(renderProblem).join('')}\n`);
      return 1;
    }
    if (io.signal.aborted) return 1;
    return flags.check && run.bytesModified > 0 ? 3 : 0;
  },
};

interface Problem {
  summary: string;
  detail: string;
}

/** A failure that stops one file, reported as `encountered an error while formatting <file>`. */
class FileProblem extends Error {
  constructor(
    message: string,
    /** Bytes of formatted output produced before the failure (counted for -check, as Packer does). */
    readonly bytes = 0,
  ) {
    super(message);
  }
}

/** Packer's name checks: the files it formats, and the editor leftovers it skips in folders. */
export function isHclFileName(name: string): boolean {
  return name.endsWith('.pkr.hcl') || name.endsWith('.pkrvars.hcl');
}

export function isIgnoredFileName(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~') || (name.startsWith('#') && name.endsWith('#'));
}

class FmtRun {
  readonly problems: Problem[] = [];
  bytesModified = 0;
  private showDiff: boolean;

  constructor(
    private readonly io: CliIo,
    private readonly options: { showDiff: boolean; write: boolean; recursive: boolean },
  ) {
    this.showDiff = options.showDiff;
  }

  private resolve(p: string): string {
    return path.resolve(this.io.cwd, p);
  }

  /** Returns false when a folder could not be read: Packer stops there. */
  async format(paths: string[]): Promise<boolean> {
    for (const p of paths) {
      if (this.io.signal.aborted) return false;
      let isDir = false;
      if (p !== '-') {
        try {
          isDir = (await fs.stat(this.resolve(p))).isDirectory();
        } catch {
          isDir = false;
        }
      }
      if (!isDir) {
        await this.formatFile(p);
        continue;
      }
      let entries;
      try {
        entries = await fs.readdir(this.resolve(p), { withFileTypes: true });
      } catch (err) {
        this.problems.push({ summary: 'Cannot read hcl directory', detail: goError(err, 'open', p) });
        return false;
      }
      // Go's os.ReadDir order: by name, bytewise.
      entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
      for (const entry of entries) {
        if (this.io.signal.aborted) return false;
        if (isIgnoredFileName(entry.name)) continue;
        const child = path.join(p, entry.name);
        if (entry.isDirectory()) {
          if (this.options.recursive && !(await this.format([child]))) return false;
          continue;
        }
        if (isHclFileName(child)) await this.formatFile(child);
      }
    }
    return true;
  }

  private async formatFile(name: string): Promise<void> {
    try {
      this.bytesModified += await this.processFile(name);
    } catch (err) {
      if (!(err instanceof FileProblem)) throw err;
      this.bytesModified += err.bytes;
      this.problems.push({ summary: `encountered an error while formatting ${name}`, detail: err.message });
    }
  }

  /** Formats one file (or stdin for `-`); returns the formatted size when it changed, else 0. */
  private async processFile(name: string): Promise<number> {
    const stdin = name === '-';
    if (!stdin && !isHclFileName(name)) throw new FileProblem(`file ${name} is not a HCL file`);
    let input: Buffer;
    if (stdin) {
      input = await readAll(this.io.stdin);
      this.showDiff = false; // Packer turns diffs off for stdin, for the rest of the run too
    } else {
      try {
        input = await fs.readFile(this.resolve(name));
      } catch (err) {
        throw new FileProblem(`failed to open ${name}: ${goError(err, 'open', name)}`);
      }
    }

    // Bytes that are not UTF-8 survive the round trip: hclsyntax accepts them in comments. (Through
    // stdout, which takes text, they become U+FFFD: stdin is the one lossy case.)
    const result = formatHcl(decodeHclBytes(input), name);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) throw new FileProblem(multiError(errors));

    const output = Buffer.from(encodeHclText(result.text));
    if (output.equals(input)) {
      if (stdin) this.io.stdout.write(result.text);
      return 0;
    }
    if (!stdin) this.io.stdout.write(`${name}\n`);
    if (this.options.write) {
      if (stdin) this.io.stdout.write(result.text);
      else {
        try {
          await replaceFile(this.resolve(name), output);
        } catch (err) {
          throw new FileProblem(goError(err, 'open', name));
        }
      }
    }
    if (this.showDiff) {
      try {
        this.io.stdout.write(await unifiedDiff(input, output, name, this.io.signal));
      } catch (err) {
        throw new FileProblem(
          `failed to generate diff for ${name}: ${(err as Error).message}`,
          output.length,
        );
      }
    }
    return output.length;
  }
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer | string) =>
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)),
    );
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** go-multierror's list, of hcl diagnostics printed as `file:line,col-col: Summary; Detail`. */
function multiError(errors: Diagnostic[]): string {
  const points = errors.map(
    (d) => `* ${d.range ? formatRange(d.range) : '<nil>'}: ${d.summary}; ${d.detail}`,
  );
  if (points.length === 1) return `1 error occurred:\n\t${points[0]}\n\n`;
  return `${points.length} errors occurred:\n\t${points.join('\n\t')}\n\n`;
}

/** One diagnostic as Packer prints it (hcl's text writer, 80 columns, no source snippet). */
function renderProblem(p: Problem): string {
  return `Error: ${p.summary}\n\n${p.detail ? `${wordWrap(p.detail, 80)}\n\n` : ''}`;
}

/** Wraps at spaces so lines stay within `limit` columns, keeping existing line breaks (go-wordwrap). */
export function wordWrap(text: string, limit: number): string {
  let out = '';
  let current = 0;
  let word = '';
  let wordLen = 0;
  let space = '';
  let spaceLen = 0;
  for (const ch of text) {
    if (ch === '\n') {
      out += space + word + ch;
      space = word = '';
      spaceLen = wordLen = current = 0;
    } else if (ch !== '\u00a0' && /\s/u.test(ch)) {
      if (spaceLen === 0 || wordLen > 0) {
        current += spaceLen + wordLen;
        out += space + word;
        space = word = '';
        spaceLen = wordLen = 0;
      }
      space += ch;
      spaceLen++;
    } else {
      word += ch;
      wordLen++;
      if (current + spaceLen + wordLen > limit && wordLen < limit) {
        out += '\n';
        current = 0;
        space = '';
        spaceLen = 0;
      }
    }
  }
  if (wordLen === 0) {
    if (current + spaceLen <= limit) out += space;
  } else {
    out += space + word;
  }
  return out;
}

/** Go-style text of a file system error: `open <name>: no such file or directory`. */
function goError(err: unknown, op: string, name: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'is a directory',
    ENOTDIR: 'not a directory',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on device',
  };
  const reason = (code && reasons[code]) ?? (err as Error).message;
  return `${op} ${name}: ${reason}`;
}

/**
 * Replaces a file's content without ever leaving it half written: the new content goes to a
 * temporary file beside the real one (through symlinks), with the same mode, then takes its place.
 */
async function replaceFile(file: string, content: Buffer): Promise<void> {
  const real = await fs.realpath(file);
  const { mode } = await fs.stat(real);
  const temp = path.join(path.dirname(real), `.${path.basename(real)}.kiln-fmt-${process.pid}-${Date.now()}`);
  try {
    await fs.writeFile(temp, content, { mode: mode & 0o7777, flag: 'wx' });
    await fs.chmod(temp, mode & 0o7777);
    await fs.rename(temp, real);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}

/** `diff -u` with Packer's labels `old/<path>` and `new/<path>`, run on two temporary files. */
async function unifiedDiff(
  before: Buffer,
  after: Buffer,
  name: string,
  signal: AbortSignal,
): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-fmt-diff-'));
  try {
    const a = path.join(dir, 'old');
    const b = path.join(dir, 'new');
    await fs.writeFile(a, before, { mode: constants.S_IRUSR | constants.S_IWUSR });
    await fs.writeFile(b, after, { mode: constants.S_IRUSR | constants.S_IWUSR });
    return await new Promise<string>((resolve, reject) => {
      execFile(
        'diff',
        [`--label=old/${name}`, `--label=new/${name}`, '-u', a, b],
        { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, signal },
        (err, stdout, stderr) => {
          const output = stdout + stderr;
          // diff exits 1 when the files differ: any output is the answer.
          if (output.length > 0) resolve(output);
          else reject(err ?? new Error('diff produced no output'));
        },
      );
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
