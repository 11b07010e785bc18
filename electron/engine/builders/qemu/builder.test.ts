import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProvisionHook } from '../../build/components';
import { TempSpace } from '../../build/temp';
import type { ConfigObject } from '../../template/config';
import { decode } from '../../template/schema/testing/decode';
import type { QemuBuilderConfig } from '../../template/schema/components/builder-qemu';
import { VmRegistry } from '../../vm/registry';
import { artifactFiles, defaultCacheDir, QemuBuilder } from './builder';
import type { QemuBuildContext } from './context';

function config(raw: ConfigObject): QemuBuilderConfig {
  const result = decode('builder', 'qemu', raw, { buildName: 'qemu' });
  if (!result.config) throw new Error(result.diagnostics.map((d) => d.summary).join('\n'));
  return result.config as QemuBuilderConfig;
}

const hook: ProvisionHook = {
  provision: async () => undefined,
  provisionCleanup: async () => undefined,
  hasProvisioners: false,
};

function stepNames(c: QemuBuilderConfig): string[] {
  const builder = new QemuBuilder(c, { render: (t) => t, cwd: '/work' });
  const build: QemuBuildContext = {
    config: c,
    cwd: '/work',
    render: (t) => t,
    temp: new TempSpace(),
    force: false,
    debug: false,
    buildName: 'qemu',
    registry: new VmRegistry(mkdtempSync(join(tmpdir(), 'kiln-reg-'))),
    cacheDir: '/tmp',
  };
  return builder.steps(build, hook, 'uuid').map((s) => s.name);
}

describe('qemu builder', () => {
  it('runs packer-plugin-qemu’s steps in its order (StepSSHKeyGen only with ssh)', () => {
    const base = { iso_url: 'x.iso', iso_checksum: 'none', ssh_username: 'u', ssh_password: 'p' };
    expect(stepNames(config(base))).toEqual([
      'StepDownload',
      'stepPrepareOutputDir',
      'stepCreatevTPM',
      'StepCreateFloppy',
      'StepCreateCD',
      'stepCreateDisk',
      'stepCopyDisk',
      'stepResizeDisk',
      'stepHTTPIPDiscover',
      'StepHTTPServer',
      'stepPortForward',
      'StepSSHKeyGen',
      'stepConfigureVNC',
      'stepPrepareEfivars',
      'stepRun',
      'stepConfigureQMP',
      'stepTypeBootCommand',
      'stepWaitGuestAddress',
      'StepConnect',
      'StepProvision',
      'StepCleanupTempKeys',
      'stepShutdown',
      'stepConvertDisk',
    ]);
    const none = stepNames(
      config({ iso_url: 'x.iso', iso_checksum: 'none', communicator: 'none', iso_skip_cache: true }),
    );
    expect(none).not.toContain('StepSSHKeyGen');
    expect(none[0]).toBe('stepSetISO');
  });

  it('lists every file of output_directory as the artifact, efivars.fd too unless efi_drop_efivars', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-art-'));
    try {
      mkdirSync(join(dir, 'out', 'sub'), { recursive: true });
      for (const f of ['packer-x', 'packer-x-1', 'efivars.fd', 'sub/extra'])
        writeFileSync(join(dir, 'out', f), '');
      expect(artifactFiles('out', join(dir, 'out'), false)).toEqual([
        'out/efivars.fd',
        'out/packer-x',
        'out/packer-x-1',
        'out/sub/extra',
      ]);
      expect(artifactFiles('out', join(dir, 'out'), true)).toEqual([
        'out/packer-x',
        'out/packer-x-1',
        'out/sub/extra',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the console log beside the output folder, and caches downloads where Packer’s cache variable says', () => {
    const c = config({ iso_url: 'x.iso', iso_checksum: 'none', ssh_username: 'u', ssh_password: 'p' });
    expect(c.output_directory).toBe('output-qemu');
    expect(c.vm_name).toBe('packer-qemu');
    expect(new QemuBuilder(c, { render: (t) => t, cwd: '/work' }).consoleLogPath()).toBe(
      '/work/output-qemu.console.log',
    );
    expect(defaultCacheDir({ PACKER_CACHE_DIR: '/cache' })).toBe('/cache');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/kiln/downloads');
  });
});
