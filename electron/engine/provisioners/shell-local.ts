/**
 * shell-local (Packer's sdk shell-local Run), shared by the provisioner and the post-processor: runs
 * `command`/`inline` (written to a temp `packer-shell…` script) or `script(s)` on this machine through
 * execute_command, with PACKER_BUILD_NAME/PACKER_BUILDER_TYPE and the template's variables.
 */
import { chmodSync, existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type {
  BuildInfo,
  ComponentContext,
  Provisioner,
  ProvisionerContext,
  Render,
} from '../build/components';
import { checkExitCode, envVarErrors, flattenEnv, scriptEnv } from './env';
import { runLocal } from './local-exec';

export interface ShellLocalConfig {
  command?: string;
  inline?: string[];
  script?: string;
  scripts?: string[];
  environment_vars?: string[];
  env?: Record<string, string>;
  env_var_format?: string;
  /** An array, or (for backwards compatibility) one string run as `sh -c <it>`. */
  execute_command?: string[] | string;
  inline_shebang?: string;
  only_on?: string[];
  tempfile_extension?: string;
  use_linux_pathing?: boolean;
  valid_exit_codes?: number[];
}

const SUPPORTED_OS = ['darwin', 'freebsd', 'linux', 'openbsd', 'solaris', 'windows'];
const TOO_MANY =
  'You may only specify one of the following options: Command, Inline, Script or Scripts. Please consolidate these options in your config.';

function goos(): string {
  return process.platform === 'win32'
    ? 'windows'
    : process.platform === 'sunos'
      ? 'solaris'
      : process.platform;
}

interface Prepared {
  inline?: string[];
  scripts: string[];
  executeCommand: string[];
  inlineShebang: string;
  envVarFormat: string;
  tempfileExtension: string;
}

/** Packer's Validate: the same errors, in the same order; relative scripts checked against `cwd`. */
export function prepareShellLocal(config: ShellLocalConfig, cwd: string): Prepared {
  const errors: string[] = [];
  let inline = config.inline && config.inline.length ? [...config.inline] : undefined;
  let scripts = [...(config.scripts ?? [])];
  let executeCommand =
    typeof config.execute_command === 'string'
      ? [config.execute_command]
      : [...(config.execute_command ?? [])];
  if (executeCommand.length === 0) executeCommand = ['/bin/sh', '-c', '{{.Vars}} {{.Script}}'];
  else if (executeCommand.length === 1) executeCommand = ['sh', '-c', executeCommand[0]];

  // A decoded config has `command` folded into `inline` and `script` into `scripts` already.
  const commandFolded = !!config.command && inline?.length === 1 && inline[0] === config.command;
  const scriptFolded = !!config.script && scripts.length === 1 && scripts[0] === config.script;
  if (!config.command && !inline && scripts.length === 0 && !config.script) {
    errors.push('Command, Inline, Script and Scripts options cannot all be empty.');
  }
  if (config.command && !commandFolded) {
    if (inline || scripts.length || config.script) errors.push(TOO_MANY);
    else inline = [config.command];
  }
  if (config.script && !scriptFolded) {
    if (scripts.length || inline) errors.push(TOO_MANY);
    else scripts = [config.script];
  }
  if (scripts.length && inline && !errors.includes(TOO_MANY)) errors.push(TOO_MANY);
  for (const s of scripts) {
    const full = resolve(cwd, s);
    if (!existsSync(full)) errors.push(`Bad script '${s}': stat ${s}: no such file or directory`);
    else if (!statSync(full).isFile() && !statSync(full).isDirectory())
      errors.push(`Bad script '${s}': not a file`);
  }
  for (const os of config.only_on ?? []) {
    if (!SUPPORTED_OS.includes(os)) {
      throw new Error(
        `Invalid OS specified in only_on: '${os}'\nSupported OS names: ${SUPPORTED_OS.join(', ')}`,
      );
    }
  }
  if (config.use_linux_pathing && inline) {
    errors.push(
      'Packer is unable to use the Command and Inline features with the Windows Linux Subsystem. Please use the Script or Scripts options instead',
    );
  }
  errors.push(...envVarErrors(config.environment_vars));
  if (errors.length) {
    throw new Error(
      errors.length === 1
        ? errors[0]
        : `${errors.length} errors occurred:\n${errors.map((e) => `\t* ${e}`).join('\n')}\n\n`,
    );
  }
  return {
    ...(inline ? { inline } : {}),
    scripts,
    executeCommand,
    inlineShebang: config.inline_shebang || '/bin/sh -e',
    envVarFormat: config.env_var_format || "%s='%s' ",
    tempfileExtension: (config.tempfile_extension ?? '').replace(/^\./, ''),
  };
}

/** Runs shell-local; returns false when skipped because of only_on. */
export async function runShellLocal(
  config: ShellLocalConfig,
  ctx: ComponentContext,
  generatedData: Readonly<Record<string, string>>,
  render: Render,
): Promise<void> {
  const prepared = prepareShellLocal(config, ctx.build.cwd);
  const { ui, build, temp, signal } = ctx;
  if (config.only_on?.length && !config.only_on.includes(goos())) {
    ui.say('Skipping shell-local due to runtime OS');
    return;
  }
  const scripts = [...prepared.scripts];
  let inlineFile: string | undefined;
  if (scripts.length === 0 && prepared.inline) {
    const body = `#!${prepared.inlineShebang}\n` + prepared.inline.map((l) => `${l}\n`).join('');
    const suffix = prepared.tempfileExtension ? `.${prepared.tempfileExtension}` : '';
    inlineFile = temp.file('packer-shell', body, suffix);
    chmodSync(inlineFile, 0o700);
    scripts.push(inlineFile);
  }
  try {
    const vars = flattenEnv(scriptEnv(config, build, generatedData), prepared.envVarFormat);
    for (const script of scripts) {
      const absolute = resolve(build.cwd, script);
      const data = { ...generatedData, Vars: vars, Script: absolute, Command: absolute };
      const argv = prepared.executeCommand.map((c) => render(c, data));
      ui.say(`Running local shell script: ${script}`);
      let status: number;
      try {
        status = (
          await runLocal(argv, ui, signal, {
            cwd: build.cwd,
            env: { ...process.env, PACKER_RUN_UUID: build.runUuid },
          })
        ).status;
      } catch (err) {
        // A timeout or a cancel too: Packer's RunWithUi returns the context's error, reported this way.
        throw new Error(
          `Error executing script: ${absolute}\n\nPlease see output above for more information.`,
          {
            cause: err,
          },
        );
      }
      checkExitCode(status, config.valid_exit_codes);
    }
  } finally {
    if (inlineFile) temp.remove(inlineFile);
  }
}

/** The shell-local provisioner. */
export class ShellLocalProvisioner implements Provisioner {
  constructor(
    private readonly config: ShellLocalConfig,
    private readonly render: Render,
  ) {}

  provision(ctx: ProvisionerContext): Promise<void> {
    return runShellLocal(this.config, ctx, ctx.generatedData, this.render);
  }
}

/** Checks a config before the build starts (Packer's Prepare), throwing its errors. */
export function validateShellLocal(config: ShellLocalConfig, build: Pick<BuildInfo, 'cwd'>): void {
  prepareShellLocal(config, build.cwd);
}
