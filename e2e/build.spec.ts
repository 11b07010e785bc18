/**
 * Building, as a person does it, against the real engine: template trust, a breakpoint provisioner that
 * pauses the build (shown in the bar, the editor and the pipeline view) and Continue, a gutter
 * breakpoint, a failed provisioner fixed in the editor and retried, cancelling, the guest shell while
 * paused (over SSH to a real sshd standing in for the guest) detached into its own window, and an upload
 * of the artifact to the fake MAAS region.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { startFakeRegion, type FakeRegion } from '../electron/engine/maas/fake-region/index';
import { storedFileProblems } from '../electron/engine/maas/fake-region/testing';
import type { TestSshd } from '../electron/engine/testing/sshd';
import { sshdAvailable, startSshd } from '../electron/engine/testing/sshd';
import { expect, outputDir, snap, test, type Kiln } from './fixtures';

/** Writes a project folder and opens it: with Kiln's own open dialog, or in Electron as its File menu does. */
async function openProject(kiln: Kiln, name: string, files: Record<string, string>): Promise<string> {
  const { page } = kiln;
  const dir = join(kiln.projects, name);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  if (kiln.app) {
    // The system dialog cannot be driven: send what its Open Recent item sends.
    await kiln.app.evaluate(({ BrowserWindow }, path) => {
      BrowserWindow.getAllWindows()[0]?.webContents.send('kiln:event', {
        topic: 'app',
        type: 'menu',
        command: 'open-path',
        path,
      });
    }, dir);
  } else {
    await page.getByRole('button', { name: 'Open Folder…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Open a template folder' });
    await dialog.getByRole('textbox', { name: 'Folder' }).fill(dir);
    await dialog.getByRole('button', { name: 'Open', exact: true }).click();
    await expect(dialog).toBeHidden();
  }
  await expect(page.getByRole('toolbar', { name: 'Template' })).toBeVisible();
  return dir;
}

async function trustFolder(page: Page): Promise<void> {
  const banner = page.getByRole('region', { name: 'Template trust' });
  await expect(banner).toContainText('is not a trusted folder');
  await banner.getByRole('button', { name: 'Trust this folder' }).click();
  await expect(banner).toBeHidden();
}

async function startBuild(page: Page, onError?: string): Promise<void> {
  await page.getByRole('button', { name: 'Build…' }).click();
  const form = page.getByRole('form', { name: 'Build options' });
  if (onError) await form.getByLabel('On error').selectOption(onError);
  await form.getByRole('button', { name: 'Start build' }).click();
}

const state = (page: Page) => page.getByRole('status', { name: 'Build state' });
const log = (page: Page) => page.getByRole('log', { name: 'Build log' });
const pausedBar = (page: Page) => page.getByLabel('Paused build');

const BREAKPOINT = `source "null" "example" {
  communicator = "none"
}

build {
  sources = ["source.null.example"]

  provisioner "shell-local" {
    inline = ["echo before-the-break"]
  }

  provisioner "breakpoint" {
    note = "have a look around"
  }

  provisioner "shell-local" {
    inline = ["echo after-the-break"]
  }
}
`;

test('a breakpoint provisioner pauses the build; it shows where; Continue finishes it', async ({ kiln }) => {
  const { page } = kiln;
  await openProject(kiln, 'breakpoint', { 'bp.pkr.hcl': BREAKPOINT });
  await snap(kiln, 'build-untrusted');
  // The service refuses an untrusted folder whatever the UI shows; the banner says so first.
  await trustFolder(page);
  await startBuild(page);
  await expect(state(page)).toHaveText('Paused');
  const bar = pausedBar(page);
  await expect(bar).toContainText('Paused at a breakpoint before breakpoint provisioner (bp.pkr.hcl:12)');
  await expect(bar).toContainText('have a look around');
  await expect(log(page)).toContainText('before-the-break');
  await expect(log(page)).not.toContainText('after-the-break');
  await expect(page.getByRole('listitem', { name: 'Provision: running' })).toBeVisible();
  await snap(kiln, 'build-paused');

  // Where it is: highlighted in the editor and in the pipeline view.
  await bar.getByRole('button', { name: 'Show in editor' }).click();
  await expect(page.locator('.monaco-editor .kiln-paused-line').first()).toBeVisible();
  await snap(kiln, 'build-paused-editor');
  await page.getByRole('tab', { name: 'Pipeline' }).click();
  await expect(page.getByRole('article', { name: 'Provisioner 2: breakpoint' })).toContainText('paused here');
  await snap(kiln, 'build-paused-pipeline');

  await bar.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('tab', { name: 'Build' }).click();
  await expect(state(page)).toHaveText('Succeeded');
  await expect(bar).toBeHidden();
  await expect(log(page)).toContainText('after-the-break');
  await expect(page.getByRole('listitem', { name: 'Provision: done', exact: true })).toBeVisible();
  await expect(
    page.getByRole('region', { name: 'Build history' }).getByRole('button', { name: /Succeeded$/ }),
  ).toHaveCount(1);
  await snap(kiln, 'build-succeeded');
});

const THREE = `source "null" "example" {
  communicator = "none"
}

build {
  sources = ["source.null.example"]

  provisioner "shell-local" {
    inline = ["echo step-one"]
  }

  provisioner "shell-local" {
    inline = ["echo step-two"]
  }

  provisioner "shell-local" {
    inline = ["echo step-three"]
  }
}
`;

test('a breakpoint set in the editor gutter pauses the build there, with no change to the file', async ({
  kiln,
}) => {
  const { page } = kiln;
  await openProject(kiln, 'gutter', { 'three.pkr.hcl': THREE });
  await trustFolder(page);
  const editor = page.getByRole('textbox', { name: 'Editor: three.pkr.hcl' });
  await expect(editor).toBeAttached();
  // Click the glyph margin beside line 13 (inside the second provisioner).
  const lineNumber = page.locator('.monaco-editor .line-numbers', { hasText: /^13$/ });
  const box = await lineNumber.boundingBox();
  if (!box) throw new Error('line 13 is not on screen');
  const glyph = await page.locator('.monaco-editor .glyph-margin').boundingBox();
  if (!glyph) throw new Error('no glyph margin');
  await page.mouse.click(glyph.x + glyph.width / 2, box.y + box.height / 2);
  await expect(page.locator('.monaco-editor .kiln-breakpoint')).toHaveCount(1);
  await expect(page.getByRole('tab', { name: 'three.pkr.hcl' })).not.toContainText('●');
  await snap(kiln, 'gutter-breakpoint');
  await page.getByRole('tab', { name: 'Pipeline' }).click();
  await expect(
    page.getByRole('button', { name: 'Breakpoint before Provisioner 2: shell-local' }),
  ).toHaveAttribute('aria-pressed', 'true');
  await startBuild(page);
  await expect(state(page)).toHaveText('Paused');
  await expect(pausedBar(page)).toContainText(
    'Paused at a breakpoint before shell-local provisioner (three.pkr.hcl:12)',
  );
  await expect(log(page)).toContainText('step-one');
  await expect(log(page)).not.toContainText('step-two');
  await snap(kiln, 'gutter-paused');
  await pausedBar(page).getByRole('button', { name: 'Continue' }).click();
  await expect(state(page)).toHaveText('Succeeded');
  await expect(log(page)).toContainText('step-three');
});

const FAILING = `source "null" "example" {
  communicator = "none"
}

build {
  sources = ["source.null.example"]

  provisioner "shell-local" {
    inline = ["echo ready"]
  }

  provisioner "shell-local" {
    inline = ["echo broken-step", "exit 3"]
  }

  provisioner "shell-local" {
    inline = ["echo last-step"]
  }
}
`;

test('a provisioner fails; fixed in the editor, Retry runs it again and the build succeeds', async ({
  kiln,
}) => {
  const { page } = kiln;
  await openProject(kiln, 'failing', { 'fail.pkr.hcl': FAILING });
  await trustFolder(page);
  await startBuild(page, 'ask');
  const dialog = page.getByRole('dialog', { name: /shell-local provisioner \(fail\.pkr\.hcl:12\) failed/ });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Script exited with non-zero exit status: 3');
  for (const choice of ['Retry', 'Continue', 'Clean up', 'Abort', 'Keep the VM running'])
    await expect(dialog.getByRole('button', { name: choice, exact: true })).toBeVisible();
  await snap(kiln, 'on-error-dialog');
  await dialog.getByRole('button', { name: 'Edit the provisioner' }).click();
  await expect(dialog).toBeHidden();
  // The editor is at the block: replace its inline line.
  const editor = page.getByRole('textbox', { name: 'Editor: fail.pkr.hcl' });
  await expect(editor).toBeFocused();
  await page.keyboard.press('Control+g');
  await page.keyboard.type('13');
  await page.keyboard.press('Enter');
  await page.keyboard.press('End');
  await page.keyboard.press('Shift+Home');
  await page.keyboard.type('inline = ["echo repaired-step"]');
  await expect(page.locator('.view-lines')).toContainText('repaired-step');
  await pausedBar(page).getByRole('button', { name: 'Retry' }).click();
  await page.getByRole('tab', { name: 'Build' }).click();
  await expect(state(page)).toHaveText('Succeeded');
  await expect(log(page)).toContainText(
    'Running build[0].provisioner[1] (shell-local) as the template says now',
  );
  await expect(log(page)).toContainText('repaired-step');
  await expect(log(page)).toContainText('last-step');
  await expect(
    page.getByRole('listitem', { name: 'shell-local build[0].provisioner[1]: done' }),
  ).toContainText('run 2');
  await snap(kiln, 'retried-succeeded');
});

test('-debug pauses after every step: Next steps once, Continue runs to the end', async ({ kiln }) => {
  const { page } = kiln;
  await openProject(kiln, 'debug', { 'three.pkr.hcl': THREE });
  await trustFolder(page);
  await page.getByRole('button', { name: 'Build…' }).click();
  const form = page.getByRole('form', { name: 'Build options' });
  await form.getByRole('checkbox', { name: /^Debug/ }).check();
  await form.getByRole('button', { name: 'Start build' }).click();
  const bar = pausedBar(page);
  await expect(bar).toContainText("Debug: Pausing after run of step 'StepConnect'.");
  await snap(kiln, 'debug-step');
  await bar.getByRole('button', { name: 'Next' }).click();
  await expect(bar).toContainText('Debug: paused before shell-local provisioner (three.pkr.hcl:8)');
  await expect(log(page)).not.toContainText('step-one');
  await bar.getByRole('button', { name: 'Next' }).click();
  await expect(bar).toContainText('Debug: paused before shell-local provisioner (three.pkr.hcl:12)');
  await expect(log(page)).toContainText('step-one');
  await expect(log(page)).not.toContainText('step-two');
  await bar.getByRole('button', { name: 'Continue' }).click();
  await expect(state(page)).toHaveText('Succeeded');
  await expect(log(page)).toContainText('step-three');
  await expect(bar).toBeHidden();
});

test('Cancel stops a running build, cleans up and says so', async ({ kiln }) => {
  const { page } = kiln;
  await openProject(kiln, 'slow', {
    'slow.pkr.hcl': `source "null" "example" {
  communicator = "none"
}

build {
  sources = ["source.null.example"]

  provisioner "shell-local" {
    inline = ["echo long-job-started", "sleep 600"]
  }
}
`,
  });
  await trustFolder(page);
  await startBuild(page);
  await expect(log(page)).toContainText('long-job-started');
  await expect(state(page)).toHaveText('Running');
  await page.getByRole('toolbar', { name: 'Template' }).getByRole('button', { name: 'Cancel build' }).click();
  await expect(state(page)).toHaveText('Cancelled');
  await expect(log(page)).toContainText(
    'Build cancelled: every step that ran was cleaned up (VMs stopped, temporary files removed).',
  );
  await snap(kiln, 'cancelled');
});

test.describe('the guest shell', () => {
  let sshd: TestSshd;
  test.skip(!sshdAvailable(), 'needs /usr/sbin/sshd (openssh-server)');
  test.beforeEach(async () => {
    sshd = await startSshd();
  });
  test.afterEach(async () => sshd?.stop());

  test('works while the build is paused, and detaches into its own window', async ({ kiln }) => {
    const { page } = kiln;
    await openProject(kiln, 'remote', {
      'remote.pkr.hcl': `source "null" "remote" {
  ssh_host             = "127.0.0.1"
  ssh_port             = ${sshd.port}
  ssh_username         = "${sshd.user}"
  ssh_private_key_file = "${sshd.privateKeyFile}"
}

build {
  sources = ["source.null.remote"]

  provisioner "breakpoint" {
    note = "inspect the machine"
  }
}
`,
    });
    await startBuild(page);
    await expect(state(page)).toHaveText('Paused');
    await pausedBar(page).getByRole('button', { name: 'Guest shell' }).click();
    const shell = page.getByRole('region', { name: 'Guest shell of null.remote' });
    await expect(page.getByRole('status', { name: 'Guest shell of null.remote status' })).toHaveText(
      'Connected',
    );
    await shell.click();
    await page.keyboard.type('echo "guest says $((6*7))"\n');
    await expect(shell.locator('.xterm-rows')).toContainText('guest says 42');
    await snap(kiln, 'guest-shell');

    const [detached] = await Promise.all([
      kiln.app ? kiln.app.waitForEvent('window') : page.context().waitForEvent('page'),
      page.getByRole('button', { name: 'Detach the guest shell into a window' }).click(),
    ]);
    const detachedShell = detached.getByRole('region', { name: 'Guest shell of null.remote' });
    await expect(detached.getByRole('status', { name: 'Guest shell of null.remote status' })).toHaveText(
      'Connected',
    );
    await detachedShell.click();
    await detached.keyboard.type('echo "detached $((40+2))"\n');
    await expect(detachedShell.locator('.xterm-rows')).toContainText('detached 42');
    await detached.screenshot({ path: join(outputDir, `${kiln.mode}-guest-shell-detached.png`) });
    await detached.close();

    await pausedBar(page).getByRole('button', { name: 'Continue' }).click();
    await expect(state(page)).toHaveText('Succeeded');
  });
});

test.describe('upload to MAAS', () => {
  let region: FakeRegion;
  test.beforeEach(async () => {
    region = await startFakeRegion();
  });
  test.afterEach(async () => region?.close());

  test('from a finished build to the fake region: form checked, progress, the region’s own words, success', async ({
    kiln,
  }) => {
    const { page } = kiln;
    const payload = Buffer.alloc(3 * 1024 * 1024 + 123, 7);
    const dir = await openProject(kiln, 'image', {
      'image.pkr.hcl': `source "file" "rootfs" {
  source = "rootfs-src.tar.gz"
  target = "out/rootfs.tar.gz"
}

build {
  sources = ["source.file.rootfs"]
}
`,
    });
    await writeFile(join(dir, 'rootfs-src.tar.gz'), payload);
    await startBuild(page);
    await expect(state(page)).toHaveText('Succeeded');
    const artifacts = page.getByRole('region', { name: 'Artifacts' });
    await expect(artifacts).toContainText('3.0 MiB');
    await expect(artifacts.locator('.sha code')).toHaveText(/^[0-9a-f]{64}$/);
    await artifacts.getByRole('button', { name: `Upload ${join(dir, 'out/rootfs.tar.gz')} to MAAS` }).click();

    const upload = page.getByRole('dialog', { name: 'Upload to MAAS' });
    await upload.getByRole('button', { name: 'Add a region' }).click();
    const settings = page.getByRole('dialog', { name: 'MAAS regions' });
    await expect(settings).toContainText('has no access to your keychain');
    await settings.getByLabel('Profile name').fill('lab');
    await settings.getByLabel('Region URL').fill(region.url);
    await settings.getByLabel('API key').fill(region.apiKey);
    await settings.getByRole('button', { name: 'Test connection' }).click();
    await expect(settings.getByRole('status')).toContainText(`Connected to MAAS`);
    await settings.getByRole('button', { name: 'Save profile' }).click();
    await expect(settings.getByRole('region', { name: 'Images on lab' })).toContainText('ubuntu/');
    await snap(kiln, 'maas-settings');
    await settings.getByRole('button', { name: 'Close' }).click();

    // Pre-filled from the build, checked against the region.
    await expect(upload.getByLabel('Name')).toHaveValue('custom/rootfs');
    await expect(upload.getByLabel('Architecture')).toHaveValue('amd64/generic');
    await expect(upload.getByLabel('File type')).toHaveValue('tgz');
    // The readiness check's findings come first: this "tarball" is 3 MiB of 0x07 bytes.
    const readiness = upload.getByRole('region', { name: 'Readiness check' });
    await expect(readiness).toContainText('not ready for MAAS');
    await expect(readiness.getByRole('listitem').first()).toContainText('error');
    await snap(kiln, 'maas-readiness');
    // A name the region refuses: its own words come back.
    await upload.getByLabel('Name').fill('foo/bar');
    await upload.getByLabel('Base image').selectOption({ index: 1 });
    await upload.getByRole('button', { name: 'Check against the region' }).click();
    await upload.getByRole('button', { name: 'Upload', exact: true }).click();
    await expect(upload.getByRole('alert')).toContainText('Unsupport operating system foo');
    await snap(kiln, 'maas-refused');

    await upload.getByRole('button', { name: 'Close', exact: true }).click();
    await artifacts.getByRole('button', { name: `Upload ${join(dir, 'out/rootfs.tar.gz')} to MAAS` }).click();
    await expect(upload.getByLabel('Name')).toHaveValue('custom/rootfs');
    await upload.getByLabel('Title').fill('Kiln e2e rootfs');
    await upload.getByRole('button', { name: 'Upload', exact: true }).click();
    await expect(upload.getByRole('progressbar', { name: /^Upload: / })).toBeVisible();
    await expect(upload.getByRole('status')).toContainText(
      /Uploaded root\.tgz as resource \d+ in [\d.]+ s; MAAS reports it complete\./,
    );
    await snap(kiln, 'maas-uploaded');
    const stored = region.resources().find((r) => r.title === 'Kiln e2e rootfs');
    expect(stored).toBeDefined();
    const file = region.files().find((f) => f.resourceId === stored!.id);
    expect(await storedFileProblems(region, file!.id, payload)).toEqual([]);
  });
});
