/** The shell provisioner (packer `provisioner/shell`): upload scripts to the guest and run them over SSH. */
import {
  SHELL_COMMON_FIELDS,
  checkEnvironmentVars,
  checkScripts,
  type ShellCommonConfig,
} from '../common/shell';
import { bool, duration, known, str } from '../fields';
import type { ComponentSchema, FieldsOf } from '../types';

export interface ShellProvisionerConfig extends ShellCommonConfig {
  binary: boolean;
  remote_path: string;
  execute_command: string;
  /** '' when the template did not set it: use `/bin/sh -e` unless the first inline line starts with `#!`. */
  inline_shebang: string;
  /** Milliseconds. */
  pause_after: number;
  use_env_var_file: boolean;
  remote_folder: string;
  remote_file: string;
  /** Milliseconds. */
  start_retry_timeout: number;
  skip_clean: boolean;
  expect_disconnect: boolean;
}

const FIELDS: FieldsOf<ShellProvisionerConfig> = {
  ...SHELL_COMMON_FIELDS,
  binary: bool('The scripts are binary: do not convert CRLF line endings to LF.', {
    default: { value: false, text: 'false' },
  }),
  remote_path: str('Full path the script is uploaded to in the guest.', {
    default: { text: '<remote_folder>/<remote_file>' },
  }),
  execute_command: str(
    'How the uploaded script is run; `{{.Path}}` is its path, `{{.Vars}}` the environment.',
    {
      details:
        'Rendered when each script runs (not at validate time). With use_env_var_file, `{{.EnvVarFile}}` names the ' +
        "uploaded variables file. Example: `echo 'packer' | {{ .Vars }} sudo -S -E sh -eux '{{ .Path }}'`.",
      default: { text: 'chmod +x {{.Path}}; {{.Vars}} {{.Path}}' },
      interpolate: false,
    },
  ),
  inline_shebang: str('The `#!` line of the script made from `inline`.', {
    details: 'When not set and the first inline line already starts with `#!`, no shebang is added.',
    default: { value: '/bin/sh -e', text: '/bin/sh -e' },
  }),
  pause_after: duration('Wait this long after the scripts have run.', { default: { value: 0, text: '0s' } }),
  use_env_var_file: bool(
    'Upload the environment as a file and source it, instead of prefixing the command.',
    {
      default: { value: false, text: 'false' },
    },
  ),
  remote_folder: str('Folder in the guest the script is uploaded to.', {
    default: { value: '/tmp', text: '/tmp' },
  }),
  remote_file: str('File name of the uploaded script.', {
    details: 'Chosen once per provisioner block, so all its scripts share the same remote path.',
    default: { text: 'script_<random 0-9998>.sh' },
  }),
  start_retry_timeout: duration(
    'Keep retrying to start the script for this long (e.g. while the guest reboots).',
    {
      default: { value: 300000, text: '5m' },
    },
  ),
  skip_clean: bool('Leave the uploaded script in the guest.', { default: { value: false, text: 'false' } }),
  expect_disconnect: bool('A script that drops the connection (a reboot) is not an error.', {
    details: 'Without it, a lost connection fails with `Script disconnected unexpectedly…`.',
    default: { value: false, text: 'false' },
  }),
};

/** Whether `inline` holds commands: Packer treats an empty list like an absent one. */
export function inlineState(isSet: boolean, inline: unknown): 'none' | 'some' | 'unknown' {
  if (!isSet) return 'none';
  if (!Array.isArray(inline)) return 'unknown';
  return inline.length > 0 ? 'some' : 'none';
}

export const shellProvisioner: ComponentSchema<ShellProvisionerConfig> = {
  kind: 'provisioner',
  type: 'shell',
  pluginId: 'shell',
  doc: 'Uploads shell scripts (or inline commands) to the machine and runs them over the communicator.',
  details:
    'Each script is uploaded to `remote_path`, made executable and run with `execute_command`; a non-zero exit ' +
    'status not in `valid_exit_codes` fails the build. Exactly one of `inline`, `script` and `scripts` is needed.',
  fields: FIELDS,
  prepare(ctx) {
    const d = ctx.draft;
    if (d.env_var_format === '')
      d.env_var_format = d.use_env_var_file === true ? "export %s='%s'\n" : "%s='%s' ";
    if (d.execute_command === '') {
      d.execute_command =
        d.use_env_var_file === true
          ? 'chmod +x {{.Path}}; . {{.EnvVarFile}} && {{.Path}}'
          : 'chmod +x {{.Path}}; {{.Vars}} {{.Path}}';
    }
    // inline_shebang stays '' when unset: the provisioner then uses `/bin/sh -e` unless the first inline
    // line already starts with `#!` (Packer tracks this as "inlineShebangDefined").
    if (known(d.valid_exit_codes) && d.valid_exit_codes.length === 0) d.valid_exit_codes = [0];
    if (d.start_retry_timeout === 0) d.start_retry_timeout = 5 * 60_000;
    if (d.remote_folder === '') d.remote_folder = '/tmp';
    // Chosen once here, so every script of this block shares the remote path.
    if (d.remote_file === '') d.remote_file = `script_${Math.floor(ctx.random() * 9999)}.sh`;
    if (d.remote_path === '' && known(d.remote_folder) && known(d.remote_file)) {
      d.remote_path = `${d.remote_folder}/${d.remote_file}`;
    }
    const inline = inlineState(ctx.isSet('inline'), d.inline);
    const script = d.script;
    if (known(script) && script !== '' && known(d.scripts) && d.scripts.length > 0) {
      ctx.error('Only one of script or scripts can be specified.', 'script');
    }
    if (known(script) && script !== '') d.scripts = [script];
    const scriptCount = known(script) && known(d.scripts) ? d.scripts.length : undefined;
    if (scriptCount === 0 && inline === 'none') {
      ctx.error('Either a script file or inline script must be specified.');
    } else if (scriptCount !== undefined && scriptCount > 0 && inline === 'some') {
      ctx.error('Only a script file or an inline script can be specified, not both.', 'inline');
    }
    checkScripts(ctx, d.scripts);
    checkEnvironmentVars(ctx);
  },
};
