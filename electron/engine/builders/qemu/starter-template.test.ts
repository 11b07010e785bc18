/**
 * templates/ubuntu-cloudimg-maas as a plan, without a VM: the MAAS tarball is always made, the upload
 * only when maas_profile names a region, and the upload's settings come from the variables. (The
 * build itself, against the test guest, is in qemu.integration.test.ts.)
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeHost } from '../../node-host';
import { loadTemplate } from '../../template/load';

const template = resolve(__dirname, '../../../../templates/ubuntu-cloudimg-maas');
const runtime = {
  buildName: 'cloudimg.qemu.cloudimg',
  buildBlockName: 'cloudimg',
  builderType: 'qemu',
  sourceName: 'cloudimg',
};

function plan(vars: Array<[string, string]>) {
  const host = nodeHost({ cwd: template, env: {} });
  const loaded = loadTemplate(template, { vars, varFiles: [] }, host);
  expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(loaded.builds.map((b) => b.name)).toEqual(['cloudimg.qemu.cloudimg']);
  return loaded.builds[0];
}

describe('the ubuntu-cloudimg-maas starter template', () => {
  it('makes the MAAS tgz and uploads nothing by default', () => {
    const build = plan([]);
    expect(build.postProcessors.map((chain) => chain.map((p) => `${p.type}.${p.name}`))).toEqual([
      ['maas-image.tarball'],
    ]);
    const config = build.postProcessors[0][0].resolve(runtime).config;
    expect(config).toMatchObject({ filetype: 'tgz', output: 'custom-cloudimg.tar.gz' });
  });

  it('uploads the tarball to the region of maas_profile when it is set', () => {
    const build = plan([
      ['maas_profile', 'lab'],
      ['maas_image_name', 'custom/noble-web'],
      ['architecture', 'arm64'],
    ]);
    const chain = build.postProcessors[0];
    expect(chain.map((p) => `${p.type}.${p.name}`)).toEqual(['maas-image.tarball', 'maas-upload.upload']);
    expect(chain[1].resolve(runtime).config).toMatchObject({
      profile: 'lab',
      image_name: 'custom/noble-web',
      title: 'Ubuntu custom cloud image (Kiln)',
      architecture: 'arm64/generic',
    });
  });
});
