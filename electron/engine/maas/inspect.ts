/**
 * The image inspector (kiln inspect-image, and the app's inspector panel): what a file is and what is
 * in it — an ISO's volume and files, a tarball's members, a disk's format, backing chain, partitions
 * and the files of its file systems (compressed dd images are unpacked to a sparse temp file first).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decompressedStream, detectCompression, readHead, type Compression } from './compress/decompress';
import type { BlockDevice } from './disk/device';
import { surveyPartitions } from './disk/image';
import { materialiseDisk } from './disk/materialise';
import { openDisk, sniffFormat, type DiskReader, type ImageFormat } from './disk/open';
import { partitionDevice, readPartitionTable } from './disk/partitions';
import { Qcow2Device } from './disk/qcow2';
import { Ext4Fs } from './ext4/fs';
import { featureNames } from './ext4/superblock';
import { lookupPath } from './fs/lookup';
import type { FileSystemReader, FileType } from './fs/types';
import { IsoImage, type IsoNames } from './iso9660/iso';
import { looksLikeDisk } from './readiness/check';
import { TarReader } from './tar/reader';

export interface FileEntry {
  path: string;
  type: FileType | 'hardlink' | 'other';
  perm: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  target?: string;
  /** Names of extended attributes (tarballs and disks). */
  xattrs?: string[];
  /** Sparse files: bytes of data actually stored. */
  stored?: number;
}

export interface PartitionReport {
  number: number;
  start: number;
  size: number;
  type: string;
  typeName: string;
  name: string;
  content: string;
  label?: string;
  uuid?: string;
  note: string;
  fs?: {
    blockSize: number;
    blocks: number;
    freeBlocks: number;
    inodes: number;
    freeInodes: number;
    features: string[];
    journalReplayed: number;
  };
}

export type InspectReport =
  | {
      kind: 'iso';
      path: string;
      size: number;
      volumeId: string;
      systemId: string;
      applicationId: string;
      volumeSize: number;
      jolietLevel: number;
      rockRidge: boolean;
      elTorito: boolean;
      names: IsoNames;
      files: FileEntry[];
      truncated: boolean;
    }
  | {
      kind: 'tarball';
      path: string;
      size: number;
      compression: Compression;
      members: number;
      dataBytes: number;
      types: Record<string, number>;
      files: FileEntry[];
      truncated: boolean;
    }
  | {
      kind: 'disk';
      path: string;
      size: number;
      format: ImageFormat;
      compression: Compression;
      tarred: boolean;
      virtualSize: number;
      backingChain: string[];
      scheme: string;
      diskGuid?: string;
      warnings: string[];
      partitions: PartitionReport[];
      /** Files of the chosen partition (root by default) when asked for. */
      files?: FileEntry[];
      filesOf?: number;
      truncated: boolean;
    }
  | { kind: 'unknown'; path: string; size: number; compression: Compression; note: string };

export interface InspectOptions {
  /** List files of a disk's file system: the root partition, or this one. */
  files?: boolean;
  partition?: number;
  /** Only under this path (disks and tarballs). */
  under?: string;
  /** Directory depth below `under` (disks; default unlimited). */
  depth?: number;
  /** Stop listing after this many entries (default 100000). */
  maxEntries?: number;
  /** ISO naming (default: Rock Ridge, else Joliet, else plain ISO 9660). */
  isoNames?: IsoNames;
  reader?: DiskReader;
  signal?: AbortSignal;
}

function isIso(file: string): boolean {
  const head = readHead(file, 32774);
  return head.length >= 32774 && head.toString('latin1', 32769, 32774) === 'CD001';
}

async function listFs(
  fs: FileSystemReader,
  options: InspectOptions,
): Promise<{ files: FileEntry[]; truncated: boolean }> {
  const max = options.maxEntries ?? 100000;
  const files: FileEntry[] = [];
  const start = options.under ? await lookupPath(fs, options.under, { follow: true }) : fs.rootIno;
  if (start === undefined) throw new Error(`${fs.description}: ${options.under} does not exist`);
  // Entries are `${base}/${name}`: the root is '' so that `-path=/` lists `/etc`, not `//etc`.
  const parts = (options.under ?? '').split('/').filter(Boolean);
  const base = parts.length ? `/${parts.join('/')}` : '';
  let truncated = false;
  const walk = async (ino: number, rel: string, depth: number): Promise<void> => {
    for (const entry of (await fs.readdir(ino)).sort((a, b) => Buffer.compare(a.raw, b.raw))) {
      if (files.length >= max) {
        truncated = true;
        return;
      }
      if (options.signal?.aborted) throw options.signal.reason as Error;
      const st = await fs.stat(entry.ino);
      const p = `${rel}/${entry.name}`;
      const item: FileEntry = {
        path: p,
        type: st.type,
        perm: st.perm,
        uid: st.uid,
        gid: st.gid,
        size: st.size,
        mtime: st.mtime,
      };
      if (st.type === 'symlink') item.target = (await fs.readlink(entry.ino)).toString('utf8');
      const xattrs = [...(await fs.xattrs(entry.ino)).keys()];
      if (xattrs.length) item.xattrs = xattrs;
      if (st.type === 'file') {
        const stored = (await fs.open(entry.ino)).runs.reduce((n, r) => n + r.length, 0);
        if (stored < st.size) item.stored = stored;
      }
      files.push(item);
      if (st.type === 'dir' && (options.depth === undefined || depth < options.depth))
        await walk(entry.ino, p, depth + 1);
    }
  };
  if ((await fs.stat(start)).type !== 'dir')
    throw new Error(`${fs.description}: ${options.under} is not a directory`);
  await walk(start, base, 1);
  return { files, truncated };
}

async function inspectDevice(
  filePath: string,
  device: BlockDevice,
  format: ImageFormat,
  compression: Compression,
  tarred: boolean,
  options: InspectOptions,
): Promise<InspectReport> {
  const chain: string[] = [];
  for (let d: BlockDevice | undefined = device; d instanceof Qcow2Device; d = d.backingDevice) {
    const backing = d.header.backingFile;
    if (backing) chain.push(backing);
  }
  const table = await readPartitionTable(device);
  const partitions: PartitionReport[] = [];
  let files: FileEntry[] | undefined;
  let filesOf: number | undefined;
  let truncated = false;
  const surveys = await surveyPartitions(device, table);
  for (const s of surveys) {
    const p = s.partition;
    const report: PartitionReport = {
      number: p?.number ?? 0,
      start: p?.start ?? 0,
      size: p?.size ?? device.size,
      type: p?.type ?? '',
      typeName: p?.typeName ?? 'whole disk',
      name: p?.name ?? '',
      content: s.content.kind,
      label: s.content.label || undefined,
      uuid: s.content.uuid,
      note: s.note,
    };
    if (['ext2', 'ext3', 'ext4'].includes(s.content.kind)) {
      try {
        const fs = await Ext4Fs.open(p ? partitionDevice(device, p) : device);
        report.fs = {
          blockSize: fs.blockSize,
          blocks: fs.sb.blocksCount,
          freeBlocks: fs.sb.freeBlocks,
          inodes: fs.sb.inodesCount,
          freeInodes: fs.sb.freeInodes,
          features: featureNames(fs.sb),
          journalReplayed: fs.journalReplayed,
        };
        const wanted =
          options.partition ??
          (surveys.find((x) => x.isRoot && x.hasOsRelease) ?? surveys.find((x) => x.isRoot))?.partition
            ?.number ??
          0;
        if (options.files && (p?.number ?? 0) === wanted) {
          ({ files, truncated } = await listFs(fs, options));
          filesOf = wanted;
        }
      } catch (err) {
        report.note = `${s.content.kind} that Kiln cannot read: ${(err as Error).message}`;
      }
    }
    partitions.push(report);
  }
  if (options.files && files === undefined) {
    throw new Error(
      options.partition !== undefined
        ? `${filePath}: partition ${options.partition} has no file system Kiln can list`
        : `${filePath}: no ext2/3/4 root file system to list`,
    );
  }
  return {
    kind: 'disk',
    path: filePath,
    size: statSync(filePath).size,
    format,
    compression,
    tarred,
    virtualSize: device.size,
    backingChain: chain,
    scheme: table.scheme,
    diskGuid: table.diskGuid,
    warnings: table.warnings,
    partitions,
    files,
    filesOf,
    truncated,
  };
}

export async function inspectImage(filePath: string, options: InspectOptions = {}): Promise<InspectReport> {
  const size = statSync(filePath).size;
  const head = readHead(filePath, 8);
  const compression = detectCompression(head);
  if (compression === 'none' && isIso(filePath)) {
    const iso = new IsoImage(filePath);
    try {
      const info = iso.volumeInfo();
      const names: IsoNames =
        options.isoNames ?? (info.rockRidge ? 'rock-ridge' : info.jolietLevel ? 'joliet' : 'iso');
      const files: FileEntry[] = [];
      const max = options.maxEntries ?? 100000;
      let truncated = false;
      for (const dir of iso.directories(names)) {
        for (const r of dir.records) {
          if (r.name === '.' || r.name === '..') continue;
          if (files.length >= max) {
            truncated = true;
            break;
          }
          const mode = names === 'rock-ridge' && r.rrFlags & 1 ? r.mode : r.isDir ? 0o040755 : 0o100644;
          const type: FileType = r.symlink ? 'symlink' : r.isDir ? 'dir' : 'file';
          const [y, mo, d, h, mi, s, tz] = r.date;
          const offset = ((tz << 24) >> 24) * 15 * 60; // signed, in 15-minute units east of UTC
          const mtime = Date.UTC(1900 + y, mo - 1, d, h, mi, s) / 1000 - offset;
          files.push({
            path: `${dir.path}${r.name}`,
            type,
            perm: mode & 0o7777,
            uid: r.uid,
            gid: r.gid,
            size: r.size,
            mtime,
            target: r.symlink ? r.symlink.replace(/^-> /, '') : undefined,
          });
        }
      }
      const text = (b: Buffer) => b.toString('latin1').replace(/[\0 ]+$/, '');
      return {
        kind: 'iso',
        path: filePath,
        size,
        volumeId: text(info.volumeId),
        systemId: text(info.systemId),
        applicationId: text(info.applicationId),
        volumeSize: info.volumeSize,
        jolietLevel: info.jolietLevel,
        rockRidge: Boolean(info.rockRidge),
        elTorito: Boolean(info.elTorito),
        names,
        files,
        truncated,
      };
    } finally {
      iso.close();
    }
  }
  // What is inside: a tar header, a disk, or neither
  const inner =
    compression === 'none' ? readHead(filePath, 4096) : await firstBytes(filePath, 4096, options.signal);
  const tarred = inner.length >= 262 && inner.toString('latin1', 257, 262) === 'ustar';
  if (tarred) {
    const reader = new TarReader(decompressedStream(filePath, options.signal));
    const files: FileEntry[] = [];
    const types: Record<string, number> = {};
    let members = 0;
    let dataBytes = 0;
    let truncated = false;
    let diskMember = false;
    const max = options.maxEntries ?? 100000;
    const under = options.under ? options.under.split('/').filter(Boolean).join('/') : '';
    for (;;) {
      const next = await reader.next();
      if (!next) break;
      const m = next.member;
      if (members === 0 && m.type === 'file') {
        let peek = Buffer.alloc(0);
        for await (const chunk of next.data()) {
          peek = Buffer.concat([peek, chunk]);
          if (peek.length >= 4096) break;
        }
        diskMember = looksLikeDisk(peek);
      }
      members++;
      types[m.type] = (types[m.type] ?? 0) + 1;
      if (m.type === 'file') dataBytes += m.size;
      const rel = m.path.replace(/^\.?\/+/, '').replace(/\/$/, '');
      if (under && rel !== under && !rel.startsWith(`${under}/`)) continue;
      if (files.length >= max) {
        truncated = true;
        continue;
      }
      const item: FileEntry = {
        path: m.path,
        type: m.type,
        perm: m.perm,
        uid: m.uid,
        gid: m.gid,
        size: m.size,
        mtime: m.mtime,
      };
      if (m.type === 'symlink' || m.type === 'hardlink') item.target = m.linkTarget;
      if (m.xattrs.size) item.xattrs = [...m.xattrs.keys()];
      if (m.sparse) item.stored = m.sparse.reduce((n, r) => n + r.length, 0);
      files.push(item);
    }
    if (members === 1 && diskMember) {
      return inspectPacked(filePath, compression, true, options);
    }
    return {
      kind: 'tarball',
      path: filePath,
      size,
      compression,
      members,
      dataBytes,
      types,
      files,
      truncated,
    };
  }
  if (compression !== 'none') {
    if (looksLikeDisk(inner)) return inspectPacked(filePath, compression, false, options);
    return {
      kind: 'unknown',
      path: filePath,
      size,
      compression,
      note: `${compression}-compressed data that is neither a tarball nor a disk image`,
    };
  }
  const format = sniffFormat(filePath);
  if (
    format === 'raw' &&
    !looksLikeDisk(inner) &&
    !(inner.length >= 4 && inner.toString('latin1', 0, 4) === 'XFSB')
  ) {
    // a bare ext4 file system has its magic at 1080, beyond the 4 KiB we read only when present
    if (!looksLikeDisk(readHead(filePath, 4096)))
      return {
        kind: 'unknown',
        path: filePath,
        size,
        compression,
        note: 'not an ISO, a tarball or a disk image Kiln recognises',
      };
  }
  const device = await openDisk(filePath, { format, reader: options.reader, signal: options.signal });
  try {
    return await inspectDevice(filePath, device, format, 'none', false, options);
  } finally {
    await device.close();
  }
}

async function firstBytes(file: string, n: number, signal?: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of decompressedStream(file, signal)) {
    chunks.push(chunk);
    total += chunk.length;
    if (total >= n) break;
  }
  return Buffer.concat(chunks).subarray(0, n);
}

/** A compressed (and maybe tarred) disk image: unpacked to a sparse temp file, then inspected. */
async function inspectPacked(
  filePath: string,
  compression: Compression,
  tarred: boolean,
  options: InspectOptions,
): Promise<InspectReport> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-inspect-'));
  try {
    const raw = path.join(dir, 'disk.raw');
    let stream: AsyncIterable<Buffer> = decompressedStream(filePath, options.signal);
    if (tarred) {
      const reader = new TarReader(stream);
      const first = await reader.next();
      stream = first ? first.data() : (async function* () {})();
    }
    await materialiseDisk(stream, raw);
    const device = await openDisk(raw, { format: 'raw' });
    try {
      const report = await inspectDevice(filePath, device, 'raw', compression, tarred, options);
      return { ...report, path: filePath, size: statSync(filePath).size } as InspectReport;
    } finally {
      await device.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
