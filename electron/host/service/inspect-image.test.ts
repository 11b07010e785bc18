/** The app's image inspector on real images: a GPT disk with ext4 (mkfs.ext4 -d, sgdisk), an ISO, a tarball. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors';
import { makeDisk, makeExt4, removeDir, tempDir, writeSmallRoot } from '../../engine/maas/testing/fixtures';
import { missingTools } from '../../engine/maas/testing/tools';
import { inspectImageFile } from './inspect-image';

const missing = missingTools('mkfs.ext4', 'sgdisk', 'qemu-img', 'xorriso', 'tar');
if (missing) console.warn(`skipping the image inspector tests: ${missing}`);

describe.skipIf(Boolean(missing))('inspectImage (Api)', { timeout: 60_000 }, () => {
  let dir: string;
  let disk: string;
  let iso: string;
  let tarball: string;
  beforeAll(() => {
    dir = tempDir('kiln-inspect-api-');
    const tree = writeSmallRoot(join(dir, 'tree'));
    disk = makeDisk(makeExt4(tree, join(dir, 'root.ext4')), dir, { table: 'gpt', format: 'qcow2' }).disk;
    iso = join(dir, 'seed.iso');
    spawnSync('xorriso', [
      '-as',
      'mkisofs',
      '-quiet',
      '-V',
      'cidata',
      '-J',
      '-R',
      '-o',
      iso,
      join(tree, 'etc'),
    ]);
    tarball = join(dir, 'root.tar.gz');
    spawnSync('tar', ['-czf', tarball, '-C', tree, '.']);
  });
  afterAll(() => removeDir(dir));

  it('reports a disk, then one directory level of its root partition', async () => {
    const report = await inspectImageFile({ path: disk });
    expect(report).toMatchObject({ kind: 'disk', format: 'qcow2', scheme: 'gpt' });
    if (report.kind !== 'disk') throw new Error('not a disk');
    const root = report.partitions.find((p) => p.content.startsWith('ext4'));
    expect(root?.label).toBe('kiln-root');
    const top = await inspectImageFile({ path: disk, files: true, under: '/', depth: 1 });
    if (top.kind !== 'disk') throw new Error('not a disk');
    expect(top.files?.map((f) => `${f.type} ${f.path}`)).toEqual(
      expect.arrayContaining(['dir /etc', 'dir /usr']),
    );
    expect(top.files?.some((f) => f.path === '/etc/hostname')).toBe(false);
    const etc = await inspectImageFile({ path: disk, files: true, under: '/etc', depth: 1 });
    if (etc.kind !== 'disk') throw new Error('not a disk');
    expect(etc.files?.map((f) => f.path).sort()).toEqual(['/etc/cloud', '/etc/hostname']);
  });

  it('reports an ISO with its volume id and files, and a tarball with its members', async () => {
    const isoReport = await inspectImageFile({ path: iso });
    expect(isoReport).toMatchObject({ kind: 'iso', volumeId: 'cidata', rockRidge: true });
    if (isoReport.kind !== 'iso') throw new Error('not an ISO');
    expect(isoReport.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['/hostname', '/cloud/cloud.cfg']),
    );
    const tar = await inspectImageFile({ path: tarball, maxEntries: 2 });
    expect(tar).toMatchObject({ kind: 'tarball', compression: 'gzip', truncated: true });
  });

  it('names a missing file or a folder', async () => {
    await expect(inspectImageFile({ path: join(dir, 'none.img') })).rejects.toEqual(
      new ApiError('not-found', `${join(dir, 'none.img')}: no such file`),
    );
    await expect(inspectImageFile({ path: dir })).rejects.toEqual(
      new ApiError('invalid-input', `${dir} is not a file`),
    );
  });
});
