import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUefiFirmware, readDescriptors } from './firmware';

describe('UEFI firmware discovery', () => {
  let dir: string;
  const descriptor = (code: string, vars: string, features: string[], arch = 'x86_64') => ({
    'interface-types': ['uefi'],
    mapping: {
      device: 'flash',
      executable: { filename: code, format: 'raw' },
      'nvram-template': { filename: vars, format: 'raw' },
    },
    targets: [{ architecture: arch, machines: ['pc-q35-*'] }],
    features,
  });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-fw-'));
    for (const f of [
      'CODE_4M.fd',
      'VARS_4M.fd',
      'CODE_4M.secboot.fd',
      'VARS_4M.ms.fd',
      'AAVMF_CODE.fd',
      'AAVMF_VARS.fd',
      'CODE.fd',
      'VARS.fd',
    ]) {
      writeFileSync(join(dir, f), 'x');
    }
    mkdirSync(join(dir, 'system'));
    mkdirSync(join(dir, 'user'));
    const write = (sub: string, name: string, value: unknown) =>
      writeFileSync(join(dir, sub, name), JSON.stringify(value));
    write(
      'system',
      '40-secure.json',
      descriptor(join(dir, 'CODE_4M.secboot.fd'), join(dir, 'VARS_4M.ms.fd'), [
        'secure-boot',
        'enrolled-keys',
        'requires-smm',
      ]),
    );
    write(
      'system',
      '50-aarch64.json',
      descriptor(join(dir, 'AAVMF_CODE.fd'), join(dir, 'AAVMF_VARS.fd'), [], 'aarch64'),
    );
    write(
      'system',
      '60-plain.json',
      descriptor(join(dir, 'CODE_4M.fd'), join(dir, 'VARS_4M.fd'), ['acpi-s3']),
    );
    write('system', '70-missing.json', descriptor(join(dir, 'nope.fd'), join(dir, 'VARS.fd'), []));
    writeFileSync(join(dir, 'system', '80-broken.json'), '{');
    // A user descriptor with the same file name overrides the system one.
    write('user', '60-plain.json', descriptor(join(dir, 'CODE.fd'), join(dir, 'VARS.fd'), []));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads descriptors in qemu’s precedence and picks a plain x86_64 UEFI for ordinary guests', () => {
    const dirs = [join(dir, 'system')];
    expect(readDescriptors(dirs).map((d) => d.file.split('/').pop())).toEqual([
      '40-secure.json',
      '50-aarch64.json',
      '60-plain.json',
      '70-missing.json',
    ]);
    expect(findUefiFirmware({ descriptorDirs: dirs, knownPairs: [] })).toEqual({
      code: join(dir, 'CODE_4M.fd'),
      vars: join(dir, 'VARS_4M.fd'),
      secureBoot: false,
      requiresSmm: false,
      source: join(dir, 'system', '60-plain.json'),
    });
    expect(
      findUefiFirmware({ descriptorDirs: [join(dir, 'user'), join(dir, 'system')], knownPairs: [] })?.code,
    ).toBe(join(dir, 'CODE.fd'));
    expect(findUefiFirmware({ descriptorDirs: dirs, secureBoot: true, knownPairs: [] })).toMatchObject({
      code: join(dir, 'CODE_4M.secboot.fd'),
      secureBoot: true,
      requiresSmm: true,
    });
  });

  it('falls back to the usual file names when qemu ships no descriptors', () => {
    expect(
      findUefiFirmware({
        descriptorDirs: [],
        knownPairs: [
          [join(dir, 'none.fd'), join(dir, 'x')],
          [join(dir, 'CODE.fd'), join(dir, 'VARS.fd')],
        ],
      }),
    ).toEqual({
      code: join(dir, 'CODE.fd'),
      vars: join(dir, 'VARS.fd'),
      secureBoot: false,
      requiresSmm: false,
      source: 'known path',
    });
    expect(findUefiFirmware({ descriptorDirs: [], knownPairs: [] })).toBeUndefined();
  });
});
