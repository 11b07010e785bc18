import { describe, expect, it } from 'vitest';
import type { ConfigObject } from '../../config';
import { decode, errors, warnings } from '../testing/decode';

const base: ConfigObject = {
  iso_url: 'http://example.com/x.iso',
  iso_checksum: 'none',
  ssh_username: 'root',
};
const qemu = (config: ConfigObject, options = {}) =>
  decode('builder', 'qemu', { ...base, ...config }, options);

describe('qemu defaults', () => {
  it('fills in Packer’s defaults', () => {
    const result = qemu({}, { buildName: 'ubuntu' });
    expect(errors(result)).toEqual([]);
    const c = result.config!;
    expect(c.disk_size).toBe('40960M');
    expect(c.output_directory).toBe('output-ubuntu');
    expect(c.vm_name).toBe('packer-ubuntu');
    expect(c.memory).toBe(512);
    expect(c.format).toBe('qcow2');
    expect(c.machine_type).toBe('pc');
    expect(c.disk_interface).toBe('virtio');
    expect(c.disk_cache).toBe('writeback');
    expect(c.disk_discard).toBe('ignore');
    expect(c.disk_detect_zeroes).toBe('off');
    expect(c.net_device).toBe('virtio-net');
    expect(c.qemu_binary).toBe('qemu-system-x86_64');
    expect(c.vnc_bind_address).toBe('127.0.0.1');
    expect([c.vnc_port_min, c.vnc_port_max]).toEqual([5900, 6000]);
    expect([c.host_port_min, c.host_port_max]).toEqual([2222, 4444]);
    expect([c.http_port_min, c.http_port_max, c.http_bind_address]).toEqual([8000, 9000, '0.0.0.0']);
    expect(c.http_network_protocol).toBe('tcp');
    expect(c.tpm_device_type).toBe('tpm-tis');
    expect(c.boot_wait).toBe(10_000);
    expect(c.shutdown_timeout).toBe(300_000);
    expect(c.accelerator).toBe('');
    expect(c.iso_urls).toEqual(['http://example.com/x.iso']);
    expect(c.iso_url).toBe('');
    expect(c.iso_target_extension).toBe('iso');
    expect(c.communicator).toBe('ssh');
    expect(c.ssh_port).toBe(22);
    expect(c.ssh_timeout).toBe(300_000);
    expect(c.ssh_handshake_attempts).toBe(10);
    expect(c.ssh_keep_alive_interval).toBe(5_000);
    expect(c.ssh_file_transfer_method).toBe('scp');
    expect(c.qemuargs).toEqual([]);
    expect(c.qemu_img_args).toEqual({ convert: [], create: [], resize: [] });
    expect(c.efi_boot).toBe(false);
    expect(c.skip_compaction).toBe(false);
  });

  it('keeps only one of the ssh_timeout / ssh_handshake_attempts defaults when either is set', () => {
    expect(qemu({ ssh_timeout: '20m' }).config).toMatchObject({
      ssh_timeout: 1_200_000,
      ssh_handshake_attempts: 0,
    });
    expect(qemu({ ssh_handshake_attempts: 500 }).config).toMatchObject({
      ssh_timeout: 0,
      ssh_handshake_attempts: 500,
    });
  });

  it('lets ssh_wait_timeout override ssh_timeout, with a warning and a fix', () => {
    const result = qemu({ ssh_timeout: '5m', ssh_wait_timeout: '30m' });
    expect(result.config?.ssh_timeout).toBe(1_800_000);
    expect(warnings(result).join('\n')).toContain('ssh_wait_timeout');
    expect(result.fixes).toContainEqual(
      expect.objectContaining({ remove: ['ssh_wait_timeout'], set: { ssh_timeout: '30m' } }),
    );
  });

  it('normalises memory, disk size and backing-file settings', () => {
    expect(qemu({ memory: 5 }).config?.memory).toBe(512);
    expect(qemu({ memory: '2048' }).config?.memory).toBe(2048);
    expect(qemu({ disk_size: '8G' }).config?.disk_size).toBe('8G');
    expect(qemu({ disk_size: 20000 }).config?.disk_size).toBe('20000M');
    expect(qemu({ disk_size: '0' }).config?.disk_size).toBe('40960M');
    expect(qemu({ format: 'raw' }).config).toMatchObject({ skip_compaction: true, disk_compression: false });
    expect(qemu({ disk_image: true, use_backing_file: true }).config?.skip_compaction).toBe(true);
  });

  it('turns EFI on when a firmware file is named', () => {
    const c = qemu({ efi_firmware_vars: '/x/VARS.fd' }).config!;
    expect(c.efi_boot).toBe(true);
    expect(c.efi_firmware_code).toBe('/usr/share/OVMF/OVMF_CODE.fd');
    expect(c.efi_firmware_vars).toBe('/x/VARS.fd');
    expect(qemu({ efi_boot: true }).config?.efi_firmware_vars).toBe('/usr/share/OVMF/OVMF_VARS.fd');
  });

  it('enables QMP for net_bridge and VNC passwords', () => {
    const c = qemu({ vnc_use_password: true }, { buildName: 'b' }).config!;
    expect(c.qmp_enable).toBe(true);
    expect(c.qmp_socket_path).toBe('output-b/packer-b.monitor');
  });

  it('maps the deprecated ssh_host_port_* keys with Packer’s warning', () => {
    const result = qemu({ ssh_host_port_min: 3000, ssh_host_port_max: 3100 });
    expect(result.config).toMatchObject({ host_port_min: 3000, host_port_max: 3100 });
    expect(result.packerWarnings).toContain(
      'ssh_host_port_min is deprecated and is being replaced by host_port_min. Please, update your template to use host_port_min. In future versions of Packer, inclusion of ssh_host_port_min will error your builds.',
    );
    expect(result.fixes.map((f) => f.set)).toEqual([{ host_port_min: 3000 }, { host_port_max: 3100 }]);
  });

  it('folds iso_url into iso_urls and normalises checksums', () => {
    expect(qemu({ iso_checksum: 'SHA256:' + 'AB'.repeat(32) }).config?.iso_checksum).toBe(
      'sha256:' + 'ab'.repeat(32),
    );
    expect(qemu({ iso_checksum: 'ab'.repeat(16) }).config?.iso_checksum).toBe('md5:' + 'ab'.repeat(16));
    expect(qemu({ iso_checksum: 'file:http://releases.example.com/SHA256SUMS' }).config?.iso_checksum).toBe(
      'file:http://releases.example.com/SHA256SUMS',
    );
    expect(qemu({ iso_skip_cache: true, iso_checksum: 'sha1:abc' }).config?.iso_checksum).toBe('none');
  });

  it('warns about a none checksum with Packer’s text', () => {
    expect(qemu({}).packerWarnings).toEqual([
      "A checksum of 'none' was specified. Since ISO files are so big,\na checksum is highly recommended.",
    ]);
  });
});

describe('qemu Prepare errors', () => {
  it.each<[string, ConfigObject, string[]]>([
    ['invalid disk size', { disk_size: '10X' }, ['Invalid disk size.']],
    ['bad format', { format: 'vmdk' }, ["invalid format, only 'qcow2' or 'raw' are allowed"]],
    [
      'bad accelerator',
      { accelerator: 'foo' },
      ["invalid accelerator, only 'kvm', 'tcg', 'xen', 'hax', 'hvf', 'whpx', or 'none' are allowed"],
    ],
    ['bad disk interface', { disk_interface: 'bogus' }, ['unrecognized disk interface type']],
    ['bad disk cache', { disk_cache: 'bogus' }, ['unrecognized disk cache type']],
    ['bad disk discard', { disk_discard: 'bogus' }, ['unrecognized disk discard type']],
    ['bad detect zeroes', { disk_detect_zeroes: 'bogus' }, ['unrecognized disk detect zeroes setting']],
    [
      'backing file without disk_image',
      { use_backing_file: true },
      ['use_backing_file can only be enabled for QCOW2 images and when disk_image is true'],
    ],
    [
      'backing file with raw',
      { use_backing_file: true, disk_image: true, format: 'raw' },
      ['use_backing_file can only be enabled for QCOW2 images and when disk_image is true'],
    ],
    [
      'skip_resize_disk without disk_image',
      { skip_resize_disk: true },
      ['skip_resize_disk can only be used when disk_image is true'],
    ],
    [
      'negative topology',
      { cpus: -1, sockets: -1, cores: -2, threads: -3 },
      [
        'cpus must be a positive number',
        'sockets must be a positive number',
        'cores must be a positive number',
        'threads must be a positive number',
      ],
    ],
    ['vnc below 5900', { vnc_port_min: 5000, vnc_port_max: 5100 }, ['vnc_port_min cannot be below 5900']],
    [
      'vnc above 65535',
      { vnc_port_min: 6000, vnc_port_max: 70000 },
      ['vmc_port_min and vnc_port_max must both be below 65535 to be valid TCP ports'],
    ],
    [
      'vnc min > max',
      { vnc_port_min: 6100, vnc_port_max: 6000 },
      ['vnc_port_min must be less than vnc_port_max'],
    ],
    [
      'host ports reversed',
      { host_port_min: 5000, host_port_max: 4000 },
      ['host_port_min must be less than host_port_max'],
    ],
    ['host port negative', { host_port_min: -5 }, ['host_port_min must be positive']],
    ['http ports reversed', { http_port_min: 9500 }, ['http_port_min must be less than http_port_max']],
    [
      'http interface and address',
      { http_interface: 'eth0', http_bind_address: '0.0.0.0' },
      ['either http_interface or http_bind_address can be specified'],
    ],
    [
      'http protocol',
      { http_network_protocol: 'udp' },
      ['http_network_protocol is invalid. Must be one of: [tcp tcp4 tcp6 unix unixpacket]'],
    ],
    [
      'http content and directory',
      { http_content: { '/a': 'x' }, http_directory: 'http' },
      [
        'http_content cannot be used in conjunction with http_dir. Consider using the file function to load file in memory and serve them with http_content: https://www.packer.io/docs/templates/hcl_templates/functions/file/file',
        'Error finding "http": stat http: no such file or directory',
      ],
    ],
    [
      'boot_command with boot_steps',
      { boot_command: ['a'], boot_steps: [['b']] },
      ['boot_command and boot_steps cannot be used together'],
    ],
    [
      'boot_command without vnc',
      { boot_command: ['a'], disable_vnc: true },
      ['A boot command cannot be used when vnc is disabled.'],
    ],
    [
      'non-positive waits',
      { boot_command: ['<wait0><wait-1s>', '<wait0s>'] },
      ['Expecting a positive wait value. Got -1s', 'Expecting a positive wait value. Got 0s'],
    ],
    [
      'both iso_url and iso_urls',
      { iso_urls: ['a', 'b'] },
      ['Only one of iso_url or iso_urls must be specified'],
    ],
    ['no checksum', { iso_checksum: '' }, ['A checksum must be specified']],
    [
      'bad checksum hex',
      { iso_checksum: 'sha256:xyz' },
      ['invalid checksum: encoding/hex: invalid byte: U+0078 \'x\' in "sha256:xyz"'],
    ],
    [
      'odd checksum',
      { iso_checksum: 'sha256:abc' },
      ['invalid checksum: encoding/hex: odd length hex string in "sha256:abc"'],
    ],
    [
      'unknown checksum type',
      { iso_checksum: 'crc32:abcd' },
      ['unsupported checksum type: crc32 in "crc32:abcd"'],
    ],
    ['checksum of unknown length', { iso_checksum: 'abcd' }, ['Unknown type for checksum abcd in "abcd"']],
    [
      '.iso checksum',
      { iso_checksum: 'ubuntu.iso' },
      [
        'invalid checksum: encoding/hex: invalid byte: U+0075 \'u\' in "ubuntu.iso"',
        'Error parsing checksum: .iso is not a valid checksum ending',
      ],
    ],
    [
      'ssh username',
      { ssh_username: '' },
      ['An ssh_username must be specified\n  Note: some builders used to default ssh_username to "root".'],
    ],
    ['communicator type', { communicator: 'telnet' }, ['Communicator type telnet is invalid']],
    [
      'ssh certificate without key',
      { ssh_certificate_file: 'cert' },
      ['ssh_private_key_file must be specified if ssh_certificate_file is specified'],
    ],
    [
      'ssh key file missing',
      { ssh_private_key_file: '~/.ssh/nope' },
      ['ssh_private_key_file is invalid: stat /home/user/.ssh/nope: no such file or directory'],
    ],
    [
      'file transfer method',
      { ssh_file_transfer_method: 'rsync' },
      ["ssh_file_transfer_method ('rsync') is invalid, valid methods: sftp, scp"],
    ],
    [
      'bastion without auth',
      { ssh_bastion_host: 'jump' },
      ['ssh_bastion_password, ssh_bastion_private_key_file or ssh_bastion_agent_auth must be specified'],
    ],
    [
      'bastion and proxy',
      { ssh_bastion_host: 'jump', ssh_bastion_password: 'x', ssh_proxy_host: 'proxy' },
      ['please specify either ssh_bastion_host or ssh_proxy_host, not both'],
    ],
    [
      'bad tunnels',
      { ssh_local_tunnels: ['8080', '8080:localhost', 'x:localhost:22', '80:localhost:y'] },
      [
        "ssh_local_tunnels ('8080') is invalid: Error parsing tunnel '8080': [8080]",
        "ssh_local_tunnels ('8080:localhost') is invalid: Error parsing forwarding, must be a tcp address: address localhost: missing port in address",
        'ssh_local_tunnels (\'x:localhost:22\') is invalid: Error parsing listening port, must be a valid port: strconv.Atoi: parsing "x": invalid syntax',
        'ssh_local_tunnels (\'80:localhost:y\') is invalid: Error parsing forwarding port, must be a valid port: strconv.Atoi: parsing "y": invalid syntax',
      ],
    ],
    ['winrm username', { communicator: 'winrm' }, ['winrm_username must be specified.']],
    [
      'floppy file missing',
      { floppy_files: ['a.cfg'] },
      ["Bad Floppy disk file 'a.cfg': stat a.cfg: no such file or directory"],
    ],
    [
      'floppy dir missing',
      { floppy_dirs: ['drivers'] },
      ["Bad Floppy disk directory 'drivers': stat drivers: no such file or directory"],
    ],
    [
      'cd file missing',
      { cd_files: ['seed/user-data'] },
      ["Bad CD disk file 'seed/user-data': stat seed/user-data: no such file or directory"],
    ],
    ['cd glob syntax', { cd_files: ['seed/[a'] }, ["Bad CD disk file 'seed/[a': syntax error in pattern"]],
  ])('%s', (_name, config, expected) => {
    expect(errors(qemu(config))).toEqual(expected);
  });

  it('needs an ISO URL', () => {
    expect(errors(decode('builder', 'qemu', { iso_checksum: 'none', ssh_username: 'u' }))).toEqual([
      'One of iso_url or iso_urls must be specified',
    ]);
  });

  it('refuses an existing output directory unless forced', () => {
    const files = { '/work/output-qemu/disk': 'x' };
    expect(errors(qemu({}, { files }))).toEqual([
      "Output directory 'output-qemu' already exists. It must not exist.",
    ]);
    expect(errors(qemu({}, { files, force: true }))).toEqual([]);
  });

  it('reports errors in Packer’s order with its MultiError text', () => {
    const result = qemu({
      disk_interface: 'bogus',
      format: 'vmdk',
      accelerator: 'foo',
      boot_command: ['<wait0>'],
    });
    expect(result.stage).toBe('prepare');
    expect(result.packerError).toBe(
      '3 error(s) occurred:\n\n' +
        "* invalid format, only 'qcow2' or 'raw' are allowed\n" +
        "* invalid accelerator, only 'kvm', 'tcg', 'xen', 'hax', 'hvf', 'whpx', or 'none' are allowed\n" +
        '* unrecognized disk interface type',
    );
  });

  it('accepts present files and well-formed globs', () => {
    const files = {
      '/work/seed/user-data': '#cloud-config',
      '/work/http/ks.cfg': 'x',
      '/home/user/.ssh/id': 'k',
    };
    const result = qemu(
      { cd_files: ['seed/user-data', 'seed/*'], http_directory: 'http', ssh_private_key_file: '~/.ssh/id' },
      { files },
    );
    expect(errors(result)).toEqual([]);
  });

  it('says plainly that Kiln has no WinRM communicator', () => {
    const result = qemu({ communicator: 'winrm', winrm_username: 'Administrator' });
    expect(errors(result)).toEqual([]);
    expect(warnings(result).join('\n')).toContain('Kiln has no WinRM communicator');
    expect(result.packerWarnings).not.toContain(expect.stringContaining('WinRM'));
  });

  it('checks the temporary key type early, as a warning', () => {
    expect(warnings(qemu({ temporary_key_pair_type: 'rsa2' }))).toContain(
      'rsa2 does not belong to Algorithm values: possible algorithm types are `dsa` | `ecdsa` | `ed25519` | `rsa` ( the default )',
    );
  });
});

describe('qemu keys in HCL2', () => {
  it('accepts qemu_img_args as a block and rejects it as an argument', () => {
    const asBlock = decode(
      'builder',
      'qemu',
      { ...base, qemu_img_args: { create: ['-F', 'qcow2'] } },
      { dialect: 'hcl', blocks: ['qemu_img_args'] },
    );
    expect(errors(asBlock)).toEqual([]);
    expect(asBlock.config?.qemu_img_args.create).toEqual(['-F', 'qcow2']);
    const asAttribute = decode(
      'builder',
      'qemu',
      { ...base, qemu_img_args: { create: ['-F'] } },
      { dialect: 'hcl', blocks: [] },
    );
    expect(errors(asAttribute)).toEqual([
      'An argument named "qemu_img_args" is not expected here. Did you mean to define a block of type "qemu_img_args"?',
    ]);
  });

  it('rejects an attribute written as a block', () => {
    const result = decode(
      'builder',
      'qemu',
      { ...base, boot_command: {} },
      { dialect: 'hcl', blocks: ['boot_command'] },
    );
    expect(errors(result)[0]).toBe(
      'Blocks of type "boot_command" are not expected here. Did you mean to define argument "boot_command"? If so, use the equals sign to assign it a value.',
    );
  });

  it('reports unknown keys inside qemu_img_args', () => {
    const json = decode('builder', 'qemu', { ...base, qemu_img_args: { convert: [], bogus: ['x'] } });
    expect(errors(json)).toEqual([`unknown configuration key: '"qemu_img_args.bogus"'`]);
    const hcl = decode(
      'builder',
      'qemu',
      { ...base, qemu_img_args: { creat: ['x'] } },
      { dialect: 'hcl', blocks: ['qemu_img_args'] },
    );
    expect(errors(hcl)).toEqual(['An argument named "creat" is not expected here. Did you mean "create"?']);
  });
});

describe('deprecated keys that still work', () => {
  it('say the concrete change in the diagnostic, and keep Packer’s text for the CLI', () => {
    const result = qemu({ ssh_host_port_min: 3000 });
    const diagnostic = result.diagnostics.find((d) => d.summary === '"ssh_host_port_min" is deprecated')!;
    expect(diagnostic.detail).toMatch(
      /^ssh_host_port_min is deprecated and is being replaced by host_port_min\./,
    );
    expect(diagnostic.detail).toContain(
      'To fix it, remove "ssh_host_port_min" and set "host_port_min" = 3000.',
    );
    expect(result.packerWarnings[0]).not.toContain('To fix it');
    const wait = qemu({ ssh_wait_timeout: '30m' });
    expect(warnings(wait)[0]).toContain(
      'To fix it, remove "ssh_wait_timeout" and set "ssh_timeout" = "30m".',
    );
  });
});
