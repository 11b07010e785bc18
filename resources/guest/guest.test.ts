/**
 * The test guest's recipe hash and what its root file system holds: the things the MAAS exporters and
 * readiness checks will look for in a real cloud image (identity files, cloud-init state dir, netplan,
 * users, hard links, symlinks, a sparse file, xattrs, an ACL, non-root group owners, setuid).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Guest } from './guest';
import { ensureGuest, guestUnavailableReason, recipeDir, recipeHash } from './guest';

describe('recipe hash', () => {
  it('changes when any recipe file changes, and only then', () => {
    const copy = mkdtempSync(join(tmpdir(), 'kiln-recipe-'));
    try {
      cpSync(recipeDir, copy, { recursive: true });
      expect(recipeHash(copy)).toBe(recipeHash(recipeDir));
      writeFileSync(join(copy, 'modules.txt'), '# changed\n', { flag: 'a' });
      expect(recipeHash(copy)).not.toBe(recipeHash(recipeDir));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

const reason = guestUnavailableReason();
if (reason) console.warn(reason);

describe.skipIf(reason !== undefined)('the cloud-image guest’s root file system', () => {
  let guest: Guest;
  let dir: string;
  let image: string;
  const debugfs = (request: string) =>
    execFileSync('debugfs', ['-R', request, image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  beforeAll(async () => {
    guest = await ensureGuest();
    dir = mkdtempSync(join(tmpdir(), 'kiln-guestfs-'));
    execFileSync('qemu-img', ['convert', '-O', 'raw', guest.disk, join(dir, 'disk.raw')]);
    image = `${join(dir, 'disk.raw')}?offset=${227328 * 512}`;
  }, 900_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is laid out like an Ubuntu cloud image (GPT: 14 BIOS boot, 15 ESP, 1 root)', () => {
    const table = execFileSync('sgdisk', ['-p', join(dir, 'disk.raw')], { encoding: 'utf8' });
    expect(table).toMatch(/^\s+1\s+227328\s+\d+.*8300/m);
    expect(table).toMatch(/^\s+14\s+2048\s+10239.*EF02/m);
    expect(table).toMatch(/^\s+15\s+10240\s+227327.*EF00/m);
    expect(debugfs('stats')).toMatch(/Filesystem volume name:\s+cloudimg-rootfs/);
  });

  it('has an identity to reset: machine-id (empty until first boot), hostname, hosts, fstab', () => {
    expect(debugfs('stat /etc/machine-id')).toMatch(/Size: 0\b/);
    expect(debugfs('cat /etc/hostname')).toBe('localhost\n');
    expect(debugfs('cat /etc/fstab')).toContain('LABEL=cloudimg-rootfs');
    expect(debugfs('stat /var/lib/dbus/machine-id')).toMatch(/Type: symlink/);
  });

  it('has cloud-init’s configuration and state folders, and a netplan file', () => {
    expect(debugfs('cat /etc/cloud/cloud.cfg')).toContain('datasource_list: [ NoCloud, None ]');
    expect(debugfs('ls -l /var/lib/cloud')).toMatch(/scripts[\s\S]*seed/);
    expect(debugfs('cat /etc/netplan/50-cloud-init.yaml')).toContain('dhcp4: true');
  });

  it('keeps hard links, symlinks, a sparse file, xattrs, an ACL, group owners and setuid', () => {
    const inode = (path: string) => /Inode: (\d+)/.exec(debugfs(`stat ${path}`))?.[1];
    expect(inode('/usr/bin/cloud-init')).toBe(inode('/usr/bin/cloud-id'));
    expect(debugfs('stat /usr/bin/cloud-init')).toMatch(/Links: 3/);
    expect(debugfs('stat /bin')).toMatch(/Type: symlink/);
    const lastlog = debugfs('stat /var/log/lastlog');
    expect(lastlog).toMatch(/Size: 292292\b/);
    // One 4 KiB block holds the one record; the rest is a hole.
    expect(lastlog).toMatch(/EXTENTS:\n\(\d+\):\d+\s*$/m);
    expect(debugfs('ea_list /usr/bin/ping')).toContain('security.capability (20)');
    expect(debugfs('ea_list /var/log/journal')).toContain('system.posix_acl_access');
    expect(debugfs('ea_get /etc/kiln-guest/build-info user.kiln.origin')).toContain('kiln-guest-recipe');
    expect(debugfs('stat /etc/shadow')).toMatch(/User:\s+0\s+Group:\s+42/);
    expect(debugfs('stat /usr/bin/sudo')).toMatch(/Mode:\s+04755/);
    expect(debugfs('stat /var/mail')).toMatch(/Mode:\s+02775/);
  });

  it('holds a kernel, an SSH server, scp and sftp-server', () => {
    expect(debugfs('ls /boot')).toContain(`vmlinuz-${guest.manifest.kernel}`);
    for (const path of [
      '/usr/sbin/sshd',
      '/usr/bin/scp',
      '/usr/lib/openssh/sftp-server',
      '/usr/bin/python3.11',
    ]) {
      expect(debugfs(`stat ${path}`), path).toMatch(/Type: regular/);
    }
  });
});
