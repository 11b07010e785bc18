/**
 * `kiln maas` end to end against the fake region: exit codes, what is printed where, the profile file.
 * Most run the command in-process through `main()` with captured streams; the last ones run the bundled
 * CLI as a real process (exit status, no stack trace, memory of a large upload).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { build } from 'esbuild';
// @ts-expect-error: a plain .mjs build script, without type declarations
import { nodeBundleOptions } from '../../../scripts/build.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeRegion, type FakeRegion } from '../../engine/maas/fake-region/index';
import { storedFileProblems } from '../../engine/maas/fake-region/testing';
import type { CliIo } from '../io';
import { main } from '../main';
import { UploadProgressPrinter, renderLine } from './maas-progress';
import { MAAS_FILETYPES } from '../../engine/maas/types';
import { MAAS_IMAGE_EXTENSIONS } from '../../engine/template/schema/components/pp-maas-image';
import { filetypeFromName } from './maas';

const repoRoot = path.resolve(__dirname, '../../..');
let region: FakeRegion;
let tmp: string;
let image: string;
let imageData: Buffer;

beforeAll(async () => {
  region = await startFakeRegion();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-maas-cli-'));
  // A root tarball the readiness check passes (GNU tar, as packer-maas makes them), 9 MiB of it
  // incompressible so that the upload takes several chunks.
  const root = path.join(tmp, 'root');
  const tree: Record<string, string | Buffer> = {
    'etc/os-release':
      'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\nPRETTY_NAME="Ubuntu 24.04 LTS"\n',
    'etc/machine-id': '',
    'etc/shadow': 'root:*:19000:0:99999:7:::\n',
    'etc/cloud/cloud.cfg': 'datasource_list: [MAAS]\n',
    'usr/bin/cloud-init': '#!/usr/bin/python3\n',
    'usr/sbin/netplan': '#!/usr/bin/python3\n',
    'opt/payload': randomBytes(9 * 1024 * 1024 + 99),
  };
  for (const [rel, content] of Object.entries(tree)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content, { mode: 0o755 });
  }
  image = path.join(tmp, 'custom-cloudimg.tar.gz');
  execFileSync('tar', ['-czf', image, '--numeric-owner', '-C', root, '.']);
  imageData = fs.readFileSync(image);
});
afterAll(async () => {
  await region.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function kiln(
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    stdin?: string;
    config?: string;
    signal?: AbortSignal;
    tty?: boolean;
  } = {},
): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => void (stdout += t), isTTY: false },
    stderr: { write: (t: string) => void (stderr += t), isTTY: options.tty ?? false },
    stdin: Readable.from([Buffer.from(options.stdin ?? '')]),
    env: { XDG_CONFIG_HOME: options.config ?? path.join(tmp, 'config'), ...options.env },
    cwd: tmp,
    signal: options.signal ?? new AbortController().signal,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const profileFile = (config = path.join(tmp, 'config')) => path.join(config, 'kiln', 'maas-profiles.json');
const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);

describe('kiln maas login / profiles / logout', () => {
  const config = () => path.join(tmp, 'login-config');

  it('refuses a malformed key without contacting the region', async () => {
    const before = region.requests.length;
    const r = await kiln(['maas', 'login', 'lab', region.url, 'not-a-key'], { config: config() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^kiln maas login: a MAAS API key has three parts separated by colons/);
    expect(region.requests.length).toBe(before);
    expect(fs.existsSync(profileFile(config()))).toBe(false);
  });

  it('a key MAAS rejects: its message, exit 1, nothing saved', async () => {
    const r = await kiln(['maas', 'login', 'lab', region.url, 'aaa:bbb:ccc'], { config: config() });
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe(
      'kiln maas login: MAAS rejected the API key (401): Authorization Error: Invalid API key.\n',
    );
    expect(fs.existsSync(profileFile(config()))).toBe(false);
  });

  it('a region that is not there: says so', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = await kiln(['maas', 'login', 'lab', `http://127.0.0.1:${port}/MAAS`, region.apiKey], {
      config: config(),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^kiln maas login: cannot reach the region: GET http:\/\/127\.0\.0\.1:\d+\/MAAS\/api\/2\.0\/version\/: connection refused/,
    );
  });

  it('tests the connection and saves the profile, mode 600; the key can come from stdin', async () => {
    const r = await kiln(['maas', 'login', 'lab', `${region.url}/`, region.apiKey], { config: config() });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `Saved profile "lab": ${region.url} (MAAS 3.7.1-16397-g.3fa3b0b1c, user admin, administrator), the default profile.\n`,
    );
    expect(fs.statSync(profileFile(config())).mode & 0o777).toBe(0o600);
    const viaStdin = await kiln(['maas', 'login', 'user', region.url, '-'], {
      config: config(),
      stdin: `${region.userApiKey}\n`,
    });
    expect(viaStdin.code).toBe(0);
    expect(viaStdin.stderr).toBe(
      'Warning: user is not a MAAS administrator; MAAS lets only administrators upload and delete boot resources.\n',
    );
    const listed = await kiln(['maas', 'profiles'], { config: config() });
    expect(listed.stdout).toMatch(
      /^PROFILE\s+URL\s+DEFAULT\nlab\s+http:\/\/127\.0\.0\.1:\d+\/MAAS\s+yes\nuser\s+http/,
    );
    expect(
      JSON.parse((await kiln(['maas', 'profiles', '--json'], { config: config() })).stdout),
    ).toHaveLength(2);
    expect((await kiln(['maas', 'logout', 'user'], { config: config() })).stdout).toBe(
      'Removed profile "user".\n',
    );
    expect(await kiln(['maas', 'logout', 'user'], { config: config() })).toMatchObject({
      code: 1,
      stderr: 'kiln maas logout: no profile "user"\n',
    });
  });
});

describe('kiln maas upload / list / delete', () => {
  const env = () => ({ KILN_MAAS_URL: region.url, KILN_MAAS_API_KEY: region.apiKey });

  it('uploads with plain progress lines on a non-terminal, and says what MAAS holds', async () => {
    const r = await kiln(
      [
        'maas',
        'upload',
        '--name',
        'custom/cloudimg',
        '--architecture',
        'amd64/generic',
        '--title',
        'Cloud image',
        'custom-cloudimg.tar.gz',
      ],
      { env: env() },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `Uploading custom-cloudimg.tar.gz to ${region.url} (KILN_MAAS_URL/KILN_MAAS_API_KEY) as custom/cloudimg, amd64/generic, filetype tgz (from the file name)\n`,
    );
    expect(r.stderr).toMatch(/^Hashing {3}100% {2}9\.0 MiB \/ 9\.0 MiB /m);
    expect(r.stderr).toMatch(/^Created boot resource \d+ \(set \d{8}\)$/m);
    expect(r.stderr).toMatch(/^Uploading 100% {2}9\.0 MiB \/ 9\.0 MiB /m);
    expect(r.stderr).toMatch(/^Complete {2}9\.0 MiB$/m);
    expect(r.stderr).not.toContain('\r');
    expect(r.stdout).toMatch(
      /^Uploaded boot resource \d+ \(cloudimg, amd64\/generic\), set \d{8}, 9\.0 MiB, sha256 [0-9a-f]{64}\. MAAS reports the file complete\. /,
    );
    const file = region.files().at(-1);
    expect(await storedFileProblems(region, file?.id as number, imageData)).toEqual([]);
  });

  it('running it again finds the file there; --json reports the result', async () => {
    const r = await kiln(
      [
        'maas',
        'upload',
        '--json',
        '--name',
        'custom/cloudimg',
        '--architecture',
        'amd64/generic',
        '--title',
        'Cloud image',
        image,
      ],
      { env: env() },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      skipped: true,
      complete: true,
      size: imageData.length,
      url: region.url,
    });
  });

  it('lists uploaded resources as a table, or JSON; --all adds the synced ones', async () => {
    const table = await kiln(['maas', 'list'], { env: env() });
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+ARCHITECTURE\s+TITLE\s+BASE IMAGE\s+SIZE\s+STATUS\s+SET$/);
    expect(lines[1]).toMatch(
      /^\d+\s+cloudimg\s+amd64\/generic\s+Cloud image\s+ubuntu\/jammy\s+9\.0 MiB\s+complete\s+\d{8}$/,
    );
    const json = JSON.parse((await kiln(['maas', 'list', '--json'], { env: env() })).stdout) as Array<{
      name: string;
      sets: object;
    }>;
    expect(json.map((r) => r.name)).toEqual(['cloudimg']);
    expect(json[0].sets).toBeDefined();
    const all = await kiln(['maas', 'list', '--all'], { env: env() });
    expect(all.stdout).toMatch(/^\d+\s+Synced\s+ubuntu\/jammy\s+amd64\/ga-22\.04/m);
  });

  it("MAAS's refusals end the command with its words and exit 1, never a stack trace", async () => {
    const arch = await kiln(
      ['maas', 'upload', '--name', 'custom/x', '--architecture', 'ppc64el/generic', image],
      { env: env() },
    );
    expect(arch.code).toBe(1);
    expect(arch.stderr).toContain(
      "kiln maas upload: MAAS refused it (400 Bad Request):\n  architecture: 'ppc64el/generic' is not a valid architecture.  It should be one of: 'amd64/generic'.\n",
    );
    noStack(arch.stderr);
    const name = await kiln(
      [
        'maas',
        'upload',
        '--skip-readiness-check',
        '--name',
        'ubuntu/noble',
        '--architecture',
        'amd64/generic',
        image,
      ],
      { env: env() },
    );
    expect(name.stderr).toContain('  name: ubuntu/noble is a reserved name\n');
    const key = await kiln([
      'maas',
      'upload',
      '--url',
      region.url,
      '--api-key',
      'x:y:z',
      '--name',
      'custom/x',
      '--architecture',
      'amd64/generic',
      image,
    ]);
    expect(key.code).toBe(1);
    expect(key.stderr).toContain(
      'kiln maas upload: MAAS rejected the API key (401): Authorization Error: Invalid API key.\n',
    );
    region.faults.inject({ kind: 'corrupt' });
    const corrupt = await kiln(
      ['maas', 'upload', '--no-resume', '--name', 'custom/bad', '--architecture', 'amd64/generic', image],
      { env: env() },
    );
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toMatch(
      /kiln maas upload: MAAS answered 400 Bad Request to PUT \/MAAS\/api\/2\.0\/boot-resources\/\d+\/upload\/\d+\/: Saved content does not match given SHA256 value\.\n$/,
    );
    noStack(corrupt.stderr);
  });

  it('usage mistakes: exit 1 with the reason and the usage', async () => {
    const missing = await kiln(['maas', 'upload', '--architecture', 'amd64/generic', image], { env: env() });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^kiln maas upload: --name is required \(e\.g\. --name custom\/ubuntu-noble\)\n\nUsage: kiln maas/,
    );
    const filetype = await kiln(
      ['maas', 'upload', '--name', 'x', '--architecture', 'a', '--filetype', 'iso', image],
      { env: env() },
    );
    expect(filetype.stderr).toMatch(/--filetype "iso" is not one of tgz, tbz/);
    const chunk = await kiln(
      ['maas', 'upload', '--name', 'x', '--architecture', 'a', '--chunk-size', '16MiB', image],
      { env: env() },
    );
    expect(chunk.stderr).toMatch(/--chunk-size must be between 64 KiB and 8 MiB/);
    const unknown = await kiln(['maas', 'frobnicate']);
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.stderr).toMatch(/^kiln maas: unknown subcommand "frobnicate"/);
    const nothing = await kiln(['maas', 'list'], { config: path.join(tmp, 'empty-config') });
    expect(nothing.stderr).toMatch(/no MAAS region given: run "kiln maas login PROFILE URL API_KEY" once/);
    expect((await kiln(['maas', '--help'])).code).toBe(0);
  });

  it("delete: by ID, by name; MAAS's answer for an ID it does not have", async () => {
    const absent = await kiln(['maas', 'delete', '9999'], { env: env() });
    expect(absent).toMatchObject({ code: 1 });
    expect(absent.stderr).toBe(
      'kiln maas delete: MAAS answered 500 Internal Server Error to DELETE /MAAS/api/2.0/boot-resources/9999/: BootResource matching query does not exist.\n',
    );
    const byName = await kiln(['maas', 'delete', 'custom/cloudimg', '--architecture', 'amd64/generic'], {
      env: env(),
    });
    expect(byName.code).toBe(0);
    expect(byName.stdout).toMatch(/^Deleted boot resource \d+ \(cloudimg, amd64\/generic\)\.\n$/);
    expect((await kiln(['maas', 'delete', 'cloudimg'], { env: env() })).stderr).toBe(
      'kiln maas delete: no uploaded boot resource named "cloudimg"\n',
    );
    const bad = region.resources().find((r) => r.name === 'bad');
    expect((await kiln(['maas', 'delete', String(bad?.id)], { env: env() })).stdout).toBe(
      `Deleted boot resource ${bad?.id}.\n`,
    );
  });

  it('Ctrl-C: exit 130, and the next run continues the upload', { timeout: 60_000 }, async () => {
    const controller = new AbortController();
    region.faults.inject({ kind: 'slow', delayMs: 1_000, match: { nth: 2 } });
    // Ctrl-C once the region holds the first chunk (the second is then at work there).
    const before = new Set(region.files().map((f) => f.id));
    const watch = setInterval(() => {
      const held = region.files().find((f) => !before.has(f.id));
      if (held && held.bytes >= 1024 * 1024) {
        clearInterval(watch);
        controller.abort(new Error('interrupted by SIGINT'));
      }
    }, 5);
    const args = [
      'maas',
      'upload',
      '--chunk-size',
      '1MiB',
      '--name',
      'custom/resumable',
      '--architecture',
      'amd64/generic',
      image,
    ];
    const r = await kiln(args, { env: env(), signal: controller.signal });
    clearInterval(watch);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(
      /kiln maas upload: interrupted\. What the region received stays there: run the same command again to continue the upload\.\n$/,
    );
    const again = await kiln(args, { env: env() });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(
      /^Resuming the unfinished upload to boot resource \d+ \(set \d{8}\) at [\d.]+ MiB$/m,
    );
    expect(again.stdout).toMatch(/, resumed at [\d.]+ MiB/);
    expect(await storedFileProblems(region, region.files().at(-1)?.id as number, imageData)).toEqual([]);
  });
});

describe('progress display', () => {
  it('on a terminal: one line redrawn in place, a bar, then a newline', () => {
    let out = '';
    let t = 0;
    const printer = new UploadProgressPrinter(
      { write: (s) => void (out += s), isTTY: true, columns: 100 },
      { now: () => t },
    );
    printer.update({ phase: 'uploading', bytes: 0, total: 100 * 1024 * 1024, rate: 0 });
    t = 50;
    printer.update({ phase: 'uploading', bytes: 10 * 1024 * 1024, total: 100 * 1024 * 1024, rate: 1 });
    t = 200;
    printer.update({
      phase: 'uploading',
      bytes: 50 * 1024 * 1024,
      total: 100 * 1024 * 1024,
      rate: 300 * 1024 * 1024,
      etaSeconds: 0.17,
    });
    printer.event({ kind: 'retry', reason: 'the connection was reset', attempt: 1, delayMs: 500, offset: 0 });
    printer.finish();
    const frames = out.split('\r\x1b[2K').filter(Boolean);
    expect(frames[0]).toMatch(/^Uploading {3}0% \[ +\] 0 B \/ 100 MiB {2}0 B\/s {2}ETA --:--$/);
    expect(frames[1]).toBe(
      'Uploading  50% [===================>                    ] 50.0 MiB / 100 MiB  300 MiB/s  ETA 0:00',
    );
    expect(frames[2]).toBe('Retrying in 0.5 s (attempt 1): the connection was reset\n');
    expect(frames[3]).toBe(`${frames[1]}\n`);
    expect(frames.every((f) => f.replace('\n', '').length <= 99)).toBe(true);
  });

  it('elsewhere: a line per phase, at 100%, and every interval between', () => {
    let out = '';
    let t = 0;
    const printer = new UploadProgressPrinter(
      { write: (s) => void (out += s) },
      { now: () => t, intervalMs: 1000 },
    );
    for (let i = 0; i <= 20; i++) {
      t = i * 200;
      printer.update({
        phase: 'uploading',
        bytes: i * 5,
        total: 100,
        rate: 25,
        etaSeconds: (100 - i * 5) / 25,
      });
    }
    printer.update({ phase: 'uploading', bytes: 100, total: 100, rate: 25 });
    printer.update({ phase: 'complete', bytes: 100, total: 100, rate: 0 });
    expect(
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(0, 14)),
    ).toEqual([
      'Uploading   0%',
      'Uploading  25%',
      'Uploading  50%',
      'Uploading  75%',
      'Uploading 100%',
      'Complete  100 ',
    ]);
    expect(
      renderLine({
        phase: 'hashing',
        bytes: 1536,
        total: 3 * 1024 ** 3,
        rate: 2 * 1024 ** 2,
        etaSeconds: 3700,
      }),
    ).toBe('Hashing     0%  1.5 KiB / 3.0 GiB  2.0 MiB/s  ETA 1:01:40');
  });

  it('guesses the file type only from clear extensions', () => {
    expect(filetypeFromName('custom-cloudimg.tar.gz')).toBe('tgz');
    expect(filetypeFromName('/x/custom-ubuntu-lvm.dd.gz')).toBe('ddgz');
    expect(filetypeFromName('vmware-esxi.dd.gz')).toBe('ddgz');
    expect(filetypeFromName('win.img')).toBe('ddraw');
    expect(filetypeFromName('root.dd.tar.xz')).toBe('ddtxz');
    expect(filetypeFromName('rocky.tar.xz')).toBe('txz');
    expect(filetypeFromName('image.qcow2')).toBeUndefined();
  });

  it("infers every MAAS filetype from its own extension and from the maas-image post-processor's", () => {
    const own = Object.fromEntries(MAAS_FILETYPES.map((t) => [t, filetypeFromName(`img.${t}`)]));
    expect(own).toEqual(Object.fromEntries(MAAS_FILETYPES.map((t) => [t, t])));
    const written = Object.fromEntries(
      MAAS_FILETYPES.map((t) => [t, filetypeFromName(`build${MAAS_IMAGE_EXTENSIONS[t]}`)]),
    );
    expect(written).toEqual(Object.fromEntries(MAAS_FILETYPES.map((t) => [t, t])));
    const cases: Record<string, string | undefined> = {
      'IMG.DDGZ': 'ddgz',
      'a.dd.tgz': 'ddtgz',
      'a.img.tar.gz': 'ddtgz',
      'a.raw.tbz2': 'ddtbz',
      'a.ddtbz2': 'ddtbz',
      'a.img.txz': 'ddtxz',
      'a.img.tar': 'ddtar',
      'a.img.xz': 'ddxz',
      'a.raw.bz2': 'ddbz2',
      'a.raw': 'ddraw',
      'a.tbz2': 'tbz',
      'a.tar.bz2': 'tbz',
      'a.txz': 'txz',
      'a.tgz': 'tgz',
      'a.tar': undefined,
      'a.gz': undefined,
      'a.iso': undefined,
      '.tgz': undefined,
      ddgz: undefined,
    };
    expect(Object.fromEntries(Object.keys(cases).map((n) => [n, filetypeFromName(n)]))).toEqual(cases);
  });
});

describe('kiln maas upload runs the readiness check first', () => {
  const env = () => ({ KILN_MAAS_URL: region.url, KILN_MAAS_API_KEY: region.apiKey });
  const upload = (name: string, file: string, ...extra: string[]) =>
    kiln(['maas', 'upload', ...extra, '--name', name, '--architecture', 'amd64/generic', file], {
      env: env(),
    });

  it('refuses gzip data that is no MAAS image, with the findings kiln maas check prints, sending nothing', async () => {
    const bogus = path.join(tmp, 'img.ddgz');
    execFileSync('sh', ['-c', `head -c 200000 /dev/urandom | gzip -c > ${JSON.stringify(bogus)}`]);
    const check = await kiln(['maas', 'check', '--filetype', 'ddgz', '--name', 'custom/foo', bogus]);
    expect(check.code).toBe(1);
    const requests = region.requests.length;
    const resources = region.resources().length;
    for (const extra of [[], ['--filetype', 'tgz']]) {
      const r = await upload('custom/foo', 'img.ddgz', ...extra);
      expect(r).toMatchObject({ code: 1, stdout: '' });
      const filetype = extra.length ? 'tgz' : 'ddgz';
      const report = (await kiln(['maas', 'check', '--filetype', filetype, '--name', 'custom/foo', bogus]))
        .stdout;
      expect(r.stderr).toBe(
        `Checking ${bogus} before the upload (--skip-readiness-check skips this)...\n${report}` +
          `kiln maas upload: img.ddgz is not ready for MAAS (filetype); nothing was sent to ${region.url}. Fix it, or pass --skip-readiness-check to upload it anyway.\n`,
      );
      expect(r.stderr).toContain(
        `ERROR [filetype]: ${bogus} is neither a tarball nor a disk image (gzip data that is neither)\n`,
      );
    }
    expect(region.requests.length).toBe(requests);
    expect(region.resources().length).toBe(resources);

    const forced = await upload('custom/foo', 'img.ddgz', '--skip-readiness-check');
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/^Skipping the readiness check \(--skip-readiness-check\)\.\n/);
    expect(forced.stderr).toContain('as custom/foo, amd64/generic, filetype ddgz (from the file name)\n');
    expect(region.resources().find((r) => r.name === 'foo')).toBeDefined();
  });

  it("refuses a build's qcow2 disk, which kiln maas check only notes", async () => {
    const qcow2 = path.join(tmp, 'build.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', qcow2, '4M']);
    const requests = region.requests.length;
    const r = await upload('custom/built', qcow2);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `ERROR [filetype]: this is a build's disk (qcow2 disk), not a tgz artifact\n    fix: make the artifact with kiln maas image --filetype tgz build.qcow2 OUTPUT, then upload OUTPUT\n`,
    );
    expect(region.requests.length).toBe(requests);
  });

  it('a clean root tarball passes, its findings printed before the upload, and --json carries them', async () => {
    const r = await upload('custom/checked', image, '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${image}: gzip-compressed root file system tarball, `);
    expect(r.stderr).toContain('\nReady for MAAS.\nUploading ');
    expect(JSON.parse(r.stdout).readiness).toMatchObject({ kind: 'rootfs-tarball', ready: true });
  });
});

describe('the kiln process', () => {
  let runner: string;
  beforeAll(async () => {
    const bundle = path.join(tmp, 'cli.cjs');
    await build({
      ...nodeBundleOptions(path.join(repoRoot, 'electron/cli/main.ts'), bundle),
      logLevel: 'error',
    });
    runner = path.join(tmp, 'kiln.cjs');
    // What bin/kiln.mjs does with the bundle, plus the peak memory written where KILN_TEST_RSS says.
    fs.writeFileSync(
      runner,
      `const fs = require('fs');
process.on('exit', () => { if (process.env.KILN_TEST_RSS) fs.writeFileSync(process.env.KILN_TEST_RSS, String(process.resourceUsage().maxRSS)); });
require(${JSON.stringify(bundle)}).main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err) => { console.error(err); process.exitCode = 1; });
`,
    );
  }, 60_000);

  function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [runner, ...args], {
        env: { PATH: process.env.PATH, XDG_CONFIG_HOME: path.join(tmp, 'proc-config'), ...env },
        cwd: tmp,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  it('exits 0 on success and 1 on a refusal, with no stack trace', async () => {
    const env = { KILN_MAAS_URL: region.url, KILN_MAAS_API_KEY: region.apiKey };
    const ok = await run(
      ['maas', 'upload', '--name', 'custom/proc', '--architecture', 'amd64/generic', image],
      env,
    );
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^Uploaded boot resource/);
    const bad = await run(
      ['maas', 'upload', '--name', 'custom/proc', '--architecture', 'nope/generic', image],
      env,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("architecture: 'nope/generic' is not a valid architecture.");
    noStack(bad.stderr);
  });

  it('keeps its memory flat: a 256 MiB upload peaks far below 200 MB', async () => {
    const big = path.join(tmp, 'big.dd.gz');
    const handle = fs.openSync(big, 'w');
    // Not sparse, not all zeros: real bytes on disk, a random block repeated.
    const block = randomBytes(8 * 1024 * 1024);
    for (let i = 0; i < 32; i++) {
      block.writeUInt32LE(i, 0);
      fs.writeSync(handle, block);
    }
    fs.closeSync(handle);
    const rssFile = path.join(tmp, 'rss');
    const r = await run(
      [
        'maas',
        'upload',
        '--skip-readiness-check',
        '--name',
        'custom/big',
        '--architecture',
        'amd64/generic',
        '--chunk-size',
        '8MiB',
        big,
      ],
      {
        KILN_MAAS_URL: region.url,
        KILN_MAAS_API_KEY: region.apiKey,
        KILN_TEST_RSS: rssFile,
      },
    );
    fs.rmSync(big);
    expect(r.code).toBe(0);
    const peakMB = (Number(fs.readFileSync(rssFile, 'utf8')) * 1024) / 1e6;
    expect(peakMB).toBeGreaterThan(10);
    expect(peakMB).toBeLessThan(200);
  }, 120_000);
});
