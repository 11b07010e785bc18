/**
 * Fixtures in Insomnia's style: each test gets a fresh Kiln (its own config folder, so its own recent
 * list) and a fresh folder for projects, in the web host with Chromium or in Electron, and leaves nothing
 * running when it ends.
 */
import { test as base, expect, _electron, type ElectronApplication, type Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const outputDir = join(root, 'e2e/output');
const require = createRequire(import.meta.url);

interface RunningHost {
  url: string;
  close(): Promise<void>;
}

/** Electron's binary when its install script has run; undefined otherwise. */
export function electronBinary(): string | undefined {
  const pkg = join(root, 'node_modules/electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const binary = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : undefined;
}

const ELECTRON_MISSING =
  "Electron's binary is not installed (npm ci skips its install script); run `npm install-scripts approve electron && npm rebuild electron` to run these specs in the desktop app.";
let toldElectronMissing = false;

export interface Kiln {
  page: Page;
  /** A fresh, empty folder to create projects in. */
  projects: string;
  /** The download cache this Kiln's builds and base images use (PACKER_CACHE_DIR), empty at first. */
  cacheDir: string;
  mode: 'web' | 'electron';
  /** The Electron app, in the electron project. */
  app?: ElectronApplication;
}

export const test = base.extend<{ kiln: Kiln }>({
  kiln: async ({ browser }, use, testInfo) => {
    const executablePath = testInfo.project.name === 'electron' ? electronBinary() : undefined;
    if (testInfo.project.name === 'electron' && !executablePath) {
      if (!toldElectronMissing) {
        toldElectronMissing = true;
        console.warn(`[electron] skipping: ${ELECTRON_MISSING}`);
      }
      test.skip(true, ELECTRON_MISSING);
    }
    const scratch = await mkdtemp(join(tmpdir(), 'kiln-e2e-'));
    const configDir = join(scratch, 'config');
    const projects = join(scratch, 'projects');
    const cacheDir = join(scratch, 'cache');
    try {
      if (executablePath) {
        const app: ElectronApplication = await _electron.launch({
          executablePath,
          args: [join(root, 'dist/electron/main.cjs')],
          env: { ...process.env, KILN_CONFIG_DIR: configDir, HOME: scratch, PACKER_CACHE_DIR: cacheDir },
        });
        try {
          await use({ page: await app.firstWindow(), projects, cacheDir, mode: 'electron', app });
        } finally {
          await app.close();
        }
        return;
      }
      const { startHost } = require(join(root, 'dist/host.cjs')) as {
        startHost(o: { configDir: string; port: number }): Promise<RunningHost>;
      };
      // The web host runs in this process: it reads the cache folder from here as it starts.
      const cacheBefore = process.env.PACKER_CACHE_DIR;
      process.env.PACKER_CACHE_DIR = cacheDir;
      const host = await startHost({ configDir, port: 0 }).finally(() => {
        if (cacheBefore === undefined) delete process.env.PACKER_CACHE_DIR;
        else process.env.PACKER_CACHE_DIR = cacheBefore;
      });
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      try {
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(host.url);
        await use({ page, projects, cacheDir, mode: 'web' });
        expect(errors, 'uncaught errors in the page').toEqual([]);
      } finally {
        await context.close();
        await host.close();
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  },
});

export { expect };

/** Saves a screenshot under e2e/output/<project>-<name>.png. */
export async function snap(kiln: Kiln, name: string): Promise<void> {
  await kiln.page.screenshot({ path: join(outputDir, `${kiln.mode}-${name}.png`) });
}
