/**
 * `bin/kiln.cjs` on a copy of the repository: it builds the bundles when there are none, runs the
 * template commands from the small one and the rest from the full one, each with a code cache the build
 * warmed, rebuilds by itself when a source the bundles were built from changes (and only then), and runs
 * correctly whatever state its code caches are in. `bin/kiln.mjs`, the former entry, still works.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNames } from './template-main';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const copy = mkdtempSync(join(tmpdir(), 'kiln-bin-'));
const bundle = join(copy, 'dist/cli-template.cjs');
const fullBundle = join(copy, 'dist/cli.cjs');
const cache = `${bundle}.cache`;
const versionFile = join(copy, 'electron/engine/version.ts');

function kiln(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return run('bin/kiln.cjs', args);
}

function run(entry: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(copy, entry), ...args], {
    cwd: copy,
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  for (const part of ['bin', 'scripts', 'electron', 'package.json', 'tsconfig.json']) {
    cpSync(join(repoRoot, part), join(copy, part), {
      recursive: true,
      filter: (src) => !src.endsWith('.test.ts'),
    });
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'), 'dir');
  mkdirSync(join(copy, 'tpl'));
  writeFileSync(
    join(copy, 'tpl/t.pkr.hcl'),
    'source "null" "a" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.a"]\n}\n',
  );
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('bin/kiln.cjs', () => {
  it('serves from the small bundle exactly the commands that bundle holds', () => {
    const launcher = readFileSync(join(repoRoot, 'bin/kiln.cjs'), 'utf8');
    const listed = /const TEMPLATE_COMMANDS = (\[[^\]]*\])/.exec(launcher)?.[1];
    expect(JSON.parse((listed ?? '').replace(/'/g, '"'))).toEqual(commandNames);
  });

  it('builds missing bundles, with their stamp and warmed code caches, then runs the command', () => {
    expect(existsSync(bundle)).toBe(false);
    const r = kiln('version');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Kiln v\d+\.\d+\.\d+ /);
    expect(r.status).toBe(0);
    const stamp = JSON.parse(readFileSync(join(copy, 'dist/cli.stamp.json'), 'utf8'));
    expect(stamp.files).toContain('electron/cli/main.ts');
    expect(stamp.files).toContain('electron/engine/template/hcl/parser.ts');
    // Packages are covered by npm's lockfile, rewritten by every install, not file by file.
    expect(stamp.files.filter((f: string) => f.startsWith('node_modules/'))).toEqual([
      'node_modules/.package-lock.json',
    ]);
    // The cache names the bundle it belongs to: node version, architecture, size and time.
    const { size, mtimeMs } = statSync(bundle);
    expect(readFileSync(cache, 'latin1').split('\n')[0]).toBe(
      `${process.version} ${process.arch} ${size} ${mtimeMs}`,
    );
    expect(statSync(`${fullBundle}.cache`).size).toBeGreaterThan(100_000);
    // The small bundle holds the template engine but not MAAS or the build engine.
    expect(statSync(bundle).size).toBeLessThan(statSync(fullBundle).size * 0.6);
  });

  it('runs the other commands from the full bundle, and the former bin/kiln.mjs entry still works', () => {
    const help = kiln('--help');
    expect(help.status).toBe(0);
    expect(help.stderr).toContain('inspect-image');
    expect(kiln('maas', '--help').status).toBe(0);
    const old = run('bin/kiln.mjs', ['validate', 'tpl']);
    expect(old.stdout).toContain('The configuration is valid.');
    expect(old.status).toBe(0);
  });

  it('is started by the shell launcher npm links, which drops NODE_EXTRA_CA_CERTS for template commands only', () => {
    const launcher = readFileSync(join(repoRoot, 'bin/kiln'), 'utf8');
    const listed = /^ {2}([a-z_0-9 |]+)\) unset NODE_EXTRA_CA_CERTS/m.exec(launcher)?.[1];
    expect((listed ?? '').split('|').map((name) => name.trim())).toEqual(commandNames);
    expect(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).bin).toEqual({
      kiln: 'bin/kiln',
    });

    // Run through a symlink, as npm's node_modules/.bin/kiln is. Node warns at start when it cannot
    // load the named file: the warning shows which processes started with the variable.
    const linkDir = mkdtempSync(join(tmpdir(), 'kiln-bin-link-'));
    try {
      symlinkSync(join(copy, 'bin/kiln'), join(linkDir, 'kiln'));
      const env = { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: join(linkDir, 'absent.pem') };
      const validate = spawnSync(join(linkDir, 'kiln'), ['validate', 'tpl'], {
        cwd: copy,
        encoding: 'utf8',
        env,
      });
      expect(validate.stdout).toContain('The configuration is valid.');
      expect(validate.stderr).toBe('');
      expect(validate.status).toBe(0);
      const help = spawnSync(join(linkDir, 'kiln'), ['maas', '--help'], { cwd: copy, encoding: 'utf8', env });
      expect(help.status).toBe(0);
      expect(help.stderr).toContain('Ignoring extra certs');
    } finally {
      rmSync(linkDir, { recursive: true, force: true });
    }
  });

  it('runs the template commands from the full bundle when the small one is missing', () => {
    renameSync(bundle, `${bundle}.away`);
    try {
      const r = spawnSync(process.execPath, [join(copy, 'bin/kiln.cjs'), 'validate', 'tpl'], {
        cwd: copy,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, KILN_NO_REBUILD: '1' },
      });
      expect(r.stdout).toContain('The configuration is valid.');
      expect(r.status).toBe(0);
    } finally {
      renameSync(`${bundle}.away`, bundle);
    }
  });

  it('leaves a good cache alone when run under other V8 flags', () => {
    const before = readFileSync(cache);
    const r = spawnSync(process.execPath, ['--no-opt', join(copy, 'bin/kiln.cjs'), 'validate', 'tpl'], {
      cwd: copy,
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(r.stdout).toContain('The configuration is valid.');
    expect(readFileSync(cache).equals(before)).toBe(true);
  });

  it('does not rebuild while no source changed, and rebuilds when one did', () => {
    const built = statSync(bundle).mtimeMs;
    expect(kiln('validate', 'tpl').stdout).toContain('The configuration is valid.');
    expect(statSync(bundle).mtimeMs).toBe(built);

    // A source the CLI is built from changes: the next run is built from it.
    writeFileSync(
      versionFile,
      readFileSync(versionFile, 'utf8').replace(/KILN_VERSION = '[^']*'/, "KILN_VERSION = '9.8.7'"),
    );
    expect(kiln('version').stdout).toMatch(/^Kiln v9\.8\.7 /);
    expect(statSync(bundle).mtimeMs).not.toBe(built);
  });

  it('ignores a source the CLI does not use', () => {
    const built = statSync(bundle).mtimeMs;
    const unused = join(copy, 'electron/not-in-the-cli.ts');
    writeFileSync(unused, 'export const x = 1;\n');
    expect(kiln('version').status).toBe(0);
    expect(statSync(bundle).mtimeMs).toBe(built);
  });

  it('runs right with a damaged or stale code cache, and writes a good one back', () => {
    const { size, mtimeMs } = statSync(bundle);
    const key = `${process.version} ${process.arch} ${size} ${mtimeMs}\n`;
    // V8 rejects data that is not a code cache; the run still works and leaves a valid cache behind.
    writeFileSync(cache, Buffer.concat([Buffer.from(key, 'latin1'), Buffer.alloc(4096, 7)]));
    expect(kiln('validate', 'tpl').stdout).toContain('The configuration is valid.');
    expect(readFileSync(cache).length).toBeGreaterThan(100_000);
    // A cache of another bundle is not even offered to V8.
    writeFileSync(cache, 'v0.0.0 x 1 1\nnot a cache');
    expect(kiln('version').status).toBe(0);
    expect(readFileSync(cache, 'latin1').startsWith(key)).toBe(true);
    rmSync(cache);
    expect(kiln('validate', 'tpl').status).toBe(0);
    expect(existsSync(cache)).toBe(true);
  });
});
