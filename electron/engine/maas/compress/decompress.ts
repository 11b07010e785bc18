/**
 * Reading artifacts back: which compression a file has (by magic), and its decompressed bytes as a
 * stream — gzip in-process, xz/bzip2/zstd through the system tools. Used by the inspector, the
 * readiness check (is `ddgz` really a gzipped disk?) and the tests.
 */
import { spawn } from 'node:child_process';
import { createReadStream, closeSync, openSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';

export type Compression = 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'lz4' | 'none';

export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])))
    return 'xz';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 4 && head.readUInt32LE(0) === 0x184d2204) return 'lz4';
  return 'none';
}

export function readHead(file: string, length = 4096): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const n = readSync(fd, buffer, 0, length, 0);
    return buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

const TOOLS: Record<'bzip2' | 'xz' | 'zstd' | 'lz4', [string, string[]]> = {
  bzip2: ['bzip2', ['-dc']],
  xz: ['xz', ['-dc', '-T0']],
  zstd: ['zstd', ['-dc', '-q']],
  lz4: ['lz4', ['-dc']],
};

/**
 * The decompressed contents of `file`. Stopping early (breaking out of the loop, or `signal`) ends the
 * decompressor process too.
 */
export async function* decompressedStream(file: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const compression = detectCompression(readHead(file, 8));
  const input = createReadStream(file, { highWaterMark: 1024 * 1024, signal });
  if (compression === 'none') {
    yield* input as AsyncIterable<Buffer>;
    return;
  }
  if (compression === 'gzip') {
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    input.on('error', (err) => gunzip.destroy(err));
    input.pipe(gunzip);
    try {
      yield* gunzip as AsyncIterable<Buffer>;
    } finally {
      input.destroy();
      gunzip.destroy();
    }
    return;
  }
  const [command, args] = TOOLS[compression];
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`cannot run ${command} to read ${file}: ${err.message}`)));
    child.once('close', resolve);
  });
  exited.catch(() => undefined);
  input.pipe(child.stdin);
  child.stdin.on('error', () => undefined); // EPIPE when we stop reading early
  let complete = false;
  try {
    yield* child.stdout as AsyncIterable<Buffer>;
    complete = true;
  } finally {
    input.destroy();
    if (!complete && child.exitCode === null) child.kill('SIGKILL');
  }
  const code = await exited;
  if (code !== 0)
    throw new Error(`${command} could not decompress ${file}: ${stderr.trim() || `exit ${code}`}`);
}
