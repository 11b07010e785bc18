/**
 * Root tarballs: entry by entry against the packer-maas pipeline (qemu-nbd + nbdfuse + nbdkit + fuse2fs
 * + GNU tar) on the same disk; extracted by GNU tar back into the tree they came from; every filetype;
 * the cleaning rules; the XBOOTLDR /boot; cancellation.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decompressedStream, detectCompression, readHead } from './compress/decompress';
import { makeRootTarball, type TarballFiletype } from './rootfs';
import { makeDisk, makeExt4, populateTree, removeDir, tempDir } from './testing/fixtures';
import { diffScans, scanHost, scanTar, type Scan } from './testing/scan';
import { hasFuse, hasTool, isRoot, missingTools, run } from './testing/tools';

const here = path.dirname(fileURLToPath(import.meta.url));
const REFERENCE = path.join(here, 'testing/packer-maas-reference.sh');
const missing = missingTools('mkfs.ext4', 'sgdisk', 'qemu-img', 'python3');

/** What Kiln's tarball leaves out of the tree, or changes, on purpose (fuse-tar-root's rules). */
const CLEANED = new Set([
  './var/log/cloud-init.log',
  './var/log/cloud-init-output.log',
  './var/lib/cloud/instance',
  './var/lib/cloud/instances',
  './var/lib/cloud/instances/iid-1',
  './var/lib/cloud/instances/iid-1/sem',
  './var/lib/cloud/instances/iid-1/sem/config_x',
  './etc/backup~',
  './etc/.#lock',
  './etc/#autosave#',
  './var/socket',
]);

describe.skipIf(missing)(`root tarballs ${missing ? `(skipped: ${missing})` : ''}`, () => {
  let dir: string;
  let tree: string;
  let host: Scan;
  let disk: string;
  let curtin: string;

  beforeAll(() => {
    dir = tempDir('rootfs');
    tree = path.join(dir, 'tree');
    populateTree(tree);
    host = scanHost(tree);
    const fs = makeExt4(tree, path.join(dir, 'root.img'), { sizeMiB: 160, htree: true });
    disk = makeDisk(fs, dir, { table: 'gpt', format: 'qcow2' }).disk;
    curtin = path.join(dir, 'hooks', 'curtin');
    mkdirSync(curtin, { recursive: true });
    writeFileSync(path.join(curtin, 'curtin-hooks'), '#!/usr/bin/env python3\n', { mode: 0o750 });
    writeFileSync(path.join(curtin, 'CUSTOM_KERNEL'), 'linux-image-generic\n');
  });
  afterAll(() => removeDir(dir));

  it.skipIf(!hasFuse() || !!missingTools('qemu-nbd', 'nbdfuse', 'nbdkit', 'fuse2fs', 'tar'))(
    `matches packer-maas's fuse-nbd + fuse-tar-root tarball entry by entry ${hasFuse() ? '' : '(skipped: FUSE is not available here)'}`,
    async () => {
      const kiln = path.join(dir, 'kiln.tar.gz');
      const result = await makeRootTarball(disk, kiln, 'tgz', { curtinDir: curtin });
      expect(result.partition).toBe(2);
      const copy = path.join(dir, 'reference-copy.qcow2'); // the pipeline writes to its disk
      copyFileSync(disk, copy);
      const reference = path.join(dir, 'reference.tar.gz');
      run('bash', [REFERENCE, copy, 'qcow2', '2', reference, curtin]);
      const ours = await scanTar(kiln);
      const theirs = await scanTar(reference);
      // Same members, same attributes, same contents; mtimes too, except where the pipeline itself
      // touched the disk (it empties machine-id and deletes in var/log and var/lib/cloud in place).
      const touched = new Set([
        './etc',
        './etc/machine-id',
        './var/log',
        './var/lib/cloud',
        './curtin',
        './curtin/curtin-hooks',
        './curtin/CUSTOM_KERNEL',
        '.',
      ]);
      expect(diffScans(theirs.scan, ours.scan, { names: ['packer-maas', 'kiln'] })).toEqual([]);
      const mtimes = [...theirs.scan]
        .filter(([p, e]) => !touched.has(p) && ours.scan.get(p)?.mtime !== e.mtime)
        .map(([p]) => p);
      expect(mtimes).toEqual([]);
      // SELinux labels as --selinux writes them, ACL texts naming the same entries
      for (const [p, records] of theirs.pax) {
        const mine = ours.pax.get(p);
        expect(mine?.get('RHT.security.selinux')?.toString(), p).toBe(
          records.get('RHT.security.selinux')?.toString(),
        );
        for (const key of ['SCHILY.acl.access', 'SCHILY.acl.default']) {
          const lines = (b: Buffer | undefined) =>
            b
              ?.toString()
              .split('\n')
              .filter(Boolean)
              .map((l) => l.split(':')[0] + ':' + l.split(':')[2]);
          expect(lines(mine?.get(key)), `${p} ${key}`).toEqual(lines(records.get(key)));
        }
      }
      expect(theirs.scan.get('./etc/machine-id')?.size).toBe(0);
    },
    120_000,
  );

  it.skipIf(!isRoot || !hasTool('tar'))(
    `GNU tar extracts it back into the tree it came from (owners, devices, xattrs, ACLs, sparse files) ${isRoot ? '' : '(skipped: extracting devices and owners needs root)'}`,
    async () => {
      const out = path.join(dir, 'roundtrip.tar');
      const result = await makeRootTarball(disk, out, 'tar', {});
      expect(result.notes).toContain('1 socket(s) left out, as tar does');
      const target = path.join(dir, 'extracted');
      mkdirSync(target);
      run('tar', [
        '--xattrs',
        '--xattrs-include=*',
        '--acls',
        '--selinux',
        '--numeric-owner',
        '-xpSf',
        out,
        '-C',
        target,
      ]);
      const extracted = scanHost(target);
      const differences = diffScans(host, extracted, {
        names: ['tree', 'extracted'],
        ignore: (p) => CLEANED.has(p) || p === './etc/machine-id' || p === './lost+found' || p === '.',
      });
      expect(differences).toEqual([]);
      expect(extracted.get('./etc/machine-id')).toMatchObject({ size: 0, perm: 0o444 });
      for (const p of CLEANED) expect(extracted.has(p), p).toBe(false);
      // GNU tar reads it without complaint and lists the sparse file with its real size
      const listing = run('tar', ['-tvf', out]);
      expect(listing).toMatch(/16777216 .* \.\/var\/sparse/);
      const { pax } = await scanTar(out);
      expect(pax.get('./usr/lib/three')?.get('uid')?.toString()).toBe('3000000');
      expect(pax.get('./var/sparse')?.get('GNU.sparse.major')?.toString()).toBe('1');
      expect(pax.get('./etc/hostname')?.get('SCHILY.acl.access')?.toString()).toBe(
        'user::rw-\nuser:1000:r--\ngroup::r--\ngroup:100:rw-\nmask::rw-\nother::r--\n',
      );
      expect(pax.get('./etc/hostname')?.get('RHT.security.selinux')?.toString()).toBe(
        'system_u:object_r:etc_t:s0',
      );
    },
    120_000,
  );

  const filetypes: Array<[TarballFiletype, string, string]> = [
    ['tgz', 'gzip', 'gzip'],
    ['tbz', 'bzip2', 'bzip2'],
    ['txz', 'xz', 'xz'],
    ['tar', 'none', 'tar'],
  ];
  for (const [filetype, compression, tool] of filetypes) {
    it.skipIf(!hasTool(tool))(
      `writes ${filetype} that the system tools read (${compression})`,
      async () => {
        const out = path.join(dir, `out.${filetype}`);
        const result = await makeRootTarball(disk, out, filetype, {
          level: filetype === 'txz' ? 1 : undefined,
        });
        expect(detectCompression(readHead(out, 8))).toBe(compression);
        if (compression !== 'none') run(tool, ['-t', out]);
        const names = run('tar', ['-tf', out]).split('\n').filter(Boolean);
        expect(names.length).toBe(result.entries);
        expect(result.size).toBeGreaterThan(0);
        expect(result.sha256).toBe(run('sha256sum', [out]).split(' ')[0]);
        expect(existsSync(`${out}.part`)).toBe(false);
      },
      60_000,
    );
  }

  it('keeps what it is told to keep: clean=false, excludeBackups=false', async () => {
    const out = path.join(dir, 'raw.tar');
    await makeRootTarball(disk, out, 'tar', { clean: false, excludeBackups: false });
    const { scan } = await scanTar(out);
    for (const p of [
      './etc/backup~',
      './var/log/cloud-init.log',
      './var/lib/cloud/instances/iid-1/sem/config_x',
    ])
      expect(scan.has(p), p).toBe(true);
    expect(scan.get('./etc/machine-id')?.size).toBe(33);
  });

  it('archives the XBOOTLDR partition as /boot (DETECT_BLS_BOOT)', async () => {
    const bootTree = path.join(dir, 'boot-tree');
    mkdirSync(path.join(bootTree, 'loader/entries'), { recursive: true });
    writeFileSync(path.join(bootTree, 'loader/entries/rhel.conf'), 'title RHEL\nlinux /vmlinuz\n');
    writeFileSync(path.join(bootTree, 'vmlinuz'), 'kernel');
    const bootImage = makeExt4(bootTree, path.join(dir, 'boot.img'), { sizeMiB: 8 });
    const sub = path.join(dir, 'bls');
    mkdirSync(sub);
    const blsDisk = makeDisk(path.join(dir, 'root.img'), sub, {
      table: 'gpt',
      format: 'qcow2',
      extra: { 3: { image: bootImage, type: 'ea00' } }, // sgdisk's code for XBOOTLDR
    }).disk;
    const out = path.join(dir, 'bls.tar');
    const result = await makeRootTarball(blsDisk, out, 'tar', {});
    expect(result.notes.join()).toMatch(/partition 3 \(XBOOTLDR\) is archived as \/boot/);
    const { scan } = await scanTar(out);
    expect(scan.has('./boot/loader/entries/rhel.conf')).toBe(true);
    expect(scan.has('./boot/vmlinuz')).toBe(true);
    const off = path.join(dir, 'bls-off.tar');
    await makeRootTarball(blsDisk, off, 'tar', { blsBoot: false });
    expect((await scanTar(off)).scan.has('./boot/vmlinuz')).toBe(false);
  });

  it('stops on cancel, leaving no output, no partial file and no compressor running', async () => {
    const out = path.join(dir, 'cancelled.txz');
    const controller = new AbortController();
    const promise = makeRootTarball(disk, out, 'txz', {
      signal: controller.signal,
      onProgress: () => controller.abort(new Error('cancelled by the test')),
    });
    await expect(promise).rejects.toThrow(/cancelled by the test/);
    expect(readdirSync(dir).filter((f) => f.startsWith('cancelled'))).toEqual([]);
    expect(run('sh', ['-c', 'pgrep -f "^xz -T0 -c" || true']).trim()).toBe('');
  });

  it('reads the tarball back with its own reader, sparse members expanded', async () => {
    const out = path.join(dir, 'back.tgz');
    await makeRootTarball(disk, out, 'tgz', {});
    const { scan } = await scanTar(out);
    expect(scan.get('./var/sparse')?.sha256).toBe(host.get('./var/sparse')?.sha256);
    expect(scan.get('./var/far-sparse')?.sha256).toBe(host.get('./var/far-sparse')?.sha256);
    let bytes = 0;
    for await (const chunk of decompressedStream(out)) bytes += chunk.length;
    expect(bytes % 512).toBe(0);
  });
});
