import { describe, expect, it } from 'vitest';
import type { ConfigObject } from '../../config';
import { decode, errors, warnings } from '../testing/decode';

describe('maas-image post-processor', () => {
  it('defaults to a tgz named after the build', () => {
    const result = decode('post-processor', 'maas-image', {});
    expect(errors(result)).toEqual([]);
    expect(result.config?.filetype).toBe('tgz');
    expect(result.config?.output).toBe('{{.BuildName}}.tar.gz');
  });

  it.each<[ConfigObject, string]>([
    [{ filetype: 'ddgz' }, '{{.BuildName}}.dd.gz'],
    [{ filetype: 'txz' }, '{{.BuildName}}.tar.xz'],
    [{ filetype: 'ddtgz' }, '{{.BuildName}}.dd.tar.gz'],
    [{ filetype: 'tgz', output: 'out/custom-cloudimg.tar.gz' }, 'out/custom-cloudimg.tar.gz'],
  ])('%j writes %s', (config, output) => {
    expect(decode('post-processor', 'maas-image', config).config?.output).toBe(output);
  });

  it('refuses filetypes MAAS does not take, bad levels and partitions', () => {
    expect(errors(decode('post-processor', 'maas-image', { filetype: 'zip' }))).toEqual([
      'filetype must be one of tgz, tbz, txz, ddraw, ddgz, ddxz, ddbz2, ddtar, ddtgz, ddtbz, ddtxz, not "zip"',
    ]);
    expect(errors(decode('post-processor', 'maas-image', { compression_level: 12 }))).toEqual([
      'compression_level must be between 0 and 9',
    ]);
    expect(errors(decode('post-processor', 'maas-image', { partition: -1 }))).toEqual([
      'partition must be a partition number (or 0 to find the root)',
    ]);
  });

  it('says when tarball options are given to a disk image', () => {
    const result = decode('post-processor', 'maas-image', {
      filetype: 'ddgz',
      partition: 2,
      curtin_hooks: 'curtin',
    });
    expect(warnings(result)).toEqual([
      'partition applies to root tarballs; a ddgz image holds the whole disk as it is',
      'curtin_hooks applies to root tarballs; a ddgz image holds the whole disk as it is',
    ]);
  });
});

describe('maas-upload post-processor', () => {
  const upload = (config: ConfigObject) => decode('post-processor', 'maas-upload', config);
  it('needs an image_name; defaults the architecture and chunk size', () => {
    expect(errors(upload({}))).toEqual(['image_name is required (e.g. custom/ubuntu-noble)']);
    const ok = upload({ image_name: 'custom/noble', profile: 'lab' });
    expect(errors(ok)).toEqual([]);
    expect(ok.config?.architecture).toBe('amd64/generic');
    expect(ok.config?.chunk_size).toBe(4194304);
  });

  it.each<[ConfigObject, string]>([
    [
      { image_name: 'a/b/c' },
      'image_name "a/b/c" has more than one "/": MAAS takes os/series or custom/name',
    ],
    [
      { image_name: 'x', architecture: 'amd64' },
      'architecture must be arch/subarch (e.g. amd64/generic), not "amd64"',
    ],
    [
      { image_name: 'x', filetype: 'iso' },
      'filetype must be one of tgz, tbz, txz, ddraw, ddgz, ddxz, ddbz2, ddtar, ddtgz, ddtbz, ddtxz, not "iso"',
    ],
    [
      { image_name: 'x', base_image: 'rhel' },
      'base_image must follow the format <osystem>/<series> (e.g. rhel/9), not "rhel"',
    ],
    [{ image_name: 'x', chunk_size: 20 * 1024 * 1024 }, 'chunk_size must be between 65536 and 8388608 bytes'],
    [
      { image_name: 'x', profile: 'lab', url: 'http://maas:5240/MAAS' },
      'give either profile or url (with api_key), not both',
    ],
    [{ image_name: 'x', api_key: 'a:b:c' }, 'api_key needs url'],
  ])('%j', (config, message) => {
    expect(errors(upload(config))).toEqual([message]);
  });
});
