/** Boot and shutdown keys (packer-plugin-sdk bootcommand.VNCConfig/BootConfig and shutdowncommand). */
import { bootCommandErrors } from '../bootcommand';
import { bool, duration, known, str, stringList } from '../fields';
import type { FieldsOf, PrepareContext } from '../types';

export interface BootConfig {
  /** Milliseconds. */
  boot_keygroup_interval: number;
  /** Milliseconds; 10 s when unset or 0, negative = no wait. */
  boot_wait: number;
  boot_command: string[];
  disable_vnc: boolean;
  /** Milliseconds; 0 = PACKER_KEY_INTERVAL or 100 ms. */
  boot_key_interval: number;
}

export interface ShutdownConfig {
  shutdown_command: string;
  /** Milliseconds. */
  shutdown_timeout: number;
}

export const BOOT_KEYS_HELP =
  'Special keys: `<bs> <del> <enter> <return> <esc> <tab> <f1>…<f12> <up> <down> <left> <right> <spacebar> ' +
  '<insert> <home> <end> <pageUp> <pageDown> <menu> <leftAlt> <rightAlt> <leftCtrl> <rightCtrl> <leftShift> ' +
  '<rightShift> <leftSuper> <rightSuper> <leftCommand> <rightCommand> <leftOption> <rightOption>`. Add `On`/`Off` ' +
  'to hold or release a key (`<leftCtrlOn>c<leftCtrlOff>`); any single character toggles the same way (`<cOn>`). ' +
  '`<wait>` waits 1 s, `<wait5>` 5 s, `<wait1m30s>` any Go duration. Anything else is typed literally. ' +
  'Template values: `{{ .HTTPIP }}`, `{{ .HTTPPort }}`, `{{ .Name }}` (vm_name), `{{ .SSHPublicKey }}`.';

export const BOOT_FIELDS: FieldsOf<BootConfig> = {
  boot_keygroup_interval: duration(
    'Pause after a group of key presses (not used by the VNC typing of qemu).',
    {
      default: { value: 0, text: 'chosen by the builder' },
    },
  ),
  boot_wait: duration('How long to wait after starting the VM before typing `boot_command`.', {
    details: 'Set a negative value such as `-1s` for no wait at all (0 means the default).',
    default: { value: 10000, text: '10s' },
  }),
  boot_command: stringList('Keys to type into the VM console after boot_wait, to start the installer.', {
    details:
      'The strings are joined with nothing between them and typed over VNC. ' +
      BOOT_KEYS_HELP +
      '\n\nExample:\n\n```hcl\nboot_command = [\n  "<esc><wait>",\n  "linux ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.cfg<enter>"\n]\n```',
    interpolate: false,
  }),
  disable_vnc: bool('Do not open VNC (no boot_command can be typed then).', {
    default: { value: false, text: 'false' },
  }),
  boot_key_interval: duration('Delay after every key event while typing boot_command.', {
    default: { value: 0, text: 'PACKER_KEY_INTERVAL, else 100ms' },
  }),
};

export const SHUTDOWN_FIELDS: FieldsOf<ShutdownConfig> = {
  shutdown_command: str('Command run over the communicator to power the machine off after provisioning.', {
    details:
      'Without it Packer kills the VM once provisioning is done (with communicator `none`, it waits for the guest ' +
      "to power itself off). Example: `echo 'packer' | sudo -S shutdown -P now`.",
  }),
  shutdown_timeout: duration('How long to wait for the VM to stop after shutdown_command.', {
    details: 'When it runs out, Packer fails with `Timeout while waiting for machine to shut down.`',
    default: { value: 300000, text: '5m' },
  }),
};

/** shutdowncommand.ShutdownConfig.Prepare. */
export function prepareShutdown(ctx: PrepareContext<ShutdownConfig>): void {
  if (ctx.draft.shutdown_timeout === 0) ctx.draft.shutdown_timeout = 5 * 60_000;
}

/** bootcommand.VNCConfig.Prepare then BootConfig.Prepare. */
export function prepareBoot(ctx: PrepareContext<BootConfig>): void {
  const d = ctx.draft;
  const command = d.boot_command;
  if (known(command) && command.length > 0 && d.disable_vnc === true) {
    ctx.error('A boot command cannot be used when vnc is disabled.', 'disable_vnc');
  }
  if (d.boot_wait === 0) d.boot_wait = 10_000;
  if (ctx.isSet('boot_command') && known(command) && command.every(known)) {
    for (const message of bootCommandErrors(command.join(''))) ctx.error(message, 'boot_command');
  }
}
