/**
 * End-to-end tests: the real UI driven by Playwright against the real engine. The `web` project runs it in
 * Debian's Chromium against the web host; the `electron` project runs the same specs in Kiln's Electron
 * app, and skips them, saying why, where Electron's binary is not installed. Screenshots go to e2e/output/.
 */
import { defineConfig } from '@playwright/test';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: './test-results',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: [['list']],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    viewport: { width: 1400, height: 900 },
    // Debian's Chromium, never a downloaded one (the electron project does not use it but the fixture asks).
    browserName: 'chromium',
    launchOptions: { executablePath: process.env.KILN_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
  },
  projects: [{ name: 'web' }, { name: 'electron' }],
});
