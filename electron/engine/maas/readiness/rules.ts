/**
 * What MAAS and curtin need inside an image (reference notes on packer-maas §3), one rule each. Every
 * finding says what is wrong, where, and what to do about it.
 */
import { checkBaseImage, parseName } from './names';
import { CURTIN_KNOWS, suggestedBaseImage, type OsInfo } from './osinfo';
import type { ImageView } from './view';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  /** What to do about it. */
  fix: string;
  path?: string;
}

export interface RuleContext {
  /** The root file system; undefined when the image has none Kiln can read (Windows, ESXi, LVM). */
  view?: ImageView;
  os?: OsInfo;
  /** What goes to MAAS: a root file system tarball, or a whole disk. */
  artifact: 'rootfs' | 'disk';
  /** Kiln makes the artifact from this disk, and leaves machine-id and cloud-init state out itself. */
  kilnWillClean: boolean;
  filetype?: string;
  name?: string;
  baseImage?: string;
  /** Disk images: partitions with a top-level curtin/ directory, and those Kiln could not look into. */
  curtin?: { found: number[]; unreadable: string[] };
}

type Rule = (ctx: RuleContext & { view: ImageView }) => Promise<Finding[]>;

async function exists(view: ImageView, path: string, follow = true): Promise<boolean> {
  return (await view.stat(path, follow)) !== undefined;
}

async function firstExisting(view: ImageView, paths: string[]): Promise<string | undefined> {
  for (const p of paths) if (await exists(view, p)) return p;
  return undefined;
}

const cloudInit: Rule = async ({ view, kilnWillClean }) => {
  const out: Finding[] = [];
  const present = await firstExisting(view, [
    '/usr/bin/cloud-init',
    '/usr/local/bin/cloud-init',
    '/etc/cloud/cloud.cfg',
  ]);
  if (!present) {
    out.push({
      rule: 'cloud-init',
      severity: 'error',
      message:
        'cloud-init is not installed: MAAS configures a deployed machine (users, SSH keys, network, its own datasource) through cloud-init',
      fix: 'install cloud-init in the image (apt-get install cloud-init / dnf install cloud-init)',
    });
    return out;
  }
  const instances = (await view.list('/var/lib/cloud/instances')) ?? [];
  const stale: string[] = [];
  if (instances.length) stale.push(`/var/lib/cloud/instances (${instances.join(', ')})`);
  if (await exists(view, '/var/lib/cloud/instance', false)) stale.push('/var/lib/cloud/instance');
  const logs = ((await view.list('/var/log')) ?? []).filter((n) => /^cloud-init.*\.log$/.test(n));
  stale.push(...logs.map((n) => `/var/log/${n}`));
  if (stale.length) {
    out.push({
      rule: 'cloud-init-state',
      severity: kilnWillClean ? 'info' : 'error',
      message: kilnWillClean
        ? `cloud-init ran during the build (${stale.join(', ')}); Kiln leaves this state out of the tarball, as packer-maas's fuse-tar-root does`
        : `cloud-init ran during the build and its state is still there (${stale.join(', ')}): on the deployed machine it will believe first boot already happened and skip MAAS's configuration`,
      fix: 'run `cloud-init clean --logs` at the end of provisioning (packer-maas cleanup.sh does)',
      path: '/var/lib/cloud',
    });
  }
  return out;
};

async function machineIdContent(view: ImageView, path: string): Promise<string | undefined> {
  const st = await view.stat(path);
  if (!st || (st.type !== 'file' && st.type !== 'hardlink')) return undefined;
  const text = (await view.read(path))?.toString('utf8').trim() ?? (st.size > 0 ? '?' : '');
  return text && text !== 'uninitialized' ? text : undefined;
}

const machineId: Rule = async ({ view, kilnWillClean }) => {
  const out: Finding[] = [];
  for (const path of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    const id = await machineIdContent(view, path);
    if (!id) continue;
    out.push({
      rule: 'machine-id',
      severity: kilnWillClean && path === '/etc/machine-id' ? 'info' : 'error',
      message:
        kilnWillClean && path === '/etc/machine-id'
          ? `${path} holds the build VM's ID (${id}); Kiln writes it empty into the tarball, so systemd makes a new one at first boot`
          : `${path} holds the build VM's ID (${id}): every machine deployed from this image would share it (DHCP client IDs, journald, D-Bus)`,
      fix: `empty it at the end of provisioning: \`truncate -s 0 /etc/machine-id\`${path.startsWith('/var') ? ' and make /var/lib/dbus/machine-id a symlink to it' : ''}`,
      path,
    });
  }
  return out;
};

const curtinHooks: Rule = async ({ view, os, artifact, curtin }) => {
  const out: Finding[] = [];
  const hooks = await view.stat('/curtin/curtin-hooks', true);
  const customKernel = await view.stat('/curtin/CUSTOM_KERNEL', true);
  if (hooks) {
    if (hooks.type !== 'file' && hooks.type !== 'hardlink') {
      out.push({
        rule: 'curtin-hooks',
        severity: 'error',
        message: '/curtin/curtin-hooks is not a regular file',
        fix: 'make /curtin/curtin-hooks an executable script',
        path: '/curtin/curtin-hooks',
      });
    } else {
      if (!(hooks.perm & 0o111)) {
        out.push({
          rule: 'curtin-hooks',
          severity: 'error',
          message: `/curtin/curtin-hooks is not executable (mode ${hooks.perm.toString(8)}): curtin runs it directly and the deployment fails`,
          fix: 'chmod 750 /curtin/curtin-hooks (packer-maas installs it with mode 750)',
          path: '/curtin/curtin-hooks',
        });
      }
      const head = await view.read('/curtin/curtin-hooks', 2);
      if (head && head.toString('latin1', 0, 2) !== '#!') {
        out.push({
          rule: 'curtin-hooks',
          severity: 'error',
          message:
            '/curtin/curtin-hooks has no #! line: curtin executes it, and the kernel refuses a file it cannot recognise',
          fix: 'start the script with its interpreter, e.g. #!/usr/bin/env python3',
          path: '/curtin/curtin-hooks',
        });
      }
      out.push({
        rule: 'curtin-hooks',
        severity: 'info',
        message:
          "/curtin/curtin-hooks replaces curtin's built-in hooks entirely: it must set up networking, fstab and the boot loader itself",
        fix: "nothing, if the hooks do that (packer-maas's hooks call curtin's helpers for it)",
        path: '/curtin/curtin-hooks',
      });
    }
  }
  if (customKernel && !hooks && os?.family === 'ubuntu') {
    out.push({
      rule: 'curtin-hooks',
      severity: 'error',
      message:
        '/curtin/CUSTOM_KERNEL is set but there is no /curtin/curtin-hooks to read it: MAAS will install its own kernel choice instead',
      fix: "install packer-maas's curtin-hooks as /curtin/curtin-hooks (its setup-curtin.sh does when CUSTOM_KERNEL exists)",
      path: '/curtin/CUSTOM_KERNEL',
    });
  }
  if (
    artifact === 'rootfs' &&
    os &&
    !hooks &&
    !CURTIN_KNOWS.has(os.id) &&
    !os.idLike.some((x) => CURTIN_KNOWS.has(x))
  ) {
    out.push({
      rule: 'curtin-hooks',
      severity: 'error',
      message: `curtin has no built-in support for ${os.prettyName} (ID=${os.id}) and the image has no /curtin/curtin-hooks: curtin cannot configure it`,
      fix: 'ship curtin hooks (a curtin/ directory with curtin-hooks; Kiln adds it with --curtin DIR), or present the OS as one curtin knows',
    });
  }
  if (artifact === 'disk' && curtin) {
    if (curtin.found.length === 0) {
      out.push({
        rule: 'curtin-dd',
        severity: curtin.unreadable.length ? 'warning' : 'error',
        message: curtin.unreadable.length
          ? `no partition Kiln could read has a top-level curtin/ directory; it could not look into ${curtin.unreadable.join(', ')}`
          : 'no partition has a top-level curtin/ directory: curtin picks the partition to configure in a disk image by it, and fails without one',
        fix: 'put a curtin/ directory (with curtin-hooks where the OS needs them) at the top of the root partition',
      });
    }
  }
  return out;
};

const network: Rule = async ({ view, os }) => {
  const out: Finding[] = [];
  if (!os) return out;
  const cfgDir = '/etc/cloud/cloud.cfg.d';
  for (const name of (await view.list(cfgDir)) ?? []) {
    const path = `${cfgDir}/${name}`;
    if (name === 'subiquity-disable-cloudinit-networking.cfg') {
      out.push({
        rule: 'network',
        severity: 'error',
        message: `${path} stops cloud-init from writing the network configuration MAAS sends`,
        fix: `delete ${path} (packer-maas's networking.sh does)`,
        path,
      });
      continue;
    }
    const text = (await view.read(path))?.toString('utf8') ?? '';
    if (
      /network:\s*\{\s*config:\s*disabled\s*\}/.test(text) ||
      /network:\s*\n\s+config:\s*disabled/.test(text)
    ) {
      out.push({
        rule: 'network',
        severity: 'error',
        message: `${path} disables cloud-init networking: MAAS could not configure the deployed machine's interfaces`,
        fix: `remove the "network: {config: disabled}" setting from ${path}`,
        path,
      });
    } else if (name === '99-installer.cfg') {
      out.push({
        rule: 'network',
        severity: 'warning',
        message: `${path} is the installer's cloud-init configuration and overrides MAAS's datasource settings`,
        fix: `delete ${path} (packer-maas's networking.sh does)`,
        path,
      });
    }
  }
  if (os.family === 'ubuntu' || os.family === 'debian') {
    if (!(await firstExisting(view, ['/usr/sbin/netplan', '/usr/bin/netplan', '/usr/share/netplan']))) {
      out.push({
        rule: 'network',
        severity: 'error',
        message:
          "netplan is not installed: cloud-init renders MAAS's network configuration as netplan on Ubuntu and Debian images",
        fix: 'install netplan.io in the image',
      });
    }
    for (const name of (await view.list('/etc/netplan')) ?? []) {
      if (!/\.ya?ml$/.test(name)) continue;
      out.push({
        rule: 'network',
        severity: 'warning',
        message: `/etc/netplan/${name} is left from the build (the build VM's interfaces); it will be applied beside what MAAS configures`,
        fix: `delete /etc/netplan/${name} at the end of provisioning (packer-maas's cleanup.sh removes 50-cloud-init.yaml and 00-installer-config.yaml)`,
        path: `/etc/netplan/${name}`,
      });
    }
  }
  if (os.family === 'rhel') {
    const scripts = ((await view.list('/etc/sysconfig/network-scripts')) ?? []).filter(
      (n) => /^ifcfg-/.test(n) && n !== 'ifcfg-lo',
    );
    for (const name of scripts) {
      out.push({
        rule: 'network',
        severity: 'warning',
        message: `/etc/sysconfig/network-scripts/${name} is the build VM's interface configuration`,
        fix: "remove it: `rm -f /etc/sysconfig/network-scripts/ifcfg-[^lo]*` (as packer-maas's kickstarts do)",
        path: `/etc/sysconfig/network-scripts/${name}`,
      });
    }
    for (const name of (await view.list('/etc/NetworkManager/system-connections')) ?? []) {
      out.push({
        rule: 'network',
        severity: 'warning',
        message: `/etc/NetworkManager/system-connections/${name} is a connection from the build`,
        fix: 'remove it at the end of provisioning',
        path: `/etc/NetworkManager/system-connections/${name}`,
      });
    }
    if (
      !(await firstExisting(view, [
        '/usr/sbin/NetworkManager',
        '/etc/sysconfig/network-scripts',
        '/usr/sbin/ifup',
      ]))
    ) {
      out.push({
        rule: 'network',
        severity: 'error',
        message:
          "neither NetworkManager nor network-scripts is installed: cloud-init has nothing to render MAAS's network configuration to",
        fix: 'install NetworkManager (or network-scripts on EL7)',
      });
    }
    if (await exists(view, '/usr/bin/cloud-init')) {
      const pythons = ((await view.list('/usr/lib')) ?? []).filter((n) => /^python3/.test(n));
      let found = false;
      for (const py of pythons) if (await exists(view, `/usr/lib/${py}/site-packages/oauthlib`)) found = true;
      if (pythons.length && !found) {
        out.push({
          rule: 'network',
          severity: 'warning',
          message:
            "python3-oauthlib is not installed: cloud-init's MAAS datasource needs it to talk to the region",
          fix: "install python3-oauthlib (python-oauthlib on EL7), as packer-maas's kickstarts do",
        });
      }
    }
  }
  return out;
};

const kernel: Rule = async ({ view, os, artifact }) => {
  const out: Finding[] = [];
  if (!os) return out;
  const kernels = ((await view.list('/boot')) ?? []).filter((n) => /^(vmlinuz|vmlinux|Image)/.test(n));
  const modules = (await view.list('/lib/modules')) ?? (await view.list('/usr/lib/modules')) ?? [];
  const hasKernel = kernels.length > 0 || modules.length > 0;
  const customKernel = await view.read('/curtin/CUSTOM_KERNEL', 4096);
  if (artifact === 'rootfs' && os.family === 'ubuntu') {
    if (customKernel !== undefined && !customKernel.toString().trim()) {
      out.push({
        rule: 'kernel',
        severity: 'error',
        message: '/curtin/CUSTOM_KERNEL is empty',
        fix: 'write the kernel package name into it (e.g. linux-image-generic-hwe-24.04), or delete it',
        path: '/curtin/CUSTOM_KERNEL',
      });
    } else if (hasKernel && customKernel === undefined) {
      out.push({
        rule: 'kernel',
        severity: 'warning',
        message: `the image ships a kernel (${[...kernels, ...modules.map((m) => `modules ${m}`)].slice(0, 3).join(', ')}) but no /curtin/CUSTOM_KERNEL: MAAS installs the kernel chosen at deploy time, so this one is dead weight or conflicts with it`,
        fix: "purge linux-image-* at the end of provisioning (packer-maas's setup-boot.sh does), or pin this kernel by writing its package name to /curtin/CUSTOM_KERNEL",
        path: '/boot',
      });
    }
  }
  if (artifact === 'rootfs' && (os.family === 'rhel' || os.family === 'suse') && !hasKernel) {
    out.push({
      rule: 'kernel',
      severity: 'error',
      message: `no kernel in /boot: curtin does not install one for ${os.prettyName}`,
      fix: 'keep the kernel package installed (kernel / kernel-default)',
      path: '/boot',
    });
  }
  if (artifact === 'disk' && !hasKernel) {
    out.push({
      rule: 'kernel',
      severity: 'warning',
      message:
        'no kernel in /boot or /lib/modules of the root: a disk image boots as it is, with the kernel it holds',
      fix: 'install a kernel and boot loader before making a dd image',
      path: '/boot',
    });
  }
  return out;
};

const credentials: Rule = async ({ view }) => {
  const out: Finding[] = [];
  const shadow = (await view.read('/etc/shadow'))?.toString('utf8');
  const root = shadow?.split('\n').find((l) => l.startsWith('root:'));
  const hash = root?.split(':')[1];
  if (hash && !['*', '!', '!!', '!*', 'x'].includes(hash) && !hash.startsWith('!')) {
    out.push({
      rule: 'credentials',
      severity: 'warning',
      message: 'root has a password in /etc/shadow: every deployed machine would accept it',
      fix: 'lock it at the end of provisioning: `passwd -l root` or `sed -i "s/^root:[^:]*/root:*/" /etc/shadow` (packer-maas does the latter)',
      path: '/etc/shadow',
    });
  }
  const hostKeys = ((await view.list('/etc/ssh')) ?? []).filter((n) => /^ssh_host_.*_key$/.test(n));
  if (hostKeys.length) {
    out.push({
      rule: 'credentials',
      severity: 'warning',
      message: `SSH host keys from the build are in /etc/ssh (${hostKeys.join(', ')}): every deployed machine would share them`,
      fix: 'rm -f /etc/ssh/ssh_host_* at the end of provisioning (they are regenerated at first boot)',
      path: '/etc/ssh',
    });
  }
  if (await exists(view, '/root/.ssh/authorized_keys')) {
    out.push({
      rule: 'credentials',
      severity: 'warning',
      message:
        '/root/.ssh/authorized_keys is left from the build: whoever holds that key can log in to every deployed machine',
      fix: "rm -rf /root/.ssh at the end of provisioning (MAAS installs the user's keys through cloud-init)",
      path: '/root/.ssh/authorized_keys',
    });
  }
  return out;
};

const fstab: Rule = async ({ view, artifact }) => {
  if (artifact !== 'rootfs') return [];
  const text = (await view.read('/etc/fstab'))?.toString('utf8');
  if (!text) return [];
  const entries = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  if (!entries.length) return [];
  return [
    {
      rule: 'fstab',
      severity: 'warning',
      message: `/etc/fstab has ${entries.length} entr${entries.length > 1 ? 'ies' : 'y'} from the build machine (e.g. "${entries[0].trim()}"); curtin writes a new fstab for the deployed disks, and stale UUIDs fail to mount`,
      fix: "remove /etc/fstab at the end of provisioning (packer-maas's cleanup.sh does for non-LVM images)",
      path: '/etc/fstab',
    },
  ];
};

/** The OS-level rules (they need the root file system). */
export const IMAGE_RULES: Rule[] = [cloudInit, machineId, curtinHooks, network, kernel, credentials, fstab];

/** Name and base_image rules (they need no image, only the OS it holds when there is one). */
export function nameFindings(ctx: Pick<RuleContext, 'name' | 'baseImage' | 'os'>): Finding[] {
  const out: Finding[] = [];
  const { name, baseImage, os } = ctx;
  if (!name) {
    if (baseImage) {
      const problem = checkBaseImage(baseImage);
      if (problem)
        out.push({
          rule: 'base-image',
          severity: 'error',
          message: problem.message,
          fix: 'use the form os/series',
        });
    }
    return out;
  }
  const parsed = parseName(name);
  if ('field' in parsed) {
    out.push({
      rule: 'name',
      severity: 'error',
      message: parsed.message,
      fix: 'name it custom/<name> (or os/series for an OS MAAS knows)',
    });
    return out;
  }
  const suggestion = os ? suggestedBaseImage(os) : undefined;
  if (baseImage) {
    const problem = checkBaseImage(baseImage);
    if (problem)
      out.push({
        rule: 'base-image',
        severity: 'error',
        message: problem.message,
        fix: suggestion ? `use --base-image ${suggestion}` : 'use the form os/series',
      });
    else if (!parsed.custom) {
      out.push({
        rule: 'base-image',
        severity: 'warning',
        message: `MAAS ignores base_image for "${name}": only custom names (custom/... or a name without "/") take one`,
        fix: `drop --base-image, or name the image custom/${parsed.release}`,
      });
    } else if (os && suggestion && baseImage.split('/')[0] !== suggestion.split('/')[0]) {
      out.push({
        rule: 'base-image',
        severity: 'warning',
        message: `base_image ${baseImage} is a different OS family from the image (${os.prettyName})`,
        fix: `use --base-image ${suggestion}`,
      });
    } else if (os?.id === 'ubuntu' && suggestion && baseImage !== suggestion) {
      out.push({
        rule: 'base-image',
        severity: 'warning',
        message: `base_image ${baseImage} does not match the image's release (${os.prettyName})`,
        fix: `use --base-image ${suggestion}`,
      });
    }
    return out;
  }
  if (parsed.custom) {
    if (os && os.family !== 'ubuntu') {
      out.push({
        rule: 'base-image',
        severity: 'error',
        message: `"${name}" is a custom image of ${os.prettyName} without a base_image: MAAS would deploy it as its commissioning Ubuntu and fail (e.g. "Missing boot image custom/amd64/ga-20.04/...")`,
        fix: suggestion
          ? `upload with --base-image ${suggestion}`
          : 'upload with --base-image set to the closest of ubuntu/centos/rhel/ol',
      });
    } else if (!os) {
      out.push({
        rule: 'base-image',
        severity: 'warning',
        message: `"${name}" is a custom image without a base_image: MAAS assumes its commissioning Ubuntu release`,
        fix: 'set --base-image to the OS family the image is (rhel/9, ubuntu/noble, ...)',
      });
    } else if (suggestion) {
      out.push({
        rule: 'base-image',
        severity: 'info',
        message: `"${name}" has no base_image: MAAS assumes its commissioning release, which may not be ${os.codename}`,
        fix: `upload with --base-image ${suggestion}`,
      });
    }
  }
  return out;
}
