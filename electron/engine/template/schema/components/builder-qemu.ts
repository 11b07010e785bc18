/**
 * The qemu builder (hashicorp/packer-plugin-qemu 1.1.x `builder/qemu`): every key, with the sdk's
 * embedded configs (HTTP, ISO, boot/VNC, shutdown, communicator, floppy, CD), and Prepare in the
 * plugin's order so errors come out as Packer lists them.
 */
import {
  BOOT_FIELDS,
  SHUTDOWN_FIELDS,
  prepareBoot,
  prepareShutdown,
  type BootConfig,
  type ShutdownConfig,
} from '../common/boot';
import {
  COMMUNICATOR_FIELDS,
  communicatorHost,
  prepareCommunicator,
  type CommunicatorConfig,
} from '../common/communicator';
import { HTTP_FIELDS, prepareHttp, type HttpConfig } from '../common/http';
import { ISO_FIELDS, prepareIso, type IsoConfig } from '../common/iso';
import {
  CD_FIELDS,
  FLOPPY_FIELDS,
  prepareCd,
  prepareFloppy,
  type CdConfig,
  type FloppyConfig,
} from '../common/media';
import { block, bool, int, known, str, stringList, stringListList } from '../fields';
import { resolvePath, statError } from '../paths';
import type { ComponentSchema, FieldsOf, PrepareContext } from '../types';

export interface QemuImgArgs {
  convert: string[];
  create: string[];
  resize: string[];
}

export interface QemuBuilderConfig
  extends HttpConfig, IsoConfig, BootConfig, ShutdownConfig, CommunicatorConfig, FloppyConfig, CdConfig {
  host_port_min: number;
  host_port_max: number;
  skip_nat_mapping: boolean;
  ssh_host_port_min: number;
  ssh_host_port_max: number;
  cpus: number;
  sockets: number;
  cores: number;
  threads: number;
  efi_boot: boolean;
  efi_firmware_code: string;
  efi_firmware_vars: string;
  efi_drop_efivars: boolean;
  iso_skip_cache: boolean;
  /** `''` after Prepare means "choose": the builder probes KVM and falls back to TCG. */
  accelerator: string;
  disk_additional_size: string[];
  firmware: string;
  use_pflash: boolean;
  disk_interface: string;
  /** After Prepare always with a unit: `40960M`, `8G`. */
  disk_size: string;
  skip_resize_disk: boolean;
  disk_cache: string;
  disk_discard: string;
  disk_detect_zeroes: string;
  skip_compaction: boolean;
  disk_compression: boolean;
  format: string;
  headless: boolean;
  disk_image: boolean;
  use_backing_file: boolean;
  machine_type: string;
  /** Megabytes. */
  memory: number;
  net_device: string;
  net_bridge: string;
  output_directory: string;
  qemuargs: string[][];
  qemu_img_args: QemuImgArgs;
  qemu_binary: string;
  qmp_enable: boolean;
  qmp_socket_path: string;
  use_default_display: boolean;
  vga: string;
  display: string;
  vnc_bind_address: string;
  vnc_use_password: boolean;
  vnc_password: string;
  vnc_port_min: number;
  vnc_port_max: number;
  vm_name: string;
  cdrom_interface: string;
  vtpm: boolean;
  use_tpm1: boolean;
  tpm_device_type: string;
  /** `[command, description?]` pairs. */
  boot_steps: string[][];
  cpu_model: string;
  run_once: boolean;
}

export const ACCELERATORS = ['kvm', 'tcg', 'xen', 'hax', 'hvf', 'whpx', 'none'];
export const DISK_INTERFACES = ['ide', 'sata', 'scsi', 'sd', 'virtio', 'virtio-scsi'];
export const DISK_CACHES = ['writethrough', 'writeback', 'none', 'unsafe', 'directsync'];
export const DISK_DISCARDS = ['unmap', 'ignore'];
export const DISK_DETECT_ZEROES = ['unmap', 'on', 'off'];
export const NET_DEVICES = [
  'ne2k_pci',
  'i82551',
  'i82557b',
  'i82559er',
  'rtl8139',
  'e1000',
  'pcnet',
  'virtio',
  'virtio-net',
  'virtio-net-pci',
  'usb-net',
  'i82559a',
  'i82559b',
  'i82559c',
  'i82550',
  'i82562',
  'i82557a',
  'i82557c',
  'i82801',
  'vmxnet3',
  'i82558a',
  'i82558b',
];
const IMG_ARGS_DOC = 'Extra arguments for one qemu-img sub-command (not split into switch/value pairs).';

export const QEMU_IMG_ARGS_FIELDS: FieldsOf<QemuImgArgs> = {
  convert: stringList(IMG_ARGS_DOC + ' `qemu-img convert <args> -O <format> <src> <dst>`.'),
  create: stringList(IMG_ARGS_DOC + ' `qemu-img create -f <format> <args> <path> <size>`.', {
    details: 'packer-maas passes `["-F", "qcow2"]` here so a backing-file disk names its backing format.',
  }),
  resize: stringList(IMG_ARGS_DOC + ' `qemu-img resize -f <format> <args> <path> <size>`.'),
};

const QEMU_OWN_FIELDS = {
  host_port_min: int('Lowest host port for the SSH/WinRM port forward.', {
    default: { value: 2222, text: '2222' },
  }),
  host_port_max: int(
    'Highest host port for the SSH/WinRM port forward (a free port in the range is picked).',
    {
      default: { value: 4444, text: '4444' },
    },
  ),
  skip_nat_mapping: bool(
    'Do not forward a host port to the guest; connect to ssh_port on the host directly.',
    {
      default: { value: false, text: 'false' },
    },
  ),
  ssh_host_port_min: int('Deprecated name of `host_port_min`.', {
    deprecated: {
      message:
        'ssh_host_port_min is deprecated and is being replaced by host_port_min. Please, update your template to use host_port_min. In future versions of Packer, inclusion of ssh_host_port_min will error your builds.',
      replacement: 'host_port_min',
      packer: true,
    },
  }),
  ssh_host_port_max: int('Deprecated name of `host_port_max`.', {
    deprecated: {
      message:
        'ssh_host_port_max is deprecated and is being replaced by host_port_max. Please, update your template to use host_port_max. In future versions of Packer, inclusion of ssh_host_port_max will error your builds.',
      replacement: 'host_port_max',
      packer: true,
    },
  }),
  cpus: int('Number of virtual CPUs.', {
    details:
      'qemu gets `-smp <cpus>[,sockets=S][,cores=C][,threads=T]`. Unset: 1, or sockets × cores × threads when a ' +
      "topology is given; a count above the topology's product is capped to it.",
    default: { value: 0, text: '1' },
  }),
  sockets: int('CPU sockets in the topology.', { default: { value: 0, text: 'unset (qemu decides)' } }),
  cores: int('Cores per socket.', { default: { value: 0, text: 'unset (qemu decides)' } }),
  threads: int('Threads per core.', { default: { value: 0, text: 'unset (qemu decides)' } }),
  efi_boot: bool('Boot with UEFI firmware (OVMF) instead of BIOS.', {
    details:
      'Turned on automatically when `efi_firmware_code` or `efi_firmware_vars` is set. The VARS file is copied to ' +
      '`<output_directory>/efivars.fd` for each build. Secure Boot firmware needs `machine_type = "q35"`.',
    default: { value: false, text: 'false' },
  }),
  efi_firmware_code: str('The UEFI firmware code (OVMF_CODE).', {
    default: { value: '/usr/share/OVMF/OVMF_CODE.fd', text: '/usr/share/OVMF/OVMF_CODE.fd (with efi_boot)' },
    path: 'file',
  }),
  efi_firmware_vars: str('The UEFI variable store template (OVMF_VARS), copied for each build.', {
    default: { value: '/usr/share/OVMF/OVMF_VARS.fd', text: '/usr/share/OVMF/OVMF_VARS.fd (with efi_boot)' },
    path: 'file',
  }),
  efi_drop_efivars: bool('Leave efivars.fd out of the artifact (only the disks are listed).', {
    default: { value: false, text: 'false' },
  }),
  iso_skip_cache: bool(
    'Let qemu read the ISO from its URL instead of downloading it (checksum becomes none).',
    {
      details: 'The HTTP server must support byte ranges (`Accept-Ranges: bytes`).',
      default: { value: false, text: 'false' },
    },
  ),
  accelerator: str('Hardware acceleration: `kvm`, `tcg`, `xen`, `hax`, `hvf`, `whpx` or `none`.', {
    details:
      'Unset, Packer uses kvm when /dev/kvm can be opened and tcg otherwise. Kiln goes further: it uses KVM only ' +
      'after a quick check proves a guest really boots with it, and says so when it falls back to TCG.',
    default: { value: '', text: 'kvm if it works, else tcg' },
    allowed: ACCELERATORS,
  }),
  disk_additional_size: stringList('Sizes of extra disks (`<vm_name>-1`, `-2`, …), with qemu-img units.', {
    details: "Each extra disk uses the main disk's interface, cache, discard and format settings.",
  }),
  firmware: str(
    'A BIOS/firmware file for qemu (`-bios`, or a pflash drive with use_pflash). Use efi_* for UEFI.',
    {
      path: 'file',
    },
  ),
  use_pflash: bool('Attach `firmware` as a read-only pflash drive instead of `-bios`.', {
    default: { value: false, text: 'false' },
  }),
  disk_interface: str('Interface of the disks: `virtio`, `virtio-scsi`, `ide`, `sata`, `scsi` or `sd`.', {
    default: { value: 'virtio', text: 'virtio' },
    allowed: DISK_INTERFACES,
  }),
  disk_size: str(
    'Size of the main disk: a number with an optional unit b, k, M, G or T (no unit = megabytes).',
    {
      details:
        'With disk_image the image is grown to this size with `qemu-img resize` (unless skip_resize_disk).',
      default: { value: '40960M', text: '40960M' },
    },
  ),
  skip_resize_disk: bool('With disk_image: do not resize the image to disk_size.', {
    default: { value: false, text: 'false' },
  }),
  disk_cache: str('qemu cache mode of the disks.', {
    default: { value: 'writeback', text: 'writeback' },
    allowed: DISK_CACHES,
  }),
  disk_discard: str('qemu discard mode of the disks (`unmap` passes TRIM through).', {
    default: { value: 'ignore', text: 'ignore' },
    allowed: DISK_DISCARDS,
  }),
  disk_detect_zeroes: str('qemu detect-zeroes mode of the disks.', {
    default: { value: 'off', text: 'off' },
    allowed: DISK_DETECT_ZEROES,
  }),
  skip_compaction: bool('Do not compact the qcow2 disk with `qemu-img convert` after the build.', {
    details: 'Forced on for raw output and for use_backing_file.',
    default: { value: false, text: 'false' },
  }),
  disk_compression: bool('Compress the qcow2 disk (`qemu-img convert -c`) after the build.', {
    default: { value: false, text: 'false' },
  }),
  format: str('Output disk format: `qcow2` or `raw`.', {
    default: { value: 'qcow2', text: 'qcow2' },
    allowed: ['qcow2', 'raw'],
  }),
  headless: bool('Start qemu without a window (Kiln shows the console in the app either way).', {
    default: { value: false, text: 'false' },
  }),
  disk_image: bool(
    'iso_url is a bootable disk image (a cloud image) to copy or back onto, not an installer ISO.',
    {
      default: { value: false, text: 'false' },
    },
  ),
  use_backing_file: bool(
    'With disk_image and qcow2: create a new disk backed by the image instead of copying it.',
    {
      details: 'The result only holds the blocks that changed; skip_compaction is forced on.',
      default: { value: false, text: 'false' },
    },
  ),
  machine_type: str(
    'qemu machine type (`pc`, `q35`, `virt`, …; `qemu-system-x86_64 -machine help` lists them).',
    {
      default: { value: 'pc', text: 'pc' },
    },
  ),
  memory: int('Memory of the VM in megabytes (values under 10 become 512).', {
    default: { value: 512, text: '512' },
  }),
  net_device: str('The network card qemu emulates.', {
    default: { value: 'virtio-net', text: 'virtio-net' },
    allowed: NET_DEVICES,
  }),
  net_bridge: str(
    'Attach the network to this existing host bridge instead of user-mode networking (Linux only).',
    {
      details: 'Turns on the QMP socket; the guest address is then looked up in the host ARP table.',
    },
  ),
  output_directory: str('Folder the build writes its disks into; it must not exist yet (unless -force).', {
    default: { text: 'output-<build name>' },
    path: 'dir',
  }),
  qemuargs: stringListList(
    'Extra qemu switches: `[switch, value…]` rows that replace the defaults of the same switch.',
    {
      details:
        'Each row is a switch followed by values that are joined with nothing between them; `["-no-acpi", ""]` is a ' +
        'bare switch. Any row for a switch (say `-drive` or `-device`) replaces every default value of that switch. ' +
        'When `-device` rows do not mention net_device, `<net_device>,netdev=user.0` is added. Strings may use ' +
        '`{{ .HTTPIP }}`, `{{ .HTTPPort }}`, `{{ .HTTPDir }}`, `{{ .OutputDir }}`, `{{ .Name }}`, `{{ .SSHHostPort }}`.' +
        '\n\n```hcl\nqemuargs = [\n  ["-m", "2048M"],\n  ["-serial", "stdio"],\n]\n```',
      interpolate: false,
    },
  ),
  qemu_img_args: block(
    QEMU_IMG_ARGS_FIELDS,
    'Extra arguments for qemu-img: `convert`, `create` and `resize` lists.',
    {
      details: 'An HCL2 block:\n\n```hcl\nqemu_img_args {\n  create = ["-F", "qcow2"]\n}\n```',
    },
  ),
  qemu_binary: str('The qemu program to run (looked up on PATH).', {
    default: { value: 'qemu-system-x86_64', text: 'qemu-system-x86_64' },
  }),
  qmp_enable: bool('Open a QMP control socket.', {
    details: 'Forced on by net_bridge and vnc_use_password.',
    default: { value: false, text: 'false' },
  }),
  qmp_socket_path: str('Path of the QMP socket.', {
    default: { text: '<output_directory>/<vm_name>.monitor' },
  }),
  use_default_display: bool('Pass no `-display` to qemu (let it pick).', {
    default: { value: false, text: 'false' },
  }),
  vga: str("The VGA card to emulate (`-vga`); unset leaves qemu's default for the machine."),
  display: str('qemu `-display` backend when not headless; `none` passes no -display.', {
    default: { value: '', text: 'gtk' },
  }),
  vnc_bind_address: str('Address the VNC server listens on (`0.0.0.0` for every interface).', {
    default: { value: '127.0.0.1', text: '127.0.0.1' },
  }),
  vnc_use_password: bool('Protect VNC with a password (turns on QMP).', {
    default: { value: false, text: 'false' },
  }),
  vnc_password: str('The VNC password (at most 8 characters); random when unset.', { sensitive: true }),
  vnc_port_min: int('Lowest VNC port (5900 or more).', { default: { value: 5900, text: '5900' } }),
  vnc_port_max: int('Highest VNC port.', { default: { value: 6000, text: '6000' } }),
  vm_name: str('File name of the main disk in output_directory (no extension is added).', {
    default: { text: 'packer-<build name>' },
  }),
  cdrom_interface: str('Interface of the CD-ROM drives: `ide`, `scsi`, `virtio` or `virtio-scsi`.', {
    allowed: ['ide', 'scsi', 'virtio', 'virtio-scsi'],
  }),
  vtpm: bool('Give the VM an emulated TPM (runs swtpm).', { default: { value: false, text: 'false' } }),
  use_tpm1: bool('Emulate TPM 1.2 instead of 2.0.', { default: { value: false, text: 'false' } }),
  tpm_device_type: str('The TPM device: `tpm-tis` (x86), `tpm-tis-device` (ARM), `tpm-spapr` (POWER).', {
    default: { value: 'tpm-tis', text: 'tpm-tis' },
    allowed: ['tpm-tis', 'tpm-tis-device', 'tpm-spapr'],
  }),
  boot_steps: stringListList(
    'Like boot_command, as `[keys, description]` steps that are logged (and paused on with -debug).',
    {
      details:
        'Cannot be used together with boot_command.\n\n```hcl\nboot_steps = [\n  ["1<enter><wait5>", "Install NetBSD"],\n  ["a<enter><wait5>", "Installation messages in English"],\n]\n```',
      interpolate: false,
    },
  ),
  cpu_model: str("The CPU model (`-cpu`, e.g. `host`); unset leaves qemu's default."),
  run_once: bool('Unused; kept for old templates.', { undocumented: true }),
};

const QEMU_FIELDS: FieldsOf<QemuBuilderConfig> = {
  ...HTTP_FIELDS,
  ...ISO_FIELDS,
  ...BOOT_FIELDS,
  ...SHUTDOWN_FIELDS,
  ...COMMUNICATOR_FIELDS,
  ...FLOPPY_FIELDS,
  ...CD_FIELDS,
  ...QEMU_OWN_FIELDS,
};

type Ctx = PrepareContext<QemuBuilderConfig>;

function prepare(ctx: Ctx): void {
  const d = ctx.draft;
  prepareShutdown(ctx);

  if (d.disk_size === '' || d.disk_size === '0') d.disk_size = '40960M';
  else if (known(d.disk_size)) {
    if (!/^\d+(b|k|m|g|t)?$/.test(d.disk_size.toLowerCase())) ctx.error('Invalid disk size.', 'disk_size');
    else if (/^\d+$/.test(d.disk_size)) d.disk_size = `${d.disk_size}M`;
  }
  if (d.disk_cache === '') d.disk_cache = 'writeback';
  if (d.disk_discard === '') d.disk_discard = 'ignore';
  if (d.disk_detect_zeroes === '') d.disk_detect_zeroes = 'off';
  // accelerator '' stays: the builder probes /dev/kvm (and checks a guest really boots) when it runs.
  if (d.machine_type === '') d.machine_type = 'pc';
  if (d.output_directory === '') d.output_directory = `output-${ctx.buildName}`;
  if (d.qemu_binary === '') d.qemu_binary = 'qemu-system-x86_64';
  if (known(d.memory) && d.memory < 10) d.memory = 512;
  if (d.vnc_bind_address === '') d.vnc_bind_address = '127.0.0.1';
  if (d.vnc_port_min === 0) d.vnc_port_min = 5900;
  if (d.vnc_port_max === 0) d.vnc_port_max = 6000;
  if (d.vm_name === '') d.vm_name = `packer-${ctx.buildName}`;
  if (d.format === '') d.format = 'qcow2';
  if (d.tpm_device_type === '') d.tpm_device_type = 'tpm-tis';

  // EFI is on as soon as a firmware file is named.
  if (
    (known(d.efi_firmware_code) && d.efi_firmware_code !== '') ||
    (known(d.efi_firmware_vars) && d.efi_firmware_vars !== '')
  ) {
    d.efi_boot = true;
  }
  if (d.efi_boot === true) {
    if (d.efi_firmware_code === '') d.efi_firmware_code = '/usr/share/OVMF/OVMF_CODE.fd';
    if (d.efi_firmware_vars === '') d.efi_firmware_vars = '/usr/share/OVMF/OVMF_VARS.fd';
  }

  prepareFloppy(ctx);
  prepareCd(ctx);
  prepareBoot(ctx);
  if (d.net_device === '') d.net_device = 'virtio-net';
  if (d.disk_interface === '') d.disk_interface = 'virtio';
  if (d.iso_skip_cache === true) d.iso_checksum = 'none';
  prepareIso(ctx);
  prepareHttp(ctx);
  prepareQemuCommunicator(ctx);

  const format = d.format;
  if (known(format) && format !== 'qcow2' && format !== 'raw') {
    ctx.error("invalid format, only 'qcow2' or 'raw' are allowed", 'format');
  }
  if (known(format) && format !== 'qcow2') {
    d.skip_compaction = true;
    d.disk_compression = false;
  }
  if (d.use_backing_file === true) {
    d.skip_compaction = true;
    if (d.disk_image === false || (known(format) && format !== 'qcow2')) {
      ctx.error(
        'use_backing_file can only be enabled for QCOW2 images and when disk_image is true',
        'use_backing_file',
      );
    }
  }
  if (d.skip_resize_disk === true && d.disk_image === false) {
    ctx.error('skip_resize_disk can only be used when disk_image is true', 'skip_resize_disk');
  }
  if (known(d.accelerator) && d.accelerator !== '' && !ACCELERATORS.includes(d.accelerator)) {
    ctx.error(
      "invalid accelerator, only 'kvm', 'tcg', 'xen', 'hax', 'hvf', 'whpx', or 'none' are allowed",
      'accelerator',
    );
  }
  if (known(d.disk_interface) && !DISK_INTERFACES.includes(d.disk_interface)) {
    ctx.error('unrecognized disk interface type', 'disk_interface');
  }
  if (known(d.disk_cache) && !DISK_CACHES.includes(d.disk_cache))
    ctx.error('unrecognized disk cache type', 'disk_cache');
  if (known(d.disk_discard) && !DISK_DISCARDS.includes(d.disk_discard)) {
    ctx.error('unrecognized disk discard type', 'disk_discard');
  }
  if (known(d.disk_detect_zeroes) && !DISK_DETECT_ZEROES.includes(d.disk_detect_zeroes)) {
    ctx.error('unrecognized disk detect zeroes setting', 'disk_detect_zeroes');
  }
  for (const key of ['cpus', 'sockets', 'cores', 'threads'] as const) {
    const value = d[key];
    if (known(value) && value < 0) ctx.error(`${key} must be a positive number`, key);
  }
  if (
    !ctx.force &&
    known(d.output_directory) &&
    ctx.host.stat(resolvePath(ctx.host, d.output_directory)) !== undefined
  ) {
    ctx.error(
      `Output directory '${d.output_directory}' already exists. It must not exist.`,
      'output_directory',
    );
  }
  const vncMin = d.vnc_port_min;
  const vncMax = d.vnc_port_max;
  if (known(vncMin) && vncMin < 5900) ctx.error('vnc_port_min cannot be below 5900', 'vnc_port_min');
  if ((known(vncMin) && vncMin > 65535) || (known(vncMax) && vncMax > 65535)) {
    ctx.error('vmc_port_min and vnc_port_max must both be below 65535 to be valid TCP ports', 'vnc_port_max');
  }
  if (known(vncMin) && known(vncMax) && vncMin > vncMax)
    ctx.error('vnc_port_min must be less than vnc_port_max', 'vnc_port_min');
  const steps = d.boot_steps;
  const command = d.boot_command;
  if (known(command) && known(steps) && command.length > 0 && steps.length > 0) {
    ctx.error('boot_command and boot_steps cannot be used together', 'boot_steps');
  }
  if ((known(d.net_bridge) && d.net_bridge !== '') || d.vnc_use_password === true) d.qmp_enable = true;
  if (d.qmp_enable === true && d.qmp_socket_path === '' && known(d.output_directory) && known(d.vm_name)) {
    d.qmp_socket_path = `${d.output_directory}/${d.vm_name}.monitor`;
  }
  for (const key of ['efi_firmware_code', 'efi_firmware_vars', 'firmware'] as const) {
    const path = d[key];
    if (ctx.isSet(key) && known(path) && path !== '') {
      const missing = statError(ctx.host, path);
      if (missing)
        ctx.note('warning', `${key}: ${missing}`, key, `"${key}" names a file that does not exist here`);
    }
  }
  if (known(d.vnc_password) && d.vnc_password.length > 8) {
    // Packer only fails when the build sets the password over QMP; Kiln says so now.
    ctx.note(
      'error',
      `password length is longer than expected ${d.vnc_password.length} > 8`,
      'vnc_password',
      'VNC passwords are at most 8 characters',
    );
  }
}

/** The qemu builder's CommConfig.Prepare: deprecated port names, port defaults, the sdk communicator. */
function prepareQemuCommunicator(ctx: Ctx): void {
  const d = ctx.draft;
  for (const [old, now] of [
    ['ssh_host_port_min', 'host_port_min'],
    ['ssh_host_port_max', 'host_port_max'],
  ] as const) {
    if (d[old] !== 0) {
      ctx.warning(QEMU_OWN_FIELDS[old].deprecated!.message, old, `"${old}" is deprecated`);
      d[now] = d[old];
    }
  }
  if (d.host_port_min === 0) d.host_port_min = 2222;
  if (d.host_port_max === 0) d.host_port_max = 4444;
  prepareCommunicator(ctx);
  if (communicatorHost(d) === '' && d.skip_nat_mapping === true) {
    d.ssh_host = '127.0.0.1';
    d.winrm_host = '127.0.0.1';
  }
  const min = d.host_port_min;
  const max = d.host_port_max;
  if (known(min) && known(max) && min > max)
    ctx.error('host_port_min must be less than host_port_max', 'host_port_min');
  if (known(min) && min < 0) ctx.error('host_port_min must be positive', 'host_port_min');
}

export const qemuBuilder: ComponentSchema<QemuBuilderConfig> = {
  kind: 'builder',
  type: 'qemu',
  pluginId: 'transcend.qemu',
  doc: 'Builds a virtual machine image with QEMU: from an installer ISO, or from a cloud/disk image.',
  details:
    'Starts qemu-system with the disk, ISO or image, types `boot_command` over VNC, connects over SSH (or waits, ' +
    'with communicator `none`), runs the provisioners, shuts the VM down and leaves the disk (qcow2 or raw) in ' +
    '`output_directory`. Kiln follows packer-plugin-qemu 1.1.x: the same keys, defaults and checks.',
  fields: QEMU_FIELDS,
  prepare,
};
