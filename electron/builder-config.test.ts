/**
 * electron-builder cannot run here (it downloads Electron), so its configuration is checked the way
 * electron-builder checks it before packaging: loaded from electron-builder.yml and validated against its
 * schema, plus the points Kiln depends on.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util/out/DebugLogger';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('electron-builder.yml', () => {
  it('passes electron-builder’s own validation', async () => {
    const config = await getConfig(root, join(root, 'electron-builder.yml'), null);
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // The validation is real: a misspelt option is refused.
    const misspelt = { ...config, asarUnpak: ['x'] } as typeof config;
    await expect(validateConfiguration(misspelt, new DebugLogger(false))).rejects.toThrow(/asarUnpak/);
  });

  it('packages AppImage and deb, unpacks node-pty, ships the templates and the built app', async () => {
    const config = await getConfig(root, join(root, 'electron-builder.yml'), null);
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.asarUnpack).toContain('node_modules/node-pty/**');
    expect(config.extraResources).toEqual([{ from: 'templates', to: 'templates' }]);
    expect(JSON.stringify(config.files)).toContain('dist/**/*');
    expect(config.electronFuses?.runAsNode).toBe(false);
    expect(existsSync(join(root, 'templates'))).toBe(true);
  });
});
