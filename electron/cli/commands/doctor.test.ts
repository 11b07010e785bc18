/**
 * `kiln doctor` against this machine's real tools, with PATH narrowed to a folder of symlinks that
 * leaves some out: the exact report, the install line and the exit status.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, checkHost, findCommand } from '../../engine/tools/doctor';
import { kvmDeviceProblem } from '../../engine/vm/accelerator';
import { captureIo } from '../capture-io';
import { main } from '../main';
import { formatHostReport } from './doctor';

const systemPath = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
const allTools = COMMANDS.flatMap((c) => c.commands);
const absent = ['qemu-system-x86_64', 'qemu-img', 'xorriso', 'mcopy', 'xz', 'zstd', 'lz4', 'bzip2'].filter(
  (t) => !findCommand(t, systemPath),
);

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-doctor-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A PATH of one folder holding symlinks to the real tools, all but `without`. */
function pathWithout(name: string, without: string[]): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  for (const tool of allTools) {
    const real = findCommand(tool, systemPath);
    if (real && !without.includes(tool)) fs.symlinkSync(real, path.join(dir, tool));
  }
  return dir;
}

/** What the tool says its version is, as the doctor reads it (first line, stdout then stderr). */
function version(binary: string, args: string[]): string {
  const r = spawnSync(binary, args, { input: '', encoding: 'utf8' });
  return `${r.stdout}\n${r.stderr}`
    .split('\n')
    .map((l) => l.replace(/^\*+\s*|\s*\*+$/g, '').trim())
    .find(Boolean) as string;
}

async function kiln(args: string[], env: NodeJS.ProcessEnv) {
  const io = captureIo({ cwd: tmp, env });
  const code = await main(args, io);
  return { code, ...io.out };
}

const withoutTimes = (text: string) => text.replace(/Checked in \d+ ms\./, 'Checked in N ms.');

describe.skipIf(absent.length)(
  `kiln doctor${absent.length ? ` (skipped: ${absent.join(', ')} not installed)` : ''}`,
  () => {
    it('reports each missing tool with its package and what stops working; exit 1 without qemu-img or OVMF', async () => {
      const dir = pathWithout('partial', ['qemu-img', 'qemu-nbd', 'xorriso', 'zstd', 'pbzip2', 'lbzip2']);
      const report = await checkHost({
        path: dir,
        acceleratorProbe: false,
        firmware: { descriptorDirs: [], knownPairs: [] },
        electronPackageDir: null,
      });
      expect(report.ready).toBe(false);
      expect(report.missingPackages).toEqual(['qemu-utils', 'ovmf', 'xorriso', 'zstd']);
      const kvm = kvmDeviceProblem();
      const at = (tool: string) => path.join(dir, tool);
      const pad = ' '.repeat(30);
      expect(withoutTimes(formatHostReport(report))).toBe(
        [
          `ok       qemu-system-x86_64    ${at('qemu-system-x86_64')} (${version(at('qemu-system-x86_64'), ['--version'])})`,
          `MISSING  qemu-img              not found on PATH`,
          `${pad} install qemu-utils`,
          `${pad} without it: every qemu build (it creates, converts and resizes the disks)`,
          `MISSING  OVMF (UEFI firmware)  no UEFI firmware in qemu's firmware descriptors or at the distributions' OVMF paths`,
          `${pad} install ovmf`,
          `${pad} without it: UEFI builds (efi_boot, OVMF firmware), which MAAS images usually are`,
          kvm
            ? `missing  KVM acceleration      ${kvm}\n${pad} without it: fast builds: without KVM, builds run under TCG (software emulation), many times slower`
            : `ok       KVM acceleration      /dev/kvm (/dev/kvm opens (not probed: --no-accelerator-probe))`,
          `missing  xorriso               not found on PATH`,
          `${pad} install xorriso`,
          `${pad} without it: cd_files, cd_content and the cloud-init seed CD (cd_label cidata)`,
          `ok       mkfs.vfat             ${at('mkfs.vfat')}`,
          `ok       mtools (mcopy)        ${at('mcopy')} (${version(at('mcopy'), ['--version'])})`,
          `missing  qemu-nbd              not found on PATH`,
          `${pad} install qemu-utils`,
          `${pad} without it: MAAS artifacts and the readiness check from disks in formats other than raw and qcow2 (vmdk, vdi, vhdx), and --reader qemu-nbd`,
          `ok       xz                    ${at('xz')} (${version(at('xz'), ['--version'])})`,
          `ok       bzip2                 ${at('bzip2')} (${version(at('bzip2'), ['-V'])} (one core; pbzip2 uses every core))`,
          `missing  zstd                  not found on PATH`,
          `${pad} install zstd`,
          `${pad} without it: reading zstd-compressed images (inspect-image, kiln maas check)`,
          `ok       lz4                   ${at('lz4')} (${version(at('lz4'), ['--version'])})`,
          `missing  Electron's binary     the electron package is not installed`,
          `${pad} get it: npm install-scripts approve electron && npm rebuild electron`,
          `${pad} without it: the desktop window (npm start then serves the same UI to a browser instead); the kiln command does not need it`,
          '',
          'A qemu build cannot run here: qemu-img, OVMF (UEFI firmware) missing.',
          'To install what is missing: sudo apt-get install qemu-utils ovmf xorriso zstd',
          'Checked in N ms.',
          '',
        ].join('\n'),
      );
    });

    it('the command: exit 0 when a qemu build can run, the optional tools that are missing listed', async () => {
      const dir = pathWithout('no-xorriso', ['xorriso']);
      const r = await kiln(['doctor', '--no-accelerator-probe'], { PATH: dir });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(
        `\nmissing  xorriso               not found on PATH\n${' '.repeat(30)} install xorriso\n`,
      );
      expect(r.stdout).toMatch(/^ok {7}qemu-img {14}\S+\/no-xorriso\/qemu-img \(qemu-img version /m);
      expect(r.stdout).toMatch(
        /\nEverything a qemu build needs is here\.\nTo install what is missing: sudo apt-get install xorriso\nChecked in \d+ ms\.\n$/,
      );
      const json = await kiln(['doctor', '--no-accelerator-probe', '--json'], { PATH: dir });
      expect(json.code).toBe(0);
      const parsed = JSON.parse(json.stdout) as Awaited<ReturnType<typeof checkHost>>;
      expect(parsed.ready).toBe(true);
      expect(parsed.checks.find((c) => c.id === 'xorriso')).toMatchObject({
        found: false,
        debianPackage: 'xorriso',
      });
    });

    it('without qemu-system-x86_64: exit 1, and the KVM probe is not attempted', async () => {
      const dir = pathWithout('no-qemu', ['qemu-system-x86_64']);
      const r = await kiln(['doctor'], { PATH: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^Checking\.\.\. \(the KVM probe boots a test guest/);
      const kvm = kvmDeviceProblem();
      expect(r.stdout).toContain(
        `\nmissing  KVM acceleration      ${kvm ?? 'not probed: needs qemu-system-x86_64'}\n`,
      );
      expect(r.stdout).toContain('\nA qemu build cannot run here: qemu-system-x86_64 missing.\n');
      expect(r.stdout).toMatch(/\nTo install what is missing: sudo apt-get install qemu-system-x86( |\n)/);
    });

    it('the real accelerator probe reports its verdict', { timeout: 60_000 }, async () => {
      const r = await kiln(['doctor'], { PATH: systemPath });
      expect(r.stdout).toMatch(/^(ok|missing) +KVM acceleration +.*(Using KVM|Using TCG|\/dev\/kvm)/m);
    });

    it('usage mistakes: exit 1 with the usage', async () => {
      const r = await kiln(['doctor', 'extra'], { PATH: systemPath });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^kiln doctor: unexpected argument: extra\n\nUsage: kiln doctor/);
    });
  },
);
