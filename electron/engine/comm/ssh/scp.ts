/**
 * The scp protocol as Packer speaks it over an exec channel: sink mode (`scp -vt <dir>`, `C0644 <size>
 * <name>`, `D0755 0 <name>` … `E`) for uploads, source mode (`scp -vf`, `scp -vrf`) for downloads.
 */
import { createReadStream, createWriteStream, mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { TransferProgress, UploadSource } from '../communicator';

/** Reads an exec channel's stdout as bytes, lines and counted blocks. */
export class ChannelReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(stream: Readable) {
    stream.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.length += chunk.length;
      this.notify();
    });
    stream.on('end', () => {
      this.ended = true;
      this.notify();
    });
    stream.on('close', () => {
      this.ended = true;
      this.notify();
    });
    stream.on('error', (err: Error) => {
      this.failure = err;
      this.notify();
    });
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async waitFor(predicate: () => boolean): Promise<void> {
    while (!predicate()) {
      if (this.failure) throw this.failure;
      if (this.ended) throw new Error('EOF');
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.length);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.length = rest.length;
    return out;
  }

  async readByte(): Promise<number> {
    await this.waitFor(() => this.length >= 1);
    return this.take(1)[0];
  }

  /** Reads through the next `\n`, returning the line with it. */
  async readLine(): Promise<string> {
    const newlineAt = () => {
      let offset = 0;
      for (const c of this.chunks) {
        const i = c.indexOf(10);
        if (i >= 0) return offset + i;
        offset += c.length;
      }
      return -1;
    };
    await this.waitFor(() => newlineAt() >= 0);
    return this.take(newlineAt() + 1).toString('utf8');
  }

  /** Copies exactly `size` bytes to `sink`. */
  async copyTo(sink: (chunk: Buffer) => Promise<void> | void, size: number): Promise<void> {
    let left = size;
    while (left > 0) {
      await this.waitFor(() => this.length > 0);
      const chunk = this.take(Math.min(left, this.length));
      left -= chunk.length;
      await sink(chunk);
    }
  }

  /** Whatever is left, up to the end of the stream. */
  async rest(): Promise<string> {
    try {
      await this.waitFor(() => false);
    } catch {
      // end of stream
    }
    return this.take(this.length).toString('utf8');
  }
}

/** Reads scp's status byte; a non-zero one is followed by the error message. */
export async function checkScpStatus(r: ChannelReader): Promise<void> {
  const code = await r.readByte();
  if (code !== 0) {
    const line = await r.readLine().catch(() => '');
    throw new Error(line.replace(/\r?\n$/, ''));
  }
}

/** Writes with backpressure. */
export function writeAll(w: Writable, data: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = w.write(data, (err) => {
      if (err) reject(err);
    });
    if (ok) resolve();
    else w.once('drain', resolve);
  });
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** Sends one file in sink mode: `C<mode> <size> <name>`, the bytes, then a zero byte. */
export async function scpSendFile(
  name: string,
  source: UploadSource,
  w: Writable,
  r: ChannelReader,
  progress?: TransferProgress,
): Promise<void> {
  const mode = source.kind === 'file' ? source.mode : (source.mode ?? 0o644);
  const size = source.kind === 'file' ? source.size : source.data.length;
  await writeAll(w, `C${octal(mode)} ${size} ${name}\n`);
  await checkScpStatus(r);
  if (source.kind === 'buffer') {
    await writeAll(w, source.data);
    progress?.(size, size);
  } else {
    let sent = 0;
    const stream = createReadStream(source.path, { highWaterMark: 256 * 1024 });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      // The file may grow while we read it: send exactly the announced size.
      const piece = chunk.subarray(0, Math.max(0, size - sent));
      if (piece.length) await writeAll(w, piece);
      sent += piece.length;
      progress?.(sent, size);
      if (sent >= size) break;
    }
    stream.destroy();
    if (sent < size) throw new Error(`${source.path} shrank while being uploaded`);
  }
  await writeAll(w, Buffer.from([0]));
  await checkScpStatus(r);
}

/** Sends a directory record around `body`: `D<mode> 0 <name>` … `E`. */
async function scpSendDir(
  name: string,
  stats: Stats,
  w: Writable,
  r: ChannelReader,
  body: () => Promise<void>,
): Promise<void> {
  await writeAll(w, `D${octal(stats.mode)} 0 ${name}\n`);
  await checkScpStatus(r);
  await body();
  await writeAll(w, 'E\n');
  await checkScpStatus(r);
}

/** Sends a directory's entries (Packer's scpUploadDir), following symlinks to directories. */
export async function scpSendEntries(
  root: string,
  w: Writable,
  r: ChannelReader,
  exclude: string[] = [],
): Promise<void> {
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (exclude.includes(entry.name)) continue;
    const full = join(root, entry.name);
    const stats = statSync(entry.isSymbolicLink() ? realpathSync(full) : full);
    if (!stats.isDirectory()) {
      await scpSendFile(entry.name, { kind: 'file', path: full, mode: stats.mode, size: stats.size }, w, r);
      continue;
    }
    await scpSendDir(entry.name, stats, w, r, () => scpSendEntries(full, w, r, exclude));
  }
}

/** Packer's UploadDir over scp: `src` without a trailing slash sends the directory itself. */
export async function scpSendTree(
  src: string,
  w: Writable,
  r: ChannelReader,
  exclude: string[] = [],
): Promise<void> {
  if (src.endsWith('/')) return scpSendEntries(src, w, r, exclude);
  const stats = statSync(src);
  await scpSendDir(basename(src), stats, w, r, () => scpSendEntries(src, w, r, exclude));
}

/** Receives one file in source mode (`scp -vf path`) into `dest`. */
export async function scpReceiveFile(w: Writable, r: ChannelReader, dest: Writable): Promise<void> {
  await writeAll(w, Buffer.from([0]));
  const header = await r.readLine();
  switch (header[0]) {
    case '\x01':
    case '\x02':
      throw new Error(header.slice(1).replace(/\r?\n$/, ''));
    case 'C':
      break;
    case 'D':
      throw new Error('remote file is directory');
    default:
      throw new Error(`unexpected server response (${header.charCodeAt(0).toString(16)})`);
  }
  const match = /^C(\d{4}) (\d+) /.exec(header);
  if (!match) throw new Error(`can't parse server response (${header})`);
  const size = Number(match[2]);
  await writeAll(w, Buffer.from([0]));
  await r.copyTo((chunk) => writeAll(dest, chunk), size);
  await writeAll(w, Buffer.from([0]));
  await checkScpStatus(r);
}

/** Receives a directory tree in source mode (`scp -vrf src`) under `dst` (Packer's DownloadDir). */
export async function scpReceiveTree(w: Writable, r: ChannelReader, dst: string): Promise<void> {
  const stack = [dst];
  for (;;) {
    await writeAll(w, Buffer.from([0]));
    const line = await r.readLine();
    switch (line[0]) {
      case '\x01':
      case '\x02':
        throw new Error(line.slice(1).replace(/\r?\n$/, ''));
      case 'E':
        stack.pop();
        if (stack.length === 0) {
          await writeAll(w, Buffer.from([0]));
          return;
        }
        continue;
      case 'C':
      case 'D':
        break;
      default:
        throw new Error(`unexpected server response (${line.charCodeAt(0).toString(16)})`);
    }
    const match = /^[CD]([0-7]+) (\d+) (.+)\n$/.exec(line);
    if (!match) throw new Error(`can't parse server response (${line})`);
    const mode = parseInt(match[1], 8);
    const size = Number(match[2]);
    const name = match[3];
    const here = join(...stack);
    if (line[0] === 'D') {
      mkdirSync(join(here, name), { recursive: true, mode });
      stack.push(name);
      continue;
    }
    await writeAll(w, Buffer.from([0]));
    const file = createWriteStream(join(here, name), { mode });
    await r.copyTo((chunk) => writeAll(file, chunk), size);
    await new Promise<void>((resolve, reject) =>
      file.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    await checkScpStatus(r);
  }
}
