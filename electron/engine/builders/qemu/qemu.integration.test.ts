/**
 * The qemu builder end to end: real qemu-system (TCG), OVMF or SeaBIOS, the test guests from
 * resources/guest, SSH provisioning. Each test builds a real template and checks the disk it leaves,
 * the serial log, and that no qemu process, socket or VM record is left behind.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { utils } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Guest } from '../../../../resources/guest/guest';
import { ensureGuest, guestUnavailableReason } from '../../../../resources/guest/guest';
import type { BuildEvent } from '../../build/events';
import { identify, isAlive } from '../../vm/process-identity';
import { imageInfo } from '../../vm/qemu-img';
import { VmRegistry } from '../../vm/registry';
import type { TemplateRun } from './testing/harness';
import {
  DiskReader,
  qemuProcessesUsing,
  qemuUnavailableReason,
  runTemplate,
  runtimeLeftovers,
  uefi,
} from './testing/harness';

const reason = qemuUnavailableReason() ?? guestUnavailableReason();
if (reason) console.warn(reason);

const SECTOR = 512;
const ROOT_OFFSET = 227328 * SECTOR;

describe.skipIf(reason !== undefined)('qemu builder with the test guests (TCG)', () => {
  let guest: Guest;
  let work: string;
  let keyFile: string;
  let publicKey: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kiln-qemu-it-'));
    process.env.KILN_RUNTIME_DIR = join(work, 'run');
    guest = await ensureGuest();
    const pair = utils.generateKeyPairSync('ed25519');
    keyFile = join(work, 'id_ed25519');
    writeFileSync(keyFile, pair.private);
    chmodSync(keyFile, 0o600);
    publicKey = pair.public.trim();
  }, 900_000);

  afterAll(() => {
    if (work && process.env.KILN_KEEP_TEST_OUTPUT !== '1') rmSync(work, { recursive: true, force: true });
  });

  function userData(extra = ''): string {
    return [
      '#cloud-config',
      'users:',
      '  - name: packer',
      '    sudo: ALL=(ALL) NOPASSWD:ALL',
      '    shell: /bin/bash',
      '    ssh_authorized_keys:',
      `      - ${publicKey}`,
      extra,
    ].join('\n');
  }

  it('builds a cloud-image template: cd_content seed, backing file, shell and file provisioners, shutdown_command', async () => {
    const dir = join(work, 'cloud');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'payload.txt'), 'uploaded by the file provisioner\n');
    const firmware = uefi();
    const template = {
      builders: [
        {
          type: 'qemu',
          iso_url: guest.disk,
          iso_checksum: `sha256:${createHash('sha256').update(readFileSync(guest.disk)).digest('hex')}`,
          disk_image: true,
          use_backing_file: true,
          format: 'qcow2',
          disk_size: '3G',
          headless: true,
          efi_firmware_code: firmware.code,
          efi_firmware_vars: firmware.vars,
          memory: 512,
          cd_label: 'cidata',
          cd_content: {
            'meta-data': 'instance-id: iid-kiln-cloud\nlocal-hostname: kiln-cloud\n',
            'user-data': userData(),
          },
          ssh_username: 'packer',
          ssh_private_key_file: keyFile,
          ssh_timeout: '10m',
          shutdown_command: 'sudo shutdown -P now',
          output_directory: 'output-cloud',
          vm_name: 'cloud.qcow2',
        },
      ],
      provisioners: [
        {
          type: 'shell',
          inline: ['echo "hello from $(hostname)"', "sudo sh -c 'echo provisioned > /etc/kiln-provisioned'"],
        },
        { type: 'file', source: 'payload.txt', destination: '/tmp/payload.txt' },
        { type: 'shell', inline: ['sudo cp /tmp/payload.txt /root/payload.txt', 'sync'] },
      ],
    };
    writeFileSync(join(dir, 'cloud.json'), JSON.stringify(template, null, 2));
    const run = await runTemplate(join(dir, 'cloud.json'), { cwd: dir });
    const result = run.result.results[0];
    expect(result.status, run.log).toBe('succeeded');
    expect(run.log).toContain('==> qemu: Creating CD disk...');
    expect(run.log).toContain('==> qemu: Starting VM, booting disk image');
    expect(run.log).toContain('qemu: hello from kiln-cloud');
    expect(run.log).toContain('==> qemu: Gracefully halting virtual machine...');
    expect(result.artifacts[0].files).toEqual(['output-cloud/cloud.qcow2', 'output-cloud/efivars.fd']);
    const disk = join(dir, 'output-cloud', 'cloud.qcow2');
    const info = await imageInfo(disk);
    expect(info.backingFile).toBe(guest.disk);
    expect(info.virtualSize).toBe(3 * 1024 ** 3);
    const reader = new DiskReader(disk, ROOT_OFFSET);
    try {
      expect(reader.cat('/etc/kiln-provisioned')).toBe('provisioned\n');
      expect(reader.cat('/root/payload.txt')).toBe('uploaded by the file provisioner\n');
      expect(reader.cat('/etc/hostname')).toBe('kiln-cloud\n');
    } finally {
      reader.dispose();
    }
    const consoleLog = readFileSync(join(dir, 'output-cloud.console.log'));
    expect(consoleLog.toString('latin1')).toContain('kiln-cloud login:');
    expect(Buffer.compare(consoleLog, run.console)).toBe(0);
    expect(qemuProcessesUsing(dir)).toEqual([]);
    expect(runtimeLeftovers()).toEqual([]);
  }, 900_000);

  function liveTemplate(dir: string, bootCommand: string, extra: Record<string, string> = {}): string {
    const iso = guest.liveIso;
    writeFileSync(
      join(dir, 'SHA256SUMS'),
      `${createHash('sha256').update(readFileSync(iso)).digest('hex')}  live.iso\n`,
    );
    const hcl = `
variable "key" {
  type = string
}

source "qemu" "live" {
  iso_url           = "${iso}"
  iso_checksum      = "file:./SHA256SUMS"
  disk_size         = "256M"
  headless          = true
  memory            = 768
  boot_wait         = "${extra.boot_wait ?? '3s'}"
  boot_key_interval = "20ms"
  boot_command      = ["${bootCommand}"]
  http_content = {
    "/meta-data" = "instance-id: iid-kiln-live\\nlocal-hostname: kiln-live\\n"
    "/user-data" = <<-EOT
      #cloud-config
      users:
        - name: packer
          sudo: ALL=(ALL) NOPASSWD:ALL
          ssh_authorized_keys:
            - \${var.key}
    EOT
  }
  ssh_username         = "packer"
  ssh_private_key_file = "${keyFile}"
  ssh_timeout          = "${extra.ssh_timeout ?? '10m'}"
  output_directory     = "output-live"
}

build {
  sources = ["source.qemu.live"]
  provisioner "shell" {
    inline = [
      "cat /proc/cmdline",
      "echo KILN-ISO-MARK | sudo dd of=/dev/vda bs=512 seek=1 conv=notrunc,fsync",
      "${extra.provision ?? 'true'}",
    ]
  }
}
`;
    writeFileSync(join(dir, 'live.pkr.hcl'), hcl);
    return join(dir, 'live.pkr.hcl');
  }

  it('builds from the live ISO (SeaBIOS, ISOLINUX) only when boot_command types the right entry and seed URL', async () => {
    const dir = join(work, 'iso');
    mkdirSync(dir, { recursive: true });
    const path = liveTemplate(dir, 'live ds=nocloud-net;s=http://{{ .HTTPIP }}:{{ .HTTPPort }}/<enter>');
    const run = await runTemplate(path, { cwd: dir, vars: { key: publicKey } });
    const result = run.result.results[0];
    expect(result.status, run.log).toBe('succeeded');
    expect(run.log).toContain('==> qemu.live: Starting VM, booting from CD-ROM');
    expect(run.log).toMatch(/==> qemu.live: Starting HTTP server on port \d+/);
    expect(run.log).toContain('==> qemu.live: Waiting 3s for boot...');
    expect(run.log).toMatch(/qemu.live: .*kiln.live .* ds=nocloud-net;s=http:\/\/10\.0\.2\.2:\d+\//);
    // No shutdown_command: the VM is halted (Kiln quits qemu through QMP, which flushes its disk caches).
    expect(run.log).toContain('==> qemu.live: Halting the virtual machine...');
    expect(run.log).toContain('==> qemu.live: Converting hard drive...');
    const typed = run.events.map((e) => (e.type === 'key' ? e.key : '')).join('');
    expect(typed).toMatch(/^live ds=nocloud-net;s=http:\/\/10\.0\.2\.2:\d+\/<enter>$/);
    expect(result.artifacts[0].files).toEqual(['output-live/packer-live']);
    const disk = join(dir, 'output-live', 'packer-live');
    const info = await imageInfo(disk);
    expect(info.format).toBe('qcow2');
    expect(info.virtualSize).toBe(256 * 1024 ** 2);
    const raw = join(dir, 'disk.raw');
    execFileSync('qemu-img', ['convert', '-O', 'raw', disk, raw]);
    expect(readFileSync(raw).subarray(512, 526).toString()).toBe('KILN-ISO-MARK\n');
    expect(qemuProcessesUsing(dir)).toEqual([]);
    expect(runtimeLeftovers()).toEqual([]);
  }, 900_000);

  it('does not reach SSH when boot_command takes the default entry', async () => {
    const dir = join(work, 'iso-wrong');
    mkdirSync(dir, { recursive: true });
    const path = liveTemplate(dir, '<enter>', { ssh_timeout: '40s' });
    const run = await runTemplate(path, { cwd: dir, vars: { key: publicKey } });
    expect(run.result.results[0].status, run.log).toBe('failed');
    // No user has the key: authentication fails until the handshake attempts or the timeout run out.
    expect(run.log).toMatch(
      /==> qemu.live: (Timeout waiting for SSH\.|Error waiting for SSH: .*unable to authenticate)/,
    );
    expect(run.log).not.toContain('Connected to SSH!');
    expect(run.console.toString('latin1')).toContain('DataSourceNone');
    expect(existsSync(join(dir, 'output-live'))).toBe(false);
    expect(qemuProcessesUsing(dir)).toEqual([]);
  }, 900_000);

  it('builds with communicator none: waits for the guest to power itself off (copied disk, compacted)', async () => {
    const dir = join(work, 'none');
    mkdirSync(dir, { recursive: true });
    const template = {
      builders: [
        {
          type: 'qemu',
          iso_url: guest.disk,
          iso_checksum: 'none',
          disk_image: true,
          skip_resize_disk: true,
          headless: true,
          efi_boot: true,
          efi_firmware_code: uefi().code,
          efi_firmware_vars: uefi().vars,
          efi_drop_efivars: true,
          communicator: 'none',
          boot_wait: '-1s',
          shutdown_timeout: '10m',
          cd_label: 'cidata',
          cd_content: {
            'meta-data': 'instance-id: iid-kiln-none\n',
            'user-data':
              '#cloud-config\nruncmd:\n  - echo installed-without-ssh > /etc/kiln-none\npower_state:\n  mode: poweroff\n',
          },
          output_directory: 'output-none',
          vm_name: 'none.qcow2',
        },
      ],
    };
    writeFileSync(join(dir, 'none.json'), JSON.stringify(template, null, 2));
    const run = await runTemplate(join(dir, 'none.json'), { cwd: dir });
    const result = run.result.results[0];
    expect(result.status, run.log).toBe('succeeded');
    expect(run.log).toContain('    qemu: No communicator is set; skipping port forwarding setup.');
    expect(run.log).toContain(
      '    qemu: File extension already matches desired output format. Skipping qemu-img convert step',
    );
    expect(run.log).toContain('==> qemu: Waiting for shutdown...');
    expect(run.log).toContain('==> qemu: Converting hard drive...');
    expect(result.artifacts[0].files).toEqual(['output-none/none.qcow2']);
    const disk = join(dir, 'output-none', 'none.qcow2');
    expect((await imageInfo(disk)).backingFile).toBeUndefined();
    const reader = new DiskReader(disk, ROOT_OFFSET);
    try {
      expect(reader.cat('/etc/kiln-none')).toBe('installed-without-ssh\n');
    } finally {
      reader.dispose();
    }
    expect(qemuProcessesUsing(dir)).toEqual([]);
  }, 900_000);

  function cloudTemplate(dir: string, provisioners: unknown[], extra: Record<string, unknown> = {}): string {
    const template = {
      builders: [
        {
          type: 'qemu',
          iso_url: guest.disk,
          iso_checksum: 'none',
          disk_image: true,
          use_backing_file: true,
          headless: true,
          efi_firmware_code: uefi().code,
          efi_firmware_vars: uefi().vars,
          cd_label: 'cidata',
          cd_content: { 'meta-data': 'instance-id: iid-kiln-cancel\n', 'user-data': userData() },
          ssh_username: 'packer',
          ssh_private_key_file: keyFile,
          ssh_timeout: '10m',
          shutdown_command: 'sudo poweroff',
          output_directory: 'output-cancel',
          ...extra,
        },
      ],
      provisioners,
    };
    writeFileSync(join(dir, 'cancel.json'), JSON.stringify(template, null, 2));
    return join(dir, 'cancel.json');
  }

  /** Runs a template, cancels it when `when` first matches an event, and checks what is left. */
  async function cancelWhen(
    dir: string,
    path: string,
    when: (event: BuildEvent) => boolean,
    vars: Record<string, string> = {},
  ): Promise<TemplateRun> {
    let cancelledAt = 0;
    const run = await runTemplate(path, {
      cwd: dir,
      vars,
      onEvent: (event, session) => {
        if (!cancelledAt && when(event)) {
          cancelledAt = Date.now();
          session.control({ type: 'abort', reason: 'test cancels' });
        }
      },
    });
    expect(cancelledAt, run.log).toBeGreaterThan(0);
    // Cancelling is prompt: cleanup (qemu quit, sockets, files) takes seconds, not a timeout.
    expect(Date.now() - cancelledAt).toBeLessThan(20_000);
    expect(run.result.cancelled).toBe(true);
    expect(run.result.results[0]?.status ?? 'cancelled').not.toBe('succeeded');
    expect(qemuProcessesUsing(dir)).toEqual([]);
    expect(runtimeLeftovers()).toEqual([]);
    expect(existsSync(join(dir, 'output-cancel'))).toBe(false);
    expect(existsSync(join(dir, 'output-live'))).toBe(false);
    // The CD made for the seed (a temp file) is gone.
    for (const m of run.log.matchAll(/Drive current: -outdev 'stdio:([^']+)'/g))
      expect(existsSync(m[1])).toBe(false);
    return run;
  }

  it('cancelling during boot leaves no qemu process, socket or temp file', async () => {
    const dir = join(work, 'cancel-boot');
    mkdirSync(dir, { recursive: true });
    const path = cloudTemplate(dir, [{ type: 'shell', inline: ['true'] }]);
    const run = await cancelWhen(
      dir,
      path,
      (e) => e.type === 'log' && e.text.startsWith('Waiting 10s for boot'),
    );
    expect(run.log).toContain('==> qemu: Deleting output directory...');
  }, 900_000);

  it('cancelling during boot_command leaves no qemu process, socket or temp file', async () => {
    const dir = join(work, 'cancel-keys');
    mkdirSync(dir, { recursive: true });
    const path = liveTemplate(
      dir,
      'live<wait30s> ds=nocloud-net;s=http://{{ .HTTPIP }}:{{ .HTTPPort }}/<enter>',
    );
    const run = await cancelWhen(dir, path, (e) => e.type === 'key' && e.action === 'wait', {
      key: publicKey,
    });
    expect(run.events.filter((e) => e.type === 'key').length).toBeLessThan(10);
  }, 900_000);

  it('cancelling during provisioning leaves no qemu process, socket or temp file', async () => {
    const dir = join(work, 'cancel-provision');
    mkdirSync(dir, { recursive: true });
    const path = cloudTemplate(dir, [{ type: 'shell', inline: ['echo provisioning-started', 'sleep 600'] }]);
    await cancelWhen(dir, path, (e) => e.type === 'log' && e.text.includes('provisioning-started'));
  }, 900_000);

  it('reaps a VM left running by a Kiln process that was killed', async () => {
    const runDir = join(work, 'crash-run');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(__dirname, '../../vm/testing/hold-vm.ts'),
        'qemu-system-x86_64',
        '-machine',
        'pc,accel=tcg',
        '-m',
        '64',
        '-nodefaults',
        '-display',
        'none',
      ],
      { env: { ...process.env, KILN_RUNTIME_DIR: runDir }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const qemuPid = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /qemu (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`the VM holder exited (${code}) before starting qemu`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const qemu = identify(qemuPid);
    expect(isAlive(qemu)).toBe(true);
    const registry = new VmRegistry(join(runDir, 'vms'));
    const [record] = registry.list();
    expect(record.qemu.pid).toBe(qemuPid);
    expect(existsSync(join(runDir, 'vm', record.id, 'qmp.sock'))).toBe(true);

    const reaped = await registry.reapOrphans();
    expect(reaped.map((r) => [r.record.id, r.killed])).toEqual([[record.id, true]]);
    expect(isAlive(qemu)).toBe(false);
    expect(existsSync(join(runDir, 'vm', record.id))).toBe(false);
    expect(registry.list()).toEqual([]);
  }, 120_000);

  it('builds the ubuntu-cloudimg-maas starter template against the test guest: the disk, then the MAAS tgz and its readiness verdict', async () => {
    const dir = join(work, 'maas');
    mkdirSync(dir, { recursive: true });
    const template = resolve(__dirname, '../../../../templates/ubuntu-cloudimg-maas');
    const password = 'kiln-build-secret';
    const run = await runTemplate(template, {
      cwd: dir,
      vars: {
        cloudimg_url: guest.disk,
        cloudimg_checksum: 'none',
        ovmf_code: uefi().code,
        ovmf_vars: uefi().vars,
        ssh_password: password,
        kernel: 'linux-image-virtual',
        timeout: '10m',
      },
    });
    const result = run.result.results[0];
    expect(result.status, run.log).toBe('succeeded');
    expect(result.build).toBe('cloudimg.qemu.cloudimg');
    expect(run.log).toContain('setup done on kiln-maas-build');
    // The sensitive build password never shows, in any event.
    expect(JSON.stringify(run.events)).not.toContain(password);
    expect(result.artifacts[0].files).toEqual(['output-cloudimg/packer-cloudimg']);
    // packer-maas's tarball step, as Kiln's maas-image: the root file system as custom-cloudimg.tar.gz.
    expect(result.artifacts[1].files).toEqual(['custom-cloudimg.tar.gz']);
    expect(result.artifacts[1].description).toMatch(
      /^MAAS tgz image: custom-cloudimg\.tar\.gz \(sha256 [0-9a-f]{64}\)$/,
    );
    expect(run.log).toMatch(/Wrote custom-cloudimg\.tar\.gz: .* entries, root partition 1\)/);
    // Without maas_profile nothing is uploaded.
    expect(run.log).not.toContain('maas-upload');
    // The readiness verdict: one error, and only because the test guest is not Ubuntu (Debian's
    // packages without netplan.io; Ubuntu cloud images have it). Everything the template itself
    // controls (cloud-init state, machine-id, host keys, curtin hooks, fstab) passes.
    expect(run.log).toContain(
      'Readiness check: 1 problem(s) MAAS or curtin will trip on\n    cloudimg.qemu.cloudimg (maas-image): Error [network]: netplan is not installed',
    );
    const members = execFileSync('tar', ['-tzvf', join(dir, 'custom-cloudimg.tar.gz')], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    }).split('\n');
    const member = (name: string) =>
      members.find((m) => m.endsWith(` ./${name}`) || m.includes(` ./${name} -> `));
    expect(member('curtin/curtin-hooks')).toMatch(/^-rwxr-x--- 0\/0 /);
    expect(member('curtin/CUSTOM_KERNEL')).toBeDefined();
    expect(member('etc/kiln-image-info')).toBeDefined();
    expect(member('etc/machine-id')).toMatch(/^-\S+ 0\/0\s+0 /);
    expect(member('etc/fstab')).toBeUndefined();
    expect(member('etc/ssh/ssh_host_ed25519_key')).toBeUndefined();
    expect(member('var/lib/cloud/instances')).toBeUndefined();
    const disk = join(dir, 'output-cloudimg', 'packer-cloudimg');
    expect((await imageInfo(disk)).backingFile).toBe(guest.disk);
    const reader = new DiskReader(disk, ROOT_OFFSET);
    try {
      expect(reader.mode('/curtin/curtin-hooks')).toBe(0o750);
      expect(reader.cat('/curtin/CUSTOM_KERNEL')).toBe('linux-image-virtual\n');
      expect(reader.cat('/etc/kiln-image-info')).toMatch(/^Built with Kiln on /);
      expect(reader.exists('/etc/netplan/50-cloud-init.yaml')).toBe(false);
      expect(reader.exists('/etc/fstab')).toBe(false);
      expect(reader.exists('/var/lib/cloud/instances')).toBe(false);
      expect(reader.exists('/etc/ssh/ssh_host_ed25519_key')).toBe(false);
      expect(reader.cat('/etc/machine-id')).toBe('');
      expect(reader.cat('/etc/shadow')).toMatch(/^ubuntu:!/m);
    } finally {
      reader.dispose();
    }
    expect(qemuProcessesUsing(dir)).toEqual([]);
  }, 900_000);
});
