/**
 * Root-file-system tarballs for MAAS (`tgz`, `tbz`, `txz`, plain `tar`) straight from a built disk, with
 * no root, no mount and no FUSE: the disk is read by Kiln's qcow2/raw, partition and ext4 readers and
 * the archive written by Kiln's tar writer, streamed through the compressor into the output file.
 *
 * It makes what packer-maas's `fuse-nbd` + `fuse-tar-root` make (reference notes §2.4):
 *  - `tar -Scpf --acls --selinux --xattrs --one-file-system --exclude-backups -C root .` — every file of
 *    the root file system with owners, modes, hard links, sparse files, devices, xattrs, ACLs and
 *    SELinux labels; `.#*`, `*~` and `#*#` left out; numeric owners;
 *  - `: >| etc/machine-id` (kept, emptied), `rm -f var/log/cloud-init*.log var/lib/cloud/instance`,
 *    `rm -rf var/lib/cloud/instances` — in the archive only: the disk image is never modified;
 *  - `cp -r curtin/ root/` when a curtin hooks directory is given;
 *  - with DETECT_BLS_BOOT, the XBOOTLDR (`bls_boot`) partition's files under `boot/`.
 */
import type { BlockDevice } from './disk/device';
import { openImage, type OpenImageOptions } from './disk/image';
import { partitionDevice, XBOOTLDR_GUID } from './disk/partitions';
import { Ext4Fs } from './ext4/fs';
import { aclFromMode, aclToText, parseXattrAcl } from './ext4/xattr';
import { ExternalCompressor, compressorCommand } from './compress/external';
import { ParallelGzip } from '../compress/pgzip';
import { CountingSink, FileSink, type ByteSink, type FileSinkResult } from './compress/sink';
import { hostNode, imageNode, mergedNode, replacedContent, type TreeNode } from './fs/tree';
import { TarWriter, type TarEntry } from './tar/writer';

export type TarballFiletype = 'tgz' | 'tbz' | 'txz' | 'tar';
export const TARBALL_FILETYPES: readonly TarballFiletype[] = ['tgz', 'tbz', 'txz', 'tar'];

export interface ArtifactProgress {
  /** Bytes of input processed (file data for tarballs, disk bytes for dd images). */
  done: number;
  /** Expected total of the same (used blocks of the file system, or the disk size). */
  total: number;
  entries?: number;
}

export interface RootTarballOptions extends OpenImageOptions {
  /** A host directory copied into the image as /curtin (packer-maas's `curtin/` or $CURTIN_HOOKS). */
  curtinDir?: string;
  /** Add the XBOOTLDR partition's files under boot/ (packer-maas's DETECT_BLS_BOOT=1). Default 'auto'. */
  blsBoot?: 'auto' | number | false;
  /** Clear machine-id and cloud-init state as fuse-tar-root does (default true). */
  clean?: boolean;
  /** Leave out editor backups (`tar --exclude-backups`; default true). */
  excludeBackups?: boolean;
  /** gzip/bzip2/xz level; defaults: gzip 6, bzip2 9, xz 6. */
  level?: number;
  signal?: AbortSignal;
  onProgress?: (progress: ArtifactProgress) => void;
}

export interface ArtifactResult extends FileSinkResult {
  filetype: string;
  /** Bytes before compression. */
  rawBytes: number;
  /** Archive members (tarballs). */
  entries?: number;
  /** Things worth telling the user (sockets skipped, journal replayed, ...). */
  notes: string[];
  /** The root partition used (tarballs). */
  partition?: number;
  seconds: number;
}

const READ_CHUNK = 1024 * 1024;

/** Builds the compressor chain for a filetype's compression: gzip, bzip2, xz or none. */
export function compressedSink(
  file: ByteSink,
  compression: 'gzip' | 'bzip2' | 'xz' | 'none',
  level?: number,
): ByteSink {
  if (compression === 'gzip') return new ParallelGzip(file, { level });
  if (compression === 'bzip2') return new ExternalCompressor(file, compressorCommand('bzip2', level));
  if (compression === 'xz') return new ExternalCompressor(file, compressorCommand('xz', level));
  return file;
}

export const TARBALL_COMPRESSION: Record<TarballFiletype, 'gzip' | 'bzip2' | 'xz' | 'none'> = {
  tgz: 'gzip',
  tbz: 'bzip2',
  txz: 'xz',
  tar: 'none',
};

function matchesBackup(name: string): boolean {
  // GNU tar's --exclude-backups patterns
  return (
    name.startsWith('.#') ||
    name.endsWith('~') ||
    (name.length > 1 && name.startsWith('#') && name.endsWith('#'))
  );
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
}

/** Writes a tree as tar members, depth first, names sorted bytewise within each directory. */
class TreeArchiver {
  entries = 0;
  dataBytes = 0;
  sockets = 0;
  private readonly links = new Map<string, Buffer>();

  constructor(
    private readonly tar: TarWriter,
    private readonly options: {
      skip: (rel: string, node: TreeNode) => boolean;
      transform: (rel: string, node: TreeNode) => TreeNode;
      signal?: AbortSignal;
      onData?: (bytes: number) => void;
    },
  ) {}

  async archive(root: TreeNode): Promise<void> {
    await this.node(root, '.', Buffer.from('.'));
  }

  /** A top-level tree archived after the root (the XBOOTLDR partition when the root has no /boot). */
  async archiveExtra(node: TreeNode, rel: string): Promise<void> {
    await this.node(node, rel, Buffer.from(`./${rel}`));
  }

  private async entryFor(node: TreeNode, path: Buffer): Promise<TarEntry> {
    const st = node.stat;
    const entry: TarEntry = { path, type: 'file', perm: st.perm, uid: st.uid, gid: st.gid, mtime: st.mtime };
    const xattrs = await node.xattrs();
    if (xattrs.size) {
      entry.xattrs = xattrs;
      const access = xattrs.get('system.posix_acl_access');
      const dflt = st.type === 'dir' ? xattrs.get('system.posix_acl_default') : undefined;
      // GNU tar --acls: a file with any ACL gets its access ACL (from the mode if it has only a default one)
      if (access || dflt) {
        entry.aclAccess = aclToText((access && parseXattrAcl(access)) || aclFromMode(st.perm));
        const defaultEntries = dflt && parseXattrAcl(dflt);
        if (defaultEntries && defaultEntries.length) entry.aclDefault = aclToText(defaultEntries);
      }
      const label = xattrs.get('security.selinux');
      if (label) entry.selinux = label.toString('utf8').replace(/\0+$/, '');
    }
    return entry;
  }

  private async node(node: TreeNode, rel: string, path: Buffer): Promise<void> {
    throwIfAborted(this.options.signal);
    const st = node.stat;
    if (st.type === 'socket') {
      this.sockets++; // tar: "socket ignored"
      return;
    }
    if (node.linkKey) {
      const first = this.links.get(node.linkKey);
      if (first) {
        this.entries++;
        await this.tar.add({
          path,
          type: 'hardlink',
          perm: st.perm,
          uid: st.uid,
          gid: st.gid,
          mtime: st.mtime,
          linkTarget: first,
        });
        return;
      }
      this.links.set(node.linkKey, path);
    }
    const entry = await this.entryFor(node, rel === '.' ? Buffer.from('./') : path);
    this.entries++;
    switch (st.type) {
      case 'dir': {
        entry.type = 'dir';
        await this.tar.add(entry);
        const children = (await node.children()).sort((a, b) => Buffer.compare(a.name, b.name));
        for (const child of children) {
          const childRel =
            rel === '.' ? child.name.toString('utf8') : `${rel}/${child.name.toString('utf8')}`;
          if (this.options.skip(childRel, child)) continue;
          const childPath = Buffer.concat([path, Buffer.from('/'), child.name]);
          await this.node(this.options.transform(childRel, child), childRel, childPath);
        }
        return;
      }
      case 'symlink':
        entry.type = 'symlink';
        entry.linkTarget = await node.readlink();
        await this.tar.add(entry);
        return;
      case 'char':
      case 'block':
        entry.type = st.type;
        entry.devMajor = st.rdevMajor;
        entry.devMinor = st.rdevMinor;
        await this.tar.add(entry);
        return;
      case 'fifo':
        entry.type = 'fifo';
        await this.tar.add(entry);
        return;
      default:
        await this.file(node, entry);
    }
  }

  private async file(node: TreeNode, entry: TarEntry): Promise<void> {
    const file = await node.open();
    entry.type = 'file';
    entry.size = file.size;
    const dataBytes = file.runs.reduce((n, r) => n + r.length, 0);
    if (dataBytes < file.size) entry.sparse = file.runs;
    await this.tar.begin(entry);
    const runs = entry.sparse ?? (file.size ? [{ offset: 0, length: file.size }] : []);
    for (const run of runs) {
      for (let done = 0; done < run.length;) {
        throwIfAborted(this.options.signal);
        const n = Math.min(READ_CHUNK, run.length - done);
        const buffer = Buffer.allocUnsafe(n);
        await file.read(buffer, run.offset + done, n, 0);
        await this.tar.writeData(buffer);
        done += n;
        this.dataBytes += n;
        this.options.onData?.(this.dataBytes);
      }
    }
    await this.tar.end();
  }
}

/**
 * Makes a root tarball from `diskPath` at `outputPath` (written as `<output>.part`, renamed when done;
 * removed on failure or cancel).
 */
export async function makeRootTarball(
  diskPath: string,
  outputPath: string,
  filetype: TarballFiletype,
  options: RootTarballOptions = {},
): Promise<ArtifactResult> {
  const started = performance.now();
  const image = await openImage(diskPath, options);
  const notes: string[] = [];
  let file: FileSink | undefined;
  let sink: ByteSink | undefined;
  try {
    const fs = image.fs;
    if (fs.journalReplayed)
      notes.push(
        `the file system's journal needed recovery; ${fs.journalReplayed} transaction(s) were replayed in memory (the disk was not modified)`,
      );
    const clean = options.clean ?? true;
    const excludeBackups = options.excludeBackups ?? true;

    let root = await imageNode(fs, fs.rootIno, Buffer.from('.'));
    let boot: TreeNode | undefined;
    const blsBoot = await findBlsBoot(image.disk, image, options.blsBoot ?? 'auto');
    if (blsBoot) {
      boot = await imageNode(blsBoot.fs, blsBoot.fs.rootIno, Buffer.from('boot'));
      notes.push(`partition ${blsBoot.number} (XBOOTLDR) is archived as /boot`);
    }
    if (options.curtinDir) {
      const curtin = hostNode(options.curtinDir, Buffer.from('curtin'));
      if (curtin.stat.type !== 'dir')
        throw new Error(`the curtin hooks directory ${options.curtinDir} is not a directory`);
      const imageRoot = root;
      root = {
        ...imageRoot,
        async children() {
          const children = await imageRoot.children();
          const existing = children.findIndex((c) => c.name.toString() === 'curtin');
          if (existing >= 0) children[existing] = mergedNode(children[existing], curtin);
          else children.push(curtin);
          return children;
        },
      };
    }

    const used = (fs.sb.blocksCount - fs.sb.freeBlocks) * fs.blockSize;
    file = new FileSink(outputPath);
    const counting = new CountingSink(compressedSink(file, TARBALL_COMPRESSION[filetype], options.level));
    sink = counting;
    const tar = new TarWriter(counting);
    let lastReport = 0;
    const archiver = new TreeArchiver(tar, {
      signal: options.signal,
      skip(rel, node) {
        const name = node.name.toString('utf8');
        if (excludeBackups && matchesBackup(name)) return true;
        if (!clean) return false;
        if (rel === 'var/lib/cloud/instances') return true; // rm -rf
        if (node.stat.type === 'dir') return false; // rm -f leaves directories
        if (rel === 'var/lib/cloud/instance') return true;
        return rel.startsWith('var/log/') && !rel.slice(8).includes('/') && /^cloud-init.*\.log$/.test(name);
      },
      transform(rel, node) {
        if (rel === 'boot' && boot) return { ...boot, name: node.name };
        if (clean && rel === 'etc/machine-id' && node.stat.type === 'file')
          return replacedContent(node, Buffer.alloc(0));
        return node;
      },
      onData(bytes) {
        if (options.onProgress && bytes - lastReport >= 2 * 1024 * 1024) {
          lastReport = bytes;
          options.onProgress({ done: bytes, total: used, entries: archiver.entries });
        }
      },
    });
    await archiver.archive(root);
    if (boot && !(await root.children()).some((c) => c.name.toString() === 'boot')) {
      await archiver.archiveExtra(boot, 'boot');
    }
    await tar.finish();
    await counting.end();
    if (archiver.sockets) notes.push(`${archiver.sockets} socket(s) left out, as tar does`);
    options.onProgress?.({ done: archiver.dataBytes, total: archiver.dataBytes, entries: archiver.entries });
    const result = file.result as FileSinkResult;
    return {
      ...result,
      filetype,
      rawBytes: counting.bytes,
      entries: archiver.entries,
      notes,
      partition: image.partition?.number,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (err) {
    await (sink ?? file)?.abort().catch(() => undefined);
    throw err;
  } finally {
    await image.close();
  }
}

async function findBlsBoot(
  disk: BlockDevice,
  image: {
    table: { partitions: Array<{ number: number; type: string; start: number; size: number }> };
    partition?: { number: number };
  },
  wanted: 'auto' | number | false,
): Promise<{ number: number; fs: Ext4Fs } | undefined> {
  if (wanted === false) return undefined;
  const candidate =
    wanted === 'auto'
      ? image.table.partitions.find((p) => p.type === XBOOTLDR_GUID || p.type === '0xea')
      : image.table.partitions.find((p) => p.number === wanted);
  if (!candidate) {
    if (wanted !== 'auto') throw new Error(`there is no partition ${wanted} to archive as /boot`);
    return undefined;
  }
  if (candidate.number === image.partition?.number) return undefined;
  const fs = await Ext4Fs.open(partitionDevice(disk, candidate as Parameters<typeof partitionDevice>[1]), {
    description: `ext4 on partition ${candidate.number} (XBOOTLDR) of ${disk.description}`,
  });
  return { number: candidate.number, fs };
}
