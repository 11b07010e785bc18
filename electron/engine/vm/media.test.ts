import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floppyLayout, makeCd, makeFloppy } from './media';

const have = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const missing = ['xorriso', 'mkfs.vfat', 'mcopy', 'mdir'].filter((t) => !have(t));
if (missing.length) console.warn(`media tests skipped: ${missing.join(', ')} not installed`);

describe.skipIf(missing.length > 0)('CD and floppy media', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-media-'));
    mkdirSync(join(dir, 'seed/nested'), { recursive: true });
    writeFileSync(join(dir, 'seed/meta-data'), 'instance-id: x\n');
    writeFileSync(join(dir, 'seed/nested/deep.txt'), 'deep\n');
    writeFileSync(join(dir, 'single.txt'), 'single\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function isoTree(iso: string): string[] {
    const out = execFileSync('xorriso', ['-indev', iso, '-find', '/', '-exec', 'lsdl'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out
      .split('\n')
      .map((l) => /'(\/[^']*)'$/.exec(l)?.[1])
      .filter((p): p is string => p !== undefined && p !== '/')
      .sort();
  }

  it('lays a CD out like StepCreateCD: files at the root, folders by name, "dir/" as contents, content by path', async () => {
    const iso = join(dir, 'cd.iso');
    await makeCd({
      files: [join(dir, 'single.txt'), join(dir, 'seed')],
      content: { 'user-data': '#cloud-config\n', 'sub/dir/file': 'x' },
      label: 'cidata',
      dest: iso,
      stagingDir: join(dir, 'stage1'),
    });
    expect(isoTree(iso)).toEqual(
      [
        '/seed',
        '/seed/meta-data',
        '/seed/nested',
        '/seed/nested/deep.txt',
        '/single.txt',
        '/sub',
        '/sub/dir',
        '/sub/dir/file',
        '/user-data',
      ].sort(),
    );
    const info = execFileSync('xorriso', ['-indev', iso, '-pvd_info'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(info).toMatch(/Volume Id\s*:\s*cidata/);

    const flat = join(dir, 'flat.iso');
    await makeCd({
      files: [`${join(dir, 'seed')}/`],
      content: {},
      label: '',
      dest: flat,
      stagingDir: join(dir, 'stage2'),
    });
    expect(isoTree(flat)).toEqual(['/meta-data', '/nested', '/nested/deep.txt']);
    expect(
      execFileSync('xorriso', ['-indev', flat, '-pvd_info'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ).toMatch(/Volume Id\s*:\s*packer/);
  });

  it('lays a floppy out like StepCreateFloppy: floppy_files flat, floppy_dirs with hierarchy, content at the root', async () => {
    expect(
      floppyLayout({
        files: [join(dir, 'single.txt'), join(dir, 'seed')],
        dirs: [join(dir, 'seed')],
        content: { 'a/b.txt': 'c' },
      }).map((e) => e.path),
    ).toEqual(['single.txt', 'meta-data', 'deep.txt', 'seed/meta-data', 'seed/nested/deep.txt', 'b.txt']);
    const img = join(dir, 'floppy.img');
    await makeFloppy({
      files: [join(dir, 'single.txt')],
      dirs: [join(dir, 'seed')],
      content: { 'answer.xml': '<x/>' },
      label: 'flop',
      dest: img,
      stagingDir: join(dir, 'fstage'),
    });
    const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
    const root = execFileSync('mdir', ['-b', '-i', img, '::/'], { encoding: 'utf8', env });
    expect(root.split('\n').filter(Boolean).sort()).toEqual(
      ['::/answer.xml', '::/seed/', '::/single.txt'].sort(),
    );
    expect(execFileSync('mtype', ['-i', img, '::/seed/nested/deep.txt'], { encoding: 'utf8', env })).toBe(
      'deep\n',
    );
    expect(execFileSync('mlabel', ['-s', '-i', img, '::'], { encoding: 'utf8', env })).toMatch(
      /Volume label is flop/,
    );
    expect(execFileSync('stat', ['-c', '%s', img], { encoding: 'utf8' }).trim()).toBe(String(1440 * 1024));
  });
});
