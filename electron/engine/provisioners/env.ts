/**
 * The environment Packer's shell and shell-local give a script: PACKER_BUILD_NAME, PACKER_BUILDER_TYPE,
 * PACKER_HTTP_* when the builder serves HTTP, then `environment_vars` ("K=V") and `env` (a map that
 * wins), single quotes escaped as `'"'"'`, keys sorted, each formatted with env_var_format.
 */
import type { BuildInfo } from '../build/components';
import {
  HTTP_ADDR_NOT_IMPLEMENTED,
  HTTP_IP_NOT_IMPLEMENTED,
  HTTP_PORT_NOT_IMPLEMENTED,
} from '../build/provision';

export interface EnvSettings {
  environment_vars?: string[];
  env?: Record<string, string>;
}

/** Validates `environment_vars` entries (Packer's Prepare error). */
export function envVarErrors(vars: readonly string[] | undefined): string[] {
  const errors: string[] = [];
  for (const kv of vars ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) errors.push(`Environment variable not in format 'key=value': ${kv}`);
  }
  return errors;
}

function quote(value: string): string {
  return value.split("'").join(`'"'"'`);
}

/** The variables, sorted by name, values already quoted for `'%s'`. */
export function scriptEnv(
  settings: EnvSettings,
  build: BuildInfo,
  generatedData: Readonly<Record<string, string>>,
): Array<[string, string]> {
  const vars = new Map<string, string>();
  vars.set('PACKER_BUILD_NAME', build.sourceName);
  vars.set('PACKER_BUILDER_TYPE', build.builderType);
  const addr = generatedData.PackerHTTPAddr;
  if (addr !== undefined && addr !== HTTP_ADDR_NOT_IMPLEMENTED) vars.set('PACKER_HTTP_ADDR', addr);
  const ip = generatedData.PackerHTTPIP;
  if (ip !== undefined && ip !== HTTP_IP_NOT_IMPLEMENTED) vars.set('PACKER_HTTP_IP', ip);
  const port = generatedData.PackerHTTPPort;
  if (port !== undefined && port !== HTTP_PORT_NOT_IMPLEMENTED) vars.set('PACKER_HTTP_PORT', port);
  for (const kv of settings.environment_vars ?? []) {
    const eq = kv.indexOf('=');
    vars.set(kv.slice(0, eq), quote(kv.slice(eq + 1)));
  }
  for (const [k, v] of Object.entries(settings.env ?? {})) vars.set(k, quote(v));
  return [...vars].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Go's fmt.Sprintf for the env_var_format: each `%s` takes the next argument. */
export function sprintf(format: string, ...args: string[]): string {
  let i = 0;
  return format.replace(/%[sv%]/g, (m) => (m === '%%' ? '%' : (args[i++] ?? '%!s(MISSING)')));
}

export function flattenEnv(vars: Array<[string, string]>, format: string): string {
  return vars.map(([k, v]) => sprintf(format, k, v)).join('');
}

/** Packer's ErrorInvalidExitCode. 1.6.6's text lacks a space after the period; Kiln keeps it (byte-equal output). */
export function checkExitCode(code: number, valid: readonly number[] | undefined): void {
  const allowed = valid && valid.length ? valid : [0];
  if (!allowed.includes(code)) {
    throw new Error(
      `Script exited with non-zero exit status: ${code}.Allowed exit codes are: [${allowed.join(' ')}]`,
    );
  }
}
