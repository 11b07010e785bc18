/**
 * The image inspector as an author uses it: a qcow2 disk with a GPT and an ext4 root (made with
 * mkfs.ext4 -d and sgdisk, no root needed), browsed one directory at a time, and a seed ISO.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  makeDisk,
  makeExt4,
  removeDir,
  tempDir,
  writeSmallRoot,
} from '../electron/engine/maas/testing/fixtures';
import { missingTools } from '../electron/engine/maas/testing/tools';
import { expect, snap, test, type Kiln } from './fixtures';

const missing = missingTools('mkfs.ext4', 'sgdisk', 'qemu-img', 'xorriso');
let dir: string;
let disk: string;
let iso: string;

test.beforeAll(() => {
  if (missing) return;
  dir = tempDir('kiln-e2e-inspect-');
  const tree = writeSmallRoot(join(dir, 'tree'));
  disk = makeDisk(makeExt4(tree, join(dir, 'root.ext4')), dir, { table: 'gpt', format: 'qcow2' }).disk;
  iso = join(dir, 'seed.iso');
  spawnSync('xorriso', [
    '-as',
    'mkisofs',
    '-quiet',
    '-V',
    'cidata',
    '-J',
    '-R',
    '-o',
    iso,
    join(tree, 'etc'),
  ]);
});
test.afterAll(() => dir && removeDir(dir));

async function openInspector(kiln: Kiln) {
  const { page } = kiln;
  const title = 'Quick start: a build with no VM';
  await page.getByRole('button', { name: `Create from ${title}` }).click();
  const create = page.getByRole('dialog', { name: `Create “${title}”` });
  await create.getByLabel('New folder for the project').fill(join(kiln.projects, 'quick'));
  await create.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(create).toBeHidden();
  await page.getByRole('button', { name: 'Inspect image…' }).click();
  return page.getByRole('dialog', { name: 'Inspect an image' });
}

test('inspects a disk image and browses its root file system', async ({ kiln }) => {
  test.skip(Boolean(missing), `needs ${missing}`);
  const dialog = await openInspector(kiln);
  await dialog.getByLabel(/^Image file/).fill(disk);
  await dialog.getByRole('button', { name: 'Inspect', exact: true }).click();
  const report = dialog.getByRole('region', { name: 'Report' });
  await expect(report.getByRole('heading', { name: 'Disk image' })).toBeVisible();
  await expect(report).toContainText('qcow2');
  await expect(report).toContainText('gpt');
  const root = report.getByRole('row', { name: 'Partition 2' });
  await expect(root).toContainText('label kiln-root');
  await root.getByRole('button', { name: 'Browse partition 2' }).click();
  const files = dialog.getByRole('region', { name: 'Files of partition 2' });
  await expect(files.getByRole('button', { name: '/etc/' })).toBeVisible();
  await expect(files.getByRole('button', { name: '/var/' })).toBeVisible();
  await files.getByRole('button', { name: '/etc/' }).click();
  await expect(files.getByRole('heading')).toHaveText('Partition 2: /etc');
  await expect(files.getByRole('row', { name: /\/etc\/hostname/ })).toContainText('-rw-r--r--');
  await expect(files.getByRole('button', { name: '/etc/cloud/' })).toBeVisible();
  await snap(kiln, 'image-inspector-disk');
  await files.getByRole('button', { name: 'Up to /' }).click();
  await expect(files.getByRole('heading')).toHaveText('Partition 2: /');
});

test('inspects an ISO, and names a file that is not there', async ({ kiln }) => {
  test.skip(Boolean(missing), `needs ${missing}`);
  const dialog = await openInspector(kiln);
  await dialog.getByLabel(/^Image file/).fill(iso);
  await dialog.getByRole('button', { name: 'Inspect', exact: true }).click();
  const report = dialog.getByRole('region', { name: 'Report' });
  await expect(report.getByRole('heading', { name: 'ISO 9660 image' })).toBeVisible();
  await expect(report).toContainText('cidata');
  await expect(report.getByRole('table', { name: 'Files' })).toContainText('/cloud/cloud.cfg');
  await dialog.getByRole('searchbox', { name: 'Filter files' }).fill('host');
  await expect(report.getByRole('status')).toHaveText('1 of 3 entries');

  await dialog.getByLabel(/^Image file/).fill(join(dir, 'nothing.img'));
  await dialog.getByRole('button', { name: 'Inspect', exact: true }).click();
  await expect(dialog.getByRole('alert')).toHaveText(`${join(dir, 'nothing.img')}: no such file`);
});
