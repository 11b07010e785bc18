/** Keys shared by the shell and shell-local provisioners (packer-plugin-sdk shell.Provisioner). */
import { intList, known, str, stringList, stringMap } from '../fields';
import { statError } from '../paths';
import type { FieldsOf, PrepareContext } from '../types';

export interface ShellCommonConfig {
  inline: string[];
  script: string;
  /** After Prepare: every script to run (`script` folded in). */
  scripts: string[];
  valid_exit_codes: number[];
  environment_vars: string[];
  env: Record<string, string>;
  env_var_format: string;
}

export const SHELL_COMMON_FIELDS: FieldsOf<ShellCommonConfig> = {
  inline: stringList('Commands to run, one per line, in one shell script.', {
    details:
      'The lines are written to a temporary script that starts with `#!<inline_shebang>` (left out when the lines start with their own `#!` and `inline_shebang` is not set).',
  }),
  script: str('A local script to run.', { path: 'file' }),
  scripts: stringList('Local scripts to run, in order.', { path: 'file' }),
  valid_exit_codes: intList('Exit codes that count as success.', { default: { value: [0], text: '[0]' } }),
  environment_vars: stringList('Environment for the scripts, as `KEY=value` strings.', {
    details:
      'Packer adds `PACKER_BUILD_NAME`, `PACKER_BUILDER_TYPE` and, when an HTTP server runs, `PACKER_HTTP_IP`, ' +
      '`PACKER_HTTP_PORT` and `PACKER_HTTP_ADDR`. Values are single-quoted for the shell.',
  }),
  env: stringMap('Environment for the scripts as a map; it wins over environment_vars.'),
  env_var_format: str('printf format of one variable in `{{.Vars}}`.', { default: { text: "%s='%s' " } }),
};

/** A `Bad script` error per missing script, as Packer's Prepare gives it. */
export function checkScripts(ctx: PrepareContext<ShellCommonConfig>, scripts: unknown): void {
  if (!known(scripts) || !Array.isArray(scripts)) return;
  const fromScript = ctx.isSet('script') && !ctx.isSet('scripts');
  scripts.forEach((path: unknown, i) => {
    if (typeof path !== 'string') return;
    const error = statError(ctx.host, path);
    const key = fromScript ? 'script' : `scripts.${i}`;
    if (error)
      ctx.error(
        `Bad script '${path}': ${error}`,
        key,
        `"${fromScript ? 'script' : 'scripts'}" names a file that does not exist`,
      );
  });
}

/** The `KEY=value` check both shell provisioners make. */
export function checkEnvironmentVars(ctx: PrepareContext<ShellCommonConfig>): void {
  const vars = ctx.draft.environment_vars;
  if (!known(vars)) return;
  vars.forEach((kv, i) => {
    if (!known(kv)) return;
    const eq = kv.indexOf('=');
    if (eq <= 0) ctx.error(`Environment variable not in format 'key=value': ${kv}`, `environment_vars.${i}`);
  });
}
