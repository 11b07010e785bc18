/**
 * The compress post-processor in-process: what it writes (tar.gz, tar.xz, BGZF) reads back byte for byte, and a cancel in the
 * middle leaves no output file, no gzip worker thread and no open input file. (Side by side with
 * packer, through `kiln build`: electron/cli/postprocessors.test.ts and cancel.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Artifact, ComponentContext } from '../build/components';
import { TempSpace } from '../build/temp';
import { BuildUi, EventChannel } from '../build/ui';
import { CompressPostProcessor } from './compress';

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'kiln-compress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// libuv's pool starts its threads on the first asynchronous file call: start it before counting threads.
beforeAll(() => stat(dir));

const threads = () => readdirSync('/proc/self/task').length;
const openFiles = () => readdirSync('/proc/self/fd').length;

function context(signal: AbortSignal): ComponentContext {
  return {
    signal,
    ui: new BuildUi(new EventChannel(), 'test'),
    temp: new TempSpace(),
    build: {
      name: 'test',
      builderType: 'null',
      sourceName: 'test',
      buildBlockName: '',
      debug: false,
      force: false,
      onError: 'cleanup',
      runUuid: 'test',
      cwd: dir,
    },
  };
}

function artifact(files: string[]): Artifact {
  return {
    builderId: 'test',
    id: '',
    files,
    describe: () => files.join(', '),
    destroy: async () => undefined,
  };
}

/** A disk-like file: random, zeros and text, in 1.5 MiB stripes (not aligned with gzip's blocks). */
function diskLike(name: string, stripes: number): string {
  const text = Buffer.from('the quick brown fox jumps over the lazy dog 0123456789\n'.repeat(30_000));
  const parts = Array.from(
    { length: stripes },
    (_, i) => [randomBytes(1.5 * MiB), Buffer.alloc(1.5 * MiB), text.subarray(0, 1.5 * MiB)][i % 3],
  );
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

describe('compress post-processor', () => {
  it('writes a tar.gz that gunzips and untars to the same files', async () => {
    const a = diskLike('a.img', 9);
    const b = join(dir, 'b.txt');
    writeFileSync(b, 'a small file\n');
    const pp = new CompressPostProcessor({ output: 'out/files.tar.gz' }, (t) => t);
    const result = await pp.postProcess(context(new AbortController().signal), artifact([a, 'b.txt']));
    expect(result.artifact?.files).toEqual(['out/files.tar.gz']);
    const archive = readFileSync(join(dir, 'out/files.tar.gz'));
    expect(gunzipSync(archive).length % 512).toBe(0);
    const extract = join(dir, 'extract');
    rmSync(extract, { recursive: true, force: true });
    const tar = spawnSync('sh', [
      '-c',
      `mkdir -p ${extract} && tar -xzf ${join(dir, 'out/files.tar.gz')} -C ${extract}`,
    ]);
    expect(tar.status, String(tar.stderr)).toBe(0);
    expect(readFileSync(join(extract, 'a.img')).equals(readFileSync(a))).toBe(true);
    expect(readFileSync(join(extract, 'b.txt'), 'utf8')).toBe('a small file\n');
  });

  it('writes .tar.xz through xz-utils, which untars to the same files', async () => {
    const a = diskLike('x.img', 4);
    const pp = new CompressPostProcessor({ output: 'out/files.tar.xz' }, (t) => t);
    const result = await pp.postProcess(context(new AbortController().signal), artifact([a]));
    expect(result.artifact?.files).toEqual(['out/files.tar.xz']);
    const extract = join(dir, 'extract-xz');
    const tar = spawnSync('sh', [
      '-c',
      `mkdir -p ${extract} && tar -xJf ${join(dir, 'out/files.tar.xz')} -C ${extract}`,
    ]);
    expect(tar.status, String(tar.stderr)).toBe(0);
    expect(readFileSync(join(extract, 'x.img')).equals(readFileSync(a))).toBe(true);
  });

  it('writes BGZF: gzip members of at most 65,280 input bytes, each naming its size, then the EOF block', async () => {
    const a = diskLike('g.img', 3);
    const pp = new CompressPostProcessor({ output: 'out/g.bgzf' }, (t) => t);
    await pp.postProcess(context(new AbortController().signal), artifact([a]));
    const bytes = readFileSync(join(dir, 'out/g.bgzf'));
    // Any gzip reader reads it whole (a series of members).
    expect(gunzipSync(bytes).equals(readFileSync(a))).toBe(true);
    let at = 0;
    let blocks = 0;
    let input = 0;
    while (at < bytes.length) {
      // ID1 ID2 CM=8 FLG=FEXTRA, XLEN=6, subfield 'BC' of length 2 holding the block size minus one.
      expect([...bytes.subarray(at, at + 4)]).toEqual([0x1f, 0x8b, 8, 4]);
      expect(bytes.readUInt16LE(at + 10)).toBe(6);
      expect(bytes.toString('latin1', at + 12, at + 14)).toBe('BC');
      const size = bytes.readUInt16LE(at + 16) + 1;
      const isize = bytes.readUInt32LE(at + size - 4);
      expect(isize).toBeLessThanOrEqual(0xff00);
      input += isize;
      at += size;
      blocks++;
    }
    expect(at).toBe(bytes.length);
    expect(input).toBe(readFileSync(a).length);
    expect(blocks).toBe(Math.ceil(input / 0xff00) + 1);
    expect(bytes.subarray(-28).toString('hex')).toBe(
      '1f8b08040000000000ff0600424302001b0003000000000000000000',
    );
  });

  it('a cancel mid-way leaves no output, no worker thread and no open file', async () => {
    const big = diskLike('big.img', 60);
    const threadsBefore = threads();
    const filesBefore = openFiles();
    const controller = new AbortController();
    const pp = new CompressPostProcessor({ output: 'cancelled.tar.gz' }, (t) => t);
    const ctx = context(controller.signal);
    const events: number[] = [];
    const channel = new EventChannel();
    channel.subscribe((e) => {
      if (e.type === 'progress' && !e.done && e.bytes > 0) {
        events.push(e.bytes);
        controller.abort(new Error('cancelled'));
      }
    });
    const running = pp.postProcess({ ...ctx, ui: new BuildUi(channel, 'test') }, artifact([big]));
    await expect(running).rejects.toThrow('cancelled');
    expect(events[0]).toBeLessThan(60 * 1.5 * MiB);
    expect(existsSync(join(dir, 'cancelled.tar.gz'))).toBe(false);
    expect(threads()).toBe(threadsBefore);
    expect(openFiles()).toBe(filesBefore);
  });
});
