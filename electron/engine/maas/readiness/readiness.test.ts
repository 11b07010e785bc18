/**
 * Every readiness rule against an image that breaks it (and a clean image that passes them all):
 * tarballs made with GNU tar, built disks, and dd images made with gzip from a real partitioned disk.
 */
import { chmodSync, cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDisk, makeExt4, removeDir, tempDir } from '../testing/fixtures';
import { missingTools, run } from '../testing/tools';
import { checkReadiness, type ReadinessReport } from './check';

const missing = missingTools('tar', 'gzip', 'mkfs.ext4', 'sgdisk', 'qemu-img');

type Tree = Record<string, string | { content: string; mode: number } | { link: string } | null>;

const UBUNTU: Tree = {
  'etc/os-release':
    'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\nPRETTY_NAME="Ubuntu 24.04 LTS"\n',
  'etc/machine-id': '',
  'etc/shadow': 'root:*:19000:0:99999:7:::\n',
  'etc/cloud/cloud.cfg': 'datasource_list: [MAAS]\n',
  'etc/cloud/cloud.cfg.d/90_dpkg.cfg': 'datasource_list: [ MAAS ]\n',
  'usr/bin/cloud-init': { content: '#!/usr/bin/python3\n', mode: 0o755 },
  'usr/sbin/netplan': { content: '#!/usr/bin/python3\n', mode: 0o755 },
  'var/lib/cloud/data/.keep': '',
  'var/log/syslog': '',
};

const ROCKY: Tree = {
  'etc/os-release':
    'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\nPRETTY_NAME="Rocky Linux 9.4"\n',
  'etc/machine-id': '',
  'etc/cloud/cloud.cfg': 'x\n',
  'usr/bin/cloud-init': { content: '#!/usr/bin/python3\n', mode: 0o755 },
  'usr/sbin/NetworkManager': { content: 'elf', mode: 0o755 },
  'usr/lib/python3.9/site-packages/oauthlib/__init__.py': '',
  'boot/vmlinuz-5.14.0-427.el9.x86_64': 'kernel',
};

describe.skipIf(missing)(`readiness check ${missing ? `(skipped: ${missing})` : ''}`, () => {
  let dir: string;
  let count = 0;

  beforeAll(() => {
    dir = tempDir('ready');
  });
  afterAll(() => removeDir(dir));

  function writeTree(tree: Tree): string {
    const root = path.join(dir, `tree-${++count}`);
    mkdirSync(root, { recursive: true });
    for (const [rel, spec] of Object.entries(tree)) {
      if (spec === null) continue;
      const file = path.join(root, rel);
      mkdirSync(path.dirname(file), { recursive: true });
      if (typeof spec === 'string') writeFileSync(file, spec);
      else if ('link' in spec) symlinkSync(spec.link, file);
      else {
        writeFileSync(file, spec.content);
        chmodSync(file, spec.mode);
      }
    }
    return root;
  }

  /** A tarball of the tree made by GNU tar, as packer-maas would make it. */
  function tarball(tree: Tree, compress = '-z'): string {
    const root = writeTree(tree);
    const out = path.join(
      dir,
      `image-${count}.tar${compress === '-z' ? '.gz' : compress === '-J' ? '.xz' : ''}`,
    );
    run('tar', ['-c', compress, '-f', out, '--numeric-owner', '-C', root, '.'].filter(Boolean));
    return out;
  }

  /** A built disk (qcow2, GPT) holding the tree; `raw` keeps the raw disk too. */
  function disk(tree: Tree): { qcow2: string; raw: string } {
    const root = writeTree(tree);
    const sub = path.join(dir, `disk-${count}`);
    mkdirSync(sub);
    const fs = makeExt4(root, path.join(sub, 'root.img'), { sizeMiB: 16 });
    const made = makeDisk(fs, sub, { table: 'gpt', format: 'qcow2' });
    return { qcow2: made.disk, raw: made.raw };
  }

  const codes = (report: ReadinessReport) => report.findings.map((f) => `${f.severity}:${f.rule}`);
  const errorsAndWarnings = (report: ReadinessReport) => report.findings.filter((f) => f.severity !== 'info');

  it('passes a clean Ubuntu root tarball', async () => {
    const report = await checkReadiness(tarball(UBUNTU), {
      filetype: 'tgz',
      name: 'custom/noble',
      baseImage: 'ubuntu/noble',
    });
    expect(errorsAndWarnings(report)).toEqual([]);
    expect(report.ready).toBe(true);
    expect(report.kind).toBe('rootfs-tarball');
    expect(report.os?.codename).toBe('noble');
  });

  it('passes a clean Rocky root tarball with its base_image', async () => {
    const report = await checkReadiness(tarball(ROCKY), {
      filetype: 'tgz',
      name: 'custom/rocky9',
      baseImage: 'rhel/9',
    });
    expect(errorsAndWarnings(report)).toEqual([]);
  });

  it('cloud-init: missing, and its state left from the build', async () => {
    expect(
      codes(
        await checkReadiness(tarball({ ...UBUNTU, 'usr/bin/cloud-init': null, 'etc/cloud/cloud.cfg': null })),
      ),
    ).toContain('error:cloud-init');
    const stale = {
      ...UBUNTU,
      'var/lib/cloud/instances/iid-1/sem/x': '',
      'var/lib/cloud/instance': { link: '/var/lib/cloud/instances/iid-1' },
      'var/log/cloud-init.log': 'x',
    };
    const report = await checkReadiness(tarball(stale));
    const finding = report.findings.find((f) => f.rule === 'cloud-init-state');
    expect(finding?.severity).toBe('error');
    expect(finding?.message).toMatch(/instances \(iid-1\).*\/var\/lib\/cloud\/instance.*cloud-init\.log/);
    expect(finding?.fix).toMatch(/cloud-init clean --logs/);
    expect(report.ready).toBe(false);
  });

  it('machine-id: stale in a tarball (error), on a disk Kiln will archive (info), in /var/lib/dbus', async () => {
    const stale = {
      ...UBUNTU,
      'etc/machine-id': '0123456789abcdef0123456789abcdef\n',
      'var/lib/dbus/machine-id': 'fedcba9876543210fedcba9876543210\n',
    };
    const report = await checkReadiness(tarball(stale));
    expect(
      report.findings.filter((f) => f.rule === 'machine-id').map((f) => `${f.severity} ${f.path}`),
    ).toEqual(['error /etc/machine-id', 'error /var/lib/dbus/machine-id']);
    const onDisk = await checkReadiness(
      disk({ ...UBUNTU, 'etc/machine-id': '0123456789abcdef0123456789abcdef\n' }).qcow2,
      { filetype: 'tgz' },
    );
    expect(onDisk.kind).toBe('built-disk');
    expect(onDisk.findings.find((f) => f.rule === 'machine-id')?.severity).toBe('info');
    expect(onDisk.ready).toBe(true);
  });

  it('curtin hooks: not executable, no #! line, CUSTOM_KERNEL without hooks, an OS curtin does not know', async () => {
    const notExec = await checkReadiness(
      tarball({ ...UBUNTU, 'curtin/curtin-hooks': { content: '#!/bin/sh\n', mode: 0o644 } }),
    );
    expect(
      notExec.findings.find((f) => f.rule === 'curtin-hooks' && f.severity === 'error')?.message,
    ).toMatch(/not executable \(mode 644\)/);
    const noShebang = await checkReadiness(
      tarball({ ...UBUNTU, 'curtin/curtin-hooks': { content: 'echo hi\n', mode: 0o755 } }),
    );
    expect(noShebang.findings.some((f) => f.rule === 'curtin-hooks' && /no #! line/.test(f.message))).toBe(
      true,
    );
    const kernelOnly = await checkReadiness(
      tarball({ ...UBUNTU, 'curtin/CUSTOM_KERNEL': 'linux-generic\n', 'boot/vmlinuz-6.8.0-31-generic': 'k' }),
    );
    expect(
      kernelOnly.findings.some(
        (f) => f.rule === 'curtin-hooks' && /CUSTOM_KERNEL is set but there is no/.test(f.message),
      ),
    ).toBe(true);
    const gentoo = {
      ...UBUNTU,
      'etc/os-release': 'ID=gentoo\nPRETTY_NAME="Gentoo"\n',
      'usr/sbin/netplan': null,
    };
    expect(codes(await checkReadiness(tarball(gentoo)))).toContain('error:curtin-hooks');
    const withHooks = await checkReadiness(
      tarball({ ...gentoo, 'curtin/curtin-hooks': { content: '#!/bin/sh\n', mode: 0o750 } }),
    );
    expect(withHooks.findings.filter((f) => f.rule === 'curtin-hooks').map((f) => f.severity)).toEqual([
      'info',
    ]);
  });

  it('network: cloud-init networking disabled, netplan missing or left over; RHEL leftovers and missing pieces', async () => {
    const disabled = await checkReadiness(
      tarball({
        ...UBUNTU,
        'etc/cloud/cloud.cfg.d/subiquity-disable-cloudinit-networking.cfg': 'network: {config: disabled}\n',
      }),
    );
    expect(disabled.findings.find((f) => f.rule === 'network')?.severity).toBe('error');
    const disabledYaml = await checkReadiness(
      tarball({ ...UBUNTU, 'etc/cloud/cloud.cfg.d/10-net.cfg': 'network:\n  config: disabled\n' }),
    );
    expect(
      disabledYaml.findings.some(
        (f) => f.rule === 'network' && /disables cloud-init networking/.test(f.message),
      ),
    ).toBe(true);
    expect(codes(await checkReadiness(tarball({ ...UBUNTU, 'usr/sbin/netplan': null })))).toContain(
      'error:network',
    );
    const leftover = await checkReadiness(
      tarball({
        ...UBUNTU,
        'etc/netplan/00-installer-config.yaml': 'network: {}\n',
        'etc/cloud/cloud.cfg.d/99-installer.cfg': 'x: 1\n',
      }),
    );
    expect(
      leftover.findings
        .filter((f) => f.rule === 'network')
        .map((f) => `${f.severity} ${f.path}`)
        .sort(),
    ).toEqual([
      'warning /etc/cloud/cloud.cfg.d/99-installer.cfg',
      'warning /etc/netplan/00-installer-config.yaml',
    ]);
    const rhel = await checkReadiness(
      tarball({
        ...ROCKY,
        'etc/sysconfig/network-scripts/ifcfg-eth0': 'DEVICE=eth0\n',
        'etc/sysconfig/network-scripts/ifcfg-lo': 'DEVICE=lo\n',
      }),
      { name: 'custom/r9', baseImage: 'rhel/9' },
    );
    expect(rhel.findings.filter((f) => f.rule === 'network').map((f) => f.path)).toEqual([
      '/etc/sysconfig/network-scripts/ifcfg-eth0',
    ]);
    expect(codes(await checkReadiness(tarball({ ...ROCKY, 'usr/sbin/NetworkManager': null })))).toContain(
      'error:network',
    );
    const noOauth = await checkReadiness(
      tarball({
        ...ROCKY,
        'usr/lib/python3.9/site-packages/oauthlib/__init__.py': null,
        'usr/lib/python3.9/site-packages/yaml/__init__.py': '',
      }),
    );
    expect(noOauth.findings.some((f) => /python3-oauthlib/.test(f.message))).toBe(true);
  });

  it('kernel policy: an Ubuntu tarball ships none unless /curtin/CUSTOM_KERNEL says so; RHEL needs one', async () => {
    const withKernel = await checkReadiness(
      tarball({
        ...UBUNTU,
        'boot/vmlinuz-6.8.0-31-generic': 'k',
        'usr/lib/modules/6.8.0-31-generic/modules.dep': '',
      }),
    );
    expect(withKernel.findings.find((f) => f.rule === 'kernel')?.severity).toBe('warning');
    const pinned = await checkReadiness(
      tarball({
        ...UBUNTU,
        'boot/vmlinuz-6.8.0-31-generic': 'k',
        'curtin/CUSTOM_KERNEL': 'linux-image-6.8.0-31-generic\n',
        'curtin/curtin-hooks': { content: '#!/usr/bin/python3\n', mode: 0o750 },
      }),
    );
    expect(pinned.findings.filter((f) => f.rule === 'kernel')).toEqual([]);
    const empty = await checkReadiness(
      tarball({
        ...UBUNTU,
        'curtin/CUSTOM_KERNEL': '',
        'curtin/curtin-hooks': { content: '#!/usr/bin/python3\n', mode: 0o750 },
      }),
    );
    expect(empty.findings.find((f) => f.rule === 'kernel')?.message).toMatch(/CUSTOM_KERNEL is empty/);
    expect(
      codes(await checkReadiness(tarball({ ...ROCKY, 'boot/vmlinuz-5.14.0-427.el9.x86_64': null }))),
    ).toContain('error:kernel');
  });

  it('name and base_image: MAAS rules, and a base_image for non-Ubuntu custom images', async () => {
    const rocky = tarball(ROCKY);
    const missingBase = await checkReadiness(rocky, { name: 'custom/rocky9' });
    const finding = missingBase.findings.find((f) => f.rule === 'base-image');
    expect(finding?.severity).toBe('error');
    expect(finding?.fix).toBe('upload with --base-image rhel/9');
    expect(codes(await checkReadiness(rocky, { name: 'custom/rocky9', baseImage: 'debian/12' }))).toContain(
      'error:base-image',
    );
    expect(
      codes(await checkReadiness(rocky, { name: 'custom/rocky9', baseImage: 'ubuntu/jammy' })),
    ).toContain('warning:base-image');
    expect(codes(await checkReadiness(rocky, { name: 'a/b/c' }))).toContain('error:name');
    expect(codes(await checkReadiness(rocky, { name: 'gentoo/1' }))).toContain('error:name');
    expect(codes(await checkReadiness(rocky, { name: 'centos' }))).toContain('error:name');
    expect(codes(await checkReadiness(rocky, { name: 'rhel/9', baseImage: 'rhel/9' }))).toContain(
      'warning:base-image',
    );
    const ubuntu = tarball(UBUNTU);
    expect(codes(await checkReadiness(ubuntu, { name: 'custom/u', baseImage: 'ubuntu/jammy' }))).toContain(
      'warning:base-image',
    );
    expect(codes(await checkReadiness(ubuntu, { name: 'custom/u' }))).toContain('info:base-image');
  });

  it('credentials and fstab from the build', async () => {
    const report = await checkReadiness(
      tarball({
        ...UBUNTU,
        'etc/shadow': 'root:$6$salt$hash:19000:0:99999:7:::\n',
        'etc/ssh/ssh_host_ed25519_key': 'key',
        'etc/ssh/ssh_host_ed25519_key.pub': 'pub',
        'root/.ssh/authorized_keys': 'ssh-ed25519 AAAA',
        'etc/fstab': '# comment\nUUID=1234 / ext4 defaults 0 1\n',
      }),
    );
    expect(report.findings.filter((f) => f.rule === 'credentials').map((f) => f.path)).toEqual([
      '/etc/shadow',
      '/etc/ssh',
      '/root/.ssh/authorized_keys',
    ]);
    expect(report.findings.find((f) => f.rule === 'fstab')?.message).toMatch(/UUID=1234/);
  });

  it('filetype against content: a gzipped disk is ddgz, not ddtgz (packer-maas #278); a tarball is not ddgz', async () => {
    const { raw } = disk({ ...UBUNTU, 'curtin/curtin-hooks': { content: '#!/bin/sh\n', mode: 0o750 } });
    const ddgz = path.join(dir, 'custom.dd.gz');
    run('sh', ['-c', `gzip -c ${raw} > ${ddgz}`]);
    const wrong = await checkReadiness(ddgz, { filetype: 'ddtgz' });
    const finding = wrong.findings.find((f) => f.rule === 'filetype');
    expect(finding?.severity).toBe('error');
    expect(finding?.message).toMatch(/gzip-compressed disk image.*ddtgz.*#278/);
    expect(finding?.fix).toBe('upload it as filetype ddgz');
    const right = await checkReadiness(ddgz, { filetype: 'ddgz' });
    expect(right.kind).toBe('disk-image');
    expect(errorsAndWarnings(right).filter((f) => f.rule !== 'kernel')).toEqual([]);
    const tgz = tarball(UBUNTU);
    expect(
      (await checkReadiness(tgz, { filetype: 'ddgz' })).findings.find((f) => f.rule === 'filetype')?.fix,
    ).toBe('upload it as filetype tgz');
    expect(
      (await checkReadiness(tgz, { filetype: 'txz' })).findings.find((f) => f.rule === 'filetype')?.fix,
    ).toBe('upload it as filetype tgz');
    const tarredDisk = path.join(dir, 'disk.tar.gz');
    run('tar', ['-czf', tarredDisk, '-C', path.dirname(raw), path.basename(raw)]);
    expect(
      (await checkReadiness(tarredDisk, { filetype: 'tgz' })).findings.find((f) => f.rule === 'filetype')
        ?.fix,
    ).toBe('upload it as filetype ddtgz');
    const junk = path.join(dir, 'junk.bin');
    writeFileSync(junk, Buffer.alloc(10000, 7));
    expect(codes(await checkReadiness(junk, { filetype: 'ddraw' }))).toContain('error:filetype');
    expect(codes(await checkReadiness(tgz, { filetype: 'iso' }))).toContain('error:filetype');
  });

  it('disk images need a top-level curtin/ directory on some partition', async () => {
    const { raw } = disk(UBUNTU);
    const ddgz = path.join(dir, 'no-curtin.dd.gz');
    run('sh', ['-c', `gzip -c ${raw} > ${ddgz}`]);
    const report = await checkReadiness(ddgz, { filetype: 'ddgz' });
    expect(report.findings.find((f) => f.rule === 'curtin-dd')?.severity).toBe('error');
    const asRaw = await checkReadiness(raw, { filetype: 'ddraw' });
    expect(codes(asRaw)).toContain('error:curtin-dd');
  });

  it('a tarball that is not a root file system', async () => {
    const root = writeTree({ 'srv/data': 'x' });
    const out = path.join(dir, 'wrapped.tgz');
    run('tar', ['-czf', out, '-C', path.dirname(root), path.basename(root)]);
    const report = await checkReadiness(out, { filetype: 'tgz' });
    expect(report.findings.find((f) => f.rule === 'filetype')?.message).toMatch(/no \/etc at its root/);
    rmSync(out);
    cpSync(root, `${root}-copy`, { recursive: true });
  });
});
