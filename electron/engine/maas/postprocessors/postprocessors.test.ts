/**
 * The maas-image and maas-upload post-processors in a real build session: the file builder hands over a
 * disk (made with mkfs.ext4/sgdisk/qemu-img), maas-image makes the tarball or dd image, maas-upload sends
 * it to the fake MAAS region, which must end up holding exactly the file's bytes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildSession, type BuildResult } from '../../build/session';
import type { BuildEvent } from '../../build/events';
import { planBuild, substituteFields, type BuildSpec } from '../../testing/plans';
import { startFakeRegion, type FakeRegion } from '../fake-region';
import { makeDisk, makeExt4, removeDir, tempDir } from '../testing/fixtures';
import { missingTools, run } from '../testing/tools';

const missing = missingTools('mkfs.ext4', 'sgdisk', 'qemu-img', 'tar');

async function build(spec: BuildSpec, cwd: string): Promise<{ result: BuildResult; log: string }> {
  const session = new BuildSession([planBuild(spec, { render: substituteFields, cwd })], {
    debug: false,
    force: true,
    onError: 'cleanup',
    parallel: 1,
    cwd,
    canAnswer: false,
  });
  let log = '';
  session.subscribe((event: BuildEvent) => {
    if (event.type === 'log') log += `${event.text}\n`;
  });
  const { results } = await session.run();
  return { result: results[0], log };
}

describe.skipIf(missing)(
  `maas-image and maas-upload post-processors ${missing ? `(skipped: ${missing})` : ''}`,
  () => {
    let dir: string;
    let region: FakeRegion;

    beforeAll(async () => {
      dir = tempDir('pp-maas');
      const tree = path.join(dir, 'tree');
      for (const d of ['etc/cloud', 'usr/bin', 'usr/sbin', 'var/log'])
        mkdirSync(path.join(tree, d), { recursive: true });
      writeFileSync(
        path.join(tree, 'etc/os-release'),
        'ID=ubuntu\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\nPRETTY_NAME="Ubuntu 24.04 LTS"\n',
      );
      writeFileSync(path.join(tree, 'etc/machine-id'), 'ffffffffffffffffffffffffffffffff\n');
      writeFileSync(path.join(tree, 'etc/cloud/cloud.cfg'), 'x: 1\n');
      writeFileSync(path.join(tree, 'usr/bin/cloud-init'), '#!/usr/bin/python3\n', { mode: 0o755 });
      writeFileSync(path.join(tree, 'usr/sbin/netplan'), '#!/usr/bin/python3\n', { mode: 0o755 });
      makeDisk(makeExt4(tree, path.join(dir, 'root.img'), { sizeMiB: 16 }), dir, {
        table: 'gpt',
        format: 'qcow2',
      });
      mkdirSync(path.join(dir, 'curtin'));
      writeFileSync(path.join(dir, 'curtin/curtin-hooks'), '#!/bin/sh\n', { mode: 0o750 });
      region = await startFakeRegion();
    });
    afterAll(async () => {
      await region?.close();
      removeDir(dir);
    });

    const disk = (): BuildSpec['builder'] => ({
      type: 'file',
      config: { source: 'disk.qcow2', target: 'output-noble/packer-noble' },
    });

    it('maas-image makes the tarball; maas-upload uploads it, checked, with the filetype and hash it was given', async () => {
      const { result, log } = await build(
        {
          name: 'noble',
          builder: disk(),
          postProcessors: [
            [
              {
                type: 'maas-image',
                config: { filetype: 'tgz', output: 'out/{{.BuildName}}.tar.gz', curtin_hooks: 'curtin' },
              },
              {
                type: 'maas-upload',
                config: {
                  url: region.url,
                  api_key: region.apiKey,
                  image_name: 'custom/kiln-noble',
                  title: 'Noble',
                  base_image: 'ubuntu/noble',
                },
              },
            ],
          ],
        },
        dir,
      );
      expect(result.error).toBeUndefined();
      expect(result.status).toBe('succeeded');
      expect(log).toMatch(/Making MAAS tgz image out\/noble\.tar\.gz from output-noble\/packer-noble/);
      expect(log).toMatch(/Readiness check: nothing MAAS or curtin would trip on/);
      expect(log).toMatch(/Uploaded custom\/kiln-noble: resource \d+/);
      expect(log).not.toContain(region.apiKey.split(':')[2]);
      const tarball = readFileSync(path.join(dir, 'out/noble.tar.gz'));
      expect(run('tar', ['-tzf', path.join(dir, 'out/noble.tar.gz')])).toContain('./curtin/curtin-hooks');
      const resource = region.resources().find((r) => r.name === 'kiln-noble') as Record<string, unknown>;
      const file = region.files().find((f) => f.resourceId === resource.id) as { id: number; sha256: string };
      expect(file.sha256).toBe(createHash('sha256').update(tarball).digest('hex'));
      expect((await region.readFile(file.id)).equals(tarball)).toBe(true);
      expect(resource).toMatchObject({
        name: 'kiln-noble',
        architecture: 'amd64/generic',
        base_image: 'ubuntu/noble',
      });
      expect(result.artifacts.map((a) => a.description)).toContain(
        `MAAS boot resource custom/kiln-noble (amd64/generic, id ${resource.id as number}) on ${region.url}`,
      );
    });

    it('maas-upload refuses an image the readiness check fails, and names what to fix', async () => {
      const { result, log } = await build(
        {
          name: 'wrong',
          builder: disk(),
          postProcessors: [
            [
              { type: 'maas-image', config: { filetype: 'ddgz', output: 'out/disk.dd.gz' } },
              {
                type: 'maas-upload',
                config: {
                  url: region.url,
                  api_key: region.apiKey,
                  image_name: 'custom/dd',
                  filetype: 'ddtgz',
                },
              },
            ],
          ],
        },
        dir,
      );
      expect(result.status).toBe('failed');
      expect(result.error).toMatch(/not ready for MAAS \(filetype, machine-id, curtin-dd\)/);
      expect(log).toMatch(
        /Error \[filetype\]: the file is a gzip-compressed disk image, but the filetype is ddtgz.*Fix: upload it as filetype ddgz/,
      );
      expect(log).toMatch(/Readiness check: .*problem/);
      expect(region.resources().map((r) => r.name)).not.toContain('dd');
    });

    it('maas-upload on its own finds the filetype from the content', async () => {
      run('sh', ['-c', `cd ${dir} && mkdir -p plain && tar -C tree -czf plain/root.tgz .`]);
      const { result, log } = await build(
        {
          name: 'plain',
          builder: { type: 'file', config: { source: 'plain/root.tgz', target: 'plain/copy.tgz' } },
          postProcessors: [
            [
              {
                type: 'maas-upload',
                config: {
                  url: region.url,
                  api_key: region.apiKey,
                  image_name: 'custom/plain',
                  skip_readiness_check: true,
                },
              },
            ],
          ],
        },
        dir,
      );
      expect(result.error).toBeUndefined();
      expect(log).toMatch(/The file is a tgz image/);
    });

    it('maas-image says which files it looked at when the artifact has no disk', async () => {
      const { result } = await build(
        {
          name: 'nodisk',
          builder: { type: 'file', config: { content: 'hello\n', target: 'hello.txt' } },
          postProcessors: [[{ type: 'maas-image', config: {} }]],
        },
        dir,
      );
      expect(result.error).toMatch(
        /maas-image needs a disk image in the artifact; its files are: hello\.txt/,
      );
    });
  },
);
