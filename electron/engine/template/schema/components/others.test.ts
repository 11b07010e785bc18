import { describe, expect, it } from 'vitest';
import type { ConfigObject } from '../../config';
import { decode, errors, warnings } from '../testing/decode';

describe('null builder', () => {
  it('needs nothing with communicator none', () => {
    const result = decode('builder', 'null', { communicator: 'none' });
    expect(errors(result)).toEqual([]);
    expect(result.config?.communicator).toBe('none');
  });

  it('needs a host, a user and one way to log in with SSH', () => {
    expect(errors(decode('builder', 'null', {}))).toEqual([
      'An ssh_username must be specified\n  Note: some builders used to default ssh_username to "root".',
      'a Host must be specified, please reference your communicator documentation',
      'a Username must be specified, please reference your communicator documentation',
      'one authentication method must be specified, please reference your communicator documentation',
    ]);
    expect(
      errors(
        decode('builder', 'null', {
          ssh_host: 'h',
          ssh_username: 'u',
          ssh_password: 'p',
          ssh_agent_auth: true,
        }),
      ),
    ).toEqual(['only one of ssh_agent_auth, ssh_password, and ssh_private_key_file must be specified']);
    expect(
      errors(decode('builder', 'null', { ssh_host: '127.0.0.1', ssh_username: 'u', ssh_password: 'p' })),
    ).toEqual([]);
  });
});

describe('file builder', () => {
  it.each<[ConfigObject, string[], string[]]>([
    [{ content: 'x' }, ['target required'], []],
    [{ target: 't' }, [], ['Both source file and contents are blank; target will have no content']],
    [{ target: 't', content: 'x', source: 'here' }, ['Cannot specify source file AND content'], []],
    [{ target: 't', source: 'nope' }, ["Bad source 'nope': stat nope: no such file or directory"], []],
  ])('%j', (config, expectedErrors, expectedWarnings) => {
    const result = decode('builder', 'file', config, { files: { '/work/here': 'x' } });
    expect(errors(result)).toEqual(expectedErrors);
    expect(warnings(result)).toEqual(expectedWarnings);
  });
});

describe('compress post-processor', () => {
  const compress = (config: ConfigObject) => decode('post-processor', 'compress', config);
  it('derives archive and algorithm from the output name', () => {
    const cases: [ConfigObject, string, string][] = [
      [{}, 'tar', 'pgzip'],
      [{ output: 'out.tar.gz' }, 'tar', 'pgzip'],
      [{ output: 'custom-ubuntu-lvm.dd.gz' }, '', 'pgzip'],
      [{ output: 'a.zip' }, 'zip', ''],
      [{ output: 'a.tar' }, 'tar', ''],
      [{ output: 'a.lz4' }, '', 'lz4'],
      [{ output: 'a.tar.xz' }, 'tar', 'xz'],
      [{ output: 'a.img', format: 'bgzf' }, '', 'bgzf'],
      [{ output: 'a.weird' }, 'tar', 'pgzip'],
      [{ output: 'A.GZ' }, 'tar', 'pgzip'],
    ];
    for (const [config, archive, algorithm] of cases) {
      expect(compress(config).config, JSON.stringify(config)).toMatchObject({ archive, algorithm });
    }
  });
  it('defaults the output and clamps the level', () => {
    expect(compress({}).config).toMatchObject({
      output: 'packer_{{.BuildName}}_{{.BuilderType}}',
      compression_level: -1,
    });
    expect(compress({ compression_level: 12 }).config?.compression_level).toBe(9);
    expect(compress({ compression_level: 0 }).config?.compression_level).toBe(-1);
  });
  it('checks the output template when it can (the field check comes first, as in Packer)', () => {
    const result = decode(
      'post-processor',
      'compress',
      { output: '{{.BuildName' },
      { checkTemplate: () => 'template: root:1: unclosed action' },
    );
    expect(errors(result)).toEqual([
      `invalid 'output': template: root:1: unclosed action in:\n\n{{.BuildName`,
    ]);
  });
});

describe('checksum post-processor', () => {
  it('defaults to md5 and checks the types', () => {
    expect(decode('post-processor', 'checksum', {}).config).toEqual({
      checksum_types: ['md5'],
      output: 'packer_{{.BuildName}}_{{.BuilderType}}_{{.ChecksumType}}.checksum',
    });
    expect(decode('post-processor', 'checksum', { checksum_types: [] }).config?.checksum_types).toEqual([]);
    const bad = decode('post-processor', 'checksum', { checksum_types: ['sha256', 'crc32'] });
    expect(errors(bad)).toEqual(['Unrecognized checksum type: crc32']);
    expect(bad.packerError).toBe('1 error(s) occurred:\n\n* Unrecognized checksum type: crc32');
  });
});

describe('manifest post-processor', () => {
  it('defaults the output and returns its error bare', () => {
    expect(decode('post-processor', 'manifest', {}).config).toEqual({
      output: 'packer-manifest.json',
      strip_path: false,
      strip_time: false,
      custom_data: {},
    });
    // manifest renders output at Prepare time, so the only syntax check is Prepare's own.
    const checkTemplate = () => 'template: root:1: unexpected EOF';
    const bad = decode('post-processor', 'manifest', { output: '{{' }, { checkTemplate });
    expect(bad.packerError).toBe('Error parsing target template: template: root:1: unexpected EOF');
  });
});

describe('artifice post-processor', () => {
  it('needs files', () => {
    const bad = decode('post-processor', 'artifice', {});
    expect(bad.packerError).toBe('No files specified in artifice configuration');
    expect(decode('post-processor', 'artifice', { files: ['a.tar.gz'] }).config).toEqual({
      files: ['a.tar.gz'],
      keep_input_artifact: false,
    });
  });
});

describe('http data source', () => {
  it('needs a url and a known method', () => {
    expect(decode('data', 'http', { url: 'https://example.com' }).config).toEqual({
      url: 'https://example.com',
      method: 'GET',
      request_headers: {},
      request_body: '',
    });
    expect(errors(decode('data', 'http', { method: 'get' }))).toEqual([
      'the `url` must be specified',
      'the `method` must be one of [HEAD GET POST PUT DELETE OPTIONS PATCH]',
    ]);
  });
});
