/**
 * Kiln's ext4 reader against the tree the file system was made from (`mkfs.ext4 -d`), across block
 * sizes and feature sets: every path, type, mode, owner, size, link target, device number, xattr (ACLs
 * and SELinux labels included), content hash, hard-link group and mtime must match.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawDevice } from '../disk/raw';
import { lookupPath, readSmallFile } from '../fs/lookup';
import {
  populateTree,
  removeDir,
  tempDir,
  makeExt4,
  type Ext4Options,
  type TreeFeatures,
} from '../testing/fixtures';
import { diffScans, scanFs, scanHost, type Scan } from '../testing/scan';
import { missingTools, run } from '../testing/tools';
import { Ext4Fs } from './fs';

const missing = missingTools('mkfs.ext4', 'e2fsck', 'debugfs', 'python3');

interface Variant {
  name: string;
  options: Ext4Options;
  /**
   * Files mkfs.ext4 -d itself writes differently from the tree: with inline_data it drops a trailing
   * hole (debugfs reports the same shorter size, which the test checks).
   */
  mkfsQuirks?: string[];
}

const VARIANTS: Variant[] = [
  { name: '4 KiB, extents, 64bit, metadata_csum, htree', options: { htree: true } },
  {
    name: '1 KiB, block maps (no extents), no 64bit, no csum',
    options: { blockSize: 1024, features: '^extents,^64bit,^metadata_csum', htree: true },
  },
  {
    name: '2 KiB, inline_data',
    options: { blockSize: 2048, features: 'inline_data' },
    mkfsQuirks: ['./var/sparse'],
  },
  { name: 'ext2 (no journal, block maps)', options: { type: 'ext2' } },
  {
    name: 'ext3, 128-byte inodes (xattrs in blocks only)',
    options: { type: 'ext3', inodeSize: 128, htree: true },
  },
  { name: '64 KiB blocks', options: { blockSize: 65536, sizeMiB: 320 } },
  { name: 'bigalloc, 16 KiB clusters', options: { features: 'bigalloc', extra: ['-C', '16384'] } },
  { name: 'meta_bg without resize_inode', options: { features: 'meta_bg,^resize_inode' } },
];

describe.skipIf(missing)(`ext4 reader ${missing ? `(skipped: ${missing})` : ''}`, () => {
  let dir: string;
  let tree: string;
  let features: TreeFeatures;
  let host: Scan;

  beforeAll(() => {
    dir = tempDir('ext4');
    tree = path.join(dir, 'tree');
    features = populateTree(tree);
    host = scanHost(tree);
  });
  afterAll(() => removeDir(dir));

  it('prepared a tree with the features under test (or says which it could not)', () => {
    expect(host.get('./etc/link-a')?.links).toEqual(['./etc/link-a', './etc/link-b']);
    if (!features.privileged)
      console.warn('ext4 tests: not root, so no device nodes, owners or trusted.* xattrs in the tree');
    if (!features.xattrs)
      console.warn('ext4 tests: setfattr (package attr) missing, so no xattrs or SELinux labels in the tree');
    if (!features.acls) console.warn('ext4 tests: setfacl (package acl) missing, so no ACLs in the tree');
    if (features.acls)
      expect(Object.keys(host.get('./etc/hostname')?.xattrs ?? {})).toContain('system.posix_acl_access');
  });

  for (const variant of VARIANTS) {
    it(`reads every file as it was written: ${variant.name}`, async () => {
      const image = makeExt4(tree, path.join(dir, 'fs.img'), variant.options);
      const device = new RawDevice(image);
      try {
        const fs = await Ext4Fs.open(device);
        const scan = await scanFs(fs);
        const quirks = new Set(variant.mkfsQuirks ?? []);
        for (const p of quirks) {
          const size = run('debugfs', ['-R', `stat ${p.slice(1)}`, image]).match(/Size: (\d+)/)?.[1];
          expect(scan.get(p)?.size).toBe(Number(size));
        }
        const differences = diffScans(host, scan, {
          names: ['tree', 'ext4'],
          fields: ['type', 'perm', 'uid', 'gid', 'size', 'target', 'rdev', 'xattrs', 'sha256', 'links'],
          // the root's own attributes come from mkfs options; lost+found is mkfs's
          ignore: (p) => p === '.' || p === './lost+found' || quirks.has(p),
        });
        const mtimes = [...host]
          .filter(([p, e]) => e.type !== 'dir' && e.type !== 'symlink' && scan.get(p)?.mtime !== e.mtime)
          .map(([p]) => p);
        expect(differences).toEqual([]);
        expect(mtimes).toEqual([]);
        expect(scan.size).toBe(host.size + 1); // lost+found
      } finally {
        await device.close();
        rmSync(image, { force: true });
      }
    });
  }

  it('follows symlinks inside the image root when looking up paths (merged /usr)', async () => {
    const image = makeExt4(tree, path.join(dir, 'fs-lookup.img'));
    const device = new RawDevice(image);
    try {
      const fs = await Ext4Fs.open(device);
      expect(await lookupPath(fs, '/lib/three', { follow: true })).toBe(
        await lookupPath(fs, '/usr/lib/three'),
      );
      expect((await readSmallFile(fs, '/usr/bin/absolute-link'))?.toString()).toBe('kiln-test\n');
      expect((await readSmallFile(fs, '/usr/bin/fast-link'))?.toString()).toBe('linked three times\n');
      expect(await lookupPath(fs, '/usr/bin/dangling', { follow: true })).toBeUndefined();
      expect(await lookupPath(fs, '/no/such/file')).toBeUndefined();
      expect(await lookupPath(fs, '/../../etc/hostname')).toBe(await lookupPath(fs, '/etc/hostname'));
    } finally {
      await device.close();
    }
  });

  it('uses htree indexes where the tree is big enough (so the variants above really read one)', () => {
    const image = makeExt4(tree, path.join(dir, 'fs-htree.img'), { htree: true });
    const flags = parseInt(
      run('debugfs', ['-R', 'stat /usr/share/many', image]).match(/Flags: 0x([0-9a-f]+)/)?.[1] ?? '0',
      16,
    );
    expect(flags & 0x1000).toBe(0x1000); // EXT4_INDEX_FL
    rmSync(image, { force: true });
  });

  it('reads values kept in EA inodes (ea_inode) and xattr blocks', async () => {
    const small = path.join(dir, 'ea-tree');
    writeFileSync(path.join(dir, 'placeholder'), '');
    run('mkdir', ['-p', `${small}/d`]);
    writeFileSync(`${small}/d/f`, 'data\n');
    const big = 'w'.repeat(3000);
    run('setfattr', ['-n', 'user.huge', '-v', big, `${small}/d/f`]);
    const image = makeExt4(small, path.join(dir, 'fs-ea.img'), { blockSize: 1024, features: 'ea_inode' });
    const device = new RawDevice(image);
    try {
      const fs = await Ext4Fs.open(device);
      const ino = (await lookupPath(fs, '/d/f')) as number;
      expect((await fs.xattrs(ino)).get('user.huge')?.toString()).toBe(big);
    } finally {
      await device.close();
    }
  });

  it('replays a journal that needs recovery, in memory, honouring revoke records', async () => {
    const image = makeExt4(tree, path.join(dir, 'fs-journal.img'));
    const bs = 4096;
    // Journal two new versions of /etc/os-release's data block, then revoke one of another block.
    const block = Number(run('debugfs', ['-R', 'bmap /etc/os-release 0', image]).trim());
    const osBlock = Number(run('debugfs', ['-R', 'bmap /etc/hostname 0', image]).trim());
    const replacement = Buffer.alloc(bs);
    replacement.write('ID=replayed-from-the-journal\n');
    const newFile = path.join(dir, 'journal-block');
    writeFileSync(newFile, replacement);
    const hostnameBlock = Buffer.alloc(bs);
    hostnameBlock.write('revoked content\n');
    const revokedFile = path.join(dir, 'journal-revoked');
    writeFileSync(revokedFile, hostnameBlock);
    run('debugfs', ['-w', '-R', `jo`, image]); // sanity: the journal opens
    run('debugfs', ['-w', '-f', '-', image], {
      input: `jo\njw -b ${block} ${newFile}\njw -b ${osBlock} ${revokedFile}\njc\njo\njw -r ${osBlock}\njc\n`,
    });
    expect(run('dumpe2fs', ['-h', image])).toMatch(/needs_recovery/);
    const device = new RawDevice(image);
    try {
      const fs = await Ext4Fs.open(device);
      expect(fs.journalReplayed).toBeGreaterThan(0);
      expect((await readSmallFile(fs, '/etc/os-release'))?.toString()).toBe(
        replacement
          .subarray(0, 70)
          .toString()
          .slice(0, (await fs.stat((await lookupPath(fs, '/etc/os-release')) as number)).size),
      );
      expect((await readSmallFile(fs, '/etc/hostname'))?.toString()).toBe('kiln-test\n');
      const raw = await Ext4Fs.open(device, { skipJournalReplay: true });
      expect((await readSmallFile(raw, '/etc/os-release'))?.toString()).toContain('ID=ubuntu');
    } finally {
      await device.close();
    }
    // e2fsck's own replay agrees
    run('e2fsck', ['-fy', image]);
    const fixed = new RawDevice(image);
    try {
      const fs = await Ext4Fs.open(fixed);
      expect(fs.journalReplayed).toBe(0);
      expect((await readSmallFile(fs, '/etc/os-release'))?.subarray(0, 28).toString()).toBe(
        'ID=replayed-from-the-journal',
      );
      expect((await readSmallFile(fs, '/etc/hostname'))?.toString()).toBe('kiln-test\n');
    } finally {
      await fixed.close();
    }
    expect(readFileSync(image).length).toBeGreaterThan(0);
  });

  it('refuses what it cannot read, by name', async () => {
    const image = path.join(dir, 'not-ext4.img');
    writeFileSync(image, Buffer.alloc(1024 * 1024));
    const device = new RawDevice(image);
    await expect(Ext4Fs.open(device)).rejects.toThrow(/holds no ext2\/3\/4 file system/);
    await device.close();
  });
});
