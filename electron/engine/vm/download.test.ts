import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cacheTarget,
  ChecksumError,
  displaySource,
  download,
  findInChecksumList,
  resolveChecksum,
} from './download';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('ISO and image downloads', () => {
  let dir: string;
  let server: Server;
  let url: string;
  const image = Buffer.alloc(300_000, 7);
  image.write('KILN', 0);
  let served = 0;
  let ranges: string[] = [];
  let cutAfter: number | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-dl-'));
    writeFileSync(join(dir, 'local.img'), image);
    writeFileSync(
      join(dir, 'SHA256SUMS'),
      `0000000000000000000000000000000000000000000000000000000000000000  other.img\n${sha256(image)} *image.img\n`,
    );
    writeFileSync(join(dir, 'BSDSUMS'), `SHA256 (image.img) = ${sha256(image)}\n`);
    server = createServer((req, res) => {
      served++;
      if (req.url === '/SHA256SUMS') return res.end(readFileSync(join(dir, 'SHA256SUMS')));
      const range = req.headers.range;
      if (range) {
        ranges.push(range);
        const start = Number(/bytes=(\d+)-/.exec(range)![1]);
        res.writeHead(206, {
          'Content-Range': `bytes ${start}-${image.length - 1}/${image.length}`,
          'Content-Length': image.length - start,
        });
        return res.end(image.subarray(start));
      }
      res.writeHead(200, { 'Content-Length': image.length });
      if (cutAfter !== undefined) {
        // A dropped connection half way.
        res.write(image.subarray(0, cutAfter));
        return setTimeout(() => res.destroy(), 20);
      }
      res.end(image);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses checksum lists (GNU and BSD styles) and checksum strings', async () => {
    expect(findInChecksumList(readFileSync(join(dir, 'SHA256SUMS'), 'utf8'), 'image.img')).toEqual({
      type: 'sha256',
      hex: sha256(image),
    });
    expect(findInChecksumList(readFileSync(join(dir, 'BSDSUMS'), 'utf8'), 'image.img')).toEqual({
      type: 'sha256',
      hex: sha256(image),
    });
    expect(await resolveChecksum('none', 'x', dir)).toBeUndefined();
    expect(await resolveChecksum(`SHA256:${sha256(image).toUpperCase()}`, 'x', dir)).toEqual({
      type: 'sha256',
      hex: sha256(image),
    });
    expect(await resolveChecksum(sha256(image), 'x', dir)).toEqual({ type: 'sha256', hex: sha256(image) });
    expect(await resolveChecksum(`file:${url}/SHA256SUMS`, `${url}/image.img`, dir)).toEqual({
      type: 'sha256',
      hex: sha256(image),
    });
    await expect(resolveChecksum('file:./SHA256SUMS', 'missing.img', dir)).rejects.toThrow(ChecksumError);
  });

  it('uses a local file in place after verifying it (paths and file:// URLs)', async () => {
    const checksum = `sha256:${sha256(image)}`;
    const local = await download({
      source: 'local.img',
      checksum,
      cwd: dir,
      cacheDir: join(dir, 'cache'),
      extension: 'iso',
    });
    expect(local).toEqual({
      path: join(dir, 'local.img'),
      cached: true,
      displaySource: `local.img?checksum=sha256%3A${sha256(image)}`,
    });
    const viaUrl = await download({
      source: `file://${join(dir, 'local.img')}`,
      checksum: 'none',
      cwd: '/',
      cacheDir: join(dir, 'cache'),
      extension: 'iso',
    });
    expect(viaUrl.path).toBe(join(dir, 'local.img'));
    await expect(
      download({
        source: 'local.img',
        checksum: `sha256:${'1'.repeat(64)}`,
        cwd: dir,
        cacheDir: join(dir, 'cache'),
        extension: 'iso',
      }),
    ).rejects.toThrow(/Checksums did not match/);
  });

  it('downloads into the cache by checksum, resumes a dropped download, and reuses the cached file', async () => {
    const cacheDir = join(dir, 'cache2');
    const options = {
      source: `${url}/image.img`,
      checksum: `file:${url}/SHA256SUMS`,
      cwd: dir,
      cacheDir,
      extension: 'img',
    };
    const target = cacheTarget(options);
    expect(target).toBe(join(cacheDir, `${createHash('sha1').update(options.checksum).digest('hex')}.img`));
    cutAfter = 100_000;
    await expect(download(options)).rejects.toThrow();
    const partial = statSync(`${target}.part`).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThanOrEqual(100_000);
    cutAfter = undefined;
    ranges = [];
    const progress: number[] = [];
    const first = await download({ ...options, onProgress: (p) => progress.push(p.bytes) });
    expect(ranges).toEqual([`bytes=${partial}-`]);
    expect(first).toEqual({
      path: target,
      cached: false,
      displaySource: displaySource(options.source, options.checksum),
    });
    expect(readFileSync(target).equals(image)).toBe(true);
    expect(progress.at(-1)).toBe(image.length);
    expect(existsSync(`${target}.part`)).toBe(false);
    const before = served;
    const second = await download(options);
    expect(second.cached).toBe(true);
    // Only the checksum list was fetched again.
    expect(served - before).toBe(1);
  });
});
