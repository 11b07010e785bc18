/**
 * The qemu-system command line, exactly as packer-plugin-qemu's stepRun builds it: a map of default
 * switches (getDefaultArgs / getDeviceAndDriveArgs), then `qemuargs` merged in per switch
 * (applyUserOverrides): a switch the user names replaces every default value of that switch, rows
 * of the same switch accumulate, a row's values are joined with nothing between them, an empty value
 * gives a bare switch, and when `-device` rows leave out the net device it is added (#6804).
 *
 * Packer flattens the map in Go's random order; Kiln uses a fixed order (the defaults in the order
 * below, then switches only the user gave, in the order they first appear), so tests compare the
 * result as a multiset of (switch, value) pairs as the plugin's own tests do.
 */
import type { QemuBuilderConfig } from '../../template/schema/components/builder-qemu';

/** What stepRun reads from the config. */
export type CommandLineConfig = Pick<
  QemuBuilderConfig,
  | 'vm_name'
  | 'machine_type'
  | 'accelerator'
  | 'firmware'
  | 'use_pflash'
  | 'net_bridge'
  | 'net_device'
  | 'communicator'
  | 'ssh_port'
  | 'winrm_port'
  | 'vnc_bind_address'
  | 'vnc_use_password'
  | 'memory'
  | 'cpus'
  | 'sockets'
  | 'cores'
  | 'threads'
  | 'cpu_model'
  | 'headless'
  | 'display'
  | 'use_default_display'
  | 'vtpm'
  | 'tpm_device_type'
  | 'vga'
  | 'disk_interface'
  | 'disk_cache'
  | 'disk_discard'
  | 'disk_detect_zeroes'
  | 'format'
  | 'disk_image'
  | 'cdrom_interface'
  | 'efi_boot'
  | 'efi_firmware_code'
  | 'qmp_enable'
  | 'qmp_socket_path'
  | 'output_directory'
  | 'http_directory'
  | 'qemuargs'
>;

/** What earlier steps put in the state bag (Packer's keys in comments). */
export interface CommandLineState {
  /** `commHostPort`: the forwarded host port (absent with communicator none). */
  commHostPort?: number;
  /** `vnc_port`: the real TCP port (5900 + display). */
  vncPort: number;
  /** `vnc_password`. */
  vncPassword?: string;
  /** `qemu_disk_paths`: main disk first, then the extra disks. */
  diskPaths: string[];
  /** `iso_path` (ISO mode). */
  isoPath?: string;
  /** `cd_path` (from cd_files/cd_content). */
  cdPath?: string;
  /** `floppy_path`. */
  floppyPath?: string;
  /** The per-build copy of the EFI VARS (`<output_directory>/efivars.fd`). */
  efivarsPath?: string;
  /** swtpm's socket. */
  vtpmSocketPath?: string;
  /** `http_ip` and `http_port` (0 when no HTTP server runs). */
  httpIp: string;
  httpPort: number;
}

export interface CommandLineMessage {
  level: 'say' | 'message';
  text: string;
}

export interface CommandLine {
  /** The arguments after the qemu binary. */
  args: string[];
  /** The same as (switch, value) pairs; a bare switch has value undefined. */
  pairs: Array<[string, string | undefined]>;
  /** What stepRun prints while building it, in order. */
  messages: CommandLineMessage[];
}

/** Go's text/template rendering of one qemuargs string with the given data. */
export type RenderArg = (template: string, data: Readonly<Record<string, string>>) => string;

export interface CommandLineOptions {
  /** qemu ≥ 2.0 (always true for the qemu this engine supports; kept for the plugin's test cases). */
  atLeastVersion2?: boolean;
  render: RenderArg;
}

type DefaultValue = string | string[];

/** The fixed order the default switches come out in. */
const SWITCH_ORDER = [
  '-name',
  '-machine',
  '-cpu',
  '-smp',
  '-m',
  '-boot',
  '-bios',
  '-fda',
  '-drive',
  '-device',
  '-netdev',
  '-vnc',
  '-display',
  '-vga',
  '-qmp',
  '-chardev',
  '-tpmdev',
];

/** QemuSMPConfig.getDefaultCmdLine. */
export function smpArgument(
  config: Pick<CommandLineConfig, 'cpus' | 'sockets' | 'cores' | 'threads'>,
): string {
  const terms = [config.sockets, config.cores, config.threads].filter((n) => n > 0);
  const total = terms.length ? terms.reduce((a, b) => a * b, 1) : 0;
  if (total === 0 && config.cpus === 0) return '1';
  let count = config.cpus === 0 ? total : config.cpus;
  if (count > total && total !== 0) count = total;
  let smp = String(count);
  if (config.sockets > 0) smp += `,sockets=${config.sockets}`;
  if (config.cores > 0) smp += `,cores=${config.cores}`;
  if (config.threads > 0) smp += `,threads=${config.threads}`;
  return smp;
}

/** The guest port the communicator forwards to (communicator.Config.Port()). */
export function communicatorPort(
  config: Pick<CommandLineConfig, 'communicator' | 'ssh_port' | 'winrm_port'>,
): number {
  const type = config.communicator || 'ssh';
  if (type === 'winrm') return config.winrm_port;
  if (type === 'ssh') return config.ssh_port;
  return 0;
}

/** getVncConnectionMessage. */
export function vncConnectionMessage(headless: boolean, vnc: string, password: string): string {
  if (!headless) return '';
  if (vnc === '') {
    return (
      "The VM will be run headless, without a GUI, as configured.\nIf the run isn't succeeding as you expect, please enable the GUI\n" +
      'to inspect the progress of the build.'
    );
  }
  if (password !== '') {
    return `The VM will be run headless, without a GUI. If you want to\nview the screen of the VM, connect via VNC to vnc://${vnc}\nwith the password: ${password}`;
  }
  return `The VM will be run headless, without a GUI. If you want to\nview the screen of the VM, connect via VNC without a password to\nvnc://${vnc}`;
}

function deviceAndDriveArgs(
  config: CommandLineConfig,
  state: CommandLineState,
  atLeastVersion2: boolean,
): { devices: string[]; drives: string[] } {
  const devices: string[] = [];
  const drives: string[] = [];
  let scsiIndex = 0;
  if (atLeastVersion2) {
    state.diskPaths.forEach((path, i) => {
      let drive = `file=${path},if=${config.disk_interface},cache=${config.disk_cache},discard=${config.disk_discard},format=${config.format}`;
      if (config.disk_interface === 'virtio-scsi') {
        if (scsiIndex === 0) devices.push('virtio-scsi-pci,id=scsi0');
        devices.push(`scsi-hd,bus=scsi0.0,drive=drive${i}`);
        drive = `if=none,file=${path},id=drive${i},cache=${config.disk_cache},discard=${config.disk_discard},format=${config.format}`;
        scsiIndex++;
      }
      if (config.disk_detect_zeroes !== 'off') drive += `,detect-zeroes=${config.disk_detect_zeroes}`;
      drives.push(drive);
    });
  } else {
    const imgPath = joinPath(config.output_directory, config.vm_name);
    drives.push(
      `file=${imgPath},if=${config.disk_interface},cache=${config.disk_cache},format=${config.format}`,
    );
  }

  devices.push(`${config.net_device},netdev=user.0`);

  const cdPaths: string[] = [];
  if (!config.disk_image && state.isoPath !== undefined) cdPaths.push(state.isoPath);
  if (state.cdPath) cdPaths.push(state.cdPath);
  cdPaths.forEach((cd, i) => {
    if (!config.cdrom_interface) {
      drives.push(`file=${cd},media=cdrom`);
    } else if (config.cdrom_interface === 'virtio-scsi') {
      if (scsiIndex === 0) devices.push('virtio-scsi-pci,id=scsi0');
      drives.push(`file=${cd},if=none,index=${scsiIndex},id=cdrom${i},media=cdrom`);
      devices.push('virtio-scsi-device', `scsi-cd,drive=cdrom${i}`);
      scsiIndex++;
    } else {
      drives.push(`file=${cd},if=${config.cdrom_interface},index=${i},id=cdrom${i},media=cdrom`);
    }
  });

  if (config.firmware !== '' && config.use_pflash) {
    drives.push(`file=${config.firmware},if=pflash,format=raw,readonly=on`);
  }
  if (config.efi_boot) {
    drives.push(`file=${config.efi_firmware_code},if=pflash,unit=0,format=raw,readonly=on`);
    drives.push(`file=${state.efivarsPath ?? ''},if=pflash,unit=1,format=raw`);
  }
  if (config.vtpm) devices.push(`${config.tpm_device_type},tpmdev=tpm0`);
  return { devices, drives };
}

/** Go's filepath.Join for the two relative pieces stepRun joins. */
function joinPath(dir: string, name: string): string {
  if (!dir) return name;
  if (!name) return dir;
  return `${dir.replace(/\/+$/, '')}/${name}`;
}

/** getDefaultArgs: the switch map before qemuargs, and the messages printed while building it. */
export function defaultArgs(
  config: CommandLineConfig,
  state: CommandLineState,
  options: { atLeastVersion2?: boolean } = {},
): { args: Map<string, DefaultValue>; messages: CommandLineMessage[] } {
  const atLeastVersion2 = options.atLeastVersion2 ?? true;
  const args = new Map<string, DefaultValue>();
  const messages: CommandLineMessage[] = [];

  messages.push({
    level: 'say',
    text: config.disk_image ? 'Starting VM, booting disk image' : 'Starting VM, booting from CD-ROM',
  });
  if (!config.efi_boot) args.set('-boot', config.disk_image ? 'c' : 'once=d');
  if (config.qmp_enable) args.set('-qmp', `unix:${config.qmp_socket_path},server,nowait`);
  args.set('-name', config.vm_name);
  if (config.accelerator === 'none') {
    args.set('-machine', `type=${config.machine_type}`);
    messages.push({
      level: 'message',
      text: 'WARNING: The VM will be started with no hardware acceleration.\nThe installation may take considerably longer to finish.\n',
    });
  } else {
    args.set('-machine', `type=${config.machine_type},accel=${config.accelerator}`);
  }
  if (config.firmware !== '' && !config.use_pflash) args.set('-bios', config.firmware);

  if (config.net_bridge !== '') {
    args.set('-netdev', `bridge,id=user.0,br=${config.net_bridge}`);
  } else if ((config.communicator || 'ssh') !== 'none') {
    args.set(
      '-netdev',
      `user,id=user.0,hostfwd=tcp::${state.commHostPort ?? 0}-:${communicatorPort(config)}`,
    );
  } else {
    args.set('-netdev', 'user,id=user.0');
  }

  const vncIp = config.vnc_bind_address;
  const vncDisplay = state.vncPort - 5900;
  args.set('-vnc', `${vncIp}:${vncDisplay}${config.vnc_use_password ? ',password' : ''}`);
  const message = vncConnectionMessage(config.headless, `${vncIp}:${state.vncPort}`, state.vncPassword ?? '');
  if (message) messages.push({ level: 'message', text: message });

  args.set('-m', `${config.memory}M`);
  args.set('-smp', smpArgument(config));
  if (config.cpu_model !== '') args.set('-cpu', config.cpu_model);
  if (state.floppyPath !== undefined) args.set('-fda', state.floppyPath);

  if (!config.headless) {
    if (atLeastVersion2) {
      if (config.display.length > 0 && config.display !== 'none') args.set('-display', config.display);
      else if (!config.use_default_display) args.set('-display', 'gtk');
    } else {
      messages.push({
        level: 'message',
        text: "WARNING: The version of qemu  on your host doesn't support display mode.\nThe display parameter will be ignored.",
      });
    }
  }
  if (config.vtpm) {
    args.set('-chardev', `socket,id=vtpm,path=${state.vtpmSocketPath ?? ''}`);
    args.set('-tpmdev', 'emulator,id=tpm0,chardev=vtpm');
  }
  if (config.vga !== '') args.set('-vga', config.vga);

  const { devices, drives } = deviceAndDriveArgs(config, state, atLeastVersion2);
  args.set('-device', devices);
  args.set('-drive', drives);
  return { args, messages };
}

/** The data qemuargs strings are rendered with (qemuArgsTemplateData). */
export function qemuArgsTemplateData(
  config: CommandLineConfig,
  state: CommandLineState,
): Record<string, string> {
  const comm = config.communicator || 'ssh';
  return {
    HTTPIP: state.httpIp,
    HTTPPort: String(state.httpPort),
    HTTPDir: config.http_directory,
    OutputDir: config.output_directory,
    Name: config.vm_name,
    SSHHostPort: String(comm !== 'none' ? (state.commHostPort ?? 0) : 0),
  };
}

/** getCommandArgs: defaults, then applyUserOverrides, flattened in Kiln's fixed order. */
export function buildCommandLine(
  config: CommandLineConfig,
  state: CommandLineState,
  options: CommandLineOptions,
): CommandLine {
  const { args: defaults, messages } = defaultArgs(config, state, options);
  const user = new Map<string, string[]>();
  if (config.qemuargs.length > 0) {
    messages.push({
      level: 'say',
      text: 'Overriding default Qemu arguments with qemuargs template option...',
    });
    const data = qemuArgsTemplateData(config, state);
    for (const row of config.qemuargs) {
      if (row.length === 0) continue;
      const rendered = row.map((part) => options.render(part, data));
      const key = rendered[0];
      const value = rendered.slice(1).join('');
      if (!user.has(key)) user.set(key, []);
      if (value.length > 0) user.get(key)!.push(value);
    }
  }

  const merged = new Map<string, string[]>();
  const defaultKeys = [
    ...SWITCH_ORDER.filter((k) => defaults.has(k)),
    ...[...defaults.keys()].filter((k) => !SWITCH_ORDER.includes(k)),
  ];
  for (const key of defaultKeys) {
    const value = defaults.get(key)!;
    merged.set(key, user.has(key) ? user.get(key)! : Array.isArray(value) ? [...value] : [value]);
  }
  for (const [key, values] of user) if (!merged.has(key)) merged.set(key, values);

  const device = merged.get('-device');
  if (device && !device.join('').includes(config.net_device)) {
    device.push(`${config.net_device},netdev=user.0`);
  }

  const pairs: Array<[string, string | undefined]> = [];
  for (const [key, values] of merged) {
    if (values.length > 0) for (const value of values) pairs.push([key, value]);
    else pairs.push([key, undefined]);
  }
  const out = pairs.flatMap(([key, value]) => (value === undefined ? [key] : [key, value]));
  return { args: out, pairs, messages };
}
