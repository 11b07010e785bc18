/**
 * The command line against packer-plugin-qemu's own step_run_test.go cases (94d9fee5), compared as
 * multisets like its assert.ElementsMatch, plus the 1.6.6 command lines from the reference runs.
 */
import { describe, expect, it } from 'vitest';
import { memoryHost } from '../../template/host';
import { render } from '../../template/gotemplate/interpolate';
import type { CommandLineConfig, CommandLineState, RenderArg } from './command-line';
import { buildCommandLine, defaultArgs, smpArgument } from './command-line';

/** A Go zero-value Config, as the plugin's tests start from. */
function zeroConfig(overrides: Partial<CommandLineConfig> = {}): CommandLineConfig {
  return {
    vm_name: '',
    machine_type: '',
    accelerator: '',
    firmware: '',
    use_pflash: false,
    net_bridge: '',
    net_device: '',
    communicator: 'ssh',
    ssh_port: 0,
    winrm_port: 0,
    vnc_bind_address: '',
    vnc_use_password: false,
    memory: 0,
    cpus: 0,
    sockets: 0,
    cores: 0,
    threads: 0,
    cpu_model: '',
    headless: false,
    display: '',
    use_default_display: false,
    vtpm: false,
    tpm_device_type: '',
    vga: '',
    disk_interface: '',
    disk_cache: '',
    disk_discard: '',
    disk_detect_zeroes: '',
    format: '',
    disk_image: false,
    cdrom_interface: '',
    efi_boot: false,
    efi_firmware_code: '',
    qmp_enable: false,
    qmp_socket_path: '',
    output_directory: '',
    http_directory: '',
    qemuargs: [],
    ...overrides,
  };
}

/** runTestState. */
function testState(extra: Partial<CommandLineState> = {}): CommandLineState {
  return {
    commHostPort: 5000,
    floppyPath: 'fake_floppy_path',
    httpIp: '127.0.0.1',
    httpPort: 1234,
    isoPath: '/path/to/test.iso',
    diskPaths: [],
    vncPort: 5905,
    vncPassword: 'fake_vnc_password',
    ...extra,
  };
}

const goRender: RenderArg = (template, data) => render(template, { host: memoryHost(), data });

function args(config: CommandLineConfig, state: CommandLineState, atLeastVersion2 = true): string[] {
  return buildCommandLine(config, state, { render: goRender, atLeastVersion2 }).args;
}

const sorted = (list: string[]) => [...list].sort();

describe('Test_UserOverrides', () => {
  const base = [
    '-m',
    '0M',
    '-boot',
    'once=d',
    '-fda',
    'fake_floppy_path',
    '-name',
    'myvm',
    '-netdev',
    'user,id=user.0,hostfwd=tcp::5000-:0',
    '-vnc',
    ':5',
    '-machine',
    'type=,accel=',
    '-smp',
    '1',
  ];
  it('Test that interpolation overrides work.', () => {
    const config = zeroConfig({
      http_directory: 'http/directory',
      output_directory: 'output/directory',
      vm_name: 'myvm',
      qemuargs: [
        ['-randomflag1', '{{.HTTPIP}}-{{.HTTPPort}}-{{.HTTPDir}}'],
        ['-randomflag2', '{{.OutputDir}}-{{.Name}}'],
      ],
    });
    expect(sorted(args(config, testState()))).toEqual(
      sorted([
        ...base,
        '-display',
        'gtk',
        '-drive',
        'file=/path/to/test.iso,media=cdrom',
        '-randomflag1',
        '127.0.0.1-1234-http/directory',
        '-randomflag2',
        'output/directory-myvm',
        '-device',
        ',netdev=user.0',
      ]),
    );
  });
  it('User input overrides default, rest is populated as normal', () => {
    const config = zeroConfig({ vm_name: 'myvm', qemuargs: [['-display', 'partydisplay']] });
    expect(sorted(args(config, testState()))).toEqual(
      sorted([
        ...base,
        '-display',
        'partydisplay',
        '-drive',
        'file=/path/to/test.iso,media=cdrom',
        '-device',
        ',netdev=user.0',
      ]),
    );
  });
  it('Net device gets added', () => {
    const config = zeroConfig({
      vm_name: 'myvm',
      net_device: 'mynetdevice',
      qemuargs: [['-device', 'somerandomdevice']],
    });
    const result = args(config, testState());
    expect(sorted(result)).toEqual(
      sorted([
        ...base,
        '-display',
        'gtk',
        '-device',
        'somerandomdevice',
        '-device',
        'mynetdevice,netdev=user.0',
        '-drive',
        'file=/path/to/test.iso,media=cdrom',
      ]),
    );
    // The user's device first, the added net device after it.
    expect(result.join(' ')).toContain('-device somerandomdevice -device mynetdevice,netdev=user.0');
  });
});

describe('Test_DriveAndDeviceArgs', () => {
  const base = [
    '-m',
    '0M',
    '-fda',
    'fake_floppy_path',
    '-name',
    '',
    '-netdev',
    'user,id=user.0,hostfwd=tcp::5000-:0',
    '-vnc',
    ':5',
    '-machine',
    'type=,accel=',
    '-device',
    ',netdev=user.0',
    '-smp',
    '1',
  ];
  const cases: Array<{
    reason: string;
    config: Partial<CommandLineConfig>;
    state?: Partial<CommandLineState>;
    v2?: boolean;
    expected: string[];
  }> = [
    {
      reason: "Boot value should default to once=d when diskImage isn't set",
      config: {},
      expected: ['-display', 'gtk', '-boot', 'once=d', '-drive', 'file=/path/to/test.iso,media=cdrom'],
    },
    {
      reason: 'Boot value (-boot) should not be set when using UEFI builds',
      config: {
        efi_boot: true,
        efi_firmware_code: '/path/to/fake_efi_code.fd',
        output_directory: 'path_to_output',
        disk_cache: 'writeback',
        disk_interface: 'virtio-scsi',
        disk_image: true,
        format: 'qcow2',
      },
      state: { efivarsPath: '/path/to/fake_temporary_efi_vars.fd' },
      v2: false,
      expected: [
        '-drive',
        'file=/path/to/fake_efi_code.fd,if=pflash,unit=0,format=raw,readonly=on',
        '-drive',
        'file=/path/to/fake_temporary_efi_vars.fd,if=pflash,unit=1,format=raw',
        '-drive',
        'file=path_to_output,if=virtio-scsi,cache=writeback,format=qcow2',
      ],
    },
    {
      reason: 'virtio-scsi interface, DiskImage true, extra cdrom, detectZeroes off',
      config: {
        disk_image: true,
        disk_interface: 'virtio-scsi',
        output_directory: 'path_to_output',
        disk_cache: 'writeback',
        format: 'qcow2',
        disk_detect_zeroes: 'off',
      },
      state: { cdPath: 'fake_cd_path.iso', diskPaths: ['path_to_output'] },
      expected: [
        '-display',
        'gtk',
        '-boot',
        'c',
        '-device',
        'virtio-scsi-pci,id=scsi0',
        '-device',
        'scsi-hd,bus=scsi0.0,drive=drive0',
        '-drive',
        'if=none,file=path_to_output,id=drive0,cache=writeback,discard=,format=qcow2',
        '-drive',
        'file=fake_cd_path.iso,media=cdrom',
      ],
    },
    {
      reason: 'virtio-scsi interface, DiskImage true, extra cdrom, detectZeroes on',
      config: {
        disk_image: true,
        disk_interface: 'virtio-scsi',
        output_directory: 'path_to_output',
        disk_cache: 'writeback',
        format: 'qcow2',
        disk_detect_zeroes: 'on',
      },
      state: { cdPath: 'fake_cd_path.iso', diskPaths: ['path_to_output'] },
      expected: [
        '-display',
        'gtk',
        '-boot',
        'c',
        '-device',
        'virtio-scsi-pci,id=scsi0',
        '-device',
        'scsi-hd,bus=scsi0.0,drive=drive0',
        '-drive',
        'if=none,file=path_to_output,id=drive0,cache=writeback,discard=,format=qcow2,detect-zeroes=on',
        '-drive',
        'file=fake_cd_path.iso,media=cdrom',
      ],
    },
    {
      reason: 'virtio-scsi interface, bootable iso, cdrom',
      config: {
        disk_interface: 'virtio-scsi',
        output_directory: 'path_to_output',
        disk_cache: 'writeback',
        format: 'qcow2',
        disk_detect_zeroes: 'off',
      },
      state: { cdPath: 'fake_cd_path.iso', diskPaths: ['qemupath1', 'qemupath2'] },
      expected: [
        '-display',
        'gtk',
        '-boot',
        'once=d',
        '-device',
        'virtio-scsi-pci,id=scsi0',
        '-device',
        'scsi-hd,bus=scsi0.0,drive=drive0',
        '-device',
        'scsi-hd,bus=scsi0.0,drive=drive1',
        '-drive',
        'if=none,file=qemupath1,id=drive0,cache=writeback,discard=,format=qcow2',
        '-drive',
        'if=none,file=qemupath2,id=drive1,cache=writeback,discard=,format=qcow2',
        '-drive',
        'file=/path/to/test.iso,media=cdrom',
        '-drive',
        'file=fake_cd_path.iso,media=cdrom',
      ],
    },
    {
      reason: 'virtio-scsi interface, DiskImage false, no extra disks or cds',
      config: {
        disk_interface: 'virtio-scsi',
        output_directory: 'path_to_output',
        disk_cache: 'writeback',
        format: 'qcow2',
      },
      state: { diskPaths: ['output/dir/path/mydisk.qcow2'] },
      expected: [
        '-display',
        'gtk',
        '-boot',
        'once=d',
        '-device',
        'virtio-scsi-pci,id=scsi0',
        '-device',
        'scsi-hd,bus=scsi0.0,drive=drive0',
        '-drive',
        'if=none,file=output/dir/path/mydisk.qcow2,id=drive0,cache=writeback,discard=,format=qcow2,detect-zeroes=',
        '-drive',
        'file=/path/to/test.iso,media=cdrom',
      ],
    },
    {
      reason: 'cd_path is set and DiskImage is false',
      config: {},
      state: { cdPath: 'fake_cd_path.iso', diskPaths: ['output/dir/path/mydisk.qcow2'] },
      expected: [
        '-display',
        'gtk',
        '-boot',
        'once=d',
        '-drive',
        'file=output/dir/path/mydisk.qcow2,if=,cache=,discard=,format=,detect-zeroes=',
        '-drive',
        'file=/path/to/test.iso,media=cdrom',
        '-drive',
        'file=fake_cd_path.iso,media=cdrom',
      ],
    },
    {
      reason: 'version less than 2',
      config: {
        output_directory: 'path_to_output',
        disk_interface: 'virtio',
        disk_cache: 'writeback',
        format: 'qcow2',
      },
      state: { diskPaths: ['output/dir/path/mydisk.qcow2'] },
      v2: false,
      expected: [
        '-boot',
        'once=d',
        '-drive',
        'file=path_to_output,if=virtio,cache=writeback,format=qcow2',
        '-drive',
        'file=/path/to/test.iso,media=cdrom',
      ],
    },
    {
      reason: 'virtio interface with extra disks',
      config: {
        output_directory: 'path_to_output',
        disk_interface: 'virtio',
        disk_cache: 'writeback',
        format: 'qcow2',
      },
      state: { cdPath: 'fake_cd_path.iso', diskPaths: ['qemupath1', 'qemupath2'] },
      expected: [
        '-display',
        'gtk',
        '-boot',
        'once=d',
        '-drive',
        'file=qemupath1,if=virtio,cache=writeback,discard=,format=qcow2,detect-zeroes=',
        '-drive',
        'file=qemupath2,if=virtio,cache=writeback,discard=,format=qcow2,detect-zeroes=',
        '-drive',
        'file=fake_cd_path.iso,media=cdrom',
        '-drive',
        'file=/path/to/test.iso,media=cdrom',
      ],
    },
    {
      reason: 'virtio interface with disk image',
      config: {
        disk_image: true,
        output_directory: 'path_to_output',
        disk_interface: 'virtio',
        disk_cache: 'writeback',
        format: 'qcow2',
      },
      state: { cdPath: 'fake_cd_path.iso', diskPaths: ['path_to_output'] },
      expected: [
        '-display',
        'gtk',
        '-boot',
        'c',
        '-drive',
        'file=path_to_output,if=virtio,cache=writeback,discard=,format=qcow2,detect-zeroes=',
        '-drive',
        'file=fake_cd_path.iso,media=cdrom',
      ],
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const result = args(zeroConfig(c.config), testState(c.state), c.v2 ?? true);
      expect(sorted(result)).toEqual(sorted([...base, ...c.expected]));
    });
  }
});

describe('Test_OptionalConfigOptionsGetSet', () => {
  it('password flag should be set, and d drive should be set', () => {
    const config = zeroConfig({
      vnc_use_password: true,
      qmp_enable: true,
      qmp_socket_path: 'qmp_path',
      vm_name: 'MyFancyName',
      machine_type: 'pc',
      accelerator: 'hvf',
      cpu_model: 'host',
    });
    expect(sorted(args(config, testState()))).toEqual(
      sorted([
        '-display',
        'gtk',
        '-m',
        '0M',
        '-boot',
        'once=d',
        '-cpu',
        'host',
        '-fda',
        'fake_floppy_path',
        '-name',
        'MyFancyName',
        '-netdev',
        'user,id=user.0,hostfwd=tcp::5000-:0',
        '-vnc',
        ':5,password',
        '-machine',
        'type=pc,accel=hvf',
        '-device',
        ',netdev=user.0',
        '-drive',
        'file=/path/to/test.iso,media=cdrom',
        '-qmp',
        'unix:qmp_path,server,nowait',
        '-smp',
        '1',
      ]),
    );
  });
});

describe('Test_Defaults', () => {
  const cases: Array<{
    reason: string;
    config: Partial<CommandLineConfig>;
    state?: Partial<CommandLineState>;
    expected: [string, string];
  }> = [
    { reason: 'Boot value should default to once=d', config: {}, expected: ['-boot', 'once=d'] },
    {
      reason: 'Boot value should be set to c when DiskImage is set on step',
      config: { disk_image: true },
      expected: ['-boot', 'c'],
    },
    {
      reason: 'Args should contain -qmp when qmp_enable is set',
      config: { qmp_enable: true, qmp_socket_path: '/path/to/socket' },
      expected: ['-qmp', 'unix:/path/to/socket,server,nowait'],
    },
    {
      reason: "Args contain -qmp even when socket path isn't set, if qmp enabled",
      config: { qmp_enable: true },
      expected: ['-qmp', 'unix:,server,nowait'],
    },
    { reason: 'Name is set from config', config: { vm_name: 'partyname' }, expected: ['-name', 'partyname'] },
    { reason: 'Name is set from config, even when name is blank', config: {}, expected: ['-name', ''] },
    {
      reason: "Don't add accelerator tag when no accelerator is set.",
      config: { accelerator: 'none', machine_type: 'fancymachine' },
      expected: ['-machine', 'type=fancymachine'],
    },
    {
      reason: 'Add accelerator tag when accelerator is set.',
      config: { accelerator: 'kvm', machine_type: 'fancymachine' },
      expected: ['-machine', 'type=fancymachine,accel=kvm'],
    },
    {
      reason: 'Add netbridge tag when netbridge is set.',
      config: { net_bridge: 'fakebridge' },
      expected: ['-netdev', 'bridge,id=user.0,br=fakebridge'],
    },
    {
      reason: 'No host forwarding when no net bridge and no communicator',
      config: { communicator: 'none' },
      expected: ['-netdev', 'user,id=user.0'],
    },
    {
      reason: 'Host forwarding when a communicator is configured',
      config: { communicator: 'ssh', ssh_port: 4567 },
      state: { commHostPort: 1111 },
      expected: ['-netdev', 'user,id=user.0,hostfwd=tcp::1111-:4567'],
    },
    {
      reason: 'no VNC password should be set',
      config: { vnc_bind_address: '1.1.1.1' },
      state: { vncPort: 5959 },
      expected: ['-vnc', '1.1.1.1:59'],
    },
    {
      reason: 'VNC password should be set',
      config: { vnc_bind_address: '1.1.1.1', vnc_use_password: true },
      state: { vncPort: 5959 },
      expected: ['-vnc', '1.1.1.1:59,password'],
    },
    { reason: 'Memory is set, with unit M', config: { memory: 2345 }, expected: ['-m', '2345M'] },
    { reason: "cpus are set to config's CpuCount", config: { cpus: 2 }, expected: ['-smp', '2'] },
    {
      reason: "both cpus and sockets are set to config's CpuCount and SocketCount",
      config: { cpus: 2, sockets: 1 },
      expected: ['-smp', '1,sockets=1'],
    },
    {
      reason: 'set sockets, cores and threads, implicit vCPU number computed',
      config: { sockets: 2, cores: 5, threads: 2 },
      expected: ['-smp', '20,sockets=2,cores=5,threads=2'],
    },
    {
      reason: 'set cpus, sockets and cores',
      config: { cpus: 8, sockets: 2, cores: 2 },
      expected: ['-smp', '4,sockets=2,cores=2'],
    },
    {
      reason: 'floppy path should be set under fda flag, when it exists',
      config: { cpus: 2 },
      state: { floppyPath: '/path/to/floppy' },
      expected: ['-fda', '/path/to/floppy'],
    },
    {
      reason: 'Display option should value config display',
      config: { headless: false, display: 'fakedisplay' },
      expected: ['-display', 'fakedisplay'],
    },
    { reason: 'Display option should default to gtk', config: {}, expected: ['-display', 'gtk'] },
    {
      reason: 'VGA should be set to virtio',
      config: { vga: 'virtio', disk_image: true },
      expected: ['-vga', 'virtio'],
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const { pairs } = buildCommandLine(zeroConfig(c.config), testState(c.state), { render: goRender });
      expect(pairs).toContainEqual(c.expected);
    });
  }
});

describe('Kiln-specific behaviour of the command line', () => {
  it('comes out in a fixed switch order, user-only switches after the defaults', () => {
    const config = zeroConfig({
      vm_name: 'vm',
      machine_type: 'pc',
      accelerator: 'tcg',
      memory: 512,
      headless: true,
      qemuargs: [['-serial', 'stdio'], ['-m', '1024M'], ['-usb']],
    });
    const line = buildCommandLine(config, testState({ floppyPath: undefined }), { render: goRender });
    expect(line.args).toEqual([
      '-name',
      'vm',
      '-machine',
      'type=pc,accel=tcg',
      '-smp',
      '1',
      '-m',
      '1024M',
      '-boot',
      'once=d',
      '-drive',
      'file=/path/to/test.iso,media=cdrom',
      '-device',
      ',netdev=user.0',
      '-netdev',
      'user,id=user.0,hostfwd=tcp::5000-:0',
      '-vnc',
      ':5',
      '-serial',
      'stdio',
      '-usb',
    ]);
    // Twice the same input, the same output: no Go map order.
    expect(buildCommandLine(config, testState({ floppyPath: undefined }), { render: goRender }).args).toEqual(
      line.args,
    );
  });

  it('joins a row’s values with nothing, accumulates rows, and gives a bare switch for an empty value', () => {
    const config = zeroConfig({
      net_device: 'virtio-net',
      qemuargs: [
        ['-drive', 'file=a.qcow2,', 'if=virtio'],
        ['-drive', 'file=b.iso,media=cdrom'],
        ['--no-acpi', ''],
        ['-device', 'virtio-net-pci,netdev=user.0'],
      ],
    });
    const { pairs } = buildCommandLine(config, testState(), { render: goRender });
    expect(pairs.filter(([k]) => k === '-drive')).toEqual([
      ['-drive', 'file=a.qcow2,if=virtio'],
      ['-drive', 'file=b.iso,media=cdrom'],
    ]);
    expect(pairs).toContainEqual(['--no-acpi', undefined]);
    // #6804: "virtio-net-pci" contains "virtio-net", so nothing is added.
    expect(pairs.filter(([k]) => k === '-device')).toEqual([['-device', 'virtio-net-pci,netdev=user.0']]);
  });

  it('renders SSHHostPort (0 with communicator none) and prints the override message', () => {
    const ssh = buildCommandLine(
      zeroConfig({ qemuargs: [['-x', '{{ .SSHHostPort }}']] }),
      testState({ commHostPort: 2345 }),
      { render: goRender },
    );
    expect(ssh.pairs).toContainEqual(['-x', '2345']);
    expect(ssh.messages.map((m) => m.text)).toContain(
      'Overriding default Qemu arguments with qemuargs template option...',
    );
    const none = buildCommandLine(
      zeroConfig({ communicator: 'none', qemuargs: [['-x', '{{ .SSHHostPort }}']] }),
      testState({ commHostPort: 2345 }),
      { render: goRender },
    );
    expect(none.pairs).toContainEqual(['-x', '0']);
  });

  it('prints the messages stepRun prints', () => {
    const { messages } = defaultArgs(
      zeroConfig({ headless: true, accelerator: 'none', vnc_bind_address: '127.0.0.1', disk_image: true }),
      testState({ vncPort: 5944, vncPassword: '' }),
    );
    expect(messages).toEqual([
      { level: 'say', text: 'Starting VM, booting disk image' },
      {
        level: 'message',
        text: 'WARNING: The VM will be started with no hardware acceleration.\nThe installation may take considerably longer to finish.\n',
      },
      {
        level: 'message',
        text: 'The VM will be run headless, without a GUI. If you want to\nview the screen of the VM, connect via VNC without a password to\nvnc://127.0.0.1:5944',
      },
    ]);
  });

  it('reproduces the q1 and q2 command lines of the 1.6.6 reference runs (switch for switch)', () => {
    // q1.json: disk_image, communicator none, headless, memory 256 (1.6.6 had no -smp by default).
    const q1 = buildCommandLine(
      zeroConfig({
        vm_name: 'maas-test.qcow2',
        machine_type: 'pc',
        accelerator: 'kvm',
        communicator: 'none',
        vnc_bind_address: '127.0.0.1',
        memory: 256,
        headless: true,
        disk_image: true,
        disk_interface: 'virtio',
        disk_cache: 'writeback',
        disk_discard: 'ignore',
        disk_detect_zeroes: 'off',
        format: 'qcow2',
        net_device: 'virtio-net',
        output_directory: 'out-q1',
      }),
      testState({
        vncPort: 5944,
        floppyPath: undefined,
        isoPath: undefined,
        diskPaths: ['out-q1/maas-test.qcow2'],
      }),
      { render: goRender },
    );
    const packer166q1 =
      '-drive file=out-q1/maas-test.qcow2,if=virtio,cache=writeback,discard=ignore,format=qcow2 -boot c -name maas-test.qcow2 -machine type=pc,accel=kvm -netdev user,id=user.0 -vnc 127.0.0.1:44 -m 256M -device virtio-net,netdev=user.0';
    expect(sorted(q1.args.filter((a, i, all) => a !== '-smp' && all[i - 1] !== '-smp'))).toEqual(
      sorted(packer166q1.split(' ')),
    );

    // q2.json: ISO, cpus 2, virtio-scsi, one extra disk, q35, e1000, qemuargs [-serial][-m][-display].
    const q2 = buildCommandLine(
      zeroConfig({
        vm_name: 'img',
        machine_type: 'q35',
        accelerator: 'kvm',
        vnc_bind_address: '127.0.0.1',
        ssh_port: 22,
        memory: 512,
        cpus: 2,
        headless: true,
        disk_interface: 'virtio-scsi',
        disk_cache: 'writeback',
        disk_discard: 'unmap',
        disk_detect_zeroes: 'unmap',
        format: 'qcow2',
        net_device: 'e1000',
        output_directory: 'out-q2',
        qemuargs: [
          ['-serial', 'file:serial.log'],
          ['-m', '384M'],
          ['-display', 'none'],
        ],
      }),
      testState({
        commHostPort: 3952,
        vncPort: 5986,
        floppyPath: undefined,
        isoPath: 'fake.iso',
        diskPaths: ['out-q2/img', 'out-q2/img-1'],
      }),
      { render: goRender },
    );
    // 1.6.6 wrote `-smp cpus=2,sockets=2`; HEAD (which Kiln follows) writes `-smp 2`.
    const packer166q2 =
      '-name img -smp cpus=2,sockets=2 -machine type=q35,accel=kvm -netdev user,id=user.0,hostfwd=tcp::3952-:22 -serial file:serial.log -m 384M -display none -drive if=none,file=out-q2/img,id=drive0,cache=writeback,discard=unmap,format=qcow2,detect-zeroes=unmap -drive if=none,file=out-q2/img-1,id=drive1,cache=writeback,discard=unmap,format=qcow2,detect-zeroes=unmap -drive file=fake.iso,media=cdrom -vnc 127.0.0.1:86 -device virtio-scsi-pci,id=scsi0 -device scsi-hd,bus=scsi0.0,drive=drive0 -device scsi-hd,bus=scsi0.0,drive=drive1 -device e1000,netdev=user.0 -boot once=d';
    expect(sorted(q2.args)).toEqual(sorted(packer166q2.replace('cpus=2,sockets=2', '2').split(' ')));
  });

  it('computes -smp like QemuSMPConfig.getDefaultCmdLine', () => {
    expect(smpArgument({ cpus: 0, sockets: 0, cores: 0, threads: 0 })).toBe('1');
    expect(smpArgument({ cpus: 3, sockets: 0, cores: 0, threads: 0 })).toBe('3');
    expect(smpArgument({ cpus: 0, sockets: 0, cores: 4, threads: 0 })).toBe('4,cores=4');
    expect(smpArgument({ cpus: 2, sockets: 0, cores: 4, threads: 0 })).toBe('2,cores=4');
  });
});
