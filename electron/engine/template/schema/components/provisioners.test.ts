import { describe, expect, it } from 'vitest';
import type { ConfigObject } from '../../config';
import { decode, errors } from '../testing/decode';

describe('shell provisioner', () => {
  const shell = (config: ConfigObject, files: Record<string, string> = {}) =>
    decode('provisioner', 'shell', config, { files });

  it('defaults like Packer, choosing remote_file once', () => {
    const c = shell({ inline: ['echo hi'] }).config!;
    expect(c).toMatchObject({
      execute_command: 'chmod +x {{.Path}}; {{.Vars}} {{.Path}}',
      env_var_format: "%s='%s' ",
      inline_shebang: '',
      start_retry_timeout: 300_000,
      remote_folder: '/tmp',
      remote_file: 'script_4999.sh',
      remote_path: '/tmp/script_4999.sh',
      valid_exit_codes: [0],
      scripts: [],
    });
    const envFile = shell({ inline: ['a'], use_env_var_file: true }).config!;
    expect(envFile.execute_command).toBe('chmod +x {{.Path}}; . {{.EnvVarFile}} && {{.Path}}');
    expect(envFile.env_var_format).toBe("export %s='%s'\n");
  });

  it('folds script into scripts', () => {
    expect(shell({ script: 'a.sh' }, { '/work/a.sh': '' }).config?.scripts).toEqual(['a.sh']);
  });

  it.each<[string, ConfigObject, string[]]>([
    ['nothing to run', {}, ['Either a script file or inline script must be specified.']],
    [
      'an empty inline list counts as nothing',
      { inline: [] },
      ['Either a script file or inline script must be specified.'],
    ],
    [
      'script and scripts',
      { script: 'a.sh', scripts: ['a.sh'] },
      ['Only one of script or scripts can be specified.'],
    ],
    [
      'script and inline',
      { script: 'a.sh', inline: ['x'] },
      ['Only a script file or an inline script can be specified, not both.'],
    ],
    [
      'missing script',
      { scripts: ['a.sh', 'nope.sh'] },
      ["Bad script 'nope.sh': stat nope.sh: no such file or directory"],
    ],
    [
      'bad environment variables',
      { inline: ['x'], environment_vars: ['A=1', '=foo', 'foobar', 'B='] },
      [
        "Environment variable not in format 'key=value': =foo",
        "Environment variable not in format 'key=value': foobar",
      ],
    ],
  ])('%s', (_name, config, expected) => {
    expect(errors(shell(config, { '/work/a.sh': '#!/bin/sh' }))).toEqual(expected);
  });
});

describe('file provisioner', () => {
  const file = (config: ConfigObject, files: Record<string, string> = {}) =>
    decode('provisioner', 'file', config, { files });

  it('appends source to sources and defaults the direction', () => {
    const c = file(
      { source: 'b', sources: ['a'], destination: '/tmp/' },
      { '/work/a': '', '/work/b': '' },
    ).config!;
    expect(c.sources).toEqual(['a', 'b']);
    expect(c.direction).toBe('upload');
  });

  it.each<[string, ConfigObject, string[]]>([
    [
      'bad direction',
      { content: 'x', destination: '/a', direction: 'sideways' },
      ['Direction must be one of: download, upload.'],
    ],
    [
      'missing source',
      { source: 'nope', destination: '/a' },
      ["Bad source 'nope': stat nope: no such file or directory"],
    ],
    [
      'source and content',
      { source: 'here', content: 'x', destination: '/a' },
      ['source(s) conflicts with content.'],
    ],
    ['no destination', { content: 'x' }, ['Destination must be specified.']],
  ])('%s', (_name, config, expected) => {
    expect(errors(file(config, { '/work/here': '' }))).toEqual(expected);
  });

  it('does not look for generated or downloaded sources', () => {
    expect(errors(file({ source: 'later', destination: '/a', generated: true }))).toEqual([]);
    expect(errors(file({ source: '/etc/guest-only', destination: 'out/', direction: 'download' }))).toEqual(
      [],
    );
  });

  it('points a missing source at its key', () => {
    const result = file({ sources: ['a', 'nope'], destination: '/tmp/' }, { '/work/a': '' });
    expect(result.diagnostics[0].summary).toBe('"sources" names a file that does not exist');
  });
});

describe('shell-local provisioner and post-processor', () => {
  const local = (config: ConfigObject, kind: 'provisioner' | 'post-processor' = 'provisioner') =>
    decode(kind, 'shell-local', config, { files: { '/work/s.sh': '' } });

  it('defaults for Linux', () => {
    expect(local({ inline: ['echo hi'] }).config).toMatchObject({
      inline_shebang: '/bin/sh -e',
      execute_command: ['/bin/sh', '-c', '{{.Vars}} {{.Script}}'],
      env_var_format: "%s='%s' ",
      valid_exit_codes: [0],
    });
    expect(local({ command: 'make seed' }).config?.inline).toEqual(['make seed']);
    expect(local({ script: 's.sh', tempfile_extension: '.sh' }).config).toMatchObject({
      scripts: ['s.sh'],
      tempfile_extension: 'sh',
    });
  });

  it('runs a single-string execute_command through sh -c as a post-processor only', () => {
    expect(
      local({ inline: ['x'], execute_command: 'bash {{.Script}}' }, 'post-processor').config?.execute_command,
    ).toEqual(['sh', '-c', 'bash {{.Script}}']);
    expect(local({ inline: ['x'], execute_command: 'bash {{.Script}}' }).config?.execute_command).toEqual([
      'bash {{.Script}}',
    ]);
  });

  const tooMany =
    'You may only specify one of the following options: Command, Inline, Script or Scripts. Please consolidate these options in your config.';
  it.each<[string, ConfigObject, string[]]>([
    ['nothing to run', {}, ['Command, Inline, Script and Scripts options cannot all be empty.']],
    ['inline and script', { inline: ['a'], script: 's.sh' }, [tooMany]],
    ['command and inline', { command: 'a', inline: ['b'] }, [tooMany]],
    ['scripts and an empty inline', { scripts: ['s.sh'], inline: [] }, [tooMany]],
    [
      'missing script',
      { script: 'nope.sh' },
      ["Bad script 'nope.sh': stat nope.sh: no such file or directory"],
    ],
    [
      'bad only_on drops every other error',
      { only_on: ['linux', 'plan9'], script: 'nope.sh' },
      [
        "Invalid OS specified in only_on: 'plan9'\nSupported OS names: darwin, freebsd, linux, openbsd, solaris, windows",
      ],
    ],
    [
      'linux pathing with scripts',
      { use_linux_pathing: true, script: 's.sh' },
      [
        "There was an error splitting your absolute path; expected to find a drive following the format ':/' but did not: absolute path: /work/s.sh",
      ],
    ],
    [
      'linux pathing with inline',
      { use_linux_pathing: true, inline: ['a'] },
      [
        'Packer is unable to use the Command and Inline features with the Windows Linux Subsystem. Please use the Script or Scripts options instead',
      ],
    ],
    [
      'bad environment variable',
      { inline: ['a'], environment_vars: ['X'] },
      ["Environment variable not in format 'key=value': X"],
    ],
  ])('%s', (_name, config, expected) => {
    expect(errors(local(config))).toEqual(expected);
    expect(errors(local(config, 'post-processor'))).toEqual(expected);
  });

  it('prefixes decode errors as Packer does', () => {
    expect(local({ inline: ['a'], bogus: 1 }).packerError).toBe(
      `Error decoding config: 1 error occurred:\n\t* unknown configuration key: '"bogus"'\n\n`,
    );
  });

  it('warns that command is deprecated', () => {
    expect(local({ command: 'x' }).diagnostics.map((d) => d.severity)).toEqual(['warning']);
  });
});

describe('breakpoint provisioner', () => {
  it('takes a note and a switch', () => {
    expect(decode('provisioner', 'breakpoint', { note: 'look', disable: 'true' }).config).toEqual({
      note: 'look',
      disable: true,
    });
    expect(decode('provisioner', 'breakpoint', {}).config).toEqual({ note: '', disable: false });
    expect(errors(decode('provisioner', 'breakpoint', { notes: 'x' }))).toEqual([
      `unknown configuration key: '"notes"'`,
    ]);
  });
});
