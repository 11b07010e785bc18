/**
 * Disk images: each dd filetype, from qcow2 (with holes the reader skips) and from raw, decompressed by
 * the tools curtin uses (zcat, xzcat, bzcat, tar -xO) back to exactly the disk qemu-img sees.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  createReadStream,
  readFileSync,
  statSync,
  writeFileSync,
  truncateSync,
  openSync,
  writeSync,
  closeSync,
  readdirSync,
} from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDiskImage, type DiskImageFiletype } from './ddimage';
import { pseudoRandom, removeDir, tempDir } from './testing/fixtures';
import { hasTool, missingTools, run } from './testing/tools';

const missing = missingTools('qemu-img', 'gzip', 'tar');

/** How curtin unpacks each type (block_meta.write_image_to_disk): the command reading the file. */
const UNPACK: Record<DiskImageFiletype, { tool: string; command: string[] }> = {
  ddraw: { tool: 'cat', command: ['cat'] },
  ddgz: { tool: 'zcat', command: ['zcat'] },
  ddxz: { tool: 'xzcat', command: ['xzcat'] },
  ddbz2: { tool: 'bzcat', command: ['bzcat'] },
  ddtar: { tool: 'tar', command: ['tar', '-xOf'] },
  ddtgz: { tool: 'tar', command: ['tar', '-xOzf'] },
  ddtbz: { tool: 'bzip2', command: ['tar', '-xOjf'] },
  ddtxz: { tool: 'xz', command: ['tar', '-xOJf'] },
};

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe.skipIf(missing)(`disk images ${missing ? `(skipped: ${missing})` : ''}`, () => {
  let dir: string;
  let raw: string;
  let qcow2: string;
  const SIZE = 12 * 1024 * 1024;

  beforeAll(() => {
    dir = tempDir('dd');
    raw = path.join(dir, 'disk.raw');
    writeFileSync(raw, '');
    truncateSync(raw, SIZE);
    const fd = openSync(raw, 'r+');
    writeSync(fd, pseudoRandom(1024 * 1024, 3), 0, 1024 * 1024, 0);
    writeSync(fd, Buffer.from('text between holes'), 0, 18, 5 * 1024 * 1024);
    writeSync(fd, Buffer.alloc(2 * 1024 * 1024), 0, 2 * 1024 * 1024, 7 * 1024 * 1024); // explicit zeros
    writeSync(fd, pseudoRandom(777, 4), 0, 777, SIZE - 777);
    closeSync(fd);
    qcow2 = path.join(dir, 'disk.qcow2');
    run('qemu-img', ['convert', '-O', 'qcow2', raw, qcow2]);
  });
  afterAll(() => removeDir(dir));

  for (const filetype of Object.keys(UNPACK) as DiskImageFiletype[]) {
    for (const source of ['qcow2', 'raw'] as const) {
      it.skipIf(!hasTool(UNPACK[filetype].tool))(
        `${filetype} from ${source} unpacks to the same disk`,
        async () => {
          const out = path.join(dir, `out-${source}.${filetype}`);
          const result = await makeDiskImage(source === 'qcow2' ? qcow2 : raw, out, filetype, {
            level: filetype.endsWith('xz') ? 1 : undefined,
          });
          const [command, ...args] = UNPACK[filetype].command;
          const unpacked = execFileSync(command, [...args, out], { maxBuffer: 2 * SIZE });
          expect(unpacked.length).toBe(SIZE);
          expect(sha256(unpacked)).toBe(sha256(readFileSync(raw)));
          expect(result.sha256).toBe(sha256(readFileSync(out)));
          if (filetype.startsWith('ddt')) expect(run('tar', ['-tf', out]).trim()).toBe('disk.img');
          if (filetype === 'ddraw' || filetype === 'ddtar')
            expect(statSync(out).blocks * 512).toBeLessThan(SIZE / 2); // holes stay holes
        },
      );
    }
  }

  it('ddgz keeps long zero runs cheap: precompressed blocks, and the stream still checks out', async () => {
    const big = path.join(dir, 'big.qcow2');
    run('qemu-img', ['create', '-q', '-f', 'qcow2', big, '1G']);
    run('qemu-io', ['-c', 'write -P 0x5a 512M 1M', big]);
    const out = path.join(dir, 'big.ddgz');
    const result = await makeDiskImage(big, out, 'ddgz');
    expect(result.rawBytes).toBe(1024 ** 3);
    expect(statSync(out).size).toBeLessThan(2 * 1024 * 1024);
    // 1 GiB through deflate takes tens of seconds here; the zero path well under one
    expect(result.seconds).toBeLessThan(10);
    // zlib checks the CRC-32 and length in the trailer: the arithmetic for the skipped zeros is right
    let bytes = 0;
    let marked = 0;
    for await (const chunk of createReadStream(out).pipe(createGunzip())) {
      const data = chunk as Buffer;
      if (data.indexOf(0x5a) >= 0) marked += data.length - data.filter((b) => b !== 0x5a).length;
      bytes += data.length;
    }
    expect(bytes).toBe(1024 ** 3);
    expect(marked).toBe(1024 * 1024);
  }, 90_000);

  it('leaves nothing behind when cancelled', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(
      makeDiskImage(qcow2, path.join(dir, 'gone.ddgz'), 'ddgz', { signal: controller.signal }),
    ).rejects.toThrow('stop');
    expect(readdirSync(dir).filter((f) => f.startsWith('gone'))).toEqual([]);
  });
});
