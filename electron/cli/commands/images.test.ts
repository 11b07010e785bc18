/** `kiln images` against a SimpleStreams mirror folder: the table, fetch's keys and cache, and bad input. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMirror, type Mirror } from '../../engine/testing/simplestreams-mirror';
import { captureIo } from '../capture-io';
import { main } from '../main';

let tmp: string;
let mirror: Mirror;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'kiln-images-cli-'));
  mirror = writeMirror(join(tmp, 'mirror'), 4096);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function kiln(...args: string[]) {
  const io = captureIo({ cwd: tmp, env: { PACKER_CACHE_DIR: join(tmp, 'cache') } });
  const code = await main(['images', ...args], io);
  return { code, ...io.out };
}

describe('kiln images', () => {
  it('lists the newest image of each release as a table', async () => {
    const r = await kiln('list', '--stream', 'mirror');
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'RELEASE  VERSION    ARCH   SERIAL    LABEL    SIZE',
        'noble    24.04 LTS  amd64  20240423  release  4.0 KiB',
        'jammy    22.04 LTS  amd64  20240301  release  4.0 KiB',
        'focal    20.04 LTS  amd64  20230117  release  4.0 KiB  unsupported',
        '',
      ].join('\n'),
    });
    const all = await kiln(
      'list',
      '--stream',
      'mirror',
      '--arch',
      'all',
      '--all-versions',
      '--json',
      'jammy',
    );
    expect(
      JSON.parse(all.stdout).images.map((i: { arch: string; serial: string }) => `${i.arch} ${i.serial}`),
    ).toEqual(['amd64 20240301', 'amd64 20240126', 'arm64 20240301', 'arm64 20240126']);
  });

  it('fetches a release into the cache and prints the keys a template names it by', async () => {
    const path = 'server/releases/jammy/release-20240126/ubuntu-22.04-server-cloudimg-amd64.img';
    const r = await kiln('fetch', '--stream', 'mirror', '--serial', '20240126', '22.04');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `iso_url      = "${join(mirror.root, path)}"\niso_checksum = "sha256:${mirror.images.get(path)?.sha256}"\n`,
    );
    expect(r.stderr).toContain(
      `In a local mirror, read in place by builds; sha256 verified: ${join(mirror.root, path)}\n`,
    );
    expect(existsSync(join(tmp, 'cache'))).toBe(false);
  });

  it('says what is wrong, with the usage for bad flags', async () => {
    expect(await kiln('fetch', '--stream', 'mirror', 'oracular')).toEqual({
      code: 1,
      stdout: '',
      stderr: `kiln images: no oracular amd64 disk1.img image in file://${mirror.root}/\n`,
    });
    const noSerial = await kiln('fetch', '--stream', 'mirror', '--serial', '1999', 'noble');
    expect(noSerial).toMatchObject({
      code: 1,
      stderr: 'kiln images fetch: noble has no serial 1999 (it has: 20240423)\n',
    });
    const bad = await kiln('get', 'noble');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^kiln images: unknown subcommand: get\n\nUsage: kiln images list/);
    expect((await kiln('fetch')).stderr).toMatch(/^kiln images: fetch needs a RELEASE/);
    const missing = await kiln('list', '--stream', join(tmp, 'none'));
    expect(missing).toEqual({
      code: 1,
      stdout: '',
      stderr: `kiln images: ${join(tmp, 'none')}/streams/v1/index.json: no such file (is this a SimpleStreams mirror?)\n`,
    });
  });

  it('is listed in kiln --help', async () => {
    const io = captureIo({ cwd: tmp });
    await main(['--help'], io);
    expect(io.out.stdout + io.out.stderr).toMatch(
      /images\s+Lists and fetches Ubuntu cloud images to build from/,
    );
  });
});
