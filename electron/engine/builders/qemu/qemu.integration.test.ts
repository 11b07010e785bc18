/**
 * The qemu builder end to end: real qemu-system (TCG), OVMF or SeaBIOS, the test guests from
 * resources/guest, SSH provisioning. Each test builds a real template and checks the disk it leaves,
 * the serial log, and that no qemu process, socket or VM record is left behind.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Guest } from '../../../../resources/guest/guest';
import { ensureGuest, guestUnavailableReason } from '../../../../resources/guest/guest';
import { imageInfo } from '../../vm/qemu-img';
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
});

export {};
void existsSync;
