import { describe, expect, it } from 'vitest';
import { UNKNOWN, type ConfigObject } from '../config';
import { memoryHost } from '../host';
import { float, int, str } from './fields';
import { decodeComponent, decodeWithSchema, type ComponentSchema } from './index';
import { decode, errors, warnings } from './testing/decode';
import { at, lineOf, locateJson, locateObject } from './testing/locate';

const qemuBase: ConfigObject = { iso_url: 'x.iso', iso_checksum: 'none', ssh_username: 'root' };

describe('weak decoding (JSON, mapstructure WeaklyTypedInput)', () => {
  it('accepts strings for bools and numbers, numbers for strings', () => {
    const c = decode('builder', 'qemu', {
      ...qemuBase,
      headless: 'true',
      disk_image: '1',
      use_default_display: 'F',
      memory: '2048',
      cpus: 2.9,
      vm_name: 42,
      disk_size: 8192,
      skip_compaction: 1,
      vnc_use_password: '',
      ssh_port: '0x16',
    }).config!;
    expect(c.headless).toBe(true);
    expect(c.disk_image).toBe(true);
    expect(c.use_default_display).toBe(false);
    expect(c.memory).toBe(2048);
    expect(c.cpus).toBe(2);
    expect(c.vm_name).toBe('42');
    expect(c.disk_size).toBe('8192M');
    expect(c.skip_compaction).toBe(true);
    expect(c.vnc_use_password).toBe(false);
    expect(c.ssh_port).toBe(22);
  });

  it('turns bools into "1"/"0" strings and splits strings into lists at commas', () => {
    const c = decode('builder', 'qemu', {
      ...qemuBase,
      vm_name: true,
      disk_additional_size: '1G,2G',
      floppy_files: '',
    }).config!;
    expect(c.vm_name).toBe('1');
    expect(c.disk_additional_size).toEqual(['1G', '2G']);
    expect(c.floppy_files).toEqual([]);
  });

  it('lifts a single value into a list and merges a list of maps', () => {
    const c = decode('provisioner', 'shell', { inline: 'echo hi', env: [{ A: '1' }, { B: 2 }] }).config!;
    expect(c.inline).toEqual(['echo hi']);
    expect(c.env).toEqual({ A: '1', B: '2' });
    expect(
      decode('provisioner', 'shell', { inline: ['x'], valid_exit_codes: 3 }).config?.valid_exit_codes,
    ).toEqual([3]);
  });

  it('reports what mapstructure reports, sorted, and stops before Prepare', () => {
    const result = decode('builder', 'qemu', {
      ...qemuBase,
      memory: 'lots',
      headless: 'yes',
      iso_urls: [['a']],
      format: ['raw'],
      http_content: 'x',
      format_bogus: 1,
    });
    expect(result.stage).toBe('decode');
    // Diagnostics in source order (unknown keys too, though Packer only shows the type errors).
    expect(errors(result)).toEqual([
      `cannot parse 'memory' as int: strconv.ParseInt: parsing "lots": invalid syntax`,
      `cannot parse 'headless' as bool: strconv.ParseBool: parsing "yes": invalid syntax`,
      `'iso_urls[0]' expected type 'string', got unconvertible type '[]interface {}', value: '[a]'`,
      `'format' expected type 'string', got unconvertible type '[]interface {}', value: '[raw]'`,
      `'http_content' expected a map, got 'string'`,
      `unknown configuration key: '"format_bogus"'`,
    ]);
    expect(result.packerError).toBe(
      '5 error(s) decoding:\n\n' +
        "* 'format' expected type 'string', got unconvertible type '[]interface {}', value: '[raw]'\n" +
        "* 'http_content' expected a map, got 'string'\n" +
        "* 'iso_urls[0]' expected type 'string', got unconvertible type '[]interface {}', value: '[a]'\n" +
        `* cannot parse 'headless' as bool: strconv.ParseBool: parsing "yes": invalid syntax\n` +
        `* cannot parse 'memory' as int: strconv.ParseInt: parsing "lots": invalid syntax`,
    );
  });

  it('parses durations with Go’s rules and messages', () => {
    expect(decode('builder', 'qemu', { ...qemuBase, boot_wait: '1m30s' }).config?.boot_wait).toBe(90_000);
    expect(decode('builder', 'qemu', { ...qemuBase, boot_wait: '-1s' }).config?.boot_wait).toBe(-1000);
    expect(decode('builder', 'qemu', { ...qemuBase, boot_wait: 5e9 }).config?.boot_wait).toBe(5000);
    expect(errors(decode('builder', 'qemu', { ...qemuBase, ssh_timeout: 'xx' }))).toEqual([
      `error decoding 'ssh_timeout': time: invalid duration "xx"`,
    ]);
    expect(errors(decode('provisioner', 'shell', { inline: ['a'], pause_after: '10' }))).toEqual([
      `error decoding 'pause_after': time: missing unit in duration "10"`,
    ]);
  });

  it('matches keys case-insensitively like mapstructure', () => {
    const result = decode('builder', 'qemu', { ...qemuBase, Headless: true, VM_NAME: 'x' });
    expect(errors(result)).toEqual([]);
    expect(result.config).toMatchObject({ headless: true, vm_name: 'x' });
  });

  it('ignores type, packer_* and the loader’s meta-arguments', () => {
    const prov = decode('provisioner', 'shell', {
      type: 'shell',
      inline: ['a'],
      only: ['x'],
      except: [],
      pause_before: '1s',
      max_retries: 2,
      timeout: '5m',
      override: {},
      packer_build_name: 'x',
    });
    expect(errors(prov)).toEqual([]);
    const pp = decode('post-processor', 'artifice', {
      files: ['a'],
      keep_input_artifact: true,
      name: 'n',
      only: ['x'],
    });
    expect(errors(pp)).toEqual([]);
    expect(pp.config?.keep_input_artifact).toBe(true);
    expect(errors(decode('builder', 'null', { name: 'x', communicator: 'none' }))).toEqual([]);
  });
});

describe('unknown and deprecated keys', () => {
  it('JSON: Packer’s unknown-key message, sorted, as a go-multierror', () => {
    const result = decode('builder', 'null', { communicator: 'none', zeta: 1, bogus_key: 1 });
    expect(errors(result)).toEqual([
      `unknown configuration key: '"bogus_key"'`,
      `unknown configuration key: '"zeta"'`,
    ]);
    expect(result.packerError).toBe(
      `2 errors occurred:\n\t* unknown configuration key: '"bogus_key"'\n\t* unknown configuration key: '"zeta"'\n\n`,
    );
    const single = decode('provisioner', 'shell-local', { inline: ['a'], bogus_prov: 2 });
    expect(single.packerError).toBe(
      `Error decoding config: 1 error occurred:\n\t* unknown configuration key: '"bogus_prov"'\n\n`,
    );
  });

  it('HCL: Unsupported argument, with a suggestion when a name is close', () => {
    const result = decode('builder', 'qemu', { ...qemuBase, memroy: 1024, bogus: true }, { dialect: 'hcl' });
    expect(result.diagnostics.map((d) => [d.summary, d.detail])).toEqual([
      ['Unsupported argument', 'An argument named "memroy" is not expected here. Did you mean "memory"?'],
      ['Unsupported argument', 'An argument named "bogus" is not expected here.'],
    ]);
  });

  it('HCL: unknown blocks', () => {
    const result = decode(
      'builder',
      'qemu',
      { ...qemuBase, qemu_img_arg: {} },
      { dialect: 'hcl', blocks: ['qemu_img_arg'] },
    );
    expect(result.diagnostics[0]).toMatchObject({
      summary: 'Unsupported block type',
      detail: 'Blocks of type "qemu_img_arg" are not expected here. Did you mean "qemu_img_args"?',
    });
  });

  it('JSON: iso_checksum_type is deprecated, with the concrete fix', () => {
    const result = decode('builder', 'qemu', {
      iso_url: 'x.iso',
      iso_checksum: '{{user `iso_checksum`}}',
      iso_checksum_type: '{{user `iso_checksum_type`}}',
      ssh_username: 'u',
    });
    expect(result.stage).toBe('decode');
    const message =
      "Deprecated configuration key: 'iso_checksum_type'. Please call `packer fix` against your template to update your template to be compatible with the current version of Packer. Visit https://www.packer.io/docs/commands/fix/ for more detail.";
    expect(errors(result)).toEqual([
      message +
        '\n\nTo fix it, remove "iso_checksum_type" and set "iso_checksum" = "{{user `iso_checksum_type`}}:{{user `iso_checksum`}}".',
    ]);
    expect(result.packerError).toBe(`1 error occurred:\n\t* ${message}\n\n`);
    expect(result.fixes).toEqual([
      {
        title: 'Fold "iso_checksum_type" into "iso_checksum"',
        key: 'iso_checksum_type',
        remove: ['iso_checksum_type'],
        set: { iso_checksum: '{{user `iso_checksum_type`}}:{{user `iso_checksum`}}' },
      },
    ]);
  });

  it('folds iso_checksum_url and none checksums', () => {
    const url = decode('builder', 'qemu', {
      ...qemuBase,
      iso_checksum_url: 'http://x/SUMS',
      iso_checksum_type: 'sha256',
    });
    expect(url.fixes[0].set).toEqual({ iso_checksum: 'file:http://x/SUMS' });
    expect(url.fixes[0].remove).toEqual(['iso_checksum_type', 'iso_checksum_url']);
    const none = decode('builder', 'qemu', { ...qemuBase, iso_checksum_type: 'none' });
    expect(none.fixes[0].set).toEqual({ iso_checksum: 'none' });
  });

  it('HCL: a removed key is unsupported, still with the fix', () => {
    const result = decode(
      'builder',
      'qemu',
      { ...qemuBase, iso_checksum: 'abc', iso_checksum_type: 'md5' },
      { dialect: 'hcl' },
    );
    expect(errors(result)[0]).toContain('An argument named "iso_checksum_type" is not expected here.');
    expect(errors(result)[0]).toContain('set "iso_checksum" = "md5:abc"');
  });

  it('renames the other removed keys', () => {
    const result = decode('builder', 'null', {
      communicator: 'ssh',
      ssh_host: 'h',
      ssh_username: 'u',
      ssh_password: 'p',
      ssh_key_path: '/k',
      ssh_disable_agent: true,
    });
    expect(result.fixes.map((f) => [f.remove, f.set])).toEqual([
      [['ssh_key_path'], { ssh_private_key_file: '/k' }],
      [['ssh_disable_agent'], { ssh_disable_agent_forwarding: true }],
    ]);
    const manifest = decode('post-processor', 'manifest', { filename: 'm.json' });
    expect(errors(manifest)[0]).toMatch(/^Deprecated configuration key: 'filename'/);
    expect(manifest.fixes[0].set).toEqual({ output: 'm.json' });
  });
});

describe('HCL2 type conversion (cty)', () => {
  const hcl = (config: ConfigObject) =>
    decode('builder', 'qemu', { ...qemuBase, ...config }, { dialect: 'hcl' });
  it('converts what cty converts', () => {
    const c = hcl({
      memory: '2048',
      headless: 'true',
      vm_name: 5,
      cpus: '2',
      boot_command: ['a', 1, true],
    }).config!;
    expect(c).toMatchObject({
      memory: 2048,
      headless: true,
      vm_name: '5',
      cpus: 2,
      boot_command: ['a', '1', 'true'],
    });
  });
  it('says what hcldec says when it cannot', () => {
    const cases: [ConfigObject, string][] = [
      [{ memory: 'lots' }, 'Inappropriate value for attribute "memory": a number is required.'],
      [{ memory: true }, 'Inappropriate value for attribute "memory": number required, but have bool.'],
      [
        { memory: 1.5 },
        'Inappropriate value for attribute "memory": value must be a whole number, between -9223372036854775808 and 9223372036854775807.',
      ],
      [{ headless: 'yes' }, 'Inappropriate value for attribute "headless": a bool is required.'],
      [
        { headless: 'True' },
        'Inappropriate value for attribute "headless": a bool is required; to convert from string, use lowercase "true".',
      ],
      [{ headless: 1 }, 'Inappropriate value for attribute "headless": bool required, but have number.'],
      [{ vm_name: ['a'] }, 'Inappropriate value for attribute "vm_name": string required, but have tuple.'],
      [
        { boot_command: 'x' },
        'Inappropriate value for attribute "boot_command": list of string required, but have string.',
      ],
      [
        { boot_command: { a: 'b' } },
        'Inappropriate value for attribute "boot_command": list of string required.',
      ],
      [
        { qemuargs: [['-m', '1'], 'x'] },
        'Inappropriate value for attribute "qemuargs": element 1: list of string required, but have string.',
      ],
      [
        { qemuargs: [[['x']]] },
        'Inappropriate value for attribute "qemuargs": element 0: element 0: string required, but have tuple.',
      ],
      [{ http_content: ['a'] }, 'Inappropriate value for attribute "http_content": map of string required.'],
      [
        { http_content: 'a' },
        'Inappropriate value for attribute "http_content": map of string required, but have string.',
      ],
      [
        { http_content: { '/a': ['x'] } },
        'Inappropriate value for attribute "http_content": element "/a": string required, but have tuple.',
      ],
      [{ ssh_timeout: 5 }, `error decoding 'ssh_timeout': time: missing unit in duration "5"`],
    ];
    for (const [config, message] of cases)
      expect(errors(hcl(config)), JSON.stringify(config)).toEqual([message]);
  });
  it('uses the summary hcldec uses', () => {
    expect(hcl({ memory: 'lots' }).diagnostics[0].summary).toBe('Incorrect attribute value type');
  });
});

describe('ranges', () => {
  it('points unknown keys at the key and bad values at the value (JSON)', () => {
    const text =
      '{\n  "iso_url": "x.iso",\n  "iso_checksum": "none",\n  "ssh_username": "u",\n  "bogus": 1,\n  "memory": "x"\n}';
    const located = locateJson(text);
    const typed = decodeComponent('builder', 'qemu', located, { dialect: 'json' });
    expect(typed.diagnostics.map((d) => [d.detail.slice(0, 20), at(d.range)])).toEqual([
      ['unknown configuratio', '5:3'],
      ["cannot parse 'memory", '6:13'],
    ]);
    const unknown = decodeComponent(
      'builder',
      'qemu',
      locateJson(text.replace('"memory": "x"', '"memory": 1')),
      { dialect: 'json' },
    );
    expect(at(unknown.diagnostics[0].range)).toBe('5:3');
  });

  it('points Prepare errors at the key’s value, and component errors at the block', () => {
    const located = locateObject({ inline: ['a'], script: 'x.sh', environment_vars: ['A=1', 'oops'] });
    const result = decodeComponent('provisioner', 'shell', located, { dialect: 'hcl' });
    const lines = result.diagnostics.map((d) => [d.detail.split(':')[0], d.range?.start.line]);
    expect(lines).toEqual([
      ['Only a script file or an inline script can be specified, not both.', lineOf(located, 'inline')],
      ["Bad script 'x.sh'", lineOf(located, 'script')],
      ["Environment variable not in format 'key=value'", lineOf(located, 'environment_vars.1')],
    ]);
    const none = decodeComponent('provisioner', 'shell', locateObject({}), { dialect: 'hcl' });
    expect(none.diagnostics[0].range?.start.line).toBe(1);
  });

  it('names the key and the file in the summary of a missing file', () => {
    const result = decode(
      'provisioner',
      'shell',
      { scripts: ['a.sh', 'b.sh'] },
      { files: { '/work/a.sh': '' } },
    );
    expect(result.diagnostics).toMatchObject([
      {
        summary: '"scripts" names a file that does not exist',
        detail: "Bad script 'b.sh': stat b.sh: no such file or directory",
      },
    ]);
  });
});

describe('rendering and unknown values', () => {
  it('renders interpolated strings, and leaves excluded keys alone', () => {
    const seen: string[] = [];
    const render = (text: string, path: string) => {
      seen.push(path);
      return { value: text.replace('{{user `mem`}}', '2048').replace('{{user `name`}}', 'box') };
    };
    const result = decode(
      'builder',
      'qemu',
      {
        ...qemuBase,
        memory: '{{user `mem`}}',
        vm_name: '{{user `name`}}',
        boot_command: ['{{ .HTTPIP }}'],
        qemuargs: [['-m', '{{user `mem`}}']],
      },
      { render },
    );
    expect(result.config).toMatchObject({
      memory: 2048,
      vm_name: 'box',
      boot_command: ['{{ .HTTPIP }}'],
      qemuargs: [['-m', '{{user `mem`}}']],
    });
    expect(seen).toContain('memory');
    expect(seen).not.toContain('boot_command.0');
    expect(seen).not.toContain('qemuargs.0.1');
  });

  it('reports render errors with Packer’s wording', () => {
    const render = (text: string) =>
      text.includes('{{bad')
        ? { error: 'template: root:1: function "bad" not defined', parse: true }
        : { value: text };
    const result = decode('builder', 'qemu', { ...qemuBase, vm_name: '{{bad}}' }, { render });
    expect(errors(result)).toEqual([
      `invalid 'vm_name': template: root:1: function "bad" not defined in:\n\n{{bad}}`,
    ]);
  });

  it('checks the syntax of excluded keys when asked', () => {
    const checkTemplate = (text: string) =>
      text.includes('{{ .') && !text.includes('}}') ? 'template: root:1: unclosed action' : undefined;
    const result = decode(
      'builder',
      'qemu',
      { ...qemuBase, boot_command: ['{{ .HTTPIP'] },
      { checkTemplate },
    );
    expect(errors(result)).toEqual([
      `invalid 'boot_command': template: root:1: unclosed action in:\n\n{{ .HTTPIP`,
    ]);
  });

  it('lets UNKNOWN values pass every check, and returns no config then', () => {
    const located = locateObject({
      iso_url: UNKNOWN,
      iso_checksum: UNKNOWN,
      ssh_username: UNKNOWN,
      memory: UNKNOWN,
      disk_size: UNKNOWN,
      format: UNKNOWN,
      accelerator: UNKNOWN,
      use_backing_file: true,
      disk_image: UNKNOWN,
      boot_command: [UNKNOWN, '<wait-1s>'],
      cd_files: [UNKNOWN],
      output_directory: UNKNOWN,
    });
    const result = decodeComponent('builder', 'qemu', located, { dialect: 'hcl', host: memoryHost() });
    expect(errors(result)).toEqual([]);
    expect(result.stage).toBe('ok');
    expect(result.config).toBeUndefined();
  });

  it('render may return UNKNOWN', () => {
    const result = decode(
      'provisioner',
      'shell',
      { inline: ['a'], environment_vars: ['A={{build `Host`}}'] },
      {
        render: (text) => ({ value: text.includes('build') ? UNKNOWN : text }),
      },
    );
    expect(errors(result)).toEqual([]);
    expect(result.config).toBeUndefined();
  });
});

describe('collectAll', () => {
  it('goes on to Prepare after decode errors when asked', () => {
    const strict = decode('builder', 'qemu', { ...qemuBase, bogus: 1, format: 'vmdk' });
    expect(errors(strict)).toEqual([`unknown configuration key: '"bogus"'`]);
    const all = decode('builder', 'qemu', { ...qemuBase, bogus: 1, format: 'vmdk' }, { collectAll: true });
    expect(errors(all)).toEqual([
      `unknown configuration key: '"bogus"'`,
      "invalid format, only 'qcow2' or 'raw' are allowed",
    ]);
    expect(warnings(all).length).toBe(1);
  });
});

describe('field kinds no Kiln component uses yet', () => {
  // A synthetic component: repeated blocks and floats (cloud builders use them, e.g. launch_block_device_mappings).
  interface Disk {
    device_name: string;
    volume_size: number;
  }
  interface Synthetic {
    ratio: number;
    disks: Disk[];
  }
  const schema: ComponentSchema<Synthetic> = {
    kind: 'builder',
    type: 'synthetic',
    pluginId: '',
    doc: 'test',
    fields: {
      ratio: float('A ratio.'),
      disks: {
        type: { kind: 'blocks', fields: { device_name: str('Device.'), volume_size: int('Size.') } },
        doc: 'Disks.',
      },
    },
    prepare(ctx) {
      if (ctx.draft.ratio === 0) ctx.draft.ratio = 0.5;
    },
  };
  it('decodes floats and repeated blocks from JSON', () => {
    const result = decodeWithSchema(
      schema,
      locateJson(
        '{"ratio": "1.25", "disks": [{"device_name": "sda", "volume_size": "8"}, {"device_name": "sdb"}]}',
      ),
      {
        dialect: 'json',
      },
    );
    expect(result.config).toEqual({
      ratio: 1.25,
      disks: [
        { device_name: 'sda', volume_size: 8 },
        { device_name: 'sdb', volume_size: 0 },
      ],
    });
    const bad = decodeWithSchema(schema, locateJson('{"ratio": "x", "disks": [{"size": 1}]}'), {
      dialect: 'json',
    });
    expect(errors(bad)).toEqual([
      `cannot parse 'ratio' as float: strconv.ParseFloat: parsing "x": invalid syntax`,
      `unknown configuration key: '"disks.0.size"'`,
    ]);
  });
  it('decodes repeated blocks from HCL', () => {
    const located = locateObject({ disks: [{ device_name: 'sda', volume_size: 8 }, { device_nam: 'x' }] }, [
      'disks',
    ]);
    const result = decodeWithSchema(schema, located, { dialect: 'hcl' });
    expect(errors(result)).toEqual([
      'An argument named "device_nam" is not expected here. Did you mean "device_name"?',
    ]);
    expect(decodeWithSchema(schema, locateObject({}), { dialect: 'hcl' }).config).toEqual({
      ratio: 0.5,
      disks: [],
    });
  });
});
