import { describe, expect, it } from 'vitest';
import { DocumentFiles, NotLoadedYet, joinPath, normalizePath } from './documentHost';

function files() {
  const f = new DocumentFiles({ root: '/w/proj', homeDir: '/home/me' });
  f.setDocument('build.pkr.hcl', 'build {}');
  f.setTree([
    { path: 'build.pkr.hcl', kind: 'file' },
    { path: 'scripts', kind: 'dir' },
    { path: 'scripts/setup.sh', kind: 'file' },
  ]);
  return f;
}

describe('DocumentFiles', () => {
  it('normalises paths', () => {
    expect(normalizePath('a/./b/../c')).toBe('a/c');
    expect(normalizePath('/a/../../b')).toBe('/b');
    expect(joinPath('/w/proj', '../x')).toBe('/w/x');
  });

  it('serves open documents and lists folders from the tree', () => {
    const host = files().host();
    expect(host.readFile('build.pkr.hcl')).toBe('build {}');
    expect(host.readFile('/w/proj/build.pkr.hcl')).toBe('build {}');
    expect(host.readDir('.')).toEqual([
      { name: 'build.pkr.hcl', isDirectory: false },
      { name: 'scripts', isDirectory: true },
    ]);
    expect(host.stat('scripts')).toBe('dir');
    expect(host.stat('nope')).toBeUndefined();
    expect(host.cwd()).toBe('/w/proj');
    expect(host.homeDir()).toBe('/home/me');
  });

  it('records a file it has not fetched, and serves it once fetched', () => {
    const f = files();
    expect(() => f.host().readFile('scripts/setup.sh')).toThrow(NotLoadedYet);
    expect(f.incomplete).toBe(true);
    expect([...f.missingFiles]).toEqual(['scripts/setup.sh']);
    f.setFile('scripts/setup.sh', '#!/bin/sh\n');
    expect(f.incomplete).toBe(false);
    expect(f.host().readFile('scripts/setup.sh')).toBe('#!/bin/sh\n');
    f.invalidate('scripts/setup.sh');
    expect(() => f.host().readFile('scripts/setup.sh')).toThrow(NotLoadedYet);
  });

  it('says plainly what is missing, a folder, or not text', () => {
    const f = files();
    expect(() => f.host().readFile('missing.sh')).toThrow('open missing.sh: no such file or directory');
    expect(() => f.host().readFile('scripts')).toThrow('read scripts: is a directory');
    f.setFile('scripts/setup.sh', null);
    expect(() => f.host().readFile('scripts/setup.sh')).toThrow('not a text file');
  });

  it('stats paths outside the root on request but never reads them', () => {
    const f = files();
    expect(f.host().stat('/usr/share/OVMF/OVMF_CODE.fd')).toBeUndefined();
    expect([...f.missingStats]).toEqual(['/usr/share/OVMF/OVMF_CODE.fd']);
    f.setStat('/usr/share/OVMF/OVMF_CODE.fd', 'file');
    expect(f.host().stat('/usr/share/OVMF/OVMF_CODE.fd')).toBe('file');
    expect(() => f.host().readFile('../other/secret')).toThrow(/reads only files inside/);
  });
});
