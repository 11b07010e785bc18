/**
 * shell-local's config, shared by the provisioner and the post-processor (packer-plugin-sdk shell-local):
 * run commands on the machine running Kiln. Prepare follows sl.Validate for a Linux host.
 */
import { SHELL_COMMON_FIELDS, checkEnvironmentVars, checkScripts, type ShellCommonConfig } from './shell';
import { bool, known, str, stringList } from '../fields';
import { resolvePath } from '../paths';
import type { FieldsOf, PrepareContext } from '../types';

export interface ShellLocalConfig extends ShellCommonConfig {
  /** Deprecated single command; after Prepare it is the only `inline` line. */
  command: string;
  /** argv; `{{.Vars}}` and `{{.Script}}` are filled in when it runs. */
  execute_command: string[];
  inline_shebang: string;
  only_on: string[];
  tempfile_extension: string;
  use_linux_pathing: boolean;
}

const SUPPORTED_OS = ['darwin', 'freebsd', 'linux', 'openbsd', 'solaris', 'windows'];

export const SHELL_LOCAL_FIELDS: FieldsOf<ShellLocalConfig> = {
  ...SHELL_COMMON_FIELDS,
  inline: stringList('Commands to run on this machine, one per line, in one script.', {
    details:
      'Written to a temporary file starting with `#!<inline_shebang>`; it runs in the directory Kiln runs in.',
  }),
  command: str('A single command to run (old form of `inline`).', {
    deprecated: { message: '`command` is deprecated; use `inline` instead.', replacement: 'inline' },
  }),
  execute_command: stringList(
    'The command line that runs the script: argv with `{{.Vars}}` and `{{.Script}}`.',
    {
      details:
        'Default `["/bin/sh", "-c", "{{.Vars}} {{.Script}}"]`. For the post-processor, a single string is run as ' +
        '`sh -c <string>` (its old form).',
      default: { text: '["/bin/sh", "-c", "{{.Vars}} {{.Script}}"]' },
      interpolate: false,
    },
  ),
  inline_shebang: str('The `#!` line of the script made from `inline`.', {
    default: { value: '/bin/sh -e', text: '/bin/sh -e' },
  }),
  only_on: stringList('Run only when Kiln runs on one of these systems (`linux`, `darwin`, `windows`, …).', {
    allowed: SUPPORTED_OS,
  }),
  tempfile_extension: str('Extension of the temporary script file made from `inline`.'),
  use_linux_pathing: bool('Windows Subsystem for Linux: turn script paths into /mnt/<drive>/ paths.', {
    default: { value: false, text: 'false' },
  }),
};

/** sl.Validate on Linux. A bad only_on or use_linux_pathing returns one error alone, as Packer does. */
export function prepareShellLocal(ctx: PrepareContext<ShellLocalConfig>): void {
  const d = ctx.draft;
  const errors: { message: string; key?: string }[] = [];
  if (d.inline_shebang === '') d.inline_shebang = '/bin/sh -e';
  if (known(d.execute_command) && d.execute_command.length === 0)
    d.execute_command = ['/bin/sh', '-c', '{{.Vars}} {{.Script}}'];
  if (known(d.valid_exit_codes) && d.valid_exit_codes.length === 0) d.valid_exit_codes = [0];

  const count = (value: unknown) => (Array.isArray(value) ? value.length : undefined);
  if (d.command === '' && count(d.inline) === 0 && count(d.scripts) === 0 && d.script === '') {
    errors.push({ message: 'Command, Inline, Script and Scripts options cannot all be empty.' });
  }
  const tooMany =
    'You may only specify one of the following options: Command, Inline, Script or Scripts. Please consolidate these options in your config.';
  let commandBecameInline = false;
  if (known(d.command) && d.command !== '') {
    if (
      (count(d.inline) ?? 0) !== 0 ||
      (count(d.scripts) ?? 0) !== 0 ||
      (known(d.script) && d.script !== '')
    ) {
      errors.push({ message: tooMany, key: 'command' });
    } else if (known(d.inline) && known(d.scripts) && known(d.script)) {
      d.inline = [d.command];
      commandBecameInline = true;
    }
  }
  if (known(d.script) && d.script !== '') {
    if ((count(d.scripts) ?? 0) > 0 || (count(d.inline) ?? 0) > 0)
      errors.push({ message: tooMany, key: 'script' });
    else if (known(d.scripts) && known(d.inline)) d.scripts = [d.script];
  }
  // Go compares inline with nil here: an empty `inline = []` still counts as given.
  const inlineGiven = ctx.isSet('inline') || commandBecameInline;
  if ((count(d.scripts) ?? 0) > 0 && inlineGiven) errors.push({ message: tooMany, key: 'inline' });
  // A bad only_on, or use_linux_pathing with scripts, makes Packer return that one error and drop the rest.
  const early = earlyError(ctx);
  if (early) return ctx.fail(early.message, early.key);
  for (const e of errors) ctx.error(e.message, e.key);
  checkScripts(ctx, d.scripts);
  if (d.use_linux_pathing === true && known(d.inline) && d.inline.length > 0) {
    ctx.error(
      'Packer is unable to use the Command and Inline features with the Windows Linux Subsystem. Please use the Script or Scripts options instead',
      'use_linux_pathing',
    );
  }
  if (d.env_var_format === '') d.env_var_format = "%s='%s' ";
  if (known(d.tempfile_extension)) d.tempfile_extension = d.tempfile_extension.replace(/^\./, '');
  checkEnvironmentVars(ctx);
}

function earlyError(ctx: PrepareContext<ShellLocalConfig>): { message: string; key: string } | undefined {
  const d = ctx.draft;
  if (known(d.only_on)) {
    for (const [i, os] of d.only_on.entries()) {
      if (known(os) && !SUPPORTED_OS.includes(os)) {
        return {
          message: `Invalid OS specified in only_on: '${os}'\nSupported OS names: ${SUPPORTED_OS.join(', ')}`,
          key: `only_on.${i}`,
        };
      }
    }
  }
  // On Linux an absolute path has no drive letter, so Packer's conversion to /mnt/<drive>/ always fails.
  if (d.use_linux_pathing === true && known(d.scripts) && d.scripts.length > 0 && known(d.scripts[0])) {
    const absolute = resolvePath(ctx.host, d.scripts[0]);
    return {
      message: `There was an error splitting your absolute path; expected to find a drive following the format ':/' but did not: absolute path: ${absolute}`,
      key: 'use_linux_pathing',
    };
  }
  return undefined;
}
