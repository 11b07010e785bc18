/**
 * `kiln inspect-image`: what an image file is and what it holds — an ISO (as isoinfo -d/-f/-l print
 * it), a tarball's members, a disk's format, partitions and files (compressed dd images included).
 */
import path from 'node:path';
import { inspectImage, type FileEntry, type InspectReport } from '../../engine/maas/inspect';
import { IsoImage, type IsoNames } from '../../engine/maas/iso9660/iso';
import { formatFind, formatListing, formatVolumeInfo } from '../../engine/maas/iso9660/isoinfo';
import { FlagError, parseFlags, type FlagSpec } from '../flags';
import type { Command } from '../io';
import { formatBytes } from './maas-progress';
import { formatMtime, modeString } from '../../api/file-mode';

export { modeString };

const USAGE = `Usage: kiln inspect-image [options] FILE

  Shows what FILE is and what it holds: an ISO's volume descriptor and files,
  a tarball's members, a disk image's format, backing files, partitions and
  file systems (qcow2, raw, other qemu formats, and compressed dd images).

Options:
  -d              ISO: the volume descriptor, as isoinfo -d prints it
  -f              ISO: every path, as isoinfo -f prints it
  -l              ISO: directory listings, as isoinfo -l prints them
  -R, -J          ISO: Rock Ridge or Joliet names (default: Rock Ridge, else
                  Joliet, else plain ISO 9660; with -d/-f/-l: plain, as isoinfo)
  -files          Disk: list the files of the root file system
  -partition=N    Disk: list partition N's files instead
  -path=P         Disk or tarball: only under P
  -depth=N        Disk: only N directory levels below the listed one
  -max=N          Stop listing after N entries (default 100000)
  -json           Print the report as JSON (for scripts)`;

const flagSpecs = {
  d: { kind: 'bool' },
  f: { kind: 'bool' },
  l: { kind: 'bool' },
  R: { kind: 'bool' },
  J: { kind: 'bool' },
  files: { kind: 'bool' },
  partition: { kind: 'string' },
  path: { kind: 'string' },
  depth: { kind: 'string' },
  max: { kind: 'int', default: 100000 },
  json: { kind: 'bool' },
} satisfies Record<string, FlagSpec>;

function fileLine(f: FileEntry): string {
  const owner = `${f.uid}/${f.gid}`.padEnd(11);
  const link = f.target ? (f.type === 'hardlink' ? ` link to ${f.target}` : ` -> ${f.target}`) : '';
  const extras = [
    f.stored !== undefined ? `sparse, ${formatBytes(f.stored)} stored` : '',
    f.xattrs?.length ? `xattrs: ${f.xattrs.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return `${modeString(f.type, f.perm)} ${owner} ${String(f.size).padStart(12)} ${formatMtime(f.mtime)} ${f.path}${link}${extras ? `  [${extras}]` : ''}`;
}

export function formatReport(report: InspectReport): string {
  const out: string[] = [];
  switch (report.kind) {
    case 'iso':
      out.push(
        `${report.path}: ISO 9660 image, volume "${report.volumeId}", ${formatBytes(report.volumeSize * 2048)}`,
        `System: ${report.systemId || '-'}; application: ${report.applicationId || '-'}`,
        `Extensions: ${[report.rockRidge ? 'Rock Ridge' : '', report.jolietLevel ? `Joliet (UCS level ${report.jolietLevel})` : '', report.elTorito ? 'El Torito boot' : ''].filter(Boolean).join(', ') || 'none'}`,
        '',
        `Files (${report.names} names):`,
        ...report.files.map(fileLine),
      );
      break;
    case 'tarball': {
      const types = Object.entries(report.types)
        .map(([t, n]) => `${n} ${t}${n > 1 ? 's' : ''}`)
        .join(', ');
      out.push(
        `${report.path}: ${report.compression === 'none' ? '' : `${report.compression}-compressed `}tarball, ${formatBytes(report.size)}, ${report.members} members (${types}), ${formatBytes(report.dataBytes)} of file data`,
        '',
        ...report.files.map(fileLine),
      );
      break;
    }
    case 'disk': {
      const packed =
        report.compression !== 'none'
          ? ` (${report.compression}-compressed${report.tarred ? ' tar of a' : ''} disk image)`
          : '';
      out.push(
        `${report.path}: ${report.format} disk${packed}, ${formatBytes(report.virtualSize)} virtual, ${formatBytes(report.size)} file`,
      );
      if (report.backingChain.length) out.push(`Backing chain: ${report.backingChain.join(' -> ')}`);
      out.push(
        `Partition table: ${report.scheme === 'none' ? 'none' : report.scheme.toUpperCase()}${report.diskGuid ? ` (disk GUID ${report.diskGuid})` : ''}`,
      );
      for (const w of report.warnings) out.push(`  warning: ${w}`);
      out.push('');
      out.push(
        `  ${'#'.padEnd(3)} ${'start'.padStart(10)} ${'size'.padStart(10)}  ${'type'.padEnd(28)} contents`,
      );
      for (const p of report.partitions) {
        const fs = p.fs
          ? `; ${p.fs.blockSize}-byte blocks, ${Math.round(((p.fs.blocks - p.fs.freeBlocks) / p.fs.blocks) * 100)}% used, ${p.fs.features.join(' ')}${p.fs.journalReplayed ? `; journal replayed in memory (${p.fs.journalReplayed} transactions)` : ''}`
          : '';
        const label = p.label ? ` "${p.label}"` : '';
        out.push(
          `  ${String(p.number).padEnd(3)} ${formatBytes(p.start).padStart(10)} ${formatBytes(p.size).padStart(10)}  ${`${p.typeName}${p.name ? ` (${p.name})` : ''}`.padEnd(28)} ${p.note}${label}${fs}`,
        );
      }
      if (report.files) {
        out.push(
          '',
          `Files of ${report.filesOf ? `partition ${report.filesOf}` : 'the disk'}:`,
          ...report.files.map(fileLine),
        );
      }
      break;
    }
    default:
      out.push(
        `${report.path}: ${report.note} (${formatBytes(report.size)}${report.compression !== 'none' ? `, ${report.compression}-compressed` : ''})`,
      );
  }
  if ('truncated' in report && report.truncated) out.push('… (listing stopped at -max entries)');
  return `${out.join('\n')}\n`;
}

export const inspectImageCommand: Command = {
  name: 'inspect-image',
  synopsis: 'Shows what an ISO, tarball or disk image holds',
  usage: USAGE,
  async run(args, io) {
    const { flags, rest } = parseFlags(flagSpecs, args);
    if (rest.length !== 1) throw new FlagError(rest.length ? `one FILE, not ${rest.length}` : 'missing FILE');
    const file = path.resolve(io.cwd, rest[0]);
    if (flags.R && flags.J) throw new FlagError('-R and -J are exclusive');
    try {
      // isoinfo's own outputs, when asked for by its flags
      if (flags.d || flags.f || flags.l) {
        const iso = new IsoImage(file);
        try {
          const names: IsoNames = flags.R ? 'rock-ridge' : flags.J ? 'joliet' : 'iso';
          if (flags.d) io.stdout.write(formatVolumeInfo(iso));
          if (flags.f) io.stdout.write(formatFind(iso, names));
          if (flags.l) io.stdout.write(formatListing(iso, names));
        } finally {
          iso.close();
        }
        return 0;
      }
      if (flags.depth && !/^\d+$/.test(flags.depth))
        throw new FlagError(`-depth takes a number, not "${flags.depth}"`);
      if (flags.partition && !/^\d+$/.test(flags.partition))
        throw new FlagError(`-partition takes a number, not "${flags.partition}"`);
      const report = await inspectImage(file, {
        files: flags.files || Boolean(flags.partition),
        partition: flags.partition ? Number(flags.partition) : undefined,
        under: flags.path || undefined,
        depth: flags.depth ? Number(flags.depth) : undefined,
        maxEntries: flags.max,
        isoNames: flags.R ? 'rock-ridge' : flags.J ? 'joliet' : undefined,
        signal: io.signal,
      });
      io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
      return report.kind === 'unknown' ? 1 : 0;
    } catch (err) {
      if (err instanceof FlagError) throw err;
      io.stderr.write(`kiln inspect-image: ${(err as Error).message}\n`);
      return 1;
    }
  },
};
