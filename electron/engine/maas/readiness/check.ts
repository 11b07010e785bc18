/**
 * The readiness check: what is this file (a built disk, a root tarball, a disk image, compressed or
 * not), is its filetype the right one, and does the image inside have what MAAS and curtin need?
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decompressedStream, detectCompression, readHead, type Compression } from '../compress/decompress';
import { DeviceError, type BlockDevice } from '../disk/device';
import { openImage, surveyPartitions } from '../disk/image';
import { materialiseDisk } from '../disk/materialise';
import { openDisk, sniffFormat, type DiskReader, type ImageFormat } from '../disk/open';
import { partitionDevice, readPartitionTable } from '../disk/partitions';
import { Ext4Fs } from '../ext4/fs';
import { lookupPath } from '../fs/lookup';
import { TarReader } from '../tar/reader';
import { readOsInfo, type OsInfo } from './osinfo';
import { IMAGE_RULES, nameFindings, type Finding, type RuleContext } from './rules';
import { FsView, TarView, type ImageView } from './view';

/** MAAS's filetypes (boot-resources create) and what each holds. */
export const MAAS_FILETYPE_LAYOUT: Record<
  string,
  { compression: Compression; holds: 'rootfs' | 'disk'; tarred: boolean }
> = {
  tgz: { compression: 'gzip', holds: 'rootfs', tarred: true },
  tbz: { compression: 'bzip2', holds: 'rootfs', tarred: true },
  txz: { compression: 'xz', holds: 'rootfs', tarred: true },
  ddtgz: { compression: 'gzip', holds: 'disk', tarred: true },
  ddtbz: { compression: 'bzip2', holds: 'disk', tarred: true },
  ddtxz: { compression: 'xz', holds: 'disk', tarred: true },
  ddtar: { compression: 'none', holds: 'disk', tarred: true },
  ddbz2: { compression: 'bzip2', holds: 'disk', tarred: false },
  ddgz: { compression: 'gzip', holds: 'disk', tarred: false },
  ddxz: { compression: 'xz', holds: 'disk', tarred: false },
  ddraw: { compression: 'none', holds: 'disk', tarred: false },
};

export type InputKind = 'built-disk' | 'rootfs-tarball' | 'disk-image' | 'unknown';

export interface ReadinessOptions {
  filetype?: string;
  name?: string;
  baseImage?: string;
  partition?: number | 'auto';
  reader?: DiskReader;
  signal?: AbortSignal;
}

export interface ReadinessReport {
  input: string;
  kind: InputKind;
  /** What the input is, in a phrase ("qcow2 disk; GPT; root file system on partition 2"). */
  detail: string;
  /** The filetype the report assumes (given, or what the content is). */
  filetype?: string;
  os?: OsInfo;
  findings: Finding[];
  /** No errors. */
  ready: boolean;
}

function filetypeFor(
  compression: Compression,
  holds: 'rootfs' | 'disk',
  tarred: boolean,
): string | undefined {
  return Object.entries(MAAS_FILETYPE_LAYOUT).find(
    ([, l]) => l.compression === compression && l.holds === holds && l.tarred === tarred,
  )?.[0];
}

/** What the first bytes of a disk look like: a partition table or a bare file system. */
export function looksLikeDisk(head: Buffer): boolean {
  if (head.length >= 512 && head.readUInt16LE(510) === 0xaa55) return true;
  if (head.length >= 520 && head.toString('latin1', 512, 520) === 'EFI PART') return true;
  if (head.length >= 1082 && head.readUInt16LE(1080) === 0xef53) return true;
  return head.length >= 4 && head.toString('latin1', 0, 4) === 'XFSB';
}

function looksLikeTar(head: Buffer): boolean {
  return head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar';
}

async function decompressedHead(file: string, bytes: number, signal?: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of decompressedStream(file, signal)) {
    chunks.push(chunk);
    total += chunk.length;
    if (total >= bytes) break;
  }
  return Buffer.concat(chunks).subarray(0, bytes);
}

/** The single member of a tarred disk image, as a stream. */
async function* tarMemberStream(file: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const reader = new TarReader(decompressedStream(file, signal));
  const first = await reader.next();
  if (!first) return;
  yield* first.member.type === 'file' ? first.data() : [];
}

export interface ContentIdentity {
  compression: Compression;
  /** A tar archive (after decompression). */
  tarred: boolean;
  /** A root file system tree, or a disk (bare, or the single member of the tar). */
  holds?: 'rootfs' | 'disk';
  /** The MAAS filetype that content is, when it is one. */
  filetype?: string;
}

async function identifyContent(
  input: string,
  head: Buffer,
  compression: Compression,
  signal?: AbortSignal,
): Promise<ContentIdentity> {
  const inner = compression === 'none' ? head : await decompressedHead(input, 4096, signal);
  const tarred = looksLikeTar(inner);
  let holds: 'rootfs' | 'disk' | undefined;
  if (tarred) {
    // A tarred disk is one member holding disk bytes; a root tarball is a tree.
    const reader = new TarReader(decompressedStream(input, signal));
    const first = await reader.next();
    let memberHead = Buffer.alloc(0);
    if (first && first.member.type === 'file') {
      for await (const chunk of first.data()) {
        memberHead = Buffer.concat([memberHead, chunk]);
        if (memberHead.length >= 4096) break;
      }
    }
    holds = first && first.member.type === 'file' && looksLikeDisk(memberHead) ? 'disk' : 'rootfs';
  } else if (looksLikeDisk(inner)) holds = 'disk';
  return {
    compression,
    tarred,
    holds,
    filetype: holds ? filetypeFor(compression, holds, tarred) : undefined,
  };
}

/** The MAAS filetype a file's content is (what to upload it as), or undefined when it is none. */
export async function detectArtifactFiletype(
  file: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const head = readHead(file, 4096);
  const compression = detectCompression(head);
  if (compression === 'none' && sniffFormat(file) !== 'raw') return undefined; // a qcow2 or other VM disk
  return (await identifyContent(file, head, compression, signal)).filetype;
}

interface DiskInspection {
  view?: ImageView;
  detail: string;
  curtin: { found: number[]; unreadable: string[] };
  notes: Finding[];
  /** Closes the root file system's disk (kept open while the rules read it). */
  close(): Promise<void>;
}

async function inspectDisk(
  diskPath: string,
  options: ReadinessOptions,
  format?: ImageFormat,
): Promise<DiskInspection> {
  const notes: Finding[] = [];
  const disk: BlockDevice = await openDisk(diskPath, {
    reader: options.reader,
    format,
    signal: options.signal,
  });
  const curtin = { found: [] as number[], unreadable: [] as string[] };
  let detail: string;
  try {
    const table = await readPartitionTable(disk);
    detail =
      table.scheme === 'none'
        ? 'no partition table'
        : `${table.scheme.toUpperCase()}, ${table.partitions.length} partition(s)`;
    for (const warning of table.warnings)
      notes.push({
        rule: 'disk',
        severity: 'warning',
        message: warning,
        fix: 'repair the partition table (sgdisk -e / gdisk)',
      });
    for (const survey of await surveyPartitions(disk, table)) {
      const number = survey.partition?.number ?? 0;
      const kind = survey.content.kind;
      if (kind === 'ext2' || kind === 'ext3' || kind === 'ext4') {
        try {
          const fs = await Ext4Fs.open(survey.partition ? partitionDevice(disk, survey.partition) : disk);
          const ino = await lookupPath(fs, '/curtin', { follow: true });
          if (ino !== undefined && (await fs.stat(ino)).type === 'dir') curtin.found.push(number);
        } catch {
          curtin.unreadable.push(`partition ${number} (${kind}, unreadable)`);
        }
      } else if (['vfat', 'ntfs', 'xfs', 'btrfs', 'lvm2', 'raid'].includes(kind)) {
        curtin.unreadable.push(`${survey.partition ? `partition ${number}` : 'the disk'} (${kind})`);
      }
    }
  } finally {
    await disk.close();
  }
  let view: ImageView | undefined;
  let close = async () => {};
  try {
    const image = await openImage(diskPath, {
      reader: options.reader,
      format,
      partition: options.partition,
      signal: options.signal,
    });
    view = new FsView(image.fs);
    detail += `; root file system on ${image.partition ? `partition ${image.partition.number}` : 'the whole disk'} (ext4)`;
    close = () => image.close();
  } catch (err) {
    if (
      !(err instanceof DeviceError) &&
      !(err instanceof Error && /no root file system|holds/.test(err.message))
    )
      throw err;
    notes.push({
      rule: 'root',
      severity: 'info',
      message: `no Linux root file system Kiln can read (${(err as Error).message.split('\n')[0]}); the OS checks did not run`,
      fix: 'nothing for Windows or ESXi images; for Linux, check the partition number (--partition)',
    });
  }
  return { view, detail, curtin, notes, close };
}

export async function checkReadiness(
  input: string,
  options: ReadinessOptions = {},
): Promise<ReadinessReport> {
  if (!existsSync(input)) throw new Error(`${input}: no such file`);
  if (statSync(input).isDirectory())
    throw new Error(`${input} is a directory; give a disk image or an artifact`);
  const findings: Finding[] = [];
  const given = options.filetype;
  if (given && !MAAS_FILETYPE_LAYOUT[given]) {
    findings.push({
      rule: 'filetype',
      severity: 'error',
      message: `"${given}" is not a MAAS filetype`,
      fix: `use one of ${Object.keys(MAAS_FILETYPE_LAYOUT).join(', ')}`,
    });
  }
  const layout = given ? MAAS_FILETYPE_LAYOUT[given] : undefined;
  const head = readHead(input, 4096);
  const compression = detectCompression(head);
  const format = compression === 'none' ? sniffFormat(input) : 'raw';
  let kind: InputKind;
  let detail: string;
  let filetype = given;
  let view: ImageView | undefined;
  let artifact: RuleContext['artifact'] = layout?.holds ?? 'rootfs';
  let kilnWillClean = false;
  let curtin: RuleContext['curtin'];
  const temp = mkdtempSync(path.join(os.tmpdir(), 'kiln-check-'));
  const closers: Array<() => Promise<void>> = [];
  // A raw file that is a disk is the build's own disk unless the filetype says it is the dd artifact.
  const rawDisk = compression === 'none' && format === 'raw' && !looksLikeTar(head) && looksLikeDisk(head);
  try {
    if ((compression === 'none' && format !== 'raw') || (rawDisk && layout?.holds !== 'disk')) {
      kind = 'built-disk';
      const disk = await inspectDisk(input, options, format);
      closers.push(disk.close);
      ({ view, curtin } = disk);
      detail = `${format} disk; ${disk.detail}`;
      findings.push(...disk.notes);
      kilnWillClean = artifact === 'rootfs';
      filetype ??= 'tgz';
      findings.push({
        rule: 'filetype',
        severity: 'info',
        message: `this is the ${format} disk of a build, not an artifact: MAAS takes ${filetype}, which \`kiln maas image --filetype ${filetype}\` makes from it`,
        fix: `run kiln maas image --filetype ${filetype} ${path.basename(input)} OUTPUT, then upload OUTPUT`,
      });
    } else {
      const {
        tarred,
        holds,
        filetype: actual,
      } = await identifyContent(input, head, compression, options.signal);
      kind =
        holds === 'rootfs'
          ? 'rootfs-tarball'
          : holds === 'disk'
            ? compression === 'none' && !tarred
              ? 'built-disk'
              : 'disk-image'
            : 'unknown';
      const what = `${compression === 'none' ? '' : `${compression}-compressed `}${tarred ? (holds === 'disk' ? 'tar holding a disk image' : 'root file system tarball') : holds === 'disk' ? 'disk image' : 'file'}`;
      detail = what;
      if (!holds) {
        findings.push({
          rule: 'filetype',
          severity: 'error',
          message: `${input} is neither a tarball nor a disk image (${compression === 'none' ? 'no tar header, partition table or file system' : `${compression} data that is neither`})`,
          fix: 'make the artifact with kiln maas image',
        });
      } else if (given && layout && actual !== given) {
        findings.push({
          rule: 'filetype',
          severity: 'error',
          message: `the file is a ${what}, but the filetype is ${given} (${layout.compression === 'none' ? 'uncompressed' : layout.compression} ${layout.tarred ? (layout.holds === 'disk' ? 'tar of a disk image' : 'root tarball') : 'disk image'}): curtin would fail to unpack it${given === 'ddtgz' && actual === 'ddgz' ? ' ("This does not look like a tar archive", packer-maas #278)' : ''}`,
          fix: actual
            ? `upload it as filetype ${actual}`
            : 'make the artifact again with kiln maas image --filetype ' + given,
        });
      }
      filetype = given ?? actual;
      artifact = holds ?? artifact;
      if (holds === 'rootfs') {
        const tarView = await TarView.index(decompressedStream(input, options.signal), input);
        view = tarView;
        detail += `, ${tarView.members} members`;
        if (!(await tarView.stat('/etc', true))) {
          findings.push({
            rule: 'filetype',
            severity: 'error',
            message: 'the tarball has no /etc at its root: curtin extracts it as the root file system',
            fix: 'archive the root file system itself (tar -C root .), not a directory above it',
          });
        }
      } else if (holds === 'disk') {
        let diskPath = input;
        if (compression !== 'none' || tarred) {
          diskPath = path.join(temp, 'disk.raw');
          await materialiseDisk(
            tarred ? tarMemberStream(input, options.signal) : decompressedStream(input, options.signal),
            diskPath,
          );
        }
        const disk = await inspectDisk(diskPath, options, 'raw');
        closers.push(disk.close);
        ({ view, curtin } = disk);
        detail += `; ${disk.detail}`;
        findings.push(...disk.notes);
      }
    }
    const os = view ? await readOsInfo(view) : undefined;
    if (view && !os)
      findings.push({
        rule: 'os',
        severity: 'warning',
        message:
          'no /etc/os-release: Kiln cannot tell which OS this is, so the OS-specific checks assumed nothing',
        fix: 'keep /etc/os-release in the image (curtin reads it too)',
      });
    const ctx: RuleContext = {
      view,
      os,
      artifact,
      kilnWillClean,
      filetype,
      name: options.name,
      baseImage: options.baseImage,
      curtin,
    };
    if (view) for (const rule of IMAGE_RULES) findings.push(...(await rule({ ...ctx, view })));
    else if (artifact === 'disk' && curtin && curtin.found.length === 0 && curtin.unreadable.length) {
      findings.push({
        rule: 'curtin-dd',
        severity: 'warning',
        message: `Kiln could not look into ${curtin.unreadable.join(', ')} for the top-level curtin/ directory curtin needs`,
        fix: 'make sure a curtin/ directory is at the top of the partition curtin should configure',
      });
    }
    findings.push(...nameFindings(ctx));
    const order = { error: 0, warning: 1, info: 2 };
    findings.sort((a, b) => order[a.severity] - order[b.severity]);
    return {
      input,
      kind,
      detail,
      filetype,
      os,
      findings,
      ready: !findings.some((f) => f.severity === 'error'),
    };
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    rmSync(temp, { recursive: true, force: true });
  }
}
