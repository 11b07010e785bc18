/**
 * Finding UEFI firmware (OVMF) for x86_64 guests: first the firmware descriptors qemu itself ships
 * (docs/interop/firmware.json: /usr/share/qemu/firmware/*.json, overridable in /etc/qemu/firmware
 * and ~/.config/qemu/firmware), then the file names distributions use (`OVMF_CODE_4M.fd` and
 * `OVMF_CODE.fd` with their VARS, Fedora's edk2 paths, qemu's own edk2 build). A VARS template is
 * never used in place: each build gets its own copy.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface UefiFirmware {
  /** The read-only code (pflash unit 0). */
  code: string;
  /** The variable store template, copied per build (pflash unit 1). */
  vars: string;
  secureBoot: boolean;
  /** Secure Boot builds of OVMF need SMM, so `-machine q35,smm=on`. */
  requiresSmm: boolean;
  /** Where Kiln found it (a descriptor file, or `known path`). */
  source: string;
}

interface Descriptor {
  'interface-types'?: string[];
  mapping?: {
    device?: string;
    executable?: { filename?: string; format?: string };
    'nvram-template'?: { filename?: string };
  };
  targets?: Array<{ architecture?: string; machines?: string[] }>;
  features?: string[];
}

export const DESCRIPTOR_DIRS = [
  join(homedir(), '.config/qemu/firmware'),
  '/etc/qemu/firmware',
  '/usr/share/qemu/firmware',
];

/** Known pairs, best first, for systems without descriptors. */
export const KNOWN_OVMF_PAIRS: Array<[code: string, vars: string]> = [
  ['/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_VARS_4M.fd'],
  ['/usr/share/OVMF/OVMF_CODE.fd', '/usr/share/OVMF/OVMF_VARS.fd'],
  ['/usr/share/edk2/ovmf/OVMF_CODE.fd', '/usr/share/edk2/ovmf/OVMF_VARS.fd'],
  ['/usr/share/edk2/x64/OVMF_CODE.4m.fd', '/usr/share/edk2/x64/OVMF_VARS.4m.fd'],
  ['/usr/share/edk2-ovmf/x64/OVMF_CODE.fd', '/usr/share/edk2-ovmf/x64/OVMF_VARS.fd'],
  ['/usr/share/qemu/edk2-x86_64-code.fd', '/usr/share/qemu/edk2-i386-vars.fd'],
];

/** Reads the descriptors in qemu's precedence (same file name: the earlier directory wins; then by name). */
export function readDescriptors(
  dirs: readonly string[] = DESCRIPTOR_DIRS,
): Array<{ file: string; descriptor: Descriptor }> {
  const byName = new Map<string, string>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names)
      if (name.endsWith('.json') && !byName.has(name)) byName.set(name, join(dir, name));
  }
  const out: Array<{ file: string; descriptor: Descriptor }> = [];
  for (const name of [...byName.keys()].sort()) {
    const file = byName.get(name)!;
    try {
      out.push({ file, descriptor: JSON.parse(readFileSync(file, 'utf8')) as Descriptor });
    } catch {
      // An unreadable descriptor is skipped, as qemu's tools do.
    }
  }
  return out;
}

export interface FindFirmwareOptions {
  secureBoot?: boolean;
  descriptorDirs?: readonly string[];
  knownPairs?: ReadonlyArray<[string, string]>;
}

/** The best UEFI firmware for x86_64 here, or undefined when none is installed. */
export function findUefiFirmware(options: FindFirmwareOptions = {}): UefiFirmware | undefined {
  const wantSecure = options.secureBoot ?? false;
  for (const { file, descriptor } of readDescriptors(options.descriptorDirs)) {
    if (!descriptor['interface-types']?.includes('uefi')) continue;
    const mapping = descriptor.mapping;
    if (mapping?.device !== 'flash') continue;
    const code = mapping.executable?.filename;
    const vars = mapping['nvram-template']?.filename;
    if (!code || !vars || (mapping.executable?.format ?? 'raw') !== 'raw') continue;
    if (!descriptor.targets?.some((t) => t.architecture === 'x86_64')) continue;
    const features = descriptor.features ?? [];
    const secure = features.includes('secure-boot');
    if (secure !== wantSecure) continue;
    // Pre-enrolled Microsoft keys are for Windows guests; an empty store suits any guest.
    if (!wantSecure && features.includes('enrolled-keys')) continue;
    if (!existsSync(code) || !existsSync(vars)) continue;
    return { code, vars, secureBoot: secure, requiresSmm: features.includes('requires-smm'), source: file };
  }
  if (wantSecure) return undefined;
  for (const [code, vars] of options.knownPairs ?? KNOWN_OVMF_PAIRS) {
    if (existsSync(code) && existsSync(vars)) {
      return { code, vars, secureBoot: false, requiresSmm: false, source: 'known path' };
    }
  }
  return undefined;
}

/** The VARS file that goes with a CODE file, by the naming conventions of the known pairs. */
export function varsForCode(code: string): string | undefined {
  const pair = KNOWN_OVMF_PAIRS.find(([c]) => c === code);
  if (pair) return pair[1];
  const guess = code.replace(/CODE/g, 'VARS').replace(/\.(secboot|ms|snakeoil)\.fd$/, '.fd');
  return guess !== code && existsSync(guess) ? guess : undefined;
}

/** Copies a VARS template for one VM (never boot from the shared template). */
export function copyVars(template: string, dest: string): void {
  copyFileSync(template, dest);
}

export const SEABIOS_PATHS = ['/usr/share/seabios/bios-256k.bin', '/usr/share/qemu/bios-256k.bin'];

/** SeaBIOS, qemu's default BIOS: no argument is needed, but a template may name it. */
export function findSeaBios(): string | undefined {
  return SEABIOS_PATHS.find((p) => existsSync(p));
}
