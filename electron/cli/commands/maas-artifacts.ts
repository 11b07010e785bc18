/**
 * `kiln maas image` and `kiln maas check`: MAAS artifacts from a built disk, and the readiness check
 * before upload. Subcommands of `kiln maas` (maas.ts dispatches here), kept in their own module.
 */
import path from 'node:path';
import { DISK_IMAGE_FILETYPES, makeDiskImage, type DiskImageFiletype } from '../../engine/maas/ddimage';
import { checkReadiness, type ReadinessReport } from '../../engine/maas/readiness/check';
import {
  TARBALL_FILETYPES,
  makeRootTarball,
  type ArtifactProgress,
  type ArtifactResult,
  type TarballFiletype,
} from '../../engine/maas/rootfs';
import { FlagError, parseInterleavedFlags, type FlagSpec } from '../flags';
import type { CliIo } from '../io';
import { formatBytes } from './maas-progress';

export const MAAS_ARTIFACT_USAGE = `  image --filetype F [--partition N] [--curtin DIR] [--level N] [--no-clean]
        [--no-bls-boot] [--reader native|qemu-nbd] [--json] DISK OUTPUT
      Make a MAAS artifact from a built disk (qcow2, raw, or any qemu format),
      without root, mounts or FUSE. F is a root tarball (${TARBALL_FILETYPES.join(' ')})
      or a disk image (${DISK_IMAGE_FILETYPES.join(' ')}). Tarballs hold
      the root partition (found, or --partition N) as packer-maas's fuse-tar-root
      makes it: machine-id emptied, cloud-init state and editor backups left out,
      --curtin DIR added as /curtin, an XBOOTLDR partition as /boot.
  check [--filetype F] [--name NAME] [--base-image OS/SERIES] [--partition N]
        [--json] FILE
      Check a built disk or an artifact before upload: its filetype against its
      content, and what MAAS and curtin need inside (cloud-init, machine-id,
      curtin hooks, network configuration, kernel policy, base_image, ...).
      Exits 1 when there are errors.`;

function expectArgs(positional: string[], names: string[]): void {
  if (positional.length < names.length)
    throw new FlagError(`missing ${names.slice(positional.length).join(' ')}`);
  if (positional.length > names.length)
    throw new FlagError(`unexpected argument: ${positional.slice(names.length).join(' ')}`);
}

function partitionFlag(value: string): number | undefined {
  if (value === '' || value === 'auto') return undefined;
  if (!/^\d+$/.test(value))
    throw new FlagError(`--partition takes a partition number (or auto), not "${value}"`);
  return Number(value);
}

/** A progress line redrawn in place on a terminal; nothing otherwise (the summary says it all). */
function progressPrinter(io: CliIo, label: string): ((p: ArtifactProgress) => void) | undefined {
  if (!io.stderr.isTTY) return undefined;
  let last = 0;
  return (p) => {
    const now = performance.now();
    if (now - last < 200 && p.done < p.total) return;
    last = now;
    const percent = p.total ? Math.min(100, Math.floor((p.done / p.total) * 100)) : 0;
    io.stderr.write(
      `\r${label}: ${formatBytes(p.done)} of ~${formatBytes(p.total)} (${percent}%)${p.entries ? `, ${p.entries} files` : ''}   `,
    );
  };
}

const imageFlags = {
  filetype: { kind: 'string' },
  partition: { kind: 'string' },
  curtin: { kind: 'string' },
  level: { kind: 'int' },
  'no-clean': { kind: 'bool' },
  'no-bls-boot': { kind: 'bool' },
  'keep-backups': { kind: 'bool' },
  reader: { kind: 'enum', values: ['auto', 'native', 'qemu-nbd'], default: 'auto' },
  json: { kind: 'bool' },
} satisfies Record<string, FlagSpec>;

export async function maasImage(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseInterleavedFlags(imageFlags, args);
  expectArgs(positional, ['DISK', 'OUTPUT']);
  const [disk, output] = positional.map((p) => path.resolve(io.cwd, p));
  const filetype = flags.filetype;
  if (!filetype) throw new FlagError('--filetype is required');
  const isTarball = (TARBALL_FILETYPES as readonly string[]).includes(filetype);
  if (!isTarball && !(DISK_IMAGE_FILETYPES as readonly string[]).includes(filetype)) {
    throw new FlagError(
      `--filetype must be one of ${[...TARBALL_FILETYPES, ...DISK_IMAGE_FILETYPES].join(', ')}`,
    );
  }
  const level = flags.level || undefined;
  const reader = flags.reader as 'auto' | 'native' | 'qemu-nbd';
  const onProgress = progressPrinter(io, `Making ${filetype}`);
  let result: ArtifactResult;
  if (isTarball) {
    result = await makeRootTarball(disk, output, filetype as TarballFiletype, {
      partition: partitionFlag(flags.partition),
      curtinDir: flags.curtin ? path.resolve(io.cwd, flags.curtin) : undefined,
      clean: !flags['no-clean'],
      excludeBackups: !flags['keep-backups'],
      blsBoot: flags['no-bls-boot'] ? false : 'auto',
      level,
      reader,
      signal: io.signal,
      onProgress,
    });
  } else {
    if (flags.partition || flags.curtin)
      throw new FlagError('--partition and --curtin apply to root tarballs, not to disk images');
    result = await makeDiskImage(disk, output, filetype as DiskImageFiletype, {
      level,
      reader,
      signal: io.signal,
      onProgress,
    });
  }
  if (onProgress) io.stderr.write('\n');
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  const from = result.partition !== undefined ? ` from partition ${result.partition}` : '';
  io.stdout.write(
    `Wrote ${output} (${filetype}, ${formatBytes(result.size)}; ${formatBytes(result.rawBytes)} before compression${result.entries !== undefined ? `, ${result.entries} entries` : ''}${from}) in ${result.seconds.toFixed(1)} s\nsha256 ${result.sha256}\n`,
  );
  for (const note of result.notes) io.stdout.write(`Note: ${note}\n`);
  return 0;
}

const checkFlags = {
  filetype: { kind: 'string' },
  name: { kind: 'string' },
  'base-image': { kind: 'string' },
  partition: { kind: 'string' },
  reader: { kind: 'enum', values: ['auto', 'native', 'qemu-nbd'], default: 'auto' },
  json: { kind: 'bool' },
} satisfies Record<string, FlagSpec>;

const MARK = { error: 'ERROR', warning: 'WARNING', info: 'info' } as const;

export function formatReadiness(report: ReadinessReport): string {
  const lines = [`${report.input}: ${report.detail}`];
  if (report.os) lines.push(`OS: ${report.os.prettyName} (${report.os.family} family)`);
  if (report.filetype) lines.push(`Filetype: ${report.filetype}`);
  lines.push('');
  for (const f of report.findings) {
    lines.push(`${MARK[f.severity]} [${f.rule}]${f.path ? ` ${f.path}` : ''}: ${f.message}`);
    lines.push(`    fix: ${f.fix}`);
  }
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.filter((f) => f.severity === 'warning').length;
  lines.push(
    '',
    report.ready
      ? `Ready for MAAS${warnings ? ` (${warnings} warning${warnings > 1 ? 's' : ''})` : ''}.`
      : `Not ready: ${errors} error${errors > 1 ? 's' : ''}, ${warnings} warning${warnings === 1 ? '' : 's'}.`,
  );
  return `${lines.join('\n')}\n`;
}

export async function maasCheck(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseInterleavedFlags(checkFlags, args);
  expectArgs(positional, ['FILE']);
  const report = await checkReadiness(path.resolve(io.cwd, positional[0]), {
    filetype: flags.filetype || undefined,
    name: flags.name || undefined,
    baseImage: flags['base-image'] || undefined,
    partition: partitionFlag(flags.partition),
    reader: flags.reader as 'auto' | 'native' | 'qemu-nbd',
    signal: io.signal,
  });
  io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatReadiness(report));
  return report.ready ? 0 : 1;
}
