/**
 * Test images made the way a person would: a prepared directory tree (owners, modes, xattrs, ACLs,
 * SELinux labels, devices, FIFOs, sockets, hard links, fast and slow symlinks, sparse and large files,
 * a directory big enough for an htree, long and non-UTF-8 names), `mkfs.ext4 -d` over it with the
 * features under test, and a GPT or MBR disk (sgdisk / sfdisk on a plain file, the file system written
 * in with dd conv=notrunc), converted to qcow2 with qemu-img.
 */
import {
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  linkSync,
  writeFileSync,
  utimesSync,
  chmodSync,
  existsSync,
  openSync,
  writeSync,
  closeSync,
  truncateSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasTool, isRoot, run } from './tools';

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `kiln-${prefix}-`));
}

/** Deterministic pseudo-random bytes (xorshift), mixed with text so they compress like real files. */
export function pseudoRandom(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.writeUInt32LE(x, i + 4 <= size ? i : 0);
  }
  return out;
}

export interface TreeFeatures {
  /** Owners, device nodes, trusted.* xattrs (need root). */
  privileged: boolean;
  xattrs: boolean;
  acls: boolean;
}

export const LONG_DIR = 'd'.repeat(120);
export const LONG_NAME = `${'n'.repeat(200)}.txt`;
export const NON_UTF8 = Buffer.from([0x66, 0x69, 0x6c, 0x65, 0xff, 0xfe]); // "file\xff\xfe"

function setfattr(file: string, name: string, value: string): void {
  run('setfattr', ['-h', '-n', name, '-v', value, file]);
}

/**
 * Fills `dir` with the test tree. Returns which features it could give the files (tools and
 * privileges permitting), so tests assert what was really set up.
 */
export function populateTree(dir: string): TreeFeatures {
  const features: TreeFeatures = {
    privileged: isRoot,
    xattrs: hasTool('setfattr'),
    acls: hasTool('setfacl'),
  };
  const p = (...parts: string[]) => path.join(dir, ...parts);
  const file = (rel: string, content: string | Buffer, mode = 0o644) => {
    mkdirSync(path.dirname(p(rel)), { recursive: true });
    writeFileSync(p(rel), content);
    chmodSync(p(rel), mode);
  };
  for (const d of [
    'etc/netplan',
    'usr/bin',
    'usr/lib',
    'var/log',
    'var/lib/cloud/instances/iid-1/sem',
    'var/lib/cloud/data',
    'tmp',
    'dev',
    'empty',
    'boot',
  ]) {
    mkdirSync(p(d), { recursive: true });
  }
  chmodSync(p('tmp'), 0o1777);
  file('etc/hostname', 'kiln-test\n');
  file('etc/os-release', 'NAME="Ubuntu"\nID=ubuntu\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\n');
  file('etc/machine-id', '0123456789abcdef0123456789abcdef\n', 0o444);
  file('etc/netplan/01-netcfg.yaml', 'network:\n  version: 2\n');
  file('etc/shadow', 'root:*:19000:0:99999:7:::\n', 0o640);
  file('etc/backup~', 'an editor backup\n');
  file('etc/.#lock', 'an emacs lock\n');
  file('etc/#autosave#', 'an emacs autosave\n');
  file('usr/bin/tool', '#!/bin/sh\necho tool\n', 0o755);
  file('usr/bin/suid', '#!/bin/sh\n', 0o4755);
  file('usr/bin/sgid', '#!/bin/sh\n', 0o2755);
  file('empty-file', '');
  file('var/log/cloud-init.log', 'log\n');
  file('var/log/cloud-init-output.log', 'output\n');
  file('var/log/syslog', 'kept\n');
  file('var/lib/cloud/instances/iid-1/sem/config_x', 'sem\n');
  file('var/lib/cloud/data/instance-id', 'iid-1\n');
  symlinkSync('/var/lib/cloud/instances/iid-1', p('var/lib/cloud/instance'));
  // hard links: a pair, and a triple across directories
  file('etc/link-a', 'linked twice\n');
  linkSync(p('etc/link-a'), p('etc/link-b'));
  file('usr/lib/three', 'linked three times\n');
  linkSync(p('usr/lib/three'), p('usr/bin/three'));
  linkSync(p('usr/lib/three'), p('var/three'));
  // symlinks: fast (< 60 bytes), slow (a block of its own), absolute, dangling, a directory link
  symlinkSync('../lib/three', p('usr/bin/fast-link'));
  symlinkSync(`../lib/${'x'.repeat(150)}/target`, p('usr/bin/slow-link'));
  symlinkSync('/etc/hostname', p('usr/bin/absolute-link'));
  symlinkSync('nowhere', p('usr/bin/dangling'));
  symlinkSync('usr/lib', p('lib'));
  // sparse: data, hole, data, trailing hole; a file that is all hole
  const sparse = openSync(p('var/sparse'), 'w');
  writeSync(sparse, pseudoRandom(70000, 7), 0, 70000, 0);
  writeSync(sparse, Buffer.from('middle'), 0, 6, 5 * 1024 * 1024);
  closeSync(sparse);
  truncateSync(p('var/sparse'), 16 * 1024 * 1024);
  // data past 64 MiB: with 1 KiB blocks and no extents, a triple-indirect block maps it
  const far = openSync(p('var/far-sparse'), 'w');
  writeSync(far, Buffer.from('far away'), 0, 8, 70 * 1024 * 1024);
  closeSync(far);
  writeFileSync(p('var/all-hole'), '');
  truncateSync(p('var/all-hole'), 8 * 1024 * 1024);
  // large: several MiB of mixed content (spans extents and read chunks)
  const large = Buffer.concat([pseudoRandom(3 * 1024 * 1024 + 123, 42), Buffer.from('text '.repeat(300000))]);
  file('usr/lib/large.bin', large);
  // a directory with many entries (htree after e2fsck -D), long and unusual names
  for (let i = 0; i < 1500; i++)
    file(`usr/share/many/entry-${String(i).padStart(5, '0')}-${'z'.repeat(i % 40)}`, `${i}\n`);
  file(`${LONG_DIR}/${LONG_DIR}/${LONG_NAME}`, 'deep and long\n');
  file('usr/share/café-ünïcode', 'utf-8 name\n');
  writeFileSync(Buffer.from(`${p('usr/share')}/${NON_UTF8.toString('latin1')}`, 'latin1'), 'non-utf8 name\n');
  mkfifo(p('var/fifo'));
  makeSocket(p('var/socket'));
  // mtimes: an old one and a recent one (mkfs.ext4 -d does not store times past 2038)
  utimesSync(p('etc/hostname'), 1000000000, 1000000000);
  utimesSync(p('usr/bin/tool'), 2000000000, 2000000000);
  if (features.privileged) {
    run('mknod', [p('dev/null'), 'c', '1', '3']);
    run('mknod', [p('dev/sda'), 'b', '8', '0']);
    run('mknod', [p('dev/big-minor'), 'c', '240', '300000']);
    run('chown', ['1000:1000', p('usr/bin/tool')]);
    run('chown', ['65534:65534', p('var/log/syslog')]);
    run('chown', ['3000000:3000001', p('usr/lib/three')]); // beyond ustar's 7 octal digits
    run('chown', ['-h', '1234:5678', p('usr/bin/fast-link')]);
  }
  if (features.xattrs) {
    setfattr(p('etc/hostname'), 'user.comment', 'a user attribute');
    setfattr(p('etc/hostname'), 'security.selinux', 'system_u:object_r:etc_t:s0\\000');
    setfattr(p('usr/bin/tool'), 'security.selinux', 'system_u:object_r:bin_t:s0\\000');
    setfattr(p('usr/lib/large.bin'), 'user.big', 'v'.repeat(900)); // too big for the inode: xattr block
    for (let i = 0; i < 8; i++) setfattr(p('usr/bin/suid'), `user.many${i}`, `value ${i}`);
    if (features.privileged) setfattr(p('etc/shadow'), 'trusted.kiln', 'trusted value');
  }
  if (features.acls) {
    run('setfacl', ['-m', 'u:1000:r,g:100:rw', p('etc/hostname')]);
    run('setfacl', ['-d', '-m', 'g:100:rx', p('usr/share')]);
    run('setfacl', ['-m', 'u:2000:rwx', p('var/log')]);
  }
  return features;
}

function mkfifo(file: string): void {
  run('mkfifo', [file]);
}

function makeSocket(file: string): void {
  // A UNIX socket left on disk (tar skips these); python3 or nc makes one without a server.
  if (hasTool('python3'))
    run('python3', ['-c', `import socket; s=socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(file)})`]);
}

/** A small root tree (etc with cloud-init's config, a tool in usr/bin, an empty var/lib), for inspector tests. */
export function writeSmallRoot(tree: string): string {
  mkdirSync(path.join(tree, 'etc/cloud'), { recursive: true });
  mkdirSync(path.join(tree, 'usr/bin'), { recursive: true });
  mkdirSync(path.join(tree, 'var/lib'), { recursive: true });
  writeFileSync(path.join(tree, 'etc/hostname'), 'kiln\n');
  writeFileSync(path.join(tree, 'etc/cloud/cloud.cfg'), 'datasource_list: [MAAS]\n');
  writeFileSync(path.join(tree, 'usr/bin/tool'), '#!/bin/sh\n', { mode: 0o755 });
  return tree;
}

export interface Ext4Options {
  blockSize?: number;
  /** `-O` feature list, e.g. '^extents,^64bit' or 'inline_data'. */
  features?: string;
  type?: 'ext2' | 'ext3' | 'ext4';
  inodeSize?: number;
  sizeMiB?: number;
  /** Rebuild directory indexes (htree) with e2fsck -D after creation. */
  htree?: boolean;
  extra?: string[];
}

/** `mkfs.ext4 -d tree` into a new image file; returns its path. */
export function makeExt4(tree: string, image: string, options: Ext4Options = {}): string {
  const args = [
    '-q',
    '-F',
    '-t',
    options.type ?? 'ext4',
    '-d',
    tree,
    '-L',
    'kiln-root',
    '-E',
    'root_owner=0:0',
  ];
  if (options.blockSize) args.push('-b', String(options.blockSize));
  if (options.features) args.push('-O', options.features);
  if (options.inodeSize) args.push('-I', String(options.inodeSize));
  args.push(...(options.extra ?? []));
  args.push(image, `${options.sizeMiB ?? 64}M`);
  run('mkfs.ext4', args);
  if (options.htree) run('e2fsck', ['-fyD', image]);
  return image;
}

export interface DiskOptions {
  table: 'gpt' | 'mbr' | 'none';
  format: 'raw' | 'qcow2';
  /** Partition number the file system goes in (others are a small ESP and filler). */
  rootPartition?: number;
  /** qemu-img convert options for qcow2 (e.g. ['-c'] for compressed clusters, ['-o', 'cluster_size=4096']). */
  qcow2Options?: string[];
  /** Extra partitions' file-system images by number (e.g. an XBOOTLDR /boot). */
  extra?: Record<number, { image: string; type: string }>;
}

const MiB = 1024 * 1024;

/**
 * A partitioned disk holding `fsImage` in partition `rootPartition` (default 2, after a 4 MiB ESP).
 * Returns the raw disk path (always kept, as the reference) and the requested format's path.
 */
export function makeDisk(fsImage: string, dir: string, options: DiskOptions): { raw: string; disk: string } {
  const { size: fsSize } = statSize(fsImage);
  const raw = path.join(dir, 'disk.raw');
  rmSync(raw, { force: true });
  const extras = Object.entries(options.extra ?? {}).map(([n, e]) => ({
    number: Number(n),
    ...e,
    size: statSize(e.image).size,
  }));
  const total = 1 * MiB + 4 * MiB + fsSize + extras.reduce((n, e) => n + e.size + MiB, 0) + 4 * MiB;
  writeFileSync(raw, '');
  truncateSync(raw, total);
  const rootNumber = options.rootPartition ?? (options.table === 'none' ? 0 : 2);
  const placements: Array<{ number: number; start: number; size: number; type: string; image?: string }> = [];
  if (options.table !== 'none') {
    let at = MiB;
    const plan = [
      { number: 1, size: 4 * MiB, type: options.table === 'gpt' ? 'ef00' : 'ef' },
      { number: rootNumber, size: fsSize, type: options.table === 'gpt' ? '8300' : '83', image: fsImage },
      ...extras.map((e) => ({ number: e.number, size: e.size, type: e.type, image: e.image })),
    ].sort((a, b) => a.number - b.number);
    for (const part of plan) {
      if (part.number >= 5) at += MiB; // room for the logical partition's extended boot record
      placements.push({ ...part, start: at });
      at += part.size;
    }
    if (options.table === 'gpt') {
      const args = ['-Z', raw];
      run('sgdisk', args);
      const create: string[] = [];
      for (const part of placements)
        create.push(
          '-n',
          `${part.number}:${part.start / 512}:${(part.start + part.size) / 512 - 1}`,
          '-t',
          `${part.number}:${part.type}`,
        );
      run('sgdisk', [...create, raw]);
    } else {
      // parted, as packer-maas's tooling uses; numbers ≥5 are logical partitions in an extended one
      const args = ['-s', '-a', 'none', raw, 'mklabel', 'msdos', 'unit', 'B'];
      const primaries = placements.filter((p) => p.number <= 4);
      const logicals = placements.filter((p) => p.number >= 5);
      for (const part of primaries)
        args.push('mkpart', 'primary', String(part.start), String(part.start + part.size - 1));
      if (logicals.length) {
        const first = logicals[0].start - MiB;
        const last = logicals[logicals.length - 1];
        args.push('mkpart', 'extended', String(first), String(last.start + last.size - 1));
        for (const part of logicals)
          args.push('mkpart', 'logical', String(part.start), String(part.start + part.size - 1));
      }
      run('parted', args);
    }
  } else placements.push({ number: 0, start: 0, size: fsSize, type: '', image: fsImage });
  for (const part of placements) {
    if (part.image)
      run('dd', [
        `if=${part.image}`,
        `of=${raw}`,
        'bs=1M',
        `seek=${part.start}`,
        'oflag=seek_bytes',
        'conv=notrunc,sparse',
        'status=none',
      ]);
  }
  if (options.format === 'raw') return { raw, disk: raw };
  const disk = path.join(dir, 'disk.qcow2');
  run('qemu-img', ['convert', '-O', 'qcow2', ...(options.qcow2Options ?? []), raw, disk]);
  return { raw, disk };
}

function statSize(file: string): { size: number } {
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  return { size: Number(run('stat', ['-c', '%s', file]).trim()) };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
