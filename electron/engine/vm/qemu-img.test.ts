import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  convertArgs,
  convertImage,
  createArgs,
  createImage,
  imageInfo,
  QemuImgError,
  resizeArgs,
  resizeImage,
} from './qemu-img';

const haveQemuImg = spawnSync('qemu-img', ['--version']).status === 0;
if (!haveQemuImg) console.warn('qemu-img tests skipped: qemu-img is not installed');

describe('qemu-img command lines', () => {
  it('names the backing format (-F) unless qemu_img_args.create already does', () => {
    expect(
      createArgs({
        format: 'qcow2',
        path: 'out/disk',
        size: '8G',
        backingFile: '/base.img',
        backingFormat: 'qcow2',
      }),
    ).toEqual(['create', '-f', 'qcow2', '-b', '/base.img', '-F', 'qcow2', 'out/disk', '8G']);
    // packer-maas passes qemu_img_args { create = ["-F", "qcow2"] }.
    expect(
      createArgs({
        format: 'qcow2',
        path: 'd',
        size: '8G',
        backingFile: '/b',
        backingFormat: 'qcow2',
        extraArgs: ['-F', 'qcow2'],
      }),
    ).toEqual(['create', '-f', 'qcow2', '-b', '/b', '-F', 'qcow2', 'd', '8G']);
    expect(
      createArgs({ format: 'raw', path: 'd', size: '1G', extraArgs: ['-o', 'preallocation=off'] }),
    ).toEqual(['create', '-f', 'raw', '-o', 'preallocation=off', 'd', '1G']);
  });
  it('orders convert and resize arguments as the plugin does', () => {
    expect(
      convertArgs({
        source: 'a',
        dest: 'a.convert',
        outputFormat: 'qcow2',
        compress: true,
        extraArgs: ['-m', '16'],
      }),
    ).toEqual(['convert', '-c', '-m', '16', '-O', 'qcow2', 'a', 'a.convert']);
    expect(resizeArgs({ path: 'd', format: 'qcow2', size: '8G', extraArgs: ['--shrink'] })).toEqual([
      'resize',
      '-f',
      'qcow2',
      '--shrink',
      'd',
      '8G',
    ]);
  });
});

describe.skipIf(!haveQemuImg)('qemu-img against real images', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-img-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a backed overlay (the format detected), resizes, converts and reads info', async () => {
    await createImage({ format: 'raw', path: join(dir, 'base.raw'), size: '64M' });
    await createImage({
      format: 'qcow2',
      path: join(dir, 'overlay.qcow2'),
      size: '128M',
      backingFile: join(dir, 'base.raw'),
    });
    let info = await imageInfo(join(dir, 'overlay.qcow2'));
    expect(info).toMatchObject({
      format: 'qcow2',
      virtualSize: 128 * 1024 ** 2,
      backingFile: join(dir, 'base.raw'),
      backingFormat: 'raw',
    });
    await resizeImage({ path: join(dir, 'overlay.qcow2'), format: 'qcow2', size: '256M' });
    info = await imageInfo(join(dir, 'overlay.qcow2'));
    expect(info.virtualSize).toBe(256 * 1024 ** 2);
    const percents: number[] = [];
    await convertImage({
      source: join(dir, 'overlay.qcow2'),
      dest: join(dir, 'flat.qcow2'),
      outputFormat: 'qcow2',
      onProgress: (p) => percents.push(p),
    });
    expect((await imageInfo(join(dir, 'flat.qcow2'))).backingFile).toBeUndefined();
    expect(percents.at(-1)).toBe(100);
  });

  it('reports failures as "QemuImg error: <stderr>" and cancels', async () => {
    const failure = imageInfo(join(dir, 'missing.qcow2'));
    await expect(failure).rejects.toBeInstanceOf(QemuImgError);
    await expect(imageInfo(join(dir, 'missing.qcow2'))).rejects.toThrow(
      /^QemuImg error: qemu-img: Could not open/,
    );
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(
      createImage({ format: 'qcow2', path: join(dir, 'never.qcow2'), size: '1G', signal: controller.signal }),
    ).rejects.toThrow('cancelled');
    expect(existsSync(join(dir, 'never.qcow2'))).toBe(false);
  });
});
