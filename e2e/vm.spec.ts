/**
 * A real VM build in the app: the test guest (resources/guest, `npm run guest`) booted by the qemu
 * builder under TCG, paused at a breakpoint; its serial console in xterm (typeable), a shell on the guest
 * over SSH, its screen; then Continue to the end. And Cancel while the VM runs: everything stops, no
 * qemu process or runtime file is left.
 *
 * Skips, saying why, where qemu, OVMF or the test guest's build tools are missing.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import ssh2 from 'ssh2';
import { ensureGuest, guestUnavailableReason } from '../resources/guest/guest';
import {
  qemuProcessesUsing,
  qemuUnavailableReason,
  runtimeLeftovers,
  uefi,
} from '../electron/engine/builders/qemu/testing/harness';
import { expect, snap, test, type Kiln } from './fixtures';

const reason = qemuUnavailableReason() ?? guestUnavailableReason();
if (reason) console.warn(`[vm.spec] skipping: ${reason}`);
test.skip(reason !== undefined, reason ?? '');
test.describe.configure({ timeout: 20 * 60_000 });

// The web host runs in this worker: a private runtime dir (VM records, sockets) lets the cancel test
// check that nothing is left there without seeing other processes' VMs.
let runtime: string | undefined;
const runtimeBefore = process.env.KILN_RUNTIME_DIR;
test.beforeAll(async () => {
  runtime = await mkdtemp(join(tmpdir(), 'kiln-e2e-run-'));
  process.env.KILN_RUNTIME_DIR = runtime;
});
test.afterAll(async () => {
  if (runtimeBefore === undefined) delete process.env.KILN_RUNTIME_DIR;
  else process.env.KILN_RUNTIME_DIR = runtimeBefore;
  if (runtime) await rm(runtime, { recursive: true, force: true });
});

const state = (page: Page) => page.getByRole('status', { name: 'Build state' });

/**
 * Waits (minutes, under TCG) for text on the serial console, but gives up at once, with the build's
 * own words, when a step fails (the on-error dialog) or the build ends.
 */
async function waitForSerial(page: Page, serial: Locator, text: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const failed = page.getByRole('dialog').filter({ hasText: /failed/ });
  for (;;) {
    if (text.test((await serial.locator('.xterm-rows').textContent()) ?? '')) return;
    if (await failed.isVisible()) throw new Error(`the build stopped: ${await failed.innerText()}`);
    const now = (await state(page).textContent()) ?? '';
    if (/Failed|Cancelled|Succeeded/.test(now)) throw new Error(`the build ended (${now}) before ${text}`);
    if (Date.now() > deadline) throw new Error(`no ${text} on the serial console in ${timeoutMs / 1000} s`);
    await page.waitForTimeout(1000);
  }
}

async function vmProject(kiln: Kiln, name: string, breakpoint: boolean): Promise<string> {
  const guest = await ensureGuest();
  const firmware = uefi();
  const dir = join(kiln.projects, name);
  await mkdir(dir, { recursive: true });
  const pair = ssh2.utils.generateKeyPairSync('ed25519');
  await writeFile(join(dir, 'id_ed25519'), pair.private, { mode: 0o600 });
  await writeFile(
    join(dir, 'vm.pkr.hcl'),
    `source "qemu" "guest" {
  iso_url              = "${guest.disk}"
  iso_checksum         = "none"
  disk_image           = true
  use_backing_file     = true
  format               = "qcow2"
  headless             = true
  memory               = 512
  boot_command         = ["<wait>kiln<enter>"]
  efi_firmware_code    = "${firmware.code}"
  efi_firmware_vars    = "${firmware.vars}"
  cd_label             = "cidata"
  cd_content = {
    "meta-data" = "instance-id: iid-kiln-e2e\\nlocal-hostname: kiln-e2e\\n"
    "user-data" = "#cloud-config\\nusers:\\n  - name: packer\\n    sudo: ALL=(ALL) NOPASSWD:ALL\\n    shell: /bin/bash\\n    ssh_authorized_keys:\\n      - ${pair.public.trim()}\\n"
  }
  ssh_username         = "packer"
  ssh_private_key_file = "id_ed25519"
  ssh_timeout          = "15m"
  shutdown_command     = "sudo shutdown -P now"
  output_directory     = "output-guest"
  vm_name              = "guest.qcow2"
}

build {
  sources = ["source.qemu.guest"]

  provisioner "shell" {
    inline = ["echo \\"hello from $(hostname)\\""]
  }
${breakpoint ? '\n  provisioner "breakpoint" {\n    note = "look at the VM"\n  }\n' : ''}}
`,
  );
  await kiln.page.getByRole('button', { name: 'Open Folder…' }).click();
  const dialog = kiln.page.getByRole('dialog', { name: 'Open a template folder' });
  await dialog.getByRole('textbox', { name: 'Folder' }).fill(dir);
  await dialog.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(kiln.page.getByRole('toolbar', { name: 'Template' })).toBeVisible();
  return dir;
}

async function startBuild(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Build…' }).click();
  await page
    .getByRole('form', { name: 'Build options' })
    .getByRole('button', { name: 'Start build' })
    .click();
}

test('boots the test guest: serial console, guest shell and screen while paused, then finishes', async ({
  kiln,
}) => {
  test.skip(kiln.mode === 'electron', "opens the project with Kiln's own dialog (the web UI's)");
  const { page } = kiln;
  await vmProject(kiln, 'vm', true);
  await startBuild(page);
  await page.getByRole('tab', { name: 'Serial console' }).click();
  const serial = page.getByRole('region', { name: 'Serial console of qemu.guest' });
  await waitForSerial(page, serial, /kiln-e2e login:/, 15 * 60_000);
  await expect(state(page)).toHaveText('Paused', { timeout: 15 * 60_000 });
  await expect(page.getByRole('log', { name: 'Build log' })).toHaveCount(0);
  // The console is typeable: Enter brings another login prompt.
  await serial.click();
  await page.keyboard.press('Enter');
  await expect
    .poll(
      async () => ((await serial.locator('.xterm-rows').textContent()) ?? '').split('kiln-e2e login:').length,
    )
    .toBeGreaterThan(2);
  await snap(kiln, 'vm-serial');

  await page.getByRole('tab', { name: 'Guest shell' }).click();
  const shell = page.getByRole('region', { name: 'Guest shell of qemu.guest' });
  await expect(page.getByRole('status', { name: 'Guest shell of qemu.guest status' })).toHaveText(
    'Connected',
  );
  await shell.click();
  await page.keyboard.type('echo "on $(hostname)"\n');
  await expect(shell.locator('.xterm-rows')).toContainText('on kiln-e2e');
  await snap(kiln, 'vm-shell');

  await page.getByRole('tab', { name: 'Screen' }).click();
  await expect(page.getByRole('img', { name: 'Screen of the VM of qemu.guest' })).toBeVisible();
  // Each key boot_command typed (over QMP, on the VM's keyboard), in order.
  const keys = page.getByRole('region', { name: 'Keys typed by boot_command' });
  await expect(keys).toContainText('6 of 6');
  await expect(keys.getByRole('listitem')).toHaveText([/wait/, 'k', 'i', 'l', 'n', '<enter>']);
  await expect(keys).toBeInViewport();
  await snap(kiln, 'vm-screen');

  await page.getByLabel('Paused build').getByRole('button', { name: 'Continue' }).click();
  await expect(state(page)).toHaveText('Succeeded', { timeout: 10 * 60_000 });
  await page.getByRole('tab', { name: 'Log' }).click();
  await expect(page.getByRole('log', { name: 'Build log' })).toContainText('hello from kiln-e2e');
  await expect(page.getByRole('region', { name: 'Artifacts' })).toContainText('guest.qcow2');
  await snap(kiln, 'vm-succeeded');
});

test('Cancel while the VM runs stops it and cleans up, and says so', async ({ kiln }) => {
  test.skip(kiln.mode === 'electron', "opens the project with Kiln's own dialog (the web UI's)");
  const { page } = kiln;
  const dir = await vmProject(kiln, 'vm-cancel', false);
  await startBuild(page);
  await page.getByRole('tab', { name: 'Serial console' }).click();
  const serial = page.getByRole('region', { name: 'Serial console of qemu.guest' });
  // The VM is up once its firmware or kernel has printed something.
  await waitForSerial(page, serial, /\S/, 10 * 60_000);
  // Kiln's qemu runs with its sockets in this spec's private runtime dir.
  expect(qemuProcessesUsing(runtime!).length).toBeGreaterThan(0);
  await page.getByRole('toolbar', { name: 'Template' }).getByRole('button', { name: 'Cancel build' }).click();
  await expect(state(page)).toHaveText('Cancelled', { timeout: 120_000 });
  await page.getByRole('tab', { name: 'Log' }).click();
  await expect(page.getByRole('log', { name: 'Build log' })).toContainText(
    'Build cancelled: every step that ran was cleaned up',
  );
  expect(qemuProcessesUsing(runtime!)).toEqual([]);
  expect(runtimeLeftovers()).toEqual([]);
  // As Packer does on cancel: the half-built output folder is removed.
  expect(existsSync(join(dir, 'output-guest'))).toBe(false);
  await snap(kiln, 'vm-cancelled');
});
