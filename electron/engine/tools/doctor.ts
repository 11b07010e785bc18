/**
 * What Kiln's features need from the host, probed for real: each tool found on PATH (and asked its
 * version), UEFI firmware through the builder's own firmware finder, and the accelerator through the
 * builder's own KVM probe. Every probe runs at once; `kiln doctor` prints the result and the desktop
 * can show the same list. Tools Kiln does in JavaScript (gzip, tar, lz4 compression, SSH keys) are
 * not listed: nothing to install for them.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chooseAccelerator, kvmDeviceProblem } from '../vm/accelerator';
import { findUefiFirmware, type FindFirmwareOptions } from '../vm/firmware';

export interface HostCheck {
  /** Stable id (`qemu-system-x86_64`, `ovmf`, `accelerator`, ...). */
  id: string;
  /** What is looked for, as printed. */
  label: string;
  found: boolean;
  /** Where it is (a binary, the firmware's CODE file). */
  path?: string;
  /** Its version line, or what the probe found out (the accelerator's verdict). */
  detail?: string;
  /** The Debian package that provides it. */
  debianPackage?: string;
  /** How to get it when it is no Debian package. */
  howToGet?: string;
  /** What stops working without it. */
  neededFor: string;
  /** A qemu build cannot run without it. */
  required: boolean;
}

export interface HostReport {
  checks: HostCheck[];
  /** Every required item is there: a qemu build can run. */
  ready: boolean;
  /** The Debian packages that would supply everything missing. */
  missingPackages: string[];
  ms: number;
}

export interface DoctorOptions {
  /** PATH to search (default: process.env.PATH). */
  path?: string;
  /** Boot a test guest to see whether KVM works (default true; takes seconds the first time per boot). */
  acceleratorProbe?: boolean;
  /** Where OVMF is looked for (default: qemu's firmware descriptors, then the distributions' paths). */
  firmware?: FindFirmwareOptions;
  /** The folder of Kiln's package.json, where node_modules/electron is (default: found from here). */
  electronPackageDir?: string | null;
  signal?: AbortSignal;
}

interface CommandSpec {
  id: string;
  /** Alternatives, best first (the first one found is reported). */
  commands: string[];
  versionArgs?: string[];
  debianPackage: string;
  neededFor: string;
  required?: boolean;
}

/** The commands Kiln runs, each with the package that has it and the feature that needs it. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    id: 'qemu-system-x86_64',
    commands: ['qemu-system-x86_64'],
    versionArgs: ['--version'],
    debianPackage: 'qemu-system-x86',
    neededFor: 'every qemu build (it runs the VM)',
    required: true,
  },
  {
    id: 'qemu-img',
    commands: ['qemu-img'],
    versionArgs: ['--version'],
    debianPackage: 'qemu-utils',
    neededFor: 'every qemu build (it creates, converts and resizes the disks)',
    required: true,
  },
  {
    id: 'xorriso',
    commands: ['xorriso'],
    versionArgs: ['-version'],
    debianPackage: 'xorriso',
    neededFor: 'cd_files, cd_content and the cloud-init seed CD (cd_label cidata)',
  },
  {
    id: 'mkfs.vfat',
    commands: ['mkfs.vfat'],
    debianPackage: 'dosfstools',
    neededFor: 'floppy_files and floppy_dirs (the floppy image)',
  },
  {
    id: 'mtools',
    commands: ['mcopy'],
    versionArgs: ['--version'],
    debianPackage: 'mtools',
    neededFor: 'floppy_files and floppy_dirs (copying onto the floppy)',
  },
  {
    id: 'qemu-nbd',
    commands: ['qemu-nbd'],
    versionArgs: ['--version'],
    debianPackage: 'qemu-utils',
    neededFor:
      'MAAS artifacts and the readiness check from disks in formats other than raw and qcow2 (vmdk, vdi, vhdx), and --reader qemu-nbd',
  },
  {
    id: 'xz',
    commands: ['xz'],
    versionArgs: ['--version'],
    debianPackage: 'xz-utils',
    neededFor:
      'MAAS artifacts txz, ddxz, ddtxz (making and checking them), .xz output of the compress post-processor, and reading .xz images',
  },
  {
    id: 'bzip2',
    commands: ['pbzip2', 'lbzip2', 'bzip2'],
    versionArgs: ['-V'],
    debianPackage: 'pbzip2',
    neededFor: 'MAAS artifacts tbz, ddbz2, ddtbz (making and checking them) and reading .bz2 images',
  },
  {
    id: 'zstd',
    commands: ['zstd'],
    versionArgs: ['--version'],
    debianPackage: 'zstd',
    neededFor: 'reading zstd-compressed images (inspect-image, kiln maas check)',
  },
  {
    id: 'lz4',
    commands: ['lz4'],
    versionArgs: ['--version'],
    debianPackage: 'lz4',
    neededFor: 'reading lz4-compressed images (inspect-image, kiln maas check)',
  },
];

/** The executable `command` names on `searchPath`, as a shell would find it, or undefined. */
export function findCommand(command: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** The first line a tool prints for its version (some print it on stderr), or undefined. */
function versionLine(binary: string, args: string[], signal?: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(binary, args, { timeout: 5_000, signal, maxBuffer: 64 * 1024 }, (_err, stdout, stderr) => {
      const line = `${stdout}\n${stderr}`
        .split('\n')
        .map((l) => l.replace(/^\*+\s*|\s*\*+$/g, '').trim())
        .find(Boolean);
      resolve(line);
    }).stdin?.end();
  });
}

async function checkCommand(spec: CommandSpec, searchPath: string, signal?: AbortSignal): Promise<HostCheck> {
  const base = {
    id: spec.id,
    label: spec.id,
    debianPackage: spec.debianPackage,
    neededFor: spec.neededFor,
    required: spec.required ?? false,
  };
  for (const command of spec.commands) {
    const found = findCommand(command, searchPath);
    if (!found) continue;
    const version = spec.versionArgs ? await versionLine(found, spec.versionArgs, signal) : undefined;
    const single = spec.id === 'bzip2' && command === 'bzip2' ? ' (one core; pbzip2 uses every core)' : '';
    return {
      ...base,
      label: command === spec.id ? spec.id : `${spec.id} (${command})`,
      found: true,
      path: found,
      ...(version || single ? { detail: `${version ?? ''}${single}`.trim() } : {}),
    };
  }
  return { ...base, found: false };
}

function checkFirmware(options: FindFirmwareOptions | undefined): HostCheck {
  const firmware = findUefiFirmware(options);
  return {
    id: 'ovmf',
    label: 'OVMF (UEFI firmware)',
    found: firmware !== undefined,
    ...(firmware
      ? {
          path: firmware.code,
          detail: `vars ${firmware.vars}, from ${firmware.source === 'known path' ? 'a known path' : firmware.source}`,
        }
      : { detail: "no UEFI firmware in qemu's firmware descriptors or at the distributions' OVMF paths" }),
    debianPackage: 'ovmf',
    neededFor: 'UEFI builds (efi_boot, OVMF firmware), which MAAS images usually are',
    required: true,
  };
}

async function checkAccelerator(
  qemu: string | undefined,
  probe: boolean,
  signal?: AbortSignal,
): Promise<HostCheck> {
  const base = {
    id: 'accelerator',
    label: 'KVM acceleration',
    neededFor: 'fast builds: without KVM, builds run under TCG (software emulation), many times slower',
    required: false,
  };
  const problem = kvmDeviceProblem();
  if (problem) return { ...base, found: false, detail: problem };
  if (!probe)
    return {
      ...base,
      found: true,
      path: '/dev/kvm',
      detail: '/dev/kvm opens (not probed: --no-accelerator-probe)',
    };
  if (!qemu) return { ...base, found: false, detail: 'not probed: needs qemu-system-x86_64' };
  const choice = await chooseAccelerator({ binary: qemu, signal });
  return {
    ...base,
    found: choice.accelerator === 'kvm',
    path: '/dev/kvm',
    detail: `${choice.reason}${choice.cached ? ' (probed earlier this boot)' : ''}`,
  };
}

/** Where node_modules/electron is, from this module (sources or a bundle inside the repository). */
function defaultElectronPackageDir(): string | undefined {
  try {
    return path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return undefined;
  }
}

/** Electron's binary, as `npm start` finds it (node_modules/electron/path.txt names it). */
function checkElectron(packageDir: string | null | undefined): HostCheck {
  const base = {
    id: 'electron',
    label: "Electron's binary",
    howToGet: 'npm install-scripts approve electron && npm rebuild electron',
    neededFor:
      'the desktop window (npm start then serves the same UI to a browser instead); the kiln command does not need it',
    required: false,
  };
  if (!packageDir) return { ...base, found: false, detail: 'the electron package is not installed' };
  const pathFile = path.join(packageDir, 'path.txt');
  const binary = existsSync(pathFile)
    ? path.join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim())
    : undefined;
  if (!binary || !existsSync(binary))
    return {
      ...base,
      found: false,
      detail: 'npm did not run its install script, which downloads the binary',
    };
  let version: string | undefined;
  try {
    version = (
      JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version?: string }
    ).version;
  } catch {
    // The binary is what matters.
  }
  return { ...base, found: true, path: binary, ...(version ? { detail: `Electron ${version}` } : {}) };
}

/** Probes everything at once. */
export async function checkHost(options: DoctorOptions = {}): Promise<HostReport> {
  const started = performance.now();
  const searchPath = options.path ?? process.env.PATH ?? '';
  const qemu = findCommand('qemu-system-x86_64', searchPath);
  const [commands, accelerator] = await Promise.all([
    Promise.all(COMMANDS.map((spec) => checkCommand(spec, searchPath, options.signal))),
    checkAccelerator(qemu, options.acceleratorProbe ?? true, options.signal),
  ]);
  options.signal?.throwIfAborted();
  const electronDir =
    options.electronPackageDir === undefined ? defaultElectronPackageDir() : options.electronPackageDir;
  const checks = [
    ...commands.slice(0, 2),
    checkFirmware(options.firmware),
    accelerator,
    ...commands.slice(2),
    checkElectron(electronDir),
  ];
  return {
    checks,
    ready: checks.every((c) => c.found || !c.required),
    missingPackages: [
      ...new Set(checks.flatMap((c) => (!c.found && c.debianPackage ? [c.debianPackage] : []))),
    ],
    ms: Math.round(performance.now() - started),
  };
}
