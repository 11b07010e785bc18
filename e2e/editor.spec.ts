/**
 * The editor as a person uses it: gallery, typing with live diagnostics, completion, hover, the pipeline
 * view's forms and moves, saving and reopening. Each test starts from a fresh Kiln and a fresh project.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { getSchema } from '../electron/engine/template/schema/index';
import { expect, snap, test, type Kiln } from './fixtures';

async function createFromGallery(kiln: Kiln, title: string, folder: string): Promise<string> {
  const { page } = kiln;
  const path = join(kiln.projects, folder);
  await page.getByRole('button', { name: `Create from ${title}` }).click();
  const dialog = page.getByRole('dialog', { name: `Create “${title}”` });
  await dialog.getByLabel('New folder for the project').fill(path);
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog).toBeHidden();
  return path;
}

function editor(page: Page, file: string) {
  return page.getByRole('textbox', { name: `Editor: ${file}` });
}

/** The text of the editor's visible lines. */
async function visibleText(page: Page): Promise<string> {
  return (await page.locator('.monaco-editor .view-lines').innerText()).replace(/\u00a0/g, ' ');
}

async function goToLine(page: Page, file: string, line: number): Promise<void> {
  await editor(page, file).focus();
  await page.keyboard.press('Control+g');
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
}

const QUICK = 'Quick start: a build with no VM';
const ISO = 'Custom image from an installer ISO';

test('opens a gallery template', async ({ kiln }) => {
  const { page } = kiln;
  await expect(page.getByRole('heading', { name: 'Start from a template' })).toBeVisible();
  await expect(page.getByRole('heading', { name: ISO })).toBeVisible();
  await snap(kiln, 'start');
  await createFromGallery(kiln, QUICK, 'quick');
  await expect(page.getByRole('tab', { name: 'quickstart.pkr.hcl' })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expect(page.locator('.view-lines')).toContainText('source "null" "example"');
  await expect(page.getByRole('region', { name: 'Problems' })).toContainText('No problems found.');
  await snap(kiln, 'gallery-template');
});

test('shows a typed error within 300 ms, and clears it when fixed', async ({ kiln }) => {
  const { page } = kiln;
  await createFromGallery(kiln, QUICK, 'quick');
  await expect(page.getByRole('status', { name: 'Status' })).toContainText('No errors');
  const file = 'quickstart.pkr.hcl';
  await editor(page, file).focus();
  await page.keyboard.press('Control+End');
  // Time from the keystroke to both the marker in the text and the entry in the problems panel.
  await page.evaluate(() => {
    const probe = { keyAt: 0, shownAt: 0, goneAt: 0 };
    (window as unknown as { probe: typeof probe }).probe = probe;
    const both = () =>
      document.querySelector('.monaco-editor .squiggly-error') !== null &&
      document.querySelector('[aria-label^="Error: "]') !== null;
    const neither = () =>
      document.querySelector('.monaco-editor .squiggly-error') === null &&
      document.querySelector('[aria-label^="Error: "]') === null;
    document.addEventListener('keydown', () => (probe.keyAt = performance.now()), true);
    new MutationObserver(() => {
      if (probe.keyAt && !probe.shownAt && both()) probe.shownAt = performance.now();
      if (
        probe.shownAt &&
        !probe.goneAt &&
        neither() &&
        performance.now() > probe.keyAt &&
        probe.keyAt > probe.shownAt
      )
        probe.goneAt = performance.now();
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await page.keyboard.type('x');
  const problem = page.getByRole('button', {
    name: /^Error: Argument or block definition required \(quickstart\.pkr\.hcl:37:1\)$/,
  });
  await expect(problem).toBeVisible();
  await expect(page.locator('.monaco-editor .squiggly-error')).toBeVisible();
  const shown = await page.evaluate(() => {
    const p = (window as unknown as { probe: { keyAt: number; shownAt: number } }).probe;
    return p.shownAt - p.keyAt;
  });
  test.info().annotations.push({ type: 'keystroke to diagnostic (ms)', description: shown.toFixed(1) });
  expect(shown).toBeGreaterThan(0);
  expect(shown).toBeLessThan(300);
  await snap(kiln, 'typed-error');

  // Clicking the problem puts the cursor on it.
  await problem.click();
  await expect(page.getByRole('textbox', { name: `Editor: ${file}` })).toBeFocused();

  await page.keyboard.press('End');
  await page.keyboard.press('Backspace');
  await expect(problem).toBeHidden();
  await expect(page.locator('.monaco-editor .squiggly-error')).toHaveCount(0);
  const gone = await page.evaluate(() => {
    const p = (window as unknown as { probe: { keyAt: number; goneAt: number } }).probe;
    return p.goneAt - p.keyAt;
  });
  expect(gone).toBeLessThan(300);
  await expect(page.getByRole('region', { name: 'Problems' })).toContainText('No problems found.');
  await snap(kiln, 'fixed-error');
});

test('completes qemu keys', async ({ kiln }) => {
  const { page } = kiln;
  await createFromGallery(kiln, ISO, 'iso');
  const file = 'ubuntu-installer.pkr.hcl';
  await expect(page.getByRole('tab', { name: file })).toHaveAttribute('aria-selected', 'true');
  await goToLine(page, file, 16);
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('disk_');
  const option = page.getByRole('option', { name: /disk_interface/ });
  await expect(option).toBeVisible();
  await expect(page.getByRole('option', { name: /disk_cache/ })).toBeVisible();
  // Keys already in the block are not offered again.
  await expect(page.getByRole('option', { name: /^disk_size/ })).toHaveCount(0);
  await snap(kiln, 'completion');
  await page.keyboard.press('Escape');
});

test('hovers a key and reads its doc', async ({ kiln }) => {
  const { page } = kiln;
  await createFromGallery(kiln, ISO, 'iso');
  await expect(page.locator('.view-lines')).toContainText('cpus');
  await page
    .locator('.view-lines span', { hasText: /^cpus$/ })
    .first()
    .hover();
  const hover = page.locator('.monaco-hover').filter({ hasText: 'cpus' });
  await expect(hover).toBeVisible();
  const doc = getSchema('builder', 'qemu')!.fields as Record<string, { doc: string }>;
  await expect(hover).toContainText(doc.cpus.doc);
  await snap(kiln, 'hover');
});

test('changes a provisioner in the pipeline view; the text changes and keeps its comments', async ({
  kiln,
}) => {
  const { page } = kiln;
  await createFromGallery(kiln, QUICK, 'quick');
  await page.getByRole('tab', { name: 'Pipeline' }).click();
  const pipeline = page.getByRole('region', { name: 'Pipeline' });
  await pipeline.getByRole('button', { name: 'Edit Provisioner 2: breakpoint' }).click();
  const form = page.getByRole('form', { name: 'Settings of provisioner breakpoint' });
  await form.getByLabel(/^note/).fill('Stop here and look around');
  await form.getByLabel(/^note/).press('Enter');
  await expect(pipeline.getByRole('article', { name: 'Provisioner 2: breakpoint' })).toContainText(
    'note = "Stop here and look around"',
  );
  await snap(kiln, 'pipeline-form');
  await form.getByRole('button', { name: 'Show in text' }).click();
  const text = await visibleText(page);
  expect(text).toContain(
    '  # Enable this breakpoint to pause the build here.\n  provisioner "breakpoint" {\n    disable = true\n    note    = "Stop here and look around"\n  }',
  );
  expect(text).toContain('# Runs on this machine, not in a VM.');
  await expect(page.getByRole('tab', { name: 'quickstart.pkr.hcl (unsaved)' })).toBeVisible();

  // And a change in the text shows in the view at once.
  await goToLine(page, 'quickstart.pkr.hcl', 29);
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('max_retries = 3');
  await page.getByRole('tab', { name: 'Pipeline' }).click();
  await expect(pipeline.getByRole('article', { name: 'Provisioner 3: shell-local' })).toContainText(
    'max_retries = 3',
  );
  await snap(kiln, 'pipeline-after-text-edit');
});

test('reorders two provisioners, saves, and reopens', async ({ kiln }) => {
  const { page } = kiln;
  const dir = await createFromGallery(kiln, QUICK, 'quick');
  const file = join(dir, 'quickstart.pkr.hcl');
  const before = readFileSync(file, 'utf8');
  await page.getByRole('tab', { name: 'Pipeline' }).click();
  const pipeline = page.getByRole('region', { name: 'Pipeline' });
  await pipeline.getByRole('button', { name: 'Move Provisioner 1: shell-local down' }).click();
  await expect(pipeline.getByRole('article', { name: 'Provisioner 1: breakpoint' })).toBeVisible();
  await expect(pipeline.getByRole('article', { name: 'Provisioner 2: shell-local' })).toBeVisible();
  await snap(kiln, 'reordered');

  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('tab', { name: 'quickstart.pkr.hcl', exact: true })).toBeVisible();
  const after = readFileSync(file, 'utf8');
  // The same lines, the breakpoint (with its comment) now first.
  expect(after.split('\n').sort()).toEqual(before.split('\n').sort());
  expect(after.indexOf('# Enable this breakpoint')).toBeLessThan(after.indexOf('# Runs on this machine'));

  await page.getByRole('button', { name: 'Close template and go to the start screen' }).click();
  await page.getByRole('button', { name: `Open recent ${dir}` }).click();
  await page.getByRole('tab', { name: 'Pipeline' }).click();
  await expect(
    page
      .getByRole('region', { name: 'Pipeline' })
      .getByRole('article', { name: 'Provisioner 1: breakpoint' }),
  ).toBeVisible();
  await snap(kiln, 'reopened');
});
