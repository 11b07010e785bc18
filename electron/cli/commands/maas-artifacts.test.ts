/**
 * `kiln maas image`, `kiln maas check` and `kiln inspect-image` end to end through `main`, on a real
 * disk made with mkfs.ext4/sgdisk/qemu-img and an ISO made with genisoimage.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeRegion } from '../../engine/maas/fake-region';
import { makeDisk, makeExt4, removeDir, tempDir } from '../../engine/maas/testing/fixtures';
import { missingTools, run } from '../../engine/maas/testing/tools';
import type { CliIo } from '../io';
import { main } from '../main';

const missing = missingTools('mkfs.ext4', 'sgdisk', 'qemu-img', 'tar');

async function kiln(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => void (stdout += t) },
    stderr: { write: (t: string) => void (stderr += t) },
    stdin: new PassThrough(),
    env: { ...process.env },
    cwd,
    signal: new AbortController().signal,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

describe.skipIf(missing)(
  `kiln maas image / check, kiln inspect-image ${missing ? `(skipped: ${missing})` : ''}`,
  () => {
    let dir: string;

    beforeAll(() => {
      dir = tempDir('cli-maas');
      const tree = path.join(dir, 'tree');
      for (const d of ['etc/cloud', 'usr/bin', 'usr/sbin', 'var/lib/cloud/instances/i-1', 'var/log'])
        mkdirSync(path.join(tree, d), { recursive: true });
      writeFileSync(
        path.join(tree, 'etc/os-release'),
        'ID=ubuntu\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\nPRETTY_NAME="Ubuntu 24.04 LTS"\n',
      );
      writeFileSync(path.join(tree, 'etc/machine-id'), '0123456789abcdef0123456789abcdef\n');
      writeFileSync(path.join(tree, 'etc/cloud/cloud.cfg'), 'x: 1\n');
      writeFileSync(path.join(tree, 'usr/bin/cloud-init'), '#!/usr/bin/python3\n', { mode: 0o755 });
      writeFileSync(path.join(tree, 'usr/sbin/netplan'), '#!/usr/bin/python3\n', { mode: 0o755 });
      writeFileSync(path.join(tree, 'var/log/cloud-init.log'), 'log\n');
      const fs = makeExt4(tree, path.join(dir, 'root.img'), { sizeMiB: 16 });
      makeDisk(fs, dir, { table: 'gpt', format: 'qcow2' }); // dir/disk.qcow2
      mkdirSync(path.join(dir, 'curtin'));
      writeFileSync(path.join(dir, 'curtin/curtin-hooks'), '#!/bin/sh\n', { mode: 0o750 });
    });
    afterAll(() => removeDir(dir));

    it('maas image makes a tgz the check then finds ready; the disk itself is reported as a build disk', async () => {
      const before = await kiln(
        ['maas', 'check', '--name', 'custom/noble', '--base-image', 'ubuntu/noble', 'disk.qcow2'],
        dir,
      );
      expect(before.code).toBe(0);
      expect(before.stdout).toMatch(/qcow2 disk; GPT, 2 partition\(s\); root file system on partition 2/);
      expect(before.stdout).toMatch(/info \[machine-id\] \/etc\/machine-id: .*Kiln writes it empty/);
      const made = await kiln(
        ['maas', 'image', '--filetype', 'tgz', '--curtin', 'curtin', 'disk.qcow2', 'out.tar.gz'],
        dir,
      );
      expect(made.stderr).toBe('');
      expect(made.code).toBe(0);
      expect(made.stdout).toMatch(
        /^Wrote .*out\.tar\.gz \(tgz, .* entries from partition 2\) in [\d.]+ s\nsha256 [0-9a-f]{64}\n/,
      );
      const listing = run('tar', ['-tzf', path.join(dir, 'out.tar.gz')]);
      expect(listing).toContain('./curtin/curtin-hooks');
      expect(listing).not.toContain('cloud-init.log');
      const after = await kiln(
        [
          'maas',
          'check',
          '--filetype',
          'tgz',
          '--name',
          'custom/noble',
          '--base-image',
          'ubuntu/noble',
          '--json',
          'out.tar.gz',
        ],
        dir,
      );
      const report = JSON.parse(after.stdout) as {
        ready: boolean;
        kind: string;
        findings: Array<{ rule: string; severity: string }>;
      };
      expect(report.kind).toBe('rootfs-tarball');
      expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
      expect(after.code).toBe(0);
    });

    it('maas check exits 1 and says what to fix when the filetype is wrong', async () => {
      await kiln(['maas', 'image', '--filetype', 'ddgz', 'disk.qcow2', 'disk.dd.gz'], dir);
      const result = await kiln(['maas', 'check', '--filetype', 'ddtgz', 'disk.dd.gz'], dir);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(
        /ERROR \[filetype\]: the file is a gzip-compressed disk image, but the filetype is ddtgz/,
      );
      expect(result.stdout).toMatch(/fix: upload it as filetype ddgz/);
      expect(result.stdout).toMatch(/Not ready: \d+ errors?/);
    });

    it('maas image rejects bad usage with the usage text', async () => {
      const noType = await kiln(['maas', 'image', 'disk.qcow2', 'x.tgz'], dir);
      expect(noType.code).toBe(1);
      expect(noType.stderr).toMatch(/--filetype is required[\s\S]*image --filetype F/);
      const badType = await kiln(['maas', 'image', '--filetype', 'zip', 'disk.qcow2', 'x'], dir);
      expect(badType.stderr).toMatch(/--filetype must be one of tgz, tbz, txz, tar, ddraw/);
      const missingDisk = await kiln(['maas', 'image', '--filetype', 'tgz', 'nope.qcow2', 'x.tgz'], dir);
      expect(missingDisk.code).toBe(1);
      expect(missingDisk.stderr).toMatch(/cannot open .*nope\.qcow2/);
      expect(existsSync(path.join(dir, 'x.tgz'))).toBe(false);
    });

    it('inspect-image: a disk with its partitions and files, a tarball, a dd image', async () => {
      const diskReport = await kiln(['inspect-image', '-files', '-path=/etc', 'disk.qcow2'], dir);
      expect(diskReport.code).toBe(0);
      expect(diskReport.stdout).toMatch(/qcow2 disk, 64\.0 MiB virtual|qcow2 disk, [\d.]+ MiB virtual/);
      expect(diskReport.stdout).toMatch(/2 +[\d.]+ MiB +[\d.]+ MiB +Linux filesystem +ext4 root file system/);
      expect(diskReport.stdout).toMatch(/-rw-r--r-- 0\/0 +33 .* \/etc\/machine-id/);
      const packed = await kiln(['inspect-image', 'disk.dd.gz'], dir);
      expect(packed.stdout).toMatch(/raw disk \(gzip-compressed disk image\)/);
      const json = JSON.parse((await kiln(['inspect-image', '-json', 'out.tar.gz'], dir)).stdout) as {
        kind: string;
        members: number;
      };
      expect(json.kind).toBe('tarball');
      expect(json.members).toBeGreaterThan(5);
    });

    it.skipIf(!!missingTools('genisoimage', 'isoinfo'))(
      'inspect-image prints what isoinfo prints for -d, -f -R, -l -J',
      async () => {
        const src = path.join(dir, 'iso-src');
        mkdirSync(src);
        writeFileSync(path.join(src, 'user-data'), '#cloud-config\n');
        writeFileSync(path.join(src, 'meta-data'), 'instance-id: i\n');
        const iso = path.join(dir, 'seed.iso');
        run('genisoimage', ['-quiet', '-o', iso, '-R', '-J', '-V', 'cidata', src]);
        for (const flags of [['-d'], ['-f', '-R'], ['-l', '-J']]) {
          const ours = await kiln(['inspect-image', ...flags, 'seed.iso'], dir);
          expect(ours.stdout).toBe(execFileSync('isoinfo', [...flags, '-i', iso]).toString('latin1'));
        }
        const summary = await kiln(['inspect-image', 'seed.iso'], dir);
        expect(summary.stdout).toMatch(/ISO 9660 image, volume "cidata"[\s\S]*Rock Ridge, Joliet/);
        expect(summary.stdout).toMatch(/\/user-data/);
      },
    );

    it('kiln build runs a template with maas-image and maas-upload post-processors', async () => {
      const region = await startFakeRegion();
      try {
        const template = path.join(dir, 'template');
        mkdirSync(template);
        writeFileSync(
          path.join(template, 'build.pkr.hcl'),
          `variable "maas_url" { type = string }
variable "maas_key" {
  type      = string
  sensitive = true
}
source "file" "noble" {
  source = "../disk.qcow2"
  target = "output-noble/packer-noble"
}
build {
  sources = ["source.file.noble"]
  post-processors {
    post-processor "maas-image" {
      filetype     = "tgz"
      curtin_hooks = "../curtin"
    }
    post-processor "maas-upload" {
      url        = var.maas_url
      api_key    = var.maas_key
      image_name = "custom/kiln-cli"
      base_image = "ubuntu/noble"
    }
  }
}
`,
        );
        const result = await kiln(
          ['build', '-var', `maas_url=${region.url}`, '-var', `maas_key=${region.apiKey}`, '.'],
          template,
        );
        expect(result.stdout).toMatch(/\(maas-image\): Wrote noble\.tar\.gz/);
        expect(result.stdout).toMatch(/\(maas-upload\): Uploaded custom\/kiln-cli: resource \d+/);
        expect(result.stdout).toMatch(
          /--> file\.noble: MAAS boot resource custom\/kiln-cli \(amd64\/generic, id \d+\)/,
        );
        expect(result.stdout + result.stderr).not.toContain(region.apiKey.split(':')[2]);
        expect(result.code).toBe(0);
        expect(region.resources().some((r) => r.name === 'kiln-cli')).toBe(true);
      } finally {
        await region.close();
      }
    });

    it('inspect-image says what it does not recognise', async () => {
      writeFileSync(path.join(dir, 'junk.bin'), 'not an image at all');
      const result = await kiln(['inspect-image', 'junk.bin'], dir);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/not an ISO, a tarball or a disk image/);
    });
  },
);
