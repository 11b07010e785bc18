/**
 * The shell provisioner (Packer's provisioner/shell): uploads each script to remote_path, `chmod 0755`s
 * it, runs execute_command, checks the exit status (2300218 = disconnected), removes it. Upload, chmod
 * and run retry together for start_retry_timeout while the command cannot even be started (a reboot).
 */
import { randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Provisioner, ProvisionerContext, Render } from '../build/components';
import { toMilliseconds } from '../build/duration';
import { formatGoDuration } from '../build/duration';
import type { Communicator } from '../comm/communicator';
import { CMD_DISCONNECT, runCommand, runWithUi } from '../comm/communicator';
import { checkExitCode, envVarErrors, flattenEnv, scriptEnv } from './env';

export interface ShellConfig {
  inline?: string[];
  script?: string;
  scripts?: string[];
  environment_vars?: string[];
  env?: Record<string, string>;
  env_var_format?: string;
  execute_command?: string;
  inline_shebang?: string;
  expect_disconnect?: boolean;
  valid_exit_codes?: number[];
  remote_folder?: string;
  remote_file?: string;
  remote_path?: string;
  skip_clean?: boolean;
  start_retry_timeout?: number | string;
  pause_after?: number | string;
  use_env_var_file?: boolean;
  binary?: boolean;
}

export const DISCONNECT_MESSAGE =
  'Script disconnected unexpectedly. If you expected your script to disconnect, i.e. from a restart, you can try adding `"expect_disconnect": true` or `"valid_exit_codes": [0, 2300218]` to the shell provisioner parameters.';

interface Prepared {
  scripts: string[];
  inline?: string[];
  executeCommand: string;
  envVarFormat: string;
  inlineShebang: string;
  /** `inline_shebang` was set: then it is written even above lines that start with their own `#!`. */
  inlineShebangGiven: boolean;
  remoteFolder: string;
  remotePath: string;
  startRetryTimeoutMs: number;
  pauseAfterMs: number;
}

/** Packer's Prepare, errors included. `remote_file` is chosen here, once per provisioner block. */
export function prepareShell(config: ShellConfig, cwd: string): Prepared {
  const errors: string[] = [];
  const inline = config.inline && config.inline.length ? config.inline : undefined;
  let scripts = config.scripts ?? [];
  // A decoded config has `script` folded into `scripts` already.
  const folded = scripts.length === 1 && scripts[0] === config.script;
  if (config.script && scripts.length && !folded)
    errors.push('Only one of script or scripts can be specified.');
  if (config.script) scripts = [config.script];
  if (scripts.length === 0 && !inline)
    errors.push('Either a script file or inline script must be specified.');
  else if (scripts.length && inline)
    errors.push('Only a script file or an inline script can be specified, not both.');
  for (const s of scripts) {
    if (!existsSync(resolve(cwd, s))) errors.push(`Bad script '${s}': stat ${s}: no such file or directory`);
  }
  errors.push(...envVarErrors(config.environment_vars));
  if (errors.length) {
    throw new Error(
      errors.length === 1
        ? errors[0]
        : `${errors.length} errors occurred:\n${errors.map((e) => `\t* ${e}`).join('\n')}\n\n`,
    );
  }
  const useFile = config.use_env_var_file ?? false;
  const remoteFolder = config.remote_folder || '/tmp';
  const remoteFile = config.remote_file || `script_${randomInt(0, 9999)}.sh`;
  return {
    scripts,
    ...(inline ? { inline } : {}),
    executeCommand:
      config.execute_command ||
      (useFile
        ? 'chmod +x {{.Path}}; . {{.EnvVarFile}} && {{.Path}}'
        : 'chmod +x {{.Path}}; {{.Vars}} {{.Path}}'),
    envVarFormat: config.env_var_format || (useFile ? "export %s='%s'\n" : "%s='%s' "),
    inlineShebang: config.inline_shebang || '/bin/sh -e',
    inlineShebangGiven: !!config.inline_shebang,
    remoteFolder,
    remotePath: config.remote_path || `${remoteFolder}/${remoteFile}`,
    startRetryTimeoutMs: toMilliseconds(config.start_retry_timeout) || 5 * 60_000,
    pauseAfterMs: toMilliseconds(config.pause_after),
  };
}

/**
 * The script made from `inline`: one line per entry, under `#!<inline_shebang>` — unless the lines bring
 * their own `#!` and no `inline_shebang` was set, as Packer does since 1.13 (1.6.6 always wrote it,
 * giving such scripts two shebang lines, the first one winning).
 */
export function inlineScript(p: Pick<Prepared, 'inline' | 'inlineShebang' | 'inlineShebangGiven'>): string {
  const body = (p.inline ?? []).map((l) => `${l}\n`).join('');
  return p.inlineShebangGiven || !body.startsWith('#!') ? `#!${p.inlineShebang}\n${body}` : body;
}

/** Packer's UnixReader: CRLF to LF, and every line (the last too) ends with `\n`. */
export function toUnixLines(data: Buffer): Buffer {
  const text = data.toString('latin1');
  if (text === '') return data;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return Buffer.from(lines.map((l) => l.replace(/\r$/, '') + '\n').join(''), 'latin1');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Packer's retry.Config{StartTimeout}: retries every 2 s until it works or the start timeout passes. */
export async function retryUntil<T>(
  startTimeoutMs: number,
  signal: AbortSignal,
  fn: () => Promise<T>,
): Promise<T> {
  const deadline = startTimeoutMs > 0 ? Date.now() + startTimeoutMs : Infinity;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (signal.aborted || Date.now() >= deadline) throw err;
      await sleep(2000, signal);
    }
  }
}

export class ShellProvisioner implements Provisioner {
  private readonly prepared: Prepared;

  constructor(
    private readonly config: ShellConfig,
    private readonly render: Render,
    cwd: string,
  ) {
    this.prepared = prepareShell(config, cwd);
  }

  async provision(ctx: ProvisionerContext): Promise<void> {
    const p = this.prepared;
    const { ui, comm, signal, temp, build } = ctx;
    const scripts = p.scripts.map((s) => ({ label: s, path: resolve(build.cwd, s) }));
    let inlineFile: string | undefined;
    if (p.inline) {
      inlineFile = temp.file('packer-shell', inlineScript(p));
      scripts.push({ label: inlineFile, path: inlineFile });
    }
    try {
      const env = scriptEnv(this.config, build, ctx.generatedData);
      let envVarFile = '';
      if (this.config.use_env_var_file) {
        const content = Buffer.from(flattenEnv(env, p.envVarFormat));
        envVarFile = await retryUntil(p.startRetryTimeoutMs, signal, async () => {
          const remote = `${p.remoteFolder}/varfile_${randomInt(0, 9999)}.sh`;
          try {
            await comm.upload(remote, {
              kind: 'buffer',
              data: this.config.binary ? content : toUnixLines(content),
            });
          } catch (err) {
            throw new Error(`Error uploading envVarFile: ${(err as Error).message}`, { cause: err });
          }
          await this.start(
            comm,
            `chmod 0600 ${remote}`,
            signal,
            'Error chmodding script file to 0600 in remote machine',
          );
          return remote;
        });
      }
      const vars = this.config.use_env_var_file ? '' : flattenEnv(env, p.envVarFormat);
      for (const script of scripts) {
        ui.say(`Provisioning with shell script: ${script.label}`);
        let raw: Buffer;
        try {
          raw = readFileSync(script.path);
        } catch (err) {
          throw new Error(`Error opening shell script: ${(err as Error).message}`, { cause: err });
        }
        const data = this.config.binary ? raw : toUnixLines(raw);
        const command = this.render(p.executeCommand, {
          ...ctx.generatedData,
          Vars: vars,
          EnvVarFile: envVarFile,
          Path: p.remotePath,
        });
        const status = await retryUntil(p.startRetryTimeoutMs, signal, async () => {
          try {
            await comm.upload(p.remotePath, { kind: 'buffer', data });
          } catch (err) {
            throw new Error(`Error uploading script: ${(err as Error).message}`, { cause: err });
          }
          await this.start(
            comm,
            `chmod 0755 ${p.remotePath}`,
            signal,
            'Error chmodding script file to 0755 in remote machine',
          );
          return runWithUi(comm, command, ui, signal);
        });
        if (status === CMD_DISCONNECT) {
          if (!this.config.expect_disconnect) throw new Error(DISCONNECT_MESSAGE);
        } else checkExitCode(status, this.config.valid_exit_codes);
        if (this.config.skip_clean) continue;
        await this.cleanupRemote(comm, p.remotePath, signal);
      }
      if (!this.config.skip_clean) await this.cleanupRemote(comm, envVarFile, signal);
      if (p.pauseAfterMs > 0) {
        ui.say(`Pausing ${formatGoDuration(p.pauseAfterMs)} after this provisioner...`);
        await sleep(p.pauseAfterMs, signal);
      }
    } finally {
      if (inlineFile) temp.remove(inlineFile);
    }
  }

  private async start(
    comm: Communicator,
    command: string,
    signal: AbortSignal,
    failure: string,
  ): Promise<number> {
    try {
      return await runCommand(comm, { command }, signal);
    } catch (err) {
      throw new Error(`${failure}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** `rm -f <path>` until it works (a disconnect is retried); runs even for an empty path, as Packer's does. */
  private async cleanupRemote(comm: Communicator, path: string, signal: AbortSignal): Promise<void> {
    await retryUntil(this.prepared.startRetryTimeoutMs, signal, async () => {
      const status = await this.start(
        comm,
        `rm -f ${path}`,
        signal,
        `Error removing temporary script at ${path}`,
      );
      if (status === CMD_DISCONNECT) throw new Error('Disconnect while removing temporary script.');
      if (status !== 0) throw new Error(`Error removing temporary script at ${path}!`);
    });
  }
}
