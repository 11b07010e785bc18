/**
 * Disk readers against qemu's own: every qcow2 variant (compressed, tiny and huge clusters, extended L2,
 * zero clusters, v2, backing chains) reads byte for byte as `qemu-img convert -O raw` writes it, and the
 * partition tables sgdisk and parted write read back with the numbers Linux gives them.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, truncateSync, openSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pseudoRandom, removeDir, tempDir, makeExt4, makeDisk, populateTree } from '../testing/fixtures';
import { missingTools, run } from '../testing/tools';
import type { BlockDevice } from './device';
import { openImage } from './image';
import { openDisk, sniffFormat } from './open';
import { readPartitionTable, partitionDevice } from './partitions';
import { probeContent } from './probe';

const missing = missingTools('qemu-img', 'qemu-io', 'sgdisk', 'parted', 'mkfs.ext4');
const hasZstd = typeof (zlib as unknown as Record<string, unknown>).zstdDecompressSync === 'function';

async function deviceHash(device: BlockDevice): Promise<string> {
  const hash = createHash('sha256');
  const chunk = 3 * 1024 * 1024 + 512; // odd size: reads straddle clusters
  for (let at = 0; at < device.size; at += chunk) {
    const n = Math.min(chunk, device.size - at);
    const buf = Buffer.alloc(n);
    await device.read(buf, at, n, 0);
    hash.update(buf);
  }
  return hash.digest('hex');
}

function fileHash(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** What qemu itself reads from an image. */
function qemuRawHash(image: string, dir: string): string {
  const out = path.join(dir, 'qemu.raw');
  run('qemu-img', ['convert', '-O', 'raw', image, out]);
  return fileHash(out);
}

describe.skipIf(missing)(`disk readers ${missing ? `(skipped: ${missing})` : ''}`, () => {
  let dir: string;
  let raw: string;

  beforeAll(() => {
    dir = tempDir('disk');
    // A small raw disk with varied content: data, zeros, data near the end.
    raw = path.join(dir, 'base.raw');
    writeFileSync(raw, '');
    truncateSync(raw, 24 * 1024 * 1024);
    const fd = openSync(raw, 'r+');
    writeSync(fd, pseudoRandom(5 * 1024 * 1024 + 77, 1), 0, 5 * 1024 * 1024 + 77, 1000);
    writeSync(fd, Buffer.from('x'.repeat(100000)), 0, 100000, 12 * 1024 * 1024);
    writeSync(fd, pseudoRandom(4096, 2), 0, 4096, 24 * 1024 * 1024 - 4096);
    closeSync(fd);
  });
  afterAll(() => removeDir(dir));

  const variants: Array<[string, string[]]> = [
    ['default qcow2 v3, 64 KiB clusters', []],
    ['compressed clusters (deflate)', ['-c']],
    ['512-byte clusters', ['-o', 'cluster_size=512']],
    ['2 MiB clusters', ['-o', 'cluster_size=2M']],
    ['extended L2 entries (subclusters)', ['-o', 'extended_l2=on,cluster_size=128k']],
    ['qcow2 v2 (compat=0.10)', ['-o', 'compat=0.10']],
    ['compressed, 4 KiB clusters', ['-c', '-o', 'cluster_size=4096']],
  ];
  for (const [name, options] of variants) {
    it(`reads ${name} as qemu does`, async () => {
      const image = path.join(dir, 'v.qcow2');
      run('qemu-img', ['convert', '-O', 'qcow2', ...options, raw, image]);
      expect(sniffFormat(image)).toBe('qcow2');
      const device = await openDisk(image);
      try {
        expect(device.size).toBe(24 * 1024 * 1024);
        expect(await deviceHash(device)).toBe(fileHash(raw));
        // zero extents really read as zeros, and a hole the image skipped is reported as one
        const extents = await device.extents(0, device.size);
        expect(extents.reduce((n, e) => n + e.length, 0)).toBe(device.size);
        expect(
          extents.some(
            (e) => e.kind === 'zero' && e.offset <= 8 * 1024 * 1024 && e.offset + e.length >= 9 * 1024 * 1024,
          ),
        ).toBe(true);
        for (const e of extents.filter((x) => x.kind === 'zero')) {
          const probe = Buffer.alloc(Math.min(e.length, 65536));
          await device.read(probe, e.offset, probe.length);
          expect(probe.every((b) => b === 0)).toBe(true);
        }
      } finally {
        await device.close();
      }
    });
  }

  it('reads zstd-compressed clusters where Node has zstd, and names the problem where it has not', async () => {
    const image = path.join(dir, 'zstd.qcow2');
    run('qemu-img', ['convert', '-O', 'qcow2', '-c', '-o', 'compression_type=zstd', raw, image]);
    const device = await openDisk(image);
    try {
      if (hasZstd) expect(await deviceHash(device)).toBe(fileHash(raw));
      else await expect(deviceHash(device)).rejects.toThrow(/zstd.*--reader qemu-nbd/);
    } finally {
      await device.close();
    }
    // the qemu-nbd reader reads it either way
    const viaNbd = await openDisk(image, { reader: 'qemu-nbd' });
    try {
      expect(await deviceHash(viaNbd)).toBe(fileHash(raw));
    } finally {
      await viaNbd.close();
    }
  });

  it('follows a backing chain: compressed base, overlay writes, zeroed clusters, a larger overlay', async () => {
    const base = path.join(dir, 'chain-base.qcow2');
    const mid = path.join(dir, 'chain-mid.qcow2');
    const top = path.join(dir, 'chain-top.qcow2');
    run('qemu-img', ['convert', '-O', 'qcow2', '-c', raw, base]);
    run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', 'chain-base.qcow2', '-F', 'qcow2', mid]);
    run('qemu-io', ['-c', 'write -P 0xab 100000 200000', mid]);
    run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', mid, '-F', 'qcow2', top, '32M']);
    run('qemu-io', [
      '-c',
      'write -z 2M 1M',
      '-c',
      'write -P 0xcd 30M 64k',
      '-c',
      'write -P 0x11 12M 4k',
      top,
    ]);
    const device = await openDisk(top);
    try {
      expect(device.size).toBe(32 * 1024 * 1024);
      expect(await deviceHash(device)).toBe(qemuRawHash(top, dir));
      const zeroed = (await device.extents(2 * 1024 * 1024, 1024 * 1024)).every((e) => e.kind === 'zero');
      expect(zeroed).toBe(true);
    } finally {
      await device.close();
    }
  });

  it('reads any qemu format through qemu-nbd, without root or FUSE', async () => {
    const vmdk = path.join(dir, 'v.vmdk');
    run('qemu-img', ['convert', '-O', 'vmdk', raw, vmdk]);
    expect(sniffFormat(vmdk)).toBe('vmdk');
    await expect(openDisk(vmdk, { reader: 'native' })).rejects.toThrow(
      /vmdk image; Kiln reads raw and qcow2 itself/,
    );
    const device = await openDisk(vmdk);
    try {
      expect(device.description).toMatch(/qemu-nbd/);
      expect(await deviceHash(device)).toBe(fileHash(raw));
    } finally {
      await device.close();
    }
  });

  it('says clearly when an image is truncated', async () => {
    const image = path.join(dir, 'trunc.qcow2');
    run('qemu-img', ['convert', '-O', 'qcow2', raw, image]);
    const whole = readFileSync(image);
    writeFileSync(image, whole.subarray(0, Math.floor(whole.length / 2)));
    const device = await openDisk(image).catch((err: Error) => err);
    if (device instanceof Error) expect(device.message).toMatch(/truncated|past the end/);
    else {
      await expect(deviceHash(device)).rejects.toThrow(/truncated|past the end/);
      await device.close();
    }
  });

  describe('partition tables', () => {
    let fsImage: string;
    beforeAll(() => {
      const tree = path.join(dir, 'tree');
      populateTree(tree);
      fsImage = makeExt4(tree, path.join(dir, 'root.img'), { sizeMiB: 48 });
    });

    it('GPT: numbers, offsets, types and names as sgdisk wrote them; the root is found', async () => {
      const sub = path.join(dir, 'gpt');
      run('mkdir', ['-p', sub]);
      const { disk } = makeDisk(fsImage, sub, { table: 'gpt', format: 'qcow2', rootPartition: 3 });
      const device = await openDisk(disk);
      try {
        const table = await readPartitionTable(device);
        expect(table.scheme).toBe('gpt');
        expect(table.partitions.map((p) => [p.number, p.start, p.typeName])).toEqual([
          [1, 1024 * 1024, 'EFI System'],
          [3, 5 * 1024 * 1024, 'Linux filesystem'],
        ]);
        const printed = run('sgdisk', ['-i', '3', path.join(sub, 'disk.raw')]);
        expect(printed).toContain(table.partitions[1].uuid as string);
        expect((await probeContent(partitionDevice(device, table.partitions[1]))).kind).toBe('ext4');
        expect((await probeContent(partitionDevice(device, table.partitions[0]))).kind).toBe('unknown');
      } finally {
        await device.close();
      }
      const image = await openImage(disk);
      expect(image.partition?.number).toBe(3);
      await image.close();
      await expect(openImage(disk, { partition: 7 })).rejects.toThrow(
        /has no partition 7; its partitions: 1 \(EFI System\), 3 \(Linux filesystem\)/,
      );
      await expect(openImage(disk, { partition: 1 })).rejects.toThrow(
        /partition 1 holds no file system Kiln recognises/,
      );
    });

    it('GPT with a damaged primary header falls back to the backup', async () => {
      const sub = path.join(dir, 'gpt-damaged');
      run('mkdir', ['-p', sub]);
      const { raw: disk } = makeDisk(fsImage, sub, { table: 'gpt', format: 'raw' });
      const fd = openSync(disk, 'r+');
      writeSync(fd, Buffer.from('garbage!'), 0, 8, 512 + 24); // inside the primary header: CRC breaks
      closeSync(fd);
      const device = await openDisk(disk);
      try {
        const table = await readPartitionTable(device);
        expect(table.warnings.join()).toMatch(/primary GPT header: header CRC mismatch; using the backup/);
        expect(table.partitions.map((p) => p.number)).toEqual([1, 2]);
      } finally {
        await device.close();
      }
    });

    it('MBR: primary partitions, and a root in a logical partition (5) of an extended one', async () => {
      for (const rootPartition of [2, 5]) {
        const sub = path.join(dir, `mbr-${rootPartition}`);
        run('mkdir', ['-p', sub]);
        const { disk } = makeDisk(fsImage, sub, { table: 'mbr', format: 'qcow2', rootPartition });
        const device = await openDisk(disk);
        try {
          const table = await readPartitionTable(device);
          expect(table.scheme).toBe('mbr');
          const parted = run('parted', ['-sm', path.join(sub, 'disk.raw'), 'unit', 'B', 'print']);
          const partedRows = parted
            .split('\n')
            .filter((l) => /^\d+:/.test(l))
            .map((l) =>
              l
                .split(':')
                .slice(0, 2)
                .map((v) => parseInt(v, 10)),
            );
          expect(table.partitions.map((p) => [p.number, p.start])).toEqual(partedRows);
        } finally {
          await device.close();
        }
        const image = await openImage(disk);
        expect(image.partition?.number).toBe(rootPartition);
        await image.close();
      }
    });

    it('a disk that is a bare file system, and a disk with nothing Kiln can read', async () => {
      const image = await openImage(fsImage);
      expect(image.table.scheme).toBe('none');
      expect(image.partition).toBeUndefined();
      await image.close();
      const blank = path.join(dir, 'blank.raw');
      writeFileSync(blank, Buffer.alloc(4 * 1024 * 1024));
      await expect(openImage(blank)).rejects.toThrow(
        /no root file system found[\s\S]*the whole disk: unknown/,
      );
    });
  });
});
