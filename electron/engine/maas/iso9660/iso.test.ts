/**
 * Kiln's ISO 9660 reader prints what isoinfo prints (-d, -f, -l; plain, -R, -J) on ISOs made by
 * genisoimage and xorriso: Rock Ridge with long names in continuation areas, symlinks, deep trees,
 * directories spanning sectors, Joliet, El Torito (BIOS and EFI), and a plain ISO 9660 volume.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../testing/fixtures';
import { hasTool, missingTools, run } from '../testing/tools';
import { IsoImage } from './iso';
import { formatFind, formatListing, formatVolumeInfo } from './isoinfo';

const missing = missingTools('isoinfo', 'genisoimage', 'xorriso');

function isoinfo(args: string[], encoding: BufferEncoding): string {
  return execFileSync('isoinfo', args, { maxBuffer: 64 * 1024 * 1024 }).toString(encoding);
}

describe.skipIf(missing)(`ISO 9660 reader against isoinfo ${missing ? `(skipped: ${missing})` : ''}`, () => {
  let dir: string;
  const isos: Record<string, string> = {};

  beforeAll(() => {
    dir = tempDir('iso');
    const tree = path.join(dir, 'tree');
    mkdirSync(path.join(tree, 'a/b/c/d/e/f/g/h/i'), { recursive: true });
    writeFileSync(path.join(tree, 'a/b/c/d/e/f/g/h/i/deep.txt'), 'deep\n');
    writeFileSync(path.join(tree, 'user-data'), '#cloud-config\n');
    writeFileSync(path.join(tree, 'meta-data'), 'instance-id: iid-1\n');
    writeFileSync(path.join(tree, `${'long-name-'.repeat(22)}.txt`), 'long\n');
    writeFileSync(path.join(tree, 'café.txt'), 'utf-8\n');
    writeFileSync(path.join(tree, 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 1));
    mkdirSync(path.join(tree, 'many'));
    for (let i = 0; i < 120; i++) writeFileSync(path.join(tree, 'many', `file-number-${i}.cfg`), `${i}\n`);
    symlinkSync('user-data', path.join(tree, 'relative-link'));
    symlinkSync('/etc/os-release', path.join(tree, 'absolute-link'));
    symlinkSync('../../user-data', path.join(tree, 'a/b/up-link'));
    const boot = path.join(dir, 'boot');
    mkdirSync(boot);
    writeFileSync(path.join(boot, 'boot.img'), Buffer.alloc(4 * 2048, 0xeb));
    writeFileSync(path.join(boot, 'efi.img'), Buffer.alloc(64 * 1024, 0));
    isos.genisoimage = path.join(dir, 'genisoimage.iso');
    run('genisoimage', ['-quiet', '-o', isos.genisoimage, '-R', '-J', '-joliet-long', '-V', 'cidata', tree]);
    isos.plain = path.join(dir, 'plain.iso');
    run('genisoimage', [
      '-quiet',
      '-o',
      isos.plain,
      '-V',
      'PLAIN',
      '-A',
      'An application id with spaces  X',
      tree,
    ]);
    isos.eltorito = path.join(dir, 'eltorito.iso');
    run('genisoimage', [
      '-quiet',
      '-o',
      isos.eltorito,
      '-R',
      '-b',
      'boot.img',
      '-c',
      'boot.cat',
      '-no-emul-boot',
      '-boot-load-size',
      '4',
      boot,
    ]);
    isos.xorriso = path.join(dir, 'xorriso.iso');
    run('xorriso', [
      '-as',
      'mkisofs',
      '-quiet',
      '-o',
      isos.xorriso,
      '-R',
      '-J',
      '-V',
      'KILN_SEED',
      '-e',
      'efi.img',
      '-no-emul-boot',
      '-graft-points',
      `/=${tree}`,
      `/efi.img=${path.join(boot, 'efi.img')}`,
    ]);
  });
  afterAll(() => removeDir(dir));

  const modes: Array<[string, string[], 'iso' | 'rock-ridge' | 'joliet']> = [
    ['-f', ['-f'], 'iso'],
    ['-f -R', ['-f', '-R'], 'rock-ridge'],
    ['-f -J', ['-f', '-J'], 'joliet'],
    ['-l', ['-l'], 'iso'],
    ['-l -R', ['-l', '-R'], 'rock-ridge'],
    ['-l -J', ['-l', '-J'], 'joliet'],
  ];

  for (const name of ['genisoimage', 'plain', 'eltorito', 'xorriso']) {
    it(`${name}: -d prints the same volume information`, () => {
      const iso = new IsoImage(isos[name]);
      try {
        expect(formatVolumeInfo(iso)).toBe(isoinfo(['-d', '-i', isos[name]], 'latin1'));
      } finally {
        iso.close();
      }
    });
    for (const [label, args, names] of modes) {
      it(`${name}: ${label} lists the same files`, () => {
        const iso = new IsoImage(isos[name]);
        try {
          if (names === 'joliet' && !iso.hasJoliet()) {
            expect(() => formatFind(iso, names)).toThrow(/no Joliet volume/);
            return;
          }
          const expected = isoinfo([...args, '-i', isos[name]], names === 'rock-ridge' ? 'utf8' : 'latin1');
          expect((label.startsWith('-f') ? formatFind : formatListing)(iso, names)).toBe(expected);
        } finally {
          iso.close();
        }
      });
    }
  }

  it('names what is not an ISO', () => {
    const file = path.join(dir, 'not.iso');
    writeFileSync(file, Buffer.alloc(64 * 1024));
    expect(() => new IsoImage(file)).toThrow(/not an ISO 9660 image/);
    expect(hasTool('isoinfo')).toBe(true);
  });
});
