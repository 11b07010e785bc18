/**
 * Choosing a base image as an author does: from the qemu source's form, list a SimpleStreams mirror
 * (served over real HTTP on loopback, laid out as Canonical's), download one image with progress into
 * the build cache, and put its iso_url and sha256 iso_checksum into the template.
 */
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLoopbackHttp, type LoopbackHttp } from '../electron/engine/testing/http';
import { writeMirror, type Mirror } from '../electron/engine/testing/simplestreams-mirror';
import { expect, snap, test, type Kiln } from './fixtures';

let dir: string;
let mirror: Mirror;
let http: LoopbackHttp;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-e2e-mirror-'));
  mirror = writeMirror(join(dir, 'mirror'), 8 * 1024 * 1024);
  http = await startLoopbackHttp((req, res) => {
    const file = join(mirror.root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': String(statSync(file).size) });
    createReadStream(file).pipe(res);
  });
});
test.afterAll(async () => {
  await http?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openCloudImageSource(kiln: Kiln) {
  const { page } = kiln;
  const title = 'MAAS starter: a customised Ubuntu cloud image';
  await page.getByRole('button', { name: `Create from ${title}` }).click();
  const create = page.getByRole('dialog', { name: `Create “${title}”` });
  await create.getByLabel('New folder for the project').fill(join(kiln.projects, 'cloudimg'));
  await create.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(create).toBeHidden();
  await page.getByRole('tab', { name: 'Pipeline' }).click();
  await page.getByRole('button', { name: /^Edit Source.*: qemu cloudimg$/ }).click();
  return page.getByRole('form', { name: 'Settings of source qemu “cloudimg”' });
}

test('picks a cloud image from a mirror, downloads it verified, and writes it into the source', async ({
  kiln,
}) => {
  const { page } = kiln;
  const form = await openCloudImageSource(kiln);
  await form.getByRole('button', { name: 'Choose a cloud image…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Choose a cloud image' });
  await dialog.getByLabel('Stream').selectOption('other');
  await dialog.getByLabel('Mirror URL or folder').fill(http.base);
  await dialog.getByRole('button', { name: 'List images' }).click();
  const table = dialog.getByRole('table', { name: 'Cloud images' });
  await expect(table.getByRole('row')).toHaveCount(4); // header + noble, jammy, focal (amd64)
  const noble = table.getByRole('row', { name: '24.04 LTS (noble) 20240423' });
  await expect(noble).toContainText('8.0 MiB');

  await noble.getByRole('button', { name: /^Download / }).click();
  await expect(noble.getByRole('status')).toHaveText('In the cache, verified', { timeout: 30_000 });
  expect(readdirSync(kiln.cacheDir).filter((f) => f.endsWith('.iso'))).toHaveLength(1);
  await snap(kiln, 'base-image-picker');

  // Every serial of jammy, arm64: listed again from the same stream.
  await dialog.getByLabel('Architecture').selectOption('arm64');
  await dialog.getByLabel('Every serial').check();
  await expect(table.getByRole('row')).toHaveCount(3);
  await dialog.getByLabel('Architecture').selectOption('amd64');
  await dialog.getByLabel('Every serial').uncheck();

  await noble.getByRole('button', { name: /^Use / }).click();
  await expect(dialog).toBeHidden();
  const path = 'server/releases/noble/release-20240423/ubuntu-24.04-server-cloudimg-amd64.img';
  await expect(form.getByRole('textbox', { name: 'iso_url string required' })).toHaveValue(
    `${http.base}/${path}`,
  );
  await expect(form.getByRole('textbox', { name: 'iso_checksum string required' })).toHaveValue(
    `sha256:${mirror.images.get(path)?.sha256}`,
  );
  await expect(page.getByRole('article', { name: /^Source.*: qemu cloudimg$/ })).toContainText(
    'iso_url = "http://127.0.0.1:',
  );
  await snap(kiln, 'base-image-used');
});

test('says plainly when the mirror is not one', async ({ kiln }) => {
  const { page } = kiln;
  const form = await openCloudImageSource(kiln);
  await form.getByRole('button', { name: 'Choose a cloud image…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Choose a cloud image' });
  await dialog.getByLabel('Stream').selectOption('other');
  await dialog.getByLabel('Mirror URL or folder').fill(`${http.base}/nothing`);
  await dialog.getByRole('button', { name: 'List images' }).click();
  await expect(dialog.getByRole('alert')).toHaveText(
    `${http.base}/nothing/streams/v1/index.json: HTTP 404 Not Found`,
  );
  // Keyboard: focus is inside while it is open (Tab wraps), Escape closes it and gives focus back.
  await expect(dialog.getByRole('button', { name: 'List images' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Close' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(dialog.getByLabel('Stream')).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(dialog.getByRole('button', { name: 'Close' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(form.getByRole('button', { name: 'Choose a cloud image…' })).toBeFocused();
});
